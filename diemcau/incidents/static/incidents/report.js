/* Reporting an incident: the first checks shown follow the symptoms ticked. */
(function () {
  function refresh() {
    var chosen = {};
    document.querySelectorAll('.symptom-chips input:checked').forEach(function (i) { chosen[i.value] = true; });
    document.querySelectorAll('#first-checks .guide').forEach(function (g) {
      g.classList.toggle('shown', !!chosen[g.dataset.symptom]);
    });
  }
  document.querySelectorAll('.symptom-chips input').forEach(function (i) { i.addEventListener('change', refresh); });
  refresh();
})();
