"""Running costs: what it costs to keep strategies going, and when each charge falls due.

Owns ``RunningCost`` (a name, an amount of money, a schedule) and the schedules:

* ``Monthly``: the anchor's day of the month, clamped to the month's last day. The clamp is
  taken from the anchor every month, never from the previous charge, so an anchor of January 31
  falls on February 28 (29 in a leap year) and then on March 31 again.
* ``Yearly``: the anchor's month and day; February 29 falls on February 28 in common years.
* ``EveryNDays``: the anchor, then every ``days`` days.
* ``OneOff``: a single date.

``occurrences(start, end)`` lists the due dates in the closed range ``[start, end]`` in order.
Each date is computed from the anchor alone, so the answer for a range does not depend on what
was asked before, and no date before the anchor is ever due. ``charge_rounds`` is the one rule
of which Round of a Game charges each occurrence (the Round loop and the sweep both use it).
Booking a charge is the job of ``positions.Books``, which posts it to
``Expenses:RunningCosts:{name}``. Standard library only.
"""

from __future__ import annotations

from bisect import bisect_left
from calendar import monthrange
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import NamedTuple

from tradegame.domain.errors import InvalidInputError
from tradegame.domain.money import Money

__all__ = ["Charge", "EveryNDays", "Monthly", "OneOff", "RunningCost", "Schedule", "Yearly", "charge_rounds"]


def _check_date(value: object, what: str) -> date:
    # A datetime is a date too, but a due date has no time of day (and no time zone to get wrong).
    if not isinstance(value, date) or isinstance(value, datetime):
        raise InvalidInputError(f"{what} must be a date, not {type(value).__name__}")
    return value


def _check_range(start: date, end: date) -> tuple[date, date]:
    _check_date(start, "start")
    _check_date(end, "end")
    if end < start:
        raise InvalidInputError(f"range end {end} is before its start {start}")
    return start, end


def _clamped(year: int, month: int, day: int) -> date:
    return date(year, month, min(day, monthrange(year, month)[1]))


@dataclass(frozen=True, slots=True)
class Monthly:
    """Due every month on the anchor's day, or the month's last day when it is shorter."""

    anchor: date

    def __post_init__(self) -> None:
        _check_date(self.anchor, "monthly anchor")

    def occurrences(self, start: date, end: date) -> tuple[date, ...]:
        start, end = _check_range(start, end)
        first = max(start, self.anchor)
        due: list[date] = []
        year, month = first.year, first.month
        while (day := _clamped(year, month, self.anchor.day)) <= end:
            if day >= first:
                due.append(day)
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return tuple(due)


@dataclass(frozen=True, slots=True)
class Yearly:
    """Due every year on the anchor's month and day (February 29 becomes 28 in common years)."""

    anchor: date

    def __post_init__(self) -> None:
        _check_date(self.anchor, "yearly anchor")

    def occurrences(self, start: date, end: date) -> tuple[date, ...]:
        start, end = _check_range(start, end)
        first = max(start, self.anchor)
        due = (_clamped(year, self.anchor.month, self.anchor.day) for year in range(first.year, end.year + 1))
        return tuple(day for day in due if first <= day <= end)


@dataclass(frozen=True, slots=True)
class EveryNDays:
    """Due on the anchor and every ``days`` days after it."""

    anchor: date
    days: int

    def __post_init__(self) -> None:
        _check_date(self.anchor, "anchor")
        if isinstance(self.days, bool) or not isinstance(self.days, int) or self.days < 1:
            raise InvalidInputError(f"every-N-days interval must be a whole number of days >= 1, got {self.days!r}")

    def occurrences(self, start: date, end: date) -> tuple[date, ...]:
        start, end = _check_range(start, end)
        first = max(start, self.anchor)
        steps = -(-(first - self.anchor).days // self.days)  # ceiling: the first step on or after `first`
        step = timedelta(days=self.days)
        day = self.anchor + steps * step
        due: list[date] = []
        while day <= end:
            due.append(day)
            day += step
        return tuple(due)


@dataclass(frozen=True, slots=True)
class OneOff:
    """Due once, on ``on``."""

    on: date

    def __post_init__(self) -> None:
        _check_date(self.on, "one-off date")

    def occurrences(self, start: date, end: date) -> tuple[date, ...]:
        start, end = _check_range(start, end)
        return (self.on,) if start <= self.on <= end else ()


Schedule = Monthly | Yearly | EveryNDays | OneOff


@dataclass(frozen=True, slots=True)
class RunningCost:
    """A cost not tied to one position (a subscription, a server, an account fee) and its schedule.

    ``name`` becomes the account ``Expenses:RunningCosts:{name}``, so it has no spaces or ':'.
    """

    name: str
    amount: Money
    schedule: Schedule

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name or ":" in self.name or any(c.isspace() for c in self.name):
            raise InvalidInputError(f"running cost name {self.name!r} must be non-empty, without spaces or ':'")
        if not isinstance(self.amount, Money):
            raise InvalidInputError(f"running cost {self.name}: amount must be Money")
        if self.amount.amount <= Decimal(0) or self.amount.amount != self.amount.currency.round(self.amount.amount):
            raise InvalidInputError(
                f"running cost {self.name}: amount {self.amount} must be positive, in whole "
                f"{self.amount.currency.code} minor units"
            )
        if not isinstance(self.schedule, Monthly | Yearly | EveryNDays | OneOff):
            raise InvalidInputError(f"running cost {self.name}: unknown schedule {type(self.schedule).__name__}")

    def occurrences(self, start: date, end: date) -> tuple[date, ...]:
        """The dates in ``[start, end]`` on which this cost falls due, in order."""
        return self.schedule.occurrences(start, end)

    def falls_on(self, day: date) -> bool:
        """Whether the cost is due on ``day``."""
        return bool(self.schedule.occurrences(day, day))


class Charge(NamedTuple):
    """One occurrence of a running cost a Game books: the Round that charges it, its due day, the
    account it is charged to and the cost."""

    round: int
    day: date
    account: str
    cost: RunningCost


def charge_rounds(running_costs: Sequence[tuple[str, RunningCost]], round_days: Sequence[date]) -> list[Charge]:
    """Every running-cost occurrence a Game whose Rounds fall on ``round_days`` (their UTC days, in
    order) charges, and the Round that charges it.

    An occurrence is charged by the first Round on or after its day: a Round charges those due
    after the previous Round's day up to its own (the first Round only those due on its day). None
    falls before the first Round's day or after the last's. In booking order: by day, then in the
    order of ``running_costs``.
    """
    if not running_costs or not round_days:
        return []
    first, last = round_days[0], round_days[-1]
    due = sorted(
        (day, order, account, cost)
        for order, (account, cost) in enumerate(running_costs)
        for day in cost.occurrences(first, last)
    )
    return [Charge(bisect_left(round_days, day), day, account, cost) for day, _, account, cost in due]
