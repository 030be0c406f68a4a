"""A stored version's small tables kept as NumPy arrays beside their Parquet files.

Reading a Parquet file goes through DuckDB, whose import and first connection cost more than the
rest of loading a small dataset (a first Game in a new process spent a quarter of a second there
for 5,000 bars). A version is immutable and named by its content hash, so the whole of one of its
tables, read once through DuckDB in the store's order (symbol, ts, then file order), can be kept
beside it as ``<table>.arrays.npz`` and read in a few milliseconds by the next process; the store
filters it as its SQL would (symbols, start <= ts <= end) and builds the same frame.

The arrays are only a copy: the store checks the Parquet file before it uses them (a version
whose files changed is refused as before), and each copy records the SHA-256 of the file it was
read from, so a copy that does not match the version's record, or cannot be read, is ignored and
written again. It is written atomically (``locking.write_atomic``); a folder that cannot be
written to is only slower. Tables of more than ``MAX_ROWS`` rows are not copied: their Parquet
files are far smaller than their arrays, and DuckDB's fixed costs matter less there.

Imports numpy, pandas and data.locking; never DuckDB.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from tradegame.data.locking import write_atomic

__all__ = ["MAX_ROWS", "KeptTable", "cached_columns", "cached_path", "filter_table", "read_table", "write_table"]

#: The largest table kept as arrays (about 60 bytes a bar).
MAX_ROWS = 250_000
_FORMAT = "tradegame-table-arrays-v1"


def cached_path(folder: Path, table: str) -> Path:
    """Where the arrays of ``table`` (``bars``, ``dividends``, ``splits``) of the version in ``folder`` go."""
    return folder / f"{table}.arrays.npz"


@dataclass(frozen=True)
class KeptTable:
    """A table's columns as arrays (text as object arrays, times as int64 ns UTC) and the kind of
    each: ``ts``, ``f8``, ``text`` (pandas' string dtype) or ``object`` (text in an object column)."""

    columns: dict[str, np.ndarray]
    kinds: dict[str, str]


def cached_columns(
    folder: Path, table: str, source_sha256: str, read_whole: Callable[[], pd.DataFrame]
) -> KeptTable | None:
    """The arrays of ``table`` kept in ``folder``; made from ``read_whole()`` first if there are
    none (None if they cannot be kept: then the caller reads the file itself)."""
    path = cached_path(folder, table)
    kept = read_table(path, source_sha256)
    if kept is None:
        write_table(path, read_whole(), source_sha256)
        kept = read_table(path, source_sha256)
    return kept


def write_table(path: Path, frame: pd.DataFrame, source_sha256: str) -> None:
    """Keep ``frame`` (a whole table as the store reads it) as arrays at ``path``, if every column
    is one the copy can give back exactly: text without gaps, UTC times, float64."""
    arrays: dict[str, np.ndarray] = {"format": np.array(_FORMAT), "source": np.array(source_sha256)}
    kinds = []
    for column in frame.columns:
        values = frame[column]
        if column == "ts" and str(values.dtype) == "datetime64[ns, UTC]":
            arrays[f"{column}.ts"] = pd.DatetimeIndex(values).asi8
            kinds.append("ts")
        elif values.dtype == np.float64:
            arrays[f"{column}.f8"] = values.to_numpy()
            kinds.append("f8")
        elif _all_text(values):
            codes, uniques = pd.factorize(values)
            arrays[f"{column}.codes"] = codes.astype(np.int64)
            arrays[f"{column}.text"] = np.array([str(v) for v in uniques], dtype=str)
            kinds.append("object" if values.dtype == object else "text")
        else:
            return  # a column the arrays could not give back as it was: no copy
    arrays["columns"] = np.array(list(frame.columns), dtype=str)
    arrays["kinds"] = np.array(kinds, dtype=str)
    buffer = io.BytesIO()
    np.savez(buffer, allow_pickle=False, **arrays)
    with suppress(OSError):  # a store that cannot be written to: read through DuckDB next time too
        write_atomic(path, buffer.getvalue())


def _all_text(values: pd.Series) -> bool:
    """A text column without gaps (an empty table's text columns come as ``object``)."""
    if values.dtype == object:
        return all(isinstance(value, str) for value in values)
    return pd.api.types.is_string_dtype(values.dtype) and not values.isna().any()


def read_table(path: Path, source_sha256: str) -> KeptTable | None:
    """The arrays at ``path``, or None when there are none, they cannot be read or they were not
    read from the file whose SHA-256 is ``source_sha256``."""
    try:
        with np.load(path, allow_pickle=False) as stored:
            if str(stored["format"]) != _FORMAT or str(stored["source"]) != source_sha256:
                return None
            kinds = dict(zip(stored["columns"].tolist(), stored["kinds"].tolist(), strict=True))
            columns: dict[str, np.ndarray] = {}
            for column, kind in kinds.items():
                if kind in ("text", "object"):
                    texts = stored[f"{column}.text"].astype(object)
                    columns[column] = texts[stored[f"{column}.codes"]]
                else:
                    columns[column] = stored[f"{column}.{kind}"]
            return KeptTable(columns, kinds)
    except (OSError, ValueError, KeyError, EOFError, IndexError, zipfile.BadZipFile):
        return None


def filter_table(
    kept: KeptTable, symbols: Sequence[str] | None, start: pd.Timestamp | None, end: pd.Timestamp | None
) -> pd.DataFrame:
    """The rows of ``symbols`` with start <= ts <= end, in stored order, as the store's frame."""
    times = kept.columns["ts"]
    keep = np.ones(len(times), dtype=bool)
    if symbols is not None:
        keep &= np.isin(kept.columns["symbol"], np.array(list(symbols), dtype=object))
    if start is not None:
        keep &= times >= start.value
    if end is not None:
        keep &= times <= end.value
    frame = {}
    for column, values in kept.columns.items():
        kept_values = values[keep]  # a copy: the frame owns its arrays
        kind = kept.kinds[column]
        if kind == "ts":
            frame[column] = pd.Series(pd.DatetimeIndex(kept_values.astype("datetime64[ns]"), tz="UTC"))
        elif kind == "f8":
            frame[column] = pd.Series(kept_values)
        else:
            frame[column] = pd.Series(kept_values, dtype="str" if kind == "text" else object)
    return pd.DataFrame(frame)
