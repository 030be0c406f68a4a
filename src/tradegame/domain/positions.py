"""One owner's books: accounts, cash, positions, their lots, the journal and the ledgers around it.

Owns the operations that change the books (deposit, buy, sell, dividend, crypto swap, running
cost, tax due), the chart of accounts they post to, and the read-only views of a position and of
a running cost. The chart::

    Equity:Contributions                    money the owner put in (the Start Fund)
    Assets:{acct}:Cash:{CCY}                account cash, one account per currency
    Assets:{acct}:{SYM}:Cash                the position's currency ledger, swept back to zero
    Assets:{acct}:{SYM}                     units of SYM at book value (gross cost, no fees)
    Expenses:Fees:{acct}:{SYM}              commissions and fees of the position's trades
    Income:Realized:{acct}:{SYM}            book gains: gross proceeds minus book value sold
    Income:Dividends:{acct}:{SYM}           dividends
    Expenses:RunningCosts:{name}            subscriptions, servers, account fees
    Liabilities:Payable:{acct}:{CCY}        running costs charged on credit and not yet paid (a debt)
    Expenses:Tax / Liabilities:Tax:{year}   tax due for a year

How an operation is booked
--------------------------
A position works as a virtual account. A buy first funds the position's currency ledger from
the account's cash ("fund"), then pays the price and the fee out of it ("buy"); a sale or a
dividend credits the currency ledger and sweeps it back to the account's cash ("sweep"). Every
operation gets the next op id from the books' own counter (``op-000001``, ...; never a uuid or
the wall clock), so the same operations give the same books byte for byte, and that op id links
its journal entries, its tax-ledger and transaction-cost lines and its decision-log line.

An operation is validated in full before anything changes: account and instrument known and
consistent, currencies matching, amounts in whole minor units, quantity and price allowed by
the instrument, enough cash, timestamps not going back. Holdings are checked by the lot book,
which refuses a sale before it changes anything. Only then does the lot book move and are the
ledgers appended to. A refused operation leaves every ledger as it was and uses no op id.
Cash may never go negative: a buy, a fee or a running cost the cash cannot pay is refused.

Book value and tax basis
------------------------
Two views of cost live side by side. The journal's book value of a lot is its gross cost
(quantity times price, rounded to the minor unit) without fees; a sale takes out the consumed
lots' pro-rata share of it (the lots the lot book's method picks), and gross proceeds minus
that book value is the book gain. Fees are expenses of their own. The tax basis (``LotBook``)
includes the buy fee, nets the sell fee from proceeds and moves with wash sales and average-cost
pooling. A buy of 10 ACME @ 100.00 with a 1.00 fee, sold @ 120.00 with a 1.00 fee, is a book gain
of 200.00 and fees of 2.00 in the journal, and a tax gain of 198.00 on the tax ledger.

Wash sales change a disposal after the fact (``LotBook`` replaces it in its list). The tax
ledger stays append only: after every operation the books compare the lot book's disposals
with those already recorded and append a ``WASH_ADJUSTMENT`` line for each change, carrying the
change in gain and linked to the op id of the sale (``linked_op_id``).

There is one ``LotBook`` per currency: wash sales match a symbol, and a symbol has one quote
currency.

The tax currency
----------------
Books given a ``tax_currency`` and an ``fx`` source keep the tax ledger in that currency only:
a disposal of an instrument quoted in another currency is converted line by line, its proceeds
(and a wash sale's disallowed loss) at the rate known when it was sold and each lot's basis at
the rate known when the lot was bought (the rate is taken when the lot is booked and kept with
it); a dividend at the rate known when it was paid. Each converted amount is rounded to the tax
currency's minor unit. A line that cannot be converted (no rate) is refused before the
operation changes anything, and ``record_tax`` refuses a ledger holding a line in any other
currency than the profile's: a tax line is never skipped. Standard library and
``tradegame.domain`` only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType

from tradegame.domain.allocation import share
from tradegame.domain.errors import (
    CurrencyMismatchError,
    FeeExceedsValueError,
    InsufficientFundsError,
    InsufficientHoldingsError,
    InvalidAmountError,
    InvalidInputError,
    InvariantError,
    TooSmallError,
)
from tradegame.domain.holding import Term
from tradegame.domain.instruments import Account, AssetClass, Instrument, LotMethod
from tradegame.domain.journal import Journal, JournalEntry, Posting, require_utc
from tradegame.domain.lots import WASH_WINDOW, Disposal, LotBook, OpenLot
from tradegame.domain.money import Currency, Money, Price, Quantity
from tradegame.domain.running_costs import RunningCost
from tradegame.domain.tax import TaxProfile, YearTax, gains_by_year, tax_of_year

__all__ = [
    "CONTRIBUTIONS",
    "TAX_EXPENSE",
    "Books",
    "BooksState",
    "CostEntry",
    "DecisionEntry",
    "FxSource",
    "LedgerLine",
    "Position",
    "RunningCostView",
    "TaxEntry",
    "TaxKind",
    "replay",
]

FxSource = Callable[[str, str, datetime], Decimal | None]
"""Units of the second currency per unit of the first, as known at a time (None: unknown)."""

CONTRIBUTIONS = "Equity:Contributions"
TAX_EXPENSE = "Expenses:Tax"
_ZERO = Decimal(0)


def _cash_account(account: str, currency: str) -> str:
    return f"Assets:{account}:Cash:{currency}"


def _units_account(account: str, symbol: str) -> str:
    return f"Assets:{account}:{symbol}"


def _position_cash(account: str, symbol: str) -> str:
    return f"Assets:{account}:{symbol}:Cash"


def _fees_account(account: str, symbol: str) -> str:
    return f"Expenses:Fees:{account}:{symbol}"


def _realized_account(account: str, symbol: str) -> str:
    return f"Income:Realized:{account}:{symbol}"


def _dividends_account(account: str, symbol: str) -> str:
    return f"Income:Dividends:{account}:{symbol}"


def _running_cost_account(name: str) -> str:
    return f"Expenses:RunningCosts:{name}"


def _conversions_account(account: str) -> str:
    return f"Equity:Conversions:{account}"


def _fx_fees_account(account: str) -> str:
    return f"Expenses:Fees:{account}:FX"


def _transfer_fees_account(account: str) -> str:
    return f"Expenses:Fees:{account}:Transfers"


def _transit_account(source: str, target: str, currency: str) -> str:
    return f"Assets:Transit:{source}-to-{target}:{currency}"


def _payable_account(account: str, currency: str) -> str:
    return f"Liabilities:Payable:{account}:{currency}"


def _tax_liability(year: int) -> str:
    return f"Liabilities:Tax:{year}"


def _cash(account: str, currency: Currency, amount: Decimal) -> Posting | None:
    """A currency posting, or None for a zero amount (postings must move something)."""
    return Posting(account, currency.code, amount) if amount else None


# -- ledger records --------------------------------------------------------------------------


class TaxKind(StrEnum):
    """What a tax-ledger line records."""

    DISPOSAL = "disposal"
    WASH_ADJUSTMENT = "wash-adjustment"
    DIVIDEND = "dividend"
    TAX_DUE = "tax-due"


@dataclass(frozen=True, slots=True)
class TaxEntry:
    """One line of the tax ledger.

    ``amount`` is the taxable gain of a disposal, the change of gain a wash adjustment makes to
    an earlier disposal (``linked_op_id`` names the sale), the dividend income, or the change of
    tax due recorded for ``year``. ``year`` is the tax year the amount belongs to: the year of
    the sale for a disposal and for its later wash adjustments.
    """

    op_id: str
    timestamp: datetime
    kind: TaxKind
    year: int
    amount: Money
    account: str | None = None
    symbol: str | None = None
    term: Term | None = None
    disposal: Disposal | None = None
    linked_op_id: str | None = None
    detail: YearTax | None = None


@dataclass(frozen=True, slots=True)
class CostEntry:
    """One line of the transaction-cost ledger: the fee an operation paid on ``notional``."""

    op_id: str
    timestamp: datetime
    account: str
    symbol: str
    action: str
    quantity: Decimal
    notional: Money
    fee: Money


@dataclass(frozen=True, slots=True)
class DecisionEntry:
    """One line of the decision log: what was done, to what, and why."""

    op_id: str
    timestamp: datetime
    action: str
    account: str | None
    subject: str | None
    reason: str
    game: str | None = None


@dataclass(frozen=True, slots=True)
class LedgerLine:
    """A journal posting to one account, with the account's running balance after it."""

    op_id: str
    seq: int
    timestamp: datetime
    kind: str
    narration: str
    account: str
    commodity: str
    units: Decimal
    value: Decimal | None
    balance_units: Decimal
    balance_value: Decimal | None


@dataclass(frozen=True, slots=True)
class Position:
    """A read-only view of one instrument in one account, with every ledger linked by op id.

    ``book_cost`` is the journal's book value of the units held (gross cost without fees);
    ``tax_basis`` is the lot book's basis of the same units (fees and wash adjustments in).
    """

    account: str
    instrument: Instrument
    quantity: Decimal
    book_cost: Money
    tax_basis: Money
    realized: Money
    fees: Money
    dividends: Money
    open_lots: tuple[OpenLot, ...]
    asset_ledger: tuple[LedgerLine, ...]
    currency_ledger: tuple[LedgerLine, ...]
    cost_ledger: tuple[CostEntry, ...]
    tax_ledger: tuple[TaxEntry, ...]
    decision_log: tuple[DecisionEntry, ...]

    @property
    def symbol(self) -> str:
        return self.instrument.symbol

    def market_value(self, mark: Price) -> Money:
        """Units held times ``mark``, rounded to the minor unit."""
        if mark.currency != self.instrument.quote_currency:
            raise CurrencyMismatchError(
                f"{self.symbol} is quoted in {self.instrument.quote_currency}, not {mark.currency}"
            )
        return mark.total(Quantity(self.quantity))

    def unrealized(self, mark: Price) -> Money:
        """Market value at ``mark`` minus book cost."""
        return self.market_value(mark) - self.book_cost

    def total_pnl(self, mark: Price) -> Money:
        """Realized plus unrealized book gains, plus dividends, minus fees."""
        return self.realized + self.unrealized(mark) + self.dividends - self.fees


@dataclass(frozen=True, slots=True)
class RunningCostView:
    """A running cost's currency ledger (its expense account), total charged and decision log."""

    name: str
    currency_ledger: tuple[LedgerLine, ...]
    decision_log: tuple[DecisionEntry, ...]
    total: Mapping[str, Decimal]


@dataclass(frozen=True, slots=True)
class BooksState:
    """What the books hold, non-zero amounts only.

    ``cash`` by (account, currency code), ``quantities`` and ``book_costs`` by (account, symbol);
    a book cost is in the symbol's quote currency.
    """

    cash: Mapping[tuple[str, str], Decimal]
    quantities: Mapping[tuple[str, str], Decimal]
    book_costs: Mapping[tuple[str, str], Decimal]


def _nonzero(amounts: Mapping[tuple[str, str], Decimal]) -> dict[tuple[str, str], Decimal]:
    return {key: amount for key, amount in sorted(amounts.items()) if amount}


def replay(entries: Iterable[JournalEntry]) -> BooksState:
    """Rebuild cash, quantities and book costs from journal entries alone.

    The entries are appended to a fresh ``Journal`` first, so every one is checked again
    (balance, sequence, time order). The state is then read from the chart of accounts:
    ``Assets:{acct}:Cash:{CCY}`` postings in CCY are cash, ``Assets:{acct}:{SYM}`` postings
    with a book value are units and their book value.
    """
    journal = Journal(entries)
    cash: dict[tuple[str, str], Decimal] = {}
    quantities: dict[tuple[str, str], Decimal] = {}
    book_costs: dict[tuple[str, str], Decimal] = {}
    for entry in journal.entries:
        for posting in entry.postings:
            parts = posting.account.split(":")
            if parts[0] != "Assets":
                continue
            if len(parts) == 4 and parts[2] == "Cash" and posting.value is None and posting.commodity == parts[3]:
                key = (parts[1], parts[3])
                cash[key] = cash.get(key, _ZERO) + posting.units
            elif len(parts) == 3 and posting.value is not None and posting.commodity == parts[2]:
                key = (parts[1], parts[2])
                quantities[key] = quantities.get(key, _ZERO) + posting.units
                book_costs[key] = book_costs.get(key, _ZERO) + posting.value
    return BooksState(_nonzero(cash), _nonzero(quantities), _nonzero(book_costs))


@dataclass(slots=True)
class _BookLot:
    """The book side of one lot: units still held and their book value (gross cost, no fees)."""

    symbol: str
    quantity: Decimal
    book_value: Decimal


class _EntryDrafts:
    """The journal entries of one operation, numbered on from the journal's next seq.

    Zero postings are dropped (a posting must move something), and so is an entry left empty,
    e.g. the funding of a zero fee. Building an entry checks that it balances.
    """

    def __init__(self, op_id: str, ts: datetime, first_seq: int) -> None:
        self.op_id = op_id
        self.ts = ts
        self.first_seq = first_seq
        self.entries: list[JournalEntry] = []

    def add(self, kind: str, narration: str, *postings: Posting | None) -> None:
        moving = tuple(posting for posting in postings if posting is not None)
        if moving:
            seq = self.first_seq + len(self.entries)
            self.entries.append(JournalEntry(self.op_id, seq, self.ts, kind, narration, moving))


class Books:
    """One owner's books across their accounts. See the module docstring for the chart.

    Every operation takes a timezone-aware timestamp (converted to UTC; not before the last
    operation's) and a ``reason`` for the decision log, and returns its op id.
    """

    def __init__(
        self,
        accounts: Iterable[Account],
        *,
        wash_sales: bool = True,
        tax_currency: Currency | None = None,
        fx: FxSource | None = None,
    ) -> None:
        self._accounts: dict[str, Account] = {}
        for account in accounts:
            if not isinstance(account, Account):
                raise InvalidInputError(f"{type(account).__name__} is not an Account")
            if account.name in self._accounts:
                raise InvalidInputError(f"account {account.name!r} is given twice")
            self._accounts[account.name] = account
        if not self._accounts:
            raise InvalidInputError("books need at least one account")
        self._wash_sales = wash_sales
        self._journal = Journal()
        self._cash: dict[tuple[str, str], Decimal] = {}
        self._payables: dict[tuple[str, str], Decimal] = {}
        self._tax_currency = tax_currency
        self._fx = fx
        self._lot_rates: dict[tuple[str, str], Decimal] = {}  # (account, lot id) -> tax units per unit at purchase
        self._sale_rates: dict[str, Decimal] = {}  # sale op id -> tax units per unit at the sale
        self._currencies: dict[str, Currency] = {}
        self._instruments: dict[str, Instrument] = {}
        self._lot_books: dict[str, LotBook] = {}
        self._book_lots: dict[tuple[str, str], _BookLot] = {}
        # (account, symbol) -> units and tax basis of its open lots, kept in step by every booking
        self._held: dict[tuple[str, str], Decimal] = {}
        self._held_cost: dict[tuple[str, str], Decimal] = {}
        self._holdings_view = MappingProxyType(self._held)
        self._op_lots: dict[str, tuple[tuple[str, ...], tuple[tuple[str, Decimal], ...]]] = {}
        self._seen_disposals: dict[str, list[Disposal]] = {}
        self._disposal_ops: dict[str, list[str]] = {}
        self._tax: list[TaxEntry] = []
        self._costs: list[CostEntry] = []
        self._decisions: list[DecisionEntry] = []
        self._ops = 0
        self._last_ts: datetime | None = None

    # -- queries ---------------------------------------------------------------------------

    @property
    def accounts(self) -> tuple[Account, ...]:
        return tuple(self._accounts.values())

    @property
    def entries(self) -> tuple[JournalEntry, ...]:
        """The journal, in order."""
        return self._journal.entries

    def entries_for(self, op_id: str) -> tuple[JournalEntry, ...]:
        return self._journal.entries_for(op_id)

    def balance(self, account_prefix: str = "") -> dict[str, Decimal]:
        """Journal units per commodity under ``account_prefix`` (see ``Journal.balance``)."""
        return self._journal.balance(account_prefix)

    def book_value(self, account_prefix: str = "") -> dict[str, Decimal]:
        """Journal book value per currency under ``account_prefix`` (see ``Journal.book_value``)."""
        return self._journal.book_value(account_prefix)

    @property
    def tax_ledger(self) -> tuple[TaxEntry, ...]:
        return tuple(self._tax)

    @property
    def cost_ledger(self) -> tuple[CostEntry, ...]:
        return tuple(self._costs)

    @property
    def decision_log(self) -> tuple[DecisionEntry, ...]:
        return tuple(self._decisions)

    def cash(self, account: str, currency: Currency) -> Money:
        """The account's cash in ``currency``."""
        self._account(account)
        return Money(self._cash.get((account, currency.code), _ZERO), currency)

    @property
    def last_timestamp(self) -> datetime | None:
        """The time of the latest operation (the next one may not be earlier)."""
        return self._last_ts

    @property
    def operations(self) -> int:
        """How many operations have been booked (changes whenever the books change)."""
        return self._ops

    def cash_balances(self) -> dict[tuple[str, str], Decimal]:
        """Cash per (account, currency code), zero balances left out."""
        return _nonzero(self._cash)

    def payables(self) -> dict[tuple[str, str], Decimal]:
        """What each account still owes per currency (running costs charged on credit), zeros left out."""
        return _nonzero(self._payables)

    def disposals(self) -> tuple[Disposal, ...]:
        """Every disposal of the lot books as it stands now (wash adjustments applied)."""
        return tuple(d for book in self._lot_books.values() for d in book.disposals)

    def lots_of(self, op_id: str) -> tuple[tuple[str, ...], tuple[tuple[str, Decimal], ...]]:
        """The lot ids operation ``op_id`` opened, and the (lot id, units) it sold, as booked (empty for
        an operation that touched no lot)."""
        return self._op_lots.get(op_id, ((), ()))

    def held(self, account: str, asset: str) -> Decimal:
        """Units of ``asset`` in ``account``'s open lots (0 if none), in O(1)."""
        return self._held.get((account, asset), _ZERO)

    def held_cost(self, account: str, asset: str) -> Decimal:
        """The tax basis (fees and wash adjustments in) of ``account``'s open lots of ``asset``, in
        its quote currency (0 if none), in O(1)."""
        return self._held_cost.get((account, asset), _ZERO)

    def holdings(self) -> Mapping[tuple[str, str], Decimal]:
        """A read-only live view of the units held per (account, asset), nonzero only."""
        return self._holdings_view

    def open_lots(self, account: str | None = None, symbol: str | None = None) -> tuple[OpenLot, ...]:
        """Open tax lots across every currency, optionally for one account and/or symbol."""
        return tuple(lot for book in self._lot_books.values() for lot in book.open_lots(account, symbol))

    def position(self, account: str, symbol: str) -> Position:
        """The view of ``symbol`` in ``account`` (empty if the account never held it)."""
        self._account(account)
        instrument = self._instruments.get(symbol)
        if instrument is None:
            raise InvalidInputError(f"no instrument {symbol!r} has been booked")
        currency = instrument.quote_currency
        units_account = _units_account(account, symbol)
        asset_ledger = self._ledger(units_account)
        currency_ledger = self._ledger(_position_cash(account, symbol))
        op_ids = {line.op_id for line in asset_ledger + currency_ledger}
        open_lots = self.open_lots(account, symbol)
        return Position(
            account=account,
            instrument=instrument,
            quantity=self._journal.balance(units_account).get(symbol, _ZERO),
            book_cost=Money(self._journal.book_value(units_account).get(currency.code, _ZERO), currency),
            tax_basis=Money(sum((lot.cost_basis for lot in open_lots), _ZERO), currency),
            realized=Money(
                -self._journal.balance(_realized_account(account, symbol)).get(currency.code, _ZERO), currency
            ),
            fees=Money(self._journal.balance(_fees_account(account, symbol)).get(currency.code, _ZERO), currency),
            dividends=Money(
                -self._journal.balance(_dividends_account(account, symbol)).get(currency.code, _ZERO), currency
            ),
            open_lots=open_lots,
            asset_ledger=asset_ledger,
            currency_ledger=currency_ledger,
            cost_ledger=tuple(c for c in self._costs if c.account == account and c.symbol == symbol),
            tax_ledger=tuple(t for t in self._tax if t.account == account and t.symbol == symbol),
            decision_log=tuple(d for d in self._decisions if d.op_id in op_ids),
        )

    def running_cost(self, name: str) -> RunningCostView:
        """The view of the running cost called ``name`` (empty if never charged)."""
        account = _running_cost_account(name)
        ledger = self._ledger(account)
        op_ids = {line.op_id for line in ledger}
        return RunningCostView(
            name=name,
            currency_ledger=ledger,
            decision_log=tuple(d for d in self._decisions if d.op_id in op_ids),
            total=self._journal.balance(account),
        )

    def state(self) -> BooksState:
        """The live state, from the books' own cash, lot book and book values (not the journal)."""
        quantities: dict[tuple[str, str], Decimal] = {}
        for lot in self.open_lots():
            key = (lot.account, lot.symbol)
            quantities[key] = quantities.get(key, _ZERO) + lot.quantity
        book_costs: dict[tuple[str, str], Decimal] = {}
        for (account, _), book_lot in self._book_lots.items():
            key = (account, book_lot.symbol)
            book_costs[key] = book_costs.get(key, _ZERO) + book_lot.book_value
        return BooksState(_nonzero(self._cash), _nonzero(quantities), _nonzero(book_costs))

    # -- operations ------------------------------------------------------------------------

    def deposit(self, account: str, amount: Money, ts: datetime, reason: str = "") -> str:
        """Put owner's money into the account's cash (the Start Fund, a top-up)."""
        op_id, ts = self._begin(ts, reason)
        self._account(account)
        if not isinstance(amount, Money):
            raise InvalidInputError(f"deposit must be Money, not {type(amount).__name__}")
        currency = amount.currency
        self._check_currency(currency)
        self._check_money(amount, currency, "deposit", positive=True)
        entries = self._entries(op_id, ts)
        entries.add(
            "deposit",
            f"deposit {amount} into {account}",
            _cash(CONTRIBUTIONS, currency, -amount.amount),
            _cash(_cash_account(account, currency.code), currency, amount.amount),
        )
        self._currencies[currency.code] = currency
        self._move_cash(account, currency, amount.amount)
        self._commit(op_id, ts, entries, DecisionEntry(op_id, ts, "deposit", account, None, reason))
        return op_id

    def buy(
        self,
        account: str,
        instrument: Instrument,
        quantity: Quantity,
        price: Price,
        fee: Money,
        ts: datetime,
        reason: str = "",
        *,
        game: str | None = None,
        lot_id: str | None = None,
    ) -> str:
        """Buy ``quantity`` at ``price`` paying ``fee``; opens a lot (``lot_id`` defaults to the op id)."""
        op_id, ts = self._begin(ts, reason)
        self._account(account)
        currency = self._check_trade(instrument, quantity, price, fee)
        gross = price.total(quantity)
        self._check_gross(gross, instrument)
        lot_id = self._check_lot_id(account, lot_id or op_id)
        cost = gross + fee
        self._check_cash(account, cost, f"buying {quantity.amount} {instrument.symbol}")
        tax_rate = self._tax_rate(currency, ts, f"the basis of {instrument.symbol}")
        symbol = instrument.symbol
        position_cash = _position_cash(account, symbol)
        entries = self._entries(op_id, ts)
        entries.add(
            "fund",
            f"fund {symbol} with {cost}",
            _cash(_cash_account(account, currency.code), currency, -cost.amount),
            _cash(position_cash, currency, cost.amount),
        )
        entries.add(
            "buy",
            f"buy {quantity.amount} {symbol} @ {price.amount} fee {fee.amount}",
            _cash(position_cash, currency, -cost.amount),
            Posting(_units_account(account, symbol), symbol, quantity.amount, gross.amount, currency.code),
            _cash(_fees_account(account, symbol), currency, fee.amount),
        )
        self._lot_book(currency).buy(
            account=account,
            symbol=symbol,
            quantity=quantity.amount,
            price=price.amount,
            fee=fee.amount,
            on=ts.date(),
            asset_class=instrument.asset_class,
            lot_id=lot_id,
            game=game,
        )
        self._remember(instrument)
        self._book_lots[(account, lot_id)] = _BookLot(symbol, quantity.amount, gross.amount)
        self._op_lots[op_id] = ((lot_id,), ())
        if tax_rate is not None:
            self._lot_rates[(account, lot_id)] = tax_rate
        self._move_cash(account, currency, -cost.amount)
        self._hold(account, symbol, quantity.amount, cost.amount)
        self._costs.append(CostEntry(op_id, ts, account, symbol, "buy", quantity.amount, gross, fee))
        decision = DecisionEntry(op_id, ts, "buy", account, symbol, reason, game)
        taxes = self._new_tax_entries(currency, op_id, ts)
        if any(tax.kind is TaxKind.WASH_ADJUSTMENT for tax in taxes):
            self._recount_held_cost(currency, symbol)  # the new lot took a washed loss into its basis
        self._commit(op_id, ts, entries, decision, taxes)
        return op_id

    def sell(
        self,
        account: str,
        instrument: Instrument,
        quantity: Quantity,
        price: Price,
        fee: Money,
        ts: datetime,
        reason: str = "",
        *,
        game: str | None = None,
        lots: Sequence[tuple[str, Decimal]] | None = None,
    ) -> str:
        """Sell ``quantity`` at ``price`` paying ``fee`` out of the proceeds.

        The account's lot method picks the lots, or ``lots`` names them (specific identification).
        """
        op_id, ts = self._begin(ts, reason)
        self._account(account)
        self._check_trade(instrument, quantity, price, fee)
        gross = price.total(quantity)
        self._check_gross(gross, instrument)
        if fee.amount > gross.amount:
            raise FeeExceedsValueError(f"fee {fee} exceeds the sale value {gross}")
        book = self._held_in(account, instrument, quantity)
        self._book_sale(op_id, ts, "sell", account, instrument, quantity, price, fee, book, reason, game, lots)
        return op_id

    def cash_in_lieu(
        self,
        account: str,
        instrument: Instrument,
        price: Price,
        ts: datetime,
        reason: str = "",
        *,
        game: str | None = None,
    ) -> str | None:
        """Sell the fraction of a lot that a split left in ``account`` at ``price``, without a fee.

        A split of 3-for-2 on 15 shares, or 1-for-10 on 15, leaves 22.5 or 1.5 shares of an
        instrument that trades in whole lots; brokers pay the fraction out in cash. It is booked
        as a sale (a disposal on the tax ledger, the lots' basis share taken out) with the kind
        ``cash-in-lieu``. Returns None (and books nothing) when nothing fractional is held, and
        refuses a fraction worth less than one minor unit (like any trade that small).
        """
        self._account(account)
        self._check_instrument(instrument)
        if instrument.fractional:
            return None
        lot_book = self._lot_books.get(instrument.quote_currency.code)
        held = lot_book.position(account, instrument.symbol) if lot_book is not None else _ZERO
        fraction = held % instrument.lot_size
        if not fraction:
            return None
        if not isinstance(price, Price) or price.currency != instrument.quote_currency:
            raise CurrencyMismatchError(
                f"{instrument.symbol}: cash in lieu needs a price in {instrument.quote_currency}"
            )
        instrument.check_price(price.amount)
        self._check_gross(price.total(Quantity(fraction)), instrument)
        op_id, ts = self._begin(ts, reason)
        book = self._held_in(account, instrument, Quantity(fraction))
        fee = Money.zero(instrument.quote_currency)
        self._book_sale(
            op_id, ts, "cash-in-lieu", account, instrument, Quantity(fraction), price, fee, book, reason, game
        )
        return op_id

    def dividend(self, account: str, instrument: Instrument, amount: Money, ts: datetime, reason: str = "") -> str:
        """Receive a cash dividend on ``instrument`` into the position, then sweep it to account cash."""
        op_id, ts = self._begin(ts, reason)
        self._account(account)
        self._check_instrument(instrument)
        currency = instrument.quote_currency
        self._check_money(amount, currency, "dividend", positive=True)
        tax_amount = self._in_tax_currency(amount, ts, f"the dividend on {instrument.symbol}")
        symbol = instrument.symbol
        position_cash = _position_cash(account, symbol)
        entries = self._entries(op_id, ts)
        entries.add(
            "dividend",
            f"dividend {amount} on {symbol}",
            _cash(_dividends_account(account, symbol), currency, -amount.amount),
            _cash(position_cash, currency, amount.amount),
        )
        entries.add(
            "sweep",
            f"sweep {symbol} dividend to {account} cash",
            _cash(position_cash, currency, -amount.amount),
            _cash(_cash_account(account, currency.code), currency, amount.amount),
        )
        self._remember(instrument)
        self._move_cash(account, currency, amount.amount)
        tax = TaxEntry(op_id, ts, TaxKind.DIVIDEND, ts.year, tax_amount, account, symbol)
        self._commit(op_id, ts, entries, DecisionEntry(op_id, ts, "dividend", account, symbol, reason), [tax])
        return op_id

    def split(self, instrument: Instrument, ratio: Decimal, ts: datetime, reason: str = "") -> str:
        """Apply a stock split (``ratio`` new units per old, e.g. 2 or 0.1) in every account holding it.

        Units change, book value and tax basis do not (so each unit's basis falls), and lots keep
        their acquisition dates. One asset-ledger entry per account holding the instrument, with
        zero book value; no cash moves.
        """
        op_id, ts = self._begin(ts, reason)
        self._check_instrument(instrument)
        symbol = instrument.symbol
        book = self._lot_books.get(instrument.quote_currency.code)
        if book is None or symbol not in self._instruments:
            raise InvalidInputError(f"no {symbol} has been booked, so there is nothing to split")
        changed = book.split(symbol, ratio, ts.date())
        # The lot book has moved: from here on a failure is a broken invariant, not bad input.
        values: dict[str, Decimal] = {}
        for (account, _lot_id), book_lot in self._book_lots.items():
            if book_lot.symbol == symbol:
                book_lot.quantity *= ratio
                values[account] = values.get(account, _ZERO) + book_lot.book_value
        entries = self._entries(op_id, ts)
        currency = instrument.quote_currency.code
        for account, (before, after) in sorted(changed.items()):
            self._held[(account, symbol)] = after
            units_account, value = _units_account(account, symbol), values.get(account, _ZERO)
            entries.add(
                "split",
                f"split {symbol}: {before} units become {after} in {account}",
                Posting(units_account, symbol, -before, -value, currency),
                Posting(units_account, symbol, after, value, currency),
            )
        self._commit(op_id, ts, entries, DecisionEntry(op_id, ts, "split", None, symbol, reason))
        return op_id

    def convert(self, account: str, give: Money, get: Money, fee: Money, ts: datetime, reason: str = "") -> str:
        """Exchange currencies in ``account``: pay ``give`` plus ``fee`` (in give's currency), receive ``get``.

        Each currency's entry balances through ``Equity:Conversions:{account}``, whose balances
        across currencies record the rate paid; the fee goes to the account's FX fees.
        """
        op_id, ts = self._begin(ts, reason)
        self._account(account)
        for what, money in (("give", give), ("get", get), ("fee", fee)):
            if not isinstance(money, Money):
                raise InvalidInputError(f"conversion {what} must be Money, not {type(money).__name__}")
        if give.currency.code == get.currency.code:
            raise CurrencyMismatchError(f"a conversion needs two currencies, got {give.currency.code} twice")
        self._check_money(give, give.currency, "conversion amount", positive=True)
        self._check_money(get, get.currency, "conversion proceeds", positive=True)
        self._check_money(fee, give.currency, "conversion fee", positive=False)
        self._check_cash(account, give + fee, f"converting {give} to {get.currency.code}")
        entries = self._entries(op_id, ts)
        clearing = _conversions_account(account)
        entries.add(
            "convert",
            f"convert {give} to {get} in {account}",
            _cash(_cash_account(account, give.currency.code), give.currency, -give.amount),
            _cash(clearing, give.currency, give.amount),
        )
        entries.add(
            "convert",
            f"receive {get} for {give} in {account}",
            _cash(clearing, get.currency, -get.amount),
            _cash(_cash_account(account, get.currency.code), get.currency, get.amount),
        )
        entries.add(
            "fee",
            f"conversion fee {fee}",
            _cash(_cash_account(account, give.currency.code), give.currency, -fee.amount),
            _cash(_fx_fees_account(account), give.currency, fee.amount),
        )
        self._currencies[give.currency.code] = give.currency
        self._currencies[get.currency.code] = get.currency
        self._move_cash(account, give.currency, -(give.amount + fee.amount))
        self._move_cash(account, get.currency, get.amount)
        pair = f"{give.currency.code}{get.currency.code}"
        self._costs.append(CostEntry(op_id, ts, account, pair, "convert", give.amount, give, fee))
        self._commit(op_id, ts, entries, DecisionEntry(op_id, ts, "convert", account, pair, reason))
        return op_id

    def send_transfer(self, source: str, target: str, amount: Money, fee: Money, ts: datetime, reason: str = "") -> str:
        """Move ``amount`` out of ``source`` into transit to ``target``; ``fee`` is charged to ``source``."""
        op_id, ts = self._begin(ts, reason)
        self._account(source)
        self._account(target)
        if source == target:
            raise InvalidInputError(f"a transfer needs two accounts, got {source} twice")
        currency = amount.currency
        self._check_money(amount, currency, "transfer", positive=True)
        self._check_money(fee, currency, "transfer fee", positive=False)
        self._check_cash(source, amount + fee, f"transferring {amount} to {target}")
        entries = self._entries(op_id, ts)
        entries.add(
            "transfer-out",
            f"send {amount} from {source} to {target}",
            _cash(_cash_account(source, currency.code), currency, -amount.amount),
            _cash(_transit_account(source, target, currency.code), currency, amount.amount),
        )
        entries.add(
            "fee",
            f"transfer fee {fee}",
            _cash(_cash_account(source, currency.code), currency, -fee.amount),
            _cash(_transfer_fees_account(source), currency, fee.amount),
        )
        self._move_cash(source, currency, -(amount.amount + fee.amount))
        if fee.amount:
            self._costs.append(CostEntry(op_id, ts, source, "TRANSFER", "transfer", _ZERO, amount, fee))
        self._commit(op_id, ts, entries, DecisionEntry(op_id, ts, "transfer-out", source, target, reason))
        return op_id

    def receive_transfer(self, source: str, target: str, amount: Money, ts: datetime, reason: str = "") -> str:
        """Credit ``target`` with ``amount`` that ``send_transfer`` put in transit from ``source``."""
        op_id, ts = self._begin(ts, reason)
        self._account(target)
        currency = amount.currency
        self._check_money(amount, currency, "transfer", positive=True)
        transit = _transit_account(source, target, currency.code)
        in_transit = self._journal.balance(transit).get(currency.code, _ZERO)
        if amount.amount > in_transit:
            raise InvalidAmountError(f"only {in_transit} {currency.code} is in transit from {source} to {target}")
        entries = self._entries(op_id, ts)
        entries.add(
            "transfer-in",
            f"receive {amount} from {source} in {target}",
            _cash(transit, currency, -amount.amount),
            _cash(_cash_account(target, currency.code), currency, amount.amount),
        )
        self._move_cash(target, currency, amount.amount)
        self._commit(op_id, ts, entries, DecisionEntry(op_id, ts, "transfer-in", target, source, reason))
        return op_id

    def crypto_swap(
        self,
        account: str,
        give: Instrument,
        give_quantity: Quantity,
        get: Instrument,
        get_quantity: Quantity,
        fair_value: Money,
        fee: Money,
        ts: datetime,
        reason: str = "",
        *,
        game: str | None = None,
        lot_id: str | None = None,
        fee_in_kind: bool = False,
    ) -> str:
        """Swap one coin for another at ``fair_value``: a disposal of ``give`` and a lot of ``get``.

        Both legs are valued at ``fair_value`` (the market value of what changed hands, in the
        coins' common quote currency), so the unit prices need not sit on the tick grid. The
        ``fee`` is paid from the account's cash, booked on the ``give`` position and, for tax,
        netted from the disposal's proceeds. The new lot's id defaults to the op id.

        With ``fee_in_kind`` the fee was paid in the coins themselves (an exchange keeps part of
        what changes hands, as on a cross pair such as ETH/BTC): ``give_quantity`` and
        ``get_quantity`` are what left and reached the account, no cash moves, and the new lot's
        basis is ``fair_value - fee``; the disposal is the same.
        """
        op_id, ts = self._begin(ts, reason)
        self._account(account)
        for instrument in (give, get):
            self._check_instrument(instrument)
            if instrument.asset_class is not AssetClass.CRYPTO:
                raise InvalidInputError(f"{instrument.symbol}: a crypto swap is crypto for crypto")
        if give.symbol == get.symbol:
            raise InvalidInputError(f"a swap gives and gets two different coins, not {give.symbol} twice")
        currency = give.quote_currency
        if get.quote_currency != currency:
            raise CurrencyMismatchError(f"{give.symbol} and {get.symbol} are quoted in different currencies")
        give.check_quantity(give_quantity)
        get.check_quantity(get_quantity)
        self._check_money(fair_value, currency, "fair value", positive=True)
        self._check_money(fee, currency, "fee", positive=False)
        if fee.amount > fair_value.amount:
            raise FeeExceedsValueError(f"fee {fee} exceeds the fair value {fair_value}")
        give_price = self._unit_price(fair_value, give_quantity, give.symbol)
        basis = fair_value - fee if fee_in_kind else fair_value
        if not basis.amount:
            raise FeeExceedsValueError(f"the fee {fee} leaves nothing of the {fair_value} swapped")
        get_price = self._unit_price(basis, get_quantity, get.symbol)
        lot_id = self._check_lot_id(account, lot_id or op_id)
        cash_fee = Money.zero(currency) if fee_in_kind else fee
        self._check_cash(account, cash_fee, f"the fee of swapping {give.symbol}")
        book = self._held_in(account, give, give_quantity)
        tax_rate = self._tax_rate(currency, ts, f"the swap of {give.symbol}")
        on = ts.date()
        disposals = book.sell(
            account=account,
            symbol=give.symbol,
            quantity=give_quantity.amount,
            price=give_price,
            fee=fee.amount,
            on=on,
            asset_class=AssetClass.CRYPTO,
            game=game,
            sale_id=op_id,
        )
        # The lot book has moved; the purchase leg was validated above and cannot be refused now.
        book.buy(
            account=account,
            symbol=get.symbol,
            quantity=get_quantity.amount,
            price=get_price,
            on=on,
            asset_class=AssetClass.CRYPTO,
            lot_id=lot_id,
            game=game,
        )
        if tax_rate is not None:
            self._sale_rates[op_id] = tax_rate
            self._lot_rates[(account, lot_id)] = tax_rate
        book_value = self._take_book_value(disposals, currency)
        position_cash = _position_cash(account, give.symbol)
        entries = self._entries(op_id, ts)
        entries.add(
            "fund",
            f"fund {give.symbol} with the swap fee {cash_fee}",
            _cash(_cash_account(account, currency.code), currency, -cash_fee.amount),
            _cash(position_cash, currency, cash_fee.amount),
        )
        entries.add(
            "swap",
            f"swap {give_quantity.amount} {give.symbol} for {get_quantity.amount} {get.symbol} at {fair_value}",
            Posting(
                _units_account(account, give.symbol), give.symbol, -give_quantity.amount, -book_value, currency.code
            ),
            Posting(_units_account(account, get.symbol), get.symbol, get_quantity.amount, basis.amount, currency.code),
            _cash(_realized_account(account, give.symbol), currency, book_value - fair_value.amount),
            _cash(position_cash, currency, -cash_fee.amount),
            _cash(_fees_account(account, give.symbol), currency, fee.amount),
        )
        self._remember(get)
        self._book_lots[(account, lot_id)] = _BookLot(get.symbol, get_quantity.amount, basis.amount)
        self._op_lots[op_id] = ((lot_id,), tuple((d.lot_id, d.quantity) for d in disposals))
        self._move_cash(account, currency, -cash_fee.amount)
        self._hold(account, give.symbol, -give_quantity.amount, -sum((d.cost_basis for d in disposals), _ZERO))
        self._hold(account, get.symbol, get_quantity.amount, basis.amount)
        self._costs.append(CostEntry(op_id, ts, account, give.symbol, "swap", give_quantity.amount, fair_value, fee))
        decision = DecisionEntry(op_id, ts, "swap", account, give.symbol, reason, game)
        self._commit(op_id, ts, entries, decision, self._new_tax_entries(currency, op_id, ts))
        return op_id

    def book_running_cost(
        self, account: str, cost: RunningCost, ts: datetime, reason: str = "", *, on_credit: bool = False
    ) -> str:
        """Charge one occurrence of ``cost`` to the account's cash; ``ts`` must fall on a due date.

        Cash may not go negative: a charge the cash cannot pay is refused, like a buy, unless
        ``on_credit``: then the whole charge is owed (``Liabilities:Payable:{acct}:{CCY}``) and
        ``pay_payable`` settles it when cash arrives. The expense is the same either way.
        """
        op_id, ts = self._begin(ts, reason)
        self._account(account)
        if not isinstance(cost, RunningCost):
            raise InvalidInputError(f"{type(cost).__name__} is not a RunningCost")
        currency = cost.amount.currency
        self._check_currency(currency)
        if not cost.falls_on(ts.date()):
            raise InvalidInputError(f"running cost {cost.name} is not due on {ts.date()}")
        held = self._cash.get((account, currency.code), _ZERO)
        credit = on_credit and cost.amount.amount > held
        if not credit:
            self._check_cash(account, cost.amount, f"running cost {cost.name}")
        source = _payable_account(account, currency.code) if credit else _cash_account(account, currency.code)
        entries = self._entries(op_id, ts)
        entries.add(
            "running-cost",
            f"{cost.name} {cost.amount} due {ts.date()}" + (" on credit" if credit else ""),
            _cash(source, currency, -cost.amount.amount),
            _cash(_running_cost_account(cost.name), currency, cost.amount.amount),
        )
        if credit:
            key = (account, currency.code)
            self._payables[key] = self._payables.get(key, _ZERO) + cost.amount.amount
        else:
            self._move_cash(account, currency, -cost.amount.amount)
        action = "running-cost-on-credit" if credit else "running-cost"
        self._commit(op_id, ts, entries, DecisionEntry(op_id, ts, action, account, cost.name, reason))
        return op_id

    def pay_payable(self, account: str, currency: Currency, ts: datetime, reason: str = "") -> str | None:
        """Pay what ``account`` owes in ``currency`` out of its cash, as far as the cash goes.

        Returns the op id, or None (and books nothing) when nothing is owed or there is no cash.
        """
        op_id, ts = self._begin(ts, reason)
        self._account(account)
        self._check_currency(currency)
        key = (account, currency.code)
        amount = min(self._payables.get(key, _ZERO), self._cash.get(key, _ZERO))
        if amount <= 0:
            return None
        entries = self._entries(op_id, ts)
        entries.add(
            "pay-debt",
            f"pay {amount} {currency.code} owed by {account}",
            _cash(_cash_account(account, currency.code), currency, -amount),
            _cash(_payable_account(account, currency.code), currency, amount),
        )
        self._move_cash(account, currency, -amount)
        self._payables[key] -= amount
        self._commit(op_id, ts, entries, DecisionEntry(op_id, ts, "pay-debt", account, currency.code, reason))
        return op_id

    def book_running_costs(
        self,
        account: str,
        cost: RunningCost,
        start: date,
        end: date,
        *,
        at: time = time(0, tzinfo=UTC),
        reason: str = "",
    ) -> tuple[str, ...]:
        """Charge every occurrence of ``cost`` in ``[start, end]`` at ``at`` (UTC) on its day.

        All or nothing: refused as a whole when the cash cannot pay them all or the first one
        is before the last operation.
        """
        if not isinstance(at, time) or at.utcoffset() != timedelta(0):
            raise InvalidInputError(f"running cost time {at!r} must be a UTC time of day")
        if not isinstance(cost, RunningCost):
            raise InvalidInputError(f"{type(cost).__name__} is not a RunningCost")
        self._account(account)
        due = [datetime.combine(day, at) for day in cost.occurrences(start, end)]
        if not due:
            return ()
        if self._last_ts is not None and due[0] < self._last_ts:
            raise InvalidInputError(f"{cost.name} due {due[0].isoformat()} is before the last operation")
        self._check_currency(cost.amount.currency)
        self._check_cash(account, cost.amount * len(due), f"{len(due)} charges of {cost.name}")
        return tuple(self.book_running_cost(account, cost, ts, reason) for ts in due)

    def record_tax(self, year: int, profile: TaxProfile, ts: datetime, reason: str = "") -> TaxEntry | None:
        """Put the tax due for ``year`` on the tax ledger and in ``Liabilities:Tax:{year}``.

        Tax due is ``estimate_tax`` on the year's capital gains (with carryovers from earlier
        years) plus the year's dividends at the short-term (ordinary) rate. Only the change from
        what is already recorded for the year is appended, so calling again after a late wash
        adjustment books the difference; returns None (and books nothing) when there is none.
        """
        op_id, ts = self._begin(ts, reason)
        if isinstance(year, bool) or not isinstance(year, int):
            raise InvalidInputError(f"tax year must be an int, got {year!r}")
        if not isinstance(profile, TaxProfile):
            raise InvalidInputError(f"{type(profile).__name__} is not a TaxProfile")
        currency = profile.currency
        self._check_currency(currency)
        gains: list[tuple[int, Term | None, Decimal]] = []
        dividends = recorded = _ZERO
        for line in self._tax:
            if line.amount.currency.code != currency.code:
                raise InvalidInputError(
                    f"tax for {year}: the tax ledger line of {line.op_id} is in {line.amount.currency.code}, "
                    f"not the tax currency {currency.code} (give the books a tax currency and FX rates)"
                )
            if line.kind in (TaxKind.DISPOSAL, TaxKind.WASH_ADJUSTMENT) and line.year <= year:
                gains.append((line.year, line.term, line.amount.amount))
            elif line.kind is TaxKind.DIVIDEND and line.year == year:
                dividends += line.amount.amount
            elif line.kind is TaxKind.TAX_DUE and line.year == year:
                recorded += line.amount.amount
        year_tax = tax_of_year(gains_by_year(gains), year, profile)
        capital_tax = year_tax.tax_due if year_tax is not None else _ZERO
        due = capital_tax + currency.round(dividends * profile.rates_for(year).short_term)
        change = due - recorded
        if not change:
            return None
        entries = self._entries(op_id, ts)
        entries.add(
            "tax",
            f"tax due for {year}: {due} {currency.code}",
            _cash(TAX_EXPENSE, currency, change),
            _cash(_tax_liability(year), currency, -change),
        )
        tax = TaxEntry(op_id, ts, TaxKind.TAX_DUE, year, Money(change, currency), detail=year_tax)
        self._currencies[currency.code] = currency
        self._commit(op_id, ts, entries, DecisionEntry(op_id, ts, "record-tax", None, str(year), reason), [tax])
        return tax

    # -- validation (changes nothing) ------------------------------------------------------

    def _begin(self, ts: datetime, reason: str) -> tuple[str, datetime]:
        """The op id the next operation will get, and its timestamp checked and in UTC."""
        ts = require_utc(ts)
        if self._last_ts is not None and ts < self._last_ts:
            raise InvalidInputError(f"{ts.isoformat()} is before the last operation at {self._last_ts.isoformat()}")
        if not isinstance(reason, str):
            raise InvalidInputError(f"reason must be a str, not {type(reason).__name__}")
        return f"op-{self._ops + 1:06d}", ts

    def _account(self, account: str) -> Account:
        found = self._accounts.get(account)
        if found is None:
            raise InvalidInputError(f"unknown account {account!r}; the books hold {', '.join(self._accounts)}")
        return found

    def _check_currency(self, currency: Currency) -> None:
        if not isinstance(currency, Currency):
            raise InvalidInputError(f"{type(currency).__name__} is not a Currency")
        known = self._currencies.get(currency.code)
        if known is not None and known != currency:
            raise CurrencyMismatchError(
                f"currency {currency.code} with {currency.minor_units} minor units, "
                f"but the books use {known.minor_units}"
            )

    def _check_instrument(self, instrument: Instrument) -> None:
        if not isinstance(instrument, Instrument):
            raise InvalidInputError(f"{type(instrument).__name__} is not an Instrument")
        symbol = instrument.symbol
        if ":" in symbol or symbol == "Cash":
            raise InvalidInputError(f"symbol {symbol!r} cannot name an account (no ':' and not 'Cash')")
        known = self._instruments.get(symbol)
        if known is not None and known != instrument:
            raise InvalidInputError(f"{symbol} is already booked as {known}, not {instrument}")
        self._check_currency(instrument.quote_currency)

    def _check_money(self, money: Money, currency: Currency, what: str, *, positive: bool) -> None:
        if not isinstance(money, Money):
            raise InvalidInputError(f"{what} must be Money, not {type(money).__name__}")
        if money.currency != currency:
            raise CurrencyMismatchError(f"{what} is in {money.currency.code}, expected {currency.code}")
        if money.amount != currency.round(money.amount):
            raise InvalidAmountError(f"{what} {money} has more decimals than {currency.code} allows")
        if money.amount < 0 or (positive and money.amount == 0):
            raise InvalidAmountError(f"{what} {money} must be {'positive' if positive else 'zero or more'}")

    def _check_trade(self, instrument: Instrument, quantity: Quantity, price: Price, fee: Money) -> Currency:
        self._check_instrument(instrument)
        currency = instrument.quote_currency
        if not isinstance(quantity, Quantity):
            raise InvalidInputError(f"{instrument.symbol}: quantity must be a Quantity")
        if not isinstance(price, Price):
            raise InvalidInputError(f"{instrument.symbol}: price must be a Price")
        instrument.check_quantity(quantity)
        if price.currency != currency:
            raise CurrencyMismatchError(f"{instrument.symbol} is quoted in {currency.code}, not {price.currency.code}")
        instrument.check_price(price.amount)
        self._check_money(fee, currency, "fee", positive=False)
        return currency

    @staticmethod
    def _check_gross(gross: Money, instrument: Instrument) -> None:
        if not gross.amount:
            raise TooSmallError(f"{instrument.symbol}: a trade worth less than one minor unit cannot be booked")

    def _check_lot_id(self, account: str, lot_id: str) -> str:
        if not isinstance(lot_id, str) or not lot_id or any(ch.isspace() for ch in lot_id):
            raise InvalidInputError(f"lot id {lot_id!r} must be a non-empty name without spaces")
        if (account, lot_id) in self._book_lots:
            raise InvalidInputError(f"lot id {lot_id!r} is already used in account {account}")
        return lot_id

    def _check_cash(self, account: str, amount: Money, what: str) -> None:
        held = self._cash.get((account, amount.currency.code), _ZERO)
        if amount.amount > held:
            raise InsufficientFundsError(
                f"{what} needs {amount} but account {account} holds {held} {amount.currency.code}"
            )

    @staticmethod
    def _unit_price(value: Money, quantity: Quantity, symbol: str) -> Decimal:
        price = value.amount / quantity.amount
        if value.currency.round(price * quantity.amount) != value.amount:
            raise InvalidAmountError(f"{symbol}: {value} over {quantity.amount} units has no exact unit price")
        return price

    # -- booking (after validation) --------------------------------------------------------

    def _entries(self, op_id: str, ts: datetime) -> _EntryDrafts:
        return _EntryDrafts(op_id, ts, self._journal.next_seq)

    def _held_in(self, account: str, instrument: Instrument, quantity: Quantity) -> LotBook:
        """The lot book to sell ``instrument`` from (it checks the quantity held itself)."""
        book = self._lot_books.get(instrument.quote_currency.code)
        if book is None or instrument.symbol not in self._instruments:
            raise InsufficientHoldingsError(f"selling {quantity.amount} {instrument.symbol} but {account} holds 0")
        return book

    def _remember(self, instrument: Instrument) -> None:
        self._instruments[instrument.symbol] = instrument
        self._currencies[instrument.quote_currency.code] = instrument.quote_currency

    def _lot_book(self, currency: Currency) -> LotBook:
        book = self._lot_books.get(currency.code)
        if book is None:
            methods = {name: account.lot_method for name, account in self._accounts.items()}
            book = LotBook(currency, LotMethod.FIFO, wash_sales=self._wash_sales, methods=methods)
            self._lot_books[currency.code] = book
        return book

    def _take_book_value(self, disposals: Sequence[Disposal], currency: Currency) -> Decimal:
        """Remove the disposed units' pro-rata book value from their lots; return the total."""
        total = _ZERO
        for disposal in disposals:
            lot = self._book_lots.get((disposal.account, disposal.lot_id))
            if lot is None or lot.quantity < disposal.quantity:
                raise InvariantError(f"lot {disposal.lot_id} in {disposal.account} does not hold {disposal.quantity}")
            part = share(lot.book_value, disposal.quantity, lot.quantity, currency.quantum)
            lot.quantity -= disposal.quantity
            lot.book_value -= part
            total += part
        return total

    def _new_tax_entries(self, currency: Currency, op_id: str, ts: datetime) -> list[TaxEntry]:
        """Tax-ledger lines for the lot book's new disposals and for the ones a wash sale changed."""
        book = self._lot_books[currency.code]
        seen = self._seen_disposals.setdefault(currency.code, [])
        sale_ops = self._disposal_ops.setdefault(currency.code, [])
        changed: list[TaxEntry] = []
        # A later purchase can only wash a loss sold within the wash window before it (lots.py),
        # so only the tail of the list can have changed; disposals are in date order.
        window_start = ts.date() - WASH_WINDOW
        index = len(seen) - 1
        while index >= 0 and seen[index].date_sold >= window_start:
            before, after = seen[index], book.disposal_at(index)
            if after != before:
                change = self._taxable_gain(after, currency) - self._taxable_gain(before, currency)
                changed.append(
                    TaxEntry(
                        op_id,
                        ts,
                        TaxKind.WASH_ADJUSTMENT,
                        after.date_sold.year,
                        change,
                        after.account,
                        after.symbol,
                        after.term,
                        after,
                        linked_op_id=sale_ops[index],
                    )
                )
                seen[index] = after
            index -= 1
        changed.reverse()
        added = book.disposals_since(len(seen))
        seen.extend(added)
        sale_ops.extend(op_id for _ in added)
        new = [
            TaxEntry(
                op_id,
                ts,
                TaxKind.DISPOSAL,
                d.date_sold.year,
                self._taxable_gain(d, currency),
                d.account,
                d.symbol,
                d.term,
                d,
            )
            for d in added
        ]
        return changed + new

    def _tax_rate(self, currency: Currency, ts: datetime, what: str) -> Decimal | None:
        """Tax-currency units per unit of ``currency`` known at ``ts``; None when no conversion is
        needed. Raises (before anything changes) when a conversion is needed and no rate is known."""
        tax = self._tax_currency
        if tax is None or tax.code == currency.code:
            return None
        rate = self._fx(currency.code, tax.code, ts) if self._fx is not None else None
        if rate is None or not rate.is_finite() or rate <= 0:
            raise InvalidInputError(
                f"{what}: no {currency.code} to {tax.code} rate known at {ts.isoformat()}, "
                f"so its tax line cannot be converted into the tax currency"
            )
        return rate

    def _in_tax_currency(self, amount: Money, ts: datetime, what: str) -> Money:
        rate = self._tax_rate(amount.currency, ts, what)
        if rate is None:
            return amount
        assert self._tax_currency is not None
        return Money(self._tax_currency.round(amount.amount * rate), self._tax_currency)

    def _taxable_gain(self, disposal: Disposal, currency: Currency) -> Money:
        """A disposal's gain in the tax currency: proceeds and adjustment at the sale's rate, basis
        at the lot's rate at purchase (see the module docstring)."""
        tax = self._tax_currency
        if tax is None or tax.code == currency.code:
            return Money(disposal.gain, currency)
        sold = self._sale_rates[disposal.sale_id]
        bought = self._lot_rates.get((disposal.account, disposal.lot_id))
        if bought is None:
            raise InvariantError(f"lot {disposal.lot_id} in {disposal.account} has no rate from its purchase")
        proceeds = tax.round(disposal.proceeds * sold) + tax.round(disposal.adjustment_amount * sold)
        return Money(proceeds - tax.round(disposal.cost_basis * bought), tax)

    def _book_sale(
        self,
        op_id: str,
        ts: datetime,
        kind: str,
        account: str,
        instrument: Instrument,
        quantity: Quantity,
        price: Price,
        fee: Money,
        book: LotBook,
        reason: str,
        game: str | None,
        lots: Sequence[tuple[str, Decimal]] | None = None,
    ) -> None:
        """Book a validated sale: the lot book first (it refuses a sale beyond what is held and
        changes nothing then), then the journal, the cost, decision and tax ledgers."""
        symbol = instrument.symbol
        currency = instrument.quote_currency
        gross = price.total(quantity)
        tax_rate = self._tax_rate(currency, ts, f"the sale of {symbol}")
        disposals = book.sell(
            account=account,
            symbol=symbol,
            quantity=quantity.amount,
            price=price.amount,
            fee=fee.amount,
            on=ts.date(),
            asset_class=instrument.asset_class,
            lots=lots,
            game=game,
            sale_id=op_id,
        )
        # The lot book has moved: from here on a failure is a broken invariant, not bad input.
        if tax_rate is not None:
            self._sale_rates[op_id] = tax_rate
        book_value = self._take_book_value(disposals, currency)
        self._op_lots[op_id] = ((), tuple((d.lot_id, d.quantity) for d in disposals))
        net = gross.amount - fee.amount
        position_cash = _position_cash(account, symbol)
        entries = self._entries(op_id, ts)
        entries.add(
            "sell",
            f"sell {quantity.amount} {symbol} @ {price.amount} fee {fee.amount}",
            Posting(_units_account(account, symbol), symbol, -quantity.amount, -book_value, currency.code),
            _cash(position_cash, currency, net),
            _cash(_fees_account(account, symbol), currency, fee.amount),
            _cash(_realized_account(account, symbol), currency, book_value - gross.amount),
        )
        entries.add(
            "sweep",
            f"sweep {symbol} proceeds to {account} cash",
            _cash(position_cash, currency, -net),
            _cash(_cash_account(account, currency.code), currency, net),
        )
        self._move_cash(account, currency, net)
        self._hold(account, symbol, -quantity.amount, -sum((d.cost_basis for d in disposals), _ZERO))
        if any(d.adjustment_amount for d in disposals):
            self._recount_held_cost(currency, symbol)  # the washed loss went into lots still held
        self._costs.append(CostEntry(op_id, ts, account, symbol, "sell", quantity.amount, gross, fee))
        decision = DecisionEntry(op_id, ts, kind, account, symbol, reason, game)
        self._commit(op_id, ts, entries, decision, self._new_tax_entries(currency, op_id, ts))

    def _hold(self, account: str, symbol: str, units: Decimal, cost: Decimal) -> None:
        """Add ``units`` and tax basis ``cost`` (both negative for a sale) to ``account``'s ``symbol``."""
        key = (account, symbol)
        after = self._held.get(key, _ZERO) + units
        if after:
            self._held[key] = after
            self._held_cost[key] = self._held_cost.get(key, _ZERO) + cost
        else:  # every lot is gone, and with it all of their basis
            del self._held[key]
            self._held_cost.pop(key, None)

    def _recount_held_cost(self, currency: Currency, symbol: str) -> None:
        """Take the basis of ``symbol`` per account from the lot book again (a wash sale moved a
        disallowed loss into replacement lots, which may sit in any account; units do not change)."""
        costs: dict[str, Decimal] = {}
        for lot in self._lot_books[currency.code].open_lots(None, symbol):
            costs[lot.account] = costs.get(lot.account, _ZERO) + lot.cost_basis
        for account, cost in costs.items():
            self._held_cost[(account, symbol)] = cost

    def _move_cash(self, account: str, currency: Currency, amount: Decimal) -> None:
        key = (account, currency.code)
        self._cash[key] = self._cash.get(key, _ZERO) + amount
        if self._cash[key] < 0:
            raise InvariantError(f"cash of {account} in {currency.code} would go negative")

    def _commit(
        self,
        op_id: str,
        ts: datetime,
        entries: _EntryDrafts,
        decision: DecisionEntry,
        taxes: Sequence[TaxEntry] = (),
    ) -> None:
        self._journal.extend(entries.entries)
        self._tax.extend(taxes)
        self._decisions.append(decision)
        self._ops += 1
        self._last_ts = ts

    def _ledger(self, account: str) -> tuple[LedgerLine, ...]:
        lines: list[LedgerLine] = []
        units: dict[str, Decimal] = {}
        values: dict[str, Decimal] = {}
        for entry, posting in self._journal.postings_for(account):
            units[posting.commodity] = units.get(posting.commodity, _ZERO) + posting.units
            balance_value = None
            if posting.value is not None:
                values[posting.commodity] = values.get(posting.commodity, _ZERO) + posting.value
                balance_value = values[posting.commodity]
            lines.append(
                LedgerLine(
                    entry.op_id,
                    entry.seq,
                    entry.timestamp,
                    entry.kind,
                    entry.narration,
                    account,
                    posting.commodity,
                    posting.units,
                    posting.value,
                    units[posting.commodity],
                    balance_value,
                )
            )
        return tuple(lines)
