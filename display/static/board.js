/* Call board and counter screen: settings from the API, then the center over Socket.IO.
   snapshot on (re)connect → rebuild; events after. Calls are keyed by event_id: none shown or
   played twice. A reconnecting board says the last event it has (auth.since) and its snapshot
   holds every call made meanwhile: all are listed, only the fresh ones are spoken.
   Sound: one <audio>, a queue sorted by event_id, next file on 'ended'. No framework, no CDN. */
(function () {
  "use strict";

  var CONFIG = JSON.parse(document.getElementById("display-config").textContent);
  var TOKEN_KEY = "motcua.display.deviceToken";
  var COOKIE = "motcua_display_device";
  var RESYNC_MS = 60000;       // belt and braces: a periodic snapshot catches anything a flaky LAN lost
  var FLASH_MS = 5000;
  var GATHER_MS = 250;         // calls arriving together are sorted before the first one plays
  var STUCK_MS = 45000;        // a file that never ends is skipped
  // Back within ~1.5 s of the network (or a restarted server) returning: first retry after ~0.5 s,
  // then at most every RECONNECT_MAX_MS. Socket.IO clamps *after* adding its jitter, so at the
  // ceiling every board would retry in lock-step; each board picks its own ceiling instead, which
  // spreads 50 boards knocking on a server that has just restarted.
  var RECONNECT_MIN_MS = 500;
  var RECONNECT_MAX_MS = 1000 + Math.floor(Math.random() * 500);
  var CONNECT_TIMEOUT_MS = 3000;  // a LAN handshake takes milliseconds: do not sit on a dead attempt for 20 s
  // Calls missed while offline are all listed, but only recent ones are spoken: nobody waits to
  // hear 30 stale numbers read out. Age is measured on the server's clock (snapshot.now).
  var MISSED_SPEAK_AGE_MS = 120000;
  var MISSED_SPEAK_MAX = 5;
  // A board (re)loaded just after a call was made missed its event while loading: a call this young
  // at the first snapshot is spoken once. Older ones are only listed (a reload must not replay the hall).
  var LOAD_SPEAK_AGE_MS = 5000;
  var SPOKEN_KEY = "motcua.display.spokenUpTo";  // sessionStorage: survives a reload of this tab only
  var READY_PAGE_MS = 8000;     // a results-ready list longer than its panel turns pages, never cuts
  var ROWS_PER_COLUMN = 4;      // what the recent-calls panel of a 1080p board holds at full size
  var DEEP_SNAPSHOT = 50;      // a filtered board or counter screen looks further back for its own calls
  var DAYS = ["Chủ nhật", "Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy"];

  var state = {
    token: null, settings: null, socket: null, online: false,
    calls: {},            // event_id → call
    seen: {},             // event ids of calls already applied (shown, and played if sound is on)
    lastEventId: null,    // null until the first snapshot
    services: [], counters: [], ready: [], counterCurrent: null, flashTimer: null
  };
  window.__played = [];
  window.__soundErrors = [];
  window.__board = state;

  function $(id) { return document.getElementById(id); }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }

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
    try { window.localStorage.setItem(TOKEN_KEY, v); } catch (e) { /* the cookie still holds it */ }
    document.cookie = COOKIE + "=" + encodeURIComponent(v) + "; max-age=" + (10 * 365 * 86400) + "; path=/display; SameSite=Strict";
  }
  function forgetToken() {
    try { window.localStorage.removeItem(TOKEN_KEY); } catch (e) { /* ignore */ }
    document.cookie = COOKIE + "=; max-age=0; path=/display; SameSite=Strict";
  }

  function getJSON(path, token) {
    var headers = { "Accept": "application/json" };
    if (token) { headers["X-Device-Token"] = token; }
    return fetch(path, { headers: headers, cache: "no-store" }).then(function (resp) {
      return resp.json().catch(function () { return {}; }).then(function (data) { return { ok: resp.ok, status: resp.status, data: data }; });
    }, function () { return { ok: false, status: 0, data: {} }; });
  }

  // ---------------------------------------------------------------- views
  function showView(name) {
    ["loading", "setup", "main"].forEach(function (v) { var n = $("view-" + v); if (n) { n.hidden = v !== name; } });
    document.body.dataset.view = name;
  }
  function showSetup(message) {
    showView("setup");
    var err = $("setup-error");
    err.hidden = !message;
    err.textContent = message || "";
  }
  $("setup-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var value = $("setup-token").value.trim();
    if (!value) { return; }
    getJSON("/api/v1/display/me", value).then(function (r) {
      if (r.ok) { storeToken(value); state.token = value; start(r.data); }
      else if (r.status === 401) { showSetup("Mã thiết bị không đúng hoặc đã bị thu hồi. / Wrong or revoked device token."); }
      else { showSetup("Không kết nối được máy chủ. / Cannot reach the server."); }
    });
  });

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
    if (state.token) { loadSettings("/api/v1/display/me", state.token); return; }
    if (CONFIG.demoCenter) { loadSettings("/api/v1/centers/" + CONFIG.demoCenter + "/board", null); return; }
    showSetup();
  }

  function loadSettings(path, token) {
    getJSON(path, token).then(function (r) {
      if (r.ok) { start(r.data); return; }
      if (r.status === 401) { forgetToken(); showSetup("Mã thiết bị đã bị thu hồi. / The device token was revoked."); return; }
      if (r.status === 404) { showSetup("Không có trung tâm này. / No such center."); return; }
      setTimeout(function () { loadSettings(path, token); }, 5000);  // server restarting: keep trying
    });
  }

  function start(settings) {
    state.settings = settings;
    showView("main");
    if (CONFIG.mode === "board") {
      $("center-name").textContent = settings.center.name;
      if (settings.notice) { $("notice-text").textContent = settings.notice; $("notice").hidden = false; }
    }
    tickClock();
    setInterval(tickClock, 1000);
    connect();
    setInterval(function () { if (state.socket && state.socket.connected) { state.socket.emit("resync", subscription()); } }, RESYNC_MS);
  }

  // ---------------------------------------------------------------- clock
  function tickClock() {
    var tz = (state.settings && state.settings.center.timezone) || "Asia/Ho_Chi_Minh";
    var parts = {};
    try {
      new Intl.DateTimeFormat("en-GB", { timeZone: tz, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit",
        minute: "2-digit", hour12: false, weekday: "short" }).formatToParts(new Date()).forEach(function (p) { parts[p.type] = p.value; });
    } catch (e) { return; }
    var wd = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"].indexOf(parts.weekday);
    var time = (parts.hour === "24" ? "00" : parts.hour) + ":" + parts.minute;
    var date = (wd >= 0 ? DAYS[wd] + ", " : "") + "ngày " + parts.day + "/" + parts.month + "/" + parts.year;
    document.querySelectorAll(".clock-time").forEach(function (n) { n.textContent = time; });
    document.querySelectorAll(".clock-date").forEach(function (n) { n.textContent = date; });
  }

  // ---------------------------------------------------------------- socket
  function subscription() {
    var s = state.settings;
    var filtered = CONFIG.mode === "counter" || (s.counter_numbers || []).length > 0 || (s.service_codes || []).length > 0;
    var sub = { center_id: s.center.id, recent: filtered ? DEEP_SNAPSHOT : s.recent };
    if (s.device) {
      sub.display_id = s.device.id;
      // The token lets the server tell supervisors when this screen stops coming back.
      if (state.token) { sub.device = state.token; }
    }
    // After the first snapshot: "I have everything up to here", so the next one holds all I missed.
    if (state.lastEventId !== null) { sub.since = state.lastEventId; }
    return sub;
  }

  function connect() {
    if (typeof window.io !== "function") { setOnline(false); return; }
    var socket = window.io({
      auth: function (cb) { cb(subscription()); },   // asked again at every reconnect: "since" moves on
      transports: ["websocket", "polling"], timeout: CONNECT_TIMEOUT_MS,
      reconnection: true, reconnectionDelay: RECONNECT_MIN_MS, reconnectionDelayMax: RECONNECT_MAX_MS, randomizationFactor: 0.3
    });
    state.socket = socket;
    window.__socket = socket;
    socket.on("connect", function () { setOnline(true); });
    socket.on("disconnect", function () { setOnline(false); });
    socket.on("connect_error", function () { setOnline(false); });
    socket.on("snapshot", applySnapshot);
    // A ticket event that changed how many wait carries the new counts (``counts``, issue 17): one message, not two.
    socket.on("ticket_called", function (p) { takeCounts(p); applyCall(fromEvent(p), true); });
    ["ticket_issued", "ticket_started", "ticket_finished", "ticket_no_show", "ticket_transferred", "ticket_parked",
     "ticket_cancelled"].forEach(function (name) {
      socket.on(name, function (p) { applyTicketChange(name, p); });
    });
    socket.on("counter_changed", function (p) { applyCounterChange(p && p.counter); });
    socket.on("queue_counts", function (p) { applyCounts(p && p.services); });
    socket.on("results_ready", function (p) { applyReady((p && p.items) || []); });
    socket.on("floor_message", function (p) { showFloorNotice(p && p.message); });
  }

  // ---------------------------------------------------------------- the supervisor's notice (issue 14)
  // Shown large over the board until cleared, replaced or expired (expiry by the server's clock: seconds left).
  var floorTimer = null;
  function showFloorNotice(m) {
    if (floorTimer) { clearTimeout(floorTimer); floorTimer = null; }
    var box = $("floor-notice");
    if (!box) { return; }
    box.hidden = !m;
    document.body.classList.toggle("has-floor-notice", !!m);
    $("floor-notice-vi").textContent = m ? m.text_vi : "";
    $("floor-notice-en").textContent = m ? (m.text_en || "") : "";
    if (m && m.expires_in_seconds != null) {
      floorTimer = setTimeout(function () { showFloorNotice(null); }, Math.max(0, m.expires_in_seconds) * 1000);
    }
  }

  function setOnline(online) {
    state.online = online;
    document.body.dataset.online = online ? "true" : "false";
    $("offline").hidden = online;
  }

  // ---------------------------------------------------------------- state
  function fromEvent(p) {
    var t = p.ticket || {};
    var counter = p.counter || t.counter || {};
    var service = p.service || t.service || {};
    var pickup = p.announcement === "pickup";
    return { event_id: p.event_id, at: p.at, number: p.number || t.number, dossier_code: pickup ? t.dossier_code || null : null,
             kind: p.kind || "call", pickup: pickup, counter_number: counter.number,
             service_code: service.code || null };
  }
  function fromSnapshot(c) {
    var svc = state.services.filter(function (s) { return s.id === c.service_id; })[0];
    // The server says which calls are result pickups (older servers: those with a dossier code).
    var pickup = c.announcement ? c.announcement === "pickup" : !!c.dossier_code;
    return { event_id: c.event_id, at: c.at, number: c.number, dossier_code: pickup ? c.dossier_code || null : null, kind: c.kind,
             pickup: pickup, counter_number: c.counter_number, service_code: svc ? svc.code : null };
  }
  function wanted(call) {
    var s = state.settings;
    if (s.counter_numbers && s.counter_numbers.length && s.counter_numbers.indexOf(call.counter_number) < 0) { return false; }
    if (s.service_codes && s.service_codes.length && call.service_code && s.service_codes.indexOf(call.service_code) < 0) { return false; }
    if (CONFIG.mode === "counter" && call.counter_number !== CONFIG.counterNumber) { return false; }
    return true;
  }

  function applySnapshot(snap) {
    var first = state.lastEventId === null;
    if ("floor_message" in snap) { showFloorNotice(snap.floor_message); }
    state.services = snap.services || [];
    state.counters = snap.counters || [];
    var incoming = (snap.recent_calls || []).map(fromSnapshot).sort(function (a, b) { return a.event_id - b.event_id; });
    var since = state.lastEventId || 0;
    // After a reconnect: calls made while offline are new here — show them all, speak the fresh ones, once.
    var missed = first ? [] : incoming.filter(function (c) { return !state.seen[c.event_id] && c.event_id > since; });
    // At load: a call made while this page was loading is new to the hall too. Speak it once,
    // unless this tab already said it before the reload.
    var atLoad = first ? justMade(incoming, snap.now).filter(function (c) { return c.event_id > spokenUpTo(); }) : [];
    var calls = {};
    incoming.forEach(function (c) { calls[c.event_id] = c; state.seen[c.event_id] = true; });
    state.calls = calls;
    state.lastEventId = Math.max(since, snap.last_event_id || 0);
    if (CONFIG.mode === "counter") {
      var mine = state.counters.filter(function (c) { return c.number === CONFIG.counterNumber; })[0];
      state.counterCurrent = mine && mine.current
        ? { number: mine.current.number, state: mine.current.state, dossier_code: mine.current.dossier_code || null } : null;
      var known = incoming.filter(function (c) { return c.counter_number === CONFIG.counterNumber; }).pop();
      if (state.counterCurrent && !state.counterCurrent.dossier_code && known && known.number === state.counterCurrent.number) {
        state.counterCurrent.dossier_code = known.dossier_code;   // an older server's snapshot
      }
      if (mine) { $("counter-name").textContent = mine.name; }
      state.counterPause = mine && mine.paused ? (mine.pause_reason || "") : null;
    }
    freshCalls(missed.filter(wanted), snap.now).concat(atLoad.filter(wanted)).forEach(announce);
    render();
    if (CONFIG.mode === "board") { fetchReady(); }
  }

  // The missed calls worth saying aloud: made within MISSED_SPEAK_AGE_MS of the snapshot, the newest few,
  // in call order. Without a server time (an older server) only the newest few.
  function freshCalls(calls, serverNow) {
    var now = Date.parse(serverNow || "");
    var young = isNaN(now) ? calls : calls.filter(function (c) {
      var at = Date.parse(c.at || "");
      return isNaN(at) || now - at <= MISSED_SPEAK_AGE_MS;
    });
    return young.slice(-MISSED_SPEAK_MAX);
  }

  // Calls made at most LOAD_SPEAK_AGE_MS before the snapshot (server clock on both sides).
  function justMade(calls, serverNow) {
    var now = Date.parse(serverNow || "");
    if (isNaN(now)) { return []; }
    return calls.filter(function (c) {
      var at = Date.parse(c.at || "");
      return !isNaN(at) && now - at >= -1000 && now - at <= LOAD_SPEAK_AGE_MS;
    }).slice(-MISSED_SPEAK_MAX);
  }
  function spokenUpTo() {
    try { return parseInt(window.sessionStorage.getItem(SPOKEN_KEY), 10) || 0; } catch (e) { return 0; }
  }
  function rememberSpoken(eventId) {
    try {
      if (eventId > spokenUpTo()) { window.sessionStorage.setItem(SPOKEN_KEY, String(eventId)); }
    } catch (e) { /* private mode: a reload may then repeat a call made in the last few seconds */ }
  }

  function applyCall(call, live) {
    if (!call.event_id || state.seen[call.event_id]) { return; }   // dedupe: an event already applied
    state.seen[call.event_id] = true;
    state.calls[call.event_id] = call;
    state.lastEventId = Math.max(state.lastEventId || 0, call.event_id);
    if (CONFIG.mode === "counter" && call.counter_number === CONFIG.counterNumber) {
      state.counterCurrent = { number: call.number, state: "called", dossier_code: call.dossier_code };
    }
    if (live && wanted(call)) { announce(call); }
    render();
  }

  function applyTicketChange(name, p) {
    var counted = takeCounts(p);
    if (p && p.event_id) { state.lastEventId = Math.max(state.lastEventId || 0, p.event_id); }
    var t = (p && p.ticket) || {};
    var mine = CONFIG.mode === "counter" && state.counterCurrent && name !== "ticket_issued" && t.number === state.counterCurrent.number;
    if (mine) {
      if (name === "ticket_started") { state.counterCurrent.state = "serving"; } else { state.counterCurrent = null; }
    } else if (!counted) { return; }
    render();
  }

  // A counter paused or resumed (or closed): its own screen says so at once.
  function applyCounterChange(counter) {
    if (CONFIG.mode !== "counter" || !counter || counter.number !== CONFIG.counterNumber) { return; }
    state.counterPause = counter.paused ? (counter.pause_reason || "") : null;
    render();
  }

  function setCounts(list) {
    (list || []).forEach(function (c) {
      state.services.forEach(function (s) { if (s.id === c.service_id) { s.waiting = c.waiting; } });
    });
  }
  function applyCounts(list) { setCounts(list); render(); }
  // The counts a ticket event carries (a queue_counts payload), unless the board already knows a later
  // state (an event older than its snapshot): true when taken, the caller renders.
  function takeCounts(p) {
    if (!p || !p.counts || (p.event_id && state.lastEventId && p.event_id < state.lastEventId)) { return false; }
    setCounts(p.counts.services);
    return true;
  }

  function applyReady(items) { state.ready = items || []; render(); }
  function fetchReady() {
    getJSON("/api/v1/centers/" + state.settings.center.id + "/results-ready").then(function (r) {
      if (r.ok) { applyReady(r.data.items || []); }
    });
  }

  // ---------------------------------------------------------------- render
  function shownCalls() {
    // Newest first; a recalled ticket appears once, at its latest call.
    var all = Object.keys(state.calls).map(function (k) { return state.calls[k]; }).filter(wanted)
      .sort(function (a, b) { return b.event_id - a.event_id; });
    var byTicket = {}, out = [];
    all.forEach(function (c) {
      var key = c.number + "|" + (c.dossier_code || "");
      if (byTicket[key]) { return; }
      byTicket[key] = true;
      out.push(c);
    });
    return out.slice(0, (state.settings && state.settings.recent) || 8);
  }
  window.__board.shownCalls = shownCalls;

  function render() {
    if (CONFIG.mode === "counter") { renderCounter(); } else { renderBoard(); }
  }

  function renderBoard() {
    var calls = shownCalls();
    var latest = calls[0];
    $("now-empty").hidden = !!latest;
    $("now-call").hidden = !latest;
    if (latest) {
      // The big figure is always the number on the citizen's ticket (a result pickup's too: 8001,
      // what the voice says); a pickup's dossier code, as printed on the receipt, is the line under it.
      $("now-label").textContent = (latest.kind === "recall" ? "MỜI LẠI SỐ" : "MỜI SỐ") + (latest.pickup ? " NHẬN KẾT QUẢ" : "");
      $("now").classList.toggle("pickup", !!latest.pickup);
      $("now-number").textContent = latest.number;
      fillCode($("now-code"), latest.pickup ? latest.dossier_code : null, "Hồ sơ ");
      $("now-counter").textContent = latest.counter_number;
      $("now").dataset.eventId = latest.event_id;
    }
    var body = $("recent-calls");
    body.textContent = "";
    // One column holds ROWS_PER_COLUMN calls at a size readable across the hall; more flow into two
    // columns, a little smaller past 2 × ROWS_PER_COLUMN (a board set to list 12).
    body.parentNode.className = "calls" + (calls.length > ROWS_PER_COLUMN ? " cols-2" : "") +
      (calls.length > 2 * ROWS_PER_COLUMN ? " dense" : "");
    calls.forEach(function (c, i) {
      var tr = el("tr", i === 0 ? "latest" : "");
      tr.dataset.eventId = c.event_id;
      tr.dataset.number = c.number;
      var td = el("td", c.pickup ? "pickup" : "");
      td.textContent = c.number;
      if (c.kind === "recall") { td.appendChild(el("span", "recall-mark", "gọi lại")); }
      if (c.pickup) { td.appendChild(el("span", "pickup-mark", "nhận kết quả")); }
      tr.appendChild(td);
      tr.appendChild(el("td", "", c.counter_number));
      body.appendChild(tr);
    });
    var list = $("waiting");
    list.textContent = "";
    var codes = state.settings.service_codes || [];
    state.services.filter(function (s) { return s.active !== false && (!codes.length || codes.indexOf(s.code) >= 0); })
      .forEach(function (s) {
        var li = el("li");
        li.dataset.service = s.code;
        li.appendChild(el("span", "name", s.name));
        li.appendChild(el("span", "count", s.waiting || 0));
        list.appendChild(li);
      });
    renderReady();
  }

  // A dossier code in two parts: the agency's identifier, the same on every code of the center, and
  // the part that tells dossiers apart (date and daily sequence, "261206-0001"), emphasised.
  function splitCode(code) {
    var m = /^(.*-)(\d{6}-\d{4})$/.exec(String(code || ""));
    return m ? [m[1], m[2]] : ["", String(code || "")];
  }
  function fillCode(node, code, prefix) {
    node.textContent = "";
    node.hidden = !code;
    if (!code) { return; }
    var parts = splitCode(code);
    if (prefix) { node.appendChild(el("span", "code-label", prefix)); }
    node.appendChild(el("span", "code-agency", parts[0]));
    node.appendChild(el("span", "code-key", parts[1]));
    node.dataset.code = code;
  }

  // ---------------------------------------------------------------- results ready (paged)
  var readyView = { key: null, pages: [], page: 0, timer: null };
  function renderReady() {
    var key = state.ready.map(function (item) { return item.code; }).join(" ");
    $("ready-empty").hidden = state.ready.length > 0;
    if (key === readyView.key) { return; }   // unchanged: keep the page being shown
    readyView.key = key;
    var list = $("ready");
    list.textContent = "";
    state.ready.forEach(function (item) {
      var li = el("li");
      fillCode(li, item.code, "");
      list.appendChild(li);
    });
    paginateReady();
  }
  // Every code whole and large: as many as the panel holds make a page; the pages turn by themselves.
  function paginateReady() {
    var list = $("ready");
    var items = Array.prototype.slice.call(list.children);
    items.forEach(function (li) { li.hidden = false; });
    readyView.pages = [];
    var height = list.clientHeight;
    var page = [], top = null;
    items.forEach(function (li) {
      if (top === null) { top = li.offsetTop; }
      if (page.length && li.offsetTop + li.offsetHeight - top > height) { readyView.pages.push(page); page = []; top = li.offsetTop; }
      page.push(li);
    });
    if (page.length) { readyView.pages.push(page); }
    if (readyView.page >= readyView.pages.length) { readyView.page = 0; }
    showReadyPage();
    clearInterval(readyView.timer);
    readyView.timer = readyView.pages.length > 1 ? setInterval(function () {
      readyView.page = (readyView.page + 1) % readyView.pages.length;
      showReadyPage();
    }, READY_PAGE_MS) : null;
  }
  function showReadyPage() {
    readyView.pages.forEach(function (page, i) { page.forEach(function (li) { li.hidden = i !== readyView.page; }); });
    var pager = $("ready-page");
    pager.classList.toggle("single", readyView.pages.length < 2);
    pager.textContent = "Trang " + (readyView.page + 1) + "/" + Math.max(1, readyView.pages.length);
  }
  window.__board.readyPages = function () {
    return readyView.pages.map(function (page) { return page.map(function (li) { return li.dataset.code; }); });
  };
  window.addEventListener("resize", function () { if (CONFIG.mode === "board" && state.settings) { paginateReady(); } });

  function renderCounter() {
    var paused = state.counterPause !== null && state.counterPause !== undefined;
    $("counter-paused").hidden = !paused;
    $("counter-serving").hidden = paused;
    if (paused) { $("counter-paused-reason").textContent = state.counterPause || "tạm nghỉ"; }
    var cur = state.counterCurrent;
    var box = $("counter-current");
    var pickup = !!(cur && cur.dossier_code);
    $("counter-state").textContent = !cur ? "Chưa gọi số" : (cur.state === "serving" ? "Đang phục vụ số" : "Mời số") + (pickup ? " nhận kết quả" : "");
    box.textContent = cur ? cur.number : "—";
    fillCode($("counter-code"), pickup ? cur.dossier_code : null, "Hồ sơ ");
  }

  function flash() {
    var node = CONFIG.mode === "counter" ? $("counter-current") : $("now");
    node.classList.remove("flash");
    void node.offsetWidth;  // restart the animation
    node.classList.add("flash");
    clearTimeout(state.flashTimer);
    state.flashTimer = setTimeout(function () { node.classList.remove("flash"); }, FLASH_MS);
  }

  // ---------------------------------------------------------------- sound
  var audio = $("announcer");
  var sound = { pending: [], playing: null, blocked: false, gather: null, attempt: 0, stuck: null };
  window.__sound = sound;
  audio.defaultPlaybackRate = CONFIG.playbackRate || 1;

  function announce(call) {
    flash();
    if (CONFIG.mode !== "board" || !state.settings.sound) { return; }
    sound.pending.push({ event_id: call.event_id, src: "/api/v1/announcements/" + call.event_id + ".wav", tries: 0 });
    sound.pending.sort(function (a, b) { return a.event_id - b.event_id; });
    if (!sound.playing && !sound.gather) { sound.gather = setTimeout(function () { sound.gather = null; playNext(); }, GATHER_MS); }
  }

  function playNext() {
    if (sound.playing || sound.blocked) { return; }
    var item = sound.pending.shift();
    if (!item) { return; }
    sound.playing = item;
    item.started = Date.now();
    var attempt = ++sound.attempt;
    audio.src = item.src;
    audio.playbackRate = CONFIG.playbackRate || 1;
    clearTimeout(sound.stuck);
    sound.stuck = setTimeout(function () { done(attempt, false, "stuck"); }, STUCK_MS);
    var p = audio.play();
    if (p && p.catch) {
      p.catch(function (err) {
        if (attempt !== sound.attempt) { return; }
        if (err && err.name === "NotAllowedError") {
          // Autoplay blocked (a TV without the Chromium flag): one tap turns sound on for the day.
          clearTimeout(sound.stuck);
          sound.pending.unshift(item);
          sound.playing = null;
          sound.blocked = true;
          $("sound-button").hidden = false;
        }
        // Other failures (503, network) arrive as the element's 'error' event.
      });
    }
  }

  function done(attempt, ok, why) {
    if (attempt !== sound.attempt || !sound.playing) { return; }
    var item = sound.playing;
    clearTimeout(sound.stuck);
    sound.playing = null;
    if (ok) {
      window.__played.push({ src: item.src, event_id: item.event_id, started: item.started, at: Date.now() });
      rememberSpoken(item.event_id);
    } else {
      window.__soundErrors.push({ src: item.src, event_id: item.event_id, why: why, at: Date.now() });
      if (item.tries < 1 && why !== "stuck") {
        item.tries += 1;  // one retry: the voice may have been busy; the board still shows the call
        setTimeout(function () { sound.pending.unshift(item); playNext(); }, 2000);
        return;
      }
    }
    playNext();
  }

  audio.addEventListener("ended", function () { done(sound.attempt, true); });
  audio.addEventListener("error", function () { done(sound.attempt, false, "error"); });

  $("sound-button").addEventListener("click", function () {
    $("sound-button").hidden = true;
    sound.blocked = false;
    playNext();
  });

  boot();
})();
