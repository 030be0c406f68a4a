"""Checks a dataset must pass before it is stored, with a readable report.

Problems (the data is refused): missing columns, timestamps without a timezone, duplicate or
unsorted timestamps (in the order given; ticks may share a time), NaN or non-positive prices,
negative volume, bad dividend amounts or split ratios. Reported apart, for the caller to allow
or refuse: inconsistent bars (a high below the low, an open or close outside the high-low range,
a daily bar on a day that is not a session of the calendar; real vendor history has some) and
gaps (sessions of the calendar with no bar between a symbol's first and last bar).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from tradegame.data.bars import BAR_COLUMNS, DIVIDEND_COLUMNS, SPLIT_COLUMNS, MarketFrames, decimal_text
from tradegame.data.calendars import ALWAYS_OPEN, sessions
from tradegame.data.errors import DataError

__all__ = ["CheckReport", "bad_price", "bad_volume", "check_bars", "check_frames", "prices_ok", "volumes_ok"]

_EXAMPLES = 5


@dataclass
class CheckReport:
    """What the checks found: problems always refuse the data; inconsistent OHLC and gaps
    (missing sessions per symbol) refuse it unless the caller allows them."""

    problems: list[str] = field(default_factory=list)
    inconsistencies: list[str] = field(default_factory=list)  # bad OHLC, bars off the calendar
    gaps: dict[str, pd.DatetimeIndex] = field(default_factory=dict)

    def gap_problems(self) -> list[str]:
        return [
            f"{symbol}: {len(missing)} session(s) of the calendar have no bar ({_examples(missing)})"
            for symbol, missing in self.gaps.items()
        ]


def bad_price(values: np.ndarray) -> np.ndarray:
    """Where a price is present (not NaN) but not a positive finite number: the one rule for
    prices, shared by these checks and every Panel (panel.py)."""
    with np.errstate(invalid="ignore"):
        mask: np.ndarray = ~np.isnan(values) & ~((values > 0) & (values < np.inf))
    return mask


def prices_ok(values: np.ndarray) -> bool:
    """Whether no cell is a ``bad_price``, found by two reductions (fast on large arrays)."""
    if not values.size:
        return True
    low, high = np.fmin.reduce(values, axis=None), np.fmax.reduce(values, axis=None)  # NaN ignored
    return bool(np.isnan(low) or (low > 0 and high < np.inf))


def volumes_ok(values: np.ndarray) -> bool:
    """Whether no cell is a ``bad_volume``."""
    if not values.size:
        return True
    low, high = np.fmin.reduce(values, axis=None), np.fmax.reduce(values, axis=None)
    return bool(np.isnan(low) or (low >= 0 and high < np.inf))


def bad_volume(values: np.ndarray) -> np.ndarray:
    """Where a volume is present (not NaN) but negative or infinite."""
    with np.errstate(invalid="ignore"):
        mask: np.ndarray = ~np.isnan(values) & ~((values >= 0) & (values < np.inf))
    return mask


def _examples(stamps: pd.DatetimeIndex | np.ndarray) -> str:
    index = pd.DatetimeIndex(stamps)
    shown = [s.isoformat() if (s.hour or s.minute or s.second) else s.date().isoformat() for s in index[:_EXAMPLES]]
    more = f", ... {len(index) - _EXAMPLES} more" if len(index) > _EXAMPLES else ""
    return ", ".join(shown) + more


def check_frames(frames: MarketFrames, *, frequency: str, calendar: str) -> CheckReport:
    report = check_bars(frames.bars, frequency=frequency, calendar=calendar)
    symbols = set(frames.bars["symbol"].astype(str)) if "symbol" in frames.bars else set()
    for label, frame, columns, value_column in (
        ("dividend", frames.dividends, DIVIDEND_COLUMNS, "amount"),
        ("split", frames.splits, SPLIT_COLUMNS, "ratio"),
    ):
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            report.problems.append(f"{label}s: missing column(s) {', '.join(missing)}")
            continue
        if not _is_utc(frame["ts"]):
            report.problems.append(f"{label}s: ts must be timezone-aware UTC")
        for symbol, stamp, value in zip(frame["symbol"], frame["ts"], frame[value_column], strict=True):
            where = f"{label} {symbol} {pd.Timestamp(stamp).date()}"
            if str(symbol) not in symbols:
                report.problems.append(f"{where}: no bars for symbol {symbol}")
            try:
                text = decimal_text(value, label)
            except ValueError as error:
                report.problems.append(f"{where}: {error}")
                continue
            if label == "split" and text == "1":
                report.problems.append(f"{where}: a split ratio of 1 changes nothing")
    return report


def _is_utc(column: pd.Series) -> bool:
    dtype = column.dtype
    return isinstance(dtype, pd.DatetimeTZDtype) and str(dtype.tz) == "UTC"


def check_bars(bars: pd.DataFrame, *, frequency: str, calendar: str) -> CheckReport:
    """Check a long bars frame in the order given; see the module docstring."""
    report = CheckReport()
    problems = report.problems
    missing = [c for c in BAR_COLUMNS if c not in bars.columns]
    if missing:
        problems.append(f"missing column(s) {', '.join(missing)}")
        return report
    if not _is_utc(bars["ts"]):
        problems.append("ts must be timezone-aware UTC (got naive or another zone)")
        return report
    if len(bars) == 0:
        problems.append("no bars")
        return report
    if bars["symbol"].isna().any() or (bars["symbol"].astype(str).str.strip() == "").any():
        problems.append("some rows have no symbol")
        return report
    for symbol, rows in bars.groupby("symbol", sort=True):
        _check_symbol(str(symbol), rows, frequency, calendar, report)
    return report


def _check_symbol(symbol: str, rows: pd.DataFrame, frequency: str, calendar: str, report: CheckReport) -> None:
    problems = report.problems
    stamps = pd.DatetimeIndex(rows["ts"])
    ns = stamps.as_unit("ns").asi8
    steps = np.diff(ns)
    if (steps == 0).any() and frequency != "tick":  # trades may share a timestamp
        duplicated = stamps[stamps.duplicated()]
        problems.append(f"{symbol}: {len(duplicated)} duplicate timestamp(s) ({_examples(duplicated.unique())})")
    if (steps < 0).any():
        back = stamps[1:][steps < 0]
        problems.append(f"{symbol}: timestamps not in ascending order at {_examples(back)}")
    close = rows["close"].to_numpy(dtype=np.float64)
    _check_positive(symbol, "close", close, stamps, problems, required=True)
    present = {}
    for name in ("open", "high", "low"):
        values = rows[name].to_numpy(dtype=np.float64)
        if not np.isnan(values).all():  # all NaN: a close-only source
            _check_positive(symbol, name, values, stamps, problems, required=True)
            present[name] = values
    adj = rows["adj_close"].to_numpy(dtype=np.float64)
    _check_positive(symbol, "adj_close", adj, stamps, problems, required=False)
    volume = rows["volume"].to_numpy(dtype=np.float64)
    negative = bad_volume(volume)
    if negative.any():
        problems.append(f"{symbol}: negative volume (or an infinite one) at {_examples(stamps[negative])}")
    if "high" in present and "low" in present:
        high, low = present["high"], present["low"]
        with np.errstate(invalid="ignore"):
            inverted = high < low
            top = np.fmax(close, present.get("open", close))
            bottom = np.fmin(close, present.get("open", close))
            outside = ~inverted & ((top > high * (1 + 1e-9)) | (bottom < low * (1 - 1e-9)))
        if inverted.any():
            report.inconsistencies.append(f"{symbol}: high below low at {_examples(stamps[inverted])}")
        if outside.any():
            report.inconsistencies.append(
                f"{symbol}: open or close outside the high-low range at {_examples(stamps[outside])}"
            )
    if frequency == "1d" and calendar not in ALWAYS_OPEN and not any(p.startswith(f"{symbol}:") for p in problems):
        _check_sessions(symbol, stamps, calendar, report)


def _check_positive(
    symbol: str, name: str, values: np.ndarray, stamps: pd.DatetimeIndex, problems: list[str], *, required: bool
) -> None:
    nan = np.isnan(values)
    if required and nan.any():
        problems.append(f"{symbol}: {name} is missing (NaN) at {_examples(stamps[nan])}")
    bad = bad_price(values)
    if bad.any():
        problems.append(f"{symbol}: {name} is not a positive number at {_examples(stamps[bad])}")


def _check_sessions(symbol: str, stamps: pd.DatetimeIndex, calendar: str, report: CheckReport) -> None:
    if (stamps != stamps.normalize()).any():
        report.problems.append(f"{symbol}: daily bars must be stamped at 00:00 UTC of their session date")
        return
    try:
        expected = sessions(calendar, stamps[0], stamps[-1])
    except DataError as error:
        report.problems.append(f"{symbol}: {error}")
        return
    off = stamps.difference(expected)
    if len(off):
        report.inconsistencies.append(
            f"{symbol}: {len(off)} bar(s) on days that are not {calendar} sessions ({_examples(off)})"
        )
    gaps = expected.difference(stamps)
    if len(gaps):
        report.gaps[symbol] = gaps
