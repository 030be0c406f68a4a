"""Round times: the int64 nanosecond stamps of the Round loop as timezone-aware UTC datetimes (or UTC days).

Pure conversions, shared by the Round loop and the sweep; imports the standard library only.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

__all__ = ["iso_from_ns", "utc_date_from_ns", "utc_from_ns"]


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_DAY = _EPOCH.toordinal()  # the proleptic Gregorian ordinal of 1970-01-01
_NS_PER_DAY = 86_400_000_000_000


def utc_from_ns(ns: int) -> datetime:
    """The UTC instant of an int64 nanosecond timestamp, to the microsecond (rounded down)."""
    global _last
    last = _last  # the fills of one bar, and the events of one Round, share a time: keep the last one
    if last[0] == ns:
        return last[1]
    when = _EPOCH + timedelta(microseconds=ns // 1000)
    _last = (ns, when)
    return when


_last: tuple[int | None, datetime] = (None, _EPOCH)


def iso_from_ns(ns: int) -> str:
    """``utc_from_ns(ns)`` in ISO 8601."""
    return utc_from_ns(ns).isoformat()


def utc_date_from_ns(ns: int) -> date:
    """The UTC calendar day of an int64 nanosecond timestamp: ``utc_from_ns(ns).date()``, without
    making the datetime (a day is a whole number of nanoseconds: floor division finds it)."""
    return date.fromordinal(ns // _NS_PER_DAY + _EPOCH_DAY)
