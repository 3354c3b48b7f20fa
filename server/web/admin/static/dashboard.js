/* Live dashboard: re-reads /api/v1/reports/live when anything happens in the center. */
(function () {
  "use strict";
  const centerId = parseInt(document.body.dataset.centerId, 10);
  const $ = (id) => document.getElementById(id);
  const esc = (s) => String(s == null ? "" : s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  const minutes = (m) => (m == null ? "–" : Math.round(m));

  // A supervisor closes a counter under the same rule as a clerk leaving it: a ticket still called or
  // served there is put back at the head of its queue or finished, never left called to an empty desk.
  // The buttons use admin.js's generic data-api handler; counter_changed then redraws the tiles.
  function closeActions(c) {
    if (!c.is_open) return "";
    const button = (label, body, confirmText) =>
      `<button type="button" class="close-counter" data-api="/api/v1/counters/${c.id}/close" data-body='${JSON.stringify(body)}'` +
      ` data-confirm="${esc(confirmText)}" data-done="Đã đóng quầy ${c.number} / Counter ${c.number} closed">${label}</button>`;
    if (!c.current) {
      return `<div class="tile-actions">${button("Đóng quầy <span class=\"en\">Close</span>", {}, `Đóng quầy ${c.number}? / Close counter ${c.number}?`)}</div>`;
    }
    const n = esc(c.current.number);
    return `<div class="tile-actions">` +
      button(`Đóng, đưa số ${n} về đầu hàng chờ <span class="en">Close, back to the head of the queue</span>`, { then: "requeue" },
        `Đóng quầy ${c.number} và đưa số ${c.current.number} về đầu hàng chờ? / Close and put ${c.current.number} back at the head of the queue?`) +
      button(`Đóng, kết thúc số ${n} <span class="en">Close, finish it</span>`, { then: "finish" },
        `Đóng quầy ${c.number} và kết thúc số ${c.current.number}? / Close and finish ${c.current.number}?`) +
      `</div>`;
  }

  function render(d) {
    $("s-waiting").textContent = d.today.waiting;
    $("s-inservice").textContent = `Đang phục vụ: ${d.today.in_service}`;
    $("s-longest").textContent = d.longest_wait ? `${Math.round(d.longest_wait.minutes)}′` : "–";
    $("s-longest-sub").textContent = d.longest_wait ? `Số ${d.longest_wait.number} · ${d.longest_wait.service}` : "";
    $("s-open").textContent = `${d.counters_open}/${d.counters.length}`;
    $("s-issued").textContent = d.today.issued;
    $("s-today").textContent = `Đã phục vụ ${d.today.served} · vắng ${d.today.no_show} · huỷ ${d.today.cancelled}`;
    $("s-alerts").textContent = d.alerts.length;
    $("s-alerts-box").classList.toggle("alerting", d.alerts.length > 0);
    if (d.signin) renderSignin(d.signin);
    $("alerts").innerHTML = d.alerts.length
      ? d.alerts.map((a) => `<li>${esc(a.message_vi)} <span class="en">${esc(a.message_en)}</span></li>`).join("")
      : '<li style="color:var(--muted)">Không có cảnh báo. <span class="en">No alerts.</span></li>';
    $("services-table").tBodies[0].innerHTML = d.services.map((s) =>
      `<tr class="${s.active ? "" : "inactive"} ${s.over_target ? "over-target" : ""}" data-service-id="${s.id}"><td>${esc(s.name)}</td>` +
      `<td class="num">${s.waiting}</td><td class="num longest">${minutes(s.longest_wait_minutes)}</td><td>${esc(s.longest_number || "")}</td>` +
      `<td class="num">${s.wait_target_minutes == null ? "–" : s.wait_target_minutes}</td>` +
      `<td class="num share">${shareText(s)}</td></tr>`).join("");
    renderFloor(d.floor_message);
    $("counters").innerHTML = d.counters.map((c) =>
      `<div class="counter-tile ${c.is_open ? "open" : ""} ${c.paused ? "is-paused" : ""}"><div class="num">Quầy ${c.number}</div><div class="muted">${esc(c.name)}</div>` +
      `<div>${esc(c.clerk ? c.clerk.full_name || c.clerk.username : (c.is_open ? "Đang mở" : "Đóng"))}</div>` +
      (c.paused ? `<div class="paused">Tạm dừng — ${esc(c.pause_reason)} <span class="en">Paused</span></div>` : "") +
      `<div class="current">${esc(c.current ? c.current.number : "")}</div>` +
      `<div class="muted">Đã phục vụ hôm nay: ${c.served_today}</div>${closeActions(c)}</div>`).join("");
    $("live-time").textContent = d.now_text; // the server's clock in the center's zone, never the browser's
  }

  // Service-level targets (server/domain/service_levels.py): today's share of first calls within target.
  function shareText(s) {
    if (s.share_within_target == null) return "–";
    return `${Math.round(s.share_within_target * 100)}% (${s.within_target_today}/${s.called_today})`;
  }

  // The notice to everyone waiting in force (server/domain/floor_messages.py), as boards and phones show it.
  function renderFloor(m) {
    const box = $("floor-current");
    if (!box) return;
    box.classList.toggle("on", !!m);
    // Time left by the server's clock (seconds in the payload), never the supervisor's browser's.
    const left = m && m.expires_in_seconds != null ? Math.max(1, Math.ceil(m.expires_in_seconds / 60)) : null;
    box.innerHTML = m ? `Đang hiển thị: “${esc(m.text_vi)}”` + (left ? ` · còn ${left} phút` : "") +
        (m.text_en ? ` <span class="en">${esc(m.text_en)}${left ? ` · ${left} min left` : ""}</span>` : "")
      : 'Không có thông báo. <span class="en">No notice shown.</span>';
  }

  // A short chime for a new wait-target alert, when the supervisor asked for it (remembered in this browser).
  const SOUND_KEY = "motcua.dashboard.targetSound";
  const soundBox = $("target-sound");
  if (soundBox) {
    try { soundBox.checked = localStorage.getItem(SOUND_KEY) === "1"; } catch (e) { /* private mode: unchecked */ }
    soundBox.addEventListener("change", () => {
      try { localStorage.setItem(SOUND_KEY, soundBox.checked ? "1" : "0"); } catch (e) { /* not remembered */ }
      if (soundBox.checked) chime();  // the click unlocks the browser's audio
    });
  }
  let audioCtx = null;
  function chime() {
    // Made with WebAudio (two tones, like the boards' ding-dong): no file to fetch, nothing from outside.
    const Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) return false;
    try { audioCtx = audioCtx || new Ctx(); } catch (e) { return false; }
    if (audioCtx.state === "suspended" && audioCtx.resume) audioCtx.resume();
    const start = audioCtx.currentTime + 0.05;
    [[659, 0], [523, 0.4]].forEach(([freq, at]) => {
      const osc = audioCtx.createOscillator();
      const gain = audioCtx.createGain();
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.0001, start + at);
      gain.gain.exponentialRampToValueAtTime(0.3, start + at + 0.03);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + at + 0.45);
      osc.connect(gain); gain.connect(audioCtx.destination);
      osc.start(start + at); osc.stop(start + at + 0.5);
    });
    document.body.dataset.chimed = String((Number(document.body.dataset.chimed) || 0) + 1);
    return true;
  }
  function onAlertRaised(p) {
    const alert = p && p.alert;
    // A new alert only (occurrences 1): the same alert bumped again does not ring twice.
    if (alert && alert.kind === "wait_target" && alert.occurrences === 1 && soundBox && soundBox.checked) chime();
  }

  // Failed sign-ins (server/domain/signin.py): counts, and the accounts that must wait now.
  function renderSignin(s) {
    $("signin-hour").textContent = s.failed_last_hour;
    $("signin-today").innerHTML = `Hôm nay: ${s.failed_today} <span class="en">today</span>`;
    $("signin-locked").textContent = s.locked_accounts.length;
    $("signin-locked-names").textContent = s.locked_accounts.join(", ");
    $("signin-addresses").innerHTML = `Địa chỉ máy đang tạm chặn: ${s.locked_addresses} <span class="en">addresses locked</span>`;
    $("signin-locked-box").classList.toggle("alerting", s.locked_accounts.length > 0);
  }

  let pending = null;
  async function refresh() {
    pending = null;
    try {
      const r = await fetch(`/api/v1/reports/live?center_id=${centerId}`, { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (r.ok) render(await r.json());
    } catch (e) { /* offline for a moment: the next event or tick retries */ }
  }
  function soon() { if (!pending) pending = setTimeout(refresh, 300); }

  if (window.io) {
    const socket = io({ auth: { center_id: centerId }, transports: ["websocket", "polling"] });
    socket.on("connect", () => { $("live-dot").classList.add("on"); socket.emit("join_supervisor", { center_id: centerId }); soon(); });
    socket.on("disconnect", () => $("live-dot").classList.remove("on"));
    ["ticket_issued", "ticket_called", "ticket_started", "ticket_finished", "ticket_no_show", "ticket_transferred",
     "ticket_cancelled", "queue_counts", "counter_changed", "alert_raised", "alert_resolved", "config_changed", "rating_received"]
      .forEach((name) => socket.on(name, soon));
    socket.on("alert_raised", onAlertRaised);
    socket.on("floor_message", (p) => renderFloor(p && p.message));
  }
  setInterval(refresh, 30000); // waits grow even when nothing happens
  refresh();
})();
