"""Holding periods: when a lot turns long term. Standard library only."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from functools import lru_cache

__all__ = ["Term", "anniversary", "term_of"]


class Term(StrEnum):
    """Short term (one year or less) or long term (more than one year)."""

    SHORT = "short"
    LONG = "long"


@lru_cache(maxsize=4096)  # a sale's lots were often bought on the same few days
def anniversary(acquired: date) -> date:
    """The one-year anniversary of an acquisition; Feb 29 maps to Feb 28 of the next year."""
    if acquired.month == 2 and acquired.day == 29:
        return date(acquired.year + 1, 2, 28)
    return acquired.replace(year=acquired.year + 1)


def term_of(acquired: date, sold: date) -> Term:
    """Long term when sold strictly after the one-year anniversary of acquisition."""
    return Term.LONG if sold > anniversary(acquired) else Term.SHORT
