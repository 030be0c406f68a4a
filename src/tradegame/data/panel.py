"""Point-in-time market data as dense arrays: the read path of the Game's Universe.

A ``Panel`` holds one dataset (or a selection of its symbols) as float64 arrays of shape
(rows, symbols), one per field, with the bar label of each row and the time each row becomes
known (``available``; see calendars). ``panel.as_of(t)`` is a ``PanelView`` that can only reach
the rows known at ``t``: every accessor slices ``[:end]`` of read-only arrays, so a model can
neither see a later bar nor change the data. A symbol without a bar at some row has NaN there.

A Panel is built from a long bars frame (``from_bars``) or from wide arrays (``from_arrays``);
both end in one gate (``_checked``) that enforces the same rules, so the same bars give the same
Panel either way: times UTC and strictly increasing (daily bars at 00:00 UTC), symbols distinct
and sorted, every row and symbol with at least one close, no value where the close is NaN,
prices NaN or positive finite and volume NaN or finite non-negative (the rules of checks.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import pandas as pd

from tradegame.data.bars import PRICE_COLUMNS
from tradegame.data.calendars import ALWAYS_OPEN, available_times
from tradegame.data.checks import bad_price, bad_volume, prices_ok, volumes_ok
from tradegame.data.errors import DataError, DatasetNotFoundError

__all__ = ["Panel", "PanelView", "to_ns"]

FloatArray = np.ndarray
ArrayLike = np.ndarray | Sequence[Sequence[float]]
_DAY_NS = 86_400 * 10**9


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
    def from_arrays(
        cls,
        times: pd.DatetimeIndex | Sequence[datetime | pd.Timestamp | str],
        symbols: Sequence[str],
        open: ArrayLike | None = None,
        high: ArrayLike | None = None,
        low: ArrayLike | None = None,
        close: ArrayLike | None = None,
        volume: ArrayLike | None = None,
        adj_close: ArrayLike | None = None,
        *,
        frequency: str,
        calendar: str,
        currency: str,
        content_hash: str = "",
    ) -> Panel:
        """A Panel from wide arrays: each field (rows = ``times``, columns = ``symbols``), NaN where
        a symbol has no bar. ``close`` is required; a field left out is all NaN.

        ``times`` must be timezone-aware UTC, strictly increasing. The arrays are copied and their
        columns put in sorted symbol order, as ``from_bars`` gives them, so the same bars give the
        same Panel either way. Refused with a ``DataError`` naming the field (and the first cells):
        a shape that does not match, a row or symbol without any bar, a value in a row whose close
        is NaN, prices that are not positive finite numbers, volume that is negative or infinite.
        """
        labels = _times_ns(times)
        names = _symbol_names(symbols)
        shape = (len(labels), len(names))
        given = {"open": open, "high": high, "low": low, "close": close, "volume": volume, "adj_close": adj_close}
        if close is None:
            raise DataError("close: required (the other fields may be left out)")
        order = np.argsort(np.array(names, dtype=object), kind="stable")
        ordered = bool(np.all(order == np.arange(len(names))))
        grids: dict[str, np.ndarray] = {}
        for name in PRICE_COLUMNS:
            grid = _grid(name, given[name], shape)
            grids[name] = grid if ordered else grid[:, order]
        sorted_names = names if ordered else tuple(names[i] for i in order)
        return cls._checked(labels, sorted_names, grids, frequency, calendar, currency, content_hash)

    @classmethod
    def from_bars(
        cls, bars: pd.DataFrame, *, frequency: str, calendar: str, currency: str, content_hash: str = ""
    ) -> Panel:
        """Dense arrays from a long bars frame (symbol, ts, prices...; see bars.py), in any row order.

        Two bars of one symbol at one time are refused; the rest is checked as in ``from_arrays``.
        """
        symbol_codes, symbols = pd.factorize(bars["symbol"], sort=True)
        row_codes, stamps = pd.factorize(pd.DatetimeIndex(bars["ts"]), sort=True)
        if (symbol_codes < 0).any():
            raise DataError("symbol: some bars have no symbol")
        labels = _times_ns(stamps)
        names = tuple(str(s) for s in symbols)
        cells = row_codes.astype(np.int64) * len(names) + symbol_codes
        counts = np.bincount(cells, minlength=len(labels) * len(names))
        if len(counts) and counts.max() > 1:
            twice = np.flatnonzero(counts > 1)
            where = _cells(twice // len(names), twice % len(names), labels, names)
            raise DataError(f"bars: two bars for one symbol at one time: {where}")
        grids: dict[str, np.ndarray] = {}
        for name in PRICE_COLUMNS:
            grid = np.full(len(labels) * len(names), np.nan)
            grid[cells] = bars[name].to_numpy(dtype=np.float64)
            grids[name] = grid.reshape(len(labels), len(names))
        return cls._checked(labels, names, grids, frequency, calendar, currency, content_hash)

    @classmethod
    def _checked(
        cls,
        labels: np.ndarray,
        symbols: tuple[str, ...],
        fields: dict[str, np.ndarray],
        frequency: str,
        calendar: str,
        currency: str,
        content_hash: str,
    ) -> Panel:
        """The one gate both constructors end in: check the arrays, work out ``available``, freeze."""
        _check_panel(labels, symbols, fields, frequency, calendar)
        available = available_times(pd.DatetimeIndex(labels, tz="UTC"), frequency, calendar)
        if len(available) and np.any(np.diff(available) < 0):
            available = np.maximum.accumulate(available)  # a later label is never known earlier
        return cls(
            symbols,
            _frozen(labels),
            _frozen(np.asarray(available, dtype=np.int64)),
            {name: _frozen(grid) for name, grid in fields.items()},
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


_EXAMPLES = 3


def _times_ns(times: object) -> np.ndarray:
    """int64 ns of timezone-aware UTC ``times`` (a 1-D sequence); naive or other zones are refused."""
    if isinstance(times, np.ndarray) and times.dtype.kind in "iuf":
        raise DataError("times: give datetimes (e.g. pd.DatetimeIndex(..., tz='UTC')), not numbers")
    try:
        stamps = pd.DatetimeIndex(times)  # type: ignore[arg-type]
    except (TypeError, ValueError) as error:
        raise DataError(f"times: not readable as times: {error}") from None
    if stamps.tz is None:
        raise DataError("times: have no timezone; give timezone-aware UTC times (tz='UTC')")
    if str(stamps.tz) != "UTC":
        raise DataError(f"times: are in {stamps.tz}; give them in UTC (times.tz_convert('UTC'))")
    if stamps.hasnans:
        raise DataError("times: some are missing (NaT)")
    return np.array(stamps.as_unit("ns").asi8, dtype=np.int64)


def _symbol_names(symbols: object) -> tuple[str, ...]:
    """The column names: an ordered sequence of distinct, non-empty strings."""
    if isinstance(symbols, str) or not isinstance(symbols, (Sequence, np.ndarray, pd.Index)):
        kind = type(symbols).__name__
        raise DataError(f"symbols: give an ordered sequence of names (one per column), not a {kind}")
    names = tuple(symbols)
    bad = [repr(s) for s in names if not isinstance(s, str) or not s.strip()]
    if bad:
        raise DataError(f"symbols: every name must be a non-empty string, got {', '.join(bad[:_EXAMPLES])}")
    if len(set(names)) != len(names):
        twice = sorted({s for s in names if names.count(s) > 1})
        raise DataError(f"symbols: {', '.join(twice)} given more than once")
    return tuple(str(s) for s in names)


def _grid(name: str, values: ArrayLike | None, shape: tuple[int, int]) -> np.ndarray:
    """A float64 copy of one field's array of ``shape`` (all NaN when left out)."""
    if values is None:
        return np.full(shape, np.nan)
    if isinstance(values, (pd.DataFrame, pd.Series)):
        raise DataError(f"{name}: give an array; a frame's labels would be ignored here (see tg.universe)")
    try:
        grid = np.array(values, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise DataError(f"{name}: not numbers: {error}") from None
    if grid.shape != shape:
        raise DataError(f"{name}: shape {grid.shape}, expected {shape} (times x symbols)")
    return grid


def _cells(rows: np.ndarray, columns: np.ndarray, labels: np.ndarray, symbols: tuple[str, ...]) -> str:
    """The first few (symbol, time) cells, for a message."""
    shown = []
    for row, column in zip(rows[:_EXAMPLES], columns[:_EXAMPLES], strict=False):
        stamp = pd.Timestamp(int(labels[row]), tz="UTC")
        text = stamp.date().isoformat() if stamp == stamp.normalize() else stamp.isoformat()
        shown.append(f"{symbols[column]} {text}")
    more = f" and {len(rows) - _EXAMPLES} more" if len(rows) > _EXAMPLES else ""
    return ", ".join(shown) + more


def _check_panel(
    labels: np.ndarray, symbols: tuple[str, ...], fields: dict[str, np.ndarray], frequency: str, calendar: str
) -> None:
    """The rules every Panel obeys, however it was built; the first broken one raises ``DataError``."""
    steps = np.diff(labels)
    if (steps <= 0).any():
        at = int(np.flatnonzero(steps <= 0)[0]) + 1
        what = "appears twice" if steps[at - 1] == 0 else "comes after a later time"
        raise DataError(f"times: {pd.Timestamp(int(labels[at]), tz='UTC')} {what}; times must be strictly increasing")
    if frequency == "1d" and calendar not in ALWAYS_OPEN and (labels % _DAY_NS).any():
        raise DataError("times: daily bars must be stamped at 00:00 UTC of their session date")
    no_bar = np.isnan(fields["close"])
    for axis, what in ((1, "times"), (0, "symbols")):
        empty = np.flatnonzero(no_bar.all(axis=axis))
        if len(empty):
            named = [
                str(pd.Timestamp(int(labels[i]), tz="UTC")) if axis == 1 else symbols[i] for i in empty[:_EXAMPLES]
            ]
            raise DataError(f"{what}: {', '.join(named)} without any bar (no close); leave them out")
    gaps = bool(no_bar.any())
    for name in PRICE_COLUMNS:
        values = fields[name]
        if gaps and name != "close" and not np.isnan(values[no_bar]).all():
            rows, columns = np.nonzero(no_bar & ~np.isnan(values))
            raise DataError(f"{name}: a value where close is NaN (no bar) at {_cells(rows, columns, labels, symbols)}")
        if volumes_ok(values) if name == "volume" else prices_ok(values):
            continue
        bad = bad_volume(values) if name == "volume" else bad_price(values)
        if bad.any():
            rows, columns = np.nonzero(bad)
            rule = "negative or infinite" if name == "volume" else "not a positive finite number"
            raise DataError(f"{name}: {rule} at {_cells(rows, columns, labels, symbols)}")


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
