"""A Game's value path by period: its worst drawdowns, its calendar years, its rolling risk.

Conventions (as ``metrics``'s; values must be finite with a first value above zero, times
strictly increasing, else ``InvalidInputError``):

* **Drawdown periods**: a period starts at a **peak** (a Round at the running high, the last one
  before the value falls below it) and ends at its **recovery**, the first later Round back at or
  above the peak, or is **not recovered** at the last Round. Its **trough** is its lowest Round
  (the first of equals), its **depth** ``trough / peak - 1`` (``drawdown_series``' minimum over
  the period), its **length** the whole UTC calendar days and the Rounds from the peak to the
  recovery (or to the last Round). ``drawdown_periods`` gives the ``count`` deepest, deepest
  first (the earlier of equal depths first).
* **Annual returns**: value at the last Round of a UTC calendar year over value at the last
  Round of the year before (the first Round for the first year), minus 1: the product of the
  year's ``monthly_returns``. NaN for a year that starts from a value at or below zero (a bust).
  A year is **partial** when the Game did not cover all of it: the first year unless the first
  Round falls in the year's first week (January 1 to 7), the last unless the last Round falls in
  its last week (December 25 to 31).
* **Rolling risk** over a window of ``w`` returns (``rolling_window``: half a year of Rounds,
  ``round(ppy / 2)``, e.g. 126 for daily exchange sessions): volatility = sample standard
  deviation (ddof=1) × ``sqrt(ppy)``, Sharpe = mean / standard deviation × ``sqrt(ppy)`` (no
  risk-free rate; NaN when the window does not move), as ``metrics`` annualizes them. The value
  at Round ``i`` is of the ``w`` returns ending at it; NaN before ``w`` returns are known, and
  after a bust (``simple_returns`` stop there).

Floats (analytics). Imports numpy and ``metrics``' checks; reads and writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import numpy.typing as npt

from tradegame.reporting.metric_stats import NS_PER_DAY, FloatArray, _times, _values
from tradegame.reporting.metrics import simple_returns

__all__ = [
    "AnnualReturn",
    "DrawdownPeriod",
    "annual_returns",
    "drawdown_periods",
    "rolling_risk",
    "rolling_window",
]


@dataclass(frozen=True)
class DrawdownPeriod:
    """One stretch below a running high (Round indices; ``recovery`` None when not recovered)."""

    peak: int
    trough: int
    recovery: int | None
    depth: float  # trough / peak - 1, negative
    days: int  # whole UTC calendar days from the peak to the recovery (or the last Round)
    rounds: int


@dataclass(frozen=True)
class AnnualReturn:
    """One UTC calendar year's return, and whether the Game covered only part of the year."""

    year: int
    value: float
    partial: bool


def drawdown_periods(values: npt.ArrayLike, times: npt.ArrayLike, count: int = 5) -> list[DrawdownPeriod]:
    """The ``count`` deepest drawdown periods of ``values`` at ``times``, deepest first."""
    value_array = _values(values, "values")
    time_ns = _times(times, len(value_array))
    peaks = np.maximum.accumulate(value_array)
    at_high = np.flatnonzero(value_array >= peaks)
    utc_days = time_ns // NS_PER_DAY
    periods = []
    bounds: list[tuple[int, int | None]] = [*pairwise(at_high.tolist()), (int(at_high[-1]), None)]
    for peak, recovery in bounds:
        end = len(value_array) - 1 if recovery is None else int(recovery)
        if end - peak < (2 if recovery is not None else 1):
            continue  # no Round below the peak in between
        trough = int(peak + 1 + np.argmin(value_array[peak + 1 : end + 1]))
        periods.append(
            DrawdownPeriod(
                peak=int(peak),
                trough=trough,
                recovery=None if recovery is None else int(recovery),
                depth=float(value_array[trough] / value_array[peak] - 1.0),
                days=int(utc_days[end] - utc_days[peak]),
                rounds=int(end - peak),
            )
        )
    periods.sort(key=lambda period: (period.depth, period.peak))
    return periods[:count]


def annual_returns(values: npt.ArrayLike, times: npt.ArrayLike) -> list[AnnualReturn]:
    """Each UTC calendar year's return, from the first Round's year to the last's."""
    value_array = _values(values, "values")
    time_ns = _times(times, len(value_array))
    stamps = time_ns.astype("datetime64[ns]")
    years = stamps.astype("datetime64[Y]").astype(np.int64) + 1970
    last_of_year = np.flatnonzero(np.r_[years[1:] != years[:-1], True])
    day_of_year = (stamps.astype("datetime64[D]") - stamps.astype("datetime64[Y]")).astype(np.int64)
    out = []
    base = float(value_array[0])
    for number, last in enumerate(last_of_year):
        year = int(years[last])
        end = float(value_array[last])
        value = end / base - 1.0 if base > 0 else float("nan")
        first_partial = number == 0 and day_of_year[0] >= 7
        days_in_year = 366 if (year % 4 == 0 and year % 100 != 0) or year % 400 == 0 else 365
        last_partial = number == len(last_of_year) - 1 and day_of_year[-1] < days_in_year - 7
        out.append(AnnualReturn(year, value, bool(first_partial or last_partial)))
        base = end
    return out


def rolling_window(periods_per_year: float) -> int:
    """The rolling window: half a year of Rounds, at least 2 returns."""
    return max(2, round(periods_per_year / 2))


def rolling_risk(values: npt.ArrayLike, window: int, periods_per_year: float) -> tuple[FloatArray, FloatArray]:
    """Rolling annualized (volatility, Sharpe ratio) per Round over ``window`` returns."""
    returns = simple_returns(values)
    rounds = len(_values(values, "values"))
    volatility = np.full(rounds, np.nan)
    sharpe = np.full(rounds, np.nan)
    if len(returns) < window:
        return volatility, sharpe
    windows = np.lib.stride_tricks.sliding_window_view(returns, window)
    # As ``metrics``: a window of equal returns has a deviation of exactly 0, whatever the rounding.
    std = np.where(windows.max(axis=1) == windows.min(axis=1), 0.0, windows.std(axis=1, ddof=1))
    mean = windows.mean(axis=1)
    scale = np.sqrt(periods_per_year)
    end = window + len(windows)  # the return ending at Round i is returns[i - 1]
    volatility[window:end] = std * scale
    with np.errstate(divide="ignore", invalid="ignore"):
        sharpe[window:end] = np.where(std > 0, mean / std * scale, np.nan)
    return volatility, sharpe
