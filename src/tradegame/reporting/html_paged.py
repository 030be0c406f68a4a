"""Long tables that stay light: the rows travel as compressed data and the page shows a page of them.

A 32-year Game has tens of thousands of events and Form 8949 lines; as table rows they made a
35 MB page that took a minute to open and seconds per keystroke to filter. Here a table's rows
travel as its columns of cell texts (each packed by ``text_columns.pack_column``) in JSON,
gzip-compressed and base64-encoded into a plain ``<script>`` (``window.tradegameData[table id]``),
and the table holds only ``PAGE_ROWS`` rows at a time. The first page is also written as
ordinary rows, so the page reads (and prints) without JavaScript.

In the browser (``html_script.PAGE_JS``) each table decodes its rows once (``DecompressionStream``), then a
filter runs over all of them: the text box (over every cell, case-insensitive; on a long table at
the first key, then once per burst of keys ``DEBOUNCE_MS`` apart) and, for the decision log, the
kind selector. The matching rows are shown a page at a time with Previous and Next. The page
sets ``window.tradegameReady`` (and ``data-ready`` on ``<html>``) once every table is ready.

Cells are text: the browser puts them in with ``textContent``, the first page is escaped here,
and the JSON escapes ``<``, ``>`` and ``&``, so no cell can become markup. The output depends only
on the rows (the gzip header carries no time), so the same Game gives the same bytes.

Imports the standard library and ``html_parts``' escaping; writes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from tradegame.reporting.html_parts import _e, _packed_text, _row
from tradegame.reporting.html_script import DEBOUNCE_MS, PAGE_ROWS
from tradegame.reporting.text_columns import pack_column

__all__ = ["DEBOUNCE_MS", "PAGE_ROWS", "paged_table"]


def paged_table(
    table_id: str,
    headers: Sequence[str],
    columns: Sequence[Sequence[str]],
    *,
    noun: str,
    numeric_from: int,
    css: str = "",
    attribute: tuple[str, int] | None = None,
    filter_id: str = "",
    count_id: str = "",
    controls: str = "",
    foot: str = "",
) -> str:
    """The filter bar, the table (its first page of rows), the pager and the compressed rows.

    ``columns`` hold the rows' plain-text cells, column by column (each of one length); with
    ``attribute=(name, column)`` each row's cell in ``columns[column]`` (past the shown columns)
    becomes that attribute of its ``<tr>``. ``controls`` are more filter controls (the decision
    log's kind selector); ``foot`` is the ``<tfoot>`` content (totals).
    """
    total = len(columns[0]) if columns else 0
    if any(len(column) != total for column in columns):
        raise ValueError("the columns of a paged table differ in length")
    shown = len(headers)
    attribute_html = f' data-attribute="{_e(attribute[0])}" data-attribute-column="{attribute[1]}"' if attribute else ""
    table_attributes = (
        f' id="{_e(table_id)}" data-paged="{total}" data-columns="{shown}" data-numeric-from="{numeric_from}"'
        f' data-noun="{_e(noun)}"{attribute_html}' + (f' class="{_e(css)}"' if css else "")
    )
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    table = (
        f"<table{table_attributes}><thead><tr>{head}</tr></thead><tbody>\n"
        + _first_page(columns, shown, numeric_from, attribute)
        + "\n</tbody>"
        + (f"<tfoot>{foot}</tfoot>" if foot else "")
        + "</table>"
    )
    search_id = filter_id or f"{table_id}-filter"
    count_attribute = f' id="{_e(count_id)}"' if count_id else ""
    bar = (
        f'<div class="filters" data-for="{_e(table_id)}">'
        f'<label>Search <input type="search" id="{_e(search_id)}" data-filter placeholder="text in any column">'
        f"</label> {controls}<span{count_attribute} data-count>"
        f"{total:,} of {total:,} {_e(noun)} shown</span></div>"
    )
    pager = (
        f'<div class="pager" data-for="{_e(table_id)}"{"" if total > PAGE_ROWS else " hidden"}>'
        '<button type="button" data-step="-1">‹ Previous</button> '
        f"<span data-page-info>rows 1–{min(total, PAGE_ROWS):,} of {total:,}</span> "
        '<button type="button" data-step="1">Next ›</button>'
        '<span class="print-only"> (printed: the rows on screen)</span></div>'
    )
    if not total:  # nothing to search or page: the table alone, with its heading (and totals)
        return f'<div class="scroll">{table}</div>'
    data = f'<script>(window.tradegameData = window.tradegameData || {{}})["{_e(table_id)}"] = "{_packed(columns)}";'
    data += "</script>"
    return f'{bar}\n<div class="scroll">{table}</div>\n{pager}\n{data}'


def _first_page(
    columns: Sequence[Sequence[str]], shown: int, numeric_from: int, attribute: tuple[str, int] | None
) -> str:
    """The first ``PAGE_ROWS`` rows as HTML: their first ``shown`` cells, escaped."""
    return "\n".join(
        _row(
            [_e(cell) for cell in row[:shown]],
            numeric_from=numeric_from,
            attributes=f' {attribute[0]}="{_e(row[attribute[1]])}"' if attribute else "",
        )
        for row in zip(*(column[:PAGE_ROWS] for column in columns), strict=True)
    )


def _packed(columns: Sequence[Sequence[str]]) -> str:
    """The rows as JSON, column by column, each column's shapes and numbers apart (``text_columns``:
    alike texts side by side pack smaller), packed."""
    packed = [pack_column(column) for column in columns]
    return _packed_text(json.dumps(packed, ensure_ascii=True, separators=(",", ":")))
