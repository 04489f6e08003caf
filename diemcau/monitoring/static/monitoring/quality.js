// Quality charts of one site, drawn from the roll-ups (series.json), switchable by range.
(function () {
  "use strict";
  var box = document.getElementById("quality-charts");
  if (!box || !window.Chart) { return; }
  var charts = {};
  var locale = document.documentElement.lang || "vi";

  function fmt(ms, periodS) {
    var d = new Date(ms);
    var opts = periodS >= 86400 ? {day: "2-digit", month: "2-digit"}
      : periodS >= 3600 ? {day: "2-digit", month: "2-digit", hour: "2-digit"}
      : {hour: "2-digit", minute: "2-digit"};
    opts.timeZone = "Asia/Ho_Chi_Minh";
    return d.toLocaleString(locale, opts);
  }

  function draw(id, labels, sets, yTitle, unit) {
    if (charts[id]) { charts[id].destroy(); }
    charts[id] = new Chart(document.getElementById(id), {
      type: "line",
      data: {labels: labels, datasets: sets},
      options: {
        animation: false, responsive: true, maintainAspectRatio: false, spanGaps: false,
        interaction: {mode: "index", intersect: false},
        elements: {point: {radius: 0}, line: {borderWidth: 1.5}},
        scales: {x: {ticks: {maxTicksLimit: 8, autoSkip: true}}, y: {beginAtZero: true, title: {display: !!yTitle, text: yTitle}}},
        plugins: {legend: {labels: {boxWidth: 12}}, tooltip: window.DiemCau ? window.DiemCau.unitTooltip(unit) : {}}
      }
    });
  }

  function load(range) {
    fetch(box.dataset.url + "?range=" + encodeURIComponent(range), {credentials: "same-origin"})
      .then(function (r) { return r.json(); })
      .then(function (s) {
        var empty = document.getElementById("chart-empty");
        empty.classList.toggle("d-none", s.t.length > 0);
        empty.textContent = box.dataset.empty;
        var labels = s.t.map(function (t) { return fmt(t, s.period_s); });
        draw("chart-loss", labels, [
          {label: box.dataset.labelLoss, data: s.loss, borderColor: "#dc3545", backgroundColor: "rgba(220,53,69,.15)", fill: true},
          {label: box.dataset.labelLossMax, data: s.loss_max, borderColor: "#fd7e14", borderDash: [4, 3]}
        ], "%", "%");
        draw("chart-delay", labels, [
          {label: box.dataset.labelRtt, data: s.rtt, borderColor: "#0d6efd"},
          {label: box.dataset.labelJitter, data: s.jitter, borderColor: "#6f42c1"}
        ], "ms", "ms");
        draw("chart-mos", labels, [{label: box.dataset.labelMos, data: s.mos, borderColor: "#198754"}], "MOS", "");
        charts["chart-mos"].options.scales.y.beginAtZero = false;
        charts["chart-mos"].options.scales.y.min = 1;
        charts["chart-mos"].options.scales.y.max = 4.5;
        charts["chart-mos"].update();
      });
  }

  document.querySelectorAll("#ranges [data-range]").forEach(function (button) {
    button.addEventListener("click", function () {
      document.querySelectorAll("#ranges .active").forEach(function (b) { b.classList.remove("active"); });
      button.classList.add("active");
      load(button.dataset.range);
    });
  });
  load("day");
}());
