"""Sub-books of the Models under an Activator, and each Model's contribution to the Score.

The Models under an Activator trade in the Game's accounts: the books, the cash and the tax lots
are the account's (FIFO per account across Models). A sub-book only *attributes*: each Model's
Moves carry its name as their tag (``alias`` or ``alias:own-tag``), so every fill is known to be
one Model's, and a sub-book keeps that Model's cash and units:

* the Start Fund begins in the pool (capital no Model holds); the Activator moves cash between the
  pool and a sub-book when it sets shares (``SubBooks.allot``);
* a fill of a Model's Move moves its sub-book: a buy costs ``round(price * units) + fee``, a sale
  brings ``round(price * units) - fee``, exactly as the books post it (``Price.total``);
* a Model switched off has its units sold by Moves tagged with it, at the Game's fill rule.

``attribute`` recomputes the same from a finished Game (its decision log and cost ledger), for
any Game, stored or not: a Model's trading result is its buys and sales, plus its share of the
end's sales (the end sells each account's units at once; the net proceeds are split by the
units each Model held, in cents, ``domain.allocation.allocate``). Corporate actions follow the
units in the order the log booked them: a split multiplies each sub-book's units, and a dividend
or a split's cash in lieu is shared among the Models holding the units that day, by units, in
cents (the fraction paid out leaves them pro rata). The Score's taxes are split by
the Models' positive trading results (equally when none made money) and running costs equally:
they are the Game's, not a Model's, and this is the rule that shares them. What no rule
attributes (a Move without a Model's tag, units no Model held, a dividend in a foreign currency)
is ``unattributed``, so the contributions plus ``unattributed`` are the Score to the cent, always. Imports the domain
and the engine's events and score only.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

from tradegame.domain.allocation import allocate
from tradegame.domain.books_records import CostEntry
from tradegame.engine.events import EventKind, GameEvent
from tradegame.engine.score import Score

__all__ = [
    "Attribution",
    "Contribution",
    "Logged",
    "SubBook",
    "SubBooks",
    "attribute",
    "fill_owners",
    "model_of_tag",
    "tag_for",
]

_ZERO = Decimal(0)
_CENT = Decimal("0.01")
_TAG = re.compile(r" \[tag ([^\]]*)\]$")
LIQUIDATION_PREFIX = "L-"  # the ids of the end's sales (engine/liquidation.py)


def tag_for(alias: str, own: str) -> str:
    """The tag a Model's Move carries under the Activator: its alias, then its own tag (64 characters)."""
    return alias if not own else f"{alias}:{own}"[:64]


def model_of_tag(tag: str) -> tuple[str, str]:
    """(alias, the Model's own tag) of a tag made by ``tag_for``."""
    alias, _, own = tag.partition(":")
    return alias, own


@dataclass
class SubBook:
    """One Model's cash (Game currency) and units by (account, symbol)."""

    cash: Decimal = _ZERO
    units: dict[tuple[str, str], Decimal] = field(default_factory=dict)

    def held(self, account: str, symbol: str) -> Decimal:
        return self.units.get((account, symbol), _ZERO)


class SubBooks:
    """The pool and each Model's sub-book, moved by fills and by the Activator's allotments."""

    def __init__(self, aliases: Sequence[str], start: Decimal) -> None:
        self.pool = start
        self.books = {alias: SubBook() for alias in aliases}

    def trade(
        self, alias: str, account: str, symbol: str, side: str, units: Decimal, gross: Decimal, fee: Decimal
    ) -> None:
        """Book one fill of ``alias``'s Move: ``gross`` is ``round(price * units)``, ``fee`` what it paid."""
        book = self.books[alias]
        key = (account, symbol)
        if side == "buy":
            book.cash -= gross + fee
            book.units[key] = book.units.get(key, _ZERO) + units
        else:
            book.cash += gross - fee
            left = book.units.get(key, _ZERO) - units
            if left:
                book.units[key] = left
            else:
                book.units.pop(key, None)

    def allot(self, alias: str, amount: Decimal) -> None:
        """Move ``amount`` from the pool to ``alias`` (a negative amount goes back to the pool)."""
        self.pool -= amount
        self.books[alias].cash += amount


@dataclass(frozen=True)
class Contribution:
    """One Model's part of the Score: ``trading`` (its fills, fees included, and its share of the
    end's sales) less its shares of the taxes and running costs."""

    model: str
    trading: Decimal
    taxes: Decimal
    running_costs: Decimal

    @property
    def total(self) -> Decimal:
        return self.trading - self.taxes - self.running_costs


@dataclass(frozen=True)
class Attribution:
    """Each Model's contribution; ``sum(c.total) + unattributed == score`` to the cent."""

    contributions: tuple[Contribution, ...]
    unattributed: Decimal
    score: Decimal

    def as_text(self) -> str:
        lines = [f"{c.model}: {c.total} (trading {c.trading}, taxes {c.taxes}, running costs {c.running_costs})"
                 for c in self.contributions]  # fmt: skip
        lines.append(f"unattributed: {self.unattributed}")
        return "\n".join(lines)


class Logged(Protocol):
    """A line of a decision log, as the engine makes it (``GameEvent``) or a database gives it back."""

    @property
    def move_id(self) -> str | None: ...
    @property
    def kind(self) -> str: ...
    @property
    def detail(self) -> str: ...
    @property
    def op_ids(self) -> tuple[str, ...]: ...


def fill_owners(events: Iterable[Logged], aliases: Collection[str] | None = None) -> dict[str, str]:
    """op id -> the Model (alias) whose Move the fill was, read from the Moves' tags in the log;
    ``aliases`` keeps only those Models (default: every tagged Move's first part)."""
    owner: dict[str, str] = {}
    fills: dict[str, str] = {}
    for event in events:
        move_id = event.move_id
        if move_id is None:
            continue
        if move_id not in owner:
            found = _TAG.search(event.detail)
            if found is not None:
                alias = model_of_tag(found.group(1))[0]
                if aliases is None or alias in aliases:
                    owner[move_id] = alias
        if event.kind in (EventKind.FILLED, EventKind.PARTIAL):
            for op_id in event.op_ids:
                fills[op_id] = move_id
    return {op_id: owner[move_id] for op_id, move_id in fills.items() if move_id in owner} | {
        op_id: move_id for op_id, move_id in fills.items() if move_id.startswith(LIQUIDATION_PREFIX)
    }


def attribute(
    score: Score,
    events: Sequence[GameEvent],
    costs: Sequence[CostEntry],
    aliases: Sequence[str],
    currency: str | None = None,
) -> Attribution:
    """Each Model's contribution to ``score`` from a finished Game's decision log and cost ledger
    (``currency``: the Game's; a dividend paid in another stays unattributed)."""
    owners = fill_owners(events, set(aliases))  # an end's sale maps to its own move id (L-...)
    books = SubBooks(aliases, _ZERO)
    unattributed = score.score
    by_op = {cost.op_id: cost for cost in costs}
    for event in events:  # in the order they were booked: a split or dividend meets the units held then
        if event.kind == EventKind.SPLIT:
            _split_units(books, event.symbol or "", Decimal(event.detail.split(" ", 1)[0]))
        elif event.kind == EventKind.DIVIDEND:
            amount, _, code = event.detail.partition(" ")
            if currency is None or code == currency:
                _share_out(books, event.account or "", event.symbol or "", Decimal(amount), _ZERO)
        for op_id in event.op_ids:
            cost = by_op.pop(op_id, None)
            if cost is not None:
                _book_cost(books, owners.get(op_id, ""), cost, shared=event.kind == EventKind.CASH_IN_LIEU)
    for cost in by_op.values():  # a cost no line of the log names (none today): booked last
        _book_cost(books, owners.get(cost.op_id, ""), cost, shared=False)
    trading = {alias: book.cash for alias, book in books.books.items()}
    unattributed -= sum(trading.values(), _ZERO)
    taxes = _split(score.taxes, [max(trading[a], _ZERO) for a in aliases])
    running = _split(score.running_costs, [Decimal(1)] * len(aliases))
    unattributed += score.taxes + score.running_costs  # now carried by the Models
    contributions = tuple(Contribution(alias, trading[alias], taxes[i], running[i]) for i, alias in enumerate(aliases))
    return Attribution(contributions, unattributed, score.score)


def _book_cost(books: SubBooks, owner: str, cost: CostEntry, *, shared: bool) -> None:
    """One line of the cost ledger: a Model's fill, or a sale no Model made (the end's, or cash in
    lieu of a split's fraction: ``shared``) shared among the Models holding the units."""
    gross, fee = cost.notional.amount, cost.fee.amount
    if owner in books.books and cost.action in ("buy", "sell"):
        books.trade(owner, cost.account, cost.symbol, cost.action, cost.quantity, gross, fee)
    elif cost.action == "sell" and (shared or owner.startswith(LIQUIDATION_PREFIX)):
        _share_out(books, cost.account, cost.symbol, gross - fee, cost.quantity)


def _split_units(books: SubBooks, symbol: str, ratio: Decimal) -> None:
    """A split: every sub-book's units of ``symbol`` (in any account) times ``ratio``."""
    for book in books.books.values():
        for key in [key for key in book.units if key[1] == symbol]:
            book.units[key] *= ratio


def _share_out(books: SubBooks, account: str, symbol: str, net: Decimal, sold: Decimal) -> None:
    """Share ``net`` (cash the account got for its units of ``symbol``: the end's sale, cash in
    lieu, a dividend) among the Models that held them, by units, in cents; ``sold`` units leave
    their sub-books pro rata (none for a dividend). Nothing when no Model held any."""
    key = (account, symbol)
    holders = [(alias, book.held(*key)) for alias, book in books.books.items() if book.held(*key) > 0]
    held = sum((units for _, units in holders), _ZERO)
    if not holders or held <= 0:
        return
    parts = allocate(net, [units for _, units in holders], _CENT)
    for (alias, units), part in zip(holders, parts, strict=True):
        taken = units * sold / held if held != sold else units
        books.books[alias].cash += part
        left = units - taken
        if left > 0:
            books.books[alias].units[key] = left
        else:
            books.books[alias].units.pop(key, None)


def _split(amount: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """``amount`` in cents by ``weights`` (equally when no weight is positive)."""
    if not weights:
        return []
    if not amount:
        return [_ZERO] * len(weights)
    if sum(weights, _ZERO) <= 0:
        weights = [Decimal(1)] * len(weights)
    quantum = _CENT if amount == amount.quantize(_CENT) else Decimal(1).scaleb(amount.as_tuple().exponent)  # type: ignore[arg-type]
    return allocate(amount, list(weights), quantum)
