/* Back-office dossier pages: state changes through the API (CSRF header), a dialog for reasons
 * and new dates, then a reload so the page shows what the server now holds. */
(function () {
  "use strict";

  const $ = (id) => document.getElementById(id);
  const PATHS = {
    process: "processing", request_supplement: "supplement", supplement_received: "supplement-received",
    reject: "reject", stop: "stop", result_ready: "result-ready", return: "return", apology: "apology",
  };
  const TITLES = {
    request_supplement: "Yêu cầu bổ sung — nội dung cần bổ sung", reject: "Từ chối tiếp nhận — lý do",
    stop: "Dừng xử lý — lý do", apology: "Xin lỗi và hẹn lại ngày trả kết quả (Mẫu 04)",
  };

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

  async function run(action, code, body) {
    const result = await post(`/api/v1/dossiers/${encodeURIComponent(code)}/${PATHS[action]}`, body);
    if (!result.ok) {
      const err = (result.data && result.data.error) || {};
      showMessage(err.message_vi || "Không thực hiện được.", err.message_en || "Could not do that.", "error");
      return;
    }
    showMessage(`Hồ sơ ${code}: ${result.data.state_label_vi}.`, `Dossier ${code}: ${result.data.state_label_en}.`, "ok");
    setTimeout(() => window.location.reload(), 400);
  }

  let pending = null;
  const dialog = $("reason-dialog");

  document.addEventListener("click", async (event) => {
    const printButton = event.target.closest("button[data-print]");
    if (printButton) {
      const code = document.querySelector(".dossier-detail").dataset.code;
      const result = await post(`/api/v1/dossiers/${encodeURIComponent(code)}/print`,
        { counter_id: Number(printButton.dataset.counter), form: printButton.dataset.print });
      if (result.ok) showMessage(result.data.message_vi, result.data.message_en, result.data.print_job ? "ok" : "error");
      return;
    }
    const button = event.target.closest("button[data-action][data-code]");
    if (!button) return;
    const action = button.dataset.action;
    const code = button.dataset.code;
    if (button.dataset.needsReason || action === "apology") {
      pending = { action, code };
      $("reason-title").textContent = TITLES[action] || "Lý do";
      $("reason-date-label").hidden = action !== "apology";
      $("reason-text").value = "";
      $("reason-date").value = "";
      dialog.showModal();
      $("reason-text").focus();
      return;
    }
    button.disabled = true;
    await run(action, code, {});
    button.disabled = false;
  });

  if (dialog) {
    $("reason-cancel").addEventListener("click", () => dialog.close());
    $("reason-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      if (!pending) return;
      const body = { reason: $("reason-text").value };
      if (pending.action === "apology" && $("reason-date").value) body.new_date = $("reason-date").value;
      dialog.close();
      await run(pending.action, pending.code, body);
      pending = null;
    });
  }

  const fmt = new Intl.DateTimeFormat("vi-VN", { timeZone: "Asia/Ho_Chi_Minh", dateStyle: "short", timeStyle: "short" });
  for (const node of document.querySelectorAll("time[data-iso]")) {
    try { node.textContent = fmt.format(new Date(node.dataset.iso)); } catch (e) { /* keep the ISO text */ }
  }
})();
