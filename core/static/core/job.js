// Minsheng: a background job's page follows its progress (core/views.py job_status) and reloads
// itself once the job is over, to show the result. No library; nothing else on the page depends on it.
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box || box.getAttribute("data-over") === "1") { return; }
  var url = box.getAttribute("data-status-url");
  var bar = document.getElementById("job-bar");
  var delay = 1000;
  function show(s) {
    bar.value = s.percent;
    bar.textContent = s.percent + "%";
    document.getElementById("job-percent").textContent = s.percent;
    document.getElementById("job-count").textContent = s.done + "/" + s.total;
    document.getElementById("job-state").textContent = s.state_label;
    document.getElementById("job-stage").textContent = s.stage ? "· " + s.stage : "";
  }
  function poll() {
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (s) {
        show(s);
        if (s.over) { window.location.reload(); return; }
        delay = 1000;
        window.setTimeout(poll, delay);
      })
      .catch(function () { delay = Math.min(delay * 2, 15000); window.setTimeout(poll, delay); });
  }
  window.setTimeout(poll, delay);
})();
