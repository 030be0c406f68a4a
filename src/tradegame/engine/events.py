"""What a Model is told about its Moves, and the kinds of the Game's event log.

Each Round ``ctx.events`` holds the records of what became of the Model's actions since its last
Round, in the order it happened, as frozen dataclasses (money and quantities ``Decimal``):

- ``Fill``: one fill of a Move (``partial`` when some of it is still open), with its price, fee,
  the tax lots it opened or sold from and the op id of its journal entries;
- ``Expired``: its time in force ran out; ``Cancelled``: the Model cancelled it;
- ``Rejected``: the engine refused it, with a ``RejectReason`` and a human ``message``. Moves
  refused when placed are told at the next Round like any other; so are refused Cancels,
  Transfers and Converts (their ``move_id`` is the Cancel's, or None).

``ctx.open_moves`` holds ``MoveSnapshot``s: copies, never the engine's own state. Every event of
the Game's log (``GameEvent``) has an ``EventKind``, a ``StrEnum`` whose values are the strings
stored in databases and exports. Imports the domain and ``engine.moves`` only (game.py imports
this module).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from tradegame.domain.errors import (
    FeeExceedsValueError,
    InsufficientFundsError,
    InsufficientHoldingsError,
    NoPriceError,
    TooSmallError,
    TradegameError,
    UnknownLotError,
)
from tradegame.domain.frozen import quick_init, slot_maker
from tradegame.engine.moves import Move, MoveState, MoveStatus, OrderType, Side, TimeInForce

__all__ = [
    "Cancelled",
    "EventKind",
    "Expired",
    "Fill",
    "FillRow",
    "GameEvent",
    "LotsOf",
    "MoveEvent",
    "MoveSnapshot",
    "RejectReason",
    "Rejected",
    "Told",
    "describe",
    "new_event",
    "new_fill",
    "reason_for",
    "snapshot",
]


class EventKind(StrEnum):
    """The kind of a line of the Game's event log (the values are what databases and exports store)."""

    START = "start"
    INITIAL_POSITION = "initial-position"
    FX = "fx"
    PLACED = "placed"
    FILLED = "filled"
    PARTIAL = "partial"
    CONTINUED = "continued"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    REJECTED = "rejected"
    CHAIN_STOPPED = "chain-stopped"
    CONVERTED = "converted"
    SPLIT = "split"
    DIVIDEND = "dividend"
    CASH_IN_LIEU = "cash-in-lieu"
    TRANSFER_OUT = "transfer-out"
    TRANSFER_IN = "transfer-in"
    RUNNING_COST = "running-cost"
    ON_CREDIT = "on-credit"
    DEBT_PAID = "debt-paid"
    EXIT = "exit"
    LIQUIDATED = "liquidated"
    OWED = "owed"
    NOTE = "note"  # the Model's own line: a decision not to act, and why
    TRAINED = "trained"  # a trainable Model fitted a new version (engine/training.py)
    RETIRED = "retired"  # a version expired and was retired early
    FIT_SKIPPED = "fit-skipped"  # a fit found nothing to learn (no row before the cut-off, or fit returned None)


class RejectReason(StrEnum):
    """Why the engine refused an action of the Model (``Rejected.reason``)."""

    UNKNOWN_ACCOUNT = "unknown_account"  # the Move, Convert or Transfer names no account of the Game
    UNKNOWN_SYMBOL = "unknown_symbol"  # not in the Game's data
    NOT_ALLOWED_SYMBOL = "not_allowed_symbol"  # in the data, not in the Game's ``symbols``
    NOT_ALLOWED_ASSET_CLASS = "not_allowed_asset_class"  # its asset class is not in ``asset_classes``
    NOT_TRADED_IN_ACCOUNT = "not_traded_in_account"  # the account's ``symbols`` leave it out
    NOT_LOT_MULTIPLE = "not_lot_multiple"  # a quantity that is not a whole number of lots
    BELOW_LOT = "below_lot"  # a notional that buys or sells less than one lot at the fill price
    AT_TARGET = "at_target"  # a target weight the Position already has: nothing to trade
    INSUFFICIENT_HOLDINGS = "insufficient_holdings"  # a sale of more than held (or of nothing)
    INSUFFICIENT_CASH = "insufficient_cash"  # a buy, Convert or Transfer the cash cannot pay
    UNKNOWN_LOT = "unknown_lot"  # a sale names a lot that is not open or too small
    TOO_SMALL = "too_small"  # a trade worth less than one minor unit
    FEE_EXCEEDS_VALUE = "fee_exceeds_value"  # the fee would take all the sale or swap is worth
    NO_PRICE = "no_price"  # a cross pair's quote asset has no price yet
    CHAIN_STOPPED = "chain_stopped"  # the leg before delivered nothing: this leg was never placed
    NO_OPEN_MOVE = "no_open_move"  # a Cancel of a Move that is not open
    NO_TRANSFER_RULE = "no_transfer_rule"  # a Transfer between accounts the Game has no rule for
    NOT_AN_ACTION = "not_an_action"  # the Model returned something that is not an action
    INVALID = "invalid"  # any other refusal of the books; the message says why


def reason_for(error: TradegameError) -> RejectReason:
    """The reason code of an error the books (or the engine's fill) raised."""
    for kind, reason in _ERROR_REASONS:
        if isinstance(error, kind):
            return reason
    return RejectReason.INVALID


_ERROR_REASONS: tuple[tuple[type[TradegameError], RejectReason], ...] = (
    (InsufficientFundsError, RejectReason.INSUFFICIENT_CASH),  # before its parent class
    (UnknownLotError, RejectReason.UNKNOWN_LOT),
    (InsufficientHoldingsError, RejectReason.INSUFFICIENT_HOLDINGS),
    (TooSmallError, RejectReason.TOO_SMALL),
    (FeeExceedsValueError, RejectReason.FEE_EXCEEDS_VALUE),
    (NoPriceError, RejectReason.NO_PRICE),
)


@quick_init
@dataclass(frozen=True, slots=True)
class Fill:
    """One fill of a Move. ``price`` is per unit after slippage, on the tick grid; ``price`` and
    ``fee`` are in ``fee_currency`` (the quote currency, or a cross pair's quote coin).
    ``filled``/``remaining`` are the Move's totals after this fill; ``lots_opened`` are the tax
    lots a purchase opened, ``lots_sold`` the (lot id, units) a sale took; ``op_id`` links the
    journal entries; ``note`` says when a buy was cut to the cash available."""

    move_id: str
    tag: str
    symbol: str
    account: str
    side: Side
    price: Decimal
    quantity: Decimal
    fee: Decimal
    fee_currency: str
    partial: bool
    filled: Decimal
    remaining: Decimal
    lots_opened: tuple[str, ...]
    lots_sold: tuple[tuple[str, Decimal], ...]
    op_id: str
    time: datetime
    note: str = ""

    @property
    def lot_ids(self) -> tuple[str, ...]:
        """Every lot this fill opened or sold from."""
        return self.lots_opened + tuple(lot_id for lot_id, _ in self.lots_sold)


@quick_init
@dataclass(frozen=True, slots=True)
class Expired:
    """A Move whose time in force ran out; ``filled`` of it traded before."""

    move_id: str
    tag: str
    symbol: str
    account: str
    side: Side
    filled: Decimal
    remaining: Decimal | None
    time: datetime


@quick_init
@dataclass(frozen=True, slots=True)
class Cancelled:
    """A Move the Model cancelled; what was filled stays filled."""

    move_id: str
    tag: str
    symbol: str
    account: str
    side: Side
    filled: Decimal
    remaining: Decimal | None
    message: str
    time: datetime


@quick_init
@dataclass(frozen=True, slots=True)
class Rejected:
    """An action the engine refused, when placed or at a fill: ``reason`` for code, ``message`` for
    people (the same text as the event log). ``move_id`` is None for a chained leg that was never
    placed and for a refused Transfer, Convert or non-action; ``filled`` is what traded before."""

    move_id: str | None
    tag: str
    symbol: str | None
    account: str | None
    side: Side | None
    reason: RejectReason
    message: str
    time: datetime
    filled: Decimal = Decimal(0)


MoveEvent = Fill | Expired | Cancelled | Rejected


@dataclass(frozen=True, slots=True)
class MoveSnapshot:
    """An open Move as it stood when the Round began: a copy, so nothing done to it reaches the Game.

    ``quantity`` and ``remaining`` are None until a notional or target-weight size is settled at
    its fill; ``move`` is a copy of the Move (after a split, with its adjusted size and prices).
    """

    move_id: str
    tag: str
    symbol: str
    account: str
    side: Side
    order_type: OrderType
    limit_price: Decimal | None
    stop_price: Decimal | None
    time_in_force: TimeInForce
    quantity: Decimal | None
    filled: Decimal
    remaining: Decimal | None
    fees: Decimal
    average_price: Decimal | None
    status: MoveStatus
    placed_round: int
    placed_at: datetime
    move: Move


def snapshot(state: MoveState, placed_at: datetime) -> MoveSnapshot:
    """A detached copy of ``state`` (``placed_at``: its ``placed_at_ns`` as a UTC time)."""
    move = state.move
    return MoveSnapshot(
        state.move_id,
        move.tag,
        move.symbol,
        state.account,
        state.side,
        move.order_type,
        move.limit_price,
        move.stop_price,
        move.time_in_force,
        state.quantity,
        state.filled,
        state.remaining,
        state.fees,
        state.average_price,
        state.status,
        state.placed_round,
        placed_at,
        copy.deepcopy(move),
    )


@quick_init
@dataclass(frozen=True, slots=True)
class GameEvent:
    """One line of the Game's decision log; ``op_ids`` link it to the ledger entries it caused."""

    seq: int
    round: int
    time: str
    kind: EventKind
    move_id: str | None
    account: str | None
    symbol: str | None
    detail: str
    op_ids: tuple[str, ...] = ()

    def as_json(self) -> dict[str, object]:
        """The line as a JSON object (the format of ``GameResult.events_jsonl``)."""
        return {
            "seq": self.seq,
            "round": self.round,
            "time": self.time,
            "kind": str(self.kind),
            "move_id": self.move_id,
            "account": self.account,
            "symbol": self.symbol,
            "detail": self.detail,
            "op_ids": list(self.op_ids),
        }


new_fill = slot_maker(Fill)  # ``Fill(...)`` made faster (``slot_maker``): built once per fill read
new_event = slot_maker(GameEvent)  # ``GameEvent(...)`` made faster: the event log makes one per line


FillRow = tuple[str, str, str, str, Side, Decimal, Decimal, Decimal, str, bool, Decimal, Decimal, str, datetime, str]
"""A ``Fill``'s fields as the fill gives them, in order, but its lots and with the Move's total
quantity for ``remaining``: the inbox keeps a fill so until the Model reads it (``Told``)."""

LotsOf = Callable[[str], tuple[tuple[str, ...], tuple[tuple[str, Decimal], ...]]]
"""The lots an operation opened and the (lot id, units) it sold, by op id, as booked (``Books.lots_of``)."""


class Told:
    """What the Model is told at one Round (``RoundContext.events``): the records in the order they
    happened, a fill's ``Fill`` built from its ``FillRow`` when first read.

    Most Models never read the fills they are told of (a rebalancing Model reads its holdings), so
    a fill's record and its lots are not made on every fill; made when read, they are the same:
    the books keep an operation's lots as booked. Holds the books' ``lots_of``, not the Game."""

    __slots__ = ("_items", "_lots_of")

    def __init__(self, items: tuple[MoveEvent | FillRow, ...], lots_of: LotsOf) -> None:
        self._items = items
        self._lots_of = lots_of

    def records(self) -> tuple[MoveEvent, ...]:
        """The records, in order."""
        lots_of = self._lots_of
        return tuple(_fill(item, lots_of) if type(item) is tuple else item for item in self._items)  # type: ignore[misc]


def _fill(row: FillRow, lots_of: LotsOf) -> Fill:
    """The ``Fill`` of ``row``, its lots read from the books."""
    move_id, tag, symbol, account, side, price, quantity, fee, code, partial, filled, total, op_id, time, note = row
    opened, sold = lots_of(op_id)
    return new_fill(move_id, tag, symbol, account, side, price, quantity, fee, code, partial, filled, total - filled,
                    opened, sold, op_id, time, note)  # fmt: skip


def describe(move: Move) -> str:
    """A Move in one line of the event log: side, size, symbol, type, prices, time in force, chain
    and reason."""
    # ``!s``: the str of a Decimal or StrEnum, what its ``format`` with no spec writes too, only sooner
    if move.quantity is not None:
        size = str(move.quantity)
    elif move.notional is not None:
        size = f"notional {move.notional!s}"
    elif move.target_weight is not None:
        size = f"target weight {move.target_weight!s}"
    else:
        size = "all"
    price = ""
    if move.limit_price is not None:
        price += f" limit {move.limit_price!s}"
    if move.stop_price is not None:
        price += f" stop {move.stop_price!s}"
    chain = f" then {len(move.legs()) - 1} more leg(s)" if move.then is not None else ""
    text = f"{move.side!s} {size} {move.symbol} {move.order_type!s}{price} tif {move.time_in_force}{chain}"
    return f"{text}: {move.reason}".rstrip(": ")
