/* The ticket's phone page: live status through Socket.IO (auth {ticket: token}), a vibration and
   a short WebAudio chime when the ticket is called. No personal data is ever shown. */
(function () {
  "use strict";

  var page = JSON.parse(document.getElementById("phone-data").textContent);
  var ticket = page.ticket;
  var token = ticket.token;
  var audio = null;
  var pollTimer = null;
  var lastCallEvent = 0;

  function $(id) { return document.getElementById(id); }

  // ---------------------------------------------------------------- sound and vibration
  function audioContext() {
    var Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) { return null; }
    if (!audio) { try { audio = new Ctx(); } catch (e) { audio = null; } }
    return audio;
  }

  function chime() {
    var ctx = audioContext();
    if (!ctx) { return false; }
    if (ctx.state === "suspended" && ctx.resume) { ctx.resume(); }
    var start = ctx.currentTime + 0.05;
    [[880, 0], [660, 0.35], [880, 0.7]].forEach(function (n) {
      var osc = ctx.createOscillator();
      var gain = ctx.createGain();
      osc.type = "sine";
      osc.frequency.value = n[0];
      gain.gain.setValueAtTime(0.0001, start + n[1]);
      gain.gain.exponentialRampToValueAtTime(0.4, start + n[1] + 0.03);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + n[1] + 0.3);
      osc.connect(gain);
      gain.connect(ctx.destination);
      osc.start(start + n[1]);
      osc.stop(start + n[1] + 0.32);
    });
    return true;
  }

  function alertCitizen() {
    var vibrated = false;
    if (navigator.vibrate) { try { vibrated = navigator.vibrate([400, 150, 400, 150, 700]); } catch (e) { vibrated = false; } }
    var chimed = chime();
    document.body.dataset.alerted = String((Number(document.body.dataset.alerted) || 0) + 1);
    document.body.dataset.vibrated = String(!!vibrated);
    document.body.dataset.chimed = String(!!chimed);
  }

  $("sound-on").addEventListener("click", function (ev) {
    // Phones only let a page make sound after a tap: unlock the audio now, with a short test chime.
    chime();
    ev.currentTarget.setAttribute("aria-pressed", "true");
  });

  // ---------------------------------------------------------------- rendering
  var FINISHED = {
    done: ["Đã phục vụ xong. Cảm ơn Ông/Bà!", "Service finished. Thank you!"],
    no_show: ["Ông/Bà đã vắng mặt khi được gọi. Vui lòng hỏi cán bộ hướng dẫn.", "You were absent when called. Please ask staff for help."],
    cancelled: ["Số thứ tự này đã bị huỷ.", "This ticket was cancelled."]
  };

  function render(next) {
    if (!next) { return; }
    var before = ticket.state;
    // Events carry the ticket without the wait estimate: keep the last known one until refetched.
    ["people_ahead", "estimated_wait_minutes"].forEach(function (k) { if (next[k] === undefined) { next[k] = ticket[k]; } });
    ticket = next;
    document.body.dataset.state = ticket.state;
    $("number").textContent = ticket.number;
    var svc = ticket.service || {};
    var service = $("service");
    service.textContent = svc.name || "";
    if (svc.name_en) { var en = document.createElement("span"); en.className = "en"; en.textContent = svc.name_en; service.appendChild(en); }

    var called = ticket.state === "called" || ticket.state === "serving";
    $("turn").hidden = !called;
    if (called) {
      var n = ticket.counter ? ticket.counter.number : "";
      $("turn-vi").textContent = "Đến lượt Ông/Bà — mời đến quầy số " + n;
      $("turn-en").textContent = "It's your turn — please go to counter\u00a0" + n;
      $("turn-counter").textContent = n;
      // A result-pickup ticket: called by this page's number, like the board and the voice say. (The
      // dossier code stays off this page: it is reachable by anyone holding the ticket.)
      if ((ticket.service || {}).kind === "collect") {
        $("turn-vi").textContent = "Đến lượt Ông/Bà — mời đến quầy số " + n + " nhận kết quả";
        $("turn-en").textContent = "It's your turn — please go to counter\u00a0" + n + " to collect your result";
      }
    }
    var waiting = ticket.state === "waiting";
    $("waiting").hidden = !waiting;
    if (waiting) {
      $("ahead").textContent = ticket.people_ahead === undefined || ticket.people_ahead === null ? "–" : String(ticket.people_ahead);
      var m = ticket.estimated_wait_minutes;
      $("wait").textContent = m === undefined || m === null ? "–"
        : (ticket.people_ahead === 0 && !m ? "Sắp đến lượt" : "~" + m + " phút");
    }
    var parked = ticket.state === "parked";
    $("parked").hidden = !parked;
    if (parked) {
      var back = ticket.counter ? ticket.counter.number : "";
      $("parked-vi").textContent = "Đang chờ bổ sung giấy tờ — vui lòng quay lại quầy số " + back + " khi đã có đủ";
      $("parked-en").textContent = "Waiting for a missing paper — please come back to counter\u00a0" + back + " when you have it";
    }
    var fin = FINISHED[ticket.state];
    $("finished").hidden = !fin;
    if (fin) { $("finished-vi").textContent = fin[0]; $("finished-en").textContent = fin[1]; }
    renderRating();
    schedulePoll();
    if (ticket.state === "called" && before !== "called") { alertCitizen(); }
  }

  // ---------------------------------------------------------------- rating slot
  var rated = false;
  function renderRating() {
    var slot = $("rating");
    if (!page.ratings || ticket.state !== "done") { slot.hidden = true; return; }
    slot.hidden = false;
    if (slot.dataset.ready) { return; }
    slot.dataset.ready = "1";
    slot.textContent = "";
    var title = document.createElement("p");
    title.className = "rating-title";
    title.textContent = "Ông/Bà có hài lòng với sự phục vụ? / Were you satisfied?";
    slot.appendChild(title);
    var box = document.createElement("div");
    box.className = "rating-buttons";
    page.ratings.levels.forEach(function (level) {
      var b = document.createElement("button");
      b.type = "button";
      b.dataset.level = level.code;
      b.textContent = level.label_vi + " / " + level.label_en;
      b.addEventListener("click", function () { rate(level.code); });
      box.appendChild(b);
    });
    slot.appendChild(box);
  }

  function rate(level) {
    if (rated) { return; }
    fetch("/api/v1/tickets/" + encodeURIComponent(token) + "/rating", {
      method: "POST", headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify({ level: level })
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (d) { return { ok: r.ok, data: d }; });
    }).then(function (res) {
      var slot = $("rating");
      var msg = document.createElement("p");
      msg.className = "rating-done";
      if (res.ok || (res.data.error && res.data.error.code === "already_rated")) {
        rated = true;
        slot.textContent = "";
        msg.textContent = "Cảm ơn Ông/Bà đã đánh giá! / Thank you for your rating!";
      } else {
        var e = res.data.error || {};
        msg.textContent = (e.message_vi || "Chưa gửi được đánh giá.") + " / " + (e.message_en || "The rating could not be sent.");
      }
      slot.appendChild(msg);
    }, function () { /* offline: the buttons stay */ });
  }

  // ---------------------------------------------------------------- fresh data
  function refetch() {
    return fetch("/api/v1/tickets/" + encodeURIComponent(token), { headers: { "Accept": "application/json" }, cache: "no-store" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (d) { if (d && d.token === token) { render(d); } }, function () { /* next poll */ });
  }

  // People ahead arrive pushed (queue_moved); a slow look-up now and then only guards against a lost push.
  function schedulePoll() {
    clearTimeout(pollTimer);
    if (ticket.state === "waiting") { pollTimer = setTimeout(refetch, 120000); }
  }

  /* The line moved: the server sent every waiting ticket of this service in call order (ids, computed
     once for all phones), and at the same index its wait in minutes. Ours, if listed: its index is the
     people ahead. */
  function applyPositions(line) {
    if (!line || !Array.isArray(line.ids) || !Array.isArray(line.waits) || ticket.state !== "waiting") { return; }
    if (ticket.service && line.service_id !== ticket.service.id) { return; }
    var ahead = line.ids.indexOf(ticket.id);
    if (ahead < 0) { return; }
    var next = {};
    Object.keys(ticket).forEach(function (k) { next[k] = ticket[k]; });
    next.people_ahead = ahead;
    next.estimated_wait_minutes = line.waits[ahead];
    render(next);
    document.body.dataset.moved = String((Number(document.body.dataset.moved) || 0) + 1);
  }
  document.addEventListener("visibilitychange", function () { if (!document.hidden) { refetch(); } });

  // ---- floor notice (issue 14, slice C): the supervisor's notice to everyone waiting ----
  var floorTimer = null;
  function showFloorNotice(m) {
    if (floorTimer) { clearTimeout(floorTimer); floorTimer = null; }
    $("floor-notice").hidden = !m;
    $("floor-notice-vi").textContent = m ? m.text_vi : "";
    $("floor-notice-en").textContent = m ? (m.text_en || "") : "";
    if (m && m.expires_in_seconds != null) {  // seconds left by the server's clock
      floorTimer = setTimeout(function () { showFloorNotice(null); }, Math.max(0, m.expires_in_seconds) * 1000);
    }
  }
  // ---- end floor notice ----

  function live(on, text) {
    $("live").classList.toggle("on", on);
    $("live-text").textContent = text;
  }

  if (typeof window.io === "function") {
    var socket = window.io({ auth: { ticket: token }, transports: ["websocket", "polling"] });
    socket.on("connect", function () { live(true, "Đang cập nhật trực tiếp / Live"); });
    socket.on("disconnect", function () { live(false, "Mất kết nối, đang thử lại… / Reconnecting…"); });
    socket.on("snapshot", function (snap) {
      if (snap && snap.ticket && snap.ticket.token === token) { render(snap.ticket); }
      if (snap && "floor_message" in snap) { showFloorNotice(snap.floor_message); }  // floor notice (slice C)
    });
    socket.on("floor_message", function (p) { showFloorNotice(p && p.message); });  // floor notice (slice C)
    socket.on("queue_moved", applyPositions);
    socket.on("ticket_called", function (p) {
      if (!p || !p.ticket || p.ticket.token !== token) { return; }
      var wasCalled = ticket.state === "called";
      render(p.ticket);
      if (wasCalled && p.event_id !== lastCallEvent) { alertCitizen(); }  // a recall rings again
      lastCallEvent = p.event_id;
    });
    ["ticket_started", "ticket_finished", "ticket_no_show", "ticket_cancelled", "ticket_transferred", "ticket_parked"].forEach(function (name) {
      socket.on(name, function (p) {
        if (!p || !p.ticket || p.ticket.token !== token) { return; }
        render(p.ticket);
        // Transferred: it waits in another line now. A resync joins that line's room and brings its place.
        if (p.ticket.state === "waiting") { socket.emit("resync", { ticket: token }); }
      });
    });
  } else {
    live(false, "Tự tải lại mỗi 30 giây / Refreshing every 30 s");
  }
  render(ticket);
})();
