"""The long tables of the HTML reports: Form 8949 (every disposal, by part, with totals) and the
decision log (every ``GameEvent``, filterable in the page).

Shared by ``html_report`` and ``stored_report``; the form's headings come from ``form8949``.
Writes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from tradegame.domain.holding import Term
from tradegame.domain.lots import Disposal
from tradegame.engine.game import GameEvent
from tradegame.reporting.form8949 import COLUMNS, PARTS
from tradegame.reporting.html_parts import _e, _money, _quantity, _row, _section, _table

_ZERO = Decimal(0)


def _form_8949_section(disposals: Sequence[Disposal], places: int) -> str:
    parts = [
        "<p>Sales and other dispositions of capital assets, one row per lot sold. (a) description, (b) date "
        "acquired, (c) date sold, (d) proceeds, (e) cost or other basis, (f) adjustment code, (g) adjustment, "
        "(h) gain or (loss).</p>"
    ]
    for term, part, heading, held in PARTS:
        mine = sorted(
            (d for d in disposals if d.term is term), key=lambda d: (d.date_sold, d.sale_id, d.date_acquired, d.lot_id)
        )
        rows = [_disposal_row(d, places) for d in mine]
        if not rows:
            rows.append(f'<tr class="empty"><td colspan="9">No {heading.lower()} disposals.</td></tr>')
        rows.append(_totals_row(term, mine, places))
        parts.append(f"<h3>Part {part}: {heading} ({held})</h3>")
        parts.append(
            '<div class="scroll">'
            + _table(
                ["Account", *COLUMNS],
                rows,
                table_id=f"form-8949-{term.value}",
                css="form-8949",
            )
            + "</div>"
        )
    return _section("form-8949", "Form 8949", *parts)


def _disposal_row(disposal: Disposal, places: int) -> str:
    cells = [
        _e(disposal.account),
        _e(f"{_quantity(disposal.quantity)} {disposal.symbol}"),
        _e(disposal.date_acquired.isoformat()),
        _e(disposal.date_sold.isoformat()),
        _e(_money(disposal.proceeds, places)),
        _e(_money(disposal.cost_basis, places)),
        _e(disposal.adjustment_code),
        _e(_money(disposal.adjustment_amount, places) if disposal.adjustment_amount else ""),
        _e(_money(disposal.gain, places)),
    ]
    return _row(cells, numeric_from=4, attributes=f' data-lot="{_e(disposal.lot_id)}"')


def _totals_row(term: Term, disposals: Sequence[Disposal], places: int) -> str:
    proceeds = sum((d.proceeds for d in disposals), _ZERO)
    basis = sum((d.cost_basis for d in disposals), _ZERO)
    adjustment = sum((d.adjustment_amount for d in disposals), _ZERO)
    gain = sum((d.gain for d in disposals), _ZERO)
    attributes = (
        f' class="total" data-term="{term.value}" data-count="{len(disposals)}" data-proceeds="{proceeds}"'
        f' data-cost-basis="{basis}" data-adjustment="{adjustment}" data-gain="{gain}"'
    )
    cells = [
        "<strong>Totals</strong>",
        _e(f"{len(disposals):,} lot(s)"),
        "",
        "",
        _e(_money(proceeds, places)),
        _e(_money(basis, places)),
        "",
        _e(_money(adjustment, places)),
        _e(_money(gain, places)),
    ]
    return _row(cells, numeric_from=4, attributes=attributes)


def _decision_log_section(events: Sequence[GameEvent]) -> str:
    kinds = sorted({event.kind for event in events})
    options = '<option value="">all kinds</option>' + "".join(
        f'<option value="{_e(kind)}">{_e(kind)}</option>' for kind in kinds
    )
    controls = (
        '<div class="filters">'
        '<label>Search <input type="search" id="log-filter" placeholder="text in any column"></label> '
        f'<label>Kind <select id="log-kind">{options}</select></label> '
        f'<span id="log-count">{len(events):,} of {len(events):,} events shown</span>'
        "</div>"
    )
    rows = (
        _row(
            [
                _e(event.seq),
                _e(event.round),
                _e(event.time),
                _e(event.kind),
                _e(event.move_id or ""),
                _e(event.account or ""),
                _e(event.symbol or ""),
                _e(event.detail),
                _e(" ".join(event.op_ids)),
            ],
            numeric_from=9,
            attributes=f' data-kind="{_e(event.kind)}"',
        )
        for event in events
    )
    table = _table(
        ["Seq", "Round", "Time (UTC)", "Kind", "Move", "Account", "Symbol", "Detail", "Ops"],
        rows,
        table_id="decision-log-table",
        css="log",
    )
    return _section("decision-log", "Decision log", controls, f'<div class="scroll">{table}</div>')
