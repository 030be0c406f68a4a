"""Trading calendars: exchange sessions from exchange-calendars, 24/7 for crypto, 24/5 for FX.

A calendar is named by its exchange-calendars code (``XNYS``, ``XNAS``, ``XKRX``, ...) or by
``24/7`` / ``24/5``. exchange-calendars looks back only 20 years by default, so every calendar
is built for an explicit range (the range asked for, widened to whole years and cached). Building
one costs a few tenths of a second whatever its range (its holidays), so a range inside one
already built is answered by that one: its sessions and closes are the same. The sessions with
their opens and closes are also kept on disk (``session_table``), keyed by the calendar, its years
and the exchange-calendars version, so a new process reads them (a few milliseconds) instead of
building the calendar's holidays again (a quarter of a second, most of a first Game's time after
the imports); exchange-calendars itself is imported only when a calendar must be built.

Conventions used across tradegame:

* a daily bar is labelled with its session date at 00:00 UTC and becomes known at the session's
  close (UTC);
* a Round on a daily schedule happens at the session close; weekly and monthly schedules use
  the close of the first session of each week or month; an hourly schedule happens at the end
  of every trading hour (the top of each hour inside the session, and the close).
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from collections.abc import Mapping
from datetime import date
from functools import lru_cache
from importlib import import_module
from importlib.util import find_spec
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Literal, TypeVar

import numpy as np
import pandas as pd

from tradegame.data.errors import DataError

if TYPE_CHECKING:
    import exchange_calendars as xcals

__all__ = [
    "ALWAYS_OPEN",
    "Schedule",
    "available_times",
    "calendar",
    "calendar_names",
    "round_times",
    "session_closes",
    "session_table",
    "sessions",
]

ALWAYS_OPEN = ("24/7", "24/5")
Schedule = Literal["hourly", "daily", "weekly", "monthly"]
_HOUR = pd.Timedelta(hours=1)
_Kept = TypeVar("_Kept")
_DAY = np.int64(86_400 * 10**9)


def _xcals() -> ModuleType:
    """exchange-calendars, imported when a calendar must be built (not when its sessions are on disk)."""
    return import_module("exchange_calendars")


@lru_cache(maxsize=1)
def _xcals_version() -> str:
    """The installed exchange-calendars version, without importing it (a fifth of a second): from
    the name of its ``.dist-info`` folder next to the package, else from its metadata (slower)."""
    spec = find_spec("exchange_calendars")
    if spec is not None and spec.origin:
        site = Path(spec.origin).parent.parent
        found = [p.name for p in site.glob("exchange_calendars-*.dist-info")]
        if len(found) == 1:
            return found[0].removeprefix("exchange_calendars-").removesuffix(".dist-info")
    from importlib.metadata import version

    return version("exchange_calendars")


def calendar_names() -> list[str]:
    names: list[str] = _xcals().get_calendar_names(include_aliases=False)
    return sorted(names)


def calendar(code: str, start: date | str, end: date | str) -> xcals.ExchangeCalendar:
    """The calendar ``code`` covering at least ``start`` to ``end``."""
    first, last = _years(start, end)
    built = _BUILT.setdefault(code, {})
    covering = _covering(built, first, last)
    if covering is None:
        covering = built[first, last] = _calendar(code, first, last)
    return covering


_BUILT: dict[str, dict[tuple[int, int], xcals.ExchangeCalendar]] = {}  # per code, by (first, last) year
_TABLES: dict[str, dict[tuple[int, int], pd.DataFrame]] = {}  # session tables read or built, the same way


def _years(start: date | str, end: date | str) -> tuple[int, int]:
    first, last = pd.Timestamp(start).year, pd.Timestamp(end).year
    if last < first:
        raise DataError(f"calendar range ends ({end}) before it starts ({start})")
    return first, last


def _covering(found: Mapping[tuple[int, int], _Kept], first: int, last: int) -> _Kept | None:
    """What ``found`` holds for a range of years that covers ``first`` to ``last``, if anything."""
    return next((kept for (low, high), kept in found.items() if low <= first and last <= high), None)


@lru_cache(maxsize=64)
def _calendar(code: str, first_year: int, last_year: int) -> xcals.ExchangeCalendar:
    module = _xcals()
    if code not in module.get_calendar_names():
        raise DataError(f"unknown calendar {code!r}; use an exchange-calendars code such as XNYS, or 24/7, 24/5")
    try:
        built: xcals.ExchangeCalendar = module.get_calendar(code, start=f"{first_year}-01-01", end=f"{last_year}-12-31")
        return built
    except (ValueError, module.errors.CalendarError) as error:  # outside the range the calendar knows
        raise DataError(f"calendar {code} cannot cover {first_year}-{last_year}: {error}") from None


def session_table(code: str, start: date | str, end: date | str) -> pd.DataFrame:
    """The sessions of exchange calendar ``code`` covering at least ``start`` to ``end``: index the
    session dates (naive), columns ``open`` and ``close`` (UTC), as ``ExchangeCalendar.schedule``."""
    first, last = _years(start, end)
    built = _covering(_BUILT.get(code, {}), first, last)
    if built is not None:
        schedule: pd.DataFrame = built.schedule[["open", "close"]]
        return schedule
    tables = _TABLES.setdefault(code, {})
    table = _covering(tables, first, last)
    if table is None:
        table = tables[first, last] = _session_table(code, first, last)
    return table


def _session_table(code: str, first: int, last: int) -> pd.DataFrame:
    """The table of ``first`` to ``last`` from the cache folder, or built and stored there."""
    path = _cache_dir() / f"{code}-{first}-{last}-xcals{_xcals_version()}.npz"
    try:
        with np.load(path) as stored:
            arrays = {name: stored[name] for name in ("sessions", "open", "close")}
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):  # absent or damaged: build it
        table = calendar(code, f"{first}-01-01", f"{last}-12-31").schedule[["open", "close"]]
        arrays = {
            "sessions": table.index.as_unit("ns").asi8,
            "open": pd.DatetimeIndex(table["open"]).as_unit("ns").asi8,
            "close": pd.DatetimeIndex(table["close"]).as_unit("ns").asi8,
        }
        _store(path, arrays)
    index = pd.DatetimeIndex(arrays["sessions"].astype("datetime64[ns]"))
    return pd.DataFrame({name: pd.DatetimeIndex(arrays[name], tz="UTC") for name in ("open", "close")}, index=index)


def _cache_dir() -> Path:
    """``$XDG_CACHE_HOME/tradegame/calendars`` (``~/.cache``)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "tradegame" / "calendars"


def _store(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Write ``arrays`` whole or not at all (a temporary file renamed over ``path``); a cache that
    cannot be written is only slower next time."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    except OSError:
        return
    try:
        with os.fdopen(handle, "wb") as out:
            np.savez(out, sessions=arrays["sessions"], open=arrays["open"], close=arrays["close"])
        os.replace(name, path)
    except OSError:
        Path(name).unlink(missing_ok=True)


def sessions(code: str, start: date | str, end: date | str) -> pd.DatetimeIndex:
    """Session dates from ``start`` to ``end`` (inclusive), as 00:00 UTC timestamps."""
    all_sessions = session_table(code, start, end).index
    first, last = pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize()
    labels = all_sessions[(all_sessions >= first.tz_localize(None)) & (all_sessions <= last.tz_localize(None))]
    return pd.DatetimeIndex(labels).tz_localize("UTC")


def session_closes(code: str, labels: pd.DatetimeIndex) -> np.ndarray:
    """Close time (int64 ns UTC) of each session label; a label that is not a session gets label + 1 day."""
    out = labels.as_unit("ns").asi8 + _DAY
    if code in ALWAYS_OPEN or len(labels) == 0:
        return out
    table = session_table(code, labels[0], labels[-1])
    naive = labels.tz_localize(None) if labels.tz is not None else labels
    closes = table["close"].reindex(naive)
    known = closes.notna().to_numpy()
    out[known] = pd.DatetimeIndex(closes[known]).as_unit("ns").asi8
    return out


def available_times(labels: pd.DatetimeIndex, frequency: str, code: str) -> np.ndarray:
    """When each bar labelled ``labels`` becomes known (int64 ns UTC): the end of its period."""
    labels = labels.as_unit("ns")
    if frequency == "1d":
        return session_closes(code, labels)
    if frequency == "tick":
        return labels.asi8.copy()
    if frequency == "1w":
        return (labels + pd.Timedelta(days=7)).asi8
    if frequency == "1mo":
        return (labels + pd.offsets.MonthBegin(1)).as_unit("ns").asi8
    try:
        step = pd.Timedelta(frequency.replace("m", "min") if frequency.endswith("m") else frequency)
    except ValueError:
        raise DataError(f"unknown bar frequency {frequency!r}") from None
    return (labels + step).asi8


def round_times(code: str, start: date | str, end: date | str, schedule: Schedule) -> pd.DatetimeIndex:
    """The UTC times of the Rounds of a Game played on calendar ``code`` from ``start`` to ``end``."""
    return _round_times(code, pd.Timestamp(start).isoformat(), pd.Timestamp(end).isoformat(), schedule)


@lru_cache(maxsize=256)
def _round_times(code: str, start: str, end: str, schedule: Schedule) -> pd.DatetimeIndex:
    labels = sessions(code, start, end)
    if len(labels) == 0:
        raise DataError(f"calendar {code} has no session between {start} and {end}")
    closes = pd.DatetimeIndex(session_closes(code, labels), tz="UTC")
    if schedule == "daily":
        return closes
    if schedule in ("weekly", "monthly"):
        naive = labels.tz_localize(None)
        periods = naive.to_period("W" if schedule == "weekly" else "M")
        first = ~pd.Series(periods).duplicated().to_numpy()
        return closes[first]
    if schedule == "hourly":
        return _hourly(code, labels, closes)
    raise DataError(f"unknown schedule {schedule!r}; use hourly, daily, weekly or monthly")


def _hourly(code: str, labels: pd.DatetimeIndex, closes: pd.DatetimeIndex) -> pd.DatetimeIndex:
    if code in ALWAYS_OPEN:
        opens = labels
    else:
        table = session_table(code, labels[0], labels[-1])
        opens = pd.DatetimeIndex(table["open"].reindex(labels.tz_localize(None)))
    times: list[np.ndarray] = []
    for open_, close in zip(opens, closes, strict=True):
        ticks = pd.date_range(open_.ceil("h") if open_.ceil("h") > open_ else open_ + _HOUR, close, freq="h")
        times.append(ticks.as_unit("ns").asi8)
        if not len(ticks) or ticks[-1] != close:
            times.append(np.array([close.value], dtype=np.int64))
    return pd.DatetimeIndex(np.concatenate(times), tz="UTC") if times else pd.DatetimeIndex([], tz="UTC")
