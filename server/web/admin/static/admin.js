/* Admin pages: forms and buttons that call the JSON API with the session's CSRF token. */
(function () {
  "use strict";
  const csrf = document.querySelector('meta[name="csrf-token"]').content;

  function flash(text, bad) {
    const box = document.getElementById("flash");
    if (!box) return;
    box.textContent = text;
    box.className = bad ? "flash bad" : "flash";
    box.hidden = false;
    clearTimeout(flash.timer);
    flash.timer = setTimeout(() => { box.hidden = true; }, bad ? 8000 : 2500);
  }

  function setPath(target, path, value) {
    const keys = path.split(".");
    let node = target;
    keys.forEach((key, i) => {
      const last = i === keys.length - 1;
      if (last) { node[key] = value; return; }
      if (node[key] === undefined || node[key] === null || typeof node[key] !== "object") node[key] = {};
      node = node[key];
    });
  }

  function parseSessions(text) {
    // "07:00-11:30, 13:30-17:00" → [["07:00","11:30"],["13:30","17:00"]]
    const out = [];
    text.split(/[,;]+/).map((s) => s.trim()).filter(Boolean).forEach((part) => {
      const m = part.match(/^(\d{1,2}:\d{2})\s*[-–]\s*(\d{1,2}:\d{2})$/);
      if (!m) throw new Error("Giờ không hợp lệ / bad hours: " + part);
      out.push([m[1].padStart(5, "0"), m[2].padStart(5, "0")]);
    });
    return out;
  }

  function parseDays(text) {
    // one day per line: "2026-12-31 Nghỉ tất niên" (or 31/12/2026 …)
    return text.split(/\n+/).map((l) => l.trim()).filter(Boolean).map((line) => {
      let m = line.match(/^(\d{4}-\d{2}-\d{2})\s*(.*)$/);
      if (m) return { date: m[1], name: m[2].replace(/^[-–:]\s*/, "") };
      m = line.match(/^(\d{1,2})\/(\d{1,2})\/(\d{4})\s*(.*)$/);
      if (m) return { date: `${m[3]}-${m[2].padStart(2, "0")}-${m[1].padStart(2, "0")}`, name: m[4].replace(/^[-–:]\s*/, "") };
      throw new Error("Ngày không hợp lệ / bad date: " + line);
    });
  }

  function serialize(form) {
    const body = {};
    const lists = {};
    for (const el of form.elements) {
      if (!el.name || el.disabled || el.type === "submit" || el.type === "button" || el.name === "csrf_token") continue;
      const type = el.dataset.type || (el.type === "checkbox" ? "bool" : "text");
      const omit = form.hasAttribute("data-omit-empty") || el.hasAttribute("data-omit-empty");
      let value;
      if (type === "int-list" || type === "text-list") {
        lists[el.name] = lists[el.name] || [];
        if (el.checked) lists[el.name].push(type === "int-list" ? parseInt(el.value, 10) : el.value);
        continue;
      }
      if (type === "bool") value = el.checked;
      else if (type === "int" || type === "float" || type === "null-int") {
        if (el.value.trim() === "") { if (type === "null-int") value = null; else if (omit) continue; else value = null; }
        else value = type === "float" ? parseFloat(el.value) : parseInt(el.value, 10);
      } else if (type === "json") value = el.value.trim() ? JSON.parse(el.value) : null;
      else if (type === "sessions") value = parseSessions(el.value);
      else if (type === "daylist") value = parseDays(el.value);
      else if (type === "lines") value = el.value.split(/\n+/).map((l) => l.trim()).filter(Boolean);
      else {
        value = el.value.trim();
        if (value === "" && omit) continue;
      }
      setPath(body, el.name, value);
    }
    Object.entries(lists).forEach(([name, values]) => setPath(body, name, values));
    return form.dataset.wrap ? { [form.dataset.wrap]: body } : body;
  }

  function message(error) {
    if (!error) return "Lỗi không xác định / unknown error";
    let text = error.message_vi || error.message || "Lỗi";
    if (error.message_en && error.message_en !== text) text += " — " + error.message_en;
    const fields = error.details && (error.details.json || error.details.fields);
    if (fields) text += " (" + Object.entries(fields).map(([k, v]) => `${k}: ${[].concat(v).join(" ")}`).join("; ") + ")";
    return text;
  }

  async function call(url, method, body) {
    const response = await fetch(url, {
      method, credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf, Accept: "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    let data = null;
    try { data = await response.json(); } catch (e) { data = null; }
    if (!response.ok) throw new Error(message(data && data.error));
    return data;
  }

  function showSecret(data, reload) {
    const dialog = document.getElementById("secret-dialog");
    const secret = data.token || data.password;
    const text = document.getElementById("secret-text");
    text.textContent = data.token
      ? "Mã thiết bị — nhập vào trang cài đặt của thiết bị. Sau khi đóng hộp này sẽ không xem lại được. / Device token: enter it on the device's setup page; it is not shown again."
      : "Mật khẩu mới — hãy trao cho người dùng. Sau khi đóng hộp này sẽ không xem lại được. / New password: give it to the user; it is not shown again.";
    if (data.setup_url) {
      // The device's own page (a board's is the board) on the LAN address: open it once on that device.
      const p = document.createElement("span");
      p.id = "secret-link";
      p.style.display = "block";
      p.append("Hoặc mở đường dẫn này một lần trên thiết bị / or open this link once on the device: ");
      const a = document.createElement("a");
      a.href = data.setup_url; a.textContent = data.setup_url; a.target = "_blank"; a.rel = "noopener";
      p.append(a);
      text.append(p);
    }
    document.getElementById("secret-value").textContent = secret;
    dialog.addEventListener("close", () => { if (reload) location.reload(); }, { once: true });
    dialog.showModal();
  }

  function done(data, el) {
    if (data && (data.token || data.password)) { showSecret(data, el.hasAttribute("data-reload")); return; }
    flash(el.dataset.done || "Đã lưu / Saved");
    // data-open="/path/{id}": go on to what was just created (a new voice pack opens to record its clips).
    if (el.dataset.open && data && data.id) setTimeout(() => { location.href = el.dataset.open.replace("{id}", data.id); }, 300);
    else if (el.hasAttribute("data-reload")) setTimeout(() => location.reload(), 500);
  }

  document.addEventListener("submit", async (event) => {
    const form = event.target.closest("form.api-form");
    if (!form) return;
    event.preventDefault();
    const errorBox = form.querySelector(".form-error");
    if (errorBox) errorBox.textContent = "";
    if (form.dataset.confirm && !confirm(form.dataset.confirm)) return;
    const button = form.querySelector('button[type="submit"], button:not([type])');
    try {
      if (button) button.disabled = true;
      const data = await call(form.dataset.api, form.dataset.method || "POST", serialize(form));
      done(data, form);
    } catch (error) {
      if (errorBox) errorBox.textContent = error.message; else flash(error.message, true);
    } finally {
      if (button) button.disabled = false;
    }
  });

  document.addEventListener("click", async (event) => {
    const button = event.target.closest("button[data-api]");
    if (!button || button.form && button.form.classList.contains("api-form") && button.type === "submit") return;
    event.preventDefault();
    if (button.dataset.confirm && !confirm(button.dataset.confirm)) return;
    try {
      button.disabled = true;
      const body = button.dataset.body ? JSON.parse(button.dataset.body) : undefined;
      done(await call(button.dataset.api, button.dataset.method || "POST", body), button);
    } catch (error) {
      flash(error.message, true);
    } finally {
      button.disabled = false;
    }
  });

  // "In thử": the answer is what the printer did (printed, or why not), not merely "sent".
  async function testPrint(button) {
    const out = button.parentElement.querySelector(".test-print-result");
    const say = (text, cls) => { if (out) { out.textContent = text; out.className = "test-print-result badge " + cls; } };
    // The row's printer badge follows too, so the page never says "good" and "failed" at once.
    const badge = (ok) => {
      const b = button.closest("tr") && button.closest("tr").querySelector(".printer-cell .badge");
      if (b) { b.textContent = ok ? "Máy in tốt" : "Lỗi máy in"; b.className = "badge " + (ok ? "ok" : "bad"); }
    };
    button.disabled = true;
    say("Đang in thử… / Printing…", "");
    try {
      let job = await call(button.dataset.testPrint, "POST");
      for (let i = 0; job.status === "pending" && i < 30; i++) {
        await new Promise((r) => setTimeout(r, 1000));
        job = await call(`/api/v1/print-jobs/${job.id}`, "GET");
      }
      if (job.status === "printed") { badge(true); say("Đã in xong trang thử / Test page printed", "ok"); flash("Đã in xong trang thử / Test page printed"); }
      else if (job.status === "failed") {
        const why = "Không in được / Print failed: " + (job.error || job.error_code || "");
        badge(false); say(why, "bad"); flash(why, true);
      } else { say("Máy in chưa trả lời / The printer has not answered yet", "warn"); }
    } catch (error) {
      say(error.message, "bad"); flash(error.message, true);
    } finally {
      button.disabled = false;
    }
  }
  document.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-test-print]");
    if (button) { event.preventDefault(); testPrint(button); }
  });

  const picker = document.getElementById("center-select");
  if (picker) {
    const pages = { dashboard: "", center: "center", services: "services", counters: "counters", devices: "devices",
                    calendar: "calendar", announcements: "announcements", procedures: "procedures",
                    voice_packs: "voice-packs" };
    picker.addEventListener("change", () => {
      const id = picker.value;
      if (!id) return;
      const key = picker.dataset.page;
      if (key === "reports") location.href = `/admin/reports?center=${id}`;
      else if (key in pages) location.href = `/admin/c/${id}/${pages[key]}`;
      else location.href = `/admin/c/${id}/`;
    });
  }

  window.motcuaAdmin = { call, flash, csrf };
})();
