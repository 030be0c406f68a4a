"""Resample bars to a coarser frequency (minute to hourly or daily, hourly to daily, ...), on arrays.

A coarse bar takes the first open, the highest high, the lowest low, the last close and adjusted
close, and the summed volume of the fine bars in its period; NaN inputs are skipped (a period of
all-NaN stays NaN). Periods are labelled by their start: the top of the hour in UTC for hourly
bars; for daily bars the calendar date in the exchange's own time zone (so a New York session is
one day whatever UTC says), at 00:00 UTC, as tradegame stamps daily bars.

``ticks_to_bars`` makes bars of trades (a ``tick`` dataset: the price in ``close``, the size in
``volume``, several trades may share a time): the first, highest, lowest and last trade price
and the summed size of each minute (UTC) that has trades; a minute without trades has no bar.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tradegame.data.bars import BAR_COLUMNS
from tradegame.data.calendars import ALWAYS_OPEN, calendar
from tradegame.data.errors import DataError

__all__ = ["TICK_BAR_FREQUENCY", "resample_bars", "ticks_to_bars"]

TICK_BAR_FREQUENCY = "1m"
"""The bars a Game plays a tick dataset on (see ``ticks_to_bars``)."""

_MINUTE_NS = 60 * 10**9
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


def ticks_to_bars(ticks: pd.DataFrame) -> pd.DataFrame:
    """Minute bars (``TICK_BAR_FREQUENCY``) of a long frame of trades sorted by symbol, then time."""
    if len(ticks) == 0:
        return ticks.loc[:, list(BAR_COLUMNS)].copy()
    symbols = ticks["symbol"].to_numpy(dtype=object)
    ns = pd.DatetimeIndex(ticks["ts"]).as_unit("ns").asi8
    codes = pd.factorize(symbols)[0]
    if np.any((np.diff(codes) == 0) & (np.diff(ns) < 0)) or np.any(np.diff(codes) < 0):
        raise DataError("trades must be sorted by symbol, then time, to be made into bars")
    minutes = ns - ns % _MINUTE_NS
    boundary = np.ones(len(ticks), dtype=bool)
    boundary[1:] = (codes[1:] != codes[:-1]) | (minutes[1:] != minutes[:-1])
    starts = np.flatnonzero(boundary)
    prices = ticks["close"].to_numpy(np.float64)
    return pd.DataFrame(
        {
            "symbol": symbols[starts],
            "ts": pd.DatetimeIndex(minutes[starts], tz="UTC"),
            "open": _reduce(prices, starts, "first"),
            "high": _reduce(prices, starts, "max"),
            "low": _reduce(prices, starts, "min"),
            "close": _reduce(prices, starts, "last"),
            "volume": _reduce(ticks["volume"].to_numpy(np.float64), starts, "sum"),
            "adj_close": np.nan,
        }
    )
