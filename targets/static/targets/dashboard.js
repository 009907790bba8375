/* The leader's dashboard: per section, the chosen indicator across the units below (bars) and by
   month (line). Data from the #tg-charts JSON block (the CSP allows no inline script); ECharts is
   the copy vendored under appeals/vendor/. Without it every figure is in the tables below. */
(function () {
  "use strict";

  var charts = [];

  function init(holder) {
    if (!holder) { return null; }
    var chart = window.echarts.init(holder, null, { renderer: "svg" });
    charts.push(chart);
    return chart;
  }

  function draw(section, index, units, trend) {
    var line = section.indicators[index];
    if (!line) { return; }
    var suffix = line.rate ? "%" : "";
    var common = { animation: false, textStyle: { fontFamily: "inherit" }, tooltip: { trigger: "axis", confine: true,
      valueFormatter: function (v) { return v === null || v === undefined ? "—" : v + suffix; } },
      grid: { left: 8, right: 12, top: 36, bottom: 8, containLabel: true } };
    if (units) {
      units.setOption(Object.assign({}, common, {
        title: { text: line.name, left: 0, textStyle: { fontSize: 13 } },
        xAxis: { type: "category", data: line.units, axisLabel: { interval: 0, rotate: line.units.length > 6 ? 40 : 0, fontSize: 11 } },
        yAxis: { type: "value", max: line.rate ? 100 : null },
        series: [{ type: "bar", data: line.values, itemStyle: { color: "#1f5f99" }, barMaxWidth: 28 }]
      }), true);
    }
    if (trend) {
      trend.setOption(Object.assign({}, common, {
        title: { text: line.name, left: 0, textStyle: { fontSize: 13 } },
        xAxis: { type: "category", data: line.months, axisLabel: { fontSize: 11 } },
        yAxis: { type: "value", max: line.rate ? 100 : null },
        series: [{ type: "line", data: line.trend, connectNulls: false, symbolSize: 6,
                   itemStyle: { color: "#2e8b57" }, lineStyle: { width: 2 } }]
      }), true);
    }
  }

  function start() {
    var source = document.getElementById("tg-charts");
    if (!source || typeof window.echarts === "undefined") { return; }
    JSON.parse(source.textContent).forEach(function (section) {
      var units = init(document.getElementById("tg-chart-" + section.key + "-units"));
      var trend = init(document.getElementById("tg-chart-" + section.key + "-trend"));
      var hasTrend = section.indicators.some(function (i) { return i.trend.length; });
      if (!hasTrend && trend) { trend.getDom().hidden = true; trend = null; }
      draw(section, 0, units, trend);
      document.querySelectorAll('.tg-tile[data-section="' + section.key + '"]').forEach(function (tile) {
        tile.addEventListener("click", function () {
          document.querySelectorAll('.tg-tile[data-section="' + section.key + '"]').forEach(function (t) {
            t.classList.toggle("current", t === tile);
          });
          draw(section, parseInt(tile.getAttribute("data-index"), 10), units, trend);
        });
      });
    });
    var resize = function () { charts.forEach(function (c) { c.resize(); }); };
    window.addEventListener("resize", resize);
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
