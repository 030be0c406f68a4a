"""Performance metrics of a finished Game, from its value after each Round.

Owns the numbers a report shows about a Game's value path: returns, risk, drawdowns, ratios,
trading activity and comparison with a benchmark. Analytics may use floats: everything here is
float64 numpy (pandas only for the month table). It reads and writes nothing, and imports
nothing of tradegame beyond ``tradegame.domain.errors``.

Conventions (checked against empyrical-reloaded in ``tests/oracle/test_metrics_oracle.py``):

* **Returns** are simple returns between consecutive Rounds, ``v[i] / v[i-1] - 1``. ``n`` values
  give ``n - 1`` returns (fewer after a bust, below). Values must be finite and the first one
  strictly positive (a Game worth nothing at its first Round has no return to measure), times
  strictly increasing, and at least two Rounds are needed; anything else raises
  ``InvalidInputError``. No NaN is ever skipped silently.
* **Bust**: a Game whose value falls to zero or below at some Round has lost everything;
  ``bust_round`` is the first such Round (None for a Game that never did). Losing everything is a
  result, and every metric stays defined for it. The returns stop at that Round: the return into
  it is -100 % (below -100 % when the Game owes more than it holds), and after it there is
  nothing left to earn a return on, so the Rounds after it have none; volatility, Sharpe,
  Sortino and the benchmark's beta, alpha and correlation are computed on the returns up to the
  bust. Total return and drawdowns keep the values as they are: a Game that ends owing 20 % of
  its first value has a total return of -120 %.
* **Periods per year** (``ppy``) is taken from ``periods_per_year`` when given, otherwise
  inferred from the median spacing ``d`` of ``times`` by ``infer_periods_per_year``:
  ``d`` under 0.75 day is intraday, ``ppy = sessions * session_length / d`` with 252 sessions of
  6.5 hours (exchange hours: 1-minute bars give 252 * 390, hourly bars 252 * 6.5 = 1638) or, when
  some Round falls on a Saturday or Sunday (UTC), 365 sessions of 24 hours; ``d`` from 0.75 to
  4 days is daily, 252 (exchange sessions) or 365 when a Round falls on a weekend (24/7
  markets); up to 10 days is weekly (52), up to 60 monthly (12), up to 200 quarterly (4), and
  beyond that yearly (1).
* **Total return** is ``v[-1] / v[0] - 1``.
* **Annual return** (``annual_return``) is empyrical's ``annual_return``/``cagr``: the total
  growth raised to ``ppy / (n - 1)``, i.e. years counted as periods / ppy.
  **CAGR** (``cagr``) counts calendar time instead: ``years = (t[-1] - t[0]) / 365.25 days``,
  ``cagr = (v[-1] / v[0]) ** (1 / years) - 1``. The two agree when ``ppy`` equals the number of
  returns per calendar year; they differ by the holidays and the partial first and last periods.
  A short, strong run may overflow either to ``inf``. A Game that ends worth nothing or less has
  lost 100 % a year on both counts: -1.0 (a growth at or below zero has no real root).
* **Volatility** is the sample standard deviation (ddof=1) of the returns times ``sqrt(ppy)``;
  NaN with a single return (two Rounds), and so are the Sharpe and Sortino ratios.
* **Sharpe** is ``mean(r - rf) / std(r - rf, ddof=1) * sqrt(ppy)`` with ``rf`` the constant
  risk-free return *per Round* (``risk_free_per_round``), as in empyrical.
* **Sortino** is ``mean(r - rf) * ppy / downside_deviation`` with empyrical's downside
  deviation ``sqrt(mean(min(r - rf, 0) ** 2)) * sqrt(ppy)``: the mean runs over *all* returns,
  not only the negative ones, and the required return is ``rf``.
* **Zero risk**: when every excess return is exactly equal (an all-flat Game, or cash earning a
  constant rate) the Sharpe ratio is NaN, and when no excess return is negative the Sortino
  ratio is NaN. A ratio over zero risk is undefined; empyrical gives ``inf`` there instead
  (or NaN for ``0 / 0``), we never report an infinity for a ratio.
* **Drawdown** is ``v / running_max(v) - 1``: zero at a new high, negative below it, -1.0 at
  zero and below -1.0 for a value below zero. ``max_drawdown`` is its minimum, a negative
  fraction (0.0 when the value never fell), the sign empyrical uses.
* **Max drawdown duration** is the longest time under water: from the Round of a peak to the
  first later Round whose value is back at or above that peak, or to the last Round when the
  value has not recovered (backtesting.py's "Max. Drawdown Duration"). It is not necessarily
  the episode of the deepest drawdown. ``max_drawdown_duration_days`` counts whole calendar
  days between the two Rounds' UTC dates (so a daylight-saving shift of the session close does
  not make it 181.96 days), ``max_drawdown_duration_rounds`` the Rounds from the peak to the
  end of that episode; the episode is the one with the most days (the first of equals). Both
  are 0 when the value never fell.
* **Calmar** is ``cagr / |max_drawdown|`` (calendar CAGR), NaN when there was no drawdown or
  the CAGR overflowed.
  empyrical's ``calmar_ratio`` divides its period-based annual return instead.
* **Benchmark** (optional): its value on the same Rounds, e.g. buy-and-hold of one symbol.
  ``benchmark_return`` is its total return, ``excess_return`` the difference of the total
  returns (``total_return - benchmark_return``), ``beta`` = cov(r, b) / var(b) (population
  moments; NaN when the benchmark does not move), ``alpha`` is empyrical's annualized alpha
  ``(1 + mean((r - rf) - beta * (b - rf))) ** ppy - 1``, ``correlation`` the Pearson
  correlation of the two return series (NaN when either does not move).
* **Win rate** is the share of round-trip trade gains that are strictly positive (a trade that
  breaks even is not a win); None when there were no trades.
* **Turnover** is total traded notional / mean Game value / calendar years (one full turnover
  of the book a year is 1.0; a value below zero counts as zero in the mean); the notional is
  given per Round or as one total. None when not given.
* **Exposure** is the mean invested fraction over the Rounds (gross, as given; it may exceed 1
  with leverage). None when not given.
* **Monthly returns** are value at the last Round of a UTC calendar month over value at the
  last Round of the month before (the first Round for the first month), minus 1; NaN for a month
  that starts from a value at or below zero (after a bust there is no return to show).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from tradegame.domain.errors import InvalidInputError
from tradegame.reporting.metric_stats import (
    NS_PER_DAY,
    _annualize,
    _bust_round,
    _exposure,
    _longest_underwater,
    _refuse_non_finite,
    _sharpe,
    _sortino,
    _std,
    _times,
    _turnover,
    _values,
    _win_rate,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "Metrics",
    "bust_round",
    "compute_metrics",
    "drawdown_series",
    "infer_periods_per_year",
    "monthly_returns",
    "simple_returns",
]

FloatArray = npt.NDArray[np.float64]

_DAYS_PER_YEAR = 365.25
_EXCHANGE_SESSIONS = 252
_EXCHANGE_SESSION_DAYS = 6.5 / 24
_CALENDAR_DAYS = 365


@dataclass(frozen=True)
class Metrics:
    """The summary statistics of one Game; see the module docstring for each definition.

    Fractions are plain fractions (0.21 is +21 %); ratios are annualized with
    ``periods_per_year``; fields that need an optional input are None without it.
    """

    rounds: int
    periods_per_year: float
    years: float
    total_return: float
    annual_return: float
    cagr: float
    volatility: float
    sharpe: float
    sortino: float
    max_drawdown: float
    max_drawdown_duration_days: int
    max_drawdown_duration_rounds: int
    calmar: float
    bust_round: int | None = None
    win_rate: float | None = None
    turnover: float | None = None
    exposure: float | None = None
    benchmark_return: float | None = None
    excess_return: float | None = None
    alpha: float | None = None
    beta: float | None = None
    correlation: float | None = None


def compute_metrics(
    values: npt.ArrayLike,
    times: npt.ArrayLike,
    *,
    benchmark: npt.ArrayLike | None = None,
    trade_gains: Iterable[float | Decimal] = (),
    traded_notional: float | Decimal | npt.ArrayLike | None = None,
    exposure: npt.ArrayLike | None = None,
    risk_free_per_round: float = 0.0,
    periods_per_year: float | None = None,
    start_value: float | Decimal | None = None,
) -> Metrics:
    """Compute every metric of a Game from its value after each Round.

    ``values`` are the Game's values (float64, one per Round), ``times`` the Rounds' times
    (int64 nanoseconds since the epoch, UTC, or ``datetime64``), strictly increasing.
    ``benchmark`` is a benchmark's value on the same Rounds; ``trade_gains`` the realized gain
    of each round-trip trade; ``traded_notional`` the absolute notional traded in each Round
    (an array as long as ``values``) or in the whole Game (one number); ``exposure`` the
    invested fraction after each Round. ``risk_free_per_round`` is a return per Round, not per
    year. ``start_value`` is the Game's value before its first Round (its start capital): when
    given, returns, drawdowns and the total return are measured from it, so a cost charged at the
    first Round counts (without it they start at the first Round's value). Raises
    ``InvalidInputError`` for input the metrics cannot be computed from.

    >>> m = compute_metrics([100.0, 110.0, 99.0, 121.0], np.array([0, 1, 2, 3]) * 86_400 * 10**9,
    ...                     periods_per_year=252)
    >>> round(m.total_return, 12), round(m.max_drawdown, 12), m.max_drawdown_duration_days
    (0.21, -0.1, 2)
    >>> bust = compute_metrics([100.0, 50.0, 0.0, 0.0], np.array([0, 1, 2, 3]) * 86_400 * 10**9)
    >>> bust.bust_round, bust.total_return, bust.cagr, bust.max_drawdown
    (2, -1.0, -1.0, -1.0)
    """
    value_array, time_ns, series, series_ns = _series(values, times, start_value)
    ppy = _periods_per_year(periods_per_year, time_ns)
    if not math.isfinite(risk_free_per_round):
        raise InvalidInputError(f"risk_free_per_round must be a finite number, got {risk_free_per_round!r}")

    returns = simple_returns(series)
    excess = returns - risk_free_per_round
    years = float(time_ns[-1] - time_ns[0]) / NS_PER_DAY / _DAYS_PER_YEAR
    metrics = replace(
        _return_metrics(value_array, series, series_ns, returns, excess, ppy, years),
        win_rate=_win_rate(trade_gains),
        turnover=None if traded_notional is None else _turnover(traded_notional, value_array, years),
        exposure=None if exposure is None else _exposure(exposure, len(value_array)),
    )
    if benchmark is None:
        return metrics
    benchmark_array = _benchmark_series(benchmark, len(value_array), start_value is not None)
    return _with_benchmark(metrics, returns, excess, benchmark_array, risk_free_per_round, ppy)


def _return_metrics(
    value_array: FloatArray,
    series: FloatArray,
    series_ns: npt.NDArray[np.int64],
    returns: FloatArray,
    excess: FloatArray,
    ppy: float,
    years: float,
) -> Metrics:
    """The metrics of the values alone: returns, risk, drawdowns and when the Game went bust."""
    growth = float(value_array[-1] / series[0])
    max_drawdown = float(drawdown_series(series).min())
    cagr = _annualize(growth, years)
    underwater_days, underwater_rounds = _longest_underwater(series, series_ns)
    return Metrics(
        rounds=len(value_array),
        periods_per_year=ppy,
        years=years,
        total_return=growth - 1.0,
        annual_return=_annualize(growth, len(returns) / ppy),
        cagr=cagr,
        volatility=_std(returns) * math.sqrt(ppy),
        sharpe=_sharpe(excess, ppy),
        sortino=_sortino(excess, ppy),
        max_drawdown=max_drawdown,
        max_drawdown_duration_days=underwater_days,
        max_drawdown_duration_rounds=underwater_rounds,
        calmar=cagr / -max_drawdown if max_drawdown < 0 and math.isfinite(cagr) else math.nan,
        bust_round=_bust_round(value_array),
    )


def _benchmark_series(benchmark: npt.ArrayLike, rounds: int, from_start: bool) -> FloatArray:
    """The benchmark's checked values, one per Round; ``from_start``: first the start's (its first Round's)."""
    benchmark_array = _values(benchmark, "benchmark", all_positive=True)
    if len(benchmark_array) != rounds:
        raise InvalidInputError(f"benchmark has {len(benchmark_array)} entries but values has {rounds}")
    if from_start:  # the benchmark starts where the Game does
        benchmark_array = np.concatenate((benchmark_array[:1], benchmark_array))
    return benchmark_array


def _series(
    values: npt.ArrayLike, times: npt.ArrayLike, start_value: float | Decimal | None
) -> tuple[FloatArray, npt.NDArray[np.int64], FloatArray, npt.NDArray[np.int64]]:
    """The checked values and times, and the series measured from (the start, then every Round)."""
    if start_value is None:
        value_array = _values(values, "values")
        time_ns = _times(times, len(value_array))
        return value_array, time_ns, value_array, time_ns
    start = float(start_value)
    if not (math.isfinite(start) and start > 0):
        raise InvalidInputError(f"start_value must be a positive number, got {start_value!r}")
    value_array = _values(np.concatenate(([start], np.asarray(values, dtype=np.float64))), "values")[1:]
    time_ns = _times(times, len(value_array))
    series = np.concatenate(([start], value_array))  # the start, then every Round
    series_ns = np.concatenate((time_ns[:1], time_ns))
    return value_array, time_ns, series, series_ns


def _periods_per_year(periods_per_year: float | None, time_ns: npt.NDArray[np.int64]) -> float:
    if periods_per_year is None:
        return infer_periods_per_year(time_ns)
    ppy = float(periods_per_year)
    if not (math.isfinite(ppy) and ppy > 0):
        raise InvalidInputError(f"periods_per_year must be a positive number, got {periods_per_year!r}")
    return ppy


def simple_returns(values: npt.ArrayLike) -> FloatArray:
    """The simple return between each pair of consecutive values: ``v[i] / v[i-1] - 1``.

    They stop at a bust: the last is the return into the first value at or below zero.
    """
    value_array = _values(values, "values")
    bust = _bust_round(value_array)
    end = len(value_array) if bust is None else bust + 1
    returns: FloatArray = value_array[1:end] / value_array[: end - 1] - 1.0
    return returns


def bust_round(values: npt.ArrayLike) -> int | None:
    """The first Round whose value is zero or below (the Game has lost everything), else None.

    Any number of Rounds will do, even one, and the first may be the one: a Game too short or
    too poor for ``compute_metrics`` can still have gone bust.
    """
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise InvalidInputError(f"values must be numbers: {error}") from None
    if array.ndim != 1:
        raise InvalidInputError(f"values must be one-dimensional, got shape {array.shape}")
    _refuse_non_finite(array, "values")
    return _bust_round(array)


def drawdown_series(values: npt.ArrayLike) -> FloatArray:
    """The drawdown after each Round: ``v / running_max(v) - 1``, 0 at a high, negative below."""
    value_array = _values(values, "values")
    drawdowns: FloatArray = value_array / np.maximum.accumulate(value_array) - 1.0
    return drawdowns


def infer_periods_per_year(times: npt.ArrayLike) -> float:
    """The annualization factor for Rounds at ``times``, from their median spacing.

    See the module docstring for the table; pass ``periods_per_year`` to ``compute_metrics``
    when the Rounds follow another rhythm.
    """
    time_ns = _times(times, None)
    spacing_days = float(np.median(np.diff(time_ns))) / NS_PER_DAY
    # 1970-01-01 was a Thursday: day number + 3 modulo 7 is 0 on Monday, 5 and 6 at the weekend.
    weekdays = (time_ns // NS_PER_DAY + 3) % 7
    round_the_clock = bool((weekdays >= 5).any())
    if spacing_days < 0.75:
        if round_the_clock:
            return _CALENDAR_DAYS / spacing_days
        return _EXCHANGE_SESSIONS * _EXCHANGE_SESSION_DAYS / spacing_days
    if spacing_days < 4:
        return float(_CALENDAR_DAYS if round_the_clock else _EXCHANGE_SESSIONS)
    if spacing_days < 10:
        return 52.0
    if spacing_days < 60:
        return 12.0
    if spacing_days < 200:
        return 4.0
    return 1.0


def monthly_returns(values: npt.ArrayLike, times: npt.ArrayLike) -> pd.DataFrame:
    """A year x month table of the Game's return in each UTC calendar month, for a heatmap.

    Rows are every year from the first Round's to the last's (index named ``year``), columns
    the months 1 to 12 (named ``month``); a month without a Round is NaN.
    """
    import pandas as pd  # an outer-ring dependency, imported only for this table

    value_array = _values(values, "values")
    time_ns = _times(times, len(value_array))
    stamps = pd.DatetimeIndex(time_ns.astype("datetime64[ns]")).tz_localize("UTC")
    month_end_values = pd.Series(value_array).groupby([stamps.year, stamps.month]).last()
    bases = month_end_values.shift(1)
    bases.iloc[0] = value_array[0]
    returns = month_end_values / bases.where(bases > 0) - 1.0  # nothing to earn on after a bust: NaN
    table = returns.unstack()
    table = table.reindex(
        index=pd.RangeIndex(int(stamps.year[0]), int(stamps.year[-1]) + 1, name="year"),
        columns=pd.RangeIndex(1, 13, name="month"),
    )
    return table.astype("float64")


def _with_benchmark(
    metrics: Metrics, returns: FloatArray, excess: FloatArray, benchmark: FloatArray, rf: float, ppy: float
) -> Metrics:
    # On the Rounds the Game has returns for (all of them, unless it went bust).
    benchmark_returns = (benchmark[1:] / benchmark[:-1] - 1.0)[: len(returns)]
    benchmark_return = float(benchmark[-1] / benchmark[0]) - 1.0
    centred = benchmark_returns - benchmark_returns.mean()
    variance = float(np.mean(centred * centred))
    # empyrical treats a variance below 1e-30 as none at all.
    beta = float(np.mean(centred * returns)) / variance if variance >= 1e-30 else math.nan
    alpha = math.nan
    if len(returns) >= 2 and math.isfinite(beta):
        alpha = _annualize(1.0 + float(np.mean(excess - beta * (benchmark_returns - rf))), 1.0 / ppy)
    correlation = math.nan
    if _std(returns) > 0 and _std(benchmark_returns) > 0:
        correlation = float(np.corrcoef(returns, benchmark_returns)[0, 1])
    return replace(
        metrics,
        benchmark_return=benchmark_return,
        excess_return=metrics.total_return - benchmark_return,
        alpha=alpha,
        beta=beta,
        correlation=correlation,
    )
