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
      priority_title: "Ưu tiên (nếu có)",
      choose_service: "Chạm vào lĩnh vực bạn cần giải quyết để lấy số",
      group_submit: "Nộp hồ sơ theo lĩnh vực",
      group_information: "Hỏi đáp, hướng dẫn",
      scan_hint: "Có giấy hẹn trả kết quả? Đưa mã QR trên giấy vào máy quét.",
      camera_button: "Quét mã bằng camera",
      camera_title: "Đưa mã QR vào trước camera",
      camera_starting: "Đang mở camera…",
      camera_failed: "Không mở được camera. Vui lòng dùng máy quét.",
      close: "Đóng",
      your_number: "SỐ THỨ TỰ CỦA BẠN",
      ticket_status: "TRẠNG THÁI SỐ THỨ TỰ",
      people_ahead: "Số người chờ trước bạn",
      estimated_wait: "Thời gian chờ dự kiến",
      issued_at: "Giờ lấy số",
      qr_caption: "Quét mã để theo dõi lượt gọi trên điện thoại",
      done: "Xong",
      waiting: "Đang chờ",
      no_counter: "Chưa có quầy mở",
      minutes: "phút",
      very_soon: "Sắp đến lượt",
      priority_only_note: "Đã chọn ưu tiên: chỉ các lĩnh vực sáng màu nhận số ưu tiên. Chạm lại để bỏ chọn.",
      priority_label: "Ưu tiên"
    },
    en: {
      lang_button: "Tiếng Việt",
      priority_title: "Priority (if it applies to you)",
      choose_service: "Tap the field you need to get a number",
      group_submit: "Submit a dossier, by field",
      group_information: "Information and guidance",
      scan_hint: "Have a result appointment slip? Hold its QR code to the scanner.",
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
      priority_only_note: "Priority chosen: only the bright fields take priority numbers. Tap it again to clear.",
      priority_label: "Priority"
    }
  };

  var PRINT_TEXT = {
    pending: ["Đang in phiếu…", "Printing your ticket…"],
    printed: ["Đã in phiếu — mời nhận phiếu ở khe máy in.", "Ticket printed — please take it from the printer."],
    failed: ["Máy in gặp sự cố — vui lòng chụp lại màn hình hoặc quét mã QR.",
             "The printer has a problem — please take a photo of this screen or scan the QR code."],
    none: ["Kiosk không in phiếu — vui lòng chụp lại màn hình hoặc quét mã QR.",
           "This kiosk does not print — please take a photo of this screen or scan the QR code."]
  };

  var state = {
    token: null, me: null, services: [], issuing: { allowed: true, reason_vi: "", reason_en: "" },
    lang: "vi", priority: null, overlay: null, busy: false, socket: null,
    currentTicket: null, idleTimer: null, idleDeadline: 0, countdownEl: null, homeTimer: null,
    refreshTimer: null, refreshTimeout: null
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
      if (!r.ok) { setTimeout(start, 5000); return; }  // server restarting: try again quietly
      state.me = r.data;
      renderHeader();
      renderPriority();
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
    renderPriority();
    renderServices();
    renderBanner();
  }

  $("lang-toggle").addEventListener("click", function (ev) {
    ev.currentTarget.blur();
    setLang(state.lang === "vi" ? "en" : "vi");
    touchHome();
  });

  function tickClock() {
    var tz = (state.me && state.me.center.timezone) || "Asia/Ho_Chi_Minh";
    var text;
    try {
      text = new Intl.DateTimeFormat("vi-VN", { hour: "2-digit", minute: "2-digit", hour12: false, timeZone: tz }).format(new Date());
    } catch (e) {
      var d = new Date();
      text = ("0" + d.getHours()).slice(-2) + ":" + ("0" + d.getMinutes()).slice(-2);
    }
    $("clock").textContent = text;
  }
  setInterval(tickClock, 10000);

  // Home resets itself (language, priority choice) when a citizen walks away mid-choice.
  function touchHome() {
    clearTimeout(state.homeTimer);
    if (state.lang === "vi" && !state.priority) { return; }
    state.homeTimer = setTimeout(function () {
      if (state.overlay) { return; }
      state.priority = null;
      setLang("vi");
    }, idleSeconds() * 1000);
  }
  function idleSeconds() { return (state.me && state.me.center.idle_seconds) || 20; }

  // ---------------------------------------------------------------- priority
  function renderPriority() {
    var area = $("priority-area");
    var enabled = state.me && state.me.center.priority_enabled;
    area.hidden = !enabled;
    if (!enabled) { state.priority = null; return; }
    var box = $("priority-buttons");
    box.textContent = "";
    state.me.priority_categories.forEach(function (p) {
      var b = el("button", "prio");
      b.type = "button";
      b.dataset.code = p.code;
      b.setAttribute("aria-pressed", state.priority === p.code ? "true" : "false");
      b.appendChild(document.createTextNode(state.lang === "en" ? p.label_en : p.label_vi));
      b.appendChild(el("span", "en", state.lang === "en" ? p.label_vi : p.label_en));
      b.addEventListener("click", function (ev) {
        ev.currentTarget.blur();
        state.priority = state.priority === p.code ? null : p.code;
        renderPriority();
        renderServices();
        touchHome();
      });
      box.appendChild(b);
    });
    var note = $("priority-note");
    note.hidden = !state.priority;
    note.textContent = state.priority ? t("priority_only_note") : "";
  }

  // ---------------------------------------------------------------- services
  function refreshServices() {
    if (!state.token) { return Promise.resolve(); }
    return api("GET", "/api/v1/kiosk/services").then(function (r) {
      if (r.status === 401) { forgetToken(); showSetup("Mã thiết bị đã bị thu hồi. / The device token was revoked."); return; }
      if (!r.ok) { return; }
      state.services = r.data.services || [];
      state.issuing = r.data.issuing || { allowed: true };
      if (state.me) { state.me.center.priority_enabled = !!r.data.priority_enabled; }
      renderPriority();
      renderServices();
      renderBanner();
    });
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
    var secondary = state.lang === "en" ? s.name : (s.name_en || "");
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
    var blockedByPriority = !!state.priority && !s.priority_allowed;
    button.classList.toggle("no-priority", blockedByPriority);
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
    var socket = window.io({ auth: { center_id: state.me.center.id }, transports: ["websocket", "polling"] });
    state.socket = socket;
    // A (re)connection brings a snapshot: services may have been added or counters opened meanwhile.
    socket.on("snapshot", function () { scheduleRefresh(200); });
    socket.on("queue_counts", function (p) { applyCounts(p && p.services); });
    socket.on("counter_changed", function () { scheduleRefresh(); });
  }

  // ---------------------------------------------------------------- issuing
  function serviceById(id) {
    for (var i = 0; i < state.services.length; i++) { if (state.services[i].id === id) { return state.services[i]; } }
    return null;
  }

  function issue(serviceId) {
    if (state.busy || state.overlay) { return; }
    var s = serviceById(serviceId);
    if (!s) { return; }
    if (state.issuing && state.issuing.allowed === false) {
      showMessage(state.issuing.reason_vi, state.issuing.reason_en, "warn");
      return;
    }
    if (!s.available) {
      showMessage("Hiện chưa có quầy nào phục vụ «" + s.name + "». Vui lòng hỏi cán bộ hướng dẫn hoặc quay lại sau.",
                  "No counter is serving “" + (s.name_en || s.name) + "” right now. Please ask staff or come back later.", "warn");
      return;
    }
    var body = { service_id: s.id };
    if (state.priority) {
      if (!s.priority_allowed) {
        showMessage("Lĩnh vực «" + s.name + "» không áp dụng số ưu tiên. Bỏ chọn ưu tiên để lấy số thường.",
                    "“" + (s.name_en || s.name) + "” does not take priority numbers. Clear the priority choice to get a regular number.", "warn");
        return;
      }
      body.priority = state.priority;
    }
    state.busy = true;
    $("busy").hidden = false;
    api("POST", "/api/v1/kiosk/tickets", body).then(function (r) {
      state.busy = false;
      $("busy").hidden = true;
      if (r.ok) {
        state.priority = null;
        renderPriority();
        renderServices();
        showTicket(r.data, "issued");
        return;
      }
      if (r.status === 401) { forgetToken(); showSetup("Kiosk này chưa được đăng ký. / This kiosk is not registered."); return; }
      var e = errorOf(r);
      showMessage(e.vi, e.en, "warn", e.code);
      if (e.code === "center_closed" || e.code === "no_open_counter" || e.code === "service_inactive") { refreshServices(); }
    });
  }

  // ---------------------------------------------------------------- overlays
  function closeOverlays() {
    ["overlay-ticket", "overlay-message", "overlay-camera"].forEach(function (id) { $(id).hidden = true; });
    stopCamera();
    state.overlay = null;
    state.currentTicket = null;
    clearTimeout(state.idleTimer);
    state.countdownEl = null;
  }

  function goHome() {
    closeOverlays();
    state.priority = null;
    if (state.lang !== "vi") { setLang("vi"); } else { renderPriority(); renderServices(); }
  }

  // The countdown bar shrinks until the kiosk returns home; any touch on the card restarts it.
  function startIdle(seconds, barId) {
    clearTimeout(state.idleTimer);
    var bar = $(barId);
    state.countdownEl = bar;
    state.idleSeconds = seconds;
    bar.style.transition = "none";
    bar.style.transform = "scaleX(1)";
    void bar.offsetWidth;  // restart the CSS transition
    bar.style.transition = "transform " + seconds + "s linear";
    bar.style.transform = "scaleX(0)";
    state.idleTimer = setTimeout(goHome, seconds * 1000);
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
  $("message-ok").addEventListener("click", function (ev) { ev.currentTarget.blur(); goHome(); });
  $("overlay-message").addEventListener("pointerdown", restartIdle);

  function formatIssued(text, iso) {
    if (text) { return text.replace(/^Giờ lấy số:\s*/, ""); }
    if (!iso) { return ""; }
    try {
      return new Intl.DateTimeFormat("vi-VN", { hour: "2-digit", minute: "2-digit", day: "2-digit", month: "2-digit", year: "numeric",
        hour12: false, timeZone: state.me.center.timezone }).format(new Date(iso));
    } catch (e) { return iso; }
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
    var waiting = tk.state === "waiting";
    $("fact-ahead").hidden = !waiting;
    $("fact-wait").hidden = !waiting;
    $("ticket-ahead").textContent = waiting ? String(tk.people_ahead) : "";
    $("ticket-wait").textContent = !waiting ? "" :
      (tk.people_ahead === 0 && !tk.estimated_wait_minutes ? t("very_soon") : "~" + tk.estimated_wait_minutes + " " + t("minutes"));
    $("ticket-time").textContent = formatIssued(data.issued_at_text, tk.issued_at);
    var st = $("ticket-state");
    if (message && message.vi) {
      st.textContent = "";
      st.appendChild(document.createTextNode(message.vi));
      st.appendChild(el("span", "en", message.en || ""));
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
    var first = state.lang === "en" ? text[1] : text[0];
    var second = state.lang === "en" ? text[0] : text[1];
    ps.appendChild(document.createTextNode(first));
    ps.appendChild(el("span", "en", second));
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

  $("ticket-done").addEventListener("click", function (ev) { ev.currentTarget.blur(); goHome(); });
  $("overlay-ticket").addEventListener("pointerdown", function (ev) { if (ev.target.id !== "ticket-done") { restartIdle(); } });

  // ---------------------------------------------------------------- scanning
  function submitScan(code) {
    if (!state.me || state.busy) { return; }
    closeOverlays();
    state.busy = true;
    api("POST", "/api/v1/kiosk/scan", { code: code }).then(function (r) {
      state.busy = false;
      if (r.status === 401) { forgetToken(); showSetup("Kiosk này chưa được đăng ký. / This kiosk is not registered."); return; }
      if (!r.ok) { var e = errorOf(r); showMessage(e.vi, e.en, "error", e.code); return; }
      var d = r.data;
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
    state.idleTimer = setTimeout(goHome, 45000);
  }

  function stopCamera() {
    clearInterval(camera.timer);
    camera.timer = null;
    if (camera.stream) { camera.stream.getTracks().forEach(function (tr) { tr.stop(); }); camera.stream = null; }
  }

  $("camera-button").addEventListener("click", function (ev) { ev.currentTarget.blur(); openCamera(); });
  $("camera-close").addEventListener("click", function (ev) { ev.currentTarget.blur(); goHome(); });

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
