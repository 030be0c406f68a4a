"""``TradeStream`` and ``LotBook.release_final``: disposals come out once final, in order."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tradegame.domain.instruments import AssetClass, LotMethod
from tradegame.domain.lots import LotBook
from tradegame.domain.trade_stream import TradesOutOfOrderError, TradeStream
from tradegame.domain.trades import Side, Trade


def _trade(row: int, on: str, side: Side, quantity: int, price: str, game: str | None = "g") -> Trade:
    return Trade(row, date.fromisoformat(on), "IBKR", "ACME", side, Decimal(quantity), Decimal(price), Decimal(0),
                 AssetClass.EQUITY, game=game)  # fmt: skip


def test_a_loss_is_released_only_after_the_window_and_with_its_wash() -> None:
    stream = TradeStream(LotMethod.FIFO)
    assert stream.feed(_trade(1, "2024-01-02", Side.BUY, 10, "100")) == []
    assert stream.feed(_trade(2, "2024-02-01", Side.SELL, 10, "90")) == []  # a loss of 100
    assert stream.feed(_trade(3, "2024-03-02", Side.BUY, 5, "95")) == []  # 30 days later: washes half
    released = stream.feed(_trade(4, "2024-03-03", Side.BUY, 1, "95"))  # 31 days: final
    assert [(d.adjustment_code, d.adjustment_amount) for d in released] == [("W", Decimal("50.00"))]
    assert stream.close() == []
    [game] = stream.games()
    assert (game.tax_gain, game.own_gain, game.quantity_sold) == (Decimal("-50.00"), Decimal("-100"), Decimal(10))


def test_without_wash_sales_every_disposal_is_final_at_once() -> None:
    book = LotBook(wash_sales=False)
    book.buy(account="A", symbol="X", quantity=Decimal(4), price=Decimal(10), on=date(2024, 1, 2))
    book.sell(account="A", symbol="X", quantity=Decimal(3), price=Decimal(9), on=date(2024, 1, 2))
    assert len(book.release_final(date(2024, 1, 2))) == 1
    assert book.disposals == [] and book.disposal_count == 1


def test_a_trade_dated_before_the_one_before_is_refused() -> None:
    stream = TradeStream(LotMethod.FIFO)
    stream.feed(_trade(1, "2024-01-05", Side.BUY, 1, "10"))
    with pytest.raises(TradesOutOfOrderError):
        stream.feed(_trade(2, "2024-01-04", Side.BUY, 1, "10"))
