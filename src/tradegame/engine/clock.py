"""The Game's clock: the Round being played, the time now, and the next panel row to replay.

Every room of the Round loop (game.py and the modules it calls) reads the same ``GameClock``;
``booking_time`` is the one rule for when a bar's booking is stamped. Imports the domain only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tradegame.domain.positions import Books
from tradegame.engine.timestamps import utc_from_ns

__all__ = ["GameClock", "booking_time"]


@dataclass(slots=True)
class GameClock:
    """``now_ns``: the time now (a Round's, or the fill time of the bar being replayed), ns since the
    epoch; ``round``: the index of the Round being played; ``row``: the first panel row not yet replayed."""

    now_ns: int
    round: int = 0
    row: int = 0


def booking_time(books: Books, ns: int) -> datetime:
    """When a bar's fill or corporate action is booked: at its time, or, if the books already hold
    a later operation (booked at a Round inside that bar, e.g. hourly Rounds on daily bars, before
    the engine could know the bar), just after it: the books keep time order, the price stays."""
    when = utc_from_ns(ns)
    last = books.last_timestamp
    return last if last is not None and last > when else when
