/* The public booking pages (no framework, no CDN: served by the center's own server).
   - body[data-page=book]: field → day → time → contact → confirm → the booking (code, QR, save, link);
   - body[data-page=manage]: the booking's own page: change the time (same field) or cancel, with a confirm step.
   Both call the public JSON API (/api/v1/public/…): anonymous, no session, so no CSRF token; rate-limited.
   Every message is Vietnamese first, English under it; each step is a history entry, so the phone's own
   Back button goes back one step instead of leaving the page. */
(function () {
  "use strict";

  var dataNode = document.getElementById("booking-data");
  if (!dataNode) { return; }
  var DATA = JSON.parse(dataNode.textContent);
  var API = DATA.api;

  // ---------------------------------------------------------------- small helpers
  function $(id) { return document.getElementById(id); }
  function each(selector, fn) { Array.prototype.forEach.call(document.querySelectorAll(selector), fn); }
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }
  // "vi" then, under it, "en" in the secondary style.
  function bi(node, vi, en) {
    node.textContent = "";
    node.appendChild(document.createTextNode(vi));
    if (en) { node.appendChild(el("span", "en", en)); }
    return node;
  }
  function dateText(iso) { var p = String(iso).split("-"); return p[2] + "/" + p[1] + "/" + p[0]; }
  // Within the weeks one can book ahead the year goes without saying: "Thứ Tư 25/11" fits one line.
  function shortDate(iso) { var p = String(iso).split("-"); return p[2] + "/" + p[1]; }
  function minutes(hhmm) { var p = String(hhmm || "0:0").split(":"); return Number(p[0]) * 60 + Number(p[1]); }
  function fillAll(selector, vi, en) { each(selector, function (n) { bi(n, vi, en); }); }

  // ---------------------------------------------------------------- the API and its refusals
  var MESSAGES = {
    network: ["Không kết nối được với máy chủ. Xin Ông/Bà kiểm tra mạng rồi thử lại.",
      "Could not reach the server. Please check your connection and try again."],
    rate_limited: ["Ông/Bà đã thao tác nhiều lần liên tiếp. Xin chờ một phút rồi thử lại.",
      "Too many attempts in a short time. Please wait a minute and try again."],
    busy: ["Hệ thống đang bận. Xin Ông/Bà thử lại sau ít phút.", "The system is busy. Please try again in a few minutes."],
    id_number: ["Số căn cước phải có đủ 12 chữ số.", "The ID card number must have 12 digits."],
    contact: ["Xin Ông/Bà nhập số căn cước hoặc số điện thoại.", "Please enter an ID card number or a phone number."],
    cancelled: ["Đã huỷ lịch hẹn.", "The booking was cancelled."],
    moved: ["Đã đổi giờ hẹn. Mã lịch hẹn và mã QR vẫn giữ nguyên.", "The time was changed. The booking code and QR stay the same."]
  };
  function refusal(code, status) {
    var m = MESSAGES[code] || MESSAGES.busy;
    return { code: code, status: status || 0, message_vi: m[0], message_en: m[1] };
  }

  /* fetch JSON from the public API; resolves with the answer, rejects with {code, status, message_vi, message_en}. */
  function api(method, path, body) {
    var options = { method: method, headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store" };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(API + path, options).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (data) {
        if (response.ok) { return data; }
        // A throttled client gets our own polite words, not the limiter's "10 per 1 minute".
        if (response.status === 429) { throw refusal("rate_limited", 429); }
        var error = data && data.error;
        if (!error || !error.message_vi) { throw refusal("busy", response.status); }
        error.status = response.status;
        throw error;
      });
    }, function () { throw refusal("network"); });
  }

  function showNotice(message, good) {
    var box = $("notice");
    if (!box) { return; }
    $("notice-vi").textContent = message.message_vi || "";
    $("notice-en").textContent = message.message_en || "";
    box.classList.toggle("good", !!good);
    box.dataset.code = message.code || "";
    box.hidden = false;
    box.scrollIntoView({ block: "start" });
    box.focus({ preventScroll: true });
  }
  function clearNotice() { var box = $("notice"); if (box) { box.hidden = true; box.dataset.code = ""; } }

  // ---------------------------------------------------------------- days and time slots (booking and moving)
  function dayState(day) {
    if (!day.open) { return { ok: false, vi: day.note_vi || "Không làm việc", en: day.note_en || "Closed" }; }
    var free = day.slots.filter(function (s) { return !s.full; }).length;
    if (!day.slots.length) { return { ok: false, vi: "Không còn giờ trống", en: "No times left" }; }
    if (!free) { return { ok: false, vi: "Hết chỗ", en: "Full" }; }
    return { ok: true, vi: "Còn chỗ", en: "Available" };
  }

  function renderDays(list, days, onPick) {
    list.textContent = "";
    days.forEach(function (day) {
      var state = dayState(day);
      var button = el("button", "choice day");
      button.type = "button";
      button.dataset.date = day.date;
      button.dataset.open = String(!!day.open);
      button.disabled = !state.ok;
      var when = el("span", "day-when");
      bi(when, day.weekday_vi + " " + shortDate(day.date), day.weekday_en);
      button.appendChild(when);
      button.appendChild(bi(el("span", "day-state"), state.vi, state.en));
      button.addEventListener("click", function () { onPick(day); });
      var item = el("li");
      item.appendChild(button);
      list.appendChild(item);
    });
  }

  function renderSlots(list, day, onPick, currentStart) {
    list.textContent = "";
    if (!day.slots.length) {
      var none = el("li", "empty");
      bi(none, "Ngày này không còn giờ trống.", "No times are left on this day.");
      list.appendChild(none);
      return;
    }
    var part = null;
    day.slots.forEach(function (slot) {
      // Morning and afternoon apart: the midday break is where people look for "after lunch".
      var afternoon = minutes(slot.start) >= 12 * 60;
      if (afternoon !== part) {
        part = afternoon;
        list.appendChild(bi(el("li", "slot-part"), afternoon ? "Buổi chiều" : "Buổi sáng", afternoon ? "Afternoon" : "Morning"));
      }
      var button = el("button", "slot");
      button.type = "button";
      button.dataset.start = slot.starts_at;
      button.dataset.full = String(!!slot.full);
      var current = currentStart && slot.starts_at === currentStart;
      button.disabled = !!slot.full || !!current;
      button.appendChild(el("span", "slot-time", slot.start));
      button.appendChild(el("span", "slot-end", "– " + slot.end));
      var left = el("span", "slot-left");
      if (current) { bi(left, "Giờ đang hẹn", "Your current time"); }
      else if (slot.full) { bi(left, "Hết chỗ", "Full"); }
      else { bi(left, "Còn " + slot.left + " chỗ", slot.left + " left"); }
      button.appendChild(left);
      button.setAttribute("aria-label", slot.start + " – " + slot.end + ", " + left.firstChild.textContent);
      button.addEventListener("click", function () { onPick(slot); });
      var item = el("li");
      item.appendChild(button);
      list.appendChild(item);
    });
  }

  function slotsPath(centerId, serviceId, days) {
    return "/centers/" + centerId + "/booking-slots?service_id=" + encodeURIComponent(serviceId) + (days ? "&days=" + days : "");
  }

  function dayOf(days, date) {
    for (var i = 0; i < days.length; i++) { if (days[i].date === date) { return days[i]; } }
    return null;
  }

  // ---------------------------------------------------------------- the booking as kept (done step, own page)
  function fillTicket(b) {
    var qr = "/lich-hen/" + encodeURIComponent(b.token) + "/qr.png?v=" + (b.moved_count || 0);
    $("code").textContent = b.code_display;
    $("qr").src = qr;
    bi($("when-day"), b.weekday_vi + " " + dateText(b.day), b.weekday_en);
    $("when-time").textContent = b.start + " – " + b.end;
    bi($("when-service"), b.service.name, b.service.name_en);
    bi($("when-center"), b.center.name, "");
    if (b.center.address) { $("when-center").appendChild(el("span", "sub", b.center.address)); }
    var contact = [b.contact && b.contact.phone, b.contact && b.contact.email].filter(Boolean).join(", ");
    $("reminder").textContent = contact;
    $("reminder-row").hidden = !(b.reminder && contact && b.state === "booked");
    var before = Math.max(0, minutes(b.start) - minutes(b.checkin_from));
    $("before-min").textContent = before;
    $("before-min-en").textContent = before;
    ["checkin-from", "checkin-from-en"].forEach(function (id) { $(id).textContent = b.checkin_from; });
    ["checkin-until", "checkin-until-en"].forEach(function (id) { $(id).textContent = b.checkin_until; });
    var save = $("save-qr");
    save.href = qr;
    save.setAttribute("download", "lich-hen-" + b.code_display + ".png");
  }

  // ---------------------------------------------------------------- steps as history entries
  function stepper(names, prefix, onShow) {
    var current = null;
    function show(name, push) {
      names.forEach(function (n) { $(prefix + n).hidden = n !== name; });
      current = name;
      if (push) { history.pushState({ step: name }, ""); }
      if (onShow) { onShow(name); }
      window.scrollTo(0, 0);
      var heading = $(prefix + name).querySelector("h1");
      if (heading) { heading.focus({ preventScroll: true }); }
    }
    history.replaceState({ step: names[0] }, "");
    each("[data-back]", function (b) { b.addEventListener("click", function () { clearNotice(); history.back(); }); });
    return { show: show, current: function () { return current; } };
  }

  // ================================================================ the booking page
  function initBook() {
    var offer = DATA.offer;
    if (!offer.enabled || !$("step-service")) { return; }
    var STEPS = ["service", "day", "slot", "contact", "confirm", "done"];
    var chosen = { service: null, days: [], day: null, slot: null, contact: null, booking: null };

    var steps = stepper(STEPS, "step-", function (name) {
      var index = STEPS.indexOf(name) + 1;
      var progress = $("progress");
      progress.hidden = name === "done";
      bi(progress, "Bước " + index + "/5", "Step " + index + " of 5");
      document.body.dataset.step = name;
    });
    window.addEventListener("popstate", function (event) {
      if (chosen.booking) {
        // Booked: stay on the code and QR (a stray Back must not lose them); "book another" starts over.
        history.pushState({ step: "done" }, "", chosen.booking.manage_path);
        return;
      }
      steps.show((event.state && event.state.step) || "service", false);
    });

    function loadDays() {
      $("days-loading").hidden = false;
      $("days").textContent = "";
      return api("GET", slotsPath(offer.center.id, chosen.service.id, offer.days_ahead)).then(function (answer) {
        chosen.days = answer.days;
        renderDays($("days"), answer.days, pickDay);
        return answer.days;
      }).catch(function (error) { showNotice(error); return chosen.days; })
        .then(function (days) { $("days-loading").hidden = true; return days; });
    }

    function pickService(service) {
      clearNotice();
      chosen.service = service;
      fillAll(".js-service", service.name, service.name_en);
      steps.show("day", true);
      loadDays();
    }

    function pickDay(day) {
      clearNotice();
      chosen.day = day;
      fillAll(".js-day", day.weekday_vi + " " + dateText(day.date), day.weekday_en);
      renderSlots($("slots"), day, pickSlot);
      steps.show("slot", true);
    }

    function pickSlot(slot) {
      clearNotice();
      chosen.slot = slot;
      fillAll(".js-time", slot.start + " – " + slot.end, "");
      steps.show("contact", true);
    }

    each("#services [data-service]", function (button) {
      var id = Number(button.dataset.service);
      var service = offer.services.filter(function (s) { return s.id === id; })[0];
      button.addEventListener("click", function () { pickService(service); });
    });

    // ---------------------------------------------------------- contact
    function digits(text) { return String(text || "").replace(/[\s.\-]/g, ""); }
    function markInvalid(id, bad) { $(id).setAttribute("aria-invalid", bad ? "true" : "false"); }

    // Typing again answers the complaint: it goes, with the red frame of the field.
    $("contact-form").addEventListener("input", function (event) {
      if (event.target.getAttribute("aria-invalid") === "true") { markInvalid(event.target.id, false); clearNotice(); }
    });
    $("contact-form").addEventListener("submit", function (event) {
      event.preventDefault();
      clearNotice();
      var idNumber = digits($("id-number").value);
      var phone = $("phone").value.trim();
      var email = $("email").value.trim();
      markInvalid("id-number", false);
      markInvalid("phone", false);
      if (idNumber && !/^[0-9]{12}$/.test(idNumber)) {
        markInvalid("id-number", true);
        showNotice(refusal("id_number"));
        $("id-number").focus();
        return;
      }
      if (offer.require_contact && !idNumber && !phone) {
        markInvalid("id-number", true);
        markInvalid("phone", true);
        showNotice(refusal("contact"));
        return;
      }
      chosen.contact = { id_number: idNumber, phone: phone, email: email };
      var lines = $("confirm-contact");
      lines.textContent = "";
      if (idNumber) { lines.appendChild(el("span", "sub", "CCCD / ID: " + idNumber.replace(/(\d{3})(?=\d)/g, "$1 "))); }
      if (phone) { lines.appendChild(el("span", "sub", "Điện thoại / Phone: " + phone)); }
      if (email) { lines.appendChild(el("span", "sub", "Thư / E-mail: " + email)); }
      if (!lines.childNodes.length) { bi(lines, "Không để lại", "None given"); }
      steps.show("confirm", true);
    });

    // ---------------------------------------------------------- confirm → the booking, or a polite refusal
    $("confirm").addEventListener("click", function () {
      var button = $("confirm");
      if (button.disabled) { return; }
      button.disabled = true;
      clearNotice();
      var body = { service_id: chosen.service.id, starts_at: chosen.slot.starts_at };
      ["id_number", "phone", "email"].forEach(function (k) { if (chosen.contact[k]) { body[k] = chosen.contact[k]; } });
      api("POST", "/centers/" + offer.center.id + "/bookings", body).then(booked, refused)
        .then(function () { button.disabled = false; });
    });

    function booked(booking) {
      chosen.booking = booking;
      // A shared or borrowed phone must not keep what was typed.
      ["id-number", "phone", "email"].forEach(function (id) { $(id).value = ""; });
      chosen.contact = null;
      $("confirm-contact").textContent = "";
      fillTicket(booking);
      var link = $("manage-link");
      link.href = booking.manage_path;
      $("manage-url").textContent = window.location.origin + booking.manage_path;
      // The address becomes the booking's own link: a reload or a bookmark keeps the booking, not an empty form.
      history.replaceState({ step: "done" }, "", booking.manage_path);
      steps.show("done", false);
    }

    function refused(error) {
      var code = error.code;
      if (code === "slot_full" || code === "slot_unavailable") {
        // Someone took the last place meanwhile: show the day's times again, as they are now.
        return loadDays().then(function (days) {
          var day = dayOf(days, chosen.day.date) || chosen.day;
          chosen.day = day;
          renderSlots($("slots"), day, pickSlot);
          steps.show("slot", true);
          showNotice(error);
        });
      }
      if (code === "daily_cap_reached") {
        return loadDays().then(function () { steps.show("day", true); showNotice(error); });
      }
      if (code === "contact_required" || /^invalid_(phone|email|id_number)$/.test(code)) {
        var field = { invalid_phone: "phone", invalid_email: "email", invalid_id_number: "id-number" }[code];
        if (field) { markInvalid(field, true); }
        steps.show("contact", true);
        showNotice(error);
        return null;
      }
      showNotice(error);
      return null;
    }

    $("book-another").addEventListener("click", function () { window.location.reload(); });
    steps.show("service", false);
  }

  // ================================================================ the booking's own page
  function initManage() {
    var booking = DATA.booking;
    var moving = { days: [], day: null, slot: null };
    var depth = 0; // history entries pushed since the booking view
    var VIEWS = ["view", "cancel-confirm", "move-day", "move-slot", "move-confirm"];
    var steps = stepper(VIEWS, "", null);

    function go(name) { depth += 1; steps.show(name, true); }
    window.addEventListener("popstate", function (event) {
      depth = Math.max(0, depth - 1);
      var name = (event.state && event.state.step) || "view";
      if (booking.state !== "booked") { name = "view"; }
      steps.show(name, false);
    });
    function backToView() {
      var n = depth;
      depth = 0;
      steps.show("view", false);
      if (n > 0) { history.go(-n); }
    }

    function apply(b) {
      booking = b;
      fillTicket(b);
      document.body.dataset.state = b.state;
      var state = $("state");
      state.className = "state state-" + b.state;
      state.dataset.state = b.state;
      $("state-vi").textContent = b.state_vi;
      $("state-en").textContent = b.state_en;
      var live = b.state === "booked";
      $("actions").hidden = !live;
      $("keep-link").hidden = !live;
      $("book-again").hidden = live;
    }

    // ---------------------------------------------------------- cancel, with a confirm step
    $("cancel-open").addEventListener("click", function () { clearNotice(); go("cancel-confirm"); });
    $("cancel-no").addEventListener("click", function () { history.back(); });
    $("cancel-yes").addEventListener("click", function () {
      var button = $("cancel-yes");
      button.disabled = true;
      api("POST", "/bookings/" + encodeURIComponent(booking.token) + "/cancel").then(function (b) {
        apply(b);
        backToView();
        showNotice(refusal("cancelled"), true);
      }, failed).then(function () { button.disabled = false; });
    });

    // ---------------------------------------------------------- move: same field, a new day and time
    function loadDays() {
      $("days-loading").hidden = false;
      $("days").textContent = "";
      return api("GET", slotsPath(booking.center.id, booking.service.id)).then(function (answer) {
        moving.days = answer.days;
        renderDays($("days"), answer.days, pickDay);
        return answer.days;
      }).catch(function (error) { showNotice(error); return moving.days; })
        .then(function (days) { $("days-loading").hidden = true; return days; });
    }
    function pickDay(day) {
      clearNotice();
      moving.day = day;
      fillAll(".js-day", day.weekday_vi + " " + dateText(day.date), day.weekday_en);
      renderSlots($("slots"), day, pickSlot, booking.starts_at);
      go("move-slot");
    }
    function pickSlot(slot) {
      clearNotice();
      moving.slot = slot;
      bi($("move-old"), booking.start + " – " + booking.end + ", " + booking.weekday_vi + " " + dateText(booking.day),
        booking.weekday_en);
      fillAll(".js-new", slot.start + " – " + slot.end + ", " + moving.day.weekday_vi + " " + dateText(moving.day.date),
        moving.day.weekday_en);
      go("move-confirm");
    }
    $("move-open").addEventListener("click", function () { clearNotice(); go("move-day"); loadDays(); });
    $("move-yes").addEventListener("click", function () {
      var button = $("move-yes");
      button.disabled = true;
      api("POST", "/bookings/" + encodeURIComponent(booking.token) + "/move", { starts_at: moving.slot.starts_at })
        .then(function (b) {
          apply(b);
          backToView();
          showNotice(refusal("moved"), true);
        }, function (error) {
          if (error.code === "slot_full" || error.code === "slot_unavailable") {
            return loadDays().then(function (days) {
              var day = dayOf(days, moving.day.date) || moving.day;
              moving.day = day;
              renderSlots($("slots"), day, pickSlot, booking.starts_at);
              go("move-slot");
              showNotice(error);
            });
          }
          return failed(error);
        }).then(function () { button.disabled = false; });
    });

    function failed(error) {
      if (error.code === "booking_not_changeable" || error.code === "booking_not_found") {
        // Checked in, cancelled or past meanwhile: show the booking as it is now.
        return api("GET", "/bookings/" + encodeURIComponent(booking.token)).then(apply, function () { return null; })
          .then(function () { backToView(); showNotice(error); });
      }
      showNotice(error);
      return null;
    }

    apply(booking);
  }

  if (document.body.dataset.page === "book") { initBook(); }
  if (document.body.dataset.page === "manage") { initManage(); }
}());
