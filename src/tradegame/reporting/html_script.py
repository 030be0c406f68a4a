"""The scripts of the HTML reports: packed charts drawn (in the head), long tables paged and
filtered (at the end of the body).

Plain constants (no imports), shared by ``html_parts`` (the page template and the chart blocks)
and ``html_paged`` (which writes the tables this script drives; see there for how they work). On
a narrow screen (under 600 px) each chart's legend goes below its plot, where a legend that
wraps onto several lines cannot cover the title.
"""

from __future__ import annotations

__all__ = ["CHART_JS", "DEBOUNCE_MS", "LONG_ROWS", "NEAR_PX", "PAGE_JS", "PAGE_ROWS", "QUIET_MS"]

PAGE_ROWS = 200
"""Rows shown at a time in a long table."""

DEBOUNCE_MS = 60
"""The text filter of a long table runs at the first keystroke, then holds the keys that follow within
this many milliseconds of its last run until typing pauses this long (one run per burst of keys)."""

NEAR_PX = 300
"""A chart not drawn yet is drawn at once when it comes this close to the screen."""

QUIET_MS = 500
"""The charts below the first screen are drawn while the page is idle, this long after the last input."""

LONG_ROWS = 5000
"""A table with more rows than this debounces its text filter; a shorter one filters at once."""

# Decodes each long table's rows and pages and filters them; then says the page is ready.
_PAGED_JS = (
    """
(function () {
  "use strict";
  var PAGE = @PAGE@, DEBOUNCE = @DEBOUNCE@, LONG = @LONG@;
  var data = window.tradegameData || {};
  function decode(packed) {
    return window.tradegameUnpack(packed).then(function (text) {
      return JSON.parse(text).map(window.tradegameColumn);
    });
  }
  // ``cells``: the table's columns, each the texts of every row (kept as columns: no array per row).
  function setUp(table, cells) {
    var id = table.id, body = table.tBodies[0];
    var bar = document.querySelector('.filters[data-for="' + id + '"]');
    var pager = document.querySelector('.pager[data-for="' + id + '"]');
    var text = bar.querySelector("[data-filter]"), kind = bar.querySelector("select");
    var count = bar.querySelector("[data-count]"), info = pager.querySelector("[data-page-info]");
    var total = cells.length ? cells[0].length : 0;
    var columns = +table.dataset.columns, numericFrom = +table.dataset.numericFrom, noun = table.dataset.noun;
    var attribute = table.dataset.attribute, attributeColumn = +table.dataset.attributeColumn;
    var kindColumn = kind ? +kind.dataset.column : -1;
    var haystacks = null, matches = new Array(total), first = 0, timer = 0;
    for (var m = 0; m < total; m++) { matches[m] = m; }
    var lastRun = -Infinity;
    function show() {
      var fragment = document.createDocumentFragment(), end = Math.min(first + PAGE, matches.length);
      for (var i = first; i < end; i++) {
        var row = matches[i], tr = document.createElement("tr");
        if (attribute) { tr.setAttribute(attribute, cells[attributeColumn][row]); }
        for (var c = 0; c < columns; c++) {
          var td = document.createElement("td");
          if (c >= numericFrom) { td.className = "num"; }
          td.textContent = cells[c][row];
          tr.appendChild(td);
        }
        fragment.appendChild(tr);
      }
      body.replaceChildren(fragment);
      var n = matches.length;
      count.textContent = n.toLocaleString("en-US") + " of " + total.toLocaleString("en-US") + " " + noun +
        " shown";
      info.textContent = n ? "rows " + (first + 1).toLocaleString("en-US") + "–" + end.toLocaleString("en-US") +
        " of " + n.toLocaleString("en-US") : "no rows";
      pager.hidden = n <= PAGE;
    }
    // Each row's text, lower-cased, for the search: made when the page is idle, or at the first key.
    function prepare() {
      if (!haystacks) {
        haystacks = new Array(total);
        for (var row = 0; row < total; row++) {
          var line = cells[0][row];
          for (var c = 1; c < columns; c++) { line += "\\u0001" + cells[c][row]; }
          haystacks[row] = line.toLowerCase();
        }
      }
    }
    table.prepare = prepare;
    function apply() {
      var started = performance.now();
      var needle = text.value.trim().toLowerCase(), wanted = kind ? kind.value : "";
      if (needle) { prepare(); }
      matches = [];
      for (var i = 0; i < total; i++) {
        if ((!wanted || cells[kindColumn][i] === wanted) && (!needle || haystacks[i].indexOf(needle) !== -1)) {
          matches.push(i);
        }
      }
      first = 0;
      show();
      table.setAttribute("data-filter-ms", (performance.now() - started).toFixed(1));  // for a benchmark
    }
    function run() { lastRun = performance.now(); apply(); }
    text.addEventListener("input", function () {
      clearTimeout(timer);
      var held = total > LONG && performance.now() - lastRun < DEBOUNCE;
      if (held) { timer = setTimeout(run, DEBOUNCE); } else { run(); }
    });
    if (kind) { kind.addEventListener("change", apply); }
    pager.addEventListener("click", function (event) {
      var step = +(event.target.dataset.step || 0);
      if (!step) { return; }
      first = Math.max(0, Math.min(first + step * PAGE, (Math.ceil(matches.length / PAGE) - 1) * PAGE));
      show();
      table.parentNode.scrollTop = 0;
    });
  }
  var tables = Array.prototype.slice.call(document.querySelectorAll("table[data-paged]"));
  var ready = tables.map(function (table) {
    if (!data[table.id] || typeof DecompressionStream === "undefined") { return Promise.resolve(); }
    return decode(data[table.id]).then(function (cells) { setUp(table, cells); });
  });
  Promise.all(ready.concat(window.tradegameChartsReady || [])).then(function () {
    (window.requestIdleCallback || setTimeout)(function () {
      tables.forEach(function (table) { if (table.prepare) { table.prepare(); } });
    });
    window.tradegameReady = true;
    document.documentElement.setAttribute("data-ready", "1");
  });
})();
""".replace("@PAGE@", str(PAGE_ROWS))
    .replace("@DEBOUNCE@", str(DEBOUNCE_MS))
    .replace("@LONG@", str(LONG_ROWS))
)


# Unpacks what ``html_parts._packed_text`` packed, and draws the packed charts (on a phone with the
# legend below the plot): ``tradegameChartsReady`` resolves once the charts on the first screen are
# drawn; the others are drawn one at a time while the page is idle (``QUIET_MS`` after the last
# key, click or scroll), or at once when an IntersectionObserver sees one come within ``NEAR_PX`` of
# the screen, and all before the page prints.
CHART_JS = """
(function () {
  "use strict";
  var pending = [], observer = null, settle, started = false, NEAR = @NEAR@;
  window.tradegameChartsReady = new Promise(function (resolve) { settle = resolve; });
  window.tradegameUnpack = function (packed) {
    var bytes = Uint8Array.from(atob(packed), function (c) { return c.charCodeAt(0); });
    return new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"))).text();
  };
  // text_columns.unpack_column's mirror: a packed column's texts.
  function numbers(hole) {
    if (Array.isArray(hole)) { return hole; }
    var values = hole.values, style = hole.style, out = new Array(values.length), total = 0;
    for (var i = 0; i < values.length; i++) {
      var text = String(hole.steps ? (total += values[i]) : values[i]);
      if (style === ",") { text = text.replace(/\\B(?=(\\d{3})+(?!\\d))/g, ","); }
      else if (style) { text = text.padStart(style, "0"); }
      out[i] = text;
    }
    return out;
  }
  window.tradegameColumn = function (packed) {
    var shapes = packed.shapes.map(function (shape) { return shape.split("\\u0000"); });
    var holes = packed.numbers.map(numbers), at = holes.map(function () { return 0; }), first = [], next = 0;
    shapes.forEach(function (parts) { first.push(next); next += parts.length - 1; });
    var of = packed.of, count = of ? of.length : packed.count, texts = new Array(count);
    for (var r = 0; r < count; r++) {
      var shape = of ? of[r] : 0, parts = shapes[shape], text = parts[0], h = first[shape];
      for (var k = 1; k < parts.length; k++, h++) { text += holes[h][at[h]++] + parts[k]; }
      texts[r] = text;
    }
    return texts;
  };
  var narrow = window.matchMedia && window.matchMedia("(max-width: 600px)").matches;
  function plot(chart, text) {
    if (chart.drawn) { return; }
    chart.drawn = true;
    var figure = JSON.parse(text), layout = figure.layout = figure.layout || {};
    figure.data.forEach(function (trace) {
      Object.keys(trace).forEach(function (key) {
        if (trace[key] && trace[key].packedTexts) { trace[key] = window.tradegameColumn(trace[key].packedTexts); }
      });
    });
    if (narrow && layout.showlegend !== false) {
      layout.legend = Object.assign(layout.legend || {}, {orientation: "h", x: 0, xanchor: "left", y: -0.18,
        yanchor: "top"});
      layout.margin = Object.assign(layout.margin || {}, {l: 48, r: 8});
    }
    return chart.draw(figure);
  }
  function unpacked(chart) {
    if (!chart.text) {
      chart.text = window.tradegameUnpack(chart.packed).then(function (text) { chart.ready = text; return text; });
    }
    return chart.text;
  }
  function draw(chart) {
    if (observer) { observer.unobserve(chart.element); }
    return unpacked(chart).then(function (text) { return plot(chart, text); });
  }
  function near(element) {
    var box = element.getBoundingClientRect();
    return box.bottom > -NEAR && box.top < window.innerHeight + NEAR;
  }
  // The charts not drawn yet, one at a time whenever the page is idle and nobody has typed, clicked
  // or scrolled for ``QUIET`` ms (drawing one takes a few hundred ms: a key would wait for it).
  var lastInput = 0, QUIET = @QUIET@;
  ["keydown", "pointerdown", "wheel", "scroll"].forEach(function (kind) {
    window.addEventListener(kind, function () { lastInput = performance.now(); }, {capture: true, passive: true});
  });
  function drawWhenIdle() {
    var next = pending.filter(function (chart) { return !chart.drawn; })[0];
    var wait = lastInput + QUIET - performance.now();
    if (!next) { return; }
    if (wait > 0) { setTimeout(drawWhenIdle, wait); return; }
    (window.requestIdleCallback || setTimeout)(function () {
      if (performance.now() - lastInput < QUIET) { drawWhenIdle(); return; }
      Promise.resolve(draw(next)).then(drawWhenIdle);
    });
  }
  function start() {
    if (started) { return; }
    started = true;
    var first = [];
    if (typeof IntersectionObserver !== "undefined") {
      observer = new IntersectionObserver(function (entries) {
        entries.forEach(function (entry) { if (entry.isIntersecting) { draw(entry.target.tradegameChart); } });
      }, {rootMargin: NEAR + "px 0px"});
    }
    pending.forEach(function (chart) {
      if (!observer || near(chart.element)) { first.push(draw(chart)); } else { observer.observe(chart.element); }
    });
    Promise.all(first).then(function () {
      settle();
      drawWhenIdle();
    });
  }
  window.tradegameChart = function (id, packed, newPlot) {
    var chart = {element: document.getElementById(id), packed: packed, draw: newPlot};
    chart.element.tradegameChart = chart;
    pending.push(chart);
    if (started) { if (observer) { observer.observe(chart.element); } else { draw(chart); } }
  };
  document.addEventListener("DOMContentLoaded", start);
  window.addEventListener("beforeprint", function () {
    pending.forEach(function (chart) { if (chart.ready) { plot(chart, chart.ready); } else { draw(chart); } });
  });
  window.tradegameDrawCharts = function () { return Promise.all(pending.map(draw)); };
})();
""".replace("@NEAR@", str(NEAR_PX)).replace("@QUIET@", str(QUIET_MS))

PAGE_JS = _PAGED_JS
"""The script at the end of every report page."""
