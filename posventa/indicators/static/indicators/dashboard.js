// The indicators' twelve-month trend, drawn with Chart.js (vendored) from
// the page's JSON (#trend-data): plain numbers, a label per month, the
// targets as dashed lines, a 0–100 % axis. A click on a month opens it.
// The table under the chart gives the same figures.
(function () {
  const source = document.getElementById("trend-data");
  const canvas = document.getElementById("trend-chart");
  if (!source || !canvas || !window.Chart) return;
  const data = JSON.parse(source.textContent);
  const percent = new Intl.NumberFormat(document.documentElement.lang || "es", {
    maximumFractionDigits: 1,
  });
  const flat = function (value) { return data.labels.map(function () { return value; }); };
  const line = function (label, values, colour, target) {
    return {
      label: label,
      data: values,
      borderColor: colour,
      backgroundColor: colour,
      borderWidth: target ? 1.5 : 2.5,
      borderDash: target ? [6, 4] : [],
      pointRadius: target ? 0 : 3,
      pointHoverRadius: target ? 0 : 5,
      spanGaps: false,
      tension: 0,
    };
  };
  const chart = new window.Chart(canvas, {
    type: "line",
    data: {
      labels: data.labels,
      datasets: [
        line(data.names.efficacy, data.efficacy, "#198754", false),
        line(data.names.timeliness, data.timeliness, "#0d6efd", false),
        line(data.names.efficacy_target, flat(data.efficacy_target), "#198754", true),
        line(data.names.timeliness_target, flat(data.timeliness_target), "#0d6efd", true),
      ],
    },
    options: {
      animation: false,
      maintainAspectRatio: false,
      responsive: true,
      interaction: { mode: "index", intersect: false },
      scales: {
        y: {
          min: 0,
          max: 100,
          ticks: { stepSize: 20, callback: function (value) { return percent.format(value) + " %"; } },
        },
        x: { ticks: { autoSkip: true, maxRotation: 0 } },
      },
      plugins: {
        legend: { position: "bottom", labels: { boxHeight: 2 } },
        tooltip: {
          callbacks: {
            label: function (item) {
              if (item.raw === null) return item.dataset.label + ": —";
              return item.dataset.label + ": " + percent.format(item.raw) + " %";
            },
          },
        },
      },
      onClick: function (_event, elements) {
        if (!elements.length) return;
        const month = data.months[elements[0].index];
        if (month) window.location.search = "?month=" + encodeURIComponent(month);
      },
    },
  });
  canvas.dataset.rendered = "true";
  canvas.chart = chart;
})();
