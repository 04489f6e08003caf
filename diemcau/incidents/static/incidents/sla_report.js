/* The SLA report's charts; data from the json_script "sla-chart-data". */
(function () {
  var data = JSON.parse(document.getElementById('sla-chart-data').textContent);
  var opts = {responsive: true, maintainAspectRatio: false, scales: {y: {min: 0, max: 100}},
    plugins: {tooltip: window.DiemCau ? window.DiemCau.unitTooltip("%") : {}}};
  var month = document.getElementById('month-chart');
  if (month && data.months.length) {
    new Chart(month, {type: 'line', options: opts, data: {labels: data.months, datasets: [
      {label: data.labels.ack, data: data.ack, borderColor: '#0d6efd', tension: .2},
      {label: data.labels.resolve, data: data.resolve, borderColor: '#198754', tension: .2}]}});
  }
  var ops = document.getElementById('operator-chart');
  var colours = ['#0d6efd', '#dc3545', '#fd7e14', '#6f42c1'];
  if (ops && data.operator_months.length) {
    new Chart(ops, {type: 'bar', options: opts, data: {labels: data.operator_months,
      datasets: data.operators.map(function (o, i) { return {label: o.label + ' — ' + data.labels.resolve, data: o.data, backgroundColor: colours[i % colours.length]}; })}});
  }
})();
