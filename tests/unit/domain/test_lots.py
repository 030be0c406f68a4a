"""Lot matching, fees, holding periods and bad input on the LotBook, with hand-worked numbers."""

from datetime import date
from decimal import Decimal

import pytest

from tests.scenario import book, line
from tradegame.domain.errors import InsufficientHoldingsError, InvalidInputError, UnknownLotError
from tradegame.domain.instruments import AssetClass, LotMethod
from tradegame.domain.lots import LotBook
from tradegame.domain.trades import TradeError

THREE_LOTS = """
2023-01-03 BUY 10 ACME @ 100.00 fee 1.00 lot L1
2023-02-01 BUY 10 ACME @ 120.00 fee 1.00 lot L2
2023-03-01 BUY 10 ACME @ 90.00 fee 1.00 lot L3
2023-04-03 SELL 15 ACME @ 110.00 fee 3.00
"""


def test_fifo_takes_the_oldest_lots_and_shares_the_fee_by_quantity() -> None:
    lots = book(THREE_LOTS, LotMethod.FIFO)
    # gross 1650.00, fee 3.00 shared 10:5 -> 2.00 and 1.00
    assert [line(d) for d in lots.disposals] == [
        ("L1", "10", "1098.00", "1001.00", "0.00", "97.00", "short"),
        ("L2", "5", "549.00", "600.50", "0.00", "-51.50", "short"),
    ]
    assert [(lot.lot_id, str(lot.quantity), str(lot.cost_basis)) for lot in lots.open_lots()] == [
        ("L2", "5", "600.50"),
        ("L3", "10", "901.00"),
    ]


def test_lifo_takes_the_newest_lots() -> None:
    lots = book(THREE_LOTS, LotMethod.LIFO, wash_sales=False)
    assert [(d.lot_id, d.quantity, d.cost_basis) for d in lots.disposals] == [
        ("L3", 10, Decimal("901.00")),
        ("L2", 5, Decimal("600.50")),
    ]


def test_hifo_takes_the_highest_basis_per_unit_fee_included() -> None:
    text = """
    2023-01-03 BUY 10 ACME @ 100.00 fee 50.00 lot L1   # 105.00 a share with the fee
    2023-02-01 BUY 10 ACME @ 104.00 fee 0 lot L2       # 104.00 a share
    2023-03-01 SELL 12 ACME @ 110.00
    """
    lots = book(text, LotMethod.HIFO)
    assert [(d.lot_id, d.quantity) for d in lots.disposals] == [("L1", 10), ("L2", 2)]


def test_average_cost_pools_the_basis_and_keeps_fifo_holding_periods() -> None:
    text = """
    2022-01-03 BUY 10 FUND @ 10.00 lot L1
    2023-06-01 BUY 20 FUND @ 13.00 lot L2
    2023-07-03 SELL 15 FUND @ 14.00
    """
    lots = book(text, LotMethod.AVERAGE)
    # pool: 30 shares for 360.00 -> 12.00 a share; 10 from L1 (long) and 5 from L2 (short)
    assert [line(d) for d in lots.disposals] == [
        ("L1", "10", "140.00", "120.00", "0.00", "20.00", "long"),
        ("L2", "5", "70.00", "60.00", "0.00", "10.00", "short"),
    ]
    (rest,) = lots.open_lots()
    assert (rest.lot_id, rest.quantity, rest.cost_basis) == ("L2", 15, Decimal("180.00"))


def test_average_cost_never_loses_a_cent_on_thirds() -> None:
    text = """
    2023-01-03 BUY 1 FUND @ 10.00
    2023-01-04 BUY 1 FUND @ 10.00
    2023-01-05 BUY 1 FUND @ 10.01
    2023-01-06 SELL 1 FUND @ 10.00
    2023-01-07 SELL 1 FUND @ 10.00
    2023-01-08 SELL 1 FUND @ 10.00
    """
    lots = book(text, LotMethod.AVERAGE, wash_sales=False)
    assert [str(d.cost_basis) for d in lots.disposals] == ["10.00", "10.01", "10.00"]
    assert not lots.open_lots()


def test_specific_identification_takes_the_named_lots() -> None:
    text = THREE_LOTS.replace("SELL 15 ACME @ 110.00 fee 3.00", "SELL 15 ACME @ 110.00 fee 3.00 lots L3:10;L1:5")
    lots = book(text, LotMethod.SPECIFIC)
    assert [(d.lot_id, d.quantity) for d in lots.disposals] == [("L3", 10), ("L1", 5)]
    assert [(d.lot_id, str(d.gain)) for d in lots.disposals] == [("L3", "197.00"), ("L1", "48.50")]


@pytest.mark.parametrize(
    ("sell", "message"),
    [
        ("SELL 15 ACME @ 110.00 lots L9:15", "lot 'L9' is not an open ACME lot"),
        ("SELL 15 ACME @ 110.00 lots L1:11;L2:4", "lot 'L1' holds 10 ACME, cannot sell 11"),
        ("SELL 15 ACME @ 110.00 lots L1:10;L2:4", "the lots named add up to 14, not the 15 sold"),
        ("SELL 15 ACME @ 110.00", "specific identification needs the lots"),
    ],
)
def test_specific_identification_refuses_unknown_or_overdrawn_lots(sell: str, message: str) -> None:
    text = THREE_LOTS.replace("SELL 15 ACME @ 110.00 fee 3.00", sell)
    with pytest.raises(TradeError, match=message) as caught:
        book(text, LotMethod.SPECIFIC)
    assert caught.value.row == 4


def test_a_refused_sale_changes_nothing() -> None:
    lots = LotBook()
    lots.buy(account="A", symbol="ACME", quantity=Decimal(10), price=Decimal("5.00"), on=date(2024, 1, 2))
    before = (lots.open_lots(), lots.disposals)
    with pytest.raises(InsufficientHoldingsError, match="selling 11 ACME but account A holds 10"):
        lots.sell(account="A", symbol="ACME", quantity=Decimal(11), price=Decimal("6.00"), on=date(2024, 1, 3))
    with pytest.raises(UnknownLotError):
        lots.sell(
            account="A",
            symbol="ACME",
            quantity=Decimal(5),
            price=Decimal("6.00"),
            on=date(2024, 1, 3),
            lots=[("#1", Decimal(6))],
        )
    with pytest.raises(InsufficientHoldingsError):
        lots.sell(account="B", symbol="ACME", quantity=Decimal(1), price=Decimal("6.00"), on=date(2024, 1, 3))
    assert (lots.open_lots(), lots.disposals) == before


@pytest.mark.parametrize(
    ("quantity", "price", "fee", "message"),
    [
        ("0", "1.00", "0", "quantity must be positive"),
        ("-1", "1.00", "0", "quantity must be positive"),
        ("1", "0", "0", "price must be positive"),
        ("1", "1.00", "-0.01", "fee must not be negative"),
        ("1", "1.00", "0.001", "more decimals than USD allows"),
    ],
)
def test_bad_buys_are_refused(quantity: str, price: str, fee: str, message: str) -> None:
    lots = LotBook()
    with pytest.raises(InvalidInputError, match=message):
        lots.buy(
            account="A",
            symbol="X",
            quantity=Decimal(quantity),
            price=Decimal(price),
            fee=Decimal(fee),
            on=date(2024, 1, 2),
        )
    assert lots.open_lots() == []


def test_dates_must_not_go_back() -> None:
    lots = LotBook()
    lots.buy(account="A", symbol="X", quantity=Decimal(1), price=Decimal(1), on=date(2024, 1, 2))
    with pytest.raises(InvalidInputError, match="before the last booked date"):
        lots.buy(account="A", symbol="X", quantity=Decimal(1), price=Decimal(1), on=date(2024, 1, 1))


def test_a_duplicate_lot_id_in_one_account_is_refused_but_allowed_in_another() -> None:
    lots = LotBook()
    lots.buy(account="A", symbol="X", quantity=Decimal(1), price=Decimal(1), on=date(2024, 1, 2), lot_id="L1")
    lots.buy(account="B", symbol="X", quantity=Decimal(1), price=Decimal(1), on=date(2024, 1, 2), lot_id="L1")
    with pytest.raises(InvalidInputError, match="lot id 'L1' is already used in account A"):
        lots.buy(account="A", symbol="Y", quantity=Decimal(1), price=Decimal(1), on=date(2024, 1, 2), lot_id="L1")


def test_lots_are_per_account() -> None:
    text = """
    2024-01-02 IBKR BUY 10 ACME @ 10.00 lot I1
    2024-01-03 Schwab BUY 10 ACME @ 20.00 lot S1
    2024-02-01 Schwab SELL 5 ACME @ 25.00
    """
    lots = book(text)
    assert [(d.account, d.lot_id, str(d.gain)) for d in lots.disposals] == [("Schwab", "S1", "25.00")]


def test_crypto_swap_is_a_disposal_at_market_value_and_a_new_lot() -> None:
    text = """
    2024-01-02 CB BUY 1 BTC @ 40000.00 fee 10.00 crypto lot B1
    2024-03-01 CB SELL 0.5 BTC @ 60000.00 fee 5.00 crypto swap X
    2024-03-01 CB BUY 8 ETH @ 3750.00 fee 5.00 crypto swap X lot E1
    2024-03-05 CB BUY 1 BTC @ 70000.00 crypto lot B2
    """
    lots = book(text)
    (disposal,) = lots.disposals
    assert line(disposal) == ("B1", "0.5", "29995.00", "20005.00", "0.00", "9990.00", "short")
    eth = [lot for lot in lots.open_lots() if lot.symbol == "ETH"]
    assert [(lot.lot_id, lot.cost_basis) for lot in eth] == [("E1", Decimal("30005.00"))]


def test_security_and_crypto_classes_decide_wash_sale_treatment() -> None:
    assert AssetClass.EQUITY.is_security and AssetClass.ETF.is_security and AssetClass.FUND.is_security
    assert not AssetClass.CRYPTO.is_security and not AssetClass.FOREX.is_security
