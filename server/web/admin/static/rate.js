/* Rating: three big buttons, an optional reason after "Không hài lòng", then thanks.
   On a counter tablet it follows the counter: a finished ticket appears, the page resets after a few seconds. */
(function () {
  "use strict";
  const body = document.body;
  const tablet = body.classList.contains("tablet");
  const $ = (id) => document.getElementById(id);
  const THANKS_MS = 5000;     // how long "thank you" stays before the tablet resets
  const IDLE_MS = 90000;      // an unanswered question goes away after this long
  let pending = null;         // {ticket_id, number, service}
  let chosen = null;
  let resetTimer = null;

  function show(section) {
    ["idle", "ask", "thanks"].forEach((id) => { const el = $(id); if (el) el.hidden = id !== section; });
    if (section === "ask") { $("level-step").hidden = false; $("reason-step").hidden = true; }
    $("error").textContent = "";
  }

  function url() {
    return tablet ? `/api/v1/counters/${body.dataset.counterId}/rating-tablet` : `/api/v1/tickets/${encodeURIComponent(body.dataset.token)}/rating`;
  }

  async function send(level, reason) {
    const payload = { level, reason: reason || null };
    if (tablet) Object.assign(payload, { key: body.dataset.key, ticket_id: pending.ticket_id });
    try {
      const r = await fetch(url(), { method: "POST", headers: { "Content-Type": "application/json", Accept: "application/json" }, body: JSON.stringify(payload) });
      const data = await r.json().catch(() => null);
      if (!r.ok && !(data && data.error && data.error.code === "already_rated")) {
        $("error").textContent = data && data.error ? data.error.message_vi : "Không gửi được, xin thử lại.";
        return;
      }
      pending = null;
      show("thanks");
      if (tablet) { clearTimeout(resetTimer); resetTimer = setTimeout(() => { show("idle"); refresh(); }, THANKS_MS); }
    } catch (e) {
      $("error").textContent = "Mất kết nối, xin thử lại. / Connection lost, please retry.";
    }
  }

  document.addEventListener("click", (event) => {
    const level = event.target.closest("[data-level]");
    if (level) {
      chosen = level.dataset.level;
      if (chosen === "unsatisfied") { $("level-step").hidden = true; $("reason-step").hidden = false; }
      else send(chosen, null);
      return;
    }
    const reason = event.target.closest("[data-reason]");
    if (reason && chosen) send(chosen, reason.dataset.reason);
  });

  if (!tablet) return;

  /* The one date-time format of citizen screens, "11:43, 06/12/2026", in the center's time zone. */
  function moment(iso) {
    const d = new Date(iso);
    if (!iso || isNaN(d.getTime())) return "";
    const tz = (initial.center && initial.center.timezone) || "Asia/Ho_Chi_Minh";
    const p = {};
    new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", day: "2-digit", month: "2-digit", year: "numeric",
      hour12: false, timeZone: tz }).formatToParts(d).forEach((x) => { p[x.type] = x.value; });
    return `${p.hour === "24" ? "00" : p.hour}:${p.minute}, ${p.day}/${p.month}/${p.year}`;
  }
  const initial = JSON.parse($("state").textContent);

  function apply(state) {
    if ($("thanks").hidden === false) return; // let the thanks screen finish
    const next = state.pending;
    if (next && (!pending || pending.ticket_id !== next.ticket_id)) {
      pending = next;
      $("ticket-number").textContent = next.number;
      $("ticket-service").textContent = next.service ? next.service.name : "";
      const at = moment(next.finished_at);
      $("ticket-finished").textContent = at ? `· phục vụ xong lúc ${at}` : "";
      show("ask");
      clearTimeout(resetTimer);
      resetTimer = setTimeout(() => { pending = null; show("idle"); }, IDLE_MS);
    } else if (!next && pending) {
      pending = null;
      show("idle");
    }
  }

  async function refresh() {
    try {
      const r = await fetch(`${url()}?key=${encodeURIComponent(body.dataset.key)}`, { headers: { Accept: "application/json" } });
      if (r.ok) apply(await r.json());
    } catch (e) { /* the LAN hiccups: the next poll retries */ }
  }

  apply(initial);
  setInterval(refresh, 5000);
  if (window.io) {
    const socket = io({ auth: { center_id: parseInt(body.dataset.centerId, 10), counter_id: parseInt(body.dataset.counterId, 10) } });
    socket.on("ticket_finished", refresh);
    socket.on("rating_received", refresh);
    socket.on("connect", refresh);
  }
})();
