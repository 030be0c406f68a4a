"""The one script of the HTML reports: long tables paged and filtered, charts fitted to a phone.

Plain constants (no imports), shared by ``html_parts`` (the page template) and ``html_paged``
(which writes the tables this script drives; see there for how they work). On a narrow screen
(under 600 px) each chart's legend moves below its plot, where a legend that wraps onto several
lines cannot cover the title.
"""

from __future__ import annotations

__all__ = ["DEBOUNCE_MS", "LONG_ROWS", "PAGE_JS", "PAGE_ROWS"]

PAGE_ROWS = 250
"""Rows shown at a time in a long table."""

DEBOUNCE_MS = 150
"""The text filter of a long table waits this long after the last keystroke."""

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
    var bytes = Uint8Array.from(atob(packed), function (c) { return c.charCodeAt(0); });
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Response(stream).text().then(function (text) {
      var columns = JSON.parse(text), count = columns.length ? columns[0].length : 0, rows = new Array(count);
      for (var i = 0; i < count; i++) {
        var row = new Array(columns.length);
        for (var c = 0; c < columns.length; c++) { row[c] = columns[c][i]; }
        rows[i] = row;
      }
      return rows;
    });
  }
  function setUp(table, rows) {
    var id = table.id, body = table.tBodies[0];
    var bar = document.querySelector('.filters[data-for="' + id + '"]');
    var pager = document.querySelector('.pager[data-for="' + id + '"]');
    var text = bar.querySelector("[data-filter]"), kind = bar.querySelector("select");
    var count = bar.querySelector("[data-count]"), info = pager.querySelector("[data-page-info]");
    var columns = +table.dataset.columns, numericFrom = +table.dataset.numericFrom, noun = table.dataset.noun;
    var attribute = table.dataset.attribute, attributeColumn = +table.dataset.attributeColumn;
    var kindColumn = kind ? +kind.dataset.column : -1;
    var haystacks = null, matches = rows.map(function (_, i) { return i; }), first = 0, timer = 0;
    function show() {
      var fragment = document.createDocumentFragment(), end = Math.min(first + PAGE, matches.length);
      for (var i = first; i < end; i++) {
        var row = rows[matches[i]], tr = document.createElement("tr");
        if (attribute) { tr.setAttribute(attribute, row[attributeColumn]); }
        for (var c = 0; c < columns; c++) {
          var td = document.createElement("td");
          if (c >= numericFrom) { td.className = "num"; }
          td.textContent = row[c];
          tr.appendChild(td);
        }
        fragment.appendChild(tr);
      }
      body.replaceChildren(fragment);
      var n = matches.length;
      count.textContent = n.toLocaleString("en-US") + " of " + rows.length.toLocaleString("en-US") + " " + noun +
        " shown";
      info.textContent = n ? "rows " + (first + 1).toLocaleString("en-US") + "–" + end.toLocaleString("en-US") +
        " of " + n.toLocaleString("en-US") : "no rows";
      pager.hidden = n <= PAGE;
    }
    function apply() {
      var needle = text.value.trim().toLowerCase(), wanted = kind ? kind.value : "";
      if (needle && !haystacks) {
        haystacks = rows.map(function (row) { return row.slice(0, columns).join("\\u0001").toLowerCase(); });
      }
      matches = [];
      for (var i = 0; i < rows.length; i++) {
        if ((!wanted || rows[i][kindColumn] === wanted) && (!needle || haystacks[i].indexOf(needle) !== -1)) {
          matches.push(i);
        }
      }
      first = 0;
      show();
    }
    text.addEventListener("input", function () {
      clearTimeout(timer);
      if (rows.length > LONG) { timer = setTimeout(apply, DEBOUNCE); } else { apply(); }
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
    return decode(data[table.id]).then(function (rows) { setUp(table, rows); });
  });
  Promise.all(ready).then(function () {
    window.tradegameReady = true;
    document.documentElement.setAttribute("data-ready", "1");
  });
})();
""".replace("@PAGE@", str(PAGE_ROWS))
    .replace("@DEBOUNCE@", str(DEBOUNCE_MS))
    .replace("@LONG@", str(LONG_ROWS))
)


# Moves every chart's legend below its plot on a narrow screen.
_NARROW_JS = """
(function () {
  "use strict";
  if (!window.Plotly || !window.matchMedia || !window.matchMedia("(max-width: 600px)").matches) { return; }
  var plots = document.querySelectorAll(".chart .plotly-graph-div");
  for (var i = 0; i < plots.length; i++) {
    if (plots[i].layout && plots[i].layout.showlegend !== false) {
      window.Plotly.relayout(plots[i], {"legend.orientation": "h", "legend.x": 0, "legend.xanchor": "left",
        "legend.y": -0.18, "legend.yanchor": "top", "margin.l": 48, "margin.r": 8});
    }
  }
})();
"""

PAGE_JS = _NARROW_JS + _PAGED_JS
"""The script at the end of every report page."""
