/* A target's progress by month against its expected path (ECharts, vendored under appeals/vendor/);
   the table below holds the same figures. */
(function () {
  "use strict";
  function start() {
    var holder = document.getElementById("tg-target-chart");
    var source = document.getElementById("tg-target-data");
    if (!holder || !source || typeof window.echarts === "undefined") { return; }
    var data = JSON.parse(source.textContent);
    var chart = window.echarts.init(holder, null, { renderer: "svg" });
    chart.setOption({
      animation: false, textStyle: { fontFamily: "inherit" }, tooltip: { trigger: "axis", confine: true },
      legend: { top: 0, left: 0 }, grid: { left: 8, right: 12, top: 36, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: data.days, axisLabel: { fontSize: 11 } },
      yAxis: { type: "value", scale: true },
      series: [
        { name: data.labels.value, type: "line", data: data.values, symbolSize: 7, itemStyle: { color: "#1f5f99" } },
        { name: data.labels.expected, type: "line", data: data.expected, lineStyle: { type: "dashed" },
          itemStyle: { color: "#999" }, symbol: "none" }
      ]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
