"""Point-in-time market data as dense arrays: the read path of the Game's Universe.

A ``Panel`` holds one dataset (or a selection of its symbols) as float64 arrays of shape
(rows, symbols), one per field, with the bar label of each row and the time each row becomes
known (``available``; see calendars). ``panel.as_of(t)`` is a ``PanelView`` that can only reach
the rows known at ``t``: every accessor slices ``[:end]`` of read-only arrays, so a model can
neither see a later bar nor change the data. A symbol without a bar at some row has NaN there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import pandas as pd

from tradegame.data.bars import PRICE_COLUMNS
from tradegame.data.calendars import available_times
from tradegame.data.errors import DataError, DatasetNotFoundError

__all__ = ["Panel", "PanelView", "to_ns"]

FloatArray = np.ndarray


def to_ns(ts: datetime | pd.Timestamp | str) -> int:
    """Nanoseconds since the epoch of a timezone-aware time (naive times are refused)."""
    stamp = pd.Timestamp(ts)
    if stamp.tzinfo is None:
        raise DataError(f"time {ts!r} has no timezone; tradegame times are timezone-aware UTC")
    return int(stamp.tz_convert("UTC").as_unit("ns").value)


def _frozen(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array


@dataclass(frozen=True, eq=False)
class Panel:
    """Dense, read-only arrays of one dataset's bars; rows in time order, columns in ``symbols``."""

    symbols: tuple[str, ...]
    labels: np.ndarray  # int64 ns UTC: the bar label of each row
    available: np.ndarray  # int64 ns UTC: when each row becomes known; non-decreasing
    fields: dict[str, np.ndarray]  # field name -> float64 (rows, symbols)
    frequency: str
    calendar: str
    currency: str
    content_hash: str = ""
    _columns: dict[str, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_columns", {symbol: i for i, symbol in enumerate(self.symbols)})

    @classmethod
    def from_bars(
        cls, bars: pd.DataFrame, *, frequency: str, calendar: str, currency: str, content_hash: str = ""
    ) -> Panel:
        """Pivot a long bars frame (symbol, ts, prices...) into dense arrays."""
        symbols, symbol_codes = np.unique(bars["symbol"].to_numpy(dtype=object).astype(str), return_inverse=True)
        stamps = pd.DatetimeIndex(bars["ts"]).as_unit("ns")
        labels, row_codes = np.unique(stamps.asi8, return_inverse=True)
        available = available_times(pd.DatetimeIndex(labels, tz="UTC"), frequency, calendar)
        if len(available) and np.any(np.diff(available) < 0):
            available = np.maximum.accumulate(available)  # a later label is never known earlier
        fields: dict[str, np.ndarray] = {}
        for name in PRICE_COLUMNS:
            grid = np.full((len(labels), len(symbols)), np.nan)
            grid[row_codes, symbol_codes] = bars[name].to_numpy(dtype=np.float64)
            fields[name] = _frozen(grid)
        return cls(
            tuple(str(s) for s in symbols),
            _frozen(labels),
            _frozen(np.asarray(available, dtype=np.int64)),
            fields,
            frequency,
            calendar,
            currency,
            content_hash,
        )

    @property
    def rows(self) -> int:
        return len(self.labels)

    def column(self, symbol: str) -> int:
        try:
            return self._columns[symbol]
        except KeyError:
            raise DatasetNotFoundError(f"symbol {symbol!r} is not in this data ({len(self.symbols)} symbols)") from None

    def rows_known_at(self, ts: datetime | pd.Timestamp | str | int) -> int:
        """How many rows are known at ``ts`` (bars whose period has ended by then)."""
        ns = ts if isinstance(ts, int) else to_ns(ts)
        return int(np.searchsorted(self.available, ns, side="right"))

    def as_of(self, ts: datetime | pd.Timestamp | str | int) -> PanelView:
        """The view a Round at ``ts`` may read."""
        return PanelView(self, self.rows_known_at(ts))


class PanelView:
    """The rows of a ``Panel`` known at one time; every array it returns is a read-only slice."""

    __slots__ = ("_end", "_panel")

    def __init__(self, panel: Panel, end: int) -> None:
        self._panel = panel
        self._end = end

    @property
    def symbols(self) -> tuple[str, ...]:
        return self._panel.symbols

    @property
    def rows(self) -> int:
        return self._end

    @property
    def labels(self) -> np.ndarray:
        return self._panel.labels[: self._end]

    def field(self, name: str, symbols: Sequence[str] | None = None, window: int | None = None) -> FloatArray:
        """``name`` (open, high, low, close, volume, adj_close) for the last ``window`` rows (all by default)."""
        try:
            data = self._panel.fields[name]
        except KeyError:
            raise DataError(f"unknown field {name!r}; use one of {', '.join(PRICE_COLUMNS)}") from None
        start = 0 if window is None else max(0, self._end - window)
        rows = data[start : self._end]
        if symbols is None:
            return rows
        if len(symbols) == 1:  # a view, read-only like its base
            column = self._panel.column(symbols[0])
            return rows[:, column : column + 1]
        columns = [self._panel.column(s) for s in symbols]
        return _frozen(rows[:, columns])

    def close(self, symbols: Sequence[str] | None = None, window: int | None = None) -> FloatArray:
        return self.field("close", symbols, window)

    def last(self, name: str = "close") -> FloatArray:
        """The latest known row of ``name`` per symbol (NaN where a symbol has no bar in that row)."""
        if self._end == 0:
            return _frozen(np.full(len(self._panel.symbols), np.nan))
        row: np.ndarray = self._panel.fields[name][self._end - 1]
        return row

    def last_valid(self, name: str = "close") -> FloatArray:
        """The latest non-NaN value of ``name`` per symbol up to now (NaN if none yet)."""
        data = self._panel.fields[name][: self._end]
        if not len(data):
            return _frozen(np.full(len(self._panel.symbols), np.nan))
        valid = ~np.isnan(data)
        index = np.where(valid, np.arange(len(data))[:, None], -1).max(axis=0)
        out = np.where(index >= 0, data[np.maximum(index, 0), np.arange(data.shape[1])], np.nan)
        return _frozen(out)

    def returns(self, symbols: Sequence[str] | None = None, window: int | None = None) -> FloatArray:
        """Simple returns of the close between consecutive known rows (``window`` returns at most)."""
        closes = self.close(symbols, None if window is None else window + 1)
        with np.errstate(invalid="ignore", divide="ignore"):
            return _frozen(closes[1:] / closes[:-1] - 1.0)
