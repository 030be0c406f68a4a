"""Writing a stored Game's tables to files: one CSV or Parquet file per table.

CSV: a header of column names, amounts as their exact decimal text, instants in ISO 8601 with
``+00:00``, dates as ``YYYY-MM-DD``, lists and mappings as JSON, ``None`` as an empty field.
Parquet: the same columns typed (decimal128 at the column's largest scale, timestamp[us, UTC],
date32, int64, float64, string, list of strings); a decimal column that would need more than 38
digits is written as text instead, so no digit is lost; mappings are JSON text. pyarrow is
imported only for Parquet, and only when called.

The books are exact and written as they are. The only floats are analytics, the Game's value
after each Round (cash plus holdings at float closes): they are rounded to ``FLOAT_DIGITS``
significant digits, which drops the noise of binary arithmetic in their last bits
(``100101.19762``, not ``100101.19761999999``) and keeps the cent of a value up to 10^10.
The CSV has the shortest text of the rounded float, Parquet the rounded float64.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from tradegame.store.errors import StoreError

__all__ = ["FLOAT_DIGITS", "write_tables"]

FLOAT_DIGITS = 12
"""Significant digits a float (a Round's value) is written with; see the module docstring."""

Table = tuple[Sequence[str], Sequence[Sequence[object]]]


def write_tables(
    tables: Mapping[str, Table], folder: Path, format: str, progress: Callable[[int, int], None] | None = None
) -> list[Path]:
    """Write each table, given as (column names, rows), to ``folder/NAME.csv`` or ``NAME.parquet``
    (``progress(done, count)`` after each)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise StoreError(f"cannot create the export folder {folder}: {error.strerror}") from None
    written = []
    for name, (fields, rows) in tables.items():
        path = folder / f"{name}.{format}"
        try:
            if format == "csv":
                _write_csv(path, fields, rows)
            else:
                _write_parquet(path, fields, rows)
        except OSError as error:
            raise StoreError(f"cannot write {path}: {error.strerror}") from None
        written.append(path)
        if progress is not None:
            progress(len(written), len(tables))
    return written


def _rounded(value: float) -> float:
    return float(f"{value:.{FLOAT_DIGITS}g}") if math.isfinite(value) else value


def _csv_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(_rounded(value))
    if isinstance(value, date):  # datetime too
        return value.isoformat()
    if isinstance(value, list | tuple | dict):
        return json.dumps(value, sort_keys=True)
    return str(value)


def _write_csv(path: Path, fields: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(fields)
        for row in rows:
            writer.writerow([_csv_text(value) for value in row])


def _write_parquet(path: Path, fields: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns = {name: _arrow_column(pa, [row[index] for row in rows]) for index, name in enumerate(fields)}
    pq.write_table(pa.table(columns), path)


def _arrow_column(pa: Any, values: list[object]) -> Any:
    present = [value for value in values if value is not None]
    if not present:
        return pa.array(values, pa.null())
    if all(isinstance(value, Decimal) for value in present):
        shapes = [value.as_tuple() for value in present if isinstance(value, Decimal)]
        scale = max(max(-int(shape.exponent), 0) for shape in shapes)
        whole_digits = max(max(len(shape.digits) + int(shape.exponent), 0) for shape in shapes)
        if whole_digits + scale <= 38:
            return pa.array(values, pa.decimal128(38, scale))
        return pa.array([None if value is None else str(value) for value in values], pa.string())
    if all(isinstance(value, float) for value in present):
        return pa.array([_rounded(v) if isinstance(v, float) else None for v in values], pa.float64())
    if all(isinstance(value, dict) for value in present):
        return pa.array([None if v is None else json.dumps(v, sort_keys=True) for v in values], pa.string())
    if all(isinstance(value, tuple | list) for value in present):
        return pa.array([_strings(value) for value in values], pa.list_(pa.string()))
    return pa.array(values)


def _strings(value: object) -> list[str] | None:
    return [str(item) for item in value] if isinstance(value, tuple | list) else None
