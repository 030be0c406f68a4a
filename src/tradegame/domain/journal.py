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
history.

The books append many entries and read few of them, so an entry can also arrive as a draft: its
postings as plain tuples (``Leg``), checked by the same rules by ``check_legs`` and appended by
``append_checked``. The journal keeps every entry as plain fields in two flat lists (one for the
entries, one for their legs: no tuple per entry or leg for the garbage collector to scan on
every young collection of a long Game) and builds the ``JournalEntry`` and its ``Posting``
objects when the entry is first read (then keeps them); the running balances and the indices by
account and by operation are brought up to date when they are read. The books' own operations
come with their legs already checked (``append_rows``) and are laid out in those lists at once.
What is read is the same either way. Imports only the standard library and ``tradegame.domain``.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from itertools import chain
from typing import Any

from tradegame.domain.errors import InvalidInputError, UnbalancedEntryError
from tradegame.domain.frozen import quick_init
from tradegame.domain.money import to_decimal

__all__ = [
    "ACCOUNT_ROOTS",
    "Draft",
    "FlatDraft",
    "Journal",
    "JournalEntry",
    "Leg",
    "Narration",
    "Posting",
    "check_account",
    "check_legs",
    "flat_draft",
    "require_utc",
]

ACCOUNT_ROOTS = frozenset({"Assets", "Liabilities", "Equity", "Income", "Expenses"})
_ZERO = Decimal(0)
_CHECK_TIME = datetime(2000, 1, 1, tzinfo=UTC)  # the time of an entry built only to check its postings
# An entry's fields in ``Journal._entry_fields``: op id, timestamp, kind, its text or template, the
# offset of the template's arguments in ``_argument_fields`` and their number (-1 for a text), and
# the offset of its first leg in ``_leg_fields``, where each leg is ``_LEG`` fields (a ``Leg``); its
# seq is its index + 1 (entries are numbered in turn).
_ENTRY, _LEG, _FIRST_LEG = 7, 5, 6

Leg = tuple[str, str, Decimal, Decimal | None, str | None]
"""A posting as a row: account, commodity, units, book value and its currency (see ``Posting``)."""

Narration = str | tuple[str, tuple[object, ...]]
"""An entry's text, or a ``str.format`` template and its arguments, formatted when the entry is read."""

Draft = tuple[str, Narration, tuple[Leg, ...]]
"""One entry of an operation before it is appended: its kind, narration and legs."""

FlatDraft = tuple[str, str, tuple[object, ...] | None, tuple[Any, ...]]
"""A ``Draft`` flat: its kind, its text or template, the template's arguments (None for a text),
and its legs' fields one after the other (``Leg`` by ``Leg``), as the journal keeps them."""


def flat_draft(kind: str, narration: Narration, legs: Iterable[Leg]) -> FlatDraft:
    """``(kind, narration, legs)`` as a ``FlatDraft``."""
    flat = tuple(chain.from_iterable(legs))
    if isinstance(narration, str):
        return kind, narration, None, flat
    return kind, narration[0], narration[1], flat


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
    if not isinstance(name, str) or ":" in name or name.split() != [name]:  # split: empty or any whitespace
        raise InvalidInputError(f"{what} {name!r} must be a non-empty name without spaces or ':'")
    if len(_GOOD_NAMES) < 100_000:
        _GOOD_NAMES.add(name)
    return name


def check_account(account: object) -> str:
    """Return ``account`` if it names an account (a colon path under a root); refuse it otherwise."""
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


def _leg_ok(account: object, commodity: object, units: object, value: object, value_currency: object) -> bool:
    """Whether a posting passes every rule by the quick checks of the common case: names seen
    before and Decimal amounts (no conversion). False says only that the full check must run."""
    if not (
        type(units) is Decimal
        and units.is_finite()
        and units
        and type(account) is str
        and account in _GOOD_ACCOUNTS
        and type(commodity) is str
        and commodity in _GOOD_NAMES
    ):
        return False
    if value is None:
        return value_currency is None
    return (
        type(value) is Decimal
        and value.is_finite()
        and (not value or (value > _ZERO) == (units > _ZERO))
        and type(value_currency) is str
        and value_currency in _GOOD_NAMES
    )


@quick_init
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
        if not _leg_ok(self.account, self.commodity, self.units, self.value, self.value_currency):
            self._check()

    def _check(self) -> None:
        """Every rule of a posting, with the message of the first one broken."""
        check_account(self.account)
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


@quick_init
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


def check_legs(op_id: str, kind: str, legs: tuple[Leg, ...]) -> tuple[Leg, ...]:
    """Check a draft entry of ``op_id`` by every rule of ``Posting`` and ``JournalEntry`` (names,
    non-zero units, signs, balance per currency) without building it; raise as building it would.

    Returns the legs, converted as a ``Posting`` converts them (an int to a ``Decimal``).
    """
    if type(kind) is str and kind in _GOOD_NAMES and len(legs) >= 2:
        sums: dict[str, Decimal] = {}
        for account, commodity, units, value, value_currency in legs:
            if not _leg_ok(account, commodity, units, value, value_currency):
                break
            if value is None or value_currency is None:  # ``Posting.weight``, inline
                sums[commodity] = sums[commodity] + units if commodity in sums else units
            else:
                sums[value_currency] = sums[value_currency] + value if value_currency in sums else value
        else:
            if not any(sums.values()):
                return legs
    # The full check: build the entry, which raises with the message of the first rule broken.
    entry = JournalEntry(op_id, 1, _CHECK_TIME, kind, "", tuple([Posting(*leg) for leg in legs]))
    return tuple([(p.account, p.commodity, p.units, p.value, p.value_currency) for p in entry.postings])


def _matches(account: str, prefix: str) -> bool:
    return not prefix or account == prefix or account.startswith(prefix + ":")


class Journal:
    """An append-only list of balanced entries with running balances per account."""

    def __init__(self, entries: Iterable[JournalEntry] = ()) -> None:
        # Each entry as ``_ENTRY`` fields, its legs as ``_LEG`` fields each, and once read, built.
        self._entry_fields: list[Any] = []
        self._argument_fields: list[object] = []
        self._leg_fields: list[Any] = []
        self._built: list[JournalEntry | None] = []
        self._unbuilt = 0  # no entry before this index is left to build
        self._view: tuple[JournalEntry, ...] | None = ()  # rebuilt lazily after an append
        self._last: datetime | None = None
        # Brought up to date when read: running balances and postings per account (as (entry index,
        # posting index)) up to entry ``_folded``; entry indices per op id up to ``_op_indexed``.
        self._units: dict[str, dict[str, Decimal]] = {}
        self._values: dict[str, dict[str, Decimal]] = {}
        self._by_account: dict[str, list[tuple[int, int]]] = {}
        self._folded = 0
        self._by_op: dict[str, list[int]] = {}
        self._op_indexed = 0
        self.extend(tuple(entries))

    # -- queries ---------------------------------------------------------------------------

    @property
    def entries(self) -> tuple[JournalEntry, ...]:
        """Every entry in the order it was appended."""
        if self._view is None:
            for index in range(self._unbuilt, len(self._built)):
                self._entry(index)
            self._unbuilt = len(self._built)
            self._view = tuple(self._built)  # type: ignore[arg-type]  # every one is built now
        return self._view

    def __len__(self) -> int:
        return len(self._built)

    @property
    def next_seq(self) -> int:
        """The sequence number the next entry must carry."""
        return len(self._built) + 1

    @property
    def last_timestamp(self) -> datetime | None:
        return self._last

    def accounts(self) -> tuple[str, ...]:
        """Every account posted to so far, sorted."""
        self._fold()
        return tuple(sorted(self._units))

    def balance(self, account_prefix: str = "") -> dict[str, Decimal]:
        """Units per commodity in ``account_prefix`` and its sub-accounts; zero balances left out.

        ``"Assets:IBKR"`` covers ``Assets:IBKR`` and ``Assets:IBKR:Cash:USD`` but not
        ``Assets:IBKRX``; the empty prefix covers every account.
        """
        self._fold()
        return self._sum(self._units, account_prefix)

    def book_value(self, account_prefix: str = "") -> dict[str, Decimal]:
        """Book value per currency of the non-currency postings under ``account_prefix``."""
        self._fold()
        return self._sum(self._values, account_prefix)

    def entries_for(self, op_id: str) -> tuple[JournalEntry, ...]:
        """The entries of one operation, in order."""
        fields, by_op = self._entry_fields, self._by_op
        for index in range(self._op_indexed, len(self._built)):
            by_op.setdefault(fields[index * _ENTRY], []).append(index)
        self._op_indexed = len(self._built)
        return tuple([self._entry(index) for index in by_op.get(op_id, ())])

    def postings_for(self, account: str) -> tuple[tuple[JournalEntry, Posting], ...]:
        """Every posting to exactly ``account`` with its entry, in journal order."""
        self._fold()
        found = []
        for index, leg in self._by_account.get(account, ()):
            entry = self._entry(index)
            found.append((entry, entry.postings[leg]))
        return tuple(found)

    def entries_unless(self, skipped: Collection[str]) -> tuple[JournalEntry | str, ...]:
        """Every entry in order, but for an entry whose op id is in ``skipped`` its op id alone:
        the entry is not built (a report skips tens of thousands of fills it reads elsewhere)."""
        fields = self._entry_fields
        return tuple(
            [fields[i * _ENTRY] if fields[i * _ENTRY] in skipped else self._entry(i) for i in range(len(self._built))]
        )

    def unit_moves(self, account: str) -> tuple[tuple[datetime, str, Decimal], ...]:
        """The time, commodity and units of every posting to exactly ``account``, in journal order:
        what ``postings_for`` reads, without building an entry (a report reads tens of thousands)."""
        self._fold()
        fields, legs = self._entry_fields, self._leg_fields
        moves = []
        for index, leg in self._by_account.get(account, ()):
            first = fields[index * _ENTRY + _FIRST_LEG] + leg * _LEG
            moves.append((fields[index * _ENTRY + 1], legs[first + 1], legs[first + 2]))
        return tuple(moves)

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
        last = self._last
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
        fields, legs = self._entry_fields, self._leg_fields
        for entry in entries:
            fields += (entry.op_id, entry.timestamp, entry.kind, entry.narration, 0, -1, len(legs))
            for p in entry.postings:
                legs += (p.account, p.commodity, p.units, p.value, p.value_currency)
            self._built.append(entry)
            self._last = entry.timestamp
        self._view = None

    def append_checked(self, op_id: str, timestamp: datetime, drafts: Sequence[Draft], *, own_id: bool = False) -> None:
        """Append the entries of one operation at ``timestamp``, numbered on from ``next_seq``: each
        draft's legs as ``check_legs`` returned them (checked, balanced). Refused as a whole when the
        time is before the last entry's. ``own_id``: ``op_id`` is one the books numbered themselves
        (``op-000001``, ...), a valid name, so it is not checked again."""
        ts = timestamp
        if type(ts) is not datetime or ts.tzinfo is not UTC or ts.fold:
            ts = require_utc(ts)
        self._check_time(op_id, ts)
        if not own_id:
            _check_name(op_id, "op id")
        self.append_rows(op_id, ts, [flat_draft(kind, narration, legs) for kind, narration, legs in drafts])

    def append_rows(self, op_id: str, ts: datetime, drafts: Sequence[FlatDraft]) -> None:
        """``append_checked`` for the books' own operations, whose drafts come flat (``FlatDraft``):
        ``op_id`` is one the books numbered, ``ts`` a UTC time and every draft's legs checked (as
        ``check_legs`` checks them) and balanced. Refused as a whole when the time is before the last
        entry's. Each entry is laid out in the journal's flat lists at once (a list of fields holds
        nothing the garbage collector must walk one by one) and built when it is first read."""
        if self._last is not None and ts < self._last:
            self._check_time(op_id, ts)  # (raises)
        if not drafts:
            return
        fields, arguments, leg_fields = self._entry_fields, self._argument_fields, self._leg_fields
        for kind, text, values, legs in drafts:
            if values is None:
                fields += (op_id, ts, kind, text, 0, -1, len(leg_fields))
            else:
                fields += (op_id, ts, kind, text, len(arguments), len(values), len(leg_fields))
                arguments += values
            leg_fields += legs
        self._built += [None] * len(drafts)
        self._last = ts
        self._view = None

    def _check_time(self, op_id: str, ts: datetime) -> None:
        last = self._last
        if last is not None and ts < last:
            raise InvalidInputError(f"entry {op_id} at {ts.isoformat()} is before the last entry at {last.isoformat()}")

    # -- building and folding rows -----------------------------------------------------------

    def _entry(self, index: int) -> JournalEntry:
        """The entry at ``index``, built from its row on its first read."""
        entry = self._built[index]
        if entry is None:
            op_id, ts, kind, text, start, count, first = self._entry_fields[index * _ENTRY : (index + 1) * _ENTRY]
            legs = self._leg_fields
            postings = tuple([Posting(*legs[at : at + _LEG]) for at in range(first, self._legs_end(index), _LEG)])
            if count >= 0:
                text = text.format(*self._argument_fields[start : start + count])
            entry = self._built[index] = JournalEntry(op_id, index + 1, ts, kind, text, postings)
        return entry

    def _legs_end(self, index: int) -> int:
        """The offset in ``_leg_fields`` just past the last leg of the entry at ``index``."""
        after = (index + 1) * _ENTRY + _FIRST_LEG
        fields = self._entry_fields
        return int(fields[after]) if after < len(fields) else len(self._leg_fields)

    def _fold(self) -> None:
        """Bring the running balances and the postings per account up to the last entry."""
        fields, legs, count = self._entry_fields, self._leg_fields, len(self._built)
        by_account, all_units, all_values = self._by_account, self._units, self._values
        for index in range(self._folded, count):
            first = fields[index * _ENTRY + _FIRST_LEG]
            for leg, at in enumerate(range(first, self._legs_end(index), _LEG)):
                account, commodity, units, value, value_currency = legs[at : at + _LEG]
                balances = all_units.get(account)
                if balances is None:  # an account's first posting: its lists and running balances
                    balances = all_units[account] = {}
                    all_values[account] = {}
                    by_account[account] = []
                by_account[account].append((index, leg))
                balances[commodity] = balances.get(commodity, _ZERO) + units
                if value is not None and value_currency is not None:
                    values = all_values[account]
                    values[value_currency] = values.get(value_currency, _ZERO) + value
        self._folded = count

    @staticmethod
    def _sum(per_account: dict[str, dict[str, Decimal]], prefix: str) -> dict[str, Decimal]:
        totals: dict[str, Decimal] = {}
        for account, amounts in per_account.items():
            if _matches(account, prefix):
                for commodity, amount in amounts.items():
                    totals[commodity] = totals.get(commodity, _ZERO) + amount
        return {commodity: amount for commodity, amount in sorted(totals.items()) if amount != 0}
