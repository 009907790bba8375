/* The 三率 page's trend chart. The data comes from the JSON block the page renders
   (#kpi-trend-data): the CSP allows scripts from the site only, none inline. ECharts is the copy
   vendored under appeals/vendor/. Without it (or without JavaScript) the table below the chart
   still holds every figure. */
(function () {
  "use strict";

  function draw() {
    var holder = document.getElementById("kpi-trend-chart");
    var source = document.getElementById("kpi-trend-data");
    if (!holder || !source || typeof window.echarts === "undefined") {
      return;
    }
    var data = JSON.parse(source.textContent);
    var labels = data.labels;
    var narrow = holder.clientWidth < 520;
    var chart = window.echarts.init(holder, null, { renderer: "svg" });
    var bar = function (key, color) {
      return { name: labels[key], type: "bar", data: data.series[key], itemStyle: { color: color },
               barMaxWidth: 18, yAxisIndex: 0 };
    };
    var line = function (key, color) {
      return { name: labels[key], type: "line", data: data.series[key], yAxisIndex: 1, connectNulls: false,
               symbolSize: 6, itemStyle: { color: color }, lineStyle: { color: color, width: 2 } };
    };
    chart.setOption({
      animation: false,
      textStyle: { fontFamily: "inherit" },
      tooltip: { trigger: "axis", confine: true },
      legend: { top: 0, left: 0, itemWidth: 14, itemHeight: 10, textStyle: { fontSize: narrow ? 11 : 12 } },
      grid: { left: 8, right: 8, bottom: 8, top: narrow ? 84 : 60, containLabel: true },
      xAxis: { type: "category", data: data.months,
               axisLabel: { fontSize: 11, formatter: function (value) { return narrow ? value.slice(2) : value; } } },
      yAxis: [
        { type: "value", name: labels.count, minInterval: 1, nameTextStyle: { align: "left" } },
        { type: "value", name: labels.percent, min: 0, max: 100, splitLine: { show: false } }
      ],
      series: [
        bar("received", "#9bb7d4"), bar("closed", "#1f5f99"), bar("closed_late", "#d9822b"),
        line("satisfaction", "#2e8b57"), line("on_time", "#7a4fa0")
      ]
    });
    var resize = function () { chart.resize(); };
    if (typeof window.ResizeObserver !== "undefined") {
      new window.ResizeObserver(resize).observe(holder);
    } else {
      window.addEventListener("resize", resize);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
