"""Stock splits: units change, basis and holding dates do not (hand-worked numbers)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from tradegame.domain.errors import InvalidAmountError, InvalidInputError
from tradegame.domain.holding import Term
from tradegame.domain.instruments import Account, AssetClass, Instrument
from tradegame.domain.lots import LotBook
from tradegame.domain.money import USD, Money, Price, Quantity
from tradegame.domain.positions import Books, replay

D = Decimal
ACME = Instrument("ACME", AssetClass.EQUITY, USD)


def test_two_for_one_split_doubles_units_keeps_basis_and_dates() -> None:
    book = LotBook(wash_sales=False)
    book.buy(account="A", symbol="ACME", quantity=D(100), price=D(50), fee=D("1.00"), on=date(2020, 1, 2))
    book.buy(account="B", symbol="ACME", quantity=D(10), price=D(60), on=date(2020, 2, 3))
    changed = book.split("ACME", D(2), date(2020, 6, 1))
    assert changed == {"A": (D(100), D(200)), "B": (D(10), D(20))}
    lots = book.open_lots()
    assert [(lot.account, lot.quantity, lot.cost_basis, lot.date_acquired) for lot in lots] == [
        ("A", D(200), D("5001.00"), date(2020, 1, 2)),
        ("B", D(20), D("600"), date(2020, 2, 3)),
    ]
    # Sold after the anniversary of the pre-split purchase: long term, basis 5001.00 for 200.
    (sold,) = book.sell(account="A", symbol="ACME", quantity=D(200), price=D(30), on=date(2021, 3, 1))
    assert (sold.proceeds, sold.cost_basis, sold.gain, sold.term) == (
        D("6000.00"),
        D("5001.00"),
        D("999.00"),
        Term.LONG,
    )
    assert book.position("B", "ACME") == D(20)


def test_reverse_split_keeps_exact_fractions() -> None:
    book = LotBook(wash_sales=False)
    book.buy(account="A", symbol="ACME", quantity=D(15), price=D(2), on=date(2020, 1, 2))
    assert book.split("ACME", D("0.1"), date(2020, 3, 2)) == {"A": (D(15), D("1.5"))}
    (lot,) = book.open_lots()
    assert (lot.quantity, lot.cost_basis) == (D("1.5"), D("30"))


def test_split_scales_a_loss_waiting_for_replacement_shares() -> None:
    book = LotBook()
    book.buy(account="A", symbol="ACME", quantity=D(10), price=D(100), on=date(2020, 1, 2))
    book.sell(account="A", symbol="ACME", quantity=D(10), price=D(80), on=date(2020, 3, 2))  # loss 200 on 10
    book.split("ACME", D(2), date(2020, 3, 9))
    # 10 post-split shares are only half of the 20 shares that replace the 10 sold before the split.
    book.buy(account="A", symbol="ACME", quantity=D(10), price=D(40), on=date(2020, 3, 16))
    (loss,) = book.disposals
    assert (loss.adjustment_code, loss.adjustment_amount) == ("W", D("100.00"))


@pytest.mark.parametrize("ratio", [D(0), D(-2), D(1), D("NaN")])
def test_bad_ratio_is_refused_and_changes_nothing(ratio: Decimal) -> None:
    book = LotBook()
    book.buy(account="A", symbol="ACME", quantity=D(10), price=D(100), on=date(2020, 1, 2))
    with pytest.raises(InvalidInputError, match="split ratio"):
        book.split("ACME", ratio, date(2020, 2, 3))
    assert book.position("A", "ACME") == D(10)


def test_books_split_posts_units_only_and_replays() -> None:
    books = Books([Account("IBKR", "ibkr", USD)])
    t = datetime(2020, 1, 2, 15, tzinfo=UTC)
    books.deposit("IBKR", Money.of("10000.00", USD), t, "start")
    books.buy("IBKR", ACME, Quantity(D(100)), Price(D(50), USD), Money.of("1.00", USD), t, "buy")
    op = books.split(ACME, D(3), datetime(2020, 6, 1, 13, tzinfo=UTC), "3-for-1 split")
    position = books.position("IBKR", "ACME")
    assert position.quantity == D(300)
    assert position.book_cost.amount == D(5000)  # gross cost, fees are on the cost ledger
    assert position.tax_basis.amount == D("5001.00")
    old, new = position.asset_ledger[-2:]
    assert (old.op_id, old.units, old.value, new.op_id, new.units, new.value) == (
        op,
        D(-100),
        D(-5000),
        op,
        D(300),
        D(5000),
    )
    assert books.decision_log[-1].action == "split"
    assert books.cash("IBKR", USD).amount == D("4999.00")
    assert replay(books.entries) == books.state()
    books.sell("IBKR", ACME, Quantity(D(300)), Price(D(20), USD), Money.of("0", USD), datetime(2020, 7, 1, tzinfo=UTC))
    assert books.cash("IBKR", USD).amount == D("10999.00")
    assert replay(books.entries) == books.state()


def test_books_split_of_unknown_instrument_is_refused() -> None:
    books = Books([Account("IBKR", "ibkr", USD)])
    with pytest.raises(InvalidInputError, match="nothing to split"):
        books.split(ACME, D(2), datetime(2020, 6, 1, tzinfo=UTC))
    assert books.entries == ()


def reverse_split_books(quantity: int, ratio: str) -> Books:
    books = Books([Account("IBKR", "ibkr", USD)])
    t = datetime(2020, 1, 2, 15, tzinfo=UTC)
    books.deposit("IBKR", Money.of("10000.00", USD), t, "start")
    books.buy("IBKR", ACME, Quantity(D(quantity)), Price(D(100), USD), Money.of("1.00", USD), t, "buy")
    books.split(ACME, D(ratio), datetime(2020, 6, 1, 13, 30, tzinfo=UTC), "split")
    return books


def test_cash_in_lieu_sells_the_fraction_a_reverse_split_leaves() -> None:
    # 15 @ 100.00 (+1.00 fee) -> 1-for-10 -> 1.5 units; 0.5 paid out at 1010.00 = 505.00.
    books = reverse_split_books(15, "0.1")
    when = datetime(2020, 6, 1, 13, 30, tzinfo=UTC)
    op = books.cash_in_lieu("IBKR", ACME, Price(D("1010.00"), USD), when, "cash in lieu")
    assert op is not None
    position = books.position("IBKR", "ACME")
    assert position.quantity == D(1)
    assert books.cash("IBKR", USD).amount == D("10000.00") - D("1501.00") + D("505.00")
    (sale,) = books.disposals()
    # A third of the tax basis 1501.00 goes with the 0.5 of 1.5 units: 500.33; gain 4.67.
    assert (sale.quantity, sale.proceeds, sale.cost_basis, sale.gain) == (D("0.5"), D("505.00"), D("500.33"), D("4.67"))
    assert books.decision_log[-1].action == "cash-in-lieu"
    assert all(not any(entry.weights().values()) for entry in books.entries)  # every entry balances
    assert replay(books.entries) == books.state()
    # Nothing fractional is left: a second call books nothing.
    assert books.cash_in_lieu("IBKR", ACME, Price(D("1010.00"), USD), when) is None


def test_cash_in_lieu_after_a_three_for_two_split() -> None:
    books = reverse_split_books(15, "1.5")  # 22.5 units
    books.cash_in_lieu("IBKR", ACME, Price(D("66.70"), USD), datetime(2020, 6, 1, 13, 30, tzinfo=UTC))
    assert books.position("IBKR", "ACME").quantity == D(22)
    assert books.cash("IBKR", USD).amount == D("8499.00") + D("33.35")


def test_cash_in_lieu_refuses_a_fraction_worth_under_a_cent_and_changes_nothing() -> None:
    books = reverse_split_books(15, "0.1")
    before = (books.operations, books.entries, books.cash("IBKR", USD))
    with pytest.raises(InvalidAmountError, match="less than one minor unit"):
        books.cash_in_lieu("IBKR", ACME, Price(D("0.01"), USD), datetime(2020, 6, 1, 13, 30, tzinfo=UTC))
    assert (books.operations, books.entries, books.cash("IBKR", USD)) == before
    assert books.position("IBKR", "ACME").quantity == D("1.5")
