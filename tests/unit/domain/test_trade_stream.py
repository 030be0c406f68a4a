"""``TradeStream`` and ``LotBook.release_final``: disposals come out once final, in order."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from tradegame.domain.instruments import AssetClass, LotMethod
from tradegame.domain.lots import LotBook
from tradegame.domain.trade_stream import TradesOutOfOrderError, TradeStream, trade_row
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


_SPLIT_TRADES = [
    ("A", "X", Side.BUY, 10, "100", "g"),
    ("B", "Y", Side.BUY, 5, "50", "h"),
    ("B", "X", Side.BUY, 4, "99", "h"),
    ("A", "X", Side.SELL, 6, "90", "g"),
    ("B", "Y", Side.SELL, 5, "40", "h"),
    ("A", "Y", Side.BUY, 3, "45", "g"),
    ("B", "X", Side.SELL, 2, "95", "g"),
    ("A", "X", Side.BUY, 2, "91", "h"),
]


def test_two_streams_of_the_symbols_numbered_in_the_whole_stream_book_as_one() -> None:
    """Split by symbol (``numbered``, tallied over the merged release), the same lots and Games."""
    rows = [
        trade_row(replace(_trade(row, f"2024-01-{2 + row // 3:02d}", side, quantity, price, game), account=a, symbol=x))
        for row, (a, x, side, quantity, price, game) in enumerate(_SPLIT_TRADES, start=1)
    ]
    whole = TradeStream(LotMethod.FIFO)
    expected = [d for batch in whole.feed_rows(rows) for d in batch] + whole.close()
    parts = [TradeStream(LotMethod.FIFO, tally=False) for _ in "XY"]
    released = []
    for part, symbol in zip(parts, "XY", strict=True):
        part_rows = [row for row in rows if row[3] == symbol]
        released += [d for batch in part.feed_rows(part_rows, numbered=True) for d in batch] + part.close()
    released.sort(key=lambda d: int(d.sale_id[3:]))  # stable: a sale's disposals stay in order
    assert released == expected
    assert any(d.adjustment_code == "W" for d in expected)
    parts[0].tally(released)
    parts[0].add_own_gains(parts[1].own_gains())
    assert parts[0].games() == whole.games()
    lots = sorted(parts[0].book.open_lots() + parts[1].book.open_lots(), key=lambda lot: int(lot.lot_id[1:]))
    assert lots == whole.book.open_lots()
    assert [lot.lot_id for lot in lots] == ["#1", "#1", "#3", "#6", "#8"]  # numbered by row in the whole stream
