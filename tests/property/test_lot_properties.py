"""Invariants of the lot book on random trade sequences (Hypothesis).

For every method and with or without wash sales: open lots sum to the position; nothing sold
is lost; basis is conserved (what was paid, plus disallowed losses, is either disposed of or
still open); realized plus unrealized equals the cash-flow P/L at any mark; booking is
deterministic; and over a closed history the total gain does not depend on the method.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from tradegame.domain.instruments import AssetClass, LotMethod
from tradegame.domain.lots import LotBook
from tradegame.domain.trades import Side, Trade, book_trades

ACCOUNTS = ("A", "B")
SYMBOLS = (("X", AssetClass.EQUITY), ("Y", AssetClass.EQUITY), ("C", AssetClass.CRYPTO))
METHODS = [LotMethod.FIFO, LotMethod.LIFO, LotMethod.HIFO, LotMethod.AVERAGE]
CENT = Decimal("0.01")


@st.composite
def trade_lists(draw: st.DrawFn, close_all: bool = False) -> list[Trade]:
    """Random buys and sells that never sell more than held; optionally close everything."""
    holdings: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    trades: list[Trade] = []
    day = date(2020, 1, 1)
    for _ in range(draw(st.integers(min_value=1, max_value=30))):
        day += timedelta(days=draw(st.integers(min_value=0, max_value=40)))
        account = draw(st.sampled_from(ACCOUNTS))
        symbol, asset_class = draw(st.sampled_from(SYMBOLS))
        places = 3 if asset_class is AssetClass.CRYPTO else 0
        held = holdings[(account, symbol)]
        sell = held > 0 and draw(st.booleans())
        if sell:
            quantity = draw(st.decimals(min_value=Decimal("0.001"), max_value=held, places=places))
            if quantity <= 0:
                quantity = held
        else:
            quantity = draw(st.decimals(min_value=1, max_value=100, places=places))
        price = draw(st.decimals(min_value=Decimal("0.01"), max_value=500, places=2))
        fee = min(draw(st.decimals(min_value=0, max_value=5, places=2)), (quantity * price).quantize(CENT))
        holdings[(account, symbol)] += -quantity if sell else quantity
        trades.append(
            Trade(
                len(trades) + 1,
                day,
                account,
                symbol,
                Side.SELL if sell else Side.BUY,
                quantity,
                price,
                fee,
                asset_class,
            )
        )
    if close_all:
        day += timedelta(days=1)
        for (account, symbol), held in sorted(holdings.items()):
            if held > 0:
                asset_class = dict(SYMBOLS)[symbol]
                price = draw(st.decimals(min_value=Decimal("0.01"), max_value=500, places=2))
                trades.append(
                    Trade(len(trades) + 1, day, account, symbol, Side.SELL, held, price, Decimal(0), asset_class)
                )
    return trades


def _cash_flows(trades: list[Trade]) -> tuple[Decimal, Decimal]:
    paid = sum(((t.quantity * t.price).quantize(CENT) + t.fee for t in trades if t.side is Side.BUY), Decimal(0))
    received = sum(((t.quantity * t.price).quantize(CENT) - t.fee for t in trades if t.side is Side.SELL), Decimal(0))
    return paid, received


@given(trades=trade_lists(), method=st.sampled_from(METHODS), wash_sales=st.booleans())
def test_quantities_and_basis_are_conserved(trades: list[Trade], method: LotMethod, wash_sales: bool) -> None:
    book = book_trades(trades, method, wash_sales=wash_sales)
    position: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    sold: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for t in trades:
        position[(t.account, t.symbol)] += t.quantity if t.side is Side.BUY else -t.quantity
        if t.side is Side.SELL:
            sold[(t.account, t.symbol)] += t.quantity
    open_lots = book.open_lots()
    for key, quantity in position.items():
        assert sum((lot.quantity for lot in open_lots if (lot.account, lot.symbol) == key), Decimal(0)) == quantity
        assert book.position(*key) == quantity
        assert sum((d.quantity for d in book.disposals if (d.account, d.symbol) == key), Decimal(0)) == sold[key]
    assert all(lot.quantity > 0 and lot.cost_basis >= 0 for lot in open_lots)
    paid, received = _cash_flows(trades)
    disallowed = sum((d.adjustment_amount for d in book.disposals), Decimal(0))
    basis_out = sum((d.cost_basis for d in book.disposals), Decimal(0))
    basis_open = sum((lot.cost_basis for lot in open_lots), Decimal(0))
    assert basis_out + basis_open == paid + disallowed
    assert sum((d.proceeds for d in book.disposals), Decimal(0)) == received
    if not wash_sales:
        assert disallowed == 0


@given(
    trades=trade_lists(),
    method=st.sampled_from(METHODS),
    marks=st.dictionaries(st.sampled_from([s for s, _ in SYMBOLS]), st.decimals(min_value=0, max_value=900, places=2)),
)
def test_realized_plus_unrealized_is_total_pl_at_any_mark(
    trades: list[Trade], method: LotMethod, marks: dict[str, Decimal]
) -> None:
    book = book_trades(trades, method)
    realized = sum((d.gain for d in book.disposals), Decimal(0))
    open_lots = book.open_lots()
    mark_value = sum((lot.quantity * marks.get(lot.symbol, Decimal(1)) for lot in open_lots), Decimal(0))
    unrealized = mark_value - sum((lot.cost_basis for lot in open_lots), Decimal(0))
    paid, received = _cash_flows(trades)
    assert realized + unrealized == received - paid + mark_value


@given(trades=trade_lists(close_all=True))
def test_over_a_closed_history_the_total_gain_does_not_depend_on_the_method(trades: list[Trade]) -> None:
    totals = {
        method: sum((d.gain for d in book_trades(trades, method, wash_sales=False).disposals), Decimal(0))
        for method in METHODS
    }
    paid, received = _cash_flows(trades)
    assert set(totals.values()) == {received - paid}


@given(trades=trade_lists(), method=st.sampled_from(METHODS))
def test_booking_is_deterministic(trades: list[Trade], method: LotMethod) -> None:
    first, second = book_trades(trades, method), book_trades(trades, method)
    assert first.disposals == second.disposals
    assert first.open_lots() == second.open_lots()


@given(trades=trade_lists())
def test_fifo_never_sells_a_newer_lot_while_an_older_one_is_open(trades: list[Trade]) -> None:
    book = LotBook()
    for t in sorted(trades, key=lambda t: t.on):
        if t.side is Side.BUY:
            book.buy(account=t.account, symbol=t.symbol, quantity=t.quantity, price=t.price, fee=t.fee, on=t.on,
                     asset_class=t.asset_class)  # fmt: skip
        else:
            before = {lot.lot_id: lot for lot in book.open_lots(t.account, t.symbol)}
            used = book.sell(account=t.account, symbol=t.symbol, quantity=t.quantity, price=t.price, fee=t.fee,
                             on=t.on, asset_class=t.asset_class)  # fmt: skip
            newest_used = max(int(d.lot_id[1:]) for d in used)
            still_open = {lot.lot_id for lot in book.open_lots(t.account, t.symbol)}
            assert not any(int(lot_id[1:]) < newest_used and lot_id in still_open for lot_id in before)
