"""The double-entry journal: balanced entries, appended in time order and never changed.

Every entry obeys the rules of postings.py (accounts under the five roots, non-zero units, book
values, a balance of exactly zero per currency); one that does not is refused and nothing is
appended. A journal accepts entries with consecutive sequence numbers and non-decreasing UTC
timestamps, and offers no way to remove or edit one: a correction is a new entry. It keeps running
balances per account so that ``balance`` and ``book_value`` cost one pass over the accounts, not
over the history.

The books append many entries and read few of them, so an entry can also arrive as a draft: its
postings as plain tuples (``Leg``), checked by the same rules by ``check_legs`` and appended by
``append_checked``. The journal keeps every entry as plain fields in two flat lists (one for the
entries, one for their legs: no tuple per entry or leg for the garbage collector to scan on
every young collection of a long Game) and builds the ``JournalEntry`` and its ``Posting``
objects when the entry is first read (then keeps them); the running balances and the indices by
account and by operation are brought up to date when they are read. The books' own operations
come with their legs already checked (``append_rows``) and are laid out in those lists at once,
or, for a trade, as the function that makes its drafts and that function's arguments
(``append_made``): the drafts are made and laid out when the journal is next read (every reader
counts the entries first: ``__len__``). What is read is the same either way. Imports only the
standard library and ``tradegame.domain``.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from tradegame.domain.errors import InvalidInputError
from tradegame.domain.postings import (
    Draft,
    FlatDraft,
    JournalEntry,
    Posting,
    check_name,
    flat_draft,
    require_utc,
)

__all__ = ["Journal"]

_ZERO = Decimal(0)
# An entry's fields in ``Journal._entry_fields``: op id, timestamp, kind, its text or template, the
# offset of the template's arguments in ``_argument_fields`` and their number (-1 for a text), and
# the offset of its first leg in ``_leg_fields``, where each leg is ``_LEG`` fields (a ``Leg``); its
# seq is its index + 1 (entries are numbered in turn).
_ENTRY, _LEG, _FIRST_LEG = 7, 5, 6


def _made(unmade: list[Any]) -> Iterator[tuple[str, datetime, Sequence[FlatDraft]]]:
    """The op id, time and drafts of each operation ``Journal.append_made`` kept (see ``_unmade``), in order."""
    at, end = 0, len(unmade)
    while at < end:
        op_id, ts, make, count = unmade[at : at + 4]
        at += 4 + count
        yield op_id, ts, make(*unmade[at - count : at])


def _matches(account: str, prefix: str) -> bool:
    return not prefix or account == prefix or account.startswith(prefix + ":")


class Journal:
    """An append-only list of balanced entries with running balances per account."""

    def __init__(self, entries: Iterable[JournalEntry] = ()) -> None:
        # Each entry as ``_ENTRY`` fields, its legs as ``_LEG`` fields each, and once read, built.
        self._entry_fields: list[Any] = []
        self._argument_fields: list[object] = []
        self._leg_fields: list[Any] = []
        self._built: list[JournalEntry | None] = []  # (an entry's place made when first needed: ``_places``)
        self._unbuilt = 0  # no entry before this index is left to build
        self._view: tuple[JournalEntry, ...] | None = ()  # rebuilt lazily after an append
        self._last: datetime | None = None
        # The entries appended but not laid out yet (``append_made``), one after the other: op id, time,
        # maker, the number of its arguments, the arguments
        self._unmade: list[Any] = []
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
            built = self._places()
            for index in range(self._unbuilt, len(built)):
                self._entry(index)
            self._unbuilt = len(built)
            self._view = tuple(built)  # type: ignore[arg-type]  # every one is built now
        return self._view

    def __len__(self) -> int:
        if self._unmade:  # (every reader counts the entries first: here they are all laid out)
            self._make_unmade()
        return len(self._entry_fields) // _ENTRY

    @property
    def next_seq(self) -> int:
        """The sequence number the next entry must carry."""
        return len(self) + 1

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
        count = len(self)
        for index in range(self._op_indexed, count):
            by_op.setdefault(fields[index * _ENTRY], []).append(index)
        self._op_indexed = count
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
            [fields[i * _ENTRY] if fields[i * _ENTRY] in skipped else self._entry(i) for i in range(len(self))]
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
        fields, legs, built = self._entry_fields, self._leg_fields, self._places()
        for entry in entries:
            fields += (entry.op_id, entry.timestamp, entry.kind, entry.narration, 0, -1, len(legs))
            for p in entry.postings:
                legs += (p.account, p.commodity, p.units, p.value, p.value_currency)
            built.append(entry)
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
            check_name(op_id, "op id")
        self.append_rows(op_id, ts, [flat_draft(kind, narration, legs) for kind, narration, legs in drafts])

    def append_rows(self, op_id: str, ts: datetime, drafts: Sequence[FlatDraft]) -> None:
        """``append_checked`` for the books' own operations, whose drafts come flat (``FlatDraft``):
        ``op_id`` is one the books numbered, ``ts`` a UTC time not before the last entry's (the books
        refuse an operation before their last one when it begins; ``append_checked`` checks it) and
        every draft's legs checked (as ``check_legs`` checks them) and balanced. Each entry is laid out
        in the journal's flat lists at once (a list of fields holds nothing the garbage collector must
        walk one by one) and built when it is first read (its place in ``_built`` made then too)."""
        if not drafts:
            return
        if self._unmade:  # (in order: what came before is laid out first)
            self._make_unmade()
        self._lay_out(((op_id, ts, drafts),))
        self._last = ts
        self._view = None

    def append_made(
        self, op_id: str, ts: datetime, make: Callable[..., Sequence[FlatDraft]], arguments: tuple[Any, ...]
    ) -> None:
        """``append_rows`` with the drafts ``make(*arguments)`` returns, made when the journal is next
        read (a booking appends many entries and a Game reads none of them while it plays): ``make``
        only lays out the values it is given (no arithmetic, nothing that can fail), so what is read
        is the same as if they had been appended at once. Kept flat, as the entries are: no object per
        operation for the garbage collector to walk (a Game's last young collection walked 6,000)."""
        unmade = self._unmade
        unmade += (op_id, ts, make, len(arguments))
        unmade += arguments
        self._last = ts
        self._view = None

    def _make_unmade(self) -> None:
        """Lay out the entries ``append_made`` appended, in order."""
        unmade, self._unmade = self._unmade, []
        self._lay_out(_made(unmade))

    def _lay_out(self, operations: Iterable[tuple[str, datetime, Sequence[FlatDraft]]]) -> None:
        """Put each operation's drafts (its op id, time and drafts) in the flat lists (see ``append_rows``)."""
        fields, arguments, leg_fields = self._entry_fields, self._argument_fields, self._leg_fields
        for op_id, ts, drafts in operations:
            for kind, text, values, legs in drafts:
                if values is None:
                    fields += (op_id, ts, kind, text, 0, -1, len(leg_fields))
                else:
                    fields += (op_id, ts, kind, text, len(arguments), len(values), len(leg_fields))
                    arguments += values
                leg_fields += legs

    def _check_time(self, op_id: str, ts: datetime) -> None:
        last = self._last
        if last is not None and ts < last:
            raise InvalidInputError(f"entry {op_id} at {ts.isoformat()} is before the last entry at {last.isoformat()}")

    # -- building and folding rows -----------------------------------------------------------

    def _entry(self, index: int) -> JournalEntry:
        """The entry at ``index``, built from its row on its first read."""
        built = self._built
        if index >= len(built):
            built = self._places()
        entry = built[index]
        if entry is None:
            op_id, ts, kind, text, start, count, first = self._entry_fields[index * _ENTRY : (index + 1) * _ENTRY]
            legs = self._leg_fields
            postings = tuple([Posting(*legs[at : at + _LEG]) for at in range(first, self._legs_end(index), _LEG)])
            if count >= 0:
                text = text.format(*self._argument_fields[start : start + count])
            entry = built[index] = JournalEntry(op_id, index + 1, ts, kind, text, postings)
        return entry

    def _places(self) -> list[JournalEntry | None]:
        """``_built`` with a place (None until built) for every entry appended so far."""
        built = self._built
        missing = len(self) - len(built)
        if missing:
            built += [None] * missing
        return built

    def _legs_end(self, index: int) -> int:
        """The offset in ``_leg_fields`` just past the last leg of the entry at ``index``."""
        after = (index + 1) * _ENTRY + _FIRST_LEG
        fields = self._entry_fields
        return int(fields[after]) if after < len(fields) else len(self._leg_fields)

    def _fold(self) -> None:
        """Bring the running balances and the postings per account up to the last entry."""
        fields, legs, count = self._entry_fields, self._leg_fields, len(self)
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
