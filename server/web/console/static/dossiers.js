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

  // ------------------------------------------------------------------ chip ID card on a receive form
  /* A barcode scanner is a keyboard: it types the card's QR into the scan field and presses Enter.
   * A Vietnamese input method left on mangles its letters (the digits survive), so the server reads
   * the card and the form fills what it read; the clerk checks and corrects. */
  const FIELDS = { name: "applicant_name", id_number: "applicant_id_number", address: "applicant_address", phone: "applicant_phone" };

  function field(form, name) { return form.querySelector(`[name=${name}]`); }

  function fill(form, values, onlyEmpty) {
    for (const [key, name] of Object.entries(FIELDS)) {
      const input = field(form, name);
      if (!input || !values[key]) continue;
      if (onlyEmpty && input.value.trim()) continue;  // never overwrite what the clerk typed
      input.value = values[key];
      input.classList.add("filled");
    }
  }

  function showFacts(form, card) {
    const facts = form.querySelector("#id-card-facts");
    if (!facts) return;
    $("id-card-birth").textContent = card.birth_date ? card.birth_date.split("-").reverse().join("/") : "—";
    $("id-card-sex").textContent = card.sex || "—";
    $("id-card-issued").textContent = card.issue_date ? card.issue_date.split("-").reverse().join("/") : "—";
    facts.hidden = false;
  }

  async function readCard(form, input) {
    const text = input.value;
    input.value = "";  // the raw QR holds more than the form needs: not left on screen
    if (!text.trim()) return;
    input.disabled = true;
    try {
      const result = await post("/api/v1/dossiers/id-card", { text });
      if (!result.ok) {
        const err = (result.data && result.data.error) || {};
        showMessage(err.message_vi || "Không đọc được căn cước.", err.message_en || "The ID card could not be read.", "error");
        return;
      }
      fill(form, result.data, false);
      showFacts(form, result.data);
      const note = form.querySelector("#prefill-note");
      if (note) note.hidden = true;  // the card, not an earlier dossier, is the source now
      showMessage(`Đã đọc căn cước ${result.data.masked_id}. Kiểm tra lại họ tên, số định danh và địa chỉ.`,
        `ID card ${result.data.masked_id} read. Check the name, ID number and address.`, "ok");
    } finally {
      input.disabled = false;
      const name = field(form, FIELDS.name);
      if (name) name.focus();
    }
  }

  /* Wire a receive form's scan field; ``citizen`` (the current ticket's, when the kiosk linked a
   * card) pre-fills the empty fields, marked as such. Also used by the counter screen. */
  function attachIdCard(form) {
    const input = form.querySelector("#id_card_scan");
    if (!input || input.dataset.wired) return;
    input.dataset.wired = "1";
    input.addEventListener("keydown", (event) => {
      if (event.key !== "Enter" || event.ctrlKey || event.metaKey) return;
      event.preventDefault();  // Enter ends the scan; it must not submit the form
      readCard(form, input);
    });
    catchStrayScans(form, input);
  }

  /* A clerk in a hurry scans with the cursor in another field (the name, the phone): the card's
   * text lands there (cut at the field's maxlength) and its Enter would submit the form. The keys
   * of a fast burst are kept as typed; a burst that reads as a card ("number|…") on Enter gives the
   * field back what it held before, and the card is read instead. */
  const CARD_START = /^\s*\d{9,}\s*\|/;
  function catchStrayScans(form, input) {
    const burst = { keys: "", last: 0, prior: "" };
    form.addEventListener("keydown", (event) => {
      const target = event.target;
      if (target === input || target.tagName !== "INPUT") return;
      const now = performance.now();
      if (event.key !== "Enter") {
        if (now - burst.last > 100) { burst.keys = ""; burst.prior = target.value; }  // a pause: a new burst starts here
        burst.last = now;
        if (event.key.length === 1) burst.keys += event.key;
        return;
      }
      const value = target.value.startsWith(burst.prior) ? target.value.slice(burst.prior.length) : "";
      // The field's text keeps the accents when the whole card fitted in it; the keys survive a maxlength.
      const text = CARD_START.test(value) && value.split("|").length >= 5 ? value : burst.keys;
      if (now - burst.last > 100 || !CARD_START.test(text)) return;
      event.preventDefault();
      event.stopImmediatePropagation();
      target.value = burst.prior;
      burst.keys = "";
      input.value = text;
      readCard(form, input);
    }, true);
  }

  function prefillCitizen(form, citizen) {
    if (!citizen || !citizen.prefill) return;
    fill(form, citizen.prefill, true);
    const note = form.querySelector("#prefill-note");
    if (note) note.hidden = false;
  }

  /* The applicant's part of a receive request, the same on both receive forms; the ID number only when
   * given (many dossiers come by post without one). */
  function applicantFields(form) {
    const value = (name) => (field(form, name) ? field(form, name).value.trim() : "");
    const body = { applicant_name: value("applicant_name"), applicant_phone: value("applicant_phone"),
      applicant_email: value("applicant_email"), applicant_address: value("applicant_address") };
    const idNumber = value("applicant_id_number").replace(/\s+/g, "");
    if (idNumber) body.applicant_id_number = idNumber;
    return body;
  }

  window.MotCuaIdCard = { attach: attachIdCard, prefill: prefillCitizen, applicant: applicantFields };

  // The counter screen's receive form (console.js pre-fills it from the current ticket's citizen).
  const counterForm = $("receive-form");
  if (counterForm) attachIdCard(counterForm);

  const desk = $("receive-desk-form");
  if (desk) {
    attachIdCard(desk);
    // The clerk at a counter serving a ticket linked to a card: pre-fill from that citizen's earlier dossier.
    if (desk.dataset.counter) {
      fetch(`/api/v1/counters/${desk.dataset.counter}/current-dossiers`, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then((r) => (r.ok ? r.json() : null))
        .then((data) => {
          if (!data || !data.ticket || !data.citizen) return;
          prefillCitizen(desk, data.citizen);
          const direct = desk.querySelector("input[name=channel][value=direct]");
          if (direct) direct.checked = true;  // the citizen stands at the counter: received in person, not by post
        })
        .catch(() => { /* no pre-fill: the form works without it */ });
    }
    /* This page's submit, with the ID number (postal.js only adds Ctrl+Enter and the address rule). */
    desk.addEventListener("submit", async (event) => {
      event.preventDefault();
      const body = {
        procedure_id: Number($("procedure").value) || null,
        ...applicantFields(desk),
        channel: (desk.querySelector("input[name=channel]:checked") || {}).value || "direct",
        documents: $("documents").value.split("\n").map((x) => x.trim()).filter(Boolean),
        note: $("note").value,
        print: false,
        ...(window.MotCuaReturnChoice ? window.MotCuaReturnChoice() : {}),
      };
      const submit = $("receive-desk-submit");
      submit.disabled = true;
      try {
        const result = await post(`/api/v1/centers/${desk.dataset.center}/dossiers/receive`, body);
        if (!result.ok) {
          const err = (result.data && result.data.error) || {};
          showMessage(err.message_vi || "Không thực hiện được.", err.message_en || "Could not do that.", "error");
          return;
        }
        showMessage(result.data.message_vi, result.data.message_en, "ok");
        window.location.href = `/console/dossiers/${encodeURIComponent(result.data.dossier.code)}`;
      } finally {
        submit.disabled = false;
      }
    });
  }

  const fmt = new Intl.DateTimeFormat("vi-VN", { timeZone: "Asia/Ho_Chi_Minh", dateStyle: "short", timeStyle: "short" });
  for (const node of document.querySelectorAll("time[data-iso]")) {
    try { node.textContent = fmt.format(new Date(node.dataset.iso)); } catch (e) { /* keep the ISO text */ }
  }
})();
