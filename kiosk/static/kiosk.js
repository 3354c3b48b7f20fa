/* Kiosk page: setup (device token), services, issuing, print status, scanning.
   No framework, no build step, nothing from the internet: centers run offline. */
(function () {
  "use strict";

  var CONFIG = JSON.parse(document.getElementById("kiosk-config").textContent);
  var TOKEN_KEY = "motcua.kiosk.deviceToken";
  var COOKIE = "motcua_kiosk_device";
  var REFRESH_MS = 60000;

  var I18N = {
    vi: {
      lang_button: "English",
      choose_service: "Ông/Bà chạm vào lĩnh vực cần giải quyết để lấy số",
      group_submit: "Nộp hồ sơ theo lĩnh vực",
      group_information: "Hỏi đáp, hướng dẫn",
      scan_hint: "Ông/Bà có giấy hẹn trả kết quả hoặc căn cước gắn chip? Đưa mã QR vào máy quét.",
      camera_button: "Quét mã bằng camera",
      camera_title: "Đưa mã QR vào trước camera",
      camera_starting: "Đang mở camera…",
      camera_failed: "Không mở được camera. Vui lòng dùng máy quét.",
      close: "Đóng",
      your_number: "SỐ THỨ TỰ CỦA ÔNG/BÀ",
      ticket_status: "TRẠNG THÁI SỐ THỨ TỰ",
      people_ahead: "Số người chờ trước Ông/Bà",
      estimated_wait: "Thời gian chờ dự kiến",
      issued_at: "Giờ lấy số",
      qr_caption: "Quét mã để theo dõi lượt gọi trên điện thoại",
      done: "Xong",
      waiting: "Đang chờ",
      no_counter: "Chưa có quầy mở",
      minutes: "phút",
      very_soon: "Sắp đến lượt",
      priority_label: "Ưu tiên",
      priority_step: "Bước 2/2",
      priority_question: "Ông/Bà có thuộc diện ưu tiên không?",
      priority_none: "Không — lấy số thường",
      priority_or: "Nếu có, Ông/Bà chọn một diện ưu tiên:",
      priority_scan: "Nhận kết quả hồ sơ",
      back: "Quay lại",
      card_received: "Đã nhận căn cước",
      card_cancel: "Hủy",
      offline_tap: ["Kiosk đang mất kết nối với máy chủ nên chưa phát số được. Ông/Bà vui lòng chờ giây lát rồi thử lại hoặc báo cán bộ.",
                    "The kiosk cannot reach the server, so it cannot issue numbers now. Please wait a moment and try again, or ask staff."]
    },
    en: {
      lang_button: "Tiếng Việt",
      choose_service: "Tap the field you need to get a number",
      group_submit: "Submit a dossier, by field",
      group_information: "Information and guidance",
      scan_hint: "Have a result appointment slip or a chip ID card? Hold its QR code to the scanner.",
      camera_button: "Scan with the camera",
      camera_title: "Hold the QR code in front of the camera",
      camera_starting: "Opening the camera…",
      camera_failed: "The camera could not be opened. Please use the scanner.",
      close: "Close",
      your_number: "YOUR NUMBER",
      ticket_status: "TICKET STATUS",
      people_ahead: "People ahead of you",
      estimated_wait: "Estimated wait",
      issued_at: "Issued at",
      qr_caption: "Scan to follow your turn on your phone",
      done: "Done",
      waiting: "Waiting",
      no_counter: "No counter open",
      minutes: "min",
      very_soon: "Very soon",
      priority_label: "Priority",
      priority_step: "Step 2 of 2",
      priority_question: "Do you qualify for priority?",
      priority_none: "No — regular number",
      priority_or: "If you do, choose your priority group:",
      priority_scan: "Collect a dossier result",
      back: "Back",
      card_received: "ID card received",
      card_cancel: "Cancel"
    }
  };

  var PRINT_TEXT = {
    pending: ["Đang in phiếu…", "Printing your ticket…"],
    printed: ["Đã in phiếu — mời nhận phiếu ở khe máy in.", "Ticket printed — please take it from the printer."],
    failed: ["Máy in gặp sự cố — Ông/Bà vui lòng chụp lại màn hình hoặc quét mã QR.",
             "The printer has a problem — please take a photo of this screen or scan the QR code."],
    // A kiosk set up without a printer is normal, not a fault: a calm notice, not an error box.
    none: ["Ông/Bà vui lòng ghi nhớ số hoặc chụp ảnh mã QR trên màn hình.",
           "Please remember your number or take a photo of the QR code on the screen."]
  };

  var state = {
    token: null, me: null, services: [], issuing: { allowed: true, reason_vi: "", reason_en: "" },
    lang: "vi", overlay: null, busy: false, socket: null, online: true, pendingChoice: null,
    currentTicket: null, idleTimer: null, idleDeadline: 0, countdownEl: null, homeTimer: null,
    refreshTimer: null, refreshTimeout: null, citizen: null, citizenTimer: null
  };

  function $(id) { return document.getElementById(id); }
  function t(key) { return (I18N[state.lang] && I18N[state.lang][key]) || I18N.vi[key] || key; }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }
  function sleep(ms) { return new Promise(function (r) { setTimeout(r, ms); }); }

  // ---------------------------------------------------------------- device token
  function readToken() {
    var v = null;
    try { v = window.localStorage.getItem(TOKEN_KEY); } catch (e) { v = null; }
    if (!v) {
      var m = document.cookie.match(new RegExp("(?:^|; )" + COOKIE + "=([^;]*)"));
      v = m ? decodeURIComponent(m[1]) : null;
    }
    return v;
  }
  function storeToken(v) {
    try { window.localStorage.setItem(TOKEN_KEY, v); } catch (e) { /* private mode: the cookie still holds it */ }
    document.cookie = COOKIE + "=" + encodeURIComponent(v) + "; max-age=" + (10 * 365 * 86400) + "; path=/kiosk; SameSite=Strict";
  }
  function forgetToken() {
    try { window.localStorage.removeItem(TOKEN_KEY); } catch (e) { /* ignore */ }
    document.cookie = COOKIE + "=; max-age=0; path=/kiosk; SameSite=Strict";
  }

  // ---------------------------------------------------------------- API
  function api(method, path, body, token) {
    var headers = { "Accept": "application/json", "X-Device-Token": token || state.token || "" };
    var init = { method: method, headers: headers, cache: "no-store" };
    if (body !== undefined) { headers["Content-Type"] = "application/json"; init.body = JSON.stringify(body); }
    return fetch(path, init).then(function (resp) {
      return resp.json().catch(function () { return {}; }).then(function (data) {
        return { ok: resp.ok, status: resp.status, data: data || {} };
      });
    }, function () {
      setOnline(false);
      return { ok: false, status: 0, data: { error: { code: "network",
        message_vi: "Mất kết nối với máy chủ. Vui lòng thử lại sau giây lát hoặc báo cán bộ.",
        message_en: "Cannot reach the server. Please try again in a moment or ask staff." } } };
    });
  }
  function errorOf(r) {
    var e = (r.data && r.data.error) || {};
    return { code: e.code || "error", vi: e.message_vi || "Đã có lỗi. Vui lòng thử lại hoặc báo cán bộ.",
             en: e.message_en || "Something went wrong. Please try again or ask staff." };
  }

  // ---------------------------------------------------------------- views
  function showView(name) {
    ["loading", "setup", "home"].forEach(function (v) { $("view-" + v).hidden = v !== name; });
    document.body.dataset.view = name;
  }

  function showSetup(message) {
    closeOverlays();
    showView("setup");
    var err = $("setup-error");
    if (message) { err.textContent = message; err.hidden = false; } else { err.hidden = true; }
    var input = $("setup-token");
    input.value = "";
    setTimeout(function () { input.focus(); }, 50);
  }

  $("setup-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var value = $("setup-token").value.trim();
    if (!value) { return; }
    api("GET", "/api/v1/kiosk/me", undefined, value).then(function (r) {
      if (r.ok) {
        storeToken(value);
        state.token = value;
        start();
      } else if (r.status === 401) {
        showSetup("Mã thiết bị không đúng hoặc đã bị thu hồi. / Wrong or revoked device token.");
      } else {
        var e = errorOf(r);
        showSetup(e.vi + " / " + e.en);
      }
    });
  });

  // ---------------------------------------------------------------- start
  function boot() {
    var params = new URLSearchParams(window.location.search);
    var given = params.get("device");
    if (given) {
      storeToken(given.trim());
      params.delete("device");
      var rest = params.toString();
      window.history.replaceState(null, "", window.location.pathname + (rest ? "?" + rest : ""));
    }
    if (params.has("setup")) { showSetup(); return; }
    state.token = readToken();
    if (!state.token) { showSetup(); return; }
    start();
  }

  function start() {
    showView("loading");
    api("GET", "/api/v1/kiosk/me").then(function (r) {
      if (r.status === 401) {
        forgetToken();
        showSetup("Kiosk này chưa được đăng ký hoặc mã đã bị thu hồi. / This kiosk is not registered or its token was revoked.");
        return;
      }
      if (!r.ok) { setTimeout(start, r.status === 0 ? 2000 : 5000); return; }  // server restarting: try again quietly
      state.me = r.data;
      renderHeader();
      showView("home");
      refreshServices();
      connectSocket();
      if (!state.refreshTimer) { state.refreshTimer = setInterval(refreshServices, REFRESH_MS); }
      detectCamera();
    });
  }

  // ---------------------------------------------------------------- header, language, clock
  function renderHeader() {
    var c = state.me.center;
    var primary = state.lang === "en" && c.name_en ? c.name_en : c.name;
    var secondary = state.lang === "en" ? c.name : (c.name_en || "");
    $("center-name").textContent = primary;
    $("center-name-2").textContent = secondary;
    $("lang-toggle").textContent = t("lang_button");
    $("lang-toggle").lang = state.lang === "vi" ? "en" : "vi";
    document.documentElement.lang = state.lang;
    document.querySelectorAll("[data-i18n]").forEach(function (node) { node.textContent = t(node.dataset.i18n); });
  }

  function setLang(lang) {
    state.lang = lang;
    renderHeader();
    renderServices();
    renderBanner();
    if (state.citizen) { renderCitizen(); }
  }

  $("lang-toggle").addEventListener("click", function (ev) {
    ev.currentTarget.blur();
    setLang(state.lang === "vi" ? "en" : "vi");
    touchHome();
  });

  /* The one date-time format of every citizen screen: "11:43, 06/12/2026", in the center's time
     zone (never the browser's). ``withDate`` false gives the time alone. */
  function moment(date, withDate) {
    var tz = (state.me && state.me.center.timezone) || "Asia/Ho_Chi_Minh";
    var parts = {};
    try {
      new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", day: "2-digit", month: "2-digit", year: "numeric",
        hour12: false, timeZone: tz }).formatToParts(date).forEach(function (p) { parts[p.type] = p.value; });
    } catch (e) {
      return "";
    }
    var time = (parts.hour === "24" ? "00" : parts.hour) + ":" + parts.minute;
    return withDate === false ? time : time + ", " + parts.day + "/" + parts.month + "/" + parts.year;
  }
  function tickClock() { $("clock").textContent = moment(new Date()); }
  setInterval(tickClock, 10000);

  /* The chosen language holds until the kiosk goes idle: nobody has touched it for the idle time
     (then the next citizen finds it in Vietnamese). OK on a message or "Done" keep it. */
  function touchHome() {
    clearTimeout(state.homeTimer);
    if (state.lang === "vi") { return; }
    state.homeTimer = setTimeout(function () {
      if (state.overlay) { touchHome(); return; }  // a screen with its own countdown is open: wait for it
      setLang("vi");
    }, idleSeconds() * 1000);
  }
  document.addEventListener("pointerdown", function () { if (document.body.dataset.view === "home") { touchHome(); } }, true);
  function idleSeconds() { return (state.me && state.me.center.idle_seconds) || 20; }

  // ---------------------------------------------------------------- priority (step 2)
  function priorityApplies(s) {
    return !!(state.me && state.me.center.priority_enabled && s && s.priority_allowed && (state.me.priority_categories || []).length);
  }

  /* Step 2, where the citizen looks (the middle of the screen, both orientations): "regular" is
     the big first answer; a priority group is one tap more. ``choice.onChoose(priorityOrNull)``. */
  function askPriority(choice) {
    closeOverlays();
    state.pendingChoice = choice;
    var name = choice.service ? (state.lang === "en" && choice.service.name_en ? choice.service.name_en : choice.service.name) : "";
    $("priority-service").textContent = name;
    var box = $("priority-buttons");
    box.textContent = "";
    state.me.priority_categories.forEach(function (p) {
      var b = el("button", "prio");
      b.type = "button";
      b.dataset.code = p.code;
      b.appendChild(document.createTextNode(state.lang === "en" ? p.label_en : p.label_vi));
      if (state.lang !== "en") { b.appendChild(el("span", "en", p.label_en)); }  // English screens are wholly English
      b.addEventListener("click", function (ev) { ev.currentTarget.blur(); choosePriority(p.code); });
      box.appendChild(b);
    });
    document.querySelectorAll("#overlay-priority [data-i18n]").forEach(function (node) { node.textContent = t(node.dataset.i18n); });
    $("overlay-priority").hidden = false;
    state.overlay = "priority";
    startIdle(Math.max(20, idleSeconds()), "priority-countdown");
  }
  function choosePriority(code) {
    var choice = state.pendingChoice;
    state.pendingChoice = null;
    closeOverlays();
    if (choice) { choice.onChoose(code); }
  }
  $("priority-none").addEventListener("click", function (ev) { ev.currentTarget.blur(); choosePriority(null); });
  $("priority-back").addEventListener("click", function (ev) { ev.currentTarget.blur(); goHome(); });
  $("overlay-priority").addEventListener("pointerdown", restartIdle);

  // ---------------------------------------------------------------- services
  function refreshServices() {
    if (!state.token) { return Promise.resolve(); }
    return api("GET", "/api/v1/kiosk/services").then(function (r) {
      if (r.status === 401) { forgetToken(); showSetup("Mã thiết bị đã bị thu hồi. / The device token was revoked."); return; }
      if (!r.ok) { return; }
      applyOffer(r.data);
    });
  }

  /* The kiosk's offer, from GET /kiosk/services or pushed as ``kiosk_services`` the moment a
     counter opens, closes or changes its fields (same shape: one rule on the server). */
  function applyOffer(offer) {
    if (!offer || !Array.isArray(offer.services)) { return; }
    if (offer.center_id !== undefined && state.me && offer.center_id !== state.me.center.id) { return; }
    state.services = offer.services;
    state.issuing = offer.issuing || { allowed: true };
    if (state.me) { state.me.center.priority_enabled = !!offer.priority_enabled; }
    renderServices();
    renderBanner();
  }

  function scheduleRefresh(delay) {
    clearTimeout(state.refreshTimeout);
    state.refreshTimeout = setTimeout(refreshServices, delay === undefined ? 800 : delay);
  }

  function renderBanner() {
    var b = $("closed-banner");
    if (state.issuing && state.issuing.allowed === false) {
      b.textContent = "";
      b.appendChild(document.createTextNode(state.issuing.reason_vi || "Hiện không phát số."));
      b.appendChild(el("span", "en", state.issuing.reason_en || "Tickets are not issued now."));
      b.hidden = false;
    } else {
      b.hidden = true;
    }
  }

  function serviceButton(s, extraClass) {
    var b = el("button", "svc" + (extraClass ? " " + extraClass : ""));
    b.type = "button";
    b.dataset.serviceId = s.id;
    b.dataset.code = s.code;
    var primary = state.lang === "en" && s.name_en ? s.name_en : s.name;
    var secondary = state.lang === "en" ? "" : (s.name_en || "");  // English screens are wholly English
    b.appendChild(el("span", "svc-name", primary));
    if (secondary) { b.appendChild(el("span", "svc-sub", secondary)); }
    var meta = el("span", "svc-meta");
    meta.dataset.role = "meta";
    b.appendChild(meta);
    fillMeta(b, s);
    b.addEventListener("click", function (ev) { ev.currentTarget.blur(); issue(s.id); });
    return b;
  }

  function fillMeta(button, s) {
    var meta = button.querySelector("[data-role=meta]");
    button.classList.toggle("off", !s.available);
    if (!s.available) {
      meta.textContent = t("no_counter");
    } else {
      meta.textContent = t("waiting") + ": " + (s.waiting || 0);
    }
  }

  function renderServices() {
    var groups = $("service-groups");
    var collect = $("collect-buttons");
    groups.textContent = "";
    collect.textContent = "";
    var byKind = { submit: [], information: [], collect: [] };
    state.services.forEach(function (s) { (byKind[s.kind] || byKind.submit).push(s); });
    [["submit", "group_submit", ""], ["information", "group_information", "info"]].forEach(function (g) {
      var list = byKind[g[0]];
      if (!list.length) { return; }
      groups.appendChild(el("h3", "group-title", t(g[1])));
      var grid = el("div", "service-grid");
      list.forEach(function (s) { grid.appendChild(serviceButton(s, g[2])); });
      groups.appendChild(grid);
    });
    byKind.collect.forEach(function (s) { collect.appendChild(serviceButton(s, "collect")); });
  }

  function applyCounts(list) {
    if (!Array.isArray(list)) { return; }
    var known = {};
    state.services.forEach(function (s) { known[s.id] = s; });
    var changed = false;
    list.forEach(function (c) {
      var id = c.service_id !== undefined ? c.service_id : c.id;
      var s = known[id];
      if (c.active === false) { if (s) { changed = true; } return; }
      if (!s) { changed = true; return; }
      s.waiting = c.waiting;
      var b = document.querySelector('.svc[data-service-id="' + id + '"]');
      if (b) { fillMeta(b, s); }
    });
    if (changed) { scheduleRefresh(); }
  }

  // ---------------------------------------------------------------- realtime
  function connectSocket() {
    if (state.socket || typeof window.io !== "function") { return; }
    var socket = window.io({ auth: { center_id: state.me.center.id }, transports: ["websocket", "polling"],
                             reconnectionDelay: 500, reconnectionDelayMax: 2000 });
    state.socket = socket;
    // A (re)connection brings a snapshot: services may have been added or counters opened meanwhile.
    socket.on("snapshot", function () { scheduleRefresh(200); });
    socket.on("queue_counts", function (p) { applyCounts(p && p.services); });  // counts with no ticket event (admin, a resume)
    // A ticket event that changed how many wait carries the counts (issue 17: one message per change, not two).
    ["ticket_issued", "ticket_called", "ticket_transferred", "ticket_cancelled"].forEach(function (name) {
      socket.on(name, function (p) { if (p && p.counts) { applyCounts(p.counts.services); } });
    });
    socket.on("kiosk_services", applyOffer);
    // The connection is how the kiosk knows the server is there: a bar at once, not after a tap.
    socket.on("connect", function () { setOnline(true); });
    socket.on("disconnect", function () { setOnline(false); });
    socket.on("connect_error", function () { setOnline(false); });
  }

  function setOnline(online) {
    var was = state.online;
    state.online = online;
    $("offline-bar").hidden = online;
    document.body.dataset.online = String(online);
    if (online && !was) { scheduleRefresh(200); }
  }

  // ---------------------------------------------------------------- issuing
  function serviceById(id) {
    for (var i = 0; i < state.services.length; i++) { if (state.services[i].id === id) { return state.services[i]; } }
    return null;
  }

  function offlineMessage() {
    var m = I18N.vi.offline_tap;
    showMessage(m[0], m[1], "info", "offline");
  }

  function issue(serviceId) {
    if (state.busy || state.overlay) { return; }
    var s = serviceById(serviceId);
    if (!s) { return; }
    if (!state.online) { offlineMessage(); return; }
    if (state.issuing && state.issuing.allowed === false) {
      showMessage(state.issuing.reason_vi, state.issuing.reason_en, "warn");
      return;
    }
    if (!s.available) {
      showMessage("Hiện chưa có quầy nào phục vụ «" + s.name + "». Vui lòng hỏi cán bộ hướng dẫn hoặc quay lại sau.",
                  "No counter is serving “" + (s.name_en || s.name) + "” right now. Please ask staff or come back later.", "warn");
      return;
    }
    if (priorityApplies(s)) {
      askPriority({ service: s, onChoose: function (priority) { issueNow(s, priority); } });
      return;
    }
    issueNow(s, null);
  }

  function issueNow(s, priority) {
    var body = { service_id: s.id };
    if (priority) { body.priority = priority; }
    if (state.citizen) { body.citizen_link = state.citizen.link; }  // the ticket is quietly linked to the scanned card
    state.busy = true;
    $("busy").hidden = false;
    api("POST", "/api/v1/kiosk/tickets", body).then(function (r) {
      state.busy = false;
      $("busy").hidden = true;
      if (r.ok) {
        forgetCitizen();  // one card, one ticket: the next citizen starts afresh
        showTicket(r.data, "issued");
        return;
      }
      if (r.status === 0) { offlineMessage(); return; }
      if (r.status === 401) { forgetToken(); showSetup("Kiosk này chưa được đăng ký. / This kiosk is not registered."); return; }
      var e = errorOf(r);
      showMessage(e.vi, e.en, "warn", e.code);
      if (e.code === "center_closed" || e.code === "no_open_counter" || e.code === "service_inactive") { refreshServices(); }
    });
  }

  // ---------------------------------------------------------------- overlays
  function closeOverlays() {
    ["overlay-ticket", "overlay-message", "overlay-camera", "overlay-priority"].forEach(function (id) { $(id).hidden = true; });
    stopCamera();
    state.overlay = null;
    state.currentTicket = null;
    clearTimeout(state.idleTimer);
    state.countdownEl = null;
  }

  /* Back to the fields. ``idle`` (a countdown ran out: the citizen walked away) also returns the
     kiosk to Vietnamese; OK, Done or Back keep the language the citizen chose. */
  function goHome(idle) {
    closeOverlays();
    state.pendingChoice = null;
    if (idle === true) { forgetCitizen(); }
    if (idle === true && state.lang !== "vi") { setLang("vi"); } else { renderServices(); touchHome(); }
  }
  function goHomeIdle() { goHome(true); }

  // The countdown bar shrinks until the kiosk returns home; any touch on the card restarts it.
  function startIdle(seconds, barId) {
    clearTimeout(state.idleTimer);
    var bar = $(barId);
    state.countdownEl = bar;
    state.idleSeconds = seconds;
    runCountdown(bar, seconds);
    state.idleTimer = setTimeout(goHomeIdle, seconds * 1000);
  }
  // A countdown bar shrinking from full to nothing over ``seconds``.
  function runCountdown(bar, seconds) {
    bar.style.transition = "none";
    bar.style.transform = "scaleX(1)";
    void bar.offsetWidth;  // restart the CSS transition
    bar.style.transition = "transform " + seconds + "s linear";
    bar.style.transform = "scaleX(0)";
  }
  function restartIdle() {
    if (state.overlay && state.countdownEl) { startIdle(state.idleSeconds, state.countdownEl.id); }
  }

  function showMessage(vi, en, kind, code) {
    closeOverlays();
    var card = document.querySelector("#overlay-message .message-card");
    card.className = "message-card " + (kind || "info");
    card.dataset.code = code || "";
    $("message-vi").textContent = vi || "";
    $("message-en").textContent = en || "";
    $("overlay-message").hidden = false;
    state.overlay = "message";
    startIdle(Math.max(10, idleSeconds()), "message-countdown");
  }
  $("message-ok").addEventListener("click", function (ev) { ev.currentTarget.blur(); goHome(false); });
  $("overlay-message").addEventListener("pointerdown", restartIdle);

  function formatIssued(iso) {
    if (!iso) { return ""; }
    var d = new Date(iso);
    return isNaN(d.getTime()) ? "" : moment(d);
  }

  function priorityText(code) {
    var cats = (state.me && state.me.priority_categories) || [];
    for (var i = 0; i < cats.length; i++) {
      if (cats[i].code === code) { return t("priority_label") + ": " + (state.lang === "en" ? cats[i].label_en : cats[i].label_vi); }
    }
    return t("priority_label");
  }

  /* mode "issued": a new ticket (print status follows); mode "status": a scanned ticket. */
  function showTicket(data, mode, message) {
    closeOverlays();
    var tk = data.ticket;
    state.currentTicket = tk.token;
    var card = document.querySelector("#overlay-ticket .ticket-card");
    card.dataset.mode = mode;
    card.dataset.state = tk.state;
    $("ticket-heading").textContent = mode === "status" ? t("ticket_status") : t("your_number");
    $("ticket-number").textContent = tk.number;
    var svc = tk.service || {};
    $("ticket-service").textContent = state.lang === "en" && svc.name_en ? svc.name_en : (svc.name || "");
    var prio = $("ticket-priority");
    prio.hidden = !tk.priority;
    prio.textContent = tk.priority ? priorityText(tk.priority) : "";
    var booked = $("ticket-booked");  // a ticket checked in for a booking: "Lịch hẹn 09:30 / Booked 09:30", as printed
    var bookedFor = tk.booking && tk.booking.booked_for;
    booked.hidden = !bookedFor;
    booked.textContent = bookedFor ? "Lịch hẹn " + bookedFor + " / Booked " + bookedFor : "";
    card.dataset.kind = data.kind || "";
    var waiting = tk.state === "waiting";
    $("fact-ahead").hidden = !waiting;
    $("fact-wait").hidden = !waiting;
    $("ticket-ahead").textContent = waiting ? String(tk.people_ahead) : "";
    $("ticket-wait").textContent = !waiting ? "" :
      (tk.people_ahead === 0 && !tk.estimated_wait_minutes ? t("very_soon") : "~" + tk.estimated_wait_minutes + " " + t("minutes"));
    $("ticket-time").textContent = formatIssued(tk.issued_at);
    var st = $("ticket-state");
    if (!(message && message.vi) && waiting && tk.past_closing) {  // the wait runs past today's opening hours: say so now
      message = { vi: tk.past_closing.message_vi, en: tk.past_closing.message_en };
    }
    if (message && message.vi) {
      st.textContent = "";
      st.appendChild(document.createTextNode(state.lang === "en" && message.en ? message.en : message.vi));
      if (state.lang !== "en") { st.appendChild(el("span", "en", message.en || "")); }
      st.hidden = false;
    } else {
      st.hidden = true;
    }
    $("ticket-qr").src = data.qr_url || ("/t/" + encodeURIComponent(tk.token) + "/qr.png");
    var ps = $("print-status");
    if (mode === "issued" || data.print_job) {
      if (!data.has_printer) { setPrintStatus("none"); }
      else if (data.print_job) { setPrintStatus(data.print_job.status === "pending" ? "pending" : data.print_job.status); }
      else { setPrintStatus("failed"); }
    } else {
      ps.hidden = true;
    }
    $("overlay-ticket").hidden = false;
    state.overlay = "ticket";
    var seconds = idleSeconds();
    if (!data.has_printer && mode === "issued") { seconds = Math.max(seconds * 2, 40); }  // time to take a photo
    startIdle(seconds, "ticket-countdown");
    if (data.print_job && data.print_job.status === "pending") { followPrint(data.print_job.id, tk.token); }
  }

  function setPrintStatus(status) {
    var ps = $("print-status");
    var text = PRINT_TEXT[status] || PRINT_TEXT.failed;
    ps.className = "print-status " + (PRINT_TEXT[status] ? status : "failed");
    ps.dataset.status = status;
    ps.textContent = "";
    ps.appendChild(document.createTextNode(state.lang === "en" ? text[1] : text[0]));
    if (state.lang !== "en") { ps.appendChild(el("span", "en", text[1])); }  // English screens are wholly English
    ps.hidden = false;
  }

  function followPrint(jobId, token) {
    var delays = [300, 400, 600, 800, 1000, 1500, 2000, 2500, 3000, 3000, 4000];
    var i = 0;
    function next() {
      if (i >= delays.length) { if (state.currentTicket === token) { failedPrint(); } return; }
      sleep(delays[i++]).then(function () {
        if (state.currentTicket !== token) { return; }
        api("GET", "/api/v1/kiosk/print-jobs/" + encodeURIComponent(jobId)).then(function (r) {
          if (state.currentTicket !== token) { return; }
          if (r.ok && r.data.status === "printed") { setPrintStatus("printed"); return; }
          if ((r.ok && r.data.status === "failed") || r.status === 404) { failedPrint(); return; }
          next();
        });
      });
    }
    next();
  }

  function failedPrint() {
    setPrintStatus("failed");
    startIdle(Math.max(idleSeconds() * 2, 40), "ticket-countdown");  // time to take a photo or scan the QR
  }

  $("ticket-done").addEventListener("click", function (ev) { ev.currentTarget.blur(); goHome(false); });
  $("overlay-ticket").addEventListener("pointerdown", function (ev) { if (ev.target.id !== "ticket-done") { restartIdle(); } });

  // ---------------------------------------------------------------- scanning
  /* A receipt's QR (dossier code) is a result pickup: where the pickup field takes priority, ask
     step 2 first, then scan with the answer. Anything else goes straight to the server. */
  var DOSSIER_CODE = /^[0-9A-Z.]+-\d{6}-\d{4}$/;
  function collectService() {
    for (var i = 0; i < state.services.length; i++) { if (state.services[i].kind === "collect") { return state.services[i]; } }
    return null;
  }
  function submitScan(code) {
    if (!state.me || state.busy) { return; }
    if (!state.online) { offlineMessage(); return; }
    var collect = collectService();
    if (DOSSIER_CODE.test(String(code).trim().toUpperCase()) && priorityApplies(collect)) {
      askPriority({ service: { name: t("priority_scan"), name_en: t("priority_scan") },
                    onChoose: function (priority) { sendScan(code, priority); } });
      return;
    }
    sendScan(code, null);
  }
  function sendScan(code, priority) {
    closeOverlays();
    state.busy = true;
    var body = { code: code };
    if (priority) { body.priority = priority; }
    api("POST", "/api/v1/kiosk/scan", body).then(function (r) {
      state.busy = false;
      if (r.status === 0) { offlineMessage(); return; }
      if (r.status === 401) { forgetToken(); showSetup("Kiosk này chưa được đăng ký. / This kiosk is not registered."); return; }
      if (!r.ok) { var e = errorOf(r); showMessage(e.vi, e.en, "error", e.code); return; }
      var d = r.data;
      if (d.kind === "booking" || d.kind === "booking_late") { bookingAnswer(d); return; }  // a booking's QR, or an ID card's booking
      if (d.kind === "citizen_card") { citizenCard(d); return; }
      if (!d.ticket && looksLikeCard(code)) { citizenCard({ outcome: "id_card_unreadable" }); return; }
      if (d.ticket && d.outcome === "ticket_issued") {
        showTicket(d, "issued", { vi: d.message_vi, en: d.message_en });  // a pickup or pre-registration number
      } else if (d.ticket) {
        showTicket(d, "status", { vi: d.message_vi, en: d.message_en });  // a ticket's status, or one already issued
      } else {
        var kind = { unrecognised: "warn", malformed: "warn", ticket_unknown: "warn", unknown: "warn" }[d.outcome] || "info";
        showMessage(d.message_vi, d.message_en, kind, d.outcome);
      }
    });
  }

  // ---------------------------------------------------------------- booking check-in (lịch hẹn)
  /* A booking checked in: its ticket is printed like any other (kind "booking", or "booking_late": an
     ordinary ticket with a kind word, shown large on the ticket); too early, another day, cancelled
     or unknown are messages the citizen reads, large too. */
  function bookingAnswer(d) {
    if (d.ticket && d.outcome === "ticket_issued") {
      showTicket(d, "issued", { vi: d.message_vi, en: d.message_en });
    } else if (d.ticket) {
      showTicket(d, "status", { vi: d.message_vi, en: d.message_en });
    } else {
      var kind = { booking_unknown: "warn", booking_cancelled: "warn", booking_not_today: "warn" }[d.outcome] || "info";
      showMessage(d.message_vi, d.message_en, kind, d.outcome);
    }
  }

  // ---------------------------------------------------------------- chip ID card (CCCD / VNeID QR)
  /* The server answers a scanned ID card with the citizen's pickup ticket, the same ticket again,
     or a link to carry into the usual field choice. The kiosk is a public screen: it shows the
     masked number the server gives (0010****3456), never the name or the full number. */
  function citizenCard(d) {
    if (d.ticket && d.outcome === "ticket_issued") {
      showTicket(d, "issued", readyMessage(d.dossiers_ready));
    } else if (d.ticket) {
      showTicket(d, "status", { vi: d.message_vi, en: d.message_en });
    } else if (d.outcome === "choose_service" && d.citizen_link) {
      rememberCitizen(d.citizen_link, d.masked_id);
    } else if (d.outcome !== "id_card_unreadable" && d.message_vi) {
      showMessage(d.message_vi, d.message_en, "info", d.outcome);  // e.g. results ready but no pickup field open
    } else {
      showMessage("Không đọc được căn cước, vui lòng quét lại hoặc chọn lĩnh vực.",
                  "The ID card could not be read. Please scan it again or choose a field.", "warn", "id_card_unreadable");
    }
  }

  /* A card's QR is "number|old number|name|birth|sex|address|issued"; receipts and tickets have no
     "|". A scanner that dropped or garbled digits of the number still leaves the separators: then
     the citizen is told the card was not read, not that the code is unknown. */
  function looksLikeCard(code) { return String(code).split("|").length >= 5; }

  function readyMessage(n) {
    var count = Number(n) || 1;
    return { vi: "Ông/Bà có " + count + " hồ sơ đã có kết quả. Mời Ông/Bà chờ gọi số để nhận kết quả.",
             en: (count === 1 ? "1 dossier of yours has" : count + " dossiers of yours have") +
                 " a result ready. Please wait for your number to be called to collect it." };
  }

  function rememberCitizen(link, masked) {
    closeOverlays();
    state.citizen = { link: link, masked: masked || "" };
    renderCitizen();
    restartCitizenTimer();
  }

  function forgetCitizen() {
    clearTimeout(state.citizenTimer);
    state.citizen = null;
    renderCitizen();
  }

  // The card's link lasts while the citizen is choosing: the idle time, then the next citizen starts afresh.
  function restartCitizenTimer() {
    clearTimeout(state.citizenTimer);
    if (!state.citizen) { return; }
    var seconds = Math.max(30, idleSeconds());
    runCountdown($("citizen-countdown"), seconds);
    state.citizenTimer = setTimeout(forgetCitizen, seconds * 1000);
  }

  function renderCitizen() {
    var box = $("citizen-banner");
    if (!state.citizen) { box.hidden = true; document.body.dataset.citizen = "none"; return; }
    var en = state.lang !== "en";  // English screens are wholly English; Vietnamese ones carry the English below
    [["citizen-masked", "card_received", " " + state.citizen.masked], ["citizen-cancel", "card_cancel", ""]].forEach(function (row) {
      var node = $(row[0]);
      node.textContent = "";
      node.appendChild(document.createTextNode(t(row[1]) + row[2]));
      if (en) { node.appendChild(el("span", "en", I18N.en[row[1]] + row[2])); }
    });
    box.hidden = false;
    document.body.dataset.citizen = "linked";
  }

  $("citizen-cancel").addEventListener("click", function (ev) { ev.currentTarget.blur(); forgetCitizen(); });
  document.addEventListener("pointerdown", function () { if (state.citizen && !state.overlay) { restartCitizenTimer(); } }, true);

  /* A USB scanner is a keyboard that types a whole code in a few milliseconds and presses Enter.
     People cannot type 6+ keys at under ~50 ms each, so a fast burst ending in Enter is a scan,
     wherever the focus is. Backspaces inside a burst are applied (a Vietnamese input method left on
     may send backspace + an accented letter); the server strips the accents again. */
  var burst = { keys: "", first: 0, last: 0, count: 0 };
  function resetBurst() { burst.keys = ""; burst.first = 0; burst.last = 0; burst.count = 0; }

  window.addEventListener("keydown", function (ev) {
    if (document.body.dataset.view !== "home") { return; }  // the setup page has a real text field
    var now = performance.now();
    if (burst.count && now - burst.last > CONFIG.scanResetGapMs) { resetBurst(); }
    if (ev.key === "Enter") {
      ev.preventDefault();  // never "click" a focused button
      var mean = burst.count > 1 ? (burst.last - burst.first) / (burst.count - 1) : Infinity;
      var code = burst.keys;
      resetBurst();
      if (code.length >= CONFIG.scanMinLength && mean <= CONFIG.scanMaxMeanGapMs) { submitScan(code); }
      return;
    }
    if (ev.key === "Backspace") {
      ev.preventDefault();
      burst.keys = burst.keys.slice(0, -1);
      return;
    }
    if (!ev.key || ev.key.length !== 1 || ev.ctrlKey || ev.metaKey || ev.altKey) { return; }
    ev.preventDefault();  // a space would press a focused button
    if (!burst.count) { burst.first = now; }
    burst.keys += ev.key;
    burst.last = now;
    burst.count += 1;
  }, true);

  // ---------------------------------------------------------------- camera scanning
  var camera = { stream: null, timer: null, detector: null, loading: null };

  function detectCamera() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.enumerateDevices) { return; }
    navigator.mediaDevices.enumerateDevices().then(function (devices) {
      $("camera-button").hidden = !devices.some(function (d) { return d.kind === "videoinput"; });
    }, function () { /* no camera API: the scanner remains */ });
  }

  /* The barcode-detector polyfill and its zxing wasm both come from this server. */
  function loadDetector() {
    if (camera.detector) { return Promise.resolve(camera.detector); }
    if (!camera.loading) {
      camera.loading = new Promise(function (resolve, reject) {
        function ready() {
          var api = window.BarcodeDetectionAPI;
          if (!api) { reject(new Error("barcode-detector missing")); return; }
          api.prepareZXingModule({
            overrides: {
              locateFile: function (path, prefix) {
                return path.endsWith(".wasm") ? CONFIG.zxingWasmBase + path : prefix + path;
              }
            }
          });
          camera.detector = new api.BarcodeDetector({ formats: ["qr_code"] });
          resolve(camera.detector);
        }
        if (window.BarcodeDetectionAPI) { ready(); return; }
        var s = document.createElement("script");
        s.src = CONFIG.barcodeDetector;
        s.onload = ready;
        s.onerror = function () { reject(new Error("cannot load " + CONFIG.barcodeDetector)); };
        document.head.appendChild(s);
      });
    }
    return camera.loading;
  }

  function openCamera() {
    closeOverlays();
    $("overlay-camera").hidden = false;
    state.overlay = "camera";
    $("camera-status").textContent = t("camera_starting");
    var video = $("camera-video");
    Promise.all([loadDetector(), navigator.mediaDevices.getUserMedia({ video: { facingMode: "user" }, audio: false })])
      .then(function (res) {
        if (state.overlay !== "camera") { res[1].getTracks().forEach(function (tr) { tr.stop(); }); return; }
        camera.stream = res[1];
        video.srcObject = res[1];
        return video.play().then(function () {
          $("camera-status").textContent = "";
          camera.timer = setInterval(function () {
            res[0].detect(video).then(function (codes) {
              if (codes && codes.length && state.overlay === "camera") {
                var value = codes[0].rawValue;
                stopCamera();
                submitScan(value);
              }
            }, function () { /* frame not ready */ });
          }, 250);
        });
      })
      .catch(function () { $("camera-status").textContent = t("camera_failed"); });
    clearTimeout(state.idleTimer);
    state.idleTimer = setTimeout(goHomeIdle, 45000);
  }

  function stopCamera() {
    clearInterval(camera.timer);
    camera.timer = null;
    if (camera.stream) { camera.stream.getTracks().forEach(function (tr) { tr.stop(); }); camera.stream = null; }
  }

  $("camera-button").addEventListener("click", function (ev) { ev.currentTarget.blur(); openCamera(); });
  $("camera-close").addEventListener("click", function (ev) { ev.currentTarget.blur(); goHome(false); });

  // For the IT officer's checks (and tests): decode a QR image with the local detector.
  window.MotCuaKiosk = {
    detectImage: function (url) {
      return loadDetector().then(function (detector) {
        return new Promise(function (resolve, reject) {
          var img = new Image();
          img.onload = function () { detector.detect(img).then(function (c) { resolve(c.map(function (x) { return x.rawValue; })); }, reject); };
          img.onerror = reject;
          img.src = url;
        });
      });
    },
    state: state
  };

  tickClock();
  boot();
})();
