/* Return by post (bưu chính công ích) in the console:
 * - any receive form with #return-channels: the delivery address shows (and is required) only when
 *   "Bưu chính công ích" is chosen; window.MotCuaReturnChoice() gives the form's submit the choice;
 * - the back-office receive page (#receive-desk-form): Ctrl+Enter submits (dossiers.js posts it);
 * - the hand-over list (#postal-table): tick, "Đánh dấu đã giao bưu điện", print on A4;
 * - the dossier page: "Đã giao bưu điện" and "Đã phát" (with its date).
 * Everything goes through the JSON API with the CSRF header; the page then reloads what the server holds. */
(function () {
  "use strict";
  if (window.MotCuaPostal) return;  // the partial may be included on a page that loads this file too
  window.MotCuaPostal = true;

  const $ = (id) => document.getElementById(id);

  function showMessage(vi, en, kind) {
    const box = $("message");
    if (!box) return;
    box.hidden = false;
    box.className = "alert " + (kind || "info");
    $("message-vi").textContent = vi || "";
    $("message-en").textContent = en || "";
  }

  async function post(path, body) {
    const response = await fetch(path, {
      method: "POST", credentials: "same-origin",
      headers: { Accept: "application/json", "Content-Type": "application/json", "X-CSRF-Token": window.MOTCUA_CSRF },
      body: JSON.stringify(body || {}),
    });
    let data = null;
    try { data = await response.json(); } catch (e) { data = null; }
    if (response.status === 401) window.location.href = "/console/login?next=" + encodeURIComponent(location.pathname);
    return { ok: response.ok, data };
  }

  function showError(result) {
    const err = (result.data && result.data.error) || {};
    showMessage(err.message_vi || "Không thực hiện được.", err.message_en || "Could not do that.", "error");
  }

  function todayLocal() {
    // The center's day (Asia/Ho_Chi_Minh) as YYYY-MM-DD: "sv-SE" writes dates that way.
    return new Intl.DateTimeFormat("sv-SE", { timeZone: "Asia/Ho_Chi_Minh" }).format(new Date());
  }

  // ------------------------------------------------------------------ return channel on receive forms
  function syncAddress() {
    const box = $("return-channels");
    if (!box) return;
    const chosen = box.querySelector("input[name=return_channel]:checked");
    const byPost = !!chosen && chosen.value === "post";
    $("delivery-address-label").hidden = !byPost;
    $("delivery_address").required = byPost;
  }

  window.MotCuaReturnChoice = function () {
    const chosen = document.querySelector("#return-channels input[name=return_channel]:checked");
    const channel = chosen ? chosen.value : "counter";
    return { return_channel: channel, delivery_address: channel === "post" ? $("delivery_address").value.trim() : "" };
  };

  const returnBox = $("return-channels");
  if (returnBox) {
    returnBox.addEventListener("change", syncAddress);
    const form = returnBox.closest("form");
    // form.reset() (the counter screen opens its form that way) puts "Tại quầy" back: hide the address again.
    if (form) form.addEventListener("reset", () => setTimeout(syncAddress, 0));
    syncAddress();
  }

  // ------------------------------------------------------------------ the back-office receive page
  // Its submit (with the ID card's number) is dossiers.js's; here: Ctrl+Enter and the first field.
  const desk = $("receive-desk-form");
  if (desk) {
    desk.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); desk.requestSubmit(); }
    });
    $("procedure").focus();
  }

  // ------------------------------------------------------------------ the hand-over list
  const sheet = document.querySelector(".postal-sheet");
  if (sheet) {
    const picks = () => [...document.querySelectorAll("#postal-table input.pick")];
    const all = $("pick-all");
    if (all) all.addEventListener("change", () => picks().forEach((box) => { box.checked = all.checked; }));
    // Live: another clerk marks a result ready or hands dossiers to the post office. The events carry
    // codes only; the page offers a reload rather than redrawing under a clerk's ticks.
    if (window.io) {
      const socket = window.io({ auth: { center_id: Number(sheet.dataset.center) }, transports: ["websocket", "polling"] });
      const changed = () => { $("postal-changed").hidden = false; };
      socket.on("dossiers_posted", changed);
      socket.on("results_ready", (p) => { if (p && ((p.added || []).length || (p.removed || []).length)) changed(); });
    }
    const print = $("postal-print");
    if (print) print.addEventListener("click", () => window.print());
    const mark = $("mark-posted");
    if (mark) {
      mark.addEventListener("click", async () => {
        const codes = picks().filter((box) => box.checked).map((box) => box.value);
        if (!codes.length) {
          showMessage("Hãy chọn ít nhất một hồ sơ.", "Tick at least one dossier.", "error");
          return;
        }
        mark.disabled = true;
        try {
          const result = await post(`/api/v1/centers/${sheet.dataset.center}/postal-handover/posted`, { codes });
          if (!result.ok) { showError(result); return; }
          showMessage(`Đã giao bưu điện ${result.data.marked.length} hồ sơ.`,
            `${result.data.marked.length} dossier(s) handed to the post office.`, "ok");
          setTimeout(() => window.location.reload(), 400);
        } finally {
          mark.disabled = false;
        }
      });
    }
  }

  // ------------------------------------------------------------------ the dossier page
  const dialog = $("delivered-dialog");
  let deliverCode = null;
  document.addEventListener("click", async (event) => {
    const button = event.target.closest("button[data-postal]");
    if (!button) return;
    if (button.dataset.postal === "posted") {
      button.disabled = true;
      const result = await post(`/api/v1/centers/${button.dataset.center}/postal-handover/posted`, { codes: [button.dataset.code] });
      button.disabled = false;
      if (!result.ok) { showError(result); return; }
      showMessage(`Hồ sơ ${button.dataset.code}: đã giao bưu điện.`, `Dossier ${button.dataset.code}: handed to the post office.`, "ok");
      setTimeout(() => window.location.reload(), 400);
    } else if (button.dataset.postal === "delivered" && dialog) {
      deliverCode = button.dataset.code;
      $("delivered-on").value = todayLocal();
      $("delivered-on").max = todayLocal();
      dialog.showModal();
      $("delivered-on").focus();
    }
  });
  if (dialog) {
    $("delivered-cancel").addEventListener("click", () => dialog.close());
    $("delivered-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      dialog.close();
      const result = await post(`/api/v1/dossiers/${encodeURIComponent(deliverCode)}/delivered`, { delivered_on: $("delivered-on").value });
      if (!result.ok) { showError(result); return; }
      showMessage(`Hồ sơ ${deliverCode}: đã phát ${result.data.delivered_text}.`, `Dossier ${deliverCode}: delivered.`, "ok");
      setTimeout(() => window.location.reload(), 400);
    });
  }
})();
