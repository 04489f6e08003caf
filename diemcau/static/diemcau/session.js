/* Điểm Cầu: idle-session warning, and marking automatic refreshes.
 *
 * - htmx requests not started by the user (polling "every …", "load") carry
 *   X-Diemcau-Passive: 1, so the server does not count them as activity;
 * - before the server ends an idle session (data-idle-seconds on <body>), a
 *   warning counts down; "Stay signed in" (or any click or key) pings the
 *   keep-alive address; at zero the browser goes to the sign-in page.
 */
(function () {
  "use strict";
  var body = document.body;

  document.addEventListener("htmx:configRequest", function (event) {
    var trigger = event.detail.triggeringEvent;
    if (!trigger || !trigger.isTrusted) {
      event.detail.headers["X-Diemcau-Passive"] = "1";
    } else {
      touched();
    }
  });

  var idle = parseInt(body.dataset.idleSeconds || "0", 10);
  if (!idle) {
    return;
  }
  var warnBefore = Math.min(parseInt(body.dataset.warningSeconds || "60", 10), idle - 5);
  var box = document.getElementById("session-warning");
  var countdown = box && box.querySelector("[data-session-countdown]");
  var lastActivity = Date.now();
  var lastPing = Date.now();
  var csrf = (document.querySelector("input[name=csrfmiddlewaretoken]") || {}).value;
  if (!csrf) {
    try { csrf = JSON.parse(body.getAttribute("hx-headers"))["X-CSRFToken"]; } catch (e) { csrf = ""; }
  }

  function touched() {
    lastActivity = Date.now();
    lastPing = Date.now();
    hide();
  }

  function ping() {
    lastPing = Date.now();
    lastActivity = Date.now();
    hide();
    return fetch(body.dataset.keepaliveUrl, {
      method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": csrf },
    }).then(function (response) {
      if (response.redirected || response.status >= 400) { expire(); }
    });
  }

  function hide() {
    if (box) { box.classList.add("d-none"); }
  }

  function expire() {
    var next = window.location.pathname + window.location.search;
    window.location.assign(body.dataset.loginUrl + "?next=" + encodeURIComponent(next));
  }

  // A click or a key is activity; tell the server at most once a minute.
  ["click", "keydown"].forEach(function (name) {
    document.addEventListener(name, function (event) {
      if (event.target && event.target.closest && event.target.closest("[data-session-stay]")) { return; }
      lastActivity = Date.now();
      if (Date.now() - lastPing > 60000) { ping(); }
    }, { passive: true });
  });

  if (box) {
    box.querySelector("[data-session-stay]").addEventListener("click", function () { ping(); });
  }

  window.setInterval(function () {
    var left = Math.round(idle - (Date.now() - lastPing) / 1000);
    if (left <= 0) {
      expire();
    } else if (left <= warnBefore && box) {
      countdown.textContent = String(left);
      box.classList.remove("d-none");
    }
  }, 1000);
}());
