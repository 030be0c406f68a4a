"""Invariants of the books on random sequences of deposits, buys, sells and dividends (Hypothesis).

Two accounts (the second with a random lot method), three USD instruments (two equities and a
fractional coin) and one EUR fund, with or without wash sales. A small model beside the books
tracks what each operation should do to cash, quantities, fees, dividends and each position's
cash flows, worked out from the trade numbers alone. While playing, every refused operation
must leave the books exactly as they were, and the journal, tax ledger and decision log must
only ever grow at the end. Then: (a) every entry balances per currency, in whole cents; (b) open lots sum to
the position; (c) realized plus unrealized (with dividends, less fees) is the cash-flow P/L at
any mark; (d) replaying the journal gives the live state; (e) no value is created; (f) the
append-only tax ledger adds up to the lot book's disposals after all wash adjustments.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal

from hypothesis import given
from hypothesis import strategies as st

from tradegame.domain.errors import InvalidInputError
from tradegame.domain.instruments import Account, AssetClass, Instrument, LotMethod
from tradegame.domain.money import EUR, USD, Currency, Money, Price, Quantity
from tradegame.domain.positions import Books, BooksState, TaxKind, replay

ACCOUNTS = ("A", "B")
INSTRUMENTS = {
    "X": Instrument("X", AssetClass.EQUITY, USD),
    "Y": Instrument("Y", AssetClass.EQUITY, USD),
    "C": Instrument("C", AssetClass.CRYPTO, USD, fractional=True),
    "Z": Instrument("Z", AssetClass.ETF, EUR),
}
CURRENCIES = {"USD": USD, "EUR": EUR}
METHODS = [LotMethod.FIFO, LotMethod.LIFO, LotMethod.HIFO, LotMethod.AVERAGE]
CENT = Decimal("0.01")
ZERO = Decimal(0)
T0 = datetime(2023, 1, 2, 14, 30, tzinfo=UTC)


def money(amount: Decimal, currency: Currency) -> Money:
    return Money(amount, currency)


def gross(quantity: Decimal, price: Decimal) -> Decimal:
    return (quantity * price).quantize(CENT, rounding=ROUND_HALF_EVEN)


@dataclass
class Model:
    """What the books should hold, worked out from the operations' numbers alone."""

    deposits: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    cash: dict[tuple[str, str], Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    quantity: dict[tuple[str, str], Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    flows: dict[tuple[str, str], Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    fees: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    dividends: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    converted: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))  # in minus out
    touched: set[tuple[str, str]] = field(default_factory=set)


@dataclass(frozen=True)
class Snapshot:
    entries: int
    state: BooksState
    taxes: int
    costs: int
    decisions: int


def snapshot(books: Books) -> Snapshot:
    return Snapshot(
        len(books.entries), books.state(), len(books.tax_ledger), len(books.cost_ledger), len(books.decision_log)
    )


def quantities(data: st.DataObject, instrument: Instrument, high: Decimal) -> Decimal:
    """A quantity the instrument allows, up to ``high``: whole units or, for a coin, thousandths."""
    if instrument.fractional:
        return data.draw(st.decimals(min_value=Decimal("0.001"), max_value=high, places=3))
    return Decimal(data.draw(st.integers(min_value=1, max_value=int(high))))


def play(data: st.DataObject) -> tuple[Books, Model]:
    """Random operations on fresh books; refused ones must change nothing."""
    method = data.draw(st.sampled_from(METHODS), label="method of B")
    books = Books(
        [Account("A", "broker", USD), Account("B", "exchange", USD, method)],
        wash_sales=data.draw(st.booleans(), label="wash sales"),
    )
    model = Model()
    ts = T0
    for account in ACCOUNTS:  # a Start Fund in each account, so that most buys can be paid
        for currency in CURRENCIES.values():
            amount = data.draw(st.decimals(min_value=Decimal(1000), max_value=50000, places=2))
            books.deposit(account, money(amount, currency), ts, "start fund")
            model.deposits[currency.code] += amount
            model.cash[(account, currency.code)] += amount
    for _ in range(data.draw(st.integers(min_value=1, max_value=30), label="operations")):
        ts += timedelta(days=data.draw(st.integers(min_value=0, max_value=15)), hours=1)
        action = data.draw(
            st.sampled_from(
                ["deposit", "buy", "buy", "buy", "sell", "sell", "sell", "dividend", "split", "convert", "transfer"]
            )
        )
        # Mostly the instruments already held, so that sells find lots and rebuys find losses to wash.
        holding = sorted({symbol for (_, symbol), quantity in model.quantity.items() if quantity})
        account = data.draw(st.sampled_from(ACCOUNTS))
        pick_held: bool = bool(holding) and data.draw(st.booleans())
        choices = holding if pick_held else sorted(INSTRUMENTS)
        symbol = data.draw(st.sampled_from(choices))
        instrument = INSTRUMENTS[symbol]
        currency = instrument.quote_currency
        key = (account, symbol)
        cash_key = (account, currency.code)
        before = snapshot(books)
        ledgers_before = (books.entries, books.tax_ledger, books.decision_log)
        operations = 1
        try:
            if action == "deposit":
                amount = data.draw(st.decimals(min_value=CENT, max_value=10000, places=2))
                books.deposit(account, money(amount, currency), ts, "top up")
                model.deposits[currency.code] += amount
                model.cash[cash_key] += amount
            elif action == "buy":
                quantity = quantities(data, instrument, Decimal(20))
                price = data.draw(st.decimals(min_value=Decimal(1), max_value=200, places=2))
                fee = data.draw(st.decimals(min_value=ZERO, max_value=5, places=2))
                books.buy(
                    account, instrument, Quantity(quantity), Price(price, currency), money(fee, currency), ts, "buy"
                )
                paid = gross(quantity, price) + fee
                model.cash[cash_key] -= paid
                model.flows[key] -= paid
                model.quantity[key] += quantity
                model.fees[currency.code] += fee
                model.touched.add(key)
            elif action == "sell":
                held = model.quantity[key]
                high = held + 1 if data.draw(st.integers(0, 9)) == 0 else held  # now and then an oversell
                quantity = quantities(data, instrument, max(high, Decimal(1)))
                price = data.draw(st.decimals(min_value=Decimal(1), max_value=200, places=2))
                fee = data.draw(st.decimals(min_value=ZERO, max_value=5, places=2))
                books.sell(
                    account, instrument, Quantity(quantity), Price(price, currency), money(fee, currency), ts, "sell"
                )
                received = gross(quantity, price) - fee
                model.cash[cash_key] += received
                model.flows[key] += received
                model.quantity[key] -= quantity
                model.fees[currency.code] += fee
            elif action == "split":
                ratio = Decimal(data.draw(st.sampled_from(["2", "3", "0.5", "1.5"])))
                books.split(instrument, ratio, ts, "split")
                for holder in ACCOUNTS:
                    model.quantity[(holder, symbol)] *= ratio
                if not any(model.quantity[(holder, symbol)] for holder in ACCOUNTS):
                    operations = 0  # a split of nothing held books a decision and no entry
                # A fraction of a whole-unit instrument is paid out in cash (a sale without a fee).
                price = data.draw(st.decimals(min_value=Decimal(1), max_value=200, places=2))
                for holder in ACCOUNTS:
                    held = model.quantity[(holder, symbol)]
                    fraction = ZERO if instrument.fractional else held % instrument.lot_size
                    paid = books.cash_in_lieu(holder, instrument, Price(price, currency), ts, "cash in lieu")
                    assert (paid is not None) == bool(fraction)
                    if fraction:
                        received = gross(fraction, price)
                        model.cash[(holder, currency.code)] += received
                        model.flows[(holder, symbol)] += received
                        model.quantity[(holder, symbol)] -= fraction
                        operations += 1
            elif action == "convert":
                give_code = data.draw(st.sampled_from(sorted(CURRENCIES)))
                get_code = "EUR" if give_code == "USD" else "USD"
                amount = data.draw(st.decimals(min_value=CENT, max_value=2000, places=2))
                rate = data.draw(st.decimals(min_value=Decimal("0.8"), max_value=Decimal("1.3"), places=4))
                fee = data.draw(st.decimals(min_value=ZERO, max_value=2, places=2))
                got = gross(amount, rate)
                give, get = CURRENCIES[give_code], CURRENCIES[get_code]
                books.convert(account, money(amount, give), money(got, get), money(fee, give), ts, "convert")
                model.cash[(account, give_code)] -= amount + fee
                model.cash[(account, get_code)] += got
                model.converted[give_code] -= amount
                model.converted[get_code] += got
                model.fees[give_code] += fee
            elif action == "transfer":
                target = "B" if account == "A" else "A"
                amount = data.draw(st.decimals(min_value=CENT, max_value=3000, places=2))
                fee = data.draw(st.decimals(min_value=ZERO, max_value=2, places=2))
                books.send_transfer(account, target, money(amount, currency), money(fee, currency), ts, "send")
                books.receive_transfer(account, target, money(amount, currency), ts, "arrive")
                model.cash[cash_key] -= amount + fee
                model.cash[(target, currency.code)] += amount
                model.fees[currency.code] += fee
                operations = 2
            else:
                amount = data.draw(st.decimals(min_value=CENT, max_value=100, places=2))
                books.dividend(account, instrument, money(amount, currency), ts, "dividend")
                model.cash[cash_key] += amount
                model.flows[key] += amount
                model.dividends[currency.code] += amount
                model.touched.add(key)
        except InvalidInputError:
            assert snapshot(books) == before
            continue
        entries, taxes, decisions = ledgers_before
        assert books.entries[: len(entries)] == entries
        assert len(books.entries) > len(entries) or not operations
        assert books.tax_ledger[: len(taxes)] == taxes
        assert books.decision_log[: len(decisions)] == decisions
        assert len(books.decision_log) == len(decisions) + max(operations, 1)
    return books, model


@given(st.data())
def test_a_every_journal_entry_balances_per_currency(data: st.DataObject) -> None:
    books, model = play(data)
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for entry in books.entries:
        weights = entry.weights()
        assert all(weight == 0 for weight in weights.values()), entry
        for posting in entry.postings:
            currency, weight = posting.weight
            totals[currency] += weight
            assert weight == weight.quantize(CENT), posting  # money is booked in whole cents only
    assert all(total == 0 for total in totals.values())
    for code, deposited in model.deposits.items():
        assert -books.balance("Equity:Contributions").get(code, ZERO) == deposited


@given(st.data())
def test_b_open_lots_sum_to_the_position(data: st.DataObject) -> None:
    books, model = play(data)
    for account, symbol in model.touched:
        position = books.position(account, symbol)
        lots = books.open_lots(account, symbol)
        assert sum((lot.quantity for lot in lots), ZERO) == position.quantity == model.quantity[(account, symbol)]
        assert position.open_lots == lots


@given(st.data())
def test_c_realized_plus_unrealized_is_the_cash_flow_pnl(data: st.DataObject) -> None:
    books, model = play(data)
    for account, symbol in sorted(model.touched):
        instrument = INSTRUMENTS[symbol]
        mark = data.draw(st.decimals(min_value=CENT, max_value=1000, places=2), label=f"mark {symbol}")
        position = books.position(account, symbol)
        cash_flow_pnl = model.flows[(account, symbol)] + gross(model.quantity[(account, symbol)], mark)
        price = Price(mark, instrument.quote_currency)
        books_pnl = position.realized + position.unrealized(price) + position.dividends - position.fees
        assert books_pnl.amount == cash_flow_pnl
        assert position.total_pnl(price).amount == cash_flow_pnl


@given(st.data())
def test_d_replaying_the_journal_gives_the_live_state(data: st.DataObject) -> None:
    books, model = play(data)
    live = books.state()
    assert replay(books.entries) == live
    assert live.cash == {key: amount for key, amount in model.cash.items() if amount}
    assert live.quantities == {key: quantity for key, quantity in model.quantity.items() if quantity}


@given(st.data())
def test_e_no_value_is_created(data: st.DataObject) -> None:
    books, model = play(data)
    state = books.state()
    for code in CURRENCIES:
        held = sum((amount for (_, ccy), amount in state.cash.items() if ccy == code), ZERO)
        held += sum(
            (cost for (_, symbol), cost in state.book_costs.items() if INSTRUMENTS[symbol].quote_currency.code == code),
            ZERO,
        )
        realized = sum(
            (
                books.position(account, symbol).realized.amount
                for account, symbol in model.touched
                if INSTRUMENTS[symbol].quote_currency.code == code
            ),
            ZERO,
        )
        moved = model.converted[code]
        assert held == model.deposits[code] + model.dividends[code] - model.fees[code] + realized + moved
        assert all(amount >= 0 for (_, ccy), amount in state.cash.items() if ccy == code)


@given(st.data())
def test_f_the_tax_ledger_adds_up_to_the_disposals_after_wash_adjustments(data: st.DataObject) -> None:
    books, _ = play(data)
    disposals = books.disposals()
    capital = [t for t in books.tax_ledger if t.kind in (TaxKind.DISPOSAL, TaxKind.WASH_ADJUSTMENT)]
    assert sum((t.amount.amount for t in capital), ZERO) == sum((d.gain for d in disposals), ZERO)
    assert len([t for t in capital if t.kind is TaxKind.DISPOSAL]) == len(disposals)
    sale_ops = {t.op_id for t in capital if t.kind is TaxKind.DISPOSAL}
    assert {t.linked_op_id for t in capital if t.kind is TaxKind.WASH_ADJUSTMENT} <= sale_ops
