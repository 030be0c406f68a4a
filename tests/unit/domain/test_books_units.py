"""``Books.buy_units`` and ``sell_units``: a trade given as plain amounts (the engine's fills) books
what ``buy`` and ``sell`` book, and bad input gets the same clear error and changes nothing."""

from __future__ import annotations

import copy
import pickle
from datetime import UTC, datetime
from decimal import Decimal, localcontext

import pytest

from tradegame.domain.errors import (
    FeeExceedsValueError,
    InsufficientHoldingsError,
    InvalidAmountError,
    InvalidInputError,
    TooSmallError,
)
from tradegame.domain.instruments import Account, AssetClass, Instrument
from tradegame.domain.money import USD, Money, Price, Quantity
from tradegame.domain.positions import Books

ACME = Instrument("ACME", AssetClass.EQUITY, USD)
T1, T2, T3 = (datetime(2024, 1, day, 15, tzinfo=UTC) for day in (3, 4, 5))


def d(amount: str) -> Decimal:
    return Decimal(amount)


def funded() -> Books:
    books = Books([Account("IBKR", "ibkr", USD)])
    books.deposit("IBKR", Money(d("5000.00"), USD), datetime(2024, 1, 2, 9, tzinfo=UTC), "start fund")
    return books


def everything(books: Books) -> tuple[object, ...]:
    """Every ledger and view the books hand out, as values to compare."""
    return (
        books.entries,
        books.state(),
        books.tax_ledger,
        books.cost_ledger,
        books.decision_log,
        books.open_lots(),
        books.disposals(),
        books.holdings().copy(),
        books.held_cost("IBKR", "ACME"),
    )


def test_plain_amounts_book_what_the_wrapped_ones_book() -> None:
    wrapped, plain = funded(), funded()
    wrapped.buy("IBKR", ACME, Quantity(d("10")), Price(d("100.00"), USD), Money(d("1.00"), USD), T1, "in", game="g")
    wrapped.sell("IBKR", ACME, Quantity(d("4")), Price(d("90.00"), USD), Money(d("0.50"), USD), T2, "out")
    wrapped.buy("IBKR", ACME, Quantity(d("2")), Price(d("80.00"), USD), Money(d("0"), USD), T3, "again")  # washes
    assert plain.buy_units("IBKR", ACME, d("10"), d("100.00"), d("1.00"), T1, "in", game="g") == "op-000002"
    assert plain.sell_units("IBKR", ACME, d("4"), d("90.00"), d("0.50"), T2, "out") == "op-000003"
    assert plain.buy_units("IBKR", ACME, d("2"), d("80.00"), d("0"), T3, "again") == "op-000004"
    assert everything(plain) == everything(wrapped)
    assert [line.kind for line in plain.tax_ledger] == ["disposal", "wash-adjustment"]
    assert plain.lots_of("op-000003") == ((), (("op-000002", d("4")),))


def test_trades_read_later_copied_or_in_another_decimal_context_read_as_at_once() -> None:
    """A trade's journal entries are made when first read: what is read is the same whenever it is."""

    def traded() -> Books:
        books = funded()
        books.buy_units("IBKR", ACME, d("10"), d("100.00"), d("1.00"), T1, "in")
        books.sell_units("IBKR", ACME, d("4"), d("123.45"), d("0.50"), T2, "out")
        return books

    at_once = traded()
    expected = everything(at_once)
    for books in (copy.deepcopy(traded()), pickle.loads(pickle.dumps(traded()))):
        assert everything(books) == expected
    books = traded()
    with localcontext(prec=3):  # a negation in this context would round 493.30 to 493
        assert len(books._journal) == 5  # (the entries are made here)
    assert books.entries == expected[0]
    assert [p.units for e in books.entries if e.kind == "sweep" for p in e.postings] == [d("-493.30"), d("493.30")]


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        ({"quantity": 1.5}, InvalidAmountError, "not float"),
        ({"quantity": d("NaN")}, InvalidAmountError, "not finite"),
        ({"quantity": d("0")}, InvalidInputError, "quantity must be positive"),
        ({"quantity": d("1.5")}, InvalidInputError, "lot size"),
        ({"price": d("Infinity")}, InvalidAmountError, "not finite"),
        ({"price": d("100.005")}, InvalidInputError, "tick"),
        ({"price": d("0.001")}, InvalidInputError, "tick"),
        ({"fee": d("0.001")}, InvalidAmountError, "more decimals"),
        ({"fee": d("-Infinity")}, InvalidAmountError, "not finite"),
        ({"fee": d("Infinity")}, InvalidAmountError, "not finite"),
        ({"fee": d("-1")}, InvalidAmountError, "zero or more"),
        ({"account": "NOPE"}, InvalidInputError, "unknown account"),
        ({"instrument": "ACME"}, InvalidInputError, "not an Instrument"),
        ({"ts": datetime(2024, 1, 3, 15)}, InvalidInputError, "naive"),  # noqa: DTZ001
        ({"ts": datetime(2024, 1, 1, 15, tzinfo=UTC)}, InvalidInputError, "before the last operation"),
        ({"reason": 7}, InvalidInputError, "reason must be a str"),
    ],
)
@pytest.mark.parametrize("side", ["buy_units", "sell_units"])
def test_bad_plain_amounts_are_refused_and_change_nothing(
    side: str, change: dict[str, object], error: type[Exception], message: str
) -> None:
    books = funded()
    books.buy_units("IBKR", ACME, d("10"), d("100.00"), d("1.00"), T1, "in")
    before = everything(books)
    trade: dict[str, object] = {"account": "IBKR", "instrument": ACME, "quantity": d("1"), "price": d("100.00"),
                                "fee": d("1.00"), "ts": T2, "reason": "r"} | change  # fmt: skip
    with pytest.raises(error, match=message):
        getattr(books, side)(**trade)
    assert everything(books) == before
    assert books.buy_units("IBKR", ACME, d("1"), d("100.00"), d("0"), T2, "") == "op-000003"  # no op id used


@pytest.mark.parametrize(
    ("side", "quantity", "price", "fee", "error", "message"),
    [
        ("buy_units", "49", "100.00", "101.00", InsufficientHoldingsError, r"needs 5001\.00 USD"),
        ("sell_units", "11", "100.00", "0", InsufficientHoldingsError, "holds 10"),
        ("sell_units", "1", "1.00", "1.01", FeeExceedsValueError, r"fee 1\.01 USD exceeds the sale value 1\.00 USD"),
    ],
)
def test_a_trade_the_books_cannot_take_is_refused_and_changes_nothing(
    side: str, quantity: str, price: str, fee: str, error: type[Exception], message: str
) -> None:
    books = funded()
    books.buy_units("IBKR", ACME, d("10"), d("0.10"), d("0"), T1, "in")  # 1.00 of the 5000.00
    before = everything(books)
    with pytest.raises(error, match=message):
        getattr(books, side)("IBKR", ACME, d(quantity), d(price), d(fee), T2, "r")
    assert everything(books) == before


def test_a_trade_worth_less_than_a_cent_is_refused() -> None:
    books = funded()
    before = everything(books)
    milli = Instrument("ACME", AssetClass.EQUITY, USD, tick_size=d("0.001"))
    with pytest.raises(TooSmallError, match="less than one minor unit"):
        books.buy_units("IBKR", milli, d("1"), d("0.004"), d("0"), T1, "r")  # 0.004 rounds to 0.00
    assert everything(books) == before
