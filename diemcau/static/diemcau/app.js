/* Điểm Cầu: small behaviours declared in the markup, so templates need no inline script
 * (the Content-Security-Policy allows scripts from this server only).
 *
 * - data-confirm="question" on a form (or a button in one): asks before submitting;
 * - data-select-on-focus on an input: selects its text, ready to copy.
 */
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var button = event.submitter;
    var question = (button && button.dataset.confirm) || form.dataset.confirm;
    if (question && !window.confirm(question)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);
  document.addEventListener("focusin", function (event) {
    if (event.target.matches && event.target.matches("[data-select-on-focus]")) { event.target.select(); }
  });
  document.addEventListener("click", function (event) {
    if (event.target.matches && event.target.matches("[data-select-on-focus]")) { event.target.select(); }
  });
}());
