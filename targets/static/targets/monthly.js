/* While a monthly report is being built, ask for its progress every two seconds and move the bar;
   reload the page when it is ready (or failed) so the download links appear. */
(function () {
  "use strict";
  function poll(item) {
    var url = item.getAttribute("data-status-url");
    var bar = item.querySelector("progress");
    var tick = function () {
      fetch(url, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (data) {
        if (bar) { bar.value = data.progress; }
        if (data.state !== "building") { window.location.reload(); } else { window.setTimeout(tick, 2000); }
      }).catch(function () { window.setTimeout(tick, 5000); });
    };
    window.setTimeout(tick, 1000);
  }
  function start() { document.querySelectorAll("[data-status-url]").forEach(poll); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
