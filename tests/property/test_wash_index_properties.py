"""The wash-sale index finds by date exactly what a scan of the whole book finds (Hypothesis).

``WashIndex`` finds, per symbol, the purchases of the last 30 days in purchase order from the end
of each account's pieces (newest first, merged by purchase); ``LotBook`` asks it for replacement
shares instead of scanning its lots. Here random buys and sells over three accounts and two symbols are booked
with wash sales on, and after every trade the index's answer for each symbol (and each purchase
that could have made a loss) is compared with a brute-force scan of every open piece.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from tradegame.domain.lot_records import Piece
from tradegame.domain.lots import WASH_WINDOW, LotBook

ACCOUNTS = ("A", "B", "C")
SYMBOLS = ("X", "Y")

trades = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=12),  # days since the trade before
        st.sampled_from(ACCOUNTS),
        st.sampled_from(SYMBOLS),
        st.booleans(),  # a buy?
        st.integers(min_value=1, max_value=30),  # units
        st.integers(min_value=100, max_value=3_000),  # price in cents
    ),
    min_size=1,
    max_size=60,
)


def _scan(book: LotBook, symbol: str, sold: date, loss_origin: int) -> list[Piece]:
    """Every open piece of ``symbol`` that can replace a loss on ``sold``, by purchase: the oracle."""
    found = [
        piece
        for (_, held_symbol), held in book._holdings.items()
        if held_symbol == symbol
        for piece in held
        if piece.quantity
        and not piece.replacement_used
        and sold - WASH_WINDOW <= piece.acquired_actual <= sold
        and piece.origin != loss_origin
    ]
    return sorted(found, key=lambda piece: piece.seq)


@given(trades=trades)
def test_replacements_through_the_index_equal_a_scan_of_the_book(
    trades: list[tuple[int, str, str, bool, int, int]],
) -> None:
    book = LotBook(wash_sales=True)
    day = date(2024, 1, 2)
    for step, account, symbol, is_buy, units, cents in trades:
        day += timedelta(days=step)
        price = Decimal(cents).scaleb(-2)
        if is_buy:
            book.buy(account=account, symbol=symbol, quantity=Decimal(units), price=price, on=day)
        else:
            held = book.position(account, symbol)
            if not held:
                continue
            book.sell(account=account, symbol=symbol, quantity=min(Decimal(units), held), price=price, on=day)
        origins = {0} | {piece.origin for held in book._holdings.values() for piece in held}
        for name in SYMBOLS:
            for origin in origins:
                index = book._wash.index
                through_index = [piece for _, piece in index.replacements(index.window(name, day), origin)]
                assert [id(p) for p in through_index] == [id(p) for p in _scan(book, name, day, origin)]


def test_the_window_is_the_last_30_days_of_purchases() -> None:
    book = LotBook(wash_sales=True)
    first = date(2024, 1, 2)
    for offset in range(400):
        book.buy(account="A", symbol="X", quantity=Decimal(1), price=Decimal(10), on=first + timedelta(days=offset))
    last = first + timedelta(days=399)
    pieces = book._wash.index.window("X", last)
    assert [p.acquired_actual for p in pieces] == [first + timedelta(days=d) for d in range(369, 400)]
