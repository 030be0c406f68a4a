"""The headings of IRS Form 8949 (sales and other dispositions of capital assets), in one place.

The HTML report's Form 8949 section and the text tables of ``tradegame tax lots`` print the same
parts and column letters from here. Standard library and ``tradegame.domain`` only.
"""

from __future__ import annotations

from typing import NamedTuple

from tradegame.domain.holding import Term

__all__ = ["COLUMNS", "PARTS", "Part"]


class Part(NamedTuple):
    """One part of the form: the holding term it lists and how it is headed."""

    term: Term
    numeral: str  # "I" or "II"
    heading: str  # "Short-term" or "Long-term"
    held: str  # how long the lots it lists were held


PARTS = (
    Part(Term.SHORT, "I", "Short-term", "held one year or less"),
    Part(Term.LONG, "II", "Long-term", "held more than one year"),
)
"""Part I (short term), then Part II (long term)."""

COLUMNS = (
    "(a) Description",
    "(b) Acquired",
    "(c) Sold",
    "(d) Proceeds",
    "(e) Cost basis",
    "(f) Code",
    "(g) Adjustment",
    "(h) Gain or (loss)",
)
"""The form's lettered columns, (a) to (h), as headings."""
