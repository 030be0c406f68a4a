"""The long tables of the HTML reports: Form 8949 (every disposal, by part, with totals) and the
decision log (every ``GameEvent``, filterable in the page). Both are ``html_paged`` tables: a page
of rows at a time, the rest as compressed data the page filters.

Shared by ``html_report`` and ``stored_report``; the form's headings come from ``form8949``.
Writes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from functools import cache

from tradegame.domain.holding import Term
from tradegame.domain.lots import Disposal
from tradegame.engine.game import GameEvent
from tradegame.reporting.form8949 import COLUMNS, PARTS
from tradegame.reporting.html_paged import paged_table
from tradegame.reporting.html_parts import _e, _money, _money_spec, _quantity, _row, _section

_ZERO = Decimal(0)


def _form_8949_section(disposals: Sequence[Disposal], places: int) -> str:
    parts = [
        "<p>Sales and other dispositions of capital assets, one row per lot sold. (a) description, (b) date "
        "acquired, (c) date sold, (d) proceeds, (e) cost or other basis, (f) adjustment code, (g) adjustment, "
        "(h) gain or (loss). The totals are of every lot of the part, whatever the search shows.</p>"
    ]
    of_term: dict[Term, list[Disposal]] = {term: [] for term, *_ in PARTS}
    for disposal in disposals:
        of_term[disposal.term].append(disposal)
    for term, part, heading, held in PARTS:
        mine = sorted(of_term[term], key=lambda d: (d.date_sold, d.sale_id, d.date_acquired, d.lot_id))
        parts.append(f"<h3>Part {part}: {heading} ({held})</h3>")
        if not mine:
            parts.append(f'<p class="empty">No {heading.lower()} disposals.</p>')
        gains = [d.gain for d in mine]
        parts.append(
            paged_table(
                f"form-8949-{term.value}",
                ["Account", *COLUMNS],
                _disposal_columns(mine, gains, places),
                noun="lots",
                numeric_from=4,
                css="form-8949",
                attribute=("data-lot", len(COLUMNS) + 1),
                foot=_totals_row(term, mine, gains, places),
            )
        )
    return _section("form-8949", "Form 8949", *parts)


def _disposal_columns(disposals: Sequence[Disposal], gains: Sequence[Decimal], places: int) -> list[list[str]]:
    """The lots' cells (plain text), column by column, and past them their lot ids. Repeated dates
    and quantities are written once."""
    money = _money_spec(places)  # as ``_money`` writes a Decimal
    iso = cache(date.isoformat)
    quantities: dict[tuple[Decimal, str], str] = {}
    acquired, sold, held = [], [], []
    for d in disposals:
        acquired.append(iso(d.date_acquired))
        sold.append(iso(d.date_sold))
        key = (d.quantity, d.symbol)
        text = quantities.get(key) if d.quantity else None  # 0 and -0 are equal but written apart
        if text is None:
            text = quantities[key] = f"{_quantity(d.quantity)} {d.symbol}"
        held.append(text)
    return [
        [d.account for d in disposals],
        held,
        acquired,
        sold,
        [format(d.proceeds, money) for d in disposals],
        [format(d.cost_basis, money) for d in disposals],
        [d.adjustment_code for d in disposals],
        [format(d.adjustment_amount, money) if d.adjustment_amount else "" for d in disposals],
        [format(gain, money) for gain in gains],
        [d.lot_id for d in disposals],
    ]


def _totals_row(term: Term, disposals: Sequence[Disposal], gains: Sequence[Decimal], places: int) -> str:
    proceeds = sum((d.proceeds for d in disposals), _ZERO)
    basis = sum((d.cost_basis for d in disposals), _ZERO)
    adjustment = sum((d.adjustment_amount for d in disposals), _ZERO)
    gain = sum(gains, _ZERO)
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
    kind_texts = {kind: str(kind) for kind in kinds}
    columns = [
        [str(event.seq) for event in events],
        [str(event.round) for event in events],
        [str(event.time) for event in events],
        [kind_texts[event.kind] for event in events],
        [event.move_id or "" for event in events],
        [event.account or "" for event in events],
        [event.symbol or "" for event in events],
        [event.detail for event in events],
        [" ".join(event.op_ids) for event in events],
    ]
    table = paged_table(
        "decision-log-table",
        ["Seq", "Round", "Time (UTC)", "Kind", "Move", "Account", "Symbol", "Detail", "Ops"],
        columns,
        noun="events",
        numeric_from=9,
        css="log",
        attribute=("data-kind", 3),
        filter_id="log-filter",
        count_id="log-count",
        controls=f'<label>Kind <select id="log-kind" data-column="3">{options}</select></label> ',
    )
    return _section("decision-log", "Decision log", table)
