"""Oracle: ``LotBook`` lot matching against beancount 3's booking on the same trades.

Each trade sequence is booked twice: in tradegame's ``LotBook`` (wash sales off, no fees) and
as a beancount ledger whose ``Assets:Broker:SYM`` accounts are opened with the same booking
method. Buys carry their lot id as the beancount cost label (``{12.34 USD, 2020-01-02, "L1"}``);
sells are ``-N SYM {} @ price USD`` with an auto-balanced ``Income:Gains`` leg, so beancount
picks the lots itself. We then compare, sale by sale, the lots each sale consumed (label,
acquisition date, quantity, cost basis, proceeds) and the realized gain (the negative of the
``Income:Gains`` posting), and at the end the open lots (the inventory of each ``Assets``
account after ``realization.realize``) against ``LotBook.open_lots()``.

Prices have two decimals and quantities are whole numbers, so every amount is exact to the
cent on both sides and the comparison is equality, never a tolerance.

Conventions compared (read from ``beancount/parser/booking_method.py`` and pinned by the
hand-written tests below):

* FIFO: beancount sorts the matching positions by cost date with a stable sort, so lots of the
  same date go in inventory (booking) order, oldest first; ``LotBook`` consumes in booking
  order. Identical.
* HIFO: beancount sorts by per-unit cost, highest first, stable, so equal costs go in booking
  order; ``LotBook`` breaks ties to the oldest purchase. Identical, so HIFO ties are generated
  on purpose and compared exactly.
* LIFO: beancount sorts by cost date, newest first, but Python's ``sorted(reverse=True)`` keeps
  equal keys in their original order, so lots bought on the *same date* are consumed oldest
  first. ``LotBook`` consumes strictly the last purchase first. This is the one difference:
  beancount's cost carries a date, not a time of day, so it cannot see intraday order.
  For LIFO only, the generator gives every buy of a symbol on one day that day's price, and
  lots bought on a day with several buys of their symbol are compared without their label,
  merged by (symbol, acquisition date, per-unit cost) with quantities, bases and proceeds
  summed; every other lot is compared by label as for FIFO. Lots that share that key are
  interchangeable for every amount we check, so this hides exactly the intraday tie order and
  nothing else.
  ``test_lifo_same_day_tie_order_differs`` pins the difference itself.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import NamedTuple

import pytest
from beancount import loader
from beancount.core import data, realization
from hypothesis import given, settings
from hypothesis import strategies as st

from tradegame.domain.instruments import LotMethod
from tradegame.domain.lots import LotBook

ACCOUNT = "broker"
SYMBOLS = ("AAA", "BBB", "CCC")
START = date(2020, 1, 2)
ORACLE_METHODS = (LotMethod.FIFO, LotMethod.LIFO, LotMethod.HIFO)
# A few recurring prices so that HIFO meets equal per-unit costs often.
TIE_PRICES = tuple(Decimal(p) for p in ("10.00", "12.34", "99.99"))


class Trade(NamedTuple):
    """One fill of the scenario; ``lot_id`` is set on buys only."""

    on: date
    side: str  # "BUY" or "SELL"
    symbol: str
    quantity: int
    price: Decimal
    lot_id: str | None


class LotLine(NamedTuple):
    """A lot as both books can state it: consumed by a sale, or still open."""

    symbol: str
    label: str
    date_acquired: date
    quantity: Decimal
    cost_basis: Decimal
    proceeds: Decimal  # zero for an open lot


class Booked(NamedTuple):
    """What one book made of a scenario: the lots and gain of each sale, then the open lots."""

    sales: list[tuple[list[LotLine], Decimal]]
    open_lots: list[LotLine]


# -- the scenario text format ----------------------------------------------------------------


def parse_scenario(text: str) -> list[Trade]:
    """Read lines like ``2020-01-02 BUY 10 AAA @ 12.34``; buys get labels L1, L2, ... in order."""
    trades: list[Trade] = []
    buys = 0
    for line in text.strip().splitlines():
        day, side, quantity, symbol, at, price = line.split()
        if side not in ("BUY", "SELL") or at != "@":
            raise ValueError(f"bad scenario line: {line!r}")
        lot_id = None
        if side == "BUY":
            buys += 1
            lot_id = f"L{buys}"
        trades.append(Trade(date.fromisoformat(day), side, symbol, int(quantity), Decimal(price), lot_id))
    return trades


# -- booking in tradegame ---------------------------------------------------------------------


def book_in_lotbook(trades: Sequence[Trade], method: LotMethod) -> Booked:
    book = LotBook(method=method, wash_sales=False)
    sales: list[tuple[list[LotLine], Decimal]] = []
    for trade in trades:
        quantity = Decimal(trade.quantity)
        if trade.side == "BUY":
            book.buy(
                account=ACCOUNT,
                symbol=trade.symbol,
                quantity=quantity,
                price=trade.price,
                on=trade.on,
                lot_id=trade.lot_id,
            )
            continue
        disposals = book.sell(account=ACCOUNT, symbol=trade.symbol, quantity=quantity, price=trade.price, on=trade.on)
        lines = [LotLine(d.symbol, d.lot_id, d.date_acquired, d.quantity, d.cost_basis, d.proceeds) for d in disposals]
        sales.append((lines, sum((d.gain for d in disposals), Decimal(0))))
    open_lots = [
        LotLine(lot.symbol, lot.lot_id, lot.date_acquired, lot.quantity, lot.cost_basis, Decimal(0))
        for lot in book.open_lots()
    ]
    return Booked(sales, open_lots)


# -- booking in beancount ---------------------------------------------------------------------


def beancount_ledger(trades: Sequence[Trade], method: LotMethod) -> str:
    """The scenario as a beancount ledger; each sale's narration is ``sell <n>``."""
    booking = method.value.upper()
    lines = [f'{START - timedelta(days=1)} open Assets:Broker:{sym} {sym} "{booking}"' for sym in SYMBOLS]
    lines += [
        f"{START - timedelta(days=1)} open Assets:Broker:Cash USD",
        f"{START - timedelta(days=1)} open Income:Gains USD",
        "",
    ]
    sale_number = 0
    for trade in trades:
        value = trade.quantity * trade.price
        if trade.side == "BUY":
            lines += [
                f'{trade.on} * "buy {trade.lot_id}"',
                f"  Assets:Broker:{trade.symbol}  {trade.quantity} {trade.symbol} "
                f'{{{trade.price} USD, {trade.on}, "{trade.lot_id}"}}',
                f"  Assets:Broker:Cash  {-value} USD",
                "",
            ]
        else:
            sale_number += 1
            lines += [
                f'{trade.on} * "sell {sale_number}"',
                f"  Assets:Broker:{trade.symbol}  -{trade.quantity} {trade.symbol} {{}} @ {trade.price} USD",
                f"  Assets:Broker:Cash  {value} USD",
                "  Income:Gains",
                "",
            ]
    return "\n".join(lines)


def book_in_beancount(trades: Sequence[Trade], method: LotMethod) -> Booked:
    ledger = beancount_ledger(trades, method)
    entries, errors, _options = loader.load_string(ledger)
    assert not errors, f"beancount refused the ledger: {errors}\n{ledger}"
    sales: list[tuple[list[LotLine], Decimal]] = []
    for entry in entries:
        if not (isinstance(entry, data.Transaction) and entry.narration.startswith("sell")):
            continue
        lines: list[LotLine] = []
        gains: list[Decimal] = []
        for posting in entry.postings:
            if posting.account == "Income:Gains":
                gains.append(posting.units.number)
            elif posting.cost is not None:
                quantity = -posting.units.number
                lines.append(
                    LotLine(
                        posting.units.currency,
                        posting.cost.label,
                        posting.cost.date,
                        quantity,
                        quantity * posting.cost.number,
                        quantity * posting.price.number,
                    )
                )
        # beancount leaves out an auto-balanced leg that comes to zero: a sale at cost has none.
        assert len(gains) <= 1, f"{entry.narration}: more than one Income:Gains posting: {gains}"
        sales.append((lines, -sum(gains, Decimal(0))))
    root = realization.realize(entries)
    open_lots = [
        LotLine(
            position.units.currency,
            position.cost.label,
            position.cost.date,
            position.units.number,
            position.units.number * position.cost.number,
            Decimal(0),
        )
        for sym in SYMBOLS
        if (account := realization.get(root, f"Assets:Broker:{sym}")) is not None
        for position in account.balance
    ]
    return Booked(sales, open_lots)


# -- comparison -------------------------------------------------------------------------------


def same_day_buys(trades: Iterable[Trade]) -> set[tuple[str, date]]:
    """The (symbol, day) pairs with more than one buy: where LIFO tie order can differ."""
    buys = Counter((trade.symbol, trade.on) for trade in trades if trade.side == "BUY")
    return {key for key, count in buys.items() if count > 1}


def comparable(
    lots: Iterable[LotLine], method: LotMethod, tied_days: set[tuple[str, date]]
) -> list[tuple[object, ...]]:
    """A lot multiset in a form both books must agree on exactly (see the module docstring)."""
    if method is not LotMethod.LIFO:
        return sorted(tuple(lot) for lot in lots)
    # LIFO: lots of a symbol bought on a day with several buys lose their label and merge by
    # per-unit cost (one price per such day, by construction); every other lot keeps its label.
    merged: dict[tuple[str, str, date, Decimal], list[Decimal]] = defaultdict(lambda: [Decimal(0)] * 3)
    for lot in lots:
        label = "" if (lot.symbol, lot.date_acquired) in tied_days else lot.label
        totals = merged[(lot.symbol, label, lot.date_acquired, lot.cost_basis / lot.quantity)]
        totals[0] += lot.quantity
        totals[1] += lot.cost_basis
        totals[2] += lot.proceeds
    return sorted((*key, *totals) for key, totals in merged.items())


def assert_books_agree(trades: Sequence[Trade], method: LotMethod) -> Booked:
    ours = book_in_lotbook(trades, method)
    theirs = book_in_beancount(trades, method)
    tied_days = same_day_buys(trades)
    assert len(ours.sales) == len(theirs.sales)
    for number, ((our_lots, our_gain), (their_lots, their_gain)) in enumerate(
        zip(ours.sales, theirs.sales, strict=True), start=1
    ):
        our_lines = comparable(our_lots, method, tied_days)
        assert our_lines == comparable(their_lots, method, tied_days), f"lots of sale {number}"
        assert our_gain == their_gain, f"realized gain of sale {number}"
    our_open = comparable(ours.open_lots, method, tied_days)
    assert our_open == comparable(theirs.open_lots, method, tied_days), "open lots"
    return ours


# -- random sequences -------------------------------------------------------------------------

prices = st.one_of(
    st.sampled_from(TIE_PRICES),
    st.integers(min_value=1, max_value=100_000).map(lambda cents: Decimal(cents).scaleb(-2)),
)


@st.composite
def trade_sequences(draw: st.DrawFn, *, same_day_buys_share_price: bool) -> list[Trade]:
    """1-3 symbols, one account, non-decreasing dates; a sale never exceeds the holding."""
    symbols = draw(st.lists(st.sampled_from(SYMBOLS), min_size=1, max_size=3, unique=True))
    holdings = dict.fromkeys(symbols, 0)
    day_prices: dict[tuple[str, date], Decimal] = {}
    trades: list[Trade] = []
    on = START
    for _ in range(draw(st.integers(min_value=1, max_value=25))):
        on += timedelta(days=draw(st.one_of(st.just(0), st.integers(min_value=0, max_value=400))))
        symbol = draw(st.sampled_from(symbols))
        held = holdings[symbol]
        if held and draw(st.booleans()):
            quantity = draw(st.integers(min_value=1, max_value=held))
            holdings[symbol] -= quantity
            trades.append(Trade(on, "SELL", symbol, quantity, draw(prices), None))
            continue
        quantity = draw(st.integers(min_value=1, max_value=50))
        price = draw(prices)
        if same_day_buys_share_price:
            price = day_prices.setdefault((symbol, on), price)
        holdings[symbol] += quantity
        trades.append(Trade(on, "BUY", symbol, quantity, price, f"L{len(trades) + 1}"))
    return trades


@pytest.mark.parametrize("method", ORACLE_METHODS, ids=lambda m: m.value)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_random_sequences_match_beancount(method: LotMethod, data: st.DataObject) -> None:
    trades = data.draw(trade_sequences(same_day_buys_share_price=method is LotMethod.LIFO), label="trades")
    assert_books_agree(trades, method)


# -- hand-written sequences, with hand-worked figures -----------------------------------------


def test_fifo_across_lots_and_symbols() -> None:
    trades = parse_scenario(
        """
        2020-01-02 BUY 10 AAA @ 100.00
        2020-01-02 BUY 5 BBB @ 20.00
        2020-02-03 BUY 10 AAA @ 110.00
        2020-03-02 SELL 15 AAA @ 120.00
        2020-03-02 SELL 5 BBB @ 18.50
        2021-06-01 SELL 5 AAA @ 90.00
        """
    )
    ours = assert_books_agree(trades, LotMethod.FIFO)
    # 15 AAA: 10 of L1 (gain 10 * 20) and 5 of L3 (gain 5 * 10); then 5 BBB at a loss of 7.50;
    # then the rest of L3 at a loss of 5 * 20.
    assert [[(lot.label, lot.quantity) for lot in lots] for lots, _ in ours.sales] == [
        [("L1", 10), ("L3", 5)],
        [("L2", 5)],
        [("L3", 5)],
    ]
    assert [gain for _, gain in ours.sales] == [Decimal("250.00"), Decimal("-7.50"), Decimal("-100.00")]
    assert ours.open_lots == []


def test_hifo_equal_costs_go_to_the_oldest_lot_in_both_books() -> None:
    trades = parse_scenario(
        """
        2020-01-02 BUY 10 AAA @ 12.34
        2020-01-03 BUY 10 AAA @ 15.00
        2020-01-03 BUY 10 AAA @ 12.34
        2020-01-06 SELL 12 AAA @ 13.00
        2020-01-07 SELL 10 AAA @ 13.00
        """
    )
    ours = assert_books_agree(trades, LotMethod.HIFO)
    # The 15.00 lot first, then the *older* of the two 12.34 lots; then the rest of L1 and part of L3.
    assert [[(lot.label, lot.quantity) for lot in lots] for lots, _ in ours.sales] == [
        [("L2", 10), ("L1", 2)],
        [("L1", 8), ("L3", 2)],
    ]
    assert [gain for _, gain in ours.sales] == [Decimal("-18.68"), Decimal("6.60")]
    assert [(lot.label, lot.quantity, lot.cost_basis) for lot in ours.open_lots] == [("L3", 8, Decimal("98.72"))]


def test_lifo_same_day_tie_order_differs() -> None:
    """The documented difference: LotBook's LIFO takes the last buy of the day, beancount the first."""
    trades = parse_scenario(
        """
        2020-01-02 BUY 10 AAA @ 10.00
        2020-01-02 BUY 10 AAA @ 10.00
        2020-01-03 BUY 3 AAA @ 11.00
        2020-01-06 SELL 15 AAA @ 12.00
        """
    )
    ours = book_in_lotbook(trades, LotMethod.LIFO)
    theirs = book_in_beancount(trades, LotMethod.LIFO)

    def labels(booked: Booked) -> list[tuple[str, Decimal]]:
        return [(lot.label, lot.quantity) for lot in booked.sales[0][0]]

    assert labels(ours) == [("L3", 3), ("L2", 10), ("L1", 2)]
    assert labels(theirs) == [("L3", 3), ("L1", 10), ("L2", 2)]
    # With one price per day the tie order changes labels only: the amounts agree exactly.
    assert_books_agree(trades, LotMethod.LIFO)
    assert ours.sales[0][1] == theirs.sales[0][1] == Decimal("27.00")


def test_a_sale_at_cost_books_a_zero_gain_in_both() -> None:
    trades = parse_scenario(
        """
        2020-01-02 BUY 7 AAA @ 0.01
        2020-01-02 SELL 7 AAA @ 0.01
        """
    )
    ours = assert_books_agree(trades, LotMethod.FIFO)
    assert ours.sales[0][1] == 0
