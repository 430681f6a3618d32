/* The supervision figures' charts (ECharts, shipped in static/vendor/echarts).
 *
 * The page carries its charts' data in <script type="application/json" id="stats-charts">
 * (Django's json_script: no inline script), a list of
 *   {type: "bar" | "line" | "pie", title, categories: [...], series: [{name, data}], unit, stack,
 *    line: [series names drawn as a line on a second axis], unit2}
 * and one <div class="stats-chart" data-chart="i"> per chart; each table under its chart
 * holds the same figures for readers without the picture.
 */
(function () {
  "use strict";

  var grouped = new Intl.NumberFormat("zh-CN", { maximumFractionDigits: 2 });
  var money = new Intl.NumberFormat("zh-CN", { minimumFractionDigits: 2, maximumFractionDigits: 2 });

  /** A value with its unit, as the tables show it: 80,000.00 元 · 12.5 工作日 · 45.00%. */
  function withUnit(value, unit) {
    if (value === null || value === undefined || value === "") return "—";
    if (unit === "元") return money.format(value) + " 元";
    if (unit === "%") return money.format(value) + "%";
    return grouped.format(value) + (unit ? " " + unit : "");
  }

  function axisLabel(unit) {
    return {
      formatter: function (v) {
        if (unit === "元") return grouped.format(v);
        return grouped.format(v);
      }
    };
  }

  function pieOption(spec) {
    var s = spec.series[0];
    return {
      tooltip: { trigger: "item", formatter: function (p) { return p.name + "：" + withUnit(p.value, spec.unit) + "（" + p.percent + "%）"; } },
      legend: { bottom: 0, type: "scroll" },
      series: [{
        name: s.name, type: "pie", radius: ["35%", "65%"], center: ["50%", "45%"],
        data: spec.categories.map(function (c, i) { return { name: c, value: s.data[i] }; }),
        label: { formatter: "{b}\n{d}%" }
      }]
    };
  }

  function cartesianOption(spec) {
    var lines = spec.line || [];
    var hasSecond = lines.length > 0;
    var yAxis = [{ type: "value", name: spec.unit, axisLabel: axisLabel(spec.unit) }];
    if (hasSecond) yAxis.push({ type: "value", name: spec.unit2, axisLabel: axisLabel(spec.unit2), splitLine: { show: false } });
    return {
      tooltip: {
        trigger: "axis",
        formatter: function (items) {
          var out = [items.length ? items[0].axisValueLabel : ""];
          items.forEach(function (p) {
            var unit = lines.indexOf(p.seriesName) >= 0 ? spec.unit2 : spec.unit;
            out.push(p.marker + p.seriesName + "：" + withUnit(p.value, unit));
          });
          return out.join("<br>");
        }
      },
      legend: { top: 0 },
      grid: { left: 56, right: hasSecond ? 72 : 24, top: 48, bottom: 56 },
      xAxis: { type: "category", data: spec.categories, axisLabel: { interval: 0, rotate: spec.categories.length > 8 ? 40 : 0 } },
      yAxis: yAxis,
      series: spec.series.map(function (s) {
        var onLine = lines.indexOf(s.name) >= 0;
        return {
          name: s.name, type: onLine ? "line" : spec.type, data: s.data, yAxisIndex: onLine ? 1 : 0,
          stack: spec.stack && !onLine ? "total" : undefined, barMaxWidth: 36
        };
      })
    };
  }

  function draw() {
    var source = document.getElementById("stats-charts");
    if (!source || !window.echarts) return;
    var specs = JSON.parse(source.textContent);
    var charts = [];
    document.querySelectorAll(".stats-chart[data-chart]").forEach(function (node) {
      var spec = specs[Number(node.getAttribute("data-chart"))];
      if (!spec) return;
      var chart = window.echarts.init(node, null, { renderer: "canvas", locale: "ZH" });
      chart.setOption(spec.type === "pie" ? pieOption(spec) : cartesianOption(spec));
      charts.push(chart);
    });
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
