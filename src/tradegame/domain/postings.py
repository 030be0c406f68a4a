"""Postings and entries: the rules every entry of the journal obeys (journal.py keeps them).

A posting names an account under one of the five roots (``Assets``, ``Liabilities``, ``Equity``,
``Income``, ``Expenses``), moves a signed, non-zero number of units of one commodity and, for a
commodity that is not a currency (a share, a coin), carries its signed book value in a currency. The
posting's *weight* is that book value when it has one and its units otherwise (beancount's cost
weight). An entry balances when the weights sum to exactly zero in every currency; one that does not
is refused with ``UnbalancedEntryError``. A draft entry (``Leg`` rows) is checked by the same rules
without being built (``check_legs``). Imports only the standard library and ``tradegame.domain``.
"""

from __future__ import annotations

from collections.abc import Iterable
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
    "JournalEntry",
    "Leg",
    "Narration",
    "Posting",
    "check_account",
    "check_legs",
    "check_name",
    "flat_draft",
    "require_utc",
]

ACCOUNT_ROOTS = frozenset({"Assets", "Liabilities", "Equity", "Income", "Expenses"})
_ZERO = Decimal(0)
_CHECK_TIME = datetime(2000, 1, 1, tzinfo=UTC)  # the time of an entry built only to check its postings

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


def check_name(name: object, what: str) -> str:
    """Return ``name`` if it is a non-empty name without spaces or ':'; refuse it otherwise."""
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
        check_name(part, f"account {account!r}: component")
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
        check_name(self.commodity, f"{self.account}: commodity")
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
            check_name(self.value_currency, f"{self.account}: value currency")
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
        check_name(self.op_id, "op id")  # the first rule either way (a new op id is checked here)
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
        check_name(self.op_id, "op id")
        if isinstance(self.seq, bool) or not isinstance(self.seq, int) or self.seq < 1:
            raise InvalidInputError(f"entry {self.op_id}: seq must be a positive integer, got {self.seq!r}")
        object.__setattr__(self, "timestamp", require_utc(self.timestamp, f"entry {self.op_id} timestamp"))
        check_name(self.kind, f"entry {self.op_id}: kind")
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
