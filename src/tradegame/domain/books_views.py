"""The read side of ``Books``: queries, the live state, positions, running costs and ledgers.

Nothing here changes the books. ``held`` and ``holdings`` are O(1) lookups the booking code
keeps in step, ``held_cost`` a sum over the lot book's pieces of one position; ``position`` and
``running_cost`` gather an account's journal lines with their running balances and the other
ledgers' lines by op id. Standard library and ``tradegame.domain`` only.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from decimal import Decimal
from types import MappingProxyType
from typing import cast

from tradegame.domain.books_chart import (
    dividends_account,
    fees_account,
    position_cash_account,
    position_units_account,
    realized_account,
    running_cost_account,
)
from tradegame.domain.books_core import BooksCore
from tradegame.domain.books_records import (
    BooksState,
    CostEntry,
    DecisionEntry,
    LedgerLine,
    Position,
    RunningCostView,
    TaxEntry,
    TaxKind,
    nonzero,
)
from tradegame.domain.errors import InvalidInputError
from tradegame.domain.instruments import Account
from tradegame.domain.lots import Disposal, OpenLot
from tradegame.domain.money import Currency, Money
from tradegame.domain.postings import JournalEntry

__all__ = ["BooksViews"]

_ZERO = Decimal(0)


class BooksViews(BooksCore):
    """The queries of ``Books`` (see the module docstring)."""

    @property
    def accounts(self) -> tuple[Account, ...]:
        return tuple(self._accounts.values())

    @property
    def entries(self) -> tuple[JournalEntry, ...]:
        """The journal, in order."""
        return self._journal.entries

    def entries_for(self, op_id: str) -> tuple[JournalEntry, ...]:
        return self._journal.entries_for(op_id)

    def entries_unless(self, skipped: Collection[str]) -> tuple[JournalEntry | str, ...]:
        """The journal, an entry of an op id in ``skipped`` as that op id (see ``Journal.entries_unless``)."""
        return self._journal.entries_unless(skipped)

    def journal_accounts(self) -> tuple[str, ...]:
        """Every account the journal has posted to, sorted."""
        return self._journal.accounts()

    def unit_moves(self, account: str) -> tuple[tuple[datetime, str, Decimal], ...]:
        """The time, commodity and units of each posting to exactly ``account`` (see ``Journal.unit_moves``)."""
        return self._journal.unit_moves(account)

    def balance(self, account_prefix: str = "") -> dict[str, Decimal]:
        """Journal units per commodity under ``account_prefix`` (see ``Journal.balance``)."""
        return self._journal.balance(account_prefix)

    def book_value(self, account_prefix: str = "") -> dict[str, Decimal]:
        """Journal book value per currency under ``account_prefix`` (see ``Journal.book_value``)."""
        return self._journal.book_value(account_prefix)

    @property
    def tax_ledger(self) -> tuple[TaxEntry, ...]:
        return self._tax.records

    @property
    def cost_ledger(self) -> tuple[CostEntry, ...]:
        return self._costs.records

    @property
    def decision_log(self) -> tuple[DecisionEntry, ...]:
        return self._decisions.records

    def fees_paid(self) -> tuple[list[Decimal], list[Currency], list[datetime]]:
        """The cost ledger's fees, in order, as three columns: each line's fee amount, its currency
        and the line's time (``cost_ledger``'s, without building a record or a tuple per line)."""
        costs = self._costs
        return (
            cast("list[Decimal]", costs.column(7)),
            cast("list[Currency]", costs.column(8)),
            cast("list[datetime]", costs.column(1)),
        )

    def taxes_due(self) -> list[tuple[Money, datetime]]:
        """Each ``TAX_DUE`` line of the tax ledger: its amount and time, in order (without building records)."""
        due = TaxKind.TAX_DUE
        out: list[tuple[Money, datetime]] = []
        for line in self._tax.lines_where(2, due):
            if isinstance(line, TaxEntry):
                if line.kind is due:
                    out.append((line.amount, line.timestamp))
            else:
                out.append((cast(Money, line[4]), line[1]))
        return out

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
        return nonzero(self._cash)

    def payables(self) -> dict[tuple[str, str], Decimal]:
        """What each account still owes per currency (running costs charged on credit), zeros left out."""
        return nonzero(self._payables)

    def disposals(self) -> tuple[Disposal, ...]:
        """Every disposal of the lot books as it stands now (wash adjustments applied)."""
        return tuple(d for book in self._lot_books.values() for d in book.disposals)

    def lots_of(self, op_id: str) -> tuple[tuple[str, ...], tuple[tuple[str, Decimal], ...]]:
        """The lot ids operation ``op_id`` opened, and the (lot id, units) it sold, as booked (empty for
        an operation that touched no lot)."""
        found = self._op_lots.get(op_id)
        if found is None:
            return (), ()
        if isinstance(found, str):
            return (found,), ()
        sold = self._sold_lots  # (at ``found``: the lot opened or None, how many lots, lot id, units, ...)
        opened, count = sold[found : found + 2]
        end = found + 2 + 2 * cast(int, count)
        # the casts name types as strings (a type written out would be built on every call)
        pairs = tuple(zip(sold[found + 2 : end : 2], sold[found + 3 : end : 2], strict=True))
        return ((cast("str", opened),) if opened is not None else ()), cast("tuple[tuple[str, Decimal], ...]", pairs)

    def held(self, account: str, asset: str) -> Decimal:
        """Units of ``asset`` in ``account``'s open lots (0 if none), in O(1)."""
        return self._held.get((account, asset), _ZERO)

    def held_cost(self, account: str, asset: str) -> Decimal:
        """The tax basis (fees and wash adjustments in) of ``account``'s open lots of ``asset``, in
        its quote currency (0 if none): the sum over its pieces in the lot book (a handful)."""
        instrument = self._instruments.get(asset)
        book = self._lot_books.get(instrument.quote_currency.code) if instrument is not None else None
        return book.basis(account, asset) if book is not None else _ZERO

    def holdings(self) -> Mapping[tuple[str, str], Decimal]:
        """A read-only live view of the units held per (account, asset), nonzero only."""
        return MappingProxyType(self._held)  # made per call: the books stay picklable

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
        units_account = position_units_account(account, symbol)
        asset_ledger = self._ledger(units_account)
        currency_ledger = self._ledger(position_cash_account(account, symbol))
        op_ids = {line.op_id for line in asset_ledger + currency_ledger}
        open_lots = self.open_lots(account, symbol)
        return Position(
            account=account,
            instrument=instrument,
            quantity=self._journal.balance(units_account).get(symbol, _ZERO),
            book_cost=Money(self._journal.book_value(units_account).get(currency.code, _ZERO), currency),
            tax_basis=Money(sum((lot.cost_basis for lot in open_lots), _ZERO), currency),
            realized=Money(
                -self._journal.balance(realized_account(account, symbol)).get(currency.code, _ZERO), currency
            ),
            fees=Money(self._journal.balance(fees_account(account, symbol)).get(currency.code, _ZERO), currency),
            dividends=Money(
                -self._journal.balance(dividends_account(account, symbol)).get(currency.code, _ZERO), currency
            ),
            open_lots=open_lots,
            asset_ledger=asset_ledger,
            currency_ledger=currency_ledger,
            cost_ledger=tuple(c for c in self._costs.records if c.account == account and c.symbol == symbol),
            tax_ledger=tuple(t for t in self._tax.records if t.account == account and t.symbol == symbol),
            decision_log=tuple(d for d in self._decisions.records if d.op_id in op_ids),
        )

    def running_cost(self, name: str) -> RunningCostView:
        """The view of the running cost called ``name`` (empty if never charged)."""
        account = running_cost_account(name)
        ledger = self._ledger(account)
        op_ids = {line.op_id for line in ledger}
        return RunningCostView(
            name=name,
            currency_ledger=ledger,
            decision_log=tuple(d for d in self._decisions.records if d.op_id in op_ids),
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
        return BooksState(nonzero(self._cash), nonzero(quantities), nonzero(book_costs))

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
