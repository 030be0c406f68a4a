"""``Books.held``, ``held_cost`` and ``holdings`` agree with the open lots after any bookings (Hypothesis).

The O(1) lookups are kept in step by the books' own booking code; the open lots are the truth.
The random plays of ``test_books_properties`` (buys, sells, splits with cash in lieu, dividends,
conversions, transfers, two accounts and lot methods, wash sales on or off) and a play of crypto
swaps (fee in cash or in kind) must both leave them equal to what ``open_lots()`` sums to.
"""

from __future__ import annotations

import contextlib
from datetime import timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from tradegame.domain.errors import InvalidInputError
from tradegame.domain.instruments import Account, AssetClass, Instrument
from tradegame.domain.money import USD, Money, Price, Quantity
from tradegame.domain.positions import Books

from .test_books_properties import T0, play

ZERO = Decimal(0)
COINS = {symbol: Instrument(symbol, AssetClass.CRYPTO, USD, fractional=True) for symbol in ("BTC", "ETH", "SOL")}


def assert_lookups_match_open_lots(books: Books) -> None:
    units: dict[tuple[str, str], Decimal] = {}
    costs: dict[tuple[str, str], Decimal] = {}
    for lot in books.open_lots():
        key = (lot.account, lot.symbol)
        units[key] = units.get(key, ZERO) + lot.quantity
        costs[key] = costs.get(key, ZERO) + lot.cost_basis
    assert dict(books.holdings()) == {key: quantity for key, quantity in units.items() if quantity}
    for account, symbol in units.keys() | {("A", "none"), ("B", "X")}:
        assert books.held(account, symbol) == units.get((account, symbol), ZERO)
        assert books.held_cost(account, symbol) == costs.get((account, symbol), ZERO)
    assert books.state().quantities == dict(sorted(books.holdings().items()))


@given(st.data())
def test_held_lookups_equal_the_open_lots_after_random_bookings(data: st.DataObject) -> None:
    books, _ = play(data)
    assert_lookups_match_open_lots(books)


@given(st.data())
def test_held_lookups_follow_crypto_swaps(data: st.DataObject) -> None:
    books = Books([Account("A", "exchange", USD)])
    ts = T0
    books.deposit("A", Money(Decimal(100_000), USD), ts, "start fund")
    for symbol, coin in COINS.items():
        books.buy("A", coin, Quantity(Decimal(10)), Price(Decimal(100), USD), Money(ZERO, USD), ts, f"buy {symbol}")
    for _ in range(data.draw(st.integers(min_value=1, max_value=20), label="operations")):
        ts += timedelta(hours=data.draw(st.integers(min_value=0, max_value=48)))
        give, get = data.draw(st.permutations(sorted(COINS)))[:2]
        held = books.held("A", give)
        if not held:
            continue
        give_units = data.draw(st.decimals(min_value=Decimal("0.001"), max_value=held, places=3))
        get_units = data.draw(st.decimals(min_value=Decimal("0.001"), max_value=Decimal(20), places=3))
        fair = (get_units * data.draw(st.integers(min_value=1, max_value=300))).quantize(Decimal("0.01"))
        fee = data.draw(st.decimals(min_value=ZERO, max_value=Decimal(2), places=2))
        with contextlib.suppress(InvalidInputError):  # a refused swap must change nothing either
            books.crypto_swap(
                "A",
                COINS[give],
                Quantity(give_units),
                COINS[get],
                Quantity(get_units),
                Money(fair, USD),
                Money(fee, USD),
                ts,
                "swap",
                fee_in_kind=data.draw(st.booleans(), label="fee in kind"),
            )
        assert_lookups_match_open_lots(books)
