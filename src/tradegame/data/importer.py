"""Import a user's bar file (CSV or Parquet) into the store, all or nothing.

Columns are found by name, case and spaces ignored: the time in ``date``/``datetime``/
``timestamp``/``time``/``ts``; ``open``, ``high``, ``low``, ``close`` (required), ``volume``,
and an adjusted close in ``adj_close``/``adj close``/``adjusted_close``. Times with an offset
are converted to UTC; times without one are taken as UTC (daily dates become 00:00 UTC of the
date). Any other column is refused, as the trade file's are: a typo in a header must not drop
data silently. The frequency is inferred from the spacing of the times unless given, and must be
one of ``bars.FREQUENCIES``; numbers must be finite and below 10^15 (``domain.limits``). Every
problem is collected in one report (a ``BadDataError``) and nothing is stored.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from tradegame.data.bars import BAR_COLUMNS, FREQUENCIES, PRICE_COLUMNS, DatasetInfo, MarketFrames
from tradegame.data.calendars import ALWAYS_OPEN, calendar_names
from tradegame.data.errors import BadDataError
from tradegame.data.store import MarketStore, StoredDataset
from tradegame.domain.limits import MAX_MAGNITUDE, shown

__all__ = ["import_file", "infer_frequency", "read_bars_file"]

_ALIASES = {
    "ts": ("ts", "date", "datetime", "timestamp", "time"),
    "open": ("open", "o"),
    "high": ("high", "h"),
    "low": ("low", "l"),
    "close": ("close", "c", "price"),
    "volume": ("volume", "vol", "v"),
    "adj_close": ("adj_close", "adjclose", "adj close", "adjusted_close", "adjusted close"),
}
_INTRADAY = (("1m", 60), ("5m", 300), ("15m", 900), ("30m", 1800), ("1h", 3600))


def read_bars_file(path: Path, *, symbol: str) -> pd.DataFrame:
    """Read ``path`` into a bars frame for ``symbol`` (in file order, not yet checked for order)."""
    source = str(path)
    if not path.is_file():
        raise BadDataError(source, ["no such file"])
    try:
        if path.suffix.lower() == ".parquet":
            raw = pd.read_parquet(path)
        elif path.suffix.lower() in (".csv", ".txt") or path.name.lower().endswith(".csv.gz"):
            raw = pd.read_csv(path, dtype=str, keep_default_na=False)
        else:
            raise BadDataError(source, [f"unknown file type {path.suffix!r}; use .csv or .parquet"])
    except (ValueError, OSError, pd.errors.ParserError) as error:  # pyarrow's errors are ValueErrors/OSErrors
        raise BadDataError(source, [f"cannot read the file: {error}"]) from None
    columns = {str(c).strip().lower().replace("-", "_"): c for c in raw.columns}
    found: dict[str, object] = {}
    problems: list[str] = []
    for target, aliases in _ALIASES.items():
        present = [alias for alias in aliases if alias in columns]
        if present:
            found[target] = columns[present[0]]
        if len(present) > 1:
            problems.append(f"columns {', '.join(repr(columns[a]) for a in present)} all mean {target}; keep one")
    known = {alias for aliases in _ALIASES.values() for alias in aliases}
    unknown = [str(columns[name]) for name in columns if name not in known]
    if unknown:
        allowed = ", ".join(aliases[0] for aliases in _ALIASES.values())
        problems.append(f"unknown column(s) {', '.join(map(repr, unknown))}; allowed: {allowed} (or their aliases)")
    problems += [
        f"no {need} column (looked for {', '.join(_ALIASES[need])})" for need in ("ts", "close") if need not in found
    ]
    if problems:
        raise BadDataError(source, problems)
    if len(raw) == 0:
        raise BadDataError(source, ["the file has no rows"])
    frame = pd.DataFrame({"symbol": np.full(len(raw), symbol, dtype=object)})
    frame["ts"] = _parse_times(raw[found["ts"]], source, problems)
    for name in PRICE_COLUMNS:
        if name in found:
            frame[name] = _parse_numbers(raw[found[name]], name, source, problems)
        else:
            frame[name] = np.nan
    if problems:
        raise BadDataError(source, problems)
    return frame.loc[:, list(BAR_COLUMNS)]


def _line(index: int) -> str:
    return f"line {index + 2}"  # the header is line 1


def _parse_times(column: pd.Series, source: str, problems: list[str]) -> pd.Series:
    if isinstance(column.dtype, pd.DatetimeTZDtype):
        converted: pd.Series = column.dt.tz_convert("UTC").astype("datetime64[ns, UTC]")
        return converted
    if pd.api.types.is_datetime64_dtype(column.dtype):
        localized: pd.Series = column.dt.tz_localize("UTC").astype("datetime64[ns, UTC]")
        return localized
    text = column.astype(str).str.strip()
    parsed = pd.to_datetime(text, utc=True, errors="coerce", format="ISO8601")
    bad = parsed.isna().to_numpy()
    if bad.any():
        index = np.flatnonzero(bad)
        listed = ", ".join(f"{_line(i)} ({shown(text.iloc[i])})" for i in index[:5])
        problems.append(f"{len(index)} unreadable time(s): {listed}")
    return parsed.astype("datetime64[ns, UTC]")


def _parse_numbers(column: pd.Series, name: str, source: str, problems: list[str]) -> pd.Series:
    if pd.api.types.is_numeric_dtype(column.dtype):
        numbers = column.astype("float64")
        text = numbers.astype(str)
    else:
        text = column.astype(str).str.strip()
        numbers = pd.to_numeric(text.where(text != "", None), errors="coerce").astype("float64")
        bad = (numbers.isna() & (text != "") & (text.str.lower() != "nan")).to_numpy()
        if bad.any():
            index = np.flatnonzero(bad)
            listed = ", ".join(f"{_line(i)} ({shown(text.iloc[i])})" for i in index[:5])
            problems.append(f"{name}: {len(index)} value(s) that are not numbers: {listed}")
    huge = (np.abs(numbers.to_numpy()) >= float(MAX_MAGNITUDE)) & ~np.isnan(numbers.to_numpy())
    if huge.any():
        index = np.flatnonzero(huge)
        listed = ", ".join(f"{_line(i)} ({shown(text.iloc[i])})" for i in index[:5])
        problems.append(f"{name}: {len(index)} value(s) not finite or not below 10^15: {listed}")
    return numbers


def infer_frequency(stamps: pd.Series) -> str:
    """``1d``/``1w``/``1mo`` for midnight stamps a day/week/month apart, else the intraday step."""
    index = pd.DatetimeIndex(stamps).sort_values().unique()
    if len(index) < 2:
        return "1d"
    step = float(np.median(np.diff(index.as_unit("ns").asi8))) / 1e9
    if (index == index.normalize()).all() and step >= 86_400:
        return "1d" if step < 5 * 86_400 else ("1w" if step < 20 * 86_400 else "1mo")
    for name, seconds in _INTRADAY:
        if step <= seconds * 1.5:
            return name
    return "1d"


def import_file(
    store: MarketStore,
    path: Path,
    *,
    symbol: str,
    currency: str = "USD",
    calendar: str = "XNYS",
    frequency: str | None = None,
    name: str | None = None,
    allow_gaps: bool = False,
) -> StoredDataset:
    """Check ``path`` and store it as ``symbol`` in dataset ``name`` (default: the symbol, lowercased).

    Into an existing dataset the symbol's bars are replaced and the rest kept, as a new version;
    frequency, currency and calendar must match it. The dataset's lock is held from reading its
    current version to storing the new one, so imports into one dataset at the same time queue.
    """
    symbol = symbol.strip().upper()
    if not symbol:
        raise BadDataError(str(path), ["the symbol is empty"])
    if calendar not in calendar_names() and calendar not in ALWAYS_OPEN:
        raise BadDataError(str(path), [f"unknown calendar {calendar!r}; use an exchange code (XNYS) or 24/7, 24/5"])
    if len(currency) != 3 or not currency.isalpha():
        raise BadDataError(str(path), [f"currency {currency!r} must be a three-letter code such as USD"])
    if frequency is not None and frequency not in FREQUENCIES:
        raise BadDataError(str(path), [f"unknown frequency {shown(frequency)}; use one of {', '.join(FREQUENCIES)}"])
    bars = read_bars_file(path, symbol=symbol)
    frequency = frequency or infer_frequency(bars["ts"])
    name = name or symbol.lower().replace("^", "").replace("/", "-")
    info = DatasetInfo(name, frequency, currency.upper(), calendar, source=f"imported from {path.name}", license="user")
    frames = MarketFrames(bars)
    try:
        store.check(info, frames, allow_gaps=allow_gaps)  # the file's own problems, before taking the lock
        if name in store.names():
            _check_joins(store.get(name).info, info, path)  # nothing is created for a file that cannot join
        with store.lock(name):  # from reading CURRENT to replacing it: concurrent imports queue
            if name in store.names():
                current = store.get(name)
                _check_joins(current.info, info, path)
                kept = store.frames(name)
                frames = MarketFrames(
                    pd.concat([kept.bars[kept.bars["symbol"] != symbol], bars], ignore_index=True),
                    kept.dividends[kept.dividends["symbol"] != symbol],
                    kept.splits[kept.splits["symbol"] != symbol],
                )
                info = replace(info, source=f"{current.info.source}; {info.source}")
            return store.write(info, frames, allow_gaps=allow_gaps)
    except BadDataError as error:
        raise BadDataError(str(path), error.problems) from None


def _check_joins(old: DatasetInfo, new: DatasetInfo, path: Path) -> None:
    """Refuse bars whose frequency, currency or calendar differ from the dataset they join."""
    mismatch = [
        f"{field} {mine!r} differs from the dataset's {theirs!r}"
        for field, mine, theirs in (
            ("frequency", new.frequency, old.frequency),
            ("currency", new.currency, old.currency),
            ("calendar", new.calendar, old.calendar),
        )
        if mine != theirs
    ]
    if mismatch:
        raise BadDataError(str(path), [f"cannot add to dataset {new.name!r}: " + "; ".join(mismatch)])
