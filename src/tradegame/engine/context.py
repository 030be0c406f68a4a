"""What a Model gets each Round (``RoundContext``) and the Model protocol itself.

The records a Model is told about its Moves (``Fill``, ``Expired``, ``Cancelled``, ``Rejected``
with a ``RejectReason``) and the snapshots of its open Moves (``MoveSnapshot``) live in
events.py and are exported here too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Protocol, overload

import numpy as np
import pandas as pd

from tradegame.domain.frozen import slot_maker
from tradegame.domain.lots import OpenLot
from tradegame.engine.costs import FeeModel, MakerTaker, PercentOfNotional
from tradegame.engine.events import (
    Cancelled,
    Expired,
    Fill,
    MoveEvent,
    MoveSnapshot,
    Rejected,
    RejectReason,
    Told,
    snapshot,
)
from tradegame.engine.moves import Action, Move
from tradegame.engine.routes import Pair, Route, find_route
from tradegame.engine.timestamps import utc_from_ns
from tradegame.engine.universe import UniverseView

if TYPE_CHECKING:
    from tradegame.engine.game import Game

__all__ = [
    "Cancelled",
    "Expired",
    "Fill",
    "Model",
    "MoveEvent",
    "MoveSnapshot",
    "PositionInfo",
    "RejectReason",
    "Rejected",
    "RoundContext",
    "RoundHistory",
    "RoundRecord",
    "chain_along",
    "fee_rate",
]


@dataclass(frozen=True, slots=True)
class RoundRecord:
    """One finished Round: its time (ns since the epoch, UTC) and the Game's value (in the Game currency)."""

    round: int
    ns: int
    value: float

    @property
    def time(self) -> pd.Timestamp:
        return pd.Timestamp(self.ns, tz="UTC")


_record = slot_maker(RoundRecord)  # ``RoundRecord(...)`` sooner: the history makes one per read


@dataclass(frozen=True, slots=True)
class PositionInfo:
    """A Position as the Model sees it, valued at the latest known close (in its quote currency).

    ``unrealized`` is the appreciation since purchase (value minus the cost of the units held,
    fees included); ``change`` the appreciation since the previous Round.
    """

    account: str
    symbol: str
    quantity: Decimal
    cost: Decimal
    price: float
    value: float
    unrealized: float
    change: float


class RoundHistory(Sequence[RoundRecord]):
    """The finished Rounds, oldest first, read from the Game's arrays (records are made on demand)."""

    __slots__ = ("_count", "_game", "_values")

    def __init__(self, game: Game) -> None:
        self._game = game
        self._count = 0
        self._values: np.ndarray | None = None  # ``game.round_values``, read once (a view: it stays in step)

    def extend_to(self, count: int) -> None:
        self._count = count

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, index: int) -> RoundRecord: ...

    @overload
    def __getitem__(self, index: slice) -> list[RoundRecord]: ...

    def __getitem__(self, index: int | slice) -> RoundRecord | list[RoundRecord]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._count))]
        if index < 0:
            index += self._count
        if not 0 <= index < self._count:
            raise IndexError("round history index out of range")
        times = self._game.times  # through the Game's proxy: a history kept past its Game fails here
        values = self._values
        if values is None:
            values = self._values = self._game.round_values
        return _record(index, int(times[index]), float(values[index]))


class RoundContext:
    """The Model's window on the Game at one Round. Read-only; the Model answers with Actions."""

    __slots__ = ("_events", "_game", "_open", "ns", "round", "universe", "value")

    def __init__(
        self,
        game: Game,
        round_index: int,
        ns: int,
        universe: UniverseView,
        value: float,
        events: tuple[MoveEvent, ...] | Told = (),
    ) -> None:
        self._game = game
        self.round = round_index
        self.ns = ns  # the Round's time, ns since the epoch (UTC)
        self.universe = universe
        self.value = value  # the Game's value at this Round, in the Game currency
        self._events = events  # a ``Told`` until first read (``events``)
        self._open: tuple[MoveSnapshot, ...] | None = None

    @property
    def events(self) -> tuple[MoveEvent, ...]:
        """What became of the Model's actions since its last Round, in order: Fill, Expired,
        Cancelled and Rejected records (see events.py); Moves refused when placed included."""
        events = self._events
        if isinstance(events, Told):
            events = self._events = events.records()
        return events

    @property
    def time(self) -> pd.Timestamp:
        """The Round's time (UTC)."""
        return pd.Timestamp(self.ns, tz="UTC")

    @property
    def start_fund(self) -> Decimal:
        return self._game.spec.start_fund

    @property
    def currency(self) -> str:
        return self._game.spec.currency

    @property
    def accounts(self) -> tuple[str, ...]:
        return tuple(a.name for a in self._game.spec.accounts)

    @property
    def rng(self) -> np.random.Generator:
        """The Game's seeded generator: the only randomness a Model should use."""
        return self._game.rng

    @property
    def fitted(self) -> object | None:
        """What the live version of a trainable Model learned (its ``fit``'s return; engine/training.py),
        None before its first fit or for a Model that does not train."""
        training = self._game.training
        return None if training is None else training.fitted

    def member_fitted(self, alias: str) -> object | None:
        """What the live version of the trainable Model ``alias`` under the Activator learned."""
        training = self._game.member_training.get(alias)
        return None if training is None else training.fitted

    @property
    def history(self) -> RoundHistory:
        """Every earlier Round, oldest first."""
        return self._game.history

    @property
    def open_moves(self) -> tuple[MoveSnapshot, ...]:
        """The Moves still open as the Round began, oldest first: frozen copies (id, tag, size,
        filled, remaining, status, ...); nothing done to them reaches the Game."""
        if self._open is None:
            states = self._game.open_moves
            self._open = tuple(snapshot(state, utc_from_ns(state.placed_at_ns)) for state in states) if states else ()
        return self._open

    @property
    def fills(self) -> tuple[Fill, ...]:
        """The ``Fill`` records among ``events``."""
        return tuple(event for event in self.events if isinstance(event, Fill))

    @property
    def rejections(self) -> tuple[Rejected, ...]:
        """The ``Rejected`` records among ``events``."""
        return tuple(event for event in self.events if isinstance(event, Rejected))

    def cash(self, account: str | None = None, currency: str | None = None) -> Decimal:
        """Cash in ``account`` (default: the first) and ``currency`` (default: the account's)."""
        return self._game.cash_of(account, currency)

    def quantity(self, symbol: str, account: str | None = None) -> Decimal:
        """Units of ``symbol`` held, in one account or (by default) in all."""
        return self._game.quantity_of(symbol, account)

    def open_lots(self, symbol: str, account: str | None = None) -> tuple[OpenLot, ...]:
        """The open tax lots of ``symbol`` (in one account or all), oldest first: their ids, units,
        basis and dates, for a sell that names its lots (``Move.sell(..., lots=...)``)."""
        return tuple(self._game.books.open_lots(account, symbol))

    @property
    def positions(self) -> Mapping[tuple[str, str], PositionInfo]:
        """Every open Position by (account, symbol), with its appreciation."""
        return self._game.position_infos()

    def pairs(self, account: str | None = None) -> list[Pair]:
        """Every tradable instrument as a pair (its base asset / its quote asset: ``ETH/BTC`` is ETH
        for BTC, ``ACME`` is ACME for its quote currency) with the account's fee rate."""
        return self._game.pairs(account)

    def route(self, give: str, get: str, account: str | None = None, max_legs: int = 4) -> Route:
        """The cheapest way from ``give`` to ``get`` (assets or currencies) across the tradable pairs."""
        return find_route(self.pairs(account), give, get, max_legs=max_legs)

    def route_moves(
        self, give: str, get: str, amount: Decimal, *, account: str | None = None, reason: str = ""
    ) -> Move:
        """A chained Move that turns ``amount`` of ``give`` into ``get`` along ``route(give, get)``.

        Each leg after the first is sized by what the one before delivered (see moves.py).
        """
        route = self.route(give, get, account)
        if not route.legs:
            raise ValueError(f"{give} and {get} are the same: nothing to route")
        return chain_along(route, amount, account=account, reason=reason)

    @property
    def holdings(self) -> dict[str, Decimal]:
        """Units held per symbol across accounts (only symbols held)."""
        return self._game.queries.holdings()


def chain_along(route: Route, amount: Decimal, *, account: str | None = None, reason: str = "") -> Move:
    """The chained Move that sends ``amount`` of the route's first asset along ``route``: a sell leg
    sells the asset held, a buy leg spends it; every leg after the first is re-sized by the engine
    to what the leg before it delivered."""
    legs = []
    for index, leg in enumerate(route.legs):
        size = amount if index == 0 else Decimal(1)  # later legs are re-sized by the delivery
        if leg.side == "sell":
            legs.append(Move.sell(leg.pair.symbol, size, account=account, reason=reason))
        else:
            legs.append(Move.buy(leg.pair.symbol, notional=size, account=account, reason=reason))
    return legs[0].chain(*legs[1:])


def fee_rate(fees: FeeModel) -> Decimal:
    """A fee model's rate on notional, for route costs (per-share, flat and tiered fees count as 0)."""
    if isinstance(fees, MakerTaker):
        return fees.taker_rate
    if isinstance(fees, PercentOfNotional):
        return fees.rate
    return Decimal(0)


class Model(Protocol):
    """A strategy: each Round it reads the context and returns Moves (and Cancels, or an EndGame).

    Open Moves that are not cancelled stay open (good till cancelled, or for their time in force).
    """

    name: str

    def decide(self, ctx: RoundContext) -> Iterable[Action] | None: ...
