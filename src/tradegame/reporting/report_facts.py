"""What the HTML report of a played Game is computed from: its fills, held units, marks and metrics.

``_Facts.of(result, universe, benchmark_symbol)`` computes, once, everything the page's sections
read (see ``html_report`` for how Positions are valued and fills are found). Imports the engine's
result types and ``reporting.metrics``; reads and writes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from tradegame.domain.errors import InvalidInputError
from tradegame.engine.assets import AssetMap
from tradegame.engine.game import GameResult, currency_of
from tradegame.engine.universe import Universe, UniverseView, static_rates
from tradegame.reporting.benchmark import benchmark_symbol as default_benchmark
from tradegame.reporting.benchmark import first_traded
from tradegame.reporting.html_points import short_times, time_texts
from tradegame.reporting.metrics import Metrics, compute_metrics

if TYPE_CHECKING:
    from tradegame.data.panel import Panel

FloatArray = npt.NDArray[np.float64]

_ZERO = Decimal(0)


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

    def x_range(self) -> list[str]:
        """The time axis every chart of the page shares: the equity chart's, first to last Round."""
        return time_texts(short_times(self.round_times[[0, -1]]))

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
        chosen = benchmark_symbol or default_benchmark(panel.symbols, first_traded(result, universe))

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

        traded = _traded_notional(result, universe, fills, columns)
        metrics, problem = _metrics(result, values, times_ns, benchmark, traded, invested)
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


def _closes_at(panel: Panel, rows: npt.NDArray[np.intp]) -> FloatArray:
    """The latest close of each symbol known at each of ``rows`` (NaN before its first bar)."""
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
    """Game-currency units per unit of each symbol's price, as known at each of ``times_ns`` (the
    Rounds, or the fills): its quote currency's rate, or for a cross pair (ETH/BTC) its quote asset's
    value (``closes`` known at those times, ``value_columns``: the column valuing each asset)."""
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
    times: list[datetime] = []
    columns: list[int] = []
    deltas: list[float] = []
    books = result.books
    for account in books.journal_accounts():
        if not account.startswith("Assets:") or account.rsplit(":", 1)[-1] not in column:
            continue  # not an asset's units: read none of its postings
        for timestamp, symbol, moved in books.unit_moves(account):
            if symbol in column and account.endswith(f":{symbol}"):
                times.append(timestamp)
                columns.append(column[symbol])
                deltas.append(float(moved))
    units = np.zeros((len(times_ns), width))
    if not times:
        return units
    stamps = _ns_all(times)
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


def _traded_notional(
    result: GameResult, universe: Universe, fills: Sequence[_Fill], value_columns: Mapping[str, int]
) -> float:
    """The notional of every fill in the Game currency, each at the rate known at its fill (as the
    engine converts then): a fill at the next open uses the closes before that open, not the rate of
    the Round that follows it."""
    if not fills:
        return 0.0
    panel = universe.panel
    fill_ns = np.array(_ns_all(fill.time for fill in fills), dtype=np.int64)
    rows = np.searchsorted(panel.available, fill_ns, side="right") - 1
    fx = _fx_at(result, universe, fill_ns, _closes_at(panel, rows), value_columns)
    return sum(float(fill.notional) * float(fx[i, panel.column(fill.symbol)]) for i, fill in enumerate(fills))


def _metrics(
    result: GameResult,
    values: FloatArray,
    times_ns: npt.NDArray[np.int64],
    benchmark: FloatArray | None,
    traded: float,
    invested: FloatArray,
) -> tuple[Metrics | None, str | None]:
    gains: dict[str, Decimal] = {}
    for disposal in result.books.disposals():
        gains[disposal.sale_id] = gains.get(disposal.sale_id, _ZERO) + disposal.gain
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


def _ns_all(times: Iterable[datetime]) -> list[int]:
    """``_ns`` of each of ``times`` (a time repeated is converted once)."""
    return list(map(cache(_ns), times))


def _ns(when: datetime) -> int:
    seconds = int(when.timestamp())
    return seconds * 1_000_000_000 + when.microsecond * 1000
