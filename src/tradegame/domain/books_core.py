"""The state every part of ``Books`` shares, the checks an operation makes before it changes
anything, and the steps every booking ends with.

``BooksCore`` holds the accounts, the journal, cash, payables, the lot books and the book side of
each lot, the ledgers (as ``RecordLog``s), the held units per (account, asset), the
accounts each position posts to and the op counter. Its ``_check_*`` methods change nothing (an
operation validates in full first); ``_move_cash``, ``_hold`` and ``_commit`` are the last steps of
a booking. The operations themselves live in the parts that subclass it (see ``positions``).
Standard library and ``tradegame.domain`` only.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from decimal import Decimal

from tradegame.domain.books_chart import BookLot, EntryDrafts, PositionAccounts
from tradegame.domain.books_records import (
    CostEntry,
    CostRow,
    DecisionEntry,
    DecisionRow,
    FxSource,
    RecordLog,
    TaxEntry,
    TaxRow,
    cost_entry,
    tax_entry,
)
from tradegame.domain.errors import (
    CurrencyMismatchError,
    InsufficientFundsError,
    InsufficientHoldingsError,
    InvalidAmountError,
    InvalidInputError,
    InvariantError,
    TooSmallError,
)
from tradegame.domain.instruments import Account, Instrument, LotMethod
from tradegame.domain.journal import Journal
from tradegame.domain.lots import LotBook
from tradegame.domain.money import ROUNDING, Currency, Money, Price, Quantity
from tradegame.domain.postings import FlatDraft, check_account, require_utc

__all__ = ["BooksCore"]

_ZERO = Decimal(0)
_OP_ID = "op-%06d"  # an operation's id by its number (%-formatting: twice as fast as an f-string's spec)


class BooksCore:
    """The shared state, checks and last booking steps of ``Books`` (see the module docstring)."""

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
        self._book_lots: dict[tuple[str, str], BookLot] = {}
        # (account, symbol) -> units of its open lots, kept in step by every booking (their basis is
        # read from the lot book's pieces: ``held_cost``)
        self._held: dict[tuple[str, str], Decimal] = {}
        # op id -> the lot it opened (a buy), or for a sale where its lots are in ``_sold_lots``: there
        # the lot opened or None, how many lots it took, and each lot's id and units, one after the
        # other (``lots_of`` reads them). Flat: no object per sale for the garbage collector to walk.
        self._op_lots: dict[str, str | int] = {}
        self._sold_lots: list[str | int | Decimal | None] = []
        # (account, symbol) -> the accounts its trades post to
        self._position_accounts: dict[tuple[str, str], PositionAccounts] = {}
        self._tax: RecordLog[TaxRow, TaxEntry] = RecordLog(tax_entry)
        self._costs: RecordLog[CostRow, CostEntry] = RecordLog(cost_entry, width=9)  # (``CostRow``)
        self._decisions: RecordLog[DecisionRow, DecisionEntry] = RecordLog(DecisionEntry, width=7)  # (``DecisionRow``)
        self._ops = 0
        self._last_ts: datetime | None = None

    # -- validation (changes nothing) ------------------------------------------------------

    def _begin(self, ts: datetime, reason: str) -> tuple[str, datetime]:
        """The op id the next operation will get, and its timestamp checked and in UTC."""
        ts = require_utc(ts)
        if self._last_ts is not None and ts < self._last_ts:
            raise InvalidInputError(f"{ts.isoformat()} is before the last operation at {self._last_ts.isoformat()}")
        if not isinstance(reason, str):
            raise InvalidInputError(f"reason must be a str, not {type(reason).__name__}")
        return self._next_op_id(), ts

    def _next_op_id(self) -> str:
        """The op id the next operation will get (operations are numbered in turn)."""
        return _OP_ID % (self._ops + 1)

    def _account(self, account: str) -> Account:
        found = self._accounts.get(account)
        if found is None:
            raise InvalidInputError(f"unknown account {account!r}; the books hold {', '.join(self._accounts)}")
        return found

    def _check_currency(self, currency: Currency) -> None:
        if not isinstance(currency, Currency):
            raise InvalidInputError(f"{type(currency).__name__} is not a Currency")
        known = self._currencies.get(currency.code)
        if known is not None and known is not currency and known != currency:
            raise CurrencyMismatchError(
                f"currency {currency.code} with {currency.minor_units} minor units, "
                f"but the books use {known.minor_units}"
            )

    def _check_instrument(self, instrument: Instrument) -> None:
        if type(instrument) is Instrument and self._instruments.get(instrument.symbol) is instrument:
            return  # booked before, so checked before (with its currency)
        if not isinstance(instrument, Instrument):
            raise InvalidInputError(f"{type(instrument).__name__} is not an Instrument")
        symbol = instrument.symbol
        if ":" in symbol or symbol == "Cash":
            raise InvalidInputError(f"symbol {symbol!r} cannot name an account (no ':' and not 'Cash')")
        known = self._instruments.get(symbol)
        if known is not None and known is not instrument and known != instrument:
            raise InvalidInputError(f"{symbol} is already booked as {known}, not {instrument}")
        self._check_currency(instrument.quote_currency)

    def _check_money(self, money: Money, currency: Currency, what: str, *, positive: bool) -> None:
        if not isinstance(money, Money):
            raise InvalidInputError(f"{what} must be Money, not {type(money).__name__}")
        if money.currency is not currency and money.currency != currency:
            raise CurrencyMismatchError(f"{what} is in {money.currency.code}, expected {currency.code}")
        if money.amount != currency.round(money.amount):
            raise InvalidAmountError(f"{what} {money} has more decimals than {currency.code} allows")
        if money.amount < 0 or (positive and money.amount == 0):
            raise InvalidAmountError(f"{what} {money} must be {'positive' if positive else 'zero or more'}")

    def _check_wrapped(self, instrument: Instrument, quantity: Quantity, price: Price, fee: Money) -> None:
        """What a trade given as ``Quantity``, ``Price`` and ``Money`` is checked for before its plain
        amounts are (``_begin_trade``): their types and currencies (changes nothing)."""
        self._check_instrument(instrument)
        currency = instrument.quote_currency
        if not isinstance(quantity, Quantity):
            raise InvalidInputError(f"{instrument.symbol}: quantity must be a Quantity")
        if not isinstance(price, Price):
            raise InvalidInputError(f"{instrument.symbol}: price must be a Price")
        if price.currency is not currency and price.currency != currency:
            raise CurrencyMismatchError(f"{instrument.symbol} is quoted in {currency.code}, not {price.currency.code}")
        self._check_money(fee, currency, "fee", positive=False)

    def _begin_trade(
        self, account: str, instrument: Instrument, quantity: Decimal, price: Decimal, fee: Decimal, ts: datetime,
        reason: str,
    ) -> tuple[str, datetime, Decimal, Decimal, Decimal, Decimal]:  # fmt: skip
        """What a trade given as plain amounts is checked for first, in this order (changes nothing):
        ``_begin``, the account known, the instrument (``_check_instrument``), the quantity and price
        positive and on the instrument's lot and tick grids, the fee zero or more in whole minor units
        of its quote currency, and the gross value (price times quantity to the minor unit) not zero.
        Returns the op id, the time in UTC, the amounts as ``Decimal``s (an int or str converted) and
        the gross value."""
        last = self._last_ts
        try:  # the common case, checked inline: every rule below holds (no conversion)
            if (
                type(ts) is datetime
                and ts.tzinfo is UTC
                and not ts.fold
                and (last is None or ts >= last)
                and type(reason) is str
                and account in self._accounts
                and type(instrument) is Instrument
                and self._instruments.get(instrument.symbol) is instrument
                and type(quantity) is Decimal
                and type(price) is Decimal
                and type(fee) is Decimal
                and quantity > _ZERO
                and price > _ZERO
                and fee >= _ZERO
                and (instrument.fractional or not quantity % instrument.lot_size)
                and not price % instrument.tick_size
            ):
                quantum = instrument.quote_currency.quantum
                gross = (price * quantity).quantize(quantum, ROUNDING)  # ``Price.total``
                if gross and (fee.same_quantum(quantum) or fee == fee.quantize(quantum)):
                    return self._next_op_id(), ts, quantity, price, fee, gross
        except ArithmeticError:  # a NaN or an infinity (refused below)
            pass
        # the full checks, with the message of the first rule broken
        op_id, ts = self._begin(ts, reason)
        self._account(account)
        self._check_instrument(instrument)
        currency = instrument.quote_currency
        units, unit_price, fee_money = Quantity(quantity), Price(price, currency), Money(fee, currency)
        instrument.check_quantity(units)
        instrument.check_price(unit_price.amount)
        self._check_money(fee_money, currency, "fee", positive=False)
        gross = unit_price.total(units).amount
        self._check_gross(gross, instrument)
        return op_id, ts, units.amount, unit_price.amount, fee_money.amount, gross

    @staticmethod
    def _check_gross(gross: Decimal, instrument: Instrument) -> None:
        if not gross:
            raise TooSmallError(f"{instrument.symbol}: a trade worth less than one minor unit cannot be booked")

    def _check_lot_id(self, account: str, lot_id: str) -> str:
        if not isinstance(lot_id, str) or not lot_id or lot_id.split() != [lot_id]:  # split: at whitespace
            raise InvalidInputError(f"lot id {lot_id!r} must be a non-empty name without spaces")
        return self._unused_lot_id(account, lot_id)

    def _unused_lot_id(self, account: str, lot_id: str) -> str:
        """``lot_id`` unless a lot of ``account`` has it already; for a name known to be valid (an op id)."""
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

    def _entries(self, op_id: str) -> EntryDrafts:
        return EntryDrafts(op_id)

    def _accounts_of(self, account: str, instrument: Instrument) -> PositionAccounts:
        """The accounts a trade of ``instrument`` in ``account`` posts to; checked when first named,
        so that a symbol no account may be named after is refused before anything changes."""
        key = (account, instrument.symbol)
        found = self._position_accounts.get(key)
        if found is None:
            found = PositionAccounts.of(account, instrument.symbol, instrument.quote_currency.code)
            for name in (found.units, found.cash, found.fees, found.realized, found.account_cash):
                check_account(name)
            self._position_accounts[key] = found
        return found

    def _held_in(self, account: str, instrument: Instrument, quantity: Decimal) -> LotBook:
        """The lot book to sell ``instrument`` from (it checks the quantity held itself)."""
        book = self._lot_books.get(instrument.quote_currency.code)
        if book is None or instrument.symbol not in self._instruments:
            raise InsufficientHoldingsError(f"selling {quantity} {instrument.symbol} but {account} holds 0")
        return book

    def _remember(self, instrument: Instrument) -> None:
        if self._instruments.get(instrument.symbol) is instrument:
            return
        self._instruments[instrument.symbol] = instrument
        self._currencies[instrument.quote_currency.code] = instrument.quote_currency

    def _lot_book(self, currency: Currency) -> LotBook:
        book = self._lot_books.get(currency.code)
        if book is None:
            methods = {name: account.lot_method for name, account in self._accounts.items()}
            book = LotBook(currency, LotMethod.FIFO, wash_sales=self._wash_sales, methods=methods)
            self._lot_books[currency.code] = book
        return book

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

    def _hold(self, key: tuple[str, str], units: Decimal) -> None:
        """Add ``units`` (negative for a sale) to what an account holds of a symbol (``key``: both)."""
        after = self._held.get(key, _ZERO) + units
        if after:
            self._held[key] = after
        else:  # every lot is gone
            del self._held[key]

    def _move_cash(self, account: str, currency: Currency, amount: Decimal) -> None:
        self._add_cash((account, currency.code), amount)

    def _add_cash(self, key: tuple[str, str], amount: Decimal) -> None:
        """``_move_cash`` for a caller that holds the key: (account, currency code)."""
        after = self._cash[key] = self._cash.get(key, _ZERO) + amount
        if after < 0:
            raise InvariantError(f"cash of {key[0]} in {key[1]} would go negative")

    def _commit(
        self,
        op_id: str,
        ts: datetime,
        drafts: Sequence[FlatDraft],
        action: str,
        account: str | None,
        subject: str | None,
        reason: str,
        game: str | None = None,
    ) -> None:
        """Append the operation's entries (``EntryDrafts.drafts``) to the journal and close it (``_close``)."""
        self._journal.append_rows(op_id, ts, drafts)
        self._close(op_id, ts, action, account, subject, reason, game)

    def _close(
        self, op_id: str, ts: datetime, action: str, account: str | None, subject: str | None, reason: str,
        game: str | None,
    ) -> None:  # fmt: skip
        """The last step of every operation, once its entries are in the journal: its line in the
        decision log, and it is counted (the next op id and the earliest time of the next operation)."""
        self._decisions.append((op_id, ts, action, account, subject, reason, game))
        self._ops += 1
        self._last_ts = ts
