"""Round times: the int64 nanosecond stamps of the Round loop as timezone-aware UTC datetimes.

Pure conversions, shared by the Round loop and the sweep; imports the standard library only.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

__all__ = ["iso_from_ns", "utc_from_ns"]


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


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
