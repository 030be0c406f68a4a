"""Worked examples from IRS Publication 550 (Investment Income and Expenses), as scenarios.

Each test quotes the example's facts in its docstring; the dates, which the publication leaves
open or sets in its own tax year, are chosen here to fit the facts.
"""

from datetime import date
from decimal import Decimal

from tests.scenario import book, line
from tradegame.domain.holding import Term, anniversary, term_of


def test_wash_sale_example_1_full_replacement() -> None:
    """Buy 100 shares of X for $1,000, sell them for $750, and within 30 days buy 100 shares
    for $800: the $250 loss is not deductible; the new shares' basis is $1,050."""
    lots = book("""
    2024-01-02 BUY 100 X @ 10.00 lot OLD
    2024-06-03 SELL 100 X @ 7.50
    2024-06-20 BUY 100 X @ 8.00 lot NEW
    """)
    assert [line(d) for d in lots.disposals] == [("OLD", "100", "750.00", "1000.00", "W250.00", "0.00", "short")]
    (new,) = lots.open_lots()
    assert (new.lot_id, new.cost_basis) == ("NEW", Decimal("1050.00"))


def test_wash_sale_example_2_partial_replacement() -> None:
    """Buy 100 shares of M for $1,000, sell them for $750, and within 30 days buy 50 shares for
    $400: half the loss ($125) is disallowed and added to the new shares' basis ($525); the
    other $125 is deductible."""
    lots = book("""
    2024-01-02 BUY 100 M @ 10.00 lot OLD
    2024-06-03 SELL 100 M @ 7.50
    2024-06-04 BUY 50 M @ 8.00 lot NEW
    """)
    assert [line(d) for d in lots.disposals] == [("OLD", "100", "750.00", "1000.00", "W125.00", "-125.00", "short")]
    (new,) = lots.open_lots()
    assert (new.lot_id, new.quantity, new.cost_basis) == ("NEW", 50, Decimal("525.00"))


def test_wash_sale_holding_period_of_the_new_shares_includes_the_old() -> None:
    """ "Your holding period for the new stock includes the holding period of the stock sold."
    Old shares held 300 days; new shares bought 10 days after the sale and sold 70 days after
    that: 300 + 70 days is more than a year, so the second sale is long term."""
    lots = book("""
    2023-01-03 BUY 100 X @ 10.00 lot OLD
    2023-10-30 SELL 100 X @ 7.50          # held 300 days, loss 250 washed
    2023-11-09 BUY 100 X @ 8.00 lot NEW   # effective acquisition 300 days earlier: 2023-01-13
    2024-01-18 SELL 100 X @ 12.00
    """)
    first, second = lots.disposals
    assert first.adjustment_code == "W"
    assert second.date_acquired == date(2023, 1, 13)
    assert second.date_acquired_actual == date(2023, 11, 9)
    assert line(second) == ("NEW", "100", "1200.00", "1050.00", "0.00", "150.00", "long")


def test_holding_period_example_one_year_is_short_a_day_more_is_long() -> None:
    """Property bought on February 5 and sold on February 5 of the next year is held one year or
    less (short term); sold on February 6 it is held more than one year (long term)."""
    assert term_of(date(2023, 2, 5), date(2024, 2, 5)) is Term.SHORT
    assert term_of(date(2023, 2, 5), date(2024, 2, 6)) is Term.LONG


def test_holding_period_from_february_29() -> None:
    """An acquisition on Feb 29 has its anniversary on Feb 28 of the next year (the rule this
    project states); a sale on Mar 1 is then long term."""
    assert anniversary(date(2024, 2, 29)) == date(2025, 2, 28)
    assert term_of(date(2024, 2, 29), date(2025, 2, 28)) is Term.SHORT
    assert term_of(date(2024, 2, 29), date(2025, 3, 1)) is Term.LONG
    lots = book("""
    2024-02-29 BUY 1 X @ 10.00
    2025-02-28 SELL 1 X @ 11.00 # still short
    """)
    assert lots.disposals[0].term is Term.SHORT
