"""Round trips: the Game's fills paired into trades, each bought and later sold, for the trades table.

How a round trip is formed (a trading view, not the tax view: Form 8949 follows each account's
own lot method, FIFO, LIFO, HIFO or chosen lots, and its wash-sale adjustments):

* Each buy fill opens a lot in its **Position**: one asset in one account. A sell fill closes
  the Position's open lots **first in, first out**, whatever the account's tax lot method.
* Each (lot, sell) pair it touches is one round trip of the quantity that sell took from that
  lot. So a **partial close** (selling 4 of a lot of 10) is a round trip of 4 and leaves 6 open;
  a sell that takes from two lots gives two round trips, each with its own entry.
* Money is the fill's own, in the asset's quote currency: the entry and exit **prices** are the
  fills' notional over their quantity, and each fill's **fee** is shared out by quantity (a lot
  closed in full carries all of its buy's fee). **P&L** = exit notional − entry notional − both
  fees' shares. **Return** = P&L / entry notional (before fees): backtesting.py's
  ``ReturnPct``. **Holding time** = exit fill time − entry fill time.
* Units that come without a buy fill (a position held before the Game, a transfer in with no
  matching transfer out) open **outside lots**: sold, they are counted (``outside_units``) but
  are no round trip of the Model's. A transfer out moves the Position's first lots to the
  account the same asset is next transferred into (their entries kept). A split scales the open
  lots' quantities (their notional and fees stay, so each unit's price falls by the ratio).
* Lots still open at the end (a Game that ended holding them) are ``open_lots``: no round trip.
* The **reason** of an entry or exit is the Model's, from the books' decision log of the fill's
  operation (``m00012: sma 101.2 > 99.8`` gives ``sma 101.2 > 99.8``).

Exact ``Decimal`` throughout. Imports the domain's books types and the engine's result; reads and
writes nothing.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from tradegame.domain.books_records import CostEntry, DecisionEntry
from tradegame.domain.postings import JournalEntry
from tradegame.engine.events import EventKind
from tradegame.engine.game import GameResult

__all__ = ["RoundTrip", "RoundTrips", "form_round_trips", "game_round_trips", "reason_text"]

_ZERO = Decimal(0)
_NEVER = datetime.min.replace(tzinfo=UTC)  # the time of a lot of nothing


@dataclass(frozen=True)
class RoundTrip:
    """Units bought by one fill and sold by a later one (see the module docstring)."""

    account: str
    asset: str
    quantity: Decimal
    entry_time: datetime
    exit_time: datetime
    entry_notional: Decimal  # the share of the buy's notional, in the quote currency
    exit_notional: Decimal
    fees: Decimal  # the shares of both fills' fees
    currency: str
    entry_op: str
    exit_op: str
    entry_reason: str
    exit_reason: str

    @property
    def entry_price(self) -> Decimal:
        return self.entry_notional / self.quantity

    @property
    def exit_price(self) -> Decimal:
        return self.exit_notional / self.quantity

    @property
    def pnl(self) -> Decimal:
        """Exit notional − entry notional − fees."""
        return self.exit_notional - self.entry_notional - self.fees

    @property
    def return_fraction(self) -> float:
        """P&L over the entry notional (0.05 is 5 %); NaN for a lot bought for nothing."""
        return float(self.pnl / self.entry_notional) if self.entry_notional else float("nan")

    @property
    def holding(self) -> timedelta:
        return self.exit_time - self.entry_time


@dataclass(frozen=True)
class RoundTrips:
    """The round trips in the order they closed, and what is not one."""

    trips: tuple[RoundTrip, ...]
    open_lots: int  # lots bought in the Game and still held at the end
    outside_units: Decimal  # units sold from lots not bought in the Game (held before, transferred in)


@dataclass
class _Lot:
    account: str
    asset: str
    quantity: Decimal  # still open
    bought: Decimal  # at the buy (after splits): the shares of notional and fee are per this
    notional: Decimal
    fee: Decimal
    currency: str
    time: datetime
    op_id: str
    outside: bool


def reason_text(reason: str) -> str:
    """The Model's words of a decision-log reason: without the leading Move id (``m00012: ``)."""
    head, colon, rest = reason.partition(": ")
    if colon and " " not in head:
        return rest
    return "" if " " not in reason else reason


def game_round_trips(result: GameResult, assets: Collection[str]) -> RoundTrips:
    """The round trips of a played Game in ``assets`` (the assets the books hold in lots)."""
    books = result.books
    not_fills = {op for e in result.events if e.kind == EventKind.INITIAL_POSITION for op in e.op_ids}
    splits = {op for e in result.events if e.kind == EventKind.SPLIT for op in e.op_ids}
    fills = _fills(books.cost_ledger, assets, not_fills)
    entries = books.entries_unless(fills)  # a fill's entries are not read
    return _round_trips(entries, fills, books.decision_log, assets, splits)


def _fills(costs: Iterable[CostEntry], assets: Collection[str], not_fills: Collection[str]) -> dict[str, CostEntry]:
    """The buys and sells of ``assets``, by op id: the trades a round trip opens and closes."""
    return {
        c.op_id: c
        for c in costs
        if c.action in ("buy", "sell") and c.symbol in assets and c.quantity > 0 and c.op_id not in not_fills
    }


def form_round_trips(
    entries: Iterable[JournalEntry | str],
    costs: Iterable[CostEntry],
    decisions: Iterable[DecisionEntry],
    *,
    assets: Collection[str],
    not_fills: Collection[str] = (),
    splits: Collection[str] = (),
) -> RoundTrips:
    """The round trips of the journal ``entries`` (in order; an entry of a buy or sell may be given
    as its op id alone), whose buys and sells are the ``costs`` lines of ``assets``; ``not_fills``:
    operations that are not trades (an initial position's booking), ``splits``: the operations of
    stock splits."""
    return _round_trips(entries, _fills(costs, assets, not_fills), decisions, assets, splits)


def _round_trips(
    entries: Iterable[JournalEntry | str],
    fills: Mapping[str, CostEntry],
    decisions: Iterable[DecisionEntry],
    assets: Collection[str],
    splits: Collection[str],
) -> RoundTrips:
    """``form_round_trips`` with its ``fills`` (``_fills``) found already."""
    reasons = {d.op_id: reason_text(d.reason) for d in decisions}
    book = _Book(reasons)
    for entry in entries:
        op_id = entry if isinstance(entry, str) else entry.op_id
        if op_id in fills:
            book.fill(fills[op_id])
            continue
        if isinstance(entry, str):
            raise ValueError(f"operation {op_id} is not a buy or sell: its journal entry is needed")
        changes: dict[tuple[str, str], tuple[Decimal, Decimal | None]] = {}  # net units and value per Position
        for posting in entry.postings:
            position = _position_of(posting.account, posting.commodity)
            if position[1] in assets:
                units, value = changes.get(position, (_ZERO, None))
                if posting.value is not None:
                    value = (value or _ZERO) + posting.value
                changes[position] = (units + posting.units, value)
        for (account, asset), (units, value) in changes.items():
            if units:
                book.move(account, asset, units, entry, entry.op_id in splits, value)
    open_lots = sum(1 for lots in book.lots.values() for lot in lots if not lot.outside)
    return RoundTrips(tuple(book.trips), open_lots, book.outside_units)


def _position_of(account: str, commodity: str) -> tuple[str, str]:
    """(account, asset) of an ``Assets:{account}:{asset}`` posting; ("", "") for any other."""
    parts = account.split(":")
    if len(parts) == 3 and parts[0] == "Assets" and parts[2] == commodity:
        return parts[1], commodity
    return "", ""


class _Book:
    """The open lots of every Position, and the round trips closed so far."""

    def __init__(self, reasons: Mapping[str, str]) -> None:
        self.reasons = reasons
        self.lots: dict[tuple[str, str], deque[_Lot]] = {}
        self.moving: dict[str, deque[_Lot]] = {}  # lots transferred out, by asset, not yet in
        self.trips: list[RoundTrip] = []
        self.outside_units = _ZERO
        self.done: set[str] = set()

    def fill(self, cost: CostEntry) -> None:
        if cost.op_id in self.done:  # a fill's operation may have several journal entries
            return
        self.done.add(cost.op_id)
        lots = self.lots.setdefault((cost.account, cost.symbol), deque())
        currency = cost.notional.currency.code
        if cost.action == "buy":
            lots.append(_Lot(cost.account, cost.symbol, cost.quantity, cost.quantity, cost.notional.amount,
                             cost.fee.amount, currency, cost.timestamp, cost.op_id, outside=False))  # fmt: skip
            return
        for lot, taken in _take(lots, cost.quantity):
            if lot.outside:
                self.outside_units += taken
                continue
            self.trips.append(
                RoundTrip(
                    account=cost.account,
                    asset=cost.symbol,
                    quantity=taken,
                    entry_time=lot.time,
                    exit_time=cost.timestamp,
                    entry_notional=_share(lot.notional, taken, lot.bought),
                    exit_notional=_share(cost.notional.amount, taken, cost.quantity),
                    fees=_share(lot.fee, taken, lot.bought) + _share(cost.fee.amount, taken, cost.quantity),
                    currency=currency,
                    entry_op=lot.op_id,
                    exit_op=cost.op_id,
                    entry_reason=self.reasons.get(lot.op_id, ""),
                    exit_reason=self.reasons.get(cost.op_id, ""),
                )
            )

    def move(self, account: str, asset: str, units: Decimal, entry: JournalEntry, split: bool,
             value: Decimal | None) -> None:  # fmt: skip
        """Units of a Position changed by something other than a fill."""
        lots = self.lots.setdefault((account, asset), deque())
        if split:
            held = sum((lot.quantity for lot in lots), _ZERO)
            ratio = (held + units) / held if held else Decimal(1)
            for lot in lots:
                lot.quantity *= ratio
                lot.bought *= ratio
            return
        if units < 0:  # out (a transfer): the first lots go, to come in where the asset next arrives
            moving = self.moving.setdefault(asset, deque())
            moving.extend(replace(lot, quantity=taken) for lot, taken in _take(lots, -units) if taken)
            return
        arriving = self.moving.get(asset, deque())
        left = units
        for lot, taken in _take(arriving, units):
            lots.append(replace(lot, account=account, quantity=taken))
            left -= taken
        if left > 0:  # from outside the Game's trades: an initial position, a deposit of the asset
            cost = value if value is not None else _ZERO
            lots.append(_Lot(account, asset, left, left, cost, _ZERO, "", entry.timestamp, entry.op_id, outside=True))


def _take(lots: deque[_Lot], quantity: Decimal) -> list[tuple[_Lot, Decimal]]:
    """Take ``quantity`` from the first of ``lots`` (emptied lots leave): each lot and how much of it.
    Beyond the lots, the rest is taken from a lot of nothing (an outside one)."""
    taken: list[tuple[_Lot, Decimal]] = []
    left = quantity
    while left > 0 and lots:
        lot = lots[0]
        part = min(lot.quantity, left)
        taken.append((lot, part))
        lot.quantity -= part
        left -= part
        if not lot.quantity:
            lots.popleft()
    if left > 0:
        taken.append((_Lot("", "", _ZERO, _ZERO, _ZERO, _ZERO, "", _NEVER, "", outside=True), left))
    return taken


def _share(amount: Decimal, part: Decimal, whole: Decimal) -> Decimal:
    """``amount`` × ``part`` / ``whole``, exactly ``amount`` when ``part`` is all of it."""
    return amount if part == whole else amount * part / whole
