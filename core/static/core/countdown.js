// A button that may be pressed only after a wait the server states (data-countdown="<seconds>"), such as
// "send a new code": disabled while the wait lasts, its label counting down (data-wait-label, with "{s}"
// for the seconds), then enabled with data-ready-label. Without JavaScript the server's label says how
// long to wait, and a press too soon is answered by the server.
(function () {
  "use strict";
  document.querySelectorAll("[data-countdown]").forEach(function (button) {
    var left = parseInt(button.getAttribute("data-countdown"), 10);
    if (!(left > 0)) { return; }
    var waitLabel = button.getAttribute("data-wait-label") || "{s}";
    var readyLabel = button.getAttribute("data-ready-label") || button.textContent;
    var until = Date.now() + left * 1000;
    function tick() {
      var remaining = Math.ceil((until - Date.now()) / 1000);
      if (remaining <= 0) {
        button.disabled = false;
        button.removeAttribute("aria-disabled");
        button.textContent = readyLabel;
        return;
      }
      button.disabled = true;
      button.setAttribute("aria-disabled", "true");
      button.textContent = waitLabel.replace("{s}", String(remaining));
      window.setTimeout(tick, 1000);
    }
    tick();
  });
})();
