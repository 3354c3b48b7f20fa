/* The counter screen: call, recall, start, finish, no-show, transfer, receive a dossier; call a
 * chosen ticket with a reason, park a ticket (chờ bổ sung) and recall it, pause the counter.
 * Everything goes through the JSON API with the session's CSRF token; Socket.IO keeps the
 * current ticket, the waiting list and the counts live. Keyboard first: busy clerks. */
(function () {
  "use strict";

  const C = JSON.parse(document.getElementById("config").textContent);
  const COUNTER = C.counter.id;
  const $ = (id) => document.getElementById(id);
  const timeFmt = new Intl.DateTimeFormat("vi-VN", { timeZone: C.timezone, hour: "2-digit", minute: "2-digit" });
  const STATE_VI = { waiting: "Đang chờ", called: "Đã gọi — chờ công dân đến quầy", serving: "Đang phục vụ" };
  const DOSSIER_STATE_CLASS = { result_ready: "ok", returned: "done", rejected: "bad", stopped: "bad", supplement_requested: "warn" };

  let current = null;        // the counter's current ticket view, or null
  let dossiers = [];         // dossiers linked to it
  let citizen = null;        // its ID-card citizen ({masked_id, prefill}), clerks only
  let busy = false;          // one action at a time (no double calls)
  let lastReceipt = null;    // {code, job}
  let lastOutcome = null;    // what just happened to the counter's last ticket, said while none is current
  let leaving = false;       // this clerk is closing the counter: its counter_changed is no surprise
  let counterState = C.state || {};  // the counter's brief: paused, pause_reason, paused_at

  // What the card says once a ticket is done with: the clerk sees it went through, and what to press next.
  const OUTCOMES = {
    finish: (n) => ({ vi: `Đã xong số ${n}`, en: `Ticket ${n} done` }),
    "no-show": (n) => ({ vi: `Số ${n} vắng mặt`, en: `Ticket ${n} marked absent` }),
    transfer: (n) => ({ vi: `Đã chuyển số ${n}`, en: `Ticket ${n} transferred` }),
    requeue: (n) => ({ vi: `Số ${n} đã về đầu hàng chờ`, en: `Ticket ${n} is back at the head of the queue` }),
    park: (n) => ({ vi: `Số ${n} đang chờ bổ sung giấy tờ (xem danh sách bên phải)`, en: `Ticket ${n} is parked (see the list on the right)` }),
  };
  function outcome(kind, number) { lastOutcome = OUTCOMES[kind](number); }

  // ------------------------------------------------------------------ API
  async function api(method, path, body) {
    const options = { method, headers: { Accept: "application/json" }, credentials: "same-origin" };
    if (method !== "GET") {
      options.headers["X-CSRF-Token"] = C.csrf;
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body || {});
    }
    let response;
    try {
      response = await fetch(path, options);
    } catch (e) {
      return { ok: false, status: 0, data: { error: { message_vi: "Mất kết nối tới máy chủ. Hãy thử lại.", message_en: "No connection to the server. Try again." } } };
    }
    let data = null;
    try { data = await response.json(); } catch (e) { data = null; }
    if (response.status === 401) {
      window.location.href = "/console/login?next=/console/";
    }
    return { ok: response.ok, status: response.status, data };
  }

  function showMessage(vi, en, kind) {
    const box = $("message");
    box.hidden = false;
    box.className = "alert " + (kind || "info");
    $("message-vi").textContent = vi || "";
    $("message-en").textContent = en || "";
  }

  function clearMessage() { $("message").hidden = true; }

  function showError(result) {
    const err = (result.data && result.data.error) || {};
    showMessage(err.message_vi || "Không thực hiện được.", err.message_en || "Could not do that.", "error");
  }

  // ------------------------------------------------------------------ current ticket & dossiers
  function renderCurrent() {
    const card = $("current-card");
    $("console").dataset.currentState = current ? current.state : "none";
    if (!current) {
      $("current-number").textContent = "—";
      if (counterState.paused) {
        $("current-service").replaceChildren("Quầy đang tạm dừng — nhấn ", el("kbd", {}, "P"), " để tiếp tục làm việc.",
          el("span", { class: "en" }, "The counter is paused — press P to resume."));
      } else if (lastOutcome) {
        $("current-service").replaceChildren(`${lastOutcome.vi} — nhấn `, el("kbd", {}, "N"), " để gọi số tiếp theo.",
          el("span", { class: "en" }, `${lastOutcome.en} — press N to call the next number.`));
      } else {
        $("current-service").innerHTML = "Chưa gọi số nào. Nhấn <kbd>N</kbd> hoặc <kbd>F1</kbd> để gọi số tiếp theo.";
      }
      $("current-meta").textContent = "";
      card.dataset.state = "none";
      return;
    }
    card.dataset.state = current.state;
    lastOutcome = null;
    $("current-number").textContent = current.number;
    $("current-service").textContent = (current.service && current.service.name) || "";
    const parts = [STATE_VI[current.state] || current.state];
    if (current.called_at) parts.push("gọi lúc " + timeFmt.format(new Date(current.called_at)));
    if (current.recall_count) parts.push("đã gọi lại " + current.recall_count + " lần");
    if (current.priority) parts.push("ưu tiên");
    if (current.booking) parts.push("lịch hẹn " + current.booking.booked_for);
    if (current.dossier_code) parts.push("hồ sơ " + current.dossier_code);
    $("current-meta").textContent = parts.join(" · ");
  }

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") node.className = v; else if (k.startsWith("data-")) node.setAttribute(k, v); else node[k] = v;
    }
    for (const child of children) if (child !== null && child !== undefined) node.append(child);
    return node;
  }

  function renderDossiers() {
    const list = $("dossier-list");
    list.replaceChildren();
    const shown = dossiers.filter((d) => d.code || d.state === "registered");
    $("dossier-panel").hidden = shown.length === 0;
    for (const d of shown) {
      const applicant = d.applicant || {};
      const card = el("article", { class: "dossier " + (DOSSIER_STATE_CLASS[d.state] || ""), "data-code": d.code || "", "data-state": d.state },
        el("div", { class: "dossier-head" },
          el("strong", { class: "dossier-code" }, d.code || ("Đăng ký trực tuyến " + (d.prereg_code || ""))),
          el("span", { class: "badge state-" + d.state }, d.state_label_vi),
          d.overdue ? el("span", { class: "badge late" }, "Quá hạn") : null),
        el("p", {}, el("span", { class: "muted" }, "Thủ tục: "), d.procedure_name || ""),
        el("p", {}, el("span", { class: "muted" }, "Người nộp: "), applicant.name || "—",
          applicant.phone ? " · " + applicant.phone : "", applicant.email ? " · " + applicant.email : ""),
        d.appointment_text ? el("p", {}, el("span", { class: "muted" }, "Hẹn trả: "), el("strong", {}, d.appointment_text),
          d.extended_to_text ? " → hẹn lại " + d.extended_to_text : "") : null,
        d.apology ? el("p", { class: "apology" }, d.apology.text_vi) : null);
      const actions = el("div", { class: "dossier-actions" });
      if (d.state === "result_ready") {
        actions.append(el("button", { type: "button", class: "primary", "data-return": d.code, textContent: "Trả kết quả (K)" }));
      }
      if (d.state === "registered") {
        actions.append(el("button", { type: "button", class: "accent", "data-receive-prereg": "1", textContent: "Tiếp nhận hồ sơ này (H)" }));
      }
      if (d.code) {
        actions.append(el("a", { href: "/console/dossiers/" + encodeURIComponent(d.code), textContent: "Chi tiết" }));
      }
      card.append(actions);
      list.append(card);
    }
  }

  async function refreshCurrent() {
    const result = await api("GET", `/api/v1/counters/${COUNTER}/current-dossiers`);
    if (!result.ok) return;
    current = result.data.ticket;
    dossiers = result.data.dossiers || [];
    citizen = result.data.citizen || null;  // the kiosk linked the citizen's ID card: clerks pre-fill from it
    // H was pressed before this answer came (a clerk in a hurry, a slow LAN): pre-fill the open form now,
    // as openReceive would have, unless it is a pre-registration's or the clerk has started typing.
    if (citizen && !$("receive-panel").hidden && !$("applicant_name").value && window.MotCuaIdCard
        && !preRegistration()) {
      window.MotCuaIdCard.prefill($("receive-form"), citizen);
    }
    renderCurrent();
    renderDossiers();
  }

  // ------------------------------------------------------------------ waiting list & counts
  let waitingTimer = null;
  function scheduleWaiting() {
    clearTimeout(waitingTimer);
    waitingTimer = setTimeout(() => { refreshWaiting(); refreshParked(); }, 150);
  }

  async function refreshWaiting() {
    const result = await api("GET", `/api/v1/counters/${COUNTER}/waiting`);
    if (!result.ok) return;
    const list = $("waiting-list");
    list.replaceChildren();
    const tickets = result.data.tickets || [];
    if (!tickets.length) list.append(el("li", { class: "empty" }, "Không có ai đang chờ."));
    for (const t of tickets) {
      list.append(el("li", { "data-number": t.number, class: t.priority ? "priority" : "" },
        el("span", { class: "w-number" }, t.number),
        el("span", { class: "w-service" }, t.service.code || ""),
        el("span", { class: "w-time" }, timeFmt.format(new Date(t.issued_at)) + " · " + t.waited_minutes + " phút"),
        t.priority ? el("span", { class: "badge" }, "Ưu tiên") : null,
        t.booking ? el("span", { class: "badge", title: "Đã đặt lịch hẹn / Booked" }, "Hẹn " + t.booking.booked_for) : null,
        t.dossier_code ? el("span", { class: "badge ok" }, "Nhận KQ") : null,
        t.transferred ? el("span", { class: "badge warn", title: t.note || "" }, "Chuyển đến") : null,
        el("button", { type: "button", class: "small w-call", "data-choose": String(t.id), "data-ticket-number": t.number,
          title: `Gọi số ${t.number} trước lượt (chọn lý do) / Call this ticket out of order`, textContent: "Gọi" })));
    }
  }

  // ------------------------------------------------------------------ parked list (chờ bổ sung)
  async function refreshParked() {
    const result = await api("GET", `/api/v1/counters/${COUNTER}/parked`);
    if (!result.ok) return;
    const list = $("parked-list");
    const tickets = result.data.tickets || [];
    $("parked-count").textContent = String(tickets.length);
    list.replaceChildren();
    if (!tickets.length) list.append(el("li", { class: "empty" }, "Không có số nào đang chờ bổ sung."));
    for (const t of tickets) {
      list.append(el("li", { "data-number": t.number, "data-parked": String(t.id) },
        el("span", { class: "w-number" }, t.number),
        el("span", { class: "w-service" }, (t.service && t.service.code) || ""),
        el("span", { class: "w-time" }, "từ " + timeFmt.format(new Date(t.parked_at)) + " · " + t.parked_minutes + " phút"
          + (t.here ? "" : " · quầy " + t.counter_number)),
        el("span", { class: "w-actions" },
          el("button", { type: "button", class: "small primary", "data-recall-parked": String(t.id), "data-ticket-number": t.number,
            title: `Công dân đã quay lại: gọi số ${t.number} đến quầy này / The citizen is back: call them here`, textContent: "Gọi lại" }),
          el("button", { type: "button", class: "small danger", "data-cancel-parked": String(t.id), "data-ticket-number": t.number,
            title: "Huỷ số này (kèm lý do) / Cancel it, with a reason", textContent: "Huỷ" }))));
    }
  }

  // ------------------------------------------------------------------ pause
  function renderPaused() {
    const paused = !!counterState.paused;
    $("console").dataset.paused = paused ? "true" : "false";
    $("paused-banner").hidden = !paused;
    $("btn-pause").hidden = paused;
    if (!current) renderCurrent();
    if (paused) {
      $("paused-reason").textContent = counterState.pause_reason || "";
      $("paused-since").textContent = counterState.paused_at ? "(từ " + timeFmt.format(new Date(counterState.paused_at)) + ")" : "";
    }
  }

  function renderCounts(services) {
    const mine = new Set(C.counter.service_ids);
    const list = $("counts");
    list.replaceChildren();
    for (const s of services || []) {
      if (!mine.has(s.service_id ?? s.id)) continue;
      const name = (C.services.find((x) => x.id === (s.service_id ?? s.id)) || {}).name || s.code;
      list.append(el("li", { "data-service": s.code }, el("span", {}, name), el("strong", { class: "count" }, String(s.waiting))));
    }
  }

  async function refreshReady() {
    const result = await api("GET", `/api/v1/centers/${C.center_id}/results-ready`);
    if (result.ok) $("ready-count").textContent = result.data.codes.length;
  }

  // ------------------------------------------------------------------ actions
  const ACTIONS = {
    next: "call-next", recall: "recall", start: "start", finish: "finish", "no-show": "no-show",
  };

  // Queue actions run one after another in the order pressed: a key is never lost, and a
  // second "Next" pressed too fast is refused by the server with its clear message.
  let chain = Promise.resolve();

  function act(name) {
    if (name === "transfer") return openTransfer();
    if (name === "receive") return openReceive();
    if (name === "park") return openPark();
    if (name === "pause") return counterState.paused ? resume() : openPause();
    const path = ACTIONS[name];
    if (!path) return;
    chain = chain.then(() => runAction(name, path)).catch(() => {});
    return chain;
  }

  async function runAction(name, path) {
    busy = true;
    document.body.classList.add("busy");
    try {
      const result = await api("POST", `/api/v1/counters/${COUNTER}/${path}`);
      if (!result.ok) { showError(result); return; }
      clearMessage();
      if (name === "next" && !result.data.ticket) {
        showMessage(result.data.message_vi || "Hiện không có ai đang chờ.", result.data.message_en || "Nobody is waiting.", "info");
        if (result.data.finished) outcome("finish", result.data.finished.number);
      }
      if ((name === "finish" || name === "no-show") && result.data.ticket) outcome(name, result.data.ticket.number);
      if (name === "finish" || name === "no-show") closeReceive();
      await Promise.all([refreshCurrent(), refreshWaiting()]);
    } finally {
      busy = false;
      document.body.classList.remove("busy");
    }
  }

  // ------------------------------------------------------------------ the floor dialog: a reason, then one call
  // One dialog for the actions that need a reason: a chosen call, parking, pausing, cancelling a parked
  // ticket. Choices are radio buttons (arrow keys, or 1–4), the first one checked so Enter confirms.
  let floor = null;   // {choices, noteRequired(code), send(code, note)}

  function openFloor(spec) {
    floor = spec;
    $("floor-title").replaceChildren(spec.title, " ", el("span", { class: "en" }, spec.titleEn || ""));
    $("floor-hint").textContent = spec.hint || "";
    const box = $("floor-choices");
    box.replaceChildren(box.querySelector("legend"));
    box.hidden = !(spec.choices && spec.choices.length);
    (spec.choices || []).forEach((c, i) => box.append(el("label", { class: "check" },
      el("input", { type: "radio", name: "floor-reason", value: c.code, checked: i === 0 }),
      el("span", {}, el("kbd", {}, String(i + 1)), " " + c.vi, el("span", { class: "en" }, " " + c.en)))));
    $("floor-note-text").textContent = spec.noteLabel || "Ghi rõ";
    $("floor-note").value = "";
    $("floor-note").maxLength = spec.maxLength || 200;
    $("floor-note").placeholder = spec.notePlaceholder || "";
    $("floor-submit").firstChild.textContent = (spec.submit || "Xác nhận") + " ";
    $("floor-error").hidden = true;
    $("floor-dialog").showModal();
    (spec.choices && spec.choices.length ? box.querySelector("input:checked") : $("floor-note")).focus();
  }

  function floorChoice() { return (document.querySelector("#floor-form input[name=floor-reason]:checked") || {}).value || ""; }

  $("floor-cancel").addEventListener("click", () => $("floor-dialog").close());
  $("floor-note").addEventListener("input", () => { $("floor-error").hidden = true; });
  $("floor-form").addEventListener("keydown", (event) => {
    if (event.target === $("floor-note") || event.ctrlKey || event.altKey || event.metaKey) return;
    const radios = [...document.querySelectorAll("#floor-form input[name=floor-reason]")];
    const i = Number(event.key) - 1;
    if (Number.isInteger(i) && i >= 0 && i < radios.length) {
      event.preventDefault();
      radios[i].checked = true;
      radios[i].focus();
      if (floor && floor.noteRequired && floor.noteRequired(radios[i].value)) $("floor-note").focus();
    }
  });
  $("floor-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!floor) return;
    const code = floorChoice();
    const note = $("floor-note").value.trim();
    if (floor.noteRequired && floor.noteRequired(code) && !note) {
      $("floor-error-vi").textContent = "Hãy ghi rõ lý do.";
      $("floor-error-en").textContent = "Write the reason.";
      $("floor-error").hidden = false;
      $("floor-note").focus();
      return;
    }
    $("floor-submit").disabled = true;
    const spec = floor;
    let result;
    try { result = await spec.send(code, note); } finally { $("floor-submit").disabled = false; }
    if (!result.ok) {
      const err = (result.data && result.data.error) || {};
      $("floor-error-vi").textContent = err.message_vi || "Không thực hiện được.";
      $("floor-error-en").textContent = err.message_en || "Could not do that.";
      $("floor-error").hidden = false;
      return;
    }
    $("floor-dialog").close();
    clearMessage();
    if (spec.done) spec.done(result.data);
    await Promise.all([refreshCurrent(), refreshWaiting(), refreshParked()]);
  });

  function openChosenCall(ticketId, number) {
    if (counterState.paused) { showPausedError(); return; }
    openFloor({
      title: `Gọi số ${number} trước lượt`, titleEn: "Call out of order",
      hint: "Lý do được ghi vào nhật ký. / The reason is kept in the log.",
      choices: C.call_reasons, noteRequired: (code) => code === "other", noteLabel: "Ghi rõ (bắt buộc nếu chọn Lý do khác)",
      maxLength: C.reason_max, submit: `Gọi số ${number}`,
      send: (reason, note) => api("POST", `/api/v1/counters/${COUNTER}/call-chosen`, { ticket_id: ticketId, reason, note }),
      done: (data) => { if (data.finished) outcome("finish", data.finished.number); },
    });
  }

  function openPark() {
    if (!current) {
      showMessage("Chưa có số nào để cho chờ bổ sung. Hãy gọi số trước.", "No ticket to park. Call one first.", "error");
      return;
    }
    const number = current.number;
    openFloor({
      title: `Số ${number} chờ bổ sung giấy tờ`, titleEn: "Park: missing paper",
      hint: "Công dân đi bổ sung/sao chụp giấy tờ; quầy gọi được số tiếp theo. Khi công dân quay lại, nhấn «Gọi lại» trong danh sách Chờ bổ sung.",
      choices: [], noteLabel: "Thiếu giấy tờ gì? (không bắt buộc) / What is missing (optional)", maxLength: C.reason_max,
      notePlaceholder: "Ví dụ: bản sao CCCD", submit: "Cho chờ bổ sung",
      send: (_code, note) => api("POST", `/api/v1/counters/${COUNTER}/park`, { reason: note }),
      done: () => { outcome("park", number); closeReceive(); },
    });
  }

  function openPause() {
    if (current) {
      showMessage(`Quầy vẫn còn số ${current.number}. Hãy kết thúc, chuyển hoặc cho chờ bổ sung trước khi tạm dừng.`,
        `Ticket ${current.number} is still here. Finish, transfer or park it before pausing.`, "error");
      return;
    }
    openFloor({
      title: "Tạm dừng quầy", titleEn: "Pause the counter",
      hint: "Trong lúc tạm dừng, quầy không gọi số và không được tính vào thời gian chờ dự kiến.",
      choices: C.pause_reasons, noteRequired: (code) => code === "other", noteLabel: "Ghi rõ (nếu chọn Khác, tối đa 40 ký tự)",
      maxLength: C.pause_text_max, submit: "Tạm dừng",
      send: (reason, note) => api("POST", `/api/v1/counters/${COUNTER}/pause`, { reason, note }),
      done: (data) => { counterState = data; renderPaused(); },
    });
  }

  function openCancelParked(ticketId, number) {
    openFloor({
      title: `Huỷ số ${number} đang chờ bổ sung`, titleEn: "Cancel a parked ticket",
      hint: "Chỉ huỷ khi công dân sẽ không quay lại. Lý do được ghi vào nhật ký.",
      choices: [], noteLabel: "Lý do (bắt buộc) / Reason (required)", noteRequired: () => true, maxLength: C.reason_max,
      submit: `Huỷ số ${number}`,
      send: (_code, note) => api("POST", `/api/v1/counters/${COUNTER}/parked/${ticketId}/cancel`, { reason: note }),
      done: () => showMessage(`Đã huỷ số ${number}.`, `Ticket ${number} cancelled.`, "ok"),
    });
  }

  function showPausedError() {
    showMessage(`Quầy đang tạm dừng (${counterState.pause_reason || ""}). Nhấn «Tiếp tục» (P) trước khi gọi số.`,
      "The counter is paused. Press Resume (P) before calling numbers.", "error");
  }

  async function resume() {
    const result = await api("POST", `/api/v1/counters/${COUNTER}/resume`);
    if (!result.ok) { showError(result); return; }
    counterState = result.data;
    renderPaused();
    showMessage("Quầy đã làm việc trở lại.", "The counter is working again.", "ok");
  }

  async function recallParked(ticketId) {
    if (counterState.paused) { showPausedError(); return; }
    const result = await api("POST", `/api/v1/counters/${COUNTER}/parked/${ticketId}/recall`);
    if (!result.ok) { showError(result); return; }
    clearMessage();
    if (result.data.finished) outcome("finish", result.data.finished.number);
    await Promise.all([refreshCurrent(), refreshWaiting(), refreshParked()]);
  }

  $("btn-resume").addEventListener("click", resume);
  $("waiting-list").addEventListener("click", (event) => {
    const button = event.target.closest("button[data-choose]");
    if (button) openChosenCall(Number(button.dataset.choose), button.dataset.ticketNumber);
  });
  $("parked-list").addEventListener("click", (event) => {
    const recall = event.target.closest("button[data-recall-parked]");
    if (recall) recallParked(Number(recall.dataset.recallParked));
    const cancel = event.target.closest("button[data-cancel-parked]");
    if (cancel) openCancelParked(Number(cancel.dataset.cancelParked), cancel.dataset.ticketNumber);
  });

  // ------------------------------------------------------------------ transfer dialog
  function openTransfer() {
    if (!current) {
      showMessage("Chưa có số nào để chuyển. Hãy gọi số trước.", "No ticket to transfer. Call one first.", "error");
      return;
    }
    $("transfer-number").textContent = current.number;
    const svc = $("transfer-service");
    svc.replaceChildren(...C.services.filter((s) => s.active).map((s) => el("option", { value: s.id, textContent: s.name })));
    const ctr = $("transfer-counter");
    ctr.replaceChildren(...C.counters.filter((c) => c.id !== COUNTER).map((c) => el("option", { value: c.id, textContent: "Quầy " + c.number + " – " + c.name })));
    $("transfer-note").value = "";
    $("transfer-dialog").showModal();
    svc.focus();
  }

  $("transfer-cancel").addEventListener("click", () => $("transfer-dialog").close());
  $("transfer-service").addEventListener("focus", () => { document.querySelector("input[name=target][value=service]").checked = true; });
  $("transfer-counter").addEventListener("focus", () => { document.querySelector("input[name=target][value=counter]").checked = true; });
  $("transfer-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const target = document.querySelector("input[name=target]:checked").value;
    const body = { note: $("transfer-note").value };
    if (target === "service") body.service_id = Number($("transfer-service").value);
    else body.counter_id = Number($("transfer-counter").value);
    const result = await api("POST", `/api/v1/counters/${COUNTER}/transfer`, body);
    $("transfer-dialog").close();
    if (!result.ok) { showError(result); return; }
    const t = result.data.ticket;
    outcome("transfer", t.number);
    showMessage(`Đã chuyển số ${t.number}.`, `Ticket ${t.number} transferred.`, "ok");
    await Promise.all([refreshCurrent(), refreshWaiting()]);
  });

  // ------------------------------------------------------------------ receive a dossier
  function procedureOptions() {
    const mine = new Set(C.counter.service_ids);
    const first = C.procedures.filter((p) => mine.has(p.service_id));
    const rest = C.procedures.filter((p) => !mine.has(p.service_id));
    const select = $("procedure");
    select.replaceChildren(el("option", { value: "", textContent: "— Chọn thủ tục —" }));
    const group = (label, items) => {
      if (!items.length) return;
      const g = el("optgroup", { label });
      for (const p of items) g.append(el("option", { value: p.id, textContent: `${p.name} (${p.processing_days_text} ngày)` }));
      select.append(g);
    };
    group("Lĩnh vực của quầy", first);
    group("Lĩnh vực khác", rest);
  }

  function showProcedure() {
    const p = C.procedures.find((x) => String(x.id) === $("procedure").value);
    const docs = $("documents");
    docs.replaceChildren();
    $("procedure-info").textContent = p ? `Thời hạn giải quyết: ${p.processing_days_text} ngày làm việc${p.fee ? " · Phí, lệ phí: " + p.fee : ""}` : "";
    for (const [i, name] of ((p && p.documents) || []).entries()) {
      docs.append(el("label", { class: "check" }, el("input", { type: "checkbox", checked: true, value: name, id: "doc-" + i }), " " + name));
    }
  }

  // The current citizen's dossier registered online ahead (received at the counter from its details).
  function preRegistration() {
    return dossiers.find((d) => d.state === "registered");
  }

  function openReceive() {
    if (!current) {
      showMessage("Hãy gọi số của công dân trước khi tiếp nhận hồ sơ.", "Call the citizen's number before receiving a dossier.", "error");
      return;
    }
    procedureOptions();
    const prereg = preRegistration();
    $("receive-form").reset();
    $("print").checked = true;
    for (const box of ["id-card-facts", "prefill-note"]) $(box).hidden = true;
    $("receive-form").querySelectorAll("input.filled").forEach((x) => x.classList.remove("filled"));
    if (prereg) {
      $("procedure").value = prereg.procedure ? String(prereg.procedure.id) : "";
      $("applicant_name").value = prereg.applicant.name || "";
      $("applicant_phone").value = prereg.applicant.phone || "";
      $("applicant_email").value = prereg.applicant.email || "";
    } else {
      const mine = C.procedures.filter((p) => C.counter.service_ids.includes(p.service_id));
      if (mine.length === 1) $("procedure").value = String(mine[0].id);
    }
    const channels = $("channels");
    channels.replaceChildren(...C.channels.map((c) => el("label", { class: "check" },
      el("input", { type: "radio", name: "channel", value: c.code, checked: prereg ? c.code === "online" : c.code === "direct" }), " " + c.vi)));
    if (!prereg && window.MotCuaIdCard) window.MotCuaIdCard.prefill($("receive-form"), citizen);
    showProcedure();
    $("receive-ticket").textContent = "— số " + current.number;
    $("receipt-panel").hidden = true;
    $("receive-panel").hidden = false;
    ($("procedure").value ? $("applicant_name") : $("procedure")).focus();
  }

  function closeReceive() { $("receive-panel").hidden = true; }

  $("procedure").addEventListener("change", showProcedure);
  $("receive-cancel").addEventListener("click", closeReceive);
  $("receive-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    if (busy) return;
    const documents = [...$("documents").querySelectorAll("input[type=checkbox]:checked")].map((x) => x.value);
    for (const line of $("documents_other").value.split("\n")) if (line.trim()) documents.push(line.trim());
    const body = {
      procedure_id: Number($("procedure").value) || null,
      ...window.MotCuaIdCard.applicant($("receive-form")),  // name, phone, e-mail, address, ID number (dossiers.js)
      channel: (document.querySelector("input[name=channel]:checked") || {}).value || "direct",
      documents,
      note: $("note").value,
      print: $("print").checked,
      ...(window.MotCuaReturnChoice ? window.MotCuaReturnChoice() : {}),  // return channel, address (postal.js)
    };
    busy = true;
    $("receive-submit").disabled = true;
    try {
      const result = await api("POST", `/api/v1/counters/${COUNTER}/dossiers`, body);
      if (!result.ok) { showError(result); return; }
      closeReceive();
      showMessage(result.data.message_vi, result.data.message_en, "ok");
      showReceipt(result.data);
      await refreshCurrent();
    } finally {
      busy = false;
      $("receive-submit").disabled = false;
    }
  });

  function showReceipt(data) {
    const code = data.dossier.code;
    lastReceipt = { code, job: data.print_job };
    $("receipt-code").textContent = code;
    $("receipt-appointment").textContent = data.dossier.appointment_text;
    $("receipt-img").src = data.receipt_png_url + "?width=576&t=" + Date.now();
    $("receipt-pdf").href = data.receipt_pdf_url;
    $("receipt-png").href = data.receipt_png_url;
    $("receipt-panel").hidden = false;
    followPrint(data.print_job);
  }

  const PRINT_TEXT = {
    pending: ["Đang in giấy tiếp nhận…", "Printing…"],
    printed: ["Đã in giấy tiếp nhận.", "Receipt printed."],
    failed: ["Máy in không in được — hồ sơ vẫn đã được tiếp nhận. Hãy in bản PDF hoặc in lại.", "The printer failed — the dossier is received. Print the PDF or try again."],
    none: ["Quầy chưa có máy in — hãy in bản PDF.", "No printer at this counter — print the PDF."],
  };

  async function followPrint(job) {
    const status = $("print-status");
    const show = (key) => { status.dataset.status = key; status.textContent = PRINT_TEXT[key][0] + " / " + PRINT_TEXT[key][1]; };
    if (!job) { show("none"); return; }
    show(job.status);
    for (let i = 0; i < 60 && job.status === "pending"; i++) {
      await new Promise((r) => setTimeout(r, 500));
      const result = await api("GET", `/api/v1/dossier-print-jobs/${job.id}`);
      if (!result.ok) break;
      job = result.data;
      show(job.status);
    }
  }

  $("receipt-close").addEventListener("click", () => { $("receipt-panel").hidden = true; });
  $("receipt-reprint").addEventListener("click", async () => {
    if (!lastReceipt) return;
    const result = await api("POST", `/api/v1/dossiers/${encodeURIComponent(lastReceipt.code)}/print`, { counter_id: COUNTER });
    if (!result.ok) { showError(result); return; }
    followPrint(result.data.print_job);
  });

  async function returnResult(code) {
    const target = code || (dossiers.find((d) => d.state === "result_ready") || {}).code;
    if (!target) {
      showMessage("Số đang phục vụ không có hồ sơ chờ trả kết quả.", "This ticket has no result to hand over.", "error");
      return;
    }
    const result = await api("POST", `/api/v1/dossiers/${encodeURIComponent(target)}/return`, {});
    if (!result.ok) { showError(result); return; }
    showMessage(`Đã trả kết quả hồ sơ ${target} (${result.data.result_class_label_vi || ""}).`, `Result of ${target} handed over.`, "ok");
    await refreshCurrent();
    refreshReady();
  }

  $("dossier-list").addEventListener("click", (event) => {
    const button = event.target.closest("button");
    if (!button) return;
    if (button.dataset.return) returnResult(button.dataset.return);
    if (button.dataset.receivePrereg) openReceive();
  });

  // ------------------------------------------------------------------ leaving the counter
  // "Rời quầy" (or "Đăng xuất") with a ticket still called or served here first asks what becomes
  // of it: the server refuses to close a counter silently, so nobody is left called to an empty desk.
  let leaveNavForm = null;

  async function startLeave(form) {
    await refreshCurrent();
    if (!current) { leaving = true; form.submit(); return; }
    leaveNavForm = form;
    openLeave();
  }

  function openLeave() {
    $("leave-number").textContent = current.number;
    $("leave-number-2").textContent = current.number;
    $("leave-state").textContent = current.state === "serving" ? "Số đang phục vụ" : "Số đã gọi";
    $("leave-why-en").textContent = `Ticket ${current.number} is still ${current.state === "serving" ? "being served" : "called"} here. Choose what becomes of it before you leave:`;
    $("leave-form").reset();
    $("leave-error").hidden = true;
    const target = $("leave-target");
    const services = el("optgroup", { label: "Lĩnh vực / service" },
      ...C.services.filter((s) => s.active).map((s) => el("option", { value: "s:" + s.id, textContent: s.name })));
    const counters = el("optgroup", { label: "Quầy / counter" },
      ...C.counters.filter((c) => c.id !== COUNTER).map((c) => el("option", { value: "c:" + c.id, textContent: "Quầy " + c.number + " – " + c.name })));
    target.replaceChildren(services, counters);
    $("leave-dialog").showModal();
    document.querySelector("#leave-form input[name=then]").focus();
  }

  $("leave-target").addEventListener("focus", () => { document.querySelector("#leave-form input[value=transfer]").checked = true; });
  $("leave-cancel").addEventListener("click", () => $("leave-dialog").close());
  $("leave-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const then = (document.querySelector("#leave-form input[name=then]:checked") || {}).value;
    const body = { then };
    if (then === "transfer") {
      const [kind, id] = $("leave-target").value.split(":");
      body[kind === "c" ? "counter_id" : "service_id"] = Number(id);
    }
    $("leave-submit").disabled = true;
    leaving = true;
    const result = await api("POST", `/api/v1/counters/${COUNTER}/close`, body);
    $("leave-submit").disabled = false;
    if (!result.ok) {
      leaving = false;
      const err = (result.data && result.data.error) || {};
      $("leave-error-vi").textContent = err.message_vi || "Không rời quầy được.";
      $("leave-error-en").textContent = err.message_en || "Could not leave the counter.";
      $("leave-error").hidden = false;
      await refreshCurrent();
      return;
    }
    // The counter is closed: the leave (or logout) form finishes the job on the console's side.
    leaveNavForm.submit();
  });

  for (const form of [$("leave-form-nav"), document.querySelector("form[action$='/console/logout']")]) {
    if (!form) continue;
    form.addEventListener("submit", (event) => { if (leaving) return; event.preventDefault(); startLeave(form); });
  }

  // ------------------------------------------------------------------ buttons & keyboard
  $("actions").addEventListener("click", (event) => {
    const button = event.target.closest("button[data-action]");
    if (button) act(button.dataset.action);
  });

  const KEYS = { n: "next", r: "recall", s: "start", f: "finish", v: "no-show", t: "transfer", h: "receive", b: "park", p: "pause" };
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      if ($("transfer-dialog").open || $("leave-dialog").open || $("floor-dialog").open) return;  // the dialog closes itself
      if (!$("receive-panel").hidden) { closeReceive(); event.preventDefault(); }
      return;
    }
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && !$("receive-panel").hidden) {
      event.preventDefault();
      $("receive-form").requestSubmit();
      return;
    }
    if (event.key === "F1") { event.preventDefault(); act("next"); return; }
    const tag = (event.target && event.target.tagName) || "";
    if (["INPUT", "TEXTAREA", "SELECT"].includes(tag) || $("transfer-dialog").open || $("leave-dialog").open || $("floor-dialog").open
        || event.ctrlKey || event.altKey || event.metaKey) return;
    const key = event.key.toLowerCase();
    if (key === "k") { event.preventDefault(); returnResult(); return; }
    if (KEYS[key]) { event.preventDefault(); act(KEYS[key]); }
  });

  // ------------------------------------------------------------------ realtime
  const live = $("live");
  const socket = io({ auth: { center_id: C.center_id, counter_id: COUNTER }, transports: ["websocket", "polling"] });
  socket.on("connect", () => { live.className = "live on"; live.textContent = "Trực tuyến"; });
  socket.on("disconnect", () => { live.className = "live off"; live.textContent = "Mất kết nối — đang thử lại…"; });
  socket.on("snapshot", (snap) => {
    renderCounts(snap.services);
    const mine = (snap.counters || []).find((c) => c.id === COUNTER);
    if (mine) { counterState = mine; renderPaused(); }
    refreshCurrent();
    refreshWaiting();
    refreshParked();
    refreshReady();
  });
  socket.on("queue_counts", (data) => renderCounts(data.services));
  for (const name of ["ticket_issued", "ticket_called", "ticket_started", "ticket_finished", "ticket_no_show", "ticket_transferred", "ticket_cancelled",
    "ticket_parked"]) {
    socket.on(name, (payload) => {
      if (payload.counts) renderCounts(payload.counts.services);  // the counts ride in the ticket event (issue 17)
      const t = payload.ticket || {};
      // Put back at the head of the queue from here (a supervisor closed the counter): say so.
      if (payload.requeued && current && current.id === t.id) outcome("requeue", t.number);
      if ((t.counter && t.counter.id === COUNTER) || (current && current.id === t.id)) refreshCurrent();
      scheduleWaiting();
    });
  }
  socket.on("results_ready", (payload) => { $("ready-count").textContent = (payload.codes || []).length; });
  socket.on("counter_changed", (payload) => {
    const c = payload.counter || {};
    if (c.id === COUNTER && c.is_open) { counterState = c; renderPaused(); }
    if (c.id === COUNTER && !c.is_open && !leaving) {
      showMessage("Quầy đã được đóng hoặc có cán bộ khác tiếp quản.", "This counter was closed or taken over.", "error");
    }
  });

  renderPaused();
  window.motcuaConsole = { refreshCurrent, refreshWaiting, refreshParked, act };
})();
