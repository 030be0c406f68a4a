"""The double-entry journal: balanced entries, appended in time order and never changed.

Owns the rules every entry obeys. A posting names an account under one of the five roots
(``Assets``, ``Liabilities``, ``Equity``, ``Income``, ``Expenses``), moves a signed, non-zero
number of units of one commodity and, for a commodity that is not a currency (a share, a coin),
carries its signed book value in a currency. The posting's *weight* is that book value when it
has one and its units otherwise (beancount's cost weight). An entry balances when the weights
sum to exactly zero in every currency; an entry that does not is refused with
``UnbalancedEntryError`` and nothing is appended.

A journal accepts entries with consecutive sequence numbers and non-decreasing UTC timestamps,
and offers no way to remove or edit one: a correction is a new entry. It keeps running balances
per account so that ``balance`` and ``book_value`` cost one pass over the accounts, not over the
history. Imports only the standard library and ``tradegame.domain``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from tradegame.domain.errors import InvalidInputError, UnbalancedEntryError
from tradegame.domain.money import to_decimal

__all__ = ["ACCOUNT_ROOTS", "Journal", "JournalEntry", "Posting", "require_utc"]

ACCOUNT_ROOTS = frozenset({"Assets", "Liabilities", "Equity", "Income", "Expenses"})
_ZERO = Decimal(0)


def require_utc(timestamp: object, what: str = "timestamp") -> datetime:
    """Return ``timestamp`` converted to UTC; refuse a naive datetime or anything else."""
    if type(timestamp) is datetime and timestamp.tzinfo is UTC and not timestamp.fold:
        return timestamp  # already what astimezone(UTC) would give
    if not isinstance(timestamp, datetime):
        raise InvalidInputError(f"{what} must be a datetime, not {type(timestamp).__name__}")
    if timestamp.tzinfo is None or timestamp.utcoffset() is None:
        raise InvalidInputError(f"{what} {timestamp.isoformat()} is naive; give a timezone-aware UTC time")
    return timestamp.astimezone(UTC)


_GOOD_NAMES: set[str] = set()  # names already checked (accounts and commodities repeat a lot)
_GOOD_ACCOUNTS: set[str] = set()


def _check_name(name: object, what: str) -> str:
    if isinstance(name, str) and name in _GOOD_NAMES:
        return name
    if not isinstance(name, str) or not name or ":" in name or any(ch.isspace() for ch in name):
        raise InvalidInputError(f"{what} {name!r} must be a non-empty name without spaces or ':'")
    if len(_GOOD_NAMES) < 100_000:
        _GOOD_NAMES.add(name)
    return name


def _check_account(account: object) -> str:
    if isinstance(account, str) and account in _GOOD_ACCOUNTS:
        return account
    if not isinstance(account, str):
        raise InvalidInputError(f"account must be a colon path, not {type(account).__name__}")
    parts = account.split(":")
    if parts[0] not in ACCOUNT_ROOTS:
        raise InvalidInputError(f"account {account!r} must start with one of {', '.join(sorted(ACCOUNT_ROOTS))}")
    for part in parts:
        _check_name(part, f"account {account!r}: component")
    if len(_GOOD_ACCOUNTS) < 100_000:
        _GOOD_ACCOUNTS.add(account)
    return account


@dataclass(frozen=True, slots=True)
class Posting:
    """One leg of an entry: signed ``units`` of ``commodity`` in ``account``.

    ``value`` and ``value_currency`` give a non-currency commodity its signed book value (its
    weight); both stay ``None`` for a currency, whose units are its weight.
    """

    account: str
    commodity: str
    units: Decimal
    value: Decimal | None = None
    value_currency: str | None = None

    def __post_init__(self) -> None:
        units, value, account, commodity = self.units, self.value, self.account, self.commodity
        if (  # the common case, checked inline: names seen before and Decimal amounts (no conversion)
            type(units) is Decimal
            and units.is_finite()
            and units
            and type(account) is str
            and account in _GOOD_ACCOUNTS
            and type(commodity) is str
            and commodity in _GOOD_NAMES
        ):
            if value is None:
                if self.value_currency is None:
                    return
            elif (
                type(value) is Decimal
                and value.is_finite()
                and (not value or (value > 0) == (units > 0))
                and type(self.value_currency) is str
                and self.value_currency in _GOOD_NAMES
            ):
                return
        self._check()

    def _check(self) -> None:
        """Every rule of a posting, with the message of the first one broken."""
        _check_account(self.account)
        _check_name(self.commodity, f"{self.account}: commodity")
        units = to_decimal(self.units, f"{self.account}: units")
        if units == 0:
            raise InvalidInputError(f"{self.account}: a posting must move a non-zero number of units")
        object.__setattr__(self, "units", units)
        if (self.value is None) != (self.value_currency is None):
            raise InvalidInputError(f"{self.account}: a book value needs its currency and a currency its value")
        if self.value is not None:
            value = to_decimal(self.value, f"{self.account}: book value")
            if value != 0 and (value > 0) != (units > 0):
                raise InvalidInputError(f"{self.account}: book value {value} has the opposite sign of units {units}")
            _check_name(self.value_currency, f"{self.account}: value currency")
            object.__setattr__(self, "value", value)

    @property
    def weight(self) -> tuple[str, Decimal]:
        """The (currency, amount) this posting contributes to the entry's balance."""
        if self.value is None or self.value_currency is None:
            return self.commodity, self.units
        return self.value_currency, self.value


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """A balanced set of postings made at one UTC instant by one operation (``op_id``)."""

    op_id: str
    seq: int
    timestamp: datetime
    kind: str
    narration: str
    postings: tuple[Posting, ...]

    def __post_init__(self) -> None:
        _check_name(self.op_id, "op id")  # the first rule either way (a new op id is checked here)
        postings, ts, seq = self.postings, self.timestamp, self.seq
        if (  # the common case, checked inline: a tuple of Postings at a UTC time (no conversion)
            type(postings) is tuple
            and len(postings) >= 2
            and type(ts) is datetime
            and ts.tzinfo is UTC
            and not ts.fold
            and type(seq) is int
            and seq >= 1
            and type(self.kind) is str
            and self.kind in _GOOD_NAMES
            and _balanced(postings)
        ):
            return
        self._check()  # raises with the message of the first rule broken

    def _check(self) -> None:
        """Every rule of an entry, with the message of the first one broken."""
        _check_name(self.op_id, "op id")
        if isinstance(self.seq, bool) or not isinstance(self.seq, int) or self.seq < 1:
            raise InvalidInputError(f"entry {self.op_id}: seq must be a positive integer, got {self.seq!r}")
        object.__setattr__(self, "timestamp", require_utc(self.timestamp, f"entry {self.op_id} timestamp"))
        _check_name(self.kind, f"entry {self.op_id}: kind")
        postings = tuple(self.postings)
        if len(postings) < 2:
            raise InvalidInputError(f"entry {self.op_id} {self.kind}: needs at least two postings")
        for posting in postings:
            if not isinstance(posting, Posting):
                raise InvalidInputError(f"entry {self.op_id}: {type(posting).__name__} is not a Posting")
        object.__setattr__(self, "postings", postings)
        residual = {currency: amount for currency, amount in self.weights().items() if amount != 0}
        if residual:
            left = ", ".join(f"{amount} {currency}" for currency, amount in sorted(residual.items()))
            raise UnbalancedEntryError(f"entry {self.op_id} {self.kind} does not balance: {left} left over")

    def weights(self) -> dict[str, Decimal]:
        """The sum of the postings' weights per currency (all zero for a valid entry)."""
        sums: dict[str, Decimal] = {}
        for posting in self.postings:
            value, currency = posting.value, posting.value_currency
            if value is None or currency is None:  # ``Posting.weight``, inline
                currency, value = posting.commodity, posting.units
            sums[currency] = sums.get(currency, _ZERO) + value
        return sums


def _balanced(postings: tuple[object, ...]) -> bool:
    """Whether every item is a ``Posting`` and their weights sum to zero per currency."""
    sums: dict[str, Decimal] = {}
    for posting in postings:
        if type(posting) is not Posting:
            return False
        value, currency = posting.value, posting.value_currency
        if value is None or currency is None:  # ``Posting.weight``, inline
            currency, value = posting.commodity, posting.units
        sums[currency] = sums.get(currency, _ZERO) + value
    return not any(sums.values())


def _matches(account: str, prefix: str) -> bool:
    return not prefix or account == prefix or account.startswith(prefix + ":")


class Journal:
    """An append-only list of balanced entries with running balances per account."""

    def __init__(self, entries: Iterable[JournalEntry] = ()) -> None:
        self._entries: list[JournalEntry] = []
        self._view: tuple[JournalEntry, ...] | None = ()  # rebuilt lazily after an append
        self._units: dict[str, dict[str, Decimal]] = {}
        self._values: dict[str, dict[str, Decimal]] = {}
        self._by_op: dict[str, list[JournalEntry]] = {}
        self._by_account: dict[str, list[tuple[JournalEntry, Posting]]] = {}
        self.extend(tuple(entries))

    # -- queries ---------------------------------------------------------------------------

    @property
    def entries(self) -> tuple[JournalEntry, ...]:
        """Every entry in the order it was appended."""
        if self._view is None:
            self._view = tuple(self._entries)
        return self._view

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def next_seq(self) -> int:
        """The sequence number the next entry must carry."""
        return len(self._entries) + 1

    @property
    def last_timestamp(self) -> datetime | None:
        return self._entries[-1].timestamp if self._entries else None

    def accounts(self) -> tuple[str, ...]:
        """Every account posted to so far, sorted."""
        return tuple(sorted(self._units))

    def balance(self, account_prefix: str = "") -> dict[str, Decimal]:
        """Units per commodity in ``account_prefix`` and its sub-accounts; zero balances left out.

        ``"Assets:IBKR"`` covers ``Assets:IBKR`` and ``Assets:IBKR:Cash:USD`` but not
        ``Assets:IBKRX``; the empty prefix covers every account.
        """
        return self._sum(self._units, account_prefix)

    def book_value(self, account_prefix: str = "") -> dict[str, Decimal]:
        """Book value per currency of the non-currency postings under ``account_prefix``."""
        return self._sum(self._values, account_prefix)

    def entries_for(self, op_id: str) -> tuple[JournalEntry, ...]:
        """The entries of one operation, in order."""
        return tuple(self._by_op.get(op_id, ()))

    def postings_for(self, account: str) -> tuple[tuple[JournalEntry, Posting], ...]:
        """Every posting to exactly ``account`` with its entry, in journal order."""
        return tuple(self._by_account.get(account, ()))

    # -- appending -------------------------------------------------------------------------

    def post(
        self, op_id: str, timestamp: datetime, kind: str, narration: str, postings: Sequence[Posting]
    ) -> JournalEntry:
        """Build the next entry from ``postings`` and append it; refuse it if it does not balance."""
        entry = JournalEntry(op_id, self.next_seq, timestamp, kind, narration, tuple(postings))
        self.extend((entry,))
        return entry

    def extend(self, entries: Sequence[JournalEntry]) -> None:
        """Append ``entries`` all together or, if any is out of sequence or time, none of them."""
        seq = self.next_seq
        last = self.last_timestamp
        for entry in entries:
            if not isinstance(entry, JournalEntry):
                raise InvalidInputError(f"{type(entry).__name__} is not a JournalEntry")
            if entry.seq != seq:
                raise InvalidInputError(f"entry {entry.op_id} has seq {entry.seq}, expected {seq}")
            if last is not None and entry.timestamp < last:
                raise InvalidInputError(
                    f"entry {entry.op_id} at {entry.timestamp.isoformat()} is before the last entry "
                    f"at {last.isoformat()}"
                )
            seq += 1
            last = entry.timestamp
        for entry in entries:
            self._append(entry)

    def _append(self, entry: JournalEntry) -> None:
        self._entries.append(entry)
        self._view = None
        self._by_op.setdefault(entry.op_id, []).append(entry)
        by_account, all_units, all_values = self._by_account, self._units, self._values
        for posting in entry.postings:
            account = posting.account
            units = all_units.get(account)
            if units is None:  # an account's first posting: its lists and running balances
                units = all_units[account] = {}
                all_values[account] = {}
                by_account[account] = []
            by_account[account].append((entry, posting))
            units[posting.commodity] = units.get(posting.commodity, _ZERO) + posting.units
            value, currency = posting.value, posting.value_currency
            if value is not None and currency is not None:
                values = all_values[account]
                values[currency] = values.get(currency, _ZERO) + value

    @staticmethod
    def _sum(per_account: dict[str, dict[str, Decimal]], prefix: str) -> dict[str, Decimal]:
        totals: dict[str, Decimal] = {}
        for account, amounts in per_account.items():
            if _matches(account, prefix):
                for commodity, amount in amounts.items():
                    totals[commodity] = totals.get(commodity, _ZERO) + amount
        return {commodity: amount for commodity, amount in sorted(totals.items()) if amount != 0}
