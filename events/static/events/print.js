// The print button of the A4 notice (no inline handlers: the site's CSP allows only its own scripts).
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-print]")) { window.print(); }
});
