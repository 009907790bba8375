// Minsheng 包联: the visit form on a phone with a poor connection. Everything typed is kept in
// localStorage (per person) as it is typed, the form's token included, so that a page reloaded after
// a failed upload comes back as it was and the server sees the same token (and records one visit).
// The form is sent with fetch: if the network fails, it stays on the page with its photos and a
// message; once the server answers that the visit is recorded (it redirects to the visit), the kept
// copy is forgotten. Without JavaScript the form posts as usual. No library.
(function () {
  "use strict";
  var form = document.getElementById("visit-form");
  if (!form || !window.fetch) { return; }
  // Once per form, even if a page includes this file twice: two listeners would each send the visit.
  if (form.getAttribute("data-sending-bound")) { return; }
  form.setAttribute("data-sending-bound", "1");
  var key = form.getAttribute("data-keep-key");
  var store;
  try { store = window.localStorage; store.getItem(key); } catch (e) { store = null; }

  function fields() {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && el.name !== "csrfmiddlewaretoken" && el.type !== "file" && el.type !== "submit";
    });
  }
  function save() {
    if (!store) { return; }
    var data = {};
    fields().forEach(function (el) {
      if (el.type === "radio") { if (el.checked) { data[el.name] = el.value; } }
      else if (el.type === "checkbox") { data[el.name] = el.checked; }
      else { data[el.name] = el.value; }
    });
    try { store.setItem(key, JSON.stringify(data)); } catch (e) { /* storage full: nothing to do */ }
  }
  function restore() {
    if (!store) { return false; }
    var raw = store.getItem(key);
    if (!raw) { return false; }
    var data;
    try { data = JSON.parse(raw); } catch (e) { return false; }
    fields().forEach(function (el) {
      if (!(el.name in data)) { return; }
      if (el.type === "radio") { el.checked = (data[el.name] === el.value); }
      else if (el.type === "checkbox") { el.checked = !!data[el.name]; }
      else { el.value = data[el.name]; }
    });
    return true;
  }
  function forget() { if (store) { store.removeItem(key); } }

  // A page the server sent back with errors holds what was posted: keep that, not an older copy.
  var refused = form.querySelector(".has-error, .errorlist") || document.querySelector(".message.error[role=alert]:not([hidden])");
  if (!refused && restore()) {
    document.getElementById("visit-saved-note").hidden = false;
  }
  save();
  form.addEventListener("input", save);
  form.addEventListener("change", save);

  var sending = false;
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (sending) { return; }
    sending = true;
    save();
    var offline = document.getElementById("visit-offline");
    var button = form.querySelector("button[type=submit]");
    if (button) { button.disabled = true; }
    fetch(form.action || window.location.href, {method: "POST", body: new FormData(form), credentials: "same-origin"})
      .then(function (response) {
        return response.text().then(function (html) {
          // Recorded (it redirects to the visit): forget the kept copy. Either way show the page the
          // server answered with: the visit with its "recorded" message, or the form refused (a photo
          // that is no image, a time in the future …) with what was posted and the reason.
          if (response.redirected) { forget(); window.history.replaceState(null, "", response.url); }
          document.open(); document.write(html); document.close();
        });
      })
      .catch(function () {
        offline.hidden = false;
        offline.scrollIntoView({block: "center"});
      })
      .then(function () { sending = false; if (button) { button.disabled = false; } });
  });
})();
