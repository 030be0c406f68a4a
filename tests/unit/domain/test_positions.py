"""The books of positions and running costs, operation by operation, on hand-worked numbers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal

import pytest

from tradegame.domain.errors import (
    CurrencyMismatchError,
    InsufficientHoldingsError,
    InvalidAmountError,
    InvalidInputError,
    InvariantError,
    UnknownLotError,
)
from tradegame.domain.holding import Term
from tradegame.domain.instruments import Account, AssetClass, Instrument, LotMethod
from tradegame.domain.money import EUR, KRW, USD, Currency, Money, Price, Quantity
from tradegame.domain.positions import Books, BooksState, TaxKind, replay
from tradegame.domain.postings import JournalEntry
from tradegame.domain.running_costs import Monthly, OneOff, RunningCost
from tradegame.domain.tax import TaxProfile

ACME = Instrument("ACME", AssetClass.EQUITY, USD)
SAP = Instrument("SAP", AssetClass.EQUITY, EUR)
BTC = Instrument("BTC", AssetClass.CRYPTO, USD, fractional=True)
ETH = Instrument("ETH", AssetClass.CRYPTO, USD, fractional=True)


def at(month: int, day: int, hour: int = 15) -> datetime:
    return datetime(2024, month, day, hour, tzinfo=UTC)


def usd(amount: str) -> Money:
    return Money.of(amount, USD)


def q(amount: str) -> Quantity:
    return Quantity(Decimal(amount))


def px(amount: str, currency: Currency = USD) -> Price:
    return Price(Decimal(amount), currency)


def d(amount: str) -> Decimal:
    return Decimal(amount)


@pytest.fixture
def books() -> Books:
    """IBKR (FIFO) and CB (FIFO) with 5000.00 USD of Start Fund in IBKR."""
    books = Books([Account("IBKR", "ibkr", USD), Account("CB", "coinbase", USD)])
    books.deposit("IBKR", usd("5000.00"), at(1, 2, 9), "start fund")
    return books


@dataclass(frozen=True)
class Snapshot:
    """Everything an operation could change, to show that a refused one changed nothing."""

    entries: tuple[JournalEntry, ...]
    state: BooksState
    taxes: int
    costs: int
    decisions: int
    lots: tuple[object, ...]


def snapshot(books: Books) -> Snapshot:
    return Snapshot(
        books.entries,
        books.state(),
        len(books.tax_ledger),
        len(books.cost_ledger),
        len(books.decision_log),
        books.open_lots(),
    )


def buy_acme(
    books: Books, quantity: str = "10", price: str = "100.00", fee: str = "1.00", when: datetime | None = None
) -> str:
    return books.buy("IBKR", ACME, q(quantity), px(price), usd(fee), when or at(1, 3), "cheap")


# -- deposit ---------------------------------------------------------------------------------


def test_deposit_moves_the_start_fund_from_equity_to_account_cash(books: Books) -> None:
    assert books.cash("IBKR", USD) == usd("5000.00")
    assert books.balance("Equity:Contributions") == {"USD": d("-5000.00")}
    assert books.balance("Assets:IBKR:Cash:USD") == {"USD": d("5000.00")}
    (decision,) = books.decision_log
    assert (decision.op_id, decision.action, decision.reason) == ("op-000001", "deposit", "start fund")
    assert [e.op_id for e in books.entries] == ["op-000001"]


def test_deposit_must_be_positive_and_in_minor_units(books: Books) -> None:
    with pytest.raises(InvalidAmountError, match="positive"):
        books.deposit("IBKR", usd("0"), at(1, 3), "")
    with pytest.raises(InvalidAmountError, match="decimals"):
        books.deposit("IBKR", Money(d("1.001"), USD), at(1, 3), "")
    with pytest.raises(InvalidInputError, match="unknown account"):
        books.deposit("Schwab", usd("1"), at(1, 3), "")


# -- buy -------------------------------------------------------------------------------------


def test_buy_funds_the_position_then_pays_price_and_fee(books: Books) -> None:
    op_id = buy_acme(books)
    assert op_id == "op-000002"
    assert books.cash("IBKR", USD) == usd("3999.00")  # 5000.00 - 1001.00
    fund, buy = books.entries_for(op_id)
    assert (fund.kind, buy.kind) == ("fund", "buy")
    assert [(p.account, p.units) for p in fund.postings] == [
        ("Assets:IBKR:Cash:USD", d("-1001.00")),
        ("Assets:IBKR:ACME:Cash", d("1001.00")),
    ]
    assert [(p.account, p.commodity, p.units, p.value) for p in buy.postings] == [
        ("Assets:IBKR:ACME:Cash", "USD", d("-1001.00"), None),
        ("Assets:IBKR:ACME", "ACME", d("10"), d("1000.00")),
        ("Expenses:Fees:IBKR:ACME", "USD", d("1.00"), None),
    ]
    position = books.position("IBKR", "ACME")
    assert position.quantity == 10
    assert position.book_cost == usd("1000.00")
    assert position.tax_basis == usd("1001.00")
    assert position.fees == usd("1.00")
    assert [(line.units, line.balance_units) for line in position.currency_ledger] == [
        (d("1001.00"), d("1001.00")),
        (d("-1001.00"), d("0.00")),
    ]
    assert [(line.op_id, line.units, line.balance_value) for line in position.asset_ledger] == [
        (op_id, d("10"), d("1000.00"))
    ]
    (cost,) = position.cost_ledger
    assert (cost.op_id, cost.action, cost.notional, cost.fee) == (op_id, "buy", usd("1000.00"), usd("1.00"))
    (decision,) = position.decision_log
    assert (decision.op_id, decision.action, decision.subject, decision.reason) == (op_id, "buy", "ACME", "cheap")
    (lot,) = position.open_lots
    assert (lot.lot_id, lot.quantity, lot.cost_basis) == (op_id, d("10"), d("1001.00"))


def test_a_zero_fee_buy_posts_no_fee(books: Books) -> None:
    op_id = buy_acme(books, fee="0.00")
    fund, buy = books.entries_for(op_id)
    assert [p.units for p in fund.postings] == [d("-1000.00"), d("1000.00")]
    assert [p.account for p in buy.postings] == ["Assets:IBKR:ACME:Cash", "Assets:IBKR:ACME"]
    assert books.position("IBKR", "ACME").fees == usd("0.00")


def test_a_buy_the_cash_cannot_pay_is_refused_and_changes_nothing(books: Books) -> None:
    before = snapshot(books)
    with pytest.raises(InsufficientHoldingsError, match=r"needs 5001\.00 USD"):
        buy_acme(books, quantity="50", fee="1.00")  # 5000.00 + 1.00 > 5000.00
    assert snapshot(books) == before
    assert buy_acme(books, quantity="49") == "op-000002"  # the refused buy used no op id


@pytest.mark.parametrize(
    ("quantity", "price", "fee", "error", "message"),
    [
        ("1.5", px("100.00"), usd("1"), InvalidInputError, "lot size"),
        ("0", px("100.00"), usd("1"), InvalidInputError, "positive"),
        ("1", px("100.005"), usd("1"), InvalidInputError, "tick"),
        ("1", px("100.00", EUR), usd("1"), CurrencyMismatchError, "quoted in USD"),
        ("1", px("100.00"), Money.of("1", EUR), CurrencyMismatchError, "expected USD"),
        ("1", px("100.00"), usd("-1"), InvalidAmountError, "zero or more"),
    ],
)
def test_a_buy_the_instrument_does_not_allow_is_refused(
    books: Books, quantity: str, price: Price, fee: Money, error: type[Exception], message: str
) -> None:
    before = snapshot(books)
    with pytest.raises(error, match=message):
        books.buy("IBKR", ACME, q(quantity), price, fee, at(1, 3), "")
    assert snapshot(books) == before


def test_a_lot_id_may_be_given_but_not_reused(books: Books) -> None:
    books.buy("IBKR", ACME, q("1"), px("100.00"), usd("0"), at(1, 3), "", lot_id="L1")
    with pytest.raises(InvalidInputError, match="already used"):
        books.buy("IBKR", ACME, q("1"), px("100.00"), usd("0"), at(1, 3), "", lot_id="L1")
    assert [lot.lot_id for lot in books.open_lots()] == ["L1"]


def test_one_symbol_cannot_name_two_instruments(books: Books) -> None:
    buy_acme(books)
    fractional_acme = Instrument("ACME", AssetClass.EQUITY, USD, fractional=True)
    with pytest.raises(InvalidInputError, match="already booked"):
        books.buy("IBKR", fractional_acme, q("0.5"), px("100.00"), usd("0"), at(1, 4), "")


# -- time ------------------------------------------------------------------------------------


def test_a_naive_timestamp_is_refused(books: Books) -> None:
    before = snapshot(books)
    with pytest.raises(InvalidInputError, match="naive"):
        books.deposit("IBKR", usd("1"), datetime(2024, 1, 3, 15), "")  # noqa: DTZ001
    assert snapshot(books) == before


def test_an_operation_before_the_last_one_is_refused(books: Books) -> None:
    buy_acme(books, when=at(1, 10))
    before = snapshot(books)
    with pytest.raises(InvalidInputError, match="before the last operation"):
        books.sell("IBKR", ACME, q("1"), px("100.00"), usd("0"), at(1, 9), "")
    assert snapshot(books) == before


# -- sell ------------------------------------------------------------------------------------


def test_sell_books_the_book_gain_and_the_tax_gain(books: Books) -> None:
    buy_acme(books)  # 10 @ 100.00, fee 1.00
    op_id = books.sell("IBKR", ACME, q("10"), px("120.00"), usd("1.00"), at(2, 1), "target hit")
    assert books.cash("IBKR", USD) == usd("5198.00")  # 3999.00 + 1199.00
    sell, sweep = books.entries_for(op_id)
    assert [(p.account, p.units, p.value) for p in sell.postings] == [
        ("Assets:IBKR:ACME", d("-10"), d("-1000.00")),
        ("Assets:IBKR:ACME:Cash", d("1199.00"), None),
        ("Expenses:Fees:IBKR:ACME", d("1.00"), None),
        ("Income:Realized:IBKR:ACME", d("-200.00"), None),
    ]
    assert [(p.account, p.units) for p in sweep.postings] == [
        ("Assets:IBKR:ACME:Cash", d("-1199.00")),
        ("Assets:IBKR:Cash:USD", d("1199.00")),
    ]
    position = books.position("IBKR", "ACME")
    assert position.quantity == 0
    assert position.book_cost == usd("0.00")
    assert position.realized == usd("200.00")  # book gain: 1200.00 - 1000.00
    assert position.fees == usd("2.00")
    assert position.total_pnl(px("999.00")) == usd("198.00")  # nothing held, so any mark
    (tax,) = position.tax_ledger
    assert (tax.op_id, tax.kind, tax.amount, tax.term, tax.year) == (
        op_id,
        TaxKind.DISPOSAL,
        usd("198.00"),  # 1199.00 - 1001.00
        Term.SHORT,
        2024,
    )
    assert tax.disposal is not None
    assert (tax.disposal.proceeds, tax.disposal.cost_basis) == (d("1199.00"), d("1001.00"))
    assert [c.action for c in position.cost_ledger] == ["buy", "sell"]
    assert [(x.action, x.reason) for x in position.decision_log] == [("buy", "cheap"), ("sell", "target hit")]


def test_a_partial_sale_takes_the_book_value_of_the_lots_it_consumes(books: Books) -> None:
    buy_acme(books, "10", "100.00", "0", at(1, 3))
    buy_acme(books, "10", "110.00", "0", at(1, 4))
    books.sell("IBKR", ACME, q("15"), px("120.00"), usd("0"), at(1, 5), "")
    position = books.position("IBKR", "ACME")
    # FIFO: all of the first lot (1000.00) and half of the second (550.00) leave the books.
    assert position.realized == usd("250.00")  # 1800.00 - 1550.00
    assert position.quantity == 5
    assert position.book_cost == usd("550.00")
    assert position.unrealized(px("130.00")) == usd("100.00")  # 650.00 - 550.00
    assert position.market_value(px("130.00")) == usd("650.00")


def test_book_value_is_shared_to_the_cent_without_loss(books: Books) -> None:
    buy_acme(books, "3", "33.33", "0")  # book value 99.99
    books.sell("IBKR", ACME, q("1"), px("40.00"), usd("0"), at(1, 4), "")
    books.sell("IBKR", ACME, q("1"), px("40.00"), usd("0"), at(1, 5), "")
    assert books.position("IBKR", "ACME").book_cost == usd("33.33")
    books.sell("IBKR", ACME, q("1"), px("40.00"), usd("0"), at(1, 6), "")
    assert books.position("IBKR", "ACME").realized == usd("20.01")  # 120.00 - 99.99


def test_an_oversell_is_refused_and_changes_nothing(books: Books) -> None:
    buy_acme(books)
    before = snapshot(books)
    with pytest.raises(InsufficientHoldingsError, match="holds 10"):
        books.sell("IBKR", ACME, q("11"), px("120.00"), usd("1.00"), at(2, 1), "")
    assert snapshot(books) == before
    assert books.balance("Assets:IBKR") == {"ACME": d("10"), "USD": d("3999.00")}


def test_selling_what_was_never_bought_is_refused(books: Books) -> None:
    before = snapshot(books)
    with pytest.raises(InsufficientHoldingsError, match="holds 0"):
        books.sell("IBKR", ACME, q("1"), px("1.00"), usd("0"), at(2, 1), "")
    with pytest.raises(InsufficientHoldingsError):
        books.sell("CB", BTC, q("1"), px("1.00"), usd("0"), at(2, 1), "")
    assert snapshot(books) == before


def test_a_fee_larger_than_the_sale_is_refused(books: Books) -> None:
    buy_acme(books)
    before = snapshot(books)
    with pytest.raises(InvalidAmountError, match="exceeds"):
        books.sell("IBKR", ACME, q("1"), px("1.00"), usd("2.00"), at(2, 1), "")
    assert snapshot(books) == before


def test_specific_identification_sells_the_named_lot() -> None:
    books = Books([Account("IBKR", "ibkr", USD, LotMethod.SPECIFIC)])
    books.deposit("IBKR", usd("5000"), at(1, 2), "")
    books.buy("IBKR", ACME, q("10"), px("100.00"), usd("0"), at(1, 3), "", lot_id="L1")
    books.buy("IBKR", ACME, q("10"), px("150.00"), usd("0"), at(1, 4), "", lot_id="L2")
    with pytest.raises(UnknownLotError):
        books.sell("IBKR", ACME, q("5"), px("160.00"), usd("0"), at(1, 5), "")
    books.sell("IBKR", ACME, q("5"), px("160.00"), usd("0"), at(1, 5), "", lots=[("L2", d("5"))])
    position = books.position("IBKR", "ACME")
    assert position.realized == usd("50.00")  # 800.00 - 750.00 from L2
    assert [(lot.lot_id, lot.quantity) for lot in position.open_lots] == [("L1", d("10")), ("L2", d("5"))]


def test_each_account_uses_its_own_lot_method() -> None:
    books = Books([Account("A", "x", USD, LotMethod.FIFO), Account("B", "x", USD, LotMethod.HIFO)])
    for day, account in ((2, "A"), (5, "B")):
        books.deposit(account, usd("5000"), at(1, day), "")
        books.buy(account, ACME, q("1"), px("100.00"), usd("0"), at(1, day), "")
        books.buy(account, ACME, q("1"), px("200.00"), usd("0"), at(1, day + 1), "")
    books.sell("A", ACME, q("1"), px("150.00"), usd("0"), at(1, 7), "")
    books.sell("B", ACME, q("1"), px("150.00"), usd("0"), at(1, 7), "")
    assert books.position("A", "ACME").realized == usd("50.00")
    assert books.position("B", "ACME").realized == usd("-50.00")


# -- wash sales on the append-only tax ledger ------------------------------------------------


def test_a_later_purchase_appends_a_wash_adjustment_linked_to_the_sale(books: Books) -> None:
    buy_acme(books, "10", "50.00", "0", at(1, 3))
    sale = books.sell("IBKR", ACME, q("10"), px("40.00"), usd("0"), at(1, 10), "stop loss")
    (loss,) = books.tax_ledger
    rebuy = buy_acme(books, "10", "42.00", "0", at(1, 20))
    disposal_line, wash_line = books.tax_ledger
    assert disposal_line is loss  # the ledger is append-only: the first line is untouched
    assert (loss.kind, loss.amount, loss.op_id) == (TaxKind.DISPOSAL, usd("-100.00"), sale)
    assert (wash_line.kind, wash_line.amount, wash_line.op_id, wash_line.linked_op_id, wash_line.year) == (
        TaxKind.WASH_ADJUSTMENT,
        usd("100.00"),
        rebuy,
        sale,
        2024,
    )
    assert wash_line.disposal is not None
    assert wash_line.disposal.adjustment_code == "W"
    assert sum(t.amount.amount for t in books.tax_ledger) == sum(x.gain for x in books.disposals()) == 0
    (lot,) = books.position("IBKR", "ACME").open_lots
    assert lot.cost_basis == d("520.00")  # 420.00 + the 100.00 disallowed loss
    assert books.position("IBKR", "ACME").book_cost == usd("420.00")  # the journal keeps the price paid


def test_a_replacement_bought_before_the_loss_washes_it_on_the_disposal_line(books: Books) -> None:
    buy_acme(books, "10", "50.00", "0", at(1, 3))
    buy_acme(books, "10", "45.00", "0", at(1, 5))
    books.sell("IBKR", ACME, q("10"), px("40.00"), usd("0"), at(1, 10), "")
    (line,) = books.tax_ledger
    assert (line.kind, line.amount) == (TaxKind.DISPOSAL, usd("0.00"))
    assert line.disposal is not None
    assert (line.disposal.adjustment_code, line.disposal.adjustment_amount) == ("W", d("100.00"))


def test_a_purchase_in_another_account_washes_the_loss_of_the_first(books: Books) -> None:
    books.deposit("CB", usd("1000"), at(1, 2, 10), "")
    buy_acme(books, "10", "50.00", "0", at(1, 3))
    sale = books.sell("IBKR", ACME, q("10"), px("40.00"), usd("0"), at(1, 10), "")
    rebuy = books.buy("CB", ACME, q("10"), px("41.00"), usd("0"), at(1, 12), "")
    (wash,) = [t for t in books.position("IBKR", "ACME").tax_ledger if t.kind is TaxKind.WASH_ADJUSTMENT]
    assert (wash.op_id, wash.linked_op_id, wash.account, wash.amount) == (rebuy, sale, "IBKR", usd("100.00"))
    assert books.position("CB", "ACME").tax_ledger == ()


# -- dividend --------------------------------------------------------------------------------


def test_dividend_runs_through_the_position_into_account_cash(books: Books) -> None:
    buy_acme(books)
    op_id = books.dividend("IBKR", ACME, usd("12.34"), at(3, 15), "quarterly")
    assert books.cash("IBKR", USD) == usd("4011.34")  # 3999.00 + 12.34
    assert [e.kind for e in books.entries_for(op_id)] == ["dividend", "sweep"]
    position = books.position("IBKR", "ACME")
    assert position.dividends == usd("12.34")
    assert [line.units for line in position.currency_ledger][-2:] == [d("12.34"), d("-12.34")]
    assert position.currency_ledger[-1].balance_units == 0
    (tax,) = position.tax_ledger
    assert (tax.kind, tax.amount, tax.year, tax.op_id) == (TaxKind.DIVIDEND, usd("12.34"), 2024, op_id)
    assert position.decision_log[-1].action == "dividend"


def test_a_dividend_in_the_wrong_currency_is_refused(books: Books) -> None:
    with pytest.raises(CurrencyMismatchError):
        books.dividend("IBKR", ACME, Money.of("1", EUR), at(3, 15), "")


# -- crypto swap -----------------------------------------------------------------------------


def test_crypto_swap_is_a_disposal_and_an_acquisition_at_fair_value() -> None:
    books = Books([Account("CB", "coinbase", USD)])
    books.deposit("CB", usd("50000"), at(1, 2), "")
    books.buy("CB", BTC, q("1"), px("40000.00"), usd("10.00"), at(1, 3), "")
    op_id = books.crypto_swap("CB", BTC, q("1"), ETH, q("20"), usd("60000.00"), usd("5.00"), at(6, 3), "rotate")
    assert books.cash("CB", USD) == usd("9985.00")  # 50000.00 - 40010.00 - 5.00
    btc, eth = books.position("CB", "BTC"), books.position("CB", "ETH")
    assert btc.quantity == 0
    assert btc.realized == usd("20000.00")  # 60000.00 - 40000.00 book value
    assert btc.fees == usd("15.00")
    assert (eth.quantity, eth.book_cost, eth.tax_basis) == (d("20"), usd("60000.00"), usd("60000.00"))
    (tax,) = btc.tax_ledger
    assert (tax.op_id, tax.amount) == (op_id, usd("19985.00"))  # 60000.00 - 5.00 - 40010.00
    assert [e.kind for e in books.entries_for(op_id)] == ["fund", "swap"]
    assert eth.decision_log[-1].op_id == op_id
    assert [lot.lot_id for lot in eth.open_lots] == [op_id]


def test_lots_of_names_the_lots_each_operation_opened_and_sold() -> None:
    books = Books([Account("CB", "coinbase", USD)])
    books.deposit("CB", usd("100000"), at(1, 2), "")
    first = books.buy("CB", BTC, q("1"), px("40000.00"), usd("0"), at(1, 3), "")
    second = books.buy("CB", BTC, q("0.5"), px("42000.00"), usd("0"), at(1, 4), "")
    sale = books.sell("CB", BTC, q("1.25"), px("43000.00"), usd("0"), at(2, 1), "")  # FIFO: all of one, some of two
    swap = books.crypto_swap("CB", BTC, q("0.25"), ETH, q("5"), usd("11000.00"), usd("0"), at(3, 1), "")
    assert books.lots_of(first) == ((first,), ())
    assert books.lots_of(second) == ((second,), ())
    assert books.lots_of(sale) == ((), ((first, d("1")), (second, d("0.25"))))
    assert books.lots_of(swap) == ((swap,), ((second, d("0.25")),))
    assert books.lots_of("op-999999") == ((), ())


def test_crypto_swap_refuses_securities_and_oversized_swaps() -> None:
    books = Books([Account("CB", "coinbase", USD)])
    books.deposit("CB", usd("50000"), at(1, 2), "")
    books.buy("CB", BTC, q("1"), px("40000.00"), usd("0"), at(1, 3), "")
    before = snapshot(books)
    with pytest.raises(InvalidInputError, match="crypto for crypto"):
        books.crypto_swap("CB", BTC, q("1"), ACME, q("10"), usd("1000"), usd("0"), at(1, 4), "")
    with pytest.raises(InsufficientHoldingsError):
        books.crypto_swap("CB", BTC, q("2"), ETH, q("20"), usd("60000"), usd("0"), at(1, 4), "")
    assert snapshot(books) == before


# -- running costs ---------------------------------------------------------------------------


def test_running_costs_are_charged_on_their_due_dates_with_month_end_clamping(books: Books) -> None:
    feed = RunningCost("DataFeed", usd("30.00"), Monthly(date(2024, 1, 31)))
    op_ids = books.book_running_costs("IBKR", feed, date(2024, 1, 1), date(2024, 3, 31), reason="market data")
    assert len(op_ids) == 3
    view = books.running_cost("DataFeed")
    assert [line.timestamp.date() for line in view.currency_ledger] == [
        date(2024, 1, 31),
        date(2024, 2, 29),
        date(2024, 3, 31),
    ]
    assert view.currency_ledger[-1].balance_units == d("90.00")
    assert view.total == {"USD": d("90.00")}
    assert [x.op_id for x in view.decision_log] == list(op_ids)
    assert books.cash("IBKR", USD) == usd("4910.00")


def test_a_running_cost_is_refused_off_its_due_date(books: Books) -> None:
    aws = RunningCost("AWS", usd("10.00"), Monthly(date(2024, 1, 15)))
    before = snapshot(books)
    with pytest.raises(InvalidInputError, match="not due"):
        books.book_running_cost("IBKR", aws, at(1, 16), "")
    assert snapshot(books) == before
    books.book_running_cost("IBKR", aws, at(1, 15), "")
    assert books.running_cost("AWS").total == {"USD": d("10.00")}


def test_a_running_cost_the_cash_cannot_pay_is_refused_as_a_whole(books: Books) -> None:
    # Cash never goes negative: 12 charges of 500.00 exceed the 5000.00 held, so none is booked.
    server = RunningCost("Server", usd("500.00"), Monthly(date(2024, 1, 31)))
    before = snapshot(books)
    with pytest.raises(InsufficientHoldingsError, match=r"6000\.00 USD"):
        books.book_running_costs("IBKR", server, date(2024, 1, 1), date(2024, 12, 31))
    assert snapshot(books) == before
    one_off = RunningCost("Audit", usd("5000.01"), OneOff(date(2024, 2, 1)))
    with pytest.raises(InsufficientHoldingsError):
        books.book_running_cost("IBKR", one_off, at(2, 1), "")
    assert snapshot(books) == before


def test_running_costs_at_a_non_utc_time_of_day_are_refused(books: Books) -> None:
    feed = RunningCost("DataFeed", usd("30.00"), Monthly(date(2024, 1, 31)))
    with pytest.raises(InvalidInputError, match="UTC time"):
        books.book_running_costs("IBKR", feed, date(2024, 1, 1), date(2024, 2, 1), at=time(9))


# -- tax due ---------------------------------------------------------------------------------


def test_record_tax_books_the_tax_due_and_only_changes_after(books: Books) -> None:
    profile = TaxProfile.flat("0.30", "0.15")
    buy_acme(books)
    books.sell("IBKR", ACME, q("10"), px("120.00"), usd("1.00"), at(2, 1), "")  # tax gain 198.00
    books.dividend("IBKR", ACME, usd("50.00"), at(3, 1), "")
    tax = books.record_tax(2024, profile, at(12, 31), "year end")
    assert tax is not None
    assert (tax.kind, tax.amount, tax.year) == (TaxKind.TAX_DUE, usd("74.40"), 2024)  # 198*0.30 + 50*0.30
    assert books.balance("Liabilities:Tax:2024") == {"USD": d("-74.40")}
    assert books.balance("Expenses:Tax") == {"USD": d("74.40")}
    assert books.record_tax(2024, profile, at(12, 31), "again") is None
    assert len(books.entries_for(tax.op_id)) == 1


def test_record_tax_books_the_difference_when_gains_change() -> None:
    profile = TaxProfile.flat("0.30", "0.15")
    books = Books([Account("IBKR", "ibkr", USD)])
    books.deposit("IBKR", usd("10000"), datetime(2024, 12, 1, tzinfo=UTC), "")
    books.buy("IBKR", ACME, q("10"), px("100.00"), usd("0"), datetime(2024, 12, 2, tzinfo=UTC), "")
    books.sell("IBKR", ACME, q("10"), px("90.00"), usd("0"), datetime(2024, 12, 20, tzinfo=UTC), "")
    first = books.record_tax(2024, profile, datetime(2024, 12, 31, tzinfo=UTC), "")
    assert first is not None
    assert first.amount == usd("-30.00")  # a 100.00 loss deducted at the short-term rate
    # A purchase in January washes the December loss: 2024 owes the 30.00 back.
    books.buy("IBKR", ACME, q("10"), px("95.00"), usd("0"), datetime(2025, 1, 5, tzinfo=UTC), "")
    second = books.record_tax(2024, profile, datetime(2025, 1, 6, tzinfo=UTC), "")
    assert second is not None
    assert second.amount == usd("30.00")
    assert books.balance("Liabilities:Tax:2024") == {}


# -- replay, determinism, linking ------------------------------------------------------------


def play(books: Books) -> None:
    books.deposit("CB", usd("50000"), at(1, 2, 10), "")
    buy_acme(books, "10", "50.00", "1.00", at(1, 3))
    buy_acme(books, "5", "55.00", "1.00", at(1, 4))
    books.sell("IBKR", ACME, q("12"), px("45.00"), usd("1.00"), at(1, 10), "")
    books.buy("CB", ACME, q("3"), px("46.00"), usd("0.50"), at(1, 11), "")
    books.dividend("IBKR", ACME, usd("3.00"), at(2, 1), "")
    books.buy("CB", BTC, q("0.5"), px("40000.00"), usd("10.00"), at(2, 2), "")
    books.crypto_swap("CB", BTC, q("0.25"), ETH, q("3.5"), usd("11000.00"), usd("2.00"), at(3, 2), "")
    books.book_running_cost("CB", RunningCost("CoinbaseOne", usd("29.99"), Monthly(date(2024, 1, 3))), at(4, 3), "")


def test_replaying_the_journal_gives_the_live_state(books: Books) -> None:
    play(books)
    state = books.state()
    assert replay(books.entries) == state
    assert state.quantities == {
        ("CB", "ACME"): 3,
        ("CB", "BTC"): d("0.25"),
        ("CB", "ETH"): d("3.5"),
        ("IBKR", "ACME"): 3,
    }
    assert state.cash[("CB", "USD")] == d("50000") - d("138.50") - d("20010.00") - d("2.00") - d("29.99")


def test_the_same_operations_give_the_same_books() -> None:
    def fresh() -> Books:
        books = Books([Account("IBKR", "ibkr", USD), Account("CB", "coinbase", USD)])
        books.deposit("IBKR", usd("5000.00"), at(1, 2, 9), "start fund")
        play(books)
        return books

    first, second = fresh(), fresh()
    assert first.entries == second.entries
    assert first.tax_ledger == second.tax_ledger
    assert first.decision_log == second.decision_log


def test_every_ledger_line_links_to_journal_entries_of_its_operation(books: Books) -> None:
    play(books)
    journal_ops = {e.op_id for e in books.entries}
    assert {x.op_id for x in books.decision_log} == journal_ops
    assert {c.op_id for c in books.cost_ledger} <= journal_ops
    assert {t.op_id for t in books.tax_ledger} <= journal_ops
    assert [x.op_id for x in books.decision_log] == [f"op-{n:06d}" for n in range(1, len(journal_ops) + 1)]


def test_positions_in_another_currency_keep_their_own_lot_book() -> None:
    books = Books([Account("IBKR", "ibkr", USD)])
    books.deposit("IBKR", Money.of("1000", EUR), at(1, 2), "")
    books.buy("IBKR", SAP, q("4"), px("150.00", EUR), Money.of("2", EUR), at(1, 3), "")
    assert books.cash("IBKR", EUR) == Money.of("398.00", EUR)
    assert books.cash("IBKR", USD) == usd("0")
    position = books.position("IBKR", "SAP")
    assert (position.book_cost, position.tax_basis) == (Money.of("600", EUR), Money.of("602", EUR))
    with pytest.raises(InsufficientHoldingsError):
        buy_acme(books, "1", "1.00", "0", at(1, 4))  # no USD cash


def test_one_currency_code_cannot_have_two_minor_units(books: Books) -> None:
    odd_usd = Currency("USD", 3)
    before = snapshot(books)
    with pytest.raises(CurrencyMismatchError, match="minor units"):
        books.buy(
            "IBKR",
            Instrument("ODD", AssetClass.EQUITY, odd_usd),
            q("1"),
            px("1.00", odd_usd),
            Money.of("0", odd_usd),
            at(1, 3),
            "",
        )
    assert snapshot(books) == before


def test_a_buy_whose_cost_the_decimal_context_cannot_hold_exactly_is_refused() -> None:
    """A trade's entries balance by construction; the one sum that could round (28 digits) is checked."""
    krw = Instrument("WON", AssetClass.EQUITY, KRW, tick_size=Decimal(1))
    books = Books([Account("K", "k", KRW)])
    most = Money(Decimal("9" * 28), KRW)
    books.deposit("K", most, at(1, 2))
    books.deposit("K", most, at(1, 2))
    before = snapshot(books)
    with pytest.raises(InvariantError, match="not exact"):  # 9...98 + 3 needs 29 digits
        books.buy("K", krw, q("1"), px("9" * 27 + "8", KRW), Money(Decimal(3), KRW), at(1, 3))
    assert snapshot(books) == before
