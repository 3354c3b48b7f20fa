/* The periodic report section: copy the ready paragraph, and its two charts (Chart.js served locally). */
(function () {
  "use strict";
  const source = document.getElementById("published-data");
  if (!source) return;
  const published = JSON.parse(source.textContent);
  const table = (key) => published.tables.find((t) => t.key === key);
  const pct = (v) => (v == null ? null : Math.round(v * 1000) / 10);
  const viPct = (v) => (v == null ? "–" : String(v).replace(".", ",") + "%");

  // "Sao chép": the clipboard API needs https or localhost; on a LAN page select the text and use the old command.
  const copy = document.getElementById("published-copy");
  const said = document.getElementById("published-copied");
  const area = document.getElementById(copy.dataset.target);
  copy.addEventListener("click", async () => {
    area.focus();
    area.select();
    let done = false;
    try {
      if (navigator.clipboard && window.isSecureContext) {
        await navigator.clipboard.writeText(area.value);
        done = true;
      }
    } catch (e) { done = false; }
    if (!done) {
      try { done = document.execCommand("copy"); } catch (e) { done = false; }
    }
    said.textContent = done ? "Đã sao chép / copied" : "Hãy nhấn Ctrl+C để sao chép / press Ctrl+C";
  });

  if (!window.Chart) return;
  // Its own global: the page's first four charts are counted under window.motcuaCharts.
  const charts = (window.motcuaPublishedCharts = {});
  const blue = "#0b4f8a", green = "#1e7b34", orange = "#d9822b", grey = "#9aa5b1";
  const common = { responsive: true, maintainAspectRatio: false, animation: false, plugins: { legend: { position: "bottom" } } };
  const percentAxis = { min: 0, max: 100, ticks: { callback: (v) => v + "%" } };

  const months = table("published_by_month").rows;
  charts.publishedOnTime = new Chart(document.getElementById("chart-published-ontime"), {
    type: "bar",
    data: {
      labels: months.map((r) => r.month_label),
      datasets: [
        { type: "line", label: "Tỷ lệ trước hạn, đúng hạn / on-time share (%)", data: months.map((r) => pct(r.on_time_rate)),
          borderColor: green, backgroundColor: green, yAxisID: "y", spanGaps: true },
        { type: "line", label: "Tỷ lệ trực tuyến / online share (%)", data: months.map((r) => pct(r.online_share)),
          borderColor: blue, backgroundColor: blue, borderDash: [6, 4], yAxisID: "y", spanGaps: true },
        { label: "Đã trả kết quả / returned", data: months.map((r) => r.returned), backgroundColor: "#c9d7e6", yAxisID: "count" },
      ],
    },
    options: { ...common, plugins: { ...common.plugins, tooltip: { callbacks: {
      label: (c) => c.dataset.yAxisID === "y" ? `${c.dataset.label}: ${viPct(c.raw)}` : `${c.dataset.label}: ${c.raw}` } } },
      scales: { y: { ...percentAxis, position: "left" },
                count: { beginAtZero: true, position: "right", grid: { drawOnChartArea: false }, ticks: { precision: 0 } } } },
  });

  const t = published.totals;
  const share = (part, whole) => (whole ? Math.round((part / whole) * 1000) / 10 : 0);
  charts.publishedChannels = new Chart(document.getElementById("chart-published-channels"), {
    type: "bar",
    data: {
      labels: ["Tiếp nhận / received", "Trả kết quả / returned"],
      datasets: [
        { label: "Trực tiếp, tại quầy / in person", backgroundColor: grey,
          data: [share(t.received_direct, t.received), share(t.returned_counter, t.returned)] },
        { label: "Trực tuyến / online", backgroundColor: blue,
          data: [share(t.received_online, t.received), share(t.returned_online, t.returned)] },
        { label: "Bưu chính công ích / by post", backgroundColor: orange,
          data: [share(t.received_post, t.received), share(t.returned_post, t.returned)] },
      ],
    },
    options: { ...common, indexAxis: "y", plugins: { ...common.plugins, tooltip: { callbacks: {
      label: (c) => `${c.dataset.label}: ${viPct(c.raw)}` } } },
      scales: { x: { ...percentAxis, stacked: true }, y: { stacked: true } } },
  });
})();
