"""Running-cost schedules: month-end clamping, leap years, intervals, one-offs."""

from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from tradegame.domain.errors import InvalidInputError
from tradegame.domain.money import USD, Money
from tradegame.domain.running_costs import EveryNDays, Monthly, OneOff, RunningCost, Yearly


def test_monthly_on_the_31st_clamps_to_month_end_and_comes_back() -> None:
    schedule = Monthly(date(2024, 1, 31))
    assert schedule.occurrences(date(2024, 1, 1), date(2024, 5, 31)) == (
        date(2024, 1, 31),
        date(2024, 2, 29),  # leap year
        date(2024, 3, 31),  # back to the 31st, not stuck on the 29th
        date(2024, 4, 30),
        date(2024, 5, 31),
    )


def test_monthly_in_a_common_year_clamps_to_february_28() -> None:
    assert Monthly(date(2023, 1, 31)).occurrences(date(2023, 2, 1), date(2023, 3, 31)) == (
        date(2023, 2, 28),
        date(2023, 3, 31),
    )


def test_monthly_on_the_30th_across_the_year_end() -> None:
    assert Monthly(date(2023, 11, 30)).occurrences(date(2023, 11, 1), date(2024, 3, 1)) == (
        date(2023, 11, 30),
        date(2023, 12, 30),
        date(2024, 1, 30),
        date(2024, 2, 29),
    )


def test_monthly_never_falls_before_its_anchor_and_ranges_are_closed() -> None:
    schedule = Monthly(date(2024, 3, 15))
    assert schedule.occurrences(date(2024, 1, 1), date(2024, 3, 14)) == ()
    assert schedule.occurrences(date(2024, 3, 15), date(2024, 4, 15)) == (date(2024, 3, 15), date(2024, 4, 15))
    assert schedule.occurrences(date(2024, 3, 16), date(2024, 4, 14)) == ()


def test_the_answer_does_not_depend_on_the_range_asked() -> None:
    schedule = Monthly(date(2024, 1, 31))
    whole = schedule.occurrences(date(2024, 1, 1), date(2024, 12, 31))
    pieces = schedule.occurrences(date(2024, 1, 1), date(2024, 6, 30)) + schedule.occurrences(
        date(2024, 7, 1), date(2024, 12, 31)
    )
    assert whole == pieces
    assert len(whole) == 12


def test_yearly_on_february_29_falls_on_the_28th_in_common_years() -> None:
    assert Yearly(date(2024, 2, 29)).occurrences(date(2024, 1, 1), date(2028, 12, 31)) == (
        date(2024, 2, 29),
        date(2025, 2, 28),
        date(2026, 2, 28),
        date(2027, 2, 28),
        date(2028, 2, 29),
    )


def test_yearly_respects_the_range_within_a_year() -> None:
    schedule = Yearly(date(2020, 6, 1))
    assert schedule.occurrences(date(2023, 6, 2), date(2024, 5, 31)) == ()
    assert schedule.occurrences(date(2023, 6, 1), date(2024, 6, 1)) == (date(2023, 6, 1), date(2024, 6, 1))


def test_every_n_days_steps_from_the_anchor_not_from_the_range_start() -> None:
    schedule = EveryNDays(date(2024, 1, 1), 10)
    assert schedule.occurrences(date(2024, 1, 5), date(2024, 2, 1)) == (
        date(2024, 1, 11),
        date(2024, 1, 21),
        date(2024, 1, 31),
    )
    # across February 29: 2024-02-20 + 10 days = 2024-03-01
    assert schedule.occurrences(date(2024, 2, 15), date(2024, 3, 5)) == (date(2024, 2, 20), date(2024, 3, 1))


def test_one_off() -> None:
    schedule = OneOff(date(2024, 7, 4))
    assert schedule.occurrences(date(2024, 7, 4), date(2024, 7, 4)) == (date(2024, 7, 4),)
    assert schedule.occurrences(date(2024, 7, 5), date(2024, 12, 31)) == ()


def test_running_cost_delegates_to_its_schedule() -> None:
    coinbase_one = RunningCost("CoinbaseOne", Money.of("29.99", USD), Monthly(date(2024, 1, 31)))
    assert coinbase_one.falls_on(date(2024, 2, 29))
    assert not coinbase_one.falls_on(date(2024, 2, 28))
    assert len(coinbase_one.occurrences(date(2024, 1, 1), date(2024, 12, 31))) == 12


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: RunningCost("AWS bill", Money.of("1", USD), OneOff(date(2024, 1, 1))), "name"),
        (lambda: RunningCost("AWS", Money.of("0", USD), OneOff(date(2024, 1, 1))), "positive"),
        (lambda: RunningCost("AWS", Money.of("-5", USD), OneOff(date(2024, 1, 1))), "positive"),
        (lambda: RunningCost("AWS", Money(Decimal("1.001"), USD), OneOff(date(2024, 1, 1))), "minor units"),
        (lambda: EveryNDays(date(2024, 1, 1), 0), ">= 1"),
        (lambda: Monthly(datetime(2024, 1, 1, tzinfo=UTC)), "must be a date"),
        (lambda: OneOff(date(2024, 1, 1)).occurrences(date(2024, 2, 1), date(2024, 1, 1)), "before its start"),
    ],
)
def test_bad_running_costs_are_refused(make: Callable[[], object], message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        make()
