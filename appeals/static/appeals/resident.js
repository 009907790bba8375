// A live character counter for text areas that declare data-counter="<id of the counter element>".
// Counts as the server does (a line break is one character). Without JavaScript the help text says the limit.
(function () {
  "use strict";
  document.querySelectorAll("textarea[data-counter]").forEach(function (area) {
    var counter = document.getElementById(area.getAttribute("data-counter"));
    var limit = parseInt(area.getAttribute("maxlength"), 10);
    if (!counter || !limit) { return; }
    function update() {
      var n = area.value.length;
      counter.textContent = n + " / " + limit;
      counter.classList.toggle("over", n > limit);
    }
    counter.hidden = false;
    area.addEventListener("input", update);
    update();
  });
})();
