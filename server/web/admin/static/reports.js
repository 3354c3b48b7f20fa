/* Report charts (Chart.js served locally from /vendor/chart.js). */
(function () {
  "use strict";
  const report = JSON.parse(document.getElementById("report-data").textContent);
  const table = (key) => report.tables.find((t) => t.key === key);
  const round1 = (v) => (v == null ? null : Math.round(v * 10) / 10);
  const charts = {};
  window.motcuaCharts = charts;

  // Show the date fields that fit the period kind.
  const kind = document.getElementById("period-kind");
  const shown = {
    "when-single": ["day", "week", "month"],
    "when-range": ["range"],
    "when-quarter": ["quarter"],
    "when-half": ["half"],
    "when-year": ["quarter", "half", "nine_months", "year"],
  };
  function toggle() {
    Object.entries(shown).forEach(([cls, kinds]) => {
      const on = kinds.includes(kind.value);
      document.querySelectorAll("." + cls).forEach((el) => {
        el.hidden = !on;
        // A hidden field is not sent: the link then says exactly which period it shows.
        el.querySelectorAll("input, select").forEach((field) => { field.disabled = !on; });
      });
    });
  }
  kind.addEventListener("change", toggle);
  toggle();

  if (!window.Chart) return;
  Chart.defaults.font.family = "'DejaVu Sans', 'Noto Sans', Arial, sans-serif";
  Chart.defaults.animation = false; // managers print these; no need to wait for animations
  const blue = "#0b4f8a", green = "#1e7b34", orange = "#d9822b", red = "#b3261e", grey = "#9aa5b1";
  const common = { responsive: true, maintainAspectRatio: false, plugins: { legend: { position: "bottom" } } };

  const byHour = table("by_hour");
  charts.load = new Chart(document.getElementById("chart-load"), {
    type: "bar",
    data: {
      labels: byHour.rows.map((r) => r.hour),
      datasets: [
        { label: "Đã phát / issued", data: byHour.rows.map((r) => r.issued), backgroundColor: blue },
        { label: "Đã phục vụ / served", data: byHour.rows.map((r) => r.served), backgroundColor: green },
        { label: "Vắng mặt / no-show", data: byHour.rows.map((r) => r.no_show), backgroundColor: orange },
      ],
    },
    options: { ...common, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
  });

  const byDay = table("by_day");
  const trend = byDay && byDay.rows.length > 1 ? byDay : byHour;
  const labels = trend === byDay ? byDay.rows.map((r) => r.date.slice(8, 10) + "/" + r.date.slice(5, 7)) : byHour.rows.map((r) => r.hour);
  charts.wait = new Chart(document.getElementById("chart-wait"), {
    type: "line",
    data: {
      labels,
      datasets: [
        { label: "Chờ trung bình (phút) / mean", data: trend.rows.map((r) => round1(r.wait_mean)), borderColor: blue, backgroundColor: blue, spanGaps: true },
        { label: "Chờ P90 (phút) / 90th pct", data: trend.rows.map((r) => round1(r.wait_p90)), borderColor: red, backgroundColor: red, borderDash: [6, 4], spanGaps: true },
        { label: "Phục vụ TB (phút) / service mean", data: trend.rows.map((r) => round1(r.service_mean)), borderColor: green, backgroundColor: green, spanGaps: true },
      ],
    },
    options: { ...common, scales: { y: { beginAtZero: true, title: { display: true, text: "phút / min" } } } },
  });

  const ratings = table("ratings");
  const total = ratings.rows.reduce((a, r) => a + r.count, 0);
  charts.ratings = new Chart(document.getElementById("chart-ratings"), {
    type: "doughnut",
    data: {
      labels: ratings.rows.map((r) => `${r.label_vi} / ${r.label_en}`),
      datasets: [{ data: total ? ratings.rows.map((r) => r.count) : [1], backgroundColor: total ? [green, blue, red] : [grey] }],
    },
    options: { ...common, plugins: { ...common.plugins, title: { display: !total, text: "Chưa có đánh giá / no ratings yet" } } },
  });

  const onTime = table("dossier_timeliness");
  const fourth = document.getElementById("chart-fourth");
  if (onTime) {
    charts.fourth = new Chart(fourth, {
      type: "doughnut",
      data: { labels: onTime.rows.map((r) => `${r.label_vi} / ${r.label_en}`),
              datasets: [{ data: onTime.rows.map((r) => r.count), backgroundColor: [green, blue, red, grey] }] },
      options: common,
    });
  } else {
    document.getElementById("chart-fourth-title").innerHTML = 'Đã phục vụ theo lĩnh vực <span class="en">Served by service</span>';
    const byService = table("by_service");
    charts.fourth = new Chart(fourth, {
      type: "bar",
      data: { labels: byService.rows.map((r) => r.service_code), datasets: [
        { label: "Đã phục vụ / served", data: byService.rows.map((r) => r.served), backgroundColor: green },
        { label: "Vắng mặt / no-show", data: byService.rows.map((r) => r.no_show), backgroundColor: orange }] },
      options: { ...common, indexAxis: "y", scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } },
    });
  }
})();
