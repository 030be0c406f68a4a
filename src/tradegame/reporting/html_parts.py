"""The building blocks of the HTML reports: escaping and number formats, tables and sections, the
plotly chart blocks, the page template with its style and script, and the atomic write.

Shared by ``html_report`` (a played Game) and ``stored_report`` (a Game read back from the
database). Imports plotly lazily (in ``_Charts``); writes only in ``_write_page``.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import html
import math
import os
import tempfile
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np

from tradegame.reporting.html_points import time_texts
from tradegame.reporting.html_script import CHART_JS, PAGE_JS
from tradegame.reporting.text_columns import pack_column

CHART_HEIGHT = 380
_PACKED_FROM = 50  # a trace's texts, when it has at least this many, travel packed


def _write_page(page: str, path: Path) -> Path:
    """Write ``page`` to a temporary file beside ``path``, then move it into place."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
            out.write(page)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)  # a report is a normal file, not mkstemp's private one
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _money(amount: Decimal | float, places: int) -> str:
    if isinstance(amount, float) and not math.isfinite(amount):
        return "n/a"
    return format(amount, _money_spec(places))


def _money_spec(places: int) -> str:
    """The format spec ``_money`` writes an amount with (for a column formatted in one pass)."""
    return f",.{places}f"


def _quantity(amount: Decimal) -> str:
    return format(amount.normalize(), ",f")


def _percent(fraction: float | None) -> str:
    if fraction is None:
        return "—"
    if not math.isfinite(fraction):
        return "n/a"
    return f"{fraction * 100:,.2f}%"


def _ratio(number: float | None) -> str:
    if number is None:
        return "—"
    if not math.isfinite(number):
        return "n/a"
    return f"{number:,.2f}"


def _day(stamp: np.datetime64) -> str:
    return str(np.datetime_as_string(stamp, unit="m")).replace("T", " ")


def _table(headers: Sequence[str], rows: Iterable[str], *, table_id: str = "", css: str = "") -> str:
    attributes = (f' id="{table_id}"' if table_id else "") + (f' class="{css}"' if css else "")
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    return f"<table{attributes}><thead><tr>{head}</tr></thead><tbody>\n" + "\n".join(rows) + "\n</tbody></table>"


def _row(cells: Sequence[str], *, numeric_from: int = 1, attributes: str = "") -> str:
    """A table row of already-escaped cells; cells from ``numeric_from`` on are right-aligned."""
    tds = "".join(
        f'<td class="num">{cell}</td>' if i >= numeric_from else f"<td>{cell}</td>" for i, cell in enumerate(cells)
    )
    return f"<tr{attributes}>{tds}</tr>"


def _section(section_id: str, heading: str, *parts: str) -> str:
    return f'<section id="{section_id}">\n<h2>{_e(heading)}</h2>\n' + "\n".join(parts) + "\n</section>"


class _Charts:
    """Turns plotly figures into ``<div data-chart>`` blocks; plotly.js goes with the first, inline
    (the page opens offline) or, with ``cdn=True``, as a ``<script src>`` from plotly's CDN (a page
    4.6 MB smaller that needs the network to draw its charts).

    A figure travels as gzip-compressed JSON (``_packed_text``), its long arrays of texts packed
    by ``text_columns``: a long Game's charts carry thousands of trade markers with their hover
    texts. Its ``<script>`` hands it to
    ``tradegameChart`` (``html_script.CHART_JS``, in the page's head), which unpacks it and calls
    ``Plotly.newPlot``, with the legend below the plot on a phone.
    """

    def __init__(self, *, cdn: bool = False) -> None:
        import plotly.graph_objects as go  # an outer-ring dependency, imported when a report is made

        self.go: Any = go
        self._plotlyjs_included = False
        self._cdn = cdn
        self._template: Any = None

    def figure(self, **layout: Any) -> Any:
        # The template ("plotly_white") is added as JSON when the figure is written (``div``): set
        # here, plotly would deep-copy it into every figure, a fifth of a second each.
        defaults: dict[str, Any] = {
            "height": CHART_HEIGHT,
            "margin": {"l": 60, "r": 20, "t": 50, "b": 40},
            "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 1, "xanchor": "right"},
        }
        figure = self.go.Figure()
        figure.update_layout(**(defaults | layout))
        return figure

    def div(self, name: str, figure: Any, *, chart_id: str | None = None, attributes: str = "") -> str:
        import plotly.io as pio

        chart_id = chart_id or f"chart-{name}"
        plot_id = f"plot-{chart_id.removeprefix('chart-')}"
        plotlyjs = "" if self._plotlyjs_included else self._plotlyjs() + "\n"
        self._plotlyjs_included = True
        if self._template is None:
            self._template = pio.templates["plotly_white"].to_plotly_json()
        spec = _plotly_json(figure)
        spec["layout"].setdefault("template", self._template)
        for trace in spec["data"]:
            _pack_texts(trace)
        packed = _packed_text(pio.to_json(spec, validate=False, engine="json"))
        height = int(figure.layout.height or CHART_HEIGHT)
        plot = (
            f'{plotlyjs}<div id="{plot_id}" class="plotly-graph-div" style="height:{height}px; width:100%;">'
            f'</div>\n<script>tradegameChart("{plot_id}", "{packed}", function (figure) {{ return Plotly.newPlot('
            f'"{plot_id}", figure.data, figure.layout, {{"displaylogo": false, "responsive": true}}); }});</script>'
        )
        label = _e(_chart_label(figure))
        return (
            f'<div class="chart" id="{_e(chart_id)}" data-chart="{_e(name)}"{attributes} role="img" '
            f'aria-label="{label}">\n{plot}\n</div>'
        )

    def _plotlyjs(self) -> str:
        from plotly.offline import get_plotlyjs, get_plotlyjs_version

        if not self._cdn:
            return f"<script>{get_plotlyjs()}</script>"
        digest = base64.b64encode(hashlib.sha256(get_plotlyjs().encode("utf-8")).digest()).decode("ascii")
        return (
            f'<script charset="utf-8" src="https://cdn.plot.ly/plotly-{get_plotlyjs_version()}.min.js" '
            f'integrity="sha256-{digest}" crossorigin="anonymous"></script>'
        )


def _plotly_json(figure: Any) -> dict[str, Any]:
    """``figure.to_plotly_json()`` without its deep copy of every array and text (a third of a
    second on a long Game): the dicts copied, the arrays shared, then turned into typed arrays."""
    from _plotly_utils.utils import convert_to_base64  # type: ignore[import-untyped]

    spec: dict[str, Any] = _dicts_copied({"data": figure._data, "layout": figure._layout})
    convert_to_base64(spec)  # replaces dict entries only, as to_plotly_json does
    return spec


def _dicts_copied(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _dicts_copied(item) for key, item in value.items()}
    if isinstance(value, list | tuple) and any(isinstance(item, dict | list | tuple) for item in value):
        return [_dicts_copied(item) for item in value]
    return value


def _pack_texts(trace: dict[str, Any]) -> None:
    """A trace's times as text (``time_texts``), and its long arrays of texts (hover texts, times)
    as ``{"packedTexts": ...}`` (``text_columns``), which ``tradegameChart`` unpacks before drawing."""
    for key, value in trace.items():
        if isinstance(value, np.ndarray) and value.dtype.kind == "M":
            value = trace[key] = time_texts(value)
        if isinstance(value, np.ndarray) and value.dtype.kind in "UO" and len(value) >= _PACKED_FROM:
            value = value.tolist()
        if isinstance(value, list | tuple) and len(value) >= _PACKED_FROM and all(type(v) is str for v in value):
            trace[key] = {"packedTexts": pack_column(value)}


def _chart_label(figure: Any) -> str:
    """What a chart shows, for a screen reader (its data is packed): the title and the series."""
    title = figure.layout.title.text or ""
    names = [trace.name for trace in figure.data if trace.name]
    return f"{title}: {', '.join(names)}" if names else title


def _packed_text(text: str, level: int = 5) -> str:
    """``text`` gzip-compressed at ``level`` (no time in the header: the same bytes every time), in
    base64: safe inside a ``<script>`` string. Level 5 packs a long Game's 10 MB of JSON 2% larger
    than level 6 in half the time (a third of a second). ``tradegameUnpack`` (``html_script``) reverses it."""
    return base64.b64encode(gzip.compress(text.encode("utf-8"), compresslevel=level, mtime=0)).decode("ascii")


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="tradegame">
<title>{title}</title>
<style>{style}</style>
<script>@CHART_JS@</script>
</head>
<body>
<header><h1>{heading}</h1>
{nav}
</header>
<main>
{body}
</main>
<script>{script}</script>
</body>
</html>
""".replace("@CHART_JS@", CHART_JS.replace("{", "{{").replace("}", "}}"))

_STYLE = """
body { font-family: "DejaVu Sans", system-ui, sans-serif; margin: 0; color: #222; background: #fafafa; }
header { background: #24344d; color: #fff; padding: 12px 24px; }
header h1 { margin: 0 0 6px 0; font-size: 1.5em; }
header nav a { color: #cfe0ff; text-decoration: none; font-size: 0.9em; }
main { padding: 8px 24px 48px 24px; max-width: 1280px; }
section { background: #fff; border: 1px solid #e2e2e2; border-radius: 6px; padding: 8px 16px 16px 16px;
          margin: 16px 0; }
h2 { font-size: 1.2em; border-bottom: 1px solid #eee; padding-bottom: 4px; }
h3 { font-size: 1.0em; }
table { border-collapse: collapse; font-size: 0.85em; }
th, td { border-bottom: 1px solid #eee; padding: 3px 8px; text-align: left; vertical-align: top; }
thead th { background: #f0f3f8; }
.scroll thead th { position: sticky; top: 0; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.facts th { background: none; width: 11em; }
pre.definition { background: #fff; border: 1px solid #ddd; padding: 8px 12px; font-size: 0.85em;
  white-space: pre-wrap; overflow-wrap: anywhere; }
tr.total td { border-top: 2px solid #999; font-weight: bold; background: #fff; position: sticky; bottom: 0; }
.scroll { max-height: 480px; overflow: auto; border: 1px solid #eee; contain: content; }
.scroll table { width: 100%; }
.note { color: #666; font-style: italic; }
tr.outcome td { font-weight: bold; }
table.log td { white-space: nowrap; }
table.log td:nth-child(8) { white-space: normal; }
.outcome-catastrophic_exit { color: #b2182b; }
.outcome-perfect_exit { color: #1a9850; }
.filters { margin: 8px 0; display: flex; flex-wrap: wrap; gap: 6px 12px; align-items: center; }
.filters input { max-width: 100%; }
.pager { margin: 6px 0; font-size: 0.85em; }
.pager button { margin: 0 6px; }
.print-only { display: none; }
.chart { margin: 8px 0; }
header h1, p, table.facts td { overflow-wrap: anywhere; }
section > table { display: block; max-width: 100%; overflow-x: auto; }
@media (max-width: 600px) {
  header { padding: 8px 12px; }
  header h1 { font-size: 1.2em; }
  main { padding: 4px 8px 32px 8px; }
  section { padding: 4px 8px 8px 8px; margin: 8px 0; }
  table.facts th { width: auto; }
  .scroll { max-height: 420px; }
}
@media print {
  body { background: #fff; color: #000; }
  header { background: none; color: #000; padding: 0; }
  header nav, .filters, .pager button, .modebar-container { display: none; }
  .print-only { display: inline; }
  main { padding: 0; max-width: none; }
  section { border: none; padding: 0; margin: 12px 0; break-inside: auto; }
  h2, h3 { break-after: avoid; }
  .chart, tr { break-inside: avoid; }
  .scroll { max-height: none; overflow: visible; border: none; }
  .scroll thead th, tr.total td { position: static; }
  a { color: inherit; text-decoration: none; }
}
"""

# The page's script: long tables paged and filtered, charts fitted to a phone (``html_script``).
_LOG_FILTER_JS = PAGE_JS
