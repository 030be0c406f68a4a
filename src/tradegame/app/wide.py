"""``tg.universe`` on wide data: one 2-D array or wide DataFrame per field, rows the times and
columns the symbols, built through ``Panel.from_arrays`` (no long frame of bars in between).

The same bars give the same Universe as the long form (``api._frame_universe``): the same
symbols, times, arrays, frequency and content hash. Wide data marks "no bar" with a NaN close,
so a row or a column without any close (after ``symbols``, ``start`` and ``end`` narrow it) is
left out, as a long frame simply has no such bars. The checks are the long form's: those of
every Panel (``Panel.from_arrays``: times, prices, volume, a value where the close is NaN), and
the one rule of ``checks.check_bars`` a Panel does not hold, that a symbol's open, high or low is
given at every one of its bars or at none. A problem raises ``BadDataError`` (an
``InvalidInputError``); a shape or a name that does not fit raises ``InvalidInputError``.

Imports pandas, numpy and ``tradegame.data``; reads and writes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TypeAlias

import numpy as np
import pandas as pd

from tradegame.data.bars import BAR_COLUMNS, PRICE_COLUMNS, DatasetInfo, MarketFrames
from tradegame.data.checks import _examples
from tradegame.data.errors import BadDataError, DataError
from tradegame.data.importer import infer_frequency
from tradegame.data.panel import Panel
from tradegame.data.store import content_hash
from tradegame.domain.errors import InvalidInputError
from tradegame.engine.universe import Universe, currency_of

__all__ = ["WideData", "wide_universe"]

WideData: TypeAlias = Mapping[str, "np.ndarray | pd.DataFrame"]
"""Field name (open, high, low, close, volume, adj_close; any case) -> (times x symbols) values."""

_ALIASES = {"adj close": "adj_close", "adjclose": "adj_close"}
_SOURCE = "wide data"
_EXAMPLES = 3


def wide_universe(
    source: WideData,
    symbols: Sequence[str] | None,
    times: Sequence[object] | pd.DatetimeIndex | None,
    start: pd.Timestamp | None,
    end: pd.Timestamp | None,
    currency: str,
    calendar: str,
    frequency: str | None,
) -> Universe:
    """The Universe of wide ``source`` (see ``tg.universe``); ``start`` and ``end`` are UTC or None."""
    stamps, names, grids = _labelled(_fields(source), symbols, times)
    stamps, names, grids = _narrowed(stamps, names, grids, symbols, start, end)
    frequency = frequency or infer_frequency(pd.Series(stamps))
    problems = _partial_fields(names, stamps, grids)
    if problems:
        raise BadDataError(_SOURCE, problems)
    info = DatasetInfo("frame", frequency, currency, calendar, source="DataFrame", license="")
    try:
        panel = Panel.from_arrays(
            stamps, names, **grids, frequency=frequency, calendar=calendar, currency=currency, content_hash=""
        )
    except DataError as error:
        raise BadDataError(_SOURCE, [str(error)]) from None
    hashed = content_hash(info, MarketFrames(_long_bars(panel)))  # the long form's hash of the same bars
    panel = replace(panel, content_hash=hashed)
    return Universe.from_panel(panel, currency=currency_of(currency))


def _fields(source: WideData) -> dict[str, np.ndarray | pd.DataFrame]:
    """The fields by their bars name (data/bars.py); ``close`` required, no other name allowed."""
    fields: dict[str, np.ndarray | pd.DataFrame] = {}
    for key, values in source.items():
        name = str(key).strip().lower()
        name = _ALIASES.get(name, name)
        if name not in PRICE_COLUMNS:
            raise InvalidInputError(f"{_SOURCE}: unknown field {key!r}; use {', '.join(PRICE_COLUMNS)}")
        if name in fields:
            raise InvalidInputError(f"{_SOURCE}: field {name} given twice")
        fields[name] = values
    if "close" not in fields:
        raise InvalidInputError(f"{_SOURCE}: has no close field (the other fields may be left out)")
    return fields


def _labelled(
    fields: dict[str, np.ndarray | pd.DataFrame],
    symbols: Sequence[str] | None,
    times: Sequence[object] | pd.DatetimeIndex | None,
) -> tuple[pd.DatetimeIndex, tuple[str, ...], dict[str, np.ndarray]]:
    """Times (UTC), column names and a float64 grid per field, whether given as frames or arrays."""
    frames = {name: values for name, values in fields.items() if isinstance(values, pd.DataFrame)}
    if frames:
        if times is not None:
            raise InvalidInputError("times: wide DataFrames carry their own times (their index); leave times out")
        first_name, first = next(iter(frames.items()))
        if not isinstance(first.index, pd.DatetimeIndex):
            raise InvalidInputError(f"{_SOURCE}: {first_name}: give the times as a DatetimeIndex")
        index, columns = first.index, [str(column) for column in first.columns]
        if len(set(columns)) != len(columns):
            raise InvalidInputError(f"{_SOURCE}: {first_name}: a symbol is a column more than once")
    else:
        if times is None:
            raise InvalidInputError("times: give the time of each row of the arrays (or wide DataFrames)")
        if symbols is None:
            raise InvalidInputError("symbols: name the symbol of each column of the arrays")
        index, columns = pd.DatetimeIndex(_times(times)), [str(symbol) for symbol in symbols]
    shape = (len(index), len(columns))
    grids = {name: _grid(name, values, index, columns, shape) for name, values in fields.items()}
    return _utc(index), tuple(columns), grids


def _times(times: Sequence[object] | pd.DatetimeIndex) -> pd.DatetimeIndex:
    try:
        return pd.DatetimeIndex(pd.to_datetime(times))  # type: ignore[arg-type]
    except (TypeError, ValueError) as error:
        raise InvalidInputError(f"times: cannot read the times: {error}") from None


def _utc(index: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """Naive times are UTC, as in the long form; others are converted."""
    stamps = index.tz_localize("UTC") if index.tz is None else index.tz_convert("UTC")
    return stamps.as_unit("ns")


def _grid(name: str, values: object, index: pd.DatetimeIndex, columns: list[str], shape: tuple[int, int]) -> np.ndarray:
    if isinstance(values, pd.DataFrame):
        labels = [str(column) for column in values.columns]
        if not values.index.equals(index) or sorted(labels) != sorted(columns):
            raise InvalidInputError(f"{_SOURCE}: {name}: its times and symbols differ from the other fields'")
        values = values.set_axis(labels, axis=1)[columns]
    try:
        grid = np.array(values, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise InvalidInputError(f"{_SOURCE}: {name}: not a number: {error}") from None
    if grid.shape != shape:
        raise InvalidInputError(f"{_SOURCE}: {name}: shape {grid.shape}, expected {shape} (times x symbols)")
    return grid


def _narrowed(
    stamps: pd.DatetimeIndex,
    names: tuple[str, ...],
    grids: dict[str, np.ndarray],
    symbols: Sequence[str] | None,
    start: pd.Timestamp | None,
    end: pd.Timestamp | None,
) -> tuple[pd.DatetimeIndex, tuple[str, ...], dict[str, np.ndarray]]:
    """The rows from ``start`` to ``end`` and the columns of ``symbols``, in time order, without the
    rows and columns that are left with no close (no bar)."""
    columns = np.arange(len(names))
    if symbols is not None:
        unknown = sorted(set(symbols) - set(names))
        if unknown:
            raise InvalidInputError(f"symbols: {', '.join(unknown[:_EXAMPLES])} not in the wide data's columns")
        wanted = set(symbols)
        columns = np.array([i for i, name in enumerate(names) if name in wanted], dtype=np.intp)
    rows = np.ones(len(stamps), dtype=bool)
    if start is not None:
        rows &= np.asarray(stamps >= start)
    if end is not None:
        rows &= np.asarray(stamps <= end)
    kept_rows = np.flatnonzero(rows)
    kept_rows = kept_rows[np.argsort(stamps.asi8[kept_rows], kind="stable")]  # the long form sorts by time
    close = grids["close"][np.ix_(kept_rows, columns)]
    bars = ~np.isnan(close)
    kept_rows, columns = kept_rows[bars.any(axis=1)], columns[bars.any(axis=0)]
    if not len(kept_rows):
        raise BadDataError(_SOURCE, ["no bars"])
    narrowed = {name: grid[np.ix_(kept_rows, columns)] for name, grid in grids.items()}
    return stamps[kept_rows], tuple(names[i] for i in columns), narrowed


def _partial_fields(names: tuple[str, ...], stamps: pd.DatetimeIndex, grids: dict[str, np.ndarray]) -> list[str]:
    """``check_bars``'s rule: a symbol's open, high or low is given at every bar or at none."""
    bars = ~np.isnan(grids["close"])
    problems = []
    for column, symbol in enumerate(names):
        for name in ("open", "high", "low"):
            if name not in grids:
                continue
            values = grids[name][:, column]
            missing = bars[:, column] & np.isnan(values)
            if missing.any() and not np.isnan(values[bars[:, column]]).all():
                problems.append(f"{symbol}: {name} is missing (NaN) at {_examples(stamps[missing])}")
    return problems


def _long_bars(panel: Panel) -> pd.DataFrame:
    """The Panel's bars as a long frame sorted by (symbol, ts): one row per close, for the content hash."""
    close = panel.fields["close"].T  # (symbols, times): symbol-major, the hash's order
    bars = ~np.isnan(close)
    counts = bars.sum(axis=1)
    columns: dict[str, object] = {
        # object dtype: the hash reads each symbol as text, and iterating plain strings is fast
        "symbol": pd.Series(np.repeat(np.array(panel.symbols, dtype=object), counts), dtype=object),
        "ts": pd.DatetimeIndex(np.broadcast_to(panel.labels, close.shape)[bars], tz="UTC"),
    }
    for name in PRICE_COLUMNS:
        columns[name] = panel.fields[name].T[bars]
    return pd.DataFrame(columns)[list(BAR_COLUMNS)]
