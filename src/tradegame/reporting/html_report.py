"""The HTML report of a played Game: one self-contained file of tables and plotly charts.

``render_html(result, universe)`` returns the page as a string; ``write_report`` writes it.
The page opens offline: plotly.js is inlined once (with the first chart) and nothing else is
loaded from anywhere; the decision-log filter is a few lines of inline vanilla JavaScript.

What the page shows, top to bottom:

* **Header**: the Game's name, dates, Rounds played, outcome and its reason (and the Round it
  went bust, if its value fell to zero or below), the data hash.
* **Score**: a waterfall from gross profit through fees, running costs and taxes to the score,
  and the same numbers in a table.
* **Metrics**: ``metrics.compute_metrics`` on the value after each Round, against a benchmark
  (buy-and-hold of ``benchmark_symbol``, default the first symbol traded: its closes scaled
  to the start capital, in the symbol's own currency), with each sale's realized gain, the
  traded notional and the invested fraction.
* **Charts**: equity against the benchmark, drawdown, value by Position (a stacked area, cash
  as its own band), one price chart per traded symbol (the ``MAX_TRADE_CHARTS`` most traded)
  with its buys and sells, and a heatmap of monthly returns.
* **Form 8949**: every disposal, Part I short term and Part II long term, with totals.
* **Decision log**: every ``GameEvent``, filterable by text and by kind.

How Positions are valued: the units of each symbol are rebuilt from the journal (postings to
``Assets:{account}:{SYMBOL}``, so splits and initial positions count), summed over accounts,
taken as of each Round's time and multiplied by the latest close known then (times the FX rate
for a foreign symbol), which is how the engine values a Game. Cash is the rest of the Game's
value, so the stack adds up to the equity curve. Fills come from the cost ledger (their price
is the notional over the quantity).

Every piece of text is escaped; numbers carry thousands separators. Each chart sits in a
``<div id="chart-..." data-chart="...">`` so a browser test can find it. The output depends
only on its inputs (no wall clock, no random ids): the same Game gives the same bytes.

Imports the engine's result types, ``reporting.metrics`` and plotly (lazily, in
``render_html``); writes nothing except in ``write_report``.
"""

from __future__ import annotations

import html
import math
import os
import tempfile
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from tradegame.domain.errors import InvalidInputError
from tradegame.domain.holding import Term
from tradegame.domain.lots import Disposal
from tradegame.engine.assets import AssetMap
from tradegame.engine.game import GameEvent, GameResult, Score, currency_of
from tradegame.engine.universe import Universe, UniverseView, static_rates
from tradegame.reporting.metrics import Metrics, bust_round, compute_metrics, drawdown_series, monthly_returns

if TYPE_CHECKING:
    from tradegame.data.panel import Panel

__all__ = ["MAX_POSITION_BANDS", "MAX_TRADE_CHARTS", "render_html", "write_report"]

MAX_TRADE_CHARTS = 8
"""At most this many price charts with trades: the most traded symbols (by number of fills)."""

MAX_POSITION_BANDS = 12
"""At most this many bands in the value-by-Position chart; smaller Positions share "Other"."""

FloatArray = npt.NDArray[np.float64]

_ZERO = Decimal(0)
_CHART_HEIGHT = 380
_BUY_COLOR = "#1a9850"
_SELL_COLOR = "#d73027"
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


# ---------------------------------------------------------------------------------------------
# Public API


def render_html(
    result: GameResult,
    universe: Universe,
    *,
    benchmark_symbol: str | None = None,
    title: str | None = None,
) -> str:
    """The report of ``result`` (played on ``universe``) as one self-contained HTML page.

    ``benchmark_symbol`` is the symbol whose buy-and-hold the Game is compared with (default:
    the first symbol traded, else the first symbol the Game may trade); ``title`` replaces the
    default page title. Raises ``InvalidInputError`` for a benchmark symbol not in the data.
    """
    facts = _Facts.of(result, universe, benchmark_symbol)
    charts = _Charts()
    page_title = title if title is not None else f"{result.spec.name}: Game report"
    sections = [
        _header(facts),
        _score_section(facts, charts),
        _metrics_section(facts),
        _equity_section(facts, charts),
        _drawdown_section(facts, charts),
        _positions_section(facts, charts),
        _trades_section(facts, charts),
        _monthly_section(facts, charts),
        _form_8949_section(facts.result.books.disposals(), facts.places),
        _decision_log_section(facts.result.events),
    ]
    return _PAGE.format(
        title=_e(page_title),
        style=_STYLE,
        heading=_e(page_title),
        nav=_nav(),
        body="\n".join(sections),
        script=_LOG_FILTER_JS,
    )


def write_report(
    result: GameResult,
    universe: Universe,
    path: Path,
    *,
    benchmark_symbol: str | None = None,
    title: str | None = None,
) -> Path:
    """Render the report (see ``render_html``) and write it to ``path``; returns ``path``.

    The page is rendered in full before anything is written, then written to a temporary file
    beside ``path`` and moved into place, so a failure never leaves half a report.
    """
    return _write_page(render_html(result, universe, benchmark_symbol=benchmark_symbol, title=title), path)


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


# ---------------------------------------------------------------------------------------------
# What the report is computed from


@dataclass(frozen=True)
class _Fill:
    """One buy or sell of a symbol, from the cost ledger."""

    op_id: str
    time: datetime
    account: str
    symbol: str
    side: str  # "buy" or "sell"
    quantity: Decimal
    price: Decimal
    notional: Decimal
    fee: Decimal


@dataclass(frozen=True)
class _Facts:
    """Everything the sections read, computed once from the result and the universe."""

    result: GameResult
    universe: Universe
    places: int  # minor units of the Game currency
    round_times: npt.NDArray[np.datetime64]  # naive UTC, one per Round played
    values: FloatArray
    fills: tuple[_Fill, ...]
    held_symbols: tuple[str, ...]  # every symbol held at some Round, in panel order
    position_values: FloatArray  # (rounds, held symbols), in the Game currency
    cash: FloatArray
    benchmark_symbol: str | None
    benchmark: FloatArray | None  # NaN before the symbol's first close
    metrics: Metrics | None
    metrics_problem: str | None

    @classmethod
    def of(cls, result: GameResult, universe: Universe, benchmark_symbol: str | None) -> _Facts:
        panel = universe.panel
        times_ns = np.asarray(result.times, dtype=np.int64)
        values = np.asarray(result.values, dtype=np.float64)
        symbol_set = set(panel.symbols)
        assets = AssetMap.of(universe.instruments, panel.symbols, result.spec.currency)
        # Where each asset the books hold is charted and valued: the column of the pair valuing it.
        columns = dict(assets.value_column)
        fills = _fills(result, {asset: panel.symbols[column] for asset, column in columns.items()})
        if benchmark_symbol is not None and benchmark_symbol not in symbol_set:
            raise InvalidInputError(
                f"benchmark_symbol: {benchmark_symbol!r} is not in the data ({', '.join(panel.symbols[:10])}"
                + (", ..." if len(panel.symbols) > 10 else "")
                + ")"
            )
        chosen = benchmark_symbol or _default_benchmark(result, panel.symbols, fills)

        rows = np.searchsorted(panel.available, times_ns, side="right") - 1
        closes = _closes_at(panel, rows)
        fx = _fx_at(result, universe, times_ns, closes, columns)
        # The last value is the Game's final value, after the end's sales (at the next open under
        # next-open fills, later than the last Round): the holdings then are those of the closed books.
        books_times = times_ns.copy()
        books_times[-1] = np.iinfo(np.int64).max
        units = _units_held(result, columns, len(panel.symbols), books_times)
        marks = np.nan_to_num(closes * fx)
        all_values = units * marks
        held = [i for i in range(len(panel.symbols)) if np.any(units[:, i] != 0)]
        position_values = all_values[:, held]
        invested = position_values.sum(axis=1)
        cash = values - invested
        cash[np.abs(cash) < 10.0 ** -(currency_of(result.spec.currency).minor_units + 1)] = 0.0

        benchmark = None
        if chosen is not None:
            column = closes[:, panel.column(chosen)]
            valid = np.flatnonzero(np.isfinite(column) & (column > 0))
            if len(valid):
                benchmark = float(result.score.start_capital) * column / column[valid[0]]

        metrics, problem = _metrics(result, values, times_ns, benchmark, fills, fx, panel, invested)
        return cls(
            result=result,
            universe=universe,
            places=currency_of(result.spec.currency).minor_units,
            round_times=times_ns.astype("datetime64[ns]"),
            values=values,
            fills=tuple(fills),
            held_symbols=tuple(panel.symbols[i] for i in held),
            position_values=position_values,
            cash=cash,
            benchmark_symbol=chosen,
            benchmark=benchmark,
            metrics=metrics,
            metrics_problem=problem,
        )


def _fills(result: GameResult, symbols: Mapping[str, str]) -> list[_Fill]:
    """The Game's buys and sells (``symbols``: the data symbol each booked asset is charted on); the
    booking of an initial position (bought before the Game) is none."""
    before = {op for event in result.events if event.kind == "initial-position" for op in event.op_ids}
    fills = []
    for cost in result.books.cost_ledger:
        if cost.action not in ("buy", "sell") or cost.symbol not in symbols or cost.quantity <= 0:
            continue
        if cost.op_id in before:
            continue
        fills.append(
            _Fill(
                cost.op_id,
                cost.timestamp,
                cost.account,
                symbols[cost.symbol],
                cost.action,
                cost.quantity,
                cost.notional.amount / cost.quantity,
                cost.notional.amount,
                cost.fee.amount,
            )
        )
    return fills


def _default_benchmark(result: GameResult, symbols: Sequence[str], fills: Sequence[_Fill]) -> str | None:
    if fills:
        return fills[0].symbol
    allowed = [s for s in result.spec.symbols if s in symbols]
    if allowed:
        return allowed[0]
    return symbols[0] if symbols else None


def _closes_at(panel: Panel, rows: npt.NDArray[np.intp]) -> FloatArray:
    """The latest close of each symbol known at each Round (NaN before its first bar)."""
    closes = np.asarray(panel.fields["close"], dtype=np.float64)
    # Carry each column's last valid close forward, as the engine's marks do.
    index = np.where(np.isfinite(closes), np.arange(len(closes))[:, None], -1)
    np.maximum.accumulate(index, axis=0, out=index)
    filled = np.where(index >= 0, closes[np.maximum(index, 0), np.arange(closes.shape[1])], np.nan)
    out = np.full((len(rows), closes.shape[1]), np.nan)
    known = rows >= 0
    out[known] = filled[rows[known]]
    return out


def _fx_at(
    result: GameResult,
    universe: Universe,
    times_ns: npt.NDArray[np.int64],
    closes: FloatArray,
    value_columns: Mapping[str, int],
) -> FloatArray:
    """Game-currency units per unit of each symbol's price, at each Round: its quote currency's rate,
    or for a cross pair (ETH/BTC) its quote asset's value (``closes`` at each Round, ``value_columns``:
    the column valuing each asset)."""
    panel = universe.panel
    game_code = result.spec.currency
    fx = np.ones((len(times_ns), len(panel.symbols)))
    by_currency: dict[str, list[int]] = {}
    for column, symbol in enumerate(panel.symbols):
        code = universe.instruments[symbol].quote_currency.code
        if code != game_code:
            by_currency.setdefault(code, []).append(column)
    static = static_rates(universe, game_code, result.spec.fx_rates)  # the table the Game valued with
    for code, columns in by_currency.items():
        for row, ns in enumerate(times_ns):
            fx[row, columns] = UniverseView(universe, panel.as_of(int(ns)), static).fx_rate(code, game_code)
    for column, symbol in enumerate(panel.symbols):
        instrument = universe.instruments[symbol]
        if instrument.is_cross:
            quote = value_columns[instrument.quote_asset]
            fx[:, column] = np.nan_to_num(closes[:, quote]) * fx[:, quote]
    return fx


def _units_held(
    result: GameResult, column: Mapping[str, int], width: int, times_ns: npt.NDArray[np.int64]
) -> FloatArray:
    """Units held (all accounts) at each Round's time, from the journal, in the column valuing each
    asset (``column``; ``width`` columns)."""
    stamps: list[int] = []
    columns: list[int] = []
    deltas: list[float] = []
    for entry in result.books.entries:
        for posting in entry.postings:
            symbol = posting.commodity
            if symbol in column and posting.account.startswith("Assets:") and posting.account.endswith(f":{symbol}"):
                stamps.append(_ns(entry.timestamp))
                columns.append(column[symbol])
                deltas.append(float(posting.units))
    units = np.zeros((len(times_ns), width))
    if not stamps:
        return units
    order = np.argsort(np.asarray(stamps), kind="stable")
    stamp_array = np.asarray(stamps, dtype=np.int64)[order]
    column_array = np.asarray(columns)[order]
    delta_array = np.asarray(deltas)[order]
    for i in np.unique(column_array):
        mine = column_array == i
        held = np.cumsum(delta_array[mine])
        upto = np.searchsorted(stamp_array[mine], times_ns, side="right") - 1
        units[:, i] = np.where(upto >= 0, held[np.maximum(upto, 0)], 0.0)
    units[np.abs(units) < 1e-12] = 0.0
    return units


def _metrics(
    result: GameResult,
    values: FloatArray,
    times_ns: npt.NDArray[np.int64],
    benchmark: FloatArray | None,
    fills: Sequence[_Fill],
    fx: FloatArray,
    panel: Panel,
    invested: FloatArray,
) -> tuple[Metrics | None, str | None]:
    gains: dict[str, Decimal] = {}
    for disposal in result.books.disposals():
        gains[disposal.sale_id] = gains.get(disposal.sale_id, _ZERO) + disposal.gain
    traded = 0.0
    for fill in fills:
        at = min(int(np.searchsorted(times_ns, _ns(fill.time), side="left")), len(times_ns) - 1)
        traded += float(fill.notional) * float(fx[at, panel.column(fill.symbol)])
    usable_benchmark = benchmark if benchmark is not None and bool(np.all(np.isfinite(benchmark))) else None
    with np.errstate(divide="ignore", invalid="ignore"):
        exposure = np.where(values > 0, invested / values, 0.0)
    try:
        metrics = compute_metrics(
            values,
            times_ns,
            benchmark=usable_benchmark,
            trade_gains=list(gains.values()),
            traded_notional=traded,
            exposure=exposure,
            start_value=result.score.start_capital,
        )
    except InvalidInputError as error:
        return None, str(error)
    return metrics, None


def _ns(when: datetime) -> int:
    seconds = int(when.timestamp())
    return seconds * 1_000_000_000 + when.microsecond * 1000


# ---------------------------------------------------------------------------------------------
# Formatting


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _money(amount: Decimal | float, places: int) -> str:
    if isinstance(amount, float) and not math.isfinite(amount):
        return "n/a"
    return format(amount, f",.{places}f")


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


# ---------------------------------------------------------------------------------------------
# Charts


class _Charts:
    """Turns plotly figures into ``<div data-chart>`` blocks; plotly.js goes inline with the first."""

    def __init__(self) -> None:
        import plotly.graph_objects as go  # an outer-ring dependency, imported when a report is made

        self.go: Any = go
        self._plotlyjs_included = False

    def figure(self, **layout: Any) -> Any:
        defaults: dict[str, Any] = {
            "template": "plotly_white",
            "height": _CHART_HEIGHT,
            "margin": {"l": 60, "r": 20, "t": 50, "b": 40},
            "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 1, "xanchor": "right"},
        }
        figure = self.go.Figure()
        figure.update_layout(**(defaults | layout))
        return figure

    def div(self, name: str, figure: Any, *, chart_id: str | None = None, attributes: str = "") -> str:
        chart_id = chart_id or f"chart-{name}"
        include: str | bool = False if self._plotlyjs_included else "inline"
        self._plotlyjs_included = True
        plot = str(
            figure.to_html(
                full_html=False,
                include_plotlyjs=include,
                div_id=f"plot-{chart_id.removeprefix('chart-')}",
                config={"displaylogo": False, "responsive": True},
                default_height=f"{_CHART_HEIGHT}px",
            )
        )
        return f'<div class="chart" id="{_e(chart_id)}" data-chart="{_e(name)}"{attributes}>\n{plot}\n</div>'


# ---------------------------------------------------------------------------------------------
# Sections


_NAV = (
    ("summary", "Summary"),
    ("score", "Score"),
    ("metrics", "Metrics"),
    ("equity", "Equity"),
    ("drawdown", "Drawdown"),
    ("positions", "Positions"),
    ("trades", "Trades"),
    ("monthly", "Monthly returns"),
    ("form-8949", "Form 8949"),
    ("decision-log", "Decision log"),
)


def _nav() -> str:
    return "<nav>" + " · ".join(f'<a href="#{anchor}">{_e(label)}</a>' for anchor, label in _NAV) + "</nav>"


def _header(facts: _Facts) -> str:
    result = facts.result
    spec = result.spec
    rounds = len(facts.values)
    facts_rows = [
        ("Game", spec.name),
        ("Start", spec.start.isoformat()),
        ("End", spec.end.isoformat() if spec.end is not None else f"after {spec.rounds} rounds"),
        ("First round", _day(facts.round_times[0]) + " UTC"),
        ("Last round", _day(facts.round_times[-1]) + " UTC"),
        ("Rounds played", f"{rounds:,}"),
        ("Outcome", f"{result.outcome} in round {result.outcome_round:,}: {result.outcome_reason}"),
        *_bust_row(facts),
        ("Currency", spec.currency),
        ("Start fund", _money(spec.start_fund, facts.places)),
        ("Accounts", ", ".join(a.name for a in spec.accounts)),
        ("Data hash", result.data_hash or "(none)"),
    ]
    rows = [
        f'<tr class="outcome outcome-{_e(result.outcome)}"><th>{_e(label)}</th><td>{_e(value)}</td></tr>'
        if label == "Outcome"
        else f"<tr><th>{_e(label)}</th><td>{_e(value)}</td></tr>"
        for label, value in facts_rows
    ]
    return _section("summary", "Summary", '<table class="facts"><tbody>' + "".join(rows) + "</tbody></table>")


def _bust_row(facts: _Facts) -> list[tuple[str, str]]:
    bust = bust_round(facts.values)
    if bust is None:
        return []
    value = _money(float(facts.values[bust]), facts.places)
    when = _day(facts.round_times[bust])
    text = f"the Game went bust in round {bust:,} ({when} UTC): its value fell to {value}; it lost everything"
    return [("Bust", text)]


def score_rows(score: Score, places: int) -> list[tuple[str, str]]:
    """The score table's lines, from the start capital down to the score and its ratio to the start."""
    start = score.start_capital
    ratio = float(score.score / start) if start else math.nan
    return [
        ("Start capital", _money(score.start_capital, places)),
        ("Final value", _money(score.final_value, places)),
        ("Gross profit", _money(score.gross_profit, places)),
        ("Fees", _money(-score.fees, places)),
        ("Running costs", _money(-score.running_costs, places)),
        ("Taxes", _money(-score.taxes, places)),
        ("Score", _money(score.score, places)),
        ("Score / start capital", _percent(ratio)),
    ]


def _score_section(facts: _Facts, charts: _Charts) -> str:
    score = facts.result.score
    places = facts.places
    go = charts.go
    steps = [
        ("Gross profit", score.gross_profit, "relative"),
        ("Fees", -score.fees, "relative"),
        ("Running costs", -score.running_costs, "relative"),
        ("Taxes", -score.taxes, "relative"),
        ("Score", score.score, "total"),
    ]
    figure = charts.figure(title={"text": "From gross profit to score"}, showlegend=False)
    figure.add_trace(
        go.Waterfall(
            x=[label for label, _, _ in steps],
            y=[float(amount) for _, amount, _ in steps],
            measure=[measure for _, _, measure in steps],
            text=[_money(amount, places) for _, amount, _ in steps],
            textposition="outside",
            increasing={"marker": {"color": _BUY_COLOR}},
            decreasing={"marker": {"color": _SELL_COLOR}},
            totals={"marker": {"color": "#4575b4"}},
        )
    )
    rows = score_rows(score, places)
    table = _table(
        ["Item", f"Amount ({facts.result.spec.currency})"],
        (_row([_e(label), _e(value)], attributes=f' data-item="{_e(label)}"') for label, value in rows),
        table_id="score-table",
        css="score",
    )
    return _section(
        "score",
        "Score",
        "<p>score = gross profit − fees − running costs − taxes</p>",
        charts.div("score", figure),
        table,
    )


def _metrics_section(facts: _Facts) -> str:
    metrics = facts.metrics
    if metrics is None:
        return _section("metrics", "Metrics", f'<p class="note">No metrics: {_e(facts.metrics_problem)}</p>')
    benchmark = facts.benchmark_symbol or "benchmark"
    rows = [
        ("Rounds", f"{metrics.rounds:,}"),
        ("Years", f"{metrics.years:,.2f}"),
        ("Periods per year", f"{metrics.periods_per_year:,.0f}"),
        ("Total return", _percent(metrics.total_return)),
        ("Annual return", _percent(metrics.annual_return)),
        ("CAGR", _percent(metrics.cagr)),
        ("Volatility (annual)", _percent(metrics.volatility)),
        ("Sharpe ratio", _ratio(metrics.sharpe)),
        ("Sortino ratio", _ratio(metrics.sortino)),
        ("Max drawdown", _percent(metrics.max_drawdown)),
        (
            "Max drawdown duration",
            f"{metrics.max_drawdown_duration_days:,} days ({metrics.max_drawdown_duration_rounds:,} rounds)",
        ),
        ("Calmar ratio", _ratio(metrics.calmar)),
        ("Win rate (per sale)", _percent(metrics.win_rate)),
        ("Turnover (per year)", _ratio(metrics.turnover)),
        ("Exposure (mean invested)", _percent(metrics.exposure)),
        (f"Benchmark return (buy-and-hold {benchmark})", _percent(metrics.benchmark_return)),
        ("Excess return", _percent(metrics.excess_return)),
        ("Alpha (annual)", _percent(metrics.alpha)),
        ("Beta", _ratio(metrics.beta)),
        ("Correlation", _ratio(metrics.correlation)),
    ]
    table = _table(
        ["Metric", "Value"],
        (_row([_e(label), _e(value)]) for label, value in rows),
        table_id="metrics-table",
        css="metrics",
    )
    note = ""
    if metrics.benchmark_return is None and facts.benchmark_symbol is not None:
        note = (
            f'<p class="note">No benchmark metrics: {_e(facts.benchmark_symbol)} has no close at the first Round.</p>'
        )
    if metrics.bust_round is not None:
        note += (
            f'<p class="note bust">The Game went bust in round {metrics.bust_round:,}: its returns stop there '
            "(the last one, into the bust, is a loss of everything), and the volatility, the ratios, alpha, "
            "beta and correlation are measured on the Rounds up to it; a Game that ends with nothing has a "
            "CAGR of -100%.</p>"
        )
    return _section("metrics", "Metrics", table, note)


def _equity_section(facts: _Facts, charts: _Charts) -> str:
    go = charts.go
    figure = charts.figure(
        title={"text": "Game value"}, hovermode="x unified", yaxis={"title": facts.result.spec.currency}
    )
    figure.add_trace(go.Scatter(x=facts.round_times, y=facts.values, mode="lines", name="Game value"))
    if facts.benchmark is not None:
        figure.add_trace(
            go.Scatter(
                x=facts.round_times,
                y=facts.benchmark,
                mode="lines",
                name=f"Buy-and-hold {facts.benchmark_symbol}",
                line={"dash": "dash"},
            )
        )
    figure.add_hline(y=float(facts.result.score.start_capital), line={"color": "#999", "width": 1, "dash": "dot"})
    return _section("equity", "Equity", charts.div("equity", figure))


def _drawdown_section(facts: _Facts, charts: _Charts) -> str:
    go = charts.go
    try:
        drawdowns = drawdown_series(facts.values) * 100.0
    except InvalidInputError as error:
        return _section("drawdown", "Drawdown", f'<p class="note">No drawdown: {_e(error)}</p>')
    figure = charts.figure(title={"text": "Drawdown from the running peak"}, yaxis={"title": "%", "ticksuffix": "%"})
    figure.add_trace(
        go.Scatter(
            x=facts.round_times,
            y=drawdowns,
            mode="lines",
            fill="tozeroy",
            name="Drawdown",
            line={"color": _SELL_COLOR},
        )
    )
    return _section("drawdown", "Drawdown", charts.div("drawdown", figure))


def _positions_section(facts: _Facts, charts: _Charts) -> str:
    go = charts.go
    symbols = list(facts.held_symbols)
    values = facts.position_values
    bands: list[tuple[str, FloatArray, str | None]] = [(s, values[:, i], None) for i, s in enumerate(symbols)]
    note = ""
    if len(bands) > MAX_POSITION_BANDS:
        sizes = values.mean(axis=0)  # the mean over the Rounds: a Position held long and large counts most
        keep = sorted(np.argsort(-sizes, kind="stable")[: MAX_POSITION_BANDS - 1])
        rest = [i for i in range(len(symbols)) if i not in set(keep)]
        bands = [(symbols[i], values[:, i], None) for i in keep]
        bands.append((f"Other ({len(rest)})", values[:, rest].sum(axis=1), "#8c6d31"))
        note = (
            f'<p class="note">The {MAX_POSITION_BANDS - 1} largest Positions (by mean value) are shown; '
            f"{len(rest)} smaller ones share the band “Other”.</p>"
        )
    figure = charts.figure(
        title={"text": "Value by Position"}, hovermode="x unified", yaxis={"title": facts.result.spec.currency}
    )
    figure.add_trace(
        go.Scatter(
            x=facts.round_times,
            y=facts.cash,
            mode="lines",
            name="Cash",
            stackgroup="value",
            line={"width": 0.5, "color": "#bbbbbb"},
        )
    )
    for name, band, color in bands:
        line = {"width": 0.5} if color is None else {"width": 0.5, "color": color}
        figure.add_trace(
            go.Scatter(x=facts.round_times, y=band, mode="lines", name=name, stackgroup="value", line=line)
        )
    return _section("positions", "Value by Position", charts.div("positions", figure), note)


def _trades_section(facts: _Facts, charts: _Charts) -> str:
    go = charts.go
    panel = facts.universe.panel
    counts = Counter(fill.symbol for fill in facts.fills)
    if not counts:
        return _section("trades", "Trades", '<p class="note">No trades.</p>')
    ranked = sorted(counts, key=lambda symbol: (-counts[symbol], symbol))
    shown = ranked[:MAX_TRADE_CHARTS]
    parts = []
    if len(ranked) > MAX_TRADE_CHARTS:
        left_out = ", ".join(ranked[MAX_TRADE_CHARTS:])
        parts.append(
            f'<p class="note">Showing the {MAX_TRADE_CHARTS} most traded of {len(ranked)} traded symbols '
            f"(by number of fills); not shown: {_e(left_out)}.</p>"
        )
    times_ns = facts.round_times.astype(np.int64)
    first_row = max(int(np.searchsorted(panel.available, times_ns[0], side="right")) - 1, 0)
    end_row = int(np.searchsorted(panel.available, times_ns[-1], side="right"))
    labels = panel.labels[first_row:end_row].astype("datetime64[ns]")
    for index, symbol in enumerate(shown, start=1):
        closes = np.asarray(panel.fields["close"][first_row:end_row, panel.column(symbol)], dtype=np.float64)
        figure = charts.figure(
            title={"text": f"{symbol}: close, buys and sells ({counts[symbol]:,} fills)"},
            yaxis={"title": facts.universe.instruments[symbol].quote_currency.code},
        )
        figure.add_trace(
            go.Scatter(x=labels, y=closes, mode="lines", name="Close", line={"color": "#4d4d4d", "width": 1.2})
        )
        for side, color, marker in (("buy", _BUY_COLOR, "triangle-up"), ("sell", _SELL_COLOR, "triangle-down")):
            mine = [fill for fill in facts.fills if fill.symbol == symbol and fill.side == side]
            if not mine:
                continue
            figure.add_trace(
                go.Scatter(
                    x=np.array([np.datetime64(_ns(fill.time), "ns") for fill in mine]),
                    y=[float(fill.price) for fill in mine],
                    mode="markers",
                    name=f"{side} ({len(mine):,})",
                    marker={"symbol": marker, "size": 10, "color": color, "line": {"width": 1, "color": "#222"}},
                    text=[
                        f"{side} {_quantity(fill.quantity)} @ {fill.price:,.4f}, fee {_money(fill.fee, facts.places)}"
                        f" ({fill.account}, {fill.op_id})"
                        for fill in mine
                    ],
                    hovertemplate="%{x}<br>%{text}<extra></extra>",
                )
            )
        parts.append(
            charts.div("trades", figure, chart_id=f"chart-trades-{index}", attributes=f' data-symbol="{_e(symbol)}"')
        )
    return _section("trades", "Trades", *parts)


def _monthly_section(facts: _Facts, charts: _Charts) -> str:
    go = charts.go
    try:
        table = monthly_returns(facts.values, facts.round_times.astype(np.int64))
    except InvalidInputError as error:
        return _section("monthly", "Monthly returns", f'<p class="note">No monthly returns: {_e(error)}</p>')
    percent = table.to_numpy(dtype=np.float64) * 100.0
    z = [[None if math.isnan(v) else round(float(v), 4) for v in row] for row in percent]
    years = [str(year) for year in table.index]
    figure = charts.figure(
        title={"text": "Monthly returns (%)"},
        height=max(_CHART_HEIGHT // 2, 90 + 34 * len(years)),
        yaxis={"autorange": "reversed", "type": "category"},
        xaxis={"side": "top", "type": "category"},
    )
    limit = max((abs(v) for row in z for v in row if v is not None), default=1.0) or 1.0
    figure.add_trace(
        go.Heatmap(
            z=z,
            x=list(_MONTHS),
            y=years,
            colorscale="RdYlGn",
            zmin=-limit,
            zmax=limit,
            zmid=0,
            texttemplate="%{z:.1f}",
            hovertemplate="%{y} %{x}: %{z:.2f}%<extra></extra>",
            colorbar={"ticksuffix": "%"},
            xgap=2,
            ygap=2,
        )
    )
    figure.update_layout(margin={"l": 60, "r": 20, "t": 80, "b": 20})
    return _section("monthly", "Monthly returns", charts.div("monthly", figure))


def _form_8949_section(disposals: Sequence[Disposal], places: int) -> str:
    parts = [
        "<p>Sales and other dispositions of capital assets, one row per lot sold. (a) description, (b) date "
        "acquired, (c) date sold, (d) proceeds, (e) cost or other basis, (f) adjustment code, (g) adjustment, "
        "(h) gain or (loss).</p>"
    ]
    for term, part, heading, held in (
        (Term.SHORT, "I", "Short-term", "held one year or less"),
        (Term.LONG, "II", "Long-term", "held more than one year"),
    ):
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
                [
                    "Account",
                    "(a) Description",
                    "(b) Acquired",
                    "(c) Sold",
                    "(d) Proceeds",
                    "(e) Cost basis",
                    "(f) Code",
                    "(g) Adjustment",
                    "(h) Gain or (loss)",
                ],
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


# ---------------------------------------------------------------------------------------------
# The page

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="tradegame">
<title>{title}</title>
<style>{style}</style>
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
"""

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
tr.total td { border-top: 2px solid #999; font-weight: bold; background: #fff; position: sticky; bottom: 0; }
.scroll { max-height: 480px; overflow: auto; border: 1px solid #eee; }
.scroll table { width: 100%; }
.note { color: #666; font-style: italic; }
tr.outcome td { font-weight: bold; }
table.log td { white-space: nowrap; }
table.log td:nth-child(8) { white-space: normal; }
.outcome-catastrophic_exit { color: #b2182b; }
.outcome-perfect_exit { color: #1a9850; }
.filters { margin: 8px 0; }
.filters input, .filters select { margin-right: 12px; }
.chart { margin: 8px 0; }
"""

# Hides the decision-log rows that do not match the text box and the kind selector.
_LOG_FILTER_JS = """
(function () {
  "use strict";
  var text = document.getElementById("log-filter");
  var kind = document.getElementById("log-kind");
  var count = document.getElementById("log-count");
  if (!text || !kind || !count) { return; }
  var rows = document.querySelectorAll("#decision-log-table tbody tr");
  function apply() {
    var needle = text.value.trim().toLowerCase();
    var wanted = kind.value;
    var shown = 0;
    for (var i = 0; i < rows.length; i++) {
      var row = rows[i];
      var match = (!wanted || row.getAttribute("data-kind") === wanted) &&
        (!needle || row.textContent.toLowerCase().indexOf(needle) !== -1);
      row.hidden = !match;
      if (match) { shown++; }
    }
    count.textContent = shown.toLocaleString("en-US") + " of " + rows.length.toLocaleString("en-US") +
      " events shown";
  }
  text.addEventListener("input", apply);
  kind.addEventListener("change", apply);
})();
"""
