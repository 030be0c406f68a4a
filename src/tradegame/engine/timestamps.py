"""Round times: the int64 nanosecond stamps of the Round loop as timezone-aware UTC datetimes.

Pure conversions, shared by the Round loop and the sweep; imports the standard library only.
"""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["iso_from_ns", "utc_from_ns"]


def utc_from_ns(ns: int) -> datetime:
    """The UTC instant of an int64 nanosecond timestamp, to the microsecond."""
    return datetime.fromtimestamp(ns // 1_000_000_000, tz=UTC).replace(microsecond=(ns // 1000) % 1_000_000)


def iso_from_ns(ns: int) -> str:
    """``utc_from_ns(ns)`` in ISO 8601."""
    return utc_from_ns(ns).isoformat()
