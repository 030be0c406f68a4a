"""The arithmetic behind ``reporting.metrics``: input checks and the statistics, on float64 arrays.

``metrics.py`` documents every definition; this module holds its private helpers so the public
module stays small. Imports nothing of tradegame beyond ``tradegame.domain.errors``.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from decimal import Decimal

import numpy as np
import numpy.typing as npt

from tradegame.domain.errors import InvalidInputError

FloatArray = npt.NDArray[np.float64]

NS_PER_DAY = 86_400 * 1_000_000_000


# ---------------------------------------------------------------------------------------------
# Input checks


def _values(values: npt.ArrayLike, name: str, *, all_positive: bool = False) -> FloatArray:
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise InvalidInputError(f"{name} must be numbers: {error}") from None
    if array.ndim != 1:
        raise InvalidInputError(f"{name} must be one-dimensional, got shape {array.shape}")
    if len(array) < 2:
        raise InvalidInputError(f"{name} needs at least 2 Rounds to have a return, got {len(array)}")
    _refuse_non_finite(array, name)
    if all_positive:
        bad = np.flatnonzero(array <= 0)
        if len(bad):
            raise InvalidInputError(f"{name} must be positive; {name}[{bad[0]}] is {float(array[bad[0]])!r}")
    elif not array[0] > 0:
        raise InvalidInputError(
            f"{name}[0] is {float(array[0])!r}: a Game worth nothing at its first Round has no return to measure"
        )
    return array


def _refuse_non_finite(array: FloatArray, name: str) -> None:
    bad = np.flatnonzero(~np.isfinite(array))
    if len(bad):
        first = float(array[bad[0]])
        raise InvalidInputError(f"{name} must be finite; {name}[{bad[0]}] is {first!r} ({len(bad)} in all)")


def _times(times: npt.ArrayLike, expected_length: int | None) -> npt.NDArray[np.int64]:
    array = np.asarray(times)
    if array.dtype.kind == "M":
        if np.isnat(array).any():
            raise InvalidInputError("times must not contain NaT")
        array = array.astype("datetime64[ns]").view(np.int64)
    elif array.dtype.kind not in "iu":
        raise InvalidInputError(f"times must be int64 nanoseconds since the epoch (UTC), got dtype {array.dtype}")
    time_ns = array.astype(np.int64)
    if time_ns.ndim != 1:
        raise InvalidInputError(f"times must be one-dimensional, got shape {time_ns.shape}")
    if expected_length is not None and len(time_ns) != expected_length:
        raise InvalidInputError(f"times has {len(time_ns)} entries but values has {expected_length}")
    if len(time_ns) < 2:
        raise InvalidInputError(f"times needs at least 2 Rounds, got {len(time_ns)}")
    steps = np.diff(time_ns)
    bad = np.flatnonzero(steps <= 0)
    if len(bad):
        i = int(bad[0]) + 1
        raise InvalidInputError(
            f"times must be strictly increasing; times[{i}] = {time_ns[i]} follows times[{i - 1}] = {time_ns[i - 1]}"
        )
    return time_ns


def _per_round(series: npt.ArrayLike, name: str, rounds: int) -> FloatArray:
    try:
        array = np.asarray(series, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise InvalidInputError(f"{name} must be numbers: {error}") from None
    if array.shape != (rounds,):
        raise InvalidInputError(f"{name} must have one entry per Round ({rounds}), got shape {array.shape}")
    _refuse_non_finite(array, name)
    return array


# ---------------------------------------------------------------------------------------------
# The statistics


def _annualize(growth: float, years: float) -> float:
    if growth <= 0:  # everything lost (or more): -100 % a year, whatever the time it took
        return -1.0
    with np.errstate(over="ignore"):
        return float(np.float64(growth) ** (1.0 / years) - 1.0)


def _std(returns: FloatArray) -> float:
    if len(returns) < 2:
        return math.nan
    # As empyrical: equal values have a deviation of exactly 0, whatever rounding the mean had.
    if returns.max() == returns.min():
        return 0.0
    return float(np.std(returns, ddof=1))


def _sharpe(excess: FloatArray, ppy: float) -> float:
    std = _std(excess)
    if not std > 0:
        return math.nan
    return float(np.mean(excess)) / std * math.sqrt(ppy)


def _sortino(excess: FloatArray, ppy: float) -> float:
    if len(excess) < 2:
        return math.nan
    downside = np.minimum(excess, 0.0)
    downside_deviation = math.sqrt(float(np.mean(downside * downside))) * math.sqrt(ppy)
    if not downside_deviation > 0:
        return math.nan
    return float(np.mean(excess)) * ppy / downside_deviation


def _bust_round(values: FloatArray) -> int | None:
    at_or_below_zero = np.flatnonzero(values <= 0)
    return int(at_or_below_zero[0]) if len(at_or_below_zero) else None


def _longest_underwater(values: FloatArray, time_ns: npt.NDArray[np.int64]) -> tuple[int, int]:
    """The longest stretch under water: (whole calendar days, Rounds)."""
    peaks = np.maximum.accumulate(values)
    at_high = np.flatnonzero(values >= peaks)
    # A stretch under water runs from a high to the next high with Rounds below it in between,
    # or from the last high to the last Round when the value ends below it.
    starts, ends = at_high[:-1], at_high[1:]
    underwater = ends - starts > 1
    starts, ends = starts[underwater], ends[underwater]
    if at_high[-1] < len(values) - 1:
        starts = np.append(starts, at_high[-1])
        ends = np.append(ends, len(values) - 1)
    if not len(starts):
        return 0, 0
    # Days between UTC dates, not elapsed time / 24 h: a close an hour earlier after a
    # daylight-saving change must not shorten the count to 180.96 days.
    utc_days = time_ns // NS_PER_DAY
    days = utc_days[ends] - utc_days[starts]
    longest = int(np.argmax(days))
    return int(days[longest]), int(ends[longest] - starts[longest])


def _win_rate(trade_gains: Iterable[float | Decimal]) -> float | None:
    gains = list(trade_gains)
    if not gains:
        return None
    for i, gain in enumerate(gains):
        if isinstance(gain, Decimal):
            finite = gain.is_finite()
        else:
            finite = isinstance(gain, numbers.Real) and math.isfinite(gain)
        if not finite:
            raise InvalidInputError(f"trade_gains[{i}] must be a finite number, got {gain!r}")
    return sum(1 for gain in gains if gain > 0) / len(gains)


def _turnover(traded_notional: float | Decimal | npt.ArrayLike, values: FloatArray, years: float) -> float:
    if isinstance(traded_notional, Decimal):
        traded_notional = float(traded_notional)
    if np.ndim(traded_notional) == 0:
        total = np.array([traded_notional], dtype=np.float64)
        _refuse_non_finite(total, "traded_notional")
    else:
        total = _per_round(traded_notional, "traded_notional", len(values))
    if (total < 0).any():
        raise InvalidInputError("traded_notional must not be negative: it is the absolute amount bought and sold")
    return float(total.sum()) / float(np.maximum(values, 0.0).mean()) / years


def _exposure(exposure: npt.ArrayLike, rounds: int) -> float:
    return float(_per_round(exposure, "exposure", rounds).mean())
