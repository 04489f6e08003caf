// Charts write numbers as the page does (Vietnamese: 1.234,5) and name their units in tooltips.
// Load after Chart.js, only on pages that draw a chart (docs/ui.md).
(function () {
  "use strict";
  var lang = document.documentElement.lang || "vi";
  var locale = lang === "vi" ? "vi-VN" : lang;
  var DiemCau = window.DiemCau = window.DiemCau || {};

  DiemCau.locale = locale;
  DiemCau.formatNumber = function (value, digits) {
    if (value === null || value === undefined || isNaN(value)) { return "—"; }
    var size = Math.abs(value);
    var max = digits !== undefined ? digits : size < 10 ? 2 : size < 100 ? 1 : 0;
    return new Intl.NumberFormat(locale, {maximumFractionDigits: max, minimumFractionDigits: digits || 0}).format(value);
  };
  // Tooltip options: "Trễ khứ hồi: 70,9 ms".
  DiemCau.unitTooltip = function (unit) {
    return {callbacks: {label: function (item) {
      var text = DiemCau.formatNumber(item.parsed.y);
      return (item.dataset.label ? item.dataset.label + ": " : "") + text + (unit ? "\u00a0" + unit : "");
    }}};
  };
  if (window.Chart) { window.Chart.defaults.locale = locale; }
}());
