"""``Books.held``, ``held_cost`` and ``holdings`` on hand-worked numbers: buys, sales, a split with
cash in lieu, a crypto swap, and wash sales that move a loss into a lot of another account."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from tradegame.domain.instruments import Account, AssetClass, Instrument
from tradegame.domain.money import USD, Money, Price, Quantity
from tradegame.domain.positions import Books

ACME = Instrument("ACME", AssetClass.EQUITY, USD)
BTC = Instrument("BTC", AssetClass.CRYPTO, USD, fractional=True)
ETH = Instrument("ETH", AssetClass.CRYPTO, USD, fractional=True)


def at(month: int, day: int) -> datetime:
    return datetime(2024, month, day, 15, tzinfo=UTC)


def usd(amount: str) -> Money:
    return Money(Decimal(amount), USD)


def q(amount: str) -> Quantity:
    return Quantity(Decimal(amount))


def px(amount: str) -> Price:
    return Price(Decimal(amount), USD)


def two_accounts() -> Books:
    books = Books([Account("A", "broker", USD), Account("B", "broker", USD)])
    books.deposit("A", usd("10000.00"), at(1, 2), "start fund")
    books.deposit("B", usd("10000.00"), at(1, 2), "start fund")
    return books


def test_buys_and_sales_move_units_and_basis() -> None:
    books = two_accounts()
    assert books.held("A", "ACME") == 0 and books.held_cost("A", "ACME") == 0 and not books.holdings()
    books.buy("A", ACME, q("10"), px("100.00"), usd("1.00"), at(1, 3))
    books.buy("A", ACME, q("10"), px("110.00"), usd("1.00"), at(1, 4))
    assert books.held("A", "ACME") == Decimal(20)
    assert books.held_cost("A", "ACME") == Decimal("2102.00")
    books.sell("A", ACME, q("15"), px("120.00"), usd("1.00"), at(1, 5))  # FIFO: 10 @ 101.0, 5 of 110.1
    assert books.held("A", "ACME") == Decimal(5)
    assert books.held_cost("A", "ACME") == Decimal("550.50")
    books.sell("A", ACME, q("5"), px("120.00"), usd("1.00"), at(1, 6))
    assert books.held("A", "ACME") == 0 and books.held_cost("A", "ACME") == 0
    assert dict(books.holdings()) == {}


def test_a_split_scales_units_and_cash_in_lieu_sells_the_fraction() -> None:
    books = two_accounts()
    books.buy("A", ACME, q("15"), px("10.00"), usd("0"), at(1, 3))
    books.buy("B", ACME, q("4"), px("10.00"), usd("0"), at(1, 3))
    books.split(ACME, Decimal("1.5"), at(1, 4))
    assert dict(books.holdings()) == {("A", "ACME"): Decimal("22.5"), ("B", "ACME"): Decimal(6)}
    assert books.held_cost("A", "ACME") == Decimal("150.00")
    books.cash_in_lieu("A", ACME, px("7.00"), at(1, 4))
    assert books.held("A", "ACME") == Decimal(22)
    assert books.held_cost("A", "ACME") == Decimal("146.67")  # 150.00 less 0.5/22.5 of it


def test_a_crypto_swap_moves_units_and_basis_between_coins() -> None:
    books = two_accounts()
    books.deposit("A", usd("50000.00"), at(1, 3), "more")
    books.buy("A", BTC, q("1"), px("40000.00"), usd("0"), at(1, 3))
    books.crypto_swap("A", BTC, q("0.25"), ETH, q("5"), usd("11000.00"), usd("2.00"), at(1, 4))
    assert books.held("A", "BTC") == Decimal("0.75") and books.held_cost("A", "BTC") == Decimal("30000.00")
    assert books.held("A", "ETH") == Decimal(5) and books.held_cost("A", "ETH") == Decimal("11000.00")
    books.crypto_swap("A", ETH, q("5"), BTC, q("0.2"), usd("9000.00"), usd("1.00"), at(1, 5), fee_in_kind=True)
    assert books.held("A", "ETH") == 0 and ("A", "ETH") not in books.holdings()
    assert books.held_cost("A", "BTC") == Decimal("38999.00")  # 30000.00 + 9000.00 less the 1.00 fee in kind


def test_a_wash_sale_moves_the_loss_into_the_replacement_lot_of_either_account() -> None:
    books = two_accounts()
    books.buy("A", ACME, q("10"), px("100.00"), usd("0"), at(1, 3))
    books.buy("B", ACME, q("10"), px("90.00"), usd("0"), at(1, 10))  # a replacement bought before the sale
    books.sell("A", ACME, q("10"), px("80.00"), usd("0"), at(1, 15))  # a 200.00 loss, washed into B's lot
    assert books.held("A", "ACME") == 0
    assert books.held_cost("B", "ACME") == Decimal("1100.00")
    books.sell("B", ACME, q("10"), px("70.00"), usd("0"), at(1, 20))  # a 400.00 loss, pending
    books.buy("A", ACME, q("5"), px("70.00"), usd("0"), at(1, 25))  # washes half of it into A's new lot
    assert books.held_cost("A", "ACME") == Decimal("550.00")
    lots = books.open_lots()
    assert [(lot.account, lot.cost_basis) for lot in lots] == [("A", Decimal("550.00"))]
