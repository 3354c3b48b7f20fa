/* Pairing a device: show a 6-digit code, wait for an admin to type it, become what they chose.
   Runs on /pair (starts at once) and inside the setup view of the kiosk and display pages
   (starts when that view is shown, stops when it is hidden). The code's secret is kept in
   localStorage so a reload shows the same code until it expires; the device token arrives once
   and is stored where the kiosk / display page reads it, never in an address. No framework. */
(function () {
  "use strict";

  var PENDING_KEY = "motcua.pairing";
  var POLL_MS = 1000;          // the device turns into its role within ~1 s of the admin's click
  var RETRY_MS = 5000;         // server restarting or too many codes: try again quietly
  var box = document.getElementById("pair-box");
  if (!box) { return; }

  var state = { running: false, pending: null, pollTimer: null, tickTimer: null };
  window.__pairing = state;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = text; }
    return e;
  }
  function post(path, body) {
    return fetch(path, { method: "POST", cache: "no-store", headers: { "Content-Type": "application/json", "Accept": "application/json" },
                         body: JSON.stringify(body || {}) }).then(function (resp) {
      return resp.json().catch(function () { return {}; }).then(function (data) { return { ok: resp.ok, status: resp.status, data: data || {} }; });
    }, function () { return { ok: false, status: 0, data: {} }; });
  }
  function readPending() {
    try { return JSON.parse(window.localStorage.getItem(PENDING_KEY) || "null"); } catch (e) { return null; }
  }
  function savePending(p) { try { window.localStorage.setItem(PENDING_KEY, JSON.stringify(p)); } catch (e) { /* kept in memory */ } }
  function dropPending() { try { window.localStorage.removeItem(PENDING_KEY); } catch (e) { /* ignore */ } }

  function render(code) {
    box.textContent = "";
    box.appendChild(el("p", "pair-label", "Mã ghép nối / Pairing code"));
    var digits = el("div", "pair-code", code.slice(0, 3) + " " + code.slice(3));
    digits.id = "pair-code";
    digits.setAttribute("data-code", code);
    box.appendChild(digits);
    var steps = el("p", "pair-steps");
    steps.appendChild(document.createTextNode("Quản trị viên mở "));
    steps.appendChild(el("b", null, window.location.host + "/admin"));
    steps.appendChild(document.createTextNode(" → Thiết bị → «Ghép nối thiết bị» và nhập mã này. Máy sẽ tự chuyển sang màn hình được chọn."));
    steps.appendChild(el("br"));
    steps.appendChild(el("span", "en", "An administrator opens Admin → Devices → “Pair a device” and types this code; this screen then turns into what they chose."));
    box.appendChild(steps);
    var expiry = el("p", "pair-expiry");
    expiry.id = "pair-expiry";
    box.appendChild(expiry);
    var err = el("p", "pair-error");
    err.id = "pair-error";
    err.hidden = true;
    box.appendChild(err);
    tick();
  }
  function showError(text) {
    var err = document.getElementById("pair-error");
    if (!err) { box.textContent = ""; err = el("p", "pair-error"); err.id = "pair-error"; box.appendChild(err); }
    err.textContent = text;
    err.hidden = !text;
  }
  function tick() {
    var node = document.getElementById("pair-expiry");
    if (!node || !state.pending) { return; }
    var left = Math.max(0, Math.round((state.pending.deadline - Date.now()) / 1000));
    // Minutes and seconds in words: "10:00" on a wall screen reads as a time of day.
    var m = Math.floor(left / 60), sec = left % 60;
    node.textContent = "Mã còn hiệu lực " + m + " phút " + sec + " giây, hết hạn sẽ có mã mới. / Valid for " + m + " min " + sec +
      " s; a new code follows.";
  }

  function fresh() {
    dropPending();
    state.pending = null;
    return post("/api/v1/pairing", { wanted: box.getAttribute("data-wanted") || "" }).then(function (r) {
      if (!state.running) { return; }
      if (!r.ok) {
        var e = r.data.error || {};
        showError(e.message_vi ? e.message_vi + " / " + e.message_en : "Không kết nối được máy chủ, đang thử lại… / Cannot reach the server, retrying…");
        state.pollTimer = setTimeout(fresh, RETRY_MS);
        return;
      }
      // The deadline on this device's own clock: a TV's clock is often wrong, the duration is not.
      state.pending = { code: r.data.code, secret: r.data.secret, deadline: Date.now() + r.data.expires_in * 1000 };
      savePending(state.pending);
      render(state.pending.code);
      schedule();
    });
  }
  function schedule() { state.pollTimer = setTimeout(poll, POLL_MS); }

  function poll() {
    if (!state.running || !state.pending) { return; }
    post("/api/v1/pairing/poll", { secret: state.pending.secret }).then(function (r) {
      if (!state.running) { return; }
      if (r.status === 0 || r.status >= 500) { showError("Mất kết nối máy chủ, đang thử lại… / Server unreachable, retrying…"); schedule(); return; }
      showError("");
      var s = r.ok ? r.data.state : "expired";
      if (s === "waiting") { tick(); schedule(); return; }
      if (s === "paired") { become(r.data); return; }
      fresh();  // expired, used, or unknown: a new code
    });
  }

  function become(answer) {
    state.running = false;
    dropPending();
    var store = answer.storage;
    if (store && answer.token) {
      try { window.localStorage.setItem(store.local_storage, answer.token); } catch (e) { /* the cookie still holds it */ }
      document.cookie = store.cookie + "=" + encodeURIComponent(answer.token) + "; max-age=" + (10 * 365 * 86400) +
        "; path=" + store.path + "; SameSite=Strict";
    }
    box.textContent = "";
    box.appendChild(el("p", "pair-done", "Đã ghép nối: " + answer.device.name + " / Paired"));
    window.location.replace(answer.page || "/");
  }

  function start() {
    if (state.running) { return; }
    state.running = true;
    var saved = readPending();
    if (saved && saved.secret && saved.deadline > Date.now()) {
      state.pending = saved;
      render(saved.code);
      poll();
    } else {
      fresh();
    }
    state.tickTimer = setInterval(tick, 1000);
  }
  function stop() {
    state.running = false;
    clearTimeout(state.pollTimer);
    clearInterval(state.tickTimer);
  }

  // Inside a page's setup view: pair while that view is on screen.
  var view = box.closest("[hidden], .view, section");
  if (box.hasAttribute("data-autostart") || !view) {
    start();
  } else {
    var sync = function () { if (view.hidden) { stop(); } else { start(); } };
    new MutationObserver(sync).observe(view, { attributes: true, attributeFilter: ["hidden"] });
    sync();
  }
  window.motcuaPairing = { start: start, stop: stop };
})();
