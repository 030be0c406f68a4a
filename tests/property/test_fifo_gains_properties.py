"""``FifoGains`` (a Game's own-lots gains, the fast path) against a FIFO ``LotBook`` without wash sales.

On random buys and sells, some of them selling more than is held: each sale's gain is the sum
of the gains of the ``LotBook`` disposals it made, in the same digits, and a sale the book
refuses for want of units is the one ``FifoGains`` refuses (and changes nothing in either).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import example, given
from hypothesis import strategies as st

from tradegame.domain.errors import InsufficientHoldingsError
from tradegame.domain.fifo_gains import FifoGains
from tradegame.domain.instruments import LotMethod
from tradegame.domain.lots import LotBook

CENT = Decimal("0.01")
DAY = date(2024, 1, 2)

trade_steps = st.lists(
    st.tuples(
        st.sampled_from(("A", "B")),  # account
        st.sampled_from(("X", "Y")),  # symbol
        st.booleans(),  # a buy
        st.decimals(min_value=Decimal("0.001"), max_value=60, places=3),  # quantity
        st.decimals(min_value=Decimal("0.01"), max_value=300, places=2),  # price
        st.sampled_from(("0", "0.00", "1", "1.00", "0.37", "2.500")),  # fee, in several exponents
    ),
    min_size=1,
    max_size=40,
)


@given(trade_steps)
@example([("A", "X", True, Decimal(2), Decimal("0.02"), "0.01"), ("A", "X", False, Decimal(1), Decimal(1), "0")])
@example([("A", "X", True, Decimal(2), Decimal("0.01"), "0.01"), ("A", "X", False, Decimal(3), Decimal(1), "0")])
def test_each_sale_gains_what_the_fifo_book_disposals_add_up_to(
    steps: list[tuple[str, str, bool, Decimal, Decimal, str]],
) -> None:
    """(The examples: a basis of 0.05 on 2 units, half sold, is a tie of the half-up share; a sale of more than held.)"""
    book = LotBook(method=LotMethod.FIFO, wash_sales=False)
    gains = FifoGains(CENT)
    for account, symbol, is_buy, quantity, price, fee_text in steps:
        fee = min(Decimal(fee_text), (quantity * price).quantize(CENT))
        if is_buy:
            book.buy(account=account, symbol=symbol, quantity=quantity, price=price, fee=fee, on=DAY)
            gains.buy((account, symbol), quantity, price, fee)
            continue
        try:
            sold = book.sell(account=account, symbol=symbol, quantity=quantity, price=price, fee=fee, on=DAY)
        except InsufficientHoldingsError:
            assert gains.sell((account, symbol), quantity, price, fee) is None
            continue
        expected = sum((disposal.gain for disposal in sold), Decimal(0))
        gain = gains.sell((account, symbol), quantity, price, fee)
        assert gain is not None
        assert str(gain) == str(expected)
