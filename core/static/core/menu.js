// The site menu (core/base.html): a <details> that works without this script. On a phone this adds what
// people expect of a menu button: Escape or a tap outside closes it. A browser that cannot style the
// disclosure's content (::details-content) gets it opened here from 720 px on, as the CSS does elsewhere.
(function () {
  "use strict";
  var menu = document.querySelector(".sitenav-menu");
  if (!menu) return;
  var wide = window.matchMedia("(min-width: 720px)");
  var styled = window.CSS && CSS.supports && CSS.supports("selector(::details-content)");
  function fit() {
    if (!styled) menu.open = wide.matches;
  }
  fit();
  if (wide.addEventListener) wide.addEventListener("change", function () {
    if (styled) menu.open = false; else fit();
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && menu.open && !wide.matches) {
      menu.open = false;
      menu.querySelector("summary").focus();
    }
  });
  document.addEventListener("click", function (event) {
    if (menu.open && !wide.matches && !menu.contains(event.target)) menu.open = false;
  });
})();
