"""The report of a stored Game read as stored, for a Game the running engine cannot replay.

A Game played under other engine rules (``tradegame.engine.rules``) would replay to other books,
so its report cannot come from a replay; ``render_stored_html(books)`` makes the closest honest
page from what the store kept: ``StoredBooks``, filled by the application layer from the Game's
stored rows. A banner at the top of the page says why it is read as stored.

What the page shows, top to bottom:

* **Stored books, not replayed**: the banner (which rules, which engine).
* **Summary**: the Game, its Model, status, rules, outcome, Rounds stored, data hash.
* **Score**: the stored score and its parts, as the Game's rules computed them.
* **Metrics**: ``metrics.compute_metrics`` on the stored value after each Round, without a
  benchmark and the measures that need market data (the data is not loaded).
* **Equity** and **Drawdown**: charts of the stored values.
* **Model versions** (a Game whose Models train): each version read back from the stored log, with
  its monthly out-of-sample scores (under an Activator, on its Model's stored record), as the
  played report shows them (``html_training``).
* **Trades**: every buy and sell of the cost ledger, in a table.
* **Form 8949** and **Open lots**: the stored disposals and lots.
* **Decision log**: every stored event, filterable like the played report's.
* **Definition**: the Game file it was played from, as stored.

The page pieces (tables, sections, charts, style, Form 8949, the decision log with its filter)
are the played report's (``html_parts``, ``html_tables``), so the two reports look alike; they
are imported by their private names on purpose: one family of pages, one piece of code for each
part.
Imports the engine's result types, ``reporting.metrics`` and the HTML report's parts; writes
nothing except in ``write_stored_report``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from tradegame.domain.errors import InvalidInputError
from tradegame.domain.lots import Disposal, OpenLot
from tradegame.engine.game import GameEvent, Score, currency_of
from tradegame.engine.training_records import TrainedVersion
from tradegame.reporting.html_parts import (
    _LOG_FILTER_JS,
    _PAGE,
    _STYLE,
    _Charts,
    _e,
    _money,
    _percent,
    _quantity,
    _ratio,
    _row,
    _section,
    _table,
    _write_page,
)
from tradegame.reporting.html_sections import score_rows
from tradegame.reporting.html_tables import _decision_log_section, _form_8949_section
from tradegame.reporting.html_training import versions_section
from tradegame.reporting.metrics import compute_metrics, drawdown_series
from tradegame.reporting.report_facts import FloatArray

__all__ = ["StoredBooks", "StoredFill", "render_stored_html", "write_stored_report"]

_NAV = (
    ("stored", "Stored books"),
    ("summary", "Summary"),
    ("score", "Score"),
    ("metrics", "Metrics"),
    ("equity", "Equity"),
    ("drawdown", "Drawdown"),
    ("model-versions", "Model versions"),
    ("trades", "Trades"),
    ("form-8949", "Form 8949"),
    ("open-lots", "Open lots"),
    ("decision-log", "Decision log"),
    ("definition", "Definition"),
)


class StoredFill(NamedTuple):
    """A buy or sell as the cost ledger stored it (its price is the notional over the quantity)."""

    op_id: str
    time: datetime
    account: str
    symbol: str
    side: str
    quantity: Decimal
    notional: Decimal
    notional_currency: str
    fee: Decimal
    fee_currency: str


@dataclass(frozen=True)
class StoredBooks:
    """A stored Game as the store kept it: the input of ``render_stored_html``.

    ``notice`` says why the books are read as stored (e.g. ``game 12 was played under engine
    rules 1; this tradegame plays rules 3``). ``score`` and the outcome are ``None`` for a Game
    that never finished. ``round_values`` are the stored values after each Round (``None``
    where the Game's value was not a number); ``currency`` is the Game currency when the stored
    definition names one.
    """

    game_id: int
    name: str
    model: str
    status: str
    engine_rules: int
    notice: str
    definition_text: str
    data_hash: str
    currency: str | None
    outcome: str | None
    outcome_round: int | None
    outcome_reason: str | None
    score: Score | None
    round_count: int | None
    round_times: Sequence[datetime]
    round_values: Sequence[float | None]
    fills: Sequence[StoredFill]
    disposals: Sequence[Disposal]
    open_lots: Sequence[OpenLot]
    events: Sequence[GameEvent]
    training: Sequence[TrainedVersion] = ()  # the trained Models' versions, read back from the log


def render_stored_html(books: StoredBooks, *, title: str | None = None) -> str:
    """The report of a stored Game read as stored (see the module docstring), as one HTML page."""
    charts = _Charts()
    places = currency_of(books.currency).minor_units if books.currency else 2
    values = np.array([np.nan if v is None else v for v in books.round_values], dtype=np.float64)
    times = np.array([_ns(t) for t in books.round_times], dtype=np.int64)
    page_title = title if title is not None else f"{books.name}: stored Game report (not replayed)"
    sections = [
        _banner(books),
        _summary_section(books),
        _score_section(books, places),
        _metrics_section(values, times, books.score.start_capital if books.score is not None else None),
        _equity_section(books, values, times, charts),
        _drawdown_section(values, times, charts),
        versions_section(books.training, charts, places),
        _trades_section(books),
        _form_8949_section(books.disposals, places),
        _open_lots_section(books.open_lots, places),
        _decision_log_section(books.events),
        _section("definition", "Definition", f"<pre>{_e(books.definition_text)}</pre>"),
    ]
    shown = [(anchor, label) for anchor, label in _NAV if anchor != "model-versions" or books.training]
    nav = "<nav>" + " · ".join(f'<a href="#{anchor}">{_e(label)}</a>' for anchor, label in shown) + "</nav>"
    return _PAGE.format(
        title=_e(page_title),
        style=_STYLE + _BANNER_STYLE,
        heading=_e(page_title),
        nav=nav,
        body="\n".join(sections),
        script=_LOG_FILTER_JS,
    )


def write_stored_report(books: StoredBooks, path: Path, *, title: str | None = None) -> Path:
    """Render the stored report (see ``render_stored_html``) and write it to ``path``; returns ``path``.

    Rendered in full first, then written beside ``path`` and moved into place, as ``write_report`` does.
    """
    return _write_page(render_stored_html(books, title=title), path)


_BANNER_STYLE = """
section.stored { border: 2px solid #d6604d; background: #fff5f0; }
"""


def _ns(when: datetime) -> int:
    seconds = int(when.timestamp())
    return seconds * 1_000_000_000 + when.microsecond * 1000


def _banner(books: StoredBooks) -> str:
    text = (
        f"<p><strong>{_e(books.notice)}: showing the stored books (not replayed).</strong></p>"
        f"<p>Everything below is what the store kept when the Game was played under engine rules "
        f"{_e(books.engine_rules)}: the score, each Round's value, the ledgers and the decision log. "
        "This engine would play the same Game to other books, so nothing here is recomputed from "
        "market data: there is no benchmark, no value by Position and no price chart.</p>"
    )
    return f'<section id="stored" class="stored" data-engine-rules="{_e(books.engine_rules)}">\n{text}\n</section>'


def _summary_section(books: StoredBooks) -> str:
    stored_rounds = len(books.round_values)
    if books.outcome is not None:
        outcome = f"{books.outcome} in round {books.outcome_round}: {books.outcome_reason}"
    else:
        outcome = f"none: the Game is {books.status} and never finished"
    rows = [
        ("Game", f"{books.game_id}: {books.name}"),
        ("Model", books.model),
        ("Status", books.status),
        ("Engine rules", str(books.engine_rules)),
        ("Outcome", outcome),
        ("Rounds stored", f"{stored_rounds:,}" + (f" of {books.round_count:,}" if books.round_count else "")),
        ("First round", books.round_times[0].isoformat() if books.round_times else "—"),
        ("Last round", books.round_times[-1].isoformat() if books.round_times else "—"),
        ("Currency", books.currency or "(not in the stored definition)"),
        ("Data hash", books.data_hash or "(none)"),
    ]
    body = "".join(f"<tr><th>{_e(label)}</th><td>{_e(value)}</td></tr>" for label, value in rows)
    return _section("summary", "Summary", f'<table class="facts"><tbody>{body}</tbody></table>')


def _score_section(books: StoredBooks, places: int) -> str:
    score = books.score
    if score is None:
        return _section("score", "Score", '<p class="note">No score: the Game never finished.</p>')
    rows = score_rows(score, places)
    table = _table(
        ["Item", f"Amount ({books.currency or 'Game currency'}), as stored"],
        (_row([_e(label), _e(value)], attributes=f' data-item="{_e(label)}"') for label, value in rows),
        table_id="score-table",
        css="score",
    )
    return _section(
        "score",
        "Score",
        "<p>score = gross profit − fees − running costs − taxes, under the Game's own rules</p>",
        table,
        f'<p data-stored-score="{_e(score.score)}">Stored score: {_e(_money(score.score, places))}</p>',
    )


def _metrics_section(values: FloatArray, times: npt.NDArray[np.int64], start: Decimal | None) -> str:
    try:
        metrics = compute_metrics(values, times, start_value=start)
    except InvalidInputError as error:
        return _section("metrics", "Metrics", f'<p class="note">No metrics: {_e(error)}</p>')
    rows = [
        ("Rounds", f"{metrics.rounds:,}"),
        ("Years", f"{metrics.years:,.2f}"),
        ("Total return", _percent(metrics.total_return)),
        ("Annual return", _percent(metrics.annual_return)),
        ("CAGR", _percent(metrics.cagr)),
        ("Volatility (annual)", _percent(metrics.volatility)),
        ("Sharpe ratio", _ratio(metrics.sharpe)),
        ("Sortino ratio", _ratio(metrics.sortino)),
        ("Max drawdown", _percent(metrics.max_drawdown)),
        ("Max drawdown duration (days)", _ratio(metrics.max_drawdown_duration_days)),
        ("Calmar ratio", _ratio(metrics.calmar)),
    ]
    table = _table(
        ["Metric", "Value"], (_row([_e(label), _e(value)]) for label, value in rows), table_id="metrics-table"
    )
    return _section("metrics", "Metrics", "<p>From the stored value after each Round.</p>", table)


def _equity_section(books: StoredBooks, values: FloatArray, times: npt.NDArray[np.int64], charts: _Charts) -> str:
    if not len(values):
        return _section("equity", "Equity", '<p class="note">No Round is stored.</p>')
    go = charts.go
    figure = charts.figure(title={"text": "Game value, as stored"}, yaxis={"title": books.currency or ""})
    figure.add_trace(go.Scatter(x=times.astype("datetime64[ns]"), y=values, mode="lines", name="Game value (stored)"))
    return _section("equity", "Equity", charts.div("equity", figure))


def _drawdown_section(values: FloatArray, times: npt.NDArray[np.int64], charts: _Charts) -> str:
    try:
        drawdowns = drawdown_series(values) * 100.0
    except InvalidInputError as error:
        return _section("drawdown", "Drawdown", f'<p class="note">No drawdown: {_e(error)}</p>')
    figure = charts.figure(title={"text": "Drawdown from the running peak"}, yaxis={"title": "%", "ticksuffix": "%"})
    figure.add_trace(
        charts.go.Scatter(x=times.astype("datetime64[ns]"), y=drawdowns, mode="lines", fill="tozeroy", name="Drawdown")
    )
    return _section("drawdown", "Drawdown", charts.div("drawdown", figure))


def _trades_section(books: StoredBooks) -> str:
    if not books.fills:
        return _section("trades", "Trades", '<p class="note">No trades.</p>')
    rows = (
        _row(
            [
                _e(fill.time.isoformat()),
                _e(fill.account),
                _e(fill.symbol),
                _e(fill.side),
                _e(_quantity(fill.quantity)),
                _e(f"{fill.notional / fill.quantity:,.4f}" if fill.quantity else "—"),
                _e(f"{fill.notional:,} {fill.notional_currency}"),
                _e(f"{fill.fee:,} {fill.fee_currency}"),
                _e(fill.op_id),
            ],
            numeric_from=4,
        )
        for fill in books.fills
    )
    table = _table(
        ["Time (UTC)", "Account", "Symbol", "Side", "Quantity", "Price", "Notional", "Fee", "Op"],
        rows,
        table_id="trades-table",
    )
    return _section("trades", "Trades", f'<div class="scroll">{table}</div>')


def _open_lots_section(lots: Sequence[OpenLot], places: int) -> str:
    if not lots:
        return _section("open-lots", "Open lots", '<p class="note">No lot was open at the end.</p>')
    rows = (
        _row(
            [
                _e(lot.account),
                _e(lot.symbol),
                _e(lot.lot_id),
                _e(lot.date_acquired.isoformat()),
                _e(_quantity(lot.quantity)),
                _e(_money(lot.cost_basis, places)),
            ],
            numeric_from=4,
        )
        for lot in lots
    )
    table = _table(["Account", "Symbol", "Lot", "Acquired", "Quantity", "Cost basis"], rows, table_id="open-lots")
    return _section("open-lots", "Open lots", f'<div class="scroll">{table}</div>')
