// 离我最近: ask the browser for the resident's position and reload the directory with it; the server
// orders by distance. Nothing leaves the platform: the coordinates go only into this page's own URL.
(function () {
  var button = document.getElementById("fac-locate");
  if (!button || !navigator.geolocation) { if (button) { button.hidden = true; } return; }
  button.addEventListener("click", function () {
    var note = document.getElementById("fac-locate-note");
    button.disabled = true;
    navigator.geolocation.getCurrentPosition(function (pos) {
      var url = new URL(window.location.href);
      url.searchParams.set("lat", pos.coords.latitude.toFixed(5));
      url.searchParams.set("lng", pos.coords.longitude.toFixed(5));
      url.searchParams.delete("page");
      window.location.assign(url.toString());
    }, function () {
      button.disabled = false;
      if (note) { note.hidden = false; }
    }, { timeout: 10000, maximumAge: 600000 });
  });
})();
