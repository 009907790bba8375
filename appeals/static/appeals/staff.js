// Staff pages of appeals: tick all rows for bulk dispatch, and fill a reply from a template.
// A file rather than inline script because the Content-Security-Policy forbids inline code.
(function () {
  "use strict";

  var tickAll = document.getElementById("tick-all");
  if (tickAll) {
    tickAll.addEventListener("change", function () {
      var boxes = document.querySelectorAll('#bulk-form input[name="codes"]');
      for (var i = 0; i < boxes.length; i++) { boxes[i].checked = tickAll.checked; }
    });
  }

  var data = document.getElementById("reply-templates");
  var select = document.getElementById("id_reply-template");
  var text = document.getElementById("id_reply-text");
  if (data && select && text) {
    var bodies = JSON.parse(data.textContent || "{}");
    select.addEventListener("change", function () {
      var body = bodies[select.value];
      if (body === undefined) { return; }
      if (text.value.trim() && !window.confirm(select.getAttribute("data-confirm") || "Replace the text?")) { return; }
      text.value = body;
      text.focus();
    });
  }
})();
