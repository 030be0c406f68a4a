"""The records ``Books`` keep and hand out: ledger lines, the read-only views, and ``replay``.

The tax ledger (``TaxEntry``), transaction-cost ledger (``CostEntry``) and decision log
(``DecisionEntry``) lines, a journal line with its running balance (``LedgerLine``), the view of a
position and of a running cost, the live state (``BooksState``), ``replay``, which rebuilds that
state from journal entries alone, and ``RecordLog``, the append-only list the books keep a ledger
in. Standard library and ``tradegame.domain`` only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Generic, TypeVar

from tradegame.domain.errors import CurrencyMismatchError, InvariantError
from tradegame.domain.frozen import quick_init
from tradegame.domain.holding import Term
from tradegame.domain.instruments import Instrument
from tradegame.domain.journal import Journal
from tradegame.domain.lots import Disposal, OpenLot
from tradegame.domain.money import Currency, Money, Price, Quantity
from tradegame.domain.postings import JournalEntry
from tradegame.domain.tax import YearTax

__all__ = [
    "BooksState",
    "CostEntry",
    "CostRow",
    "DecisionEntry",
    "DecisionRow",
    "FxSource",
    "LedgerLine",
    "Position",
    "RecordLog",
    "RunningCostView",
    "TaxEntry",
    "TaxKind",
    "TaxRow",
    "cost_entry",
    "nonzero",
    "replay",
    "tax_entry",
]

FxSource = Callable[[str, str, datetime], Decimal | None]
"""Units of the second currency per unit of the first, as known at a time (None: unknown)."""

_ZERO = Decimal(0)
_Row = TypeVar("_Row", bound=tuple[object, ...])
_Record = TypeVar("_Record")


class TaxKind(StrEnum):
    """What a tax-ledger line records."""

    DISPOSAL = "disposal"
    WASH_ADJUSTMENT = "wash-adjustment"
    DIVIDEND = "dividend"
    TAX_DUE = "tax-due"


@quick_init
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


@quick_init
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


@quick_init
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


CostRow = tuple[str, datetime, str, str, str, Decimal, Decimal, Decimal, Currency]
"""The fields of a ``CostEntry``, in order, the notional and the fee as amounts in the currency last."""


def cost_entry(
    op_id: str, timestamp: datetime, account: str, symbol: str, action: str, quantity: Decimal, notional: Decimal,
    fee: Decimal, currency: Currency,
) -> CostEntry:  # fmt: skip
    """The ``CostEntry`` of a ``CostRow``: its notional and fee as ``Money`` in ``currency``."""
    notional_money, fee_money = Money(notional, currency), Money(fee, currency)
    return CostEntry(op_id, timestamp, account, symbol, action, quantity, notional_money, fee_money)


DecisionRow = tuple[str, datetime, str, str | None, str | None, str, str | None]
"""The fields of a ``DecisionEntry``, in order."""

TaxRow = (
    tuple[str, datetime, TaxKind, Disposal, Currency]
    | tuple[str, datetime, TaxKind, int, Money, str, str]
    | tuple[str, datetime, TaxKind, int, Money, str, str, Term, Disposal]
    | tuple[str, datetime, TaxKind, int, Money, str, str, Term, Disposal, str]
)
"""The fields of a ``TaxEntry``, in order (the last ones may be left out); or a disposal's line
whose gain needs no conversion as its op id, time, kind, disposal and currency (``tax_entry``)."""


def tax_entry(op_id: str, timestamp: datetime, kind: TaxKind, *fields: Any) -> TaxEntry:
    """The ``TaxEntry`` of a ``TaxRow``; a disposal's short row gets its year, gain, account,
    symbol and term from the disposal (the gain in its own currency: proceeds less basis plus the
    wash adjustment)."""
    if len(fields) == 2:
        d, currency = fields
        return TaxEntry(
            op_id, timestamp, kind, d.date_sold.year, Money(d.gain, currency), d.account, d.symbol, d.term, d
        )
    return TaxEntry(op_id, timestamp, kind, *fields)


@quick_init
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


def nonzero(amounts: Mapping[tuple[str, str], Decimal]) -> dict[tuple[str, str], Decimal]:
    """The non-zero amounts, sorted by key."""
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
    return BooksState(nonzero(cash), nonzero(quantities), nonzero(book_costs))


class RecordLog(Generic[_Row, _Record]):
    """An append-only ledger of records made by ``make`` (a record type), kept as the fields each
    line was appended with (``append``: a tuple in the order of ``make``'s arguments) and built into
    its record when first read (then kept).

    A booking appends a line to several ledgers and most lines are never read one by one, so the
    records are built when someone reads the ledger, not on every booking: the lines and their
    order are the same either way. The fields are kept one after the other in one list (with where
    each line ends), not as a tuple per line: a long Game's ledgers then hold few objects the
    garbage collector must walk. A log of lines of ``width`` fields each (the cost ledger, the
    decision log) needs no ends: its ``append`` is the list's own ``extend``, no Python call, and
    it takes no built record (``add``).
    """

    __slots__ = ("_built", "_ends", "_fields", "_make", "_width", "append")

    def __init__(self, make: Callable[..., _Record], width: int = 0) -> None:
        self._make = make
        self._width = width  # the fields of every line, or 0: lines of any length, and records (``add``)
        self._fields: list[object] = []  # every line's fields in turn, or the record of a line added built
        self._ends: list[int] = []  # where each line's fields end in ``_fields`` (negative: a record, ``add``)
        self._built: list[_Record] = []  # the records of the first lines, in order
        self.append: Callable[[_Row], None] = self._appender()
        """Append a line given by its fields (of ``width`` fields in a log of fixed width)."""

    def _appender(self) -> Callable[[_Row], None]:
        """``append`` for this log's lists; it holds the lists, not the log (no reference cycle)."""
        fields, ends = self._fields, self._ends
        if self._width:
            return fields.extend

        def append(row: _Row) -> None:
            fields.extend(row)
            ends.append(len(fields))

        return append

    # ``append`` is bound to the lists it appends to: a copy or an unpickled log binds its own.
    def __getstate__(self) -> tuple[Any, ...]:
        return self._make, self._width, self._fields, self._ends, self._built

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        self._make, self._width, self._fields, self._ends, self._built = state
        self.append = self._appender()

    def add(self, record: _Record) -> None:
        """Append a record built already (not in a log of fixed width)."""
        if self._width:
            raise InvariantError(f"a log of lines of {self._width} fields takes no built record")
        self._fields.append(record)
        self._ends.append(-len(self._fields))

    def __len__(self) -> int:
        return len(self._fields) // self._width if self._width else len(self._ends)

    def lines(self) -> list[_Row | _Record]:
        """Each line as it was appended, without building a record: its fields (a tuple), or the
        record of a line added as one (``add``). A reader that needs one field of every line (the
        Score's sums) reads it here."""
        return self._lines_from(0)

    def column(self, index: int) -> list[object]:
        """The ``index``-th field of every line, in order (a log of fixed width): one field of every
        line without a tuple or a record per line (the Score's sums read it here)."""
        if not self._width:
            raise InvariantError("only a log of lines of a fixed width has columns")
        return self._fields[index :: self._width]

    def lines_where(self, index: int, value: object) -> list[_Row | _Record]:
        """The lines (as in ``lines``) whose ``index``-th field is ``value``, and every record added
        built (``add``; its reader tells): a tuple made only for a line kept (a log of lines of any length)."""
        if self._width:
            raise InvariantError("a log of lines of a fixed width has columns (``column``)")
        return self._lines_from(0, (index, value))

    @property
    def records(self) -> tuple[_Record, ...]:
        """Every line's record, in order."""
        make, built = self._make, self._built
        for line in self._lines_from(len(built)):
            built.append(make(*line) if type(line) is tuple else line)  # type: ignore[arg-type]
        return tuple(built)

    def _lines_from(self, first: int, where: tuple[int, object] | None = None) -> list[_Row | _Record]:
        """The lines from the ``first``-th on (see ``lines``); with ``where`` (a field's index and a
        value), of the lines kept as fields only those whose field is that value (``lines_where``)."""
        fields, ends, lines, width = self._fields, self._ends, [], self._width
        if width:
            return [tuple(fields[at : at + width]) for at in range(first * width, len(fields), width)]  # type: ignore[misc]
        start = abs(ends[first - 1]) if first else 0
        for index in range(first, len(ends)):
            end = ends[index]
            if end < 0:
                lines.append(fields[start])
                start = -end
            else:
                if where is None or fields[start + where[0]] is where[1]:
                    lines.append(tuple(fields[start:end]))
                start = end
        return lines  # type: ignore[return-value]
