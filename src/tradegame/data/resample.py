"""Resample bars to a coarser frequency (minute to hourly or daily, hourly to daily, ...), on arrays.

A coarse bar takes the first open, the highest high, the lowest low, the last close and adjusted
close, and the summed volume of the fine bars in its period; NaN inputs are skipped (a period of
all-NaN stays NaN). Periods are labelled by their start: the top of the hour in UTC for hourly
bars; for daily bars the calendar date in the exchange's own time zone (so a New York session is
one day whatever UTC says), at 00:00 UTC, as tradegame stamps daily bars.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tradegame.data.bars import BAR_COLUMNS
from tradegame.data.calendars import ALWAYS_OPEN, calendar
from tradegame.data.errors import DataError

__all__ = ["resample_bars"]

_HOUR_NS = 3_600 * 10**9
_DAY_NS = 86_400 * 10**9


def _period_starts(stamps: pd.DatetimeIndex, to: str, calendar_code: str) -> np.ndarray:
    ns = stamps.as_unit("ns").asi8
    if to == "1h":
        return ns - ns % _HOUR_NS
    if to == "1d":
        if calendar_code in ALWAYS_OPEN:
            return ns - ns % _DAY_NS
        zone = calendar(calendar_code, stamps[0], stamps[-1]).tz
        local_dates = stamps.tz_convert(zone).tz_localize(None).normalize()
        return np.asarray(local_dates.as_unit("ns").asi8, dtype=np.int64)
    raise DataError(f"cannot resample to {to!r}; use 1h or 1d")


def _reduce(values: np.ndarray, starts: np.ndarray, how: str) -> np.ndarray:
    """Reduce each segment ``values[starts[i]:starts[i+1]]`` skipping NaN."""
    if how == "first" or how == "last":
        index = np.arange(len(values))
        valid = ~np.isnan(values)
        if how == "first":
            pick = np.where(valid, index, len(values))
            chosen = np.minimum.reduceat(pick, starts)
            ok = chosen < len(values)
        else:
            pick = np.where(valid, index, -1)
            chosen = np.maximum.reduceat(pick, starts)
            ok = chosen >= 0
        out = np.full(len(starts), np.nan)
        out[ok] = values[chosen[ok]]
        return out
    if how == "max":
        reduced: np.ndarray = np.fmax.reduceat(values, starts)
        return reduced
    if how == "min":
        reduced = np.fmin.reduceat(values, starts)
        return reduced
    counted = np.add.reduceat(~np.isnan(values), starts)
    sums = np.add.reduceat(np.nan_to_num(values), starts)
    return np.where(counted > 0, sums, np.nan)


def resample_bars(bars: pd.DataFrame, to: str, calendar_code: str) -> pd.DataFrame:
    """Resample a long bars frame (sorted by symbol, ts) to ``to`` (``1h`` or ``1d``)."""
    if len(bars) == 0:
        return bars.loc[:, list(BAR_COLUMNS)].copy()
    symbols = bars["symbol"].to_numpy(dtype=object)
    stamps = pd.DatetimeIndex(bars["ts"])
    periods = _period_starts(stamps, to, calendar_code)
    codes = pd.factorize(symbols)[0]
    if np.any((np.diff(codes) == 0) & (np.diff(stamps.as_unit("ns").asi8) < 0)) or np.any(np.diff(codes) < 0):
        raise DataError("bars must be sorted by symbol, then time, to be resampled")
    boundary = np.ones(len(bars), dtype=bool)
    boundary[1:] = (codes[1:] != codes[:-1]) | (periods[1:] != periods[:-1])
    starts = np.flatnonzero(boundary)
    out = pd.DataFrame(
        {
            "symbol": symbols[starts],
            "ts": pd.DatetimeIndex(periods[starts], tz="UTC"),
            "open": _reduce(bars["open"].to_numpy(np.float64), starts, "first"),
            "high": _reduce(bars["high"].to_numpy(np.float64), starts, "max"),
            "low": _reduce(bars["low"].to_numpy(np.float64), starts, "min"),
            "close": _reduce(bars["close"].to_numpy(np.float64), starts, "last"),
            "volume": _reduce(bars["volume"].to_numpy(np.float64), starts, "sum"),
            "adj_close": _reduce(bars["adj_close"].to_numpy(np.float64), starts, "last"),
        }
    )
    return out
