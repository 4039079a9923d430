/* Muster console: counts over time drawn with uPlot (vendor/uplot.iife.min.js). No inline code.
 *
 * An element marked data-chart carries its series in data-series:
 * {"x": [unix seconds ...], "series": [{"label": "resident", "values": [...]}, ...]}.
 * The legend beside it (.chart-legend .swatch, one per series, in order) gives each line its
 * colour, so the page's stylesheet (and night mode) decides the colours; lines differ by
 * dash as well as colour. A chart is drawn again when its live part is redrawn
 * ("muster:swapped"), when the window changes size, and when night mode is switched.
 * Times read in UTC, as everywhere on the station.
 */
(function () {
  "use strict";

  if (typeof window.uPlot === "undefined") { return; }
  var HEIGHT = 220;
  var DASHES = [[], [8, 4], [2, 4], [12, 4, 2, 4], [1, 6]];
  var plots = new Map();

  function cssVar(name, fallback) {
    var value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    return value || fallback;
  }

  function widthOf(el) { return Math.max(Math.floor(el.clientWidth), 160); }

  function axis() {
    var ink = cssVar("--ink", "#14181f");
    var line = cssVar("--line", "#c9ced6");
    return {
      stroke: ink,
      grid: { stroke: line, width: 1 },
      ticks: { stroke: line, width: 1 },
      font: "12px system-ui, sans-serif"
    };
  }

  function draw(el) {
    var data;
    try { data = JSON.parse(el.getAttribute("data-series") || ""); } catch (e) { return; }
    if (!data || !data.x || data.x.length < 2) { return; }
    var old = plots.get(el);
    if (old) { old.destroy(); plots.delete(el); }
    el.innerHTML = "";
    var swatches = el.parentNode.querySelectorAll(".chart-legend .swatch");
    var series = [{}];
    data.series.forEach(function (s, i) {
      series.push({
        label: s.label,
        stroke: swatches[i] ? getComputedStyle(swatches[i]).color : cssVar("--ink", "#14181f"),
        width: 2,
        dash: DASHES[i % DASHES.length],
        paths: window.uPlot.paths.stepped({ align: 1 }),
        points: { show: false }
      });
    });
    var options = {
      width: widthOf(el),
      height: HEIGHT,
      legend: { show: false },
      cursor: { show: false },
      series: series,
      scales: { x: { time: true } },
      axes: [axis(), axis()],
      tzDate: function (ts) { return window.uPlot.tzDate(new Date(ts * 1e3), "Etc/UTC"); }
    };
    var values = [data.x].concat(data.series.map(function (s) { return s.values; }));
    plots.set(el, new window.uPlot(options, values, el));
    el.setAttribute("data-drawn", String(data.x.length));
  }

  function drawAll(root) {
    plots.forEach(function (plot, el) {
      if (!document.body.contains(el)) { plot.destroy(); plots.delete(el); }
    });
    root.querySelectorAll("[data-chart]").forEach(draw);
  }

  var resizing = null;
  window.addEventListener("resize", function () {
    if (resizing) { window.clearTimeout(resizing); }
    resizing = window.setTimeout(function () {
      resizing = null;
      plots.forEach(function (plot, el) { plot.setSize({ width: widthOf(el), height: HEIGHT }); });
    }, 100);
  });
  document.addEventListener("muster:swapped", function (event) { drawAll(event.target); });
  new MutationObserver(function () { drawAll(document); })
    .observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme"] });
  drawAll(document);
})();
