"""Moves: what a Model asks the market to do, and what became of it.

A ``Move`` is an order: market, limit, stop (stop-loss) or stop-limit; sized by quantity, by
notional (an amount of the quote currency) or as a target weight of the Game's value; with a
time in force: good till cancelled (``"gtc"``), this Round only (``"round"``), or a number of
Rounds (an ``int``). ``then`` chains a next Move sized by what this one actually delivered:
after a sell, the next leg spends the proceeds (its notional); after a buy, the next leg sells
the units bought. A sell may name the tax lots it sells (``lots``: specific identification,
e.g. the lots with the highest basis); without them the account's lot method picks, and in an
account whose method is specific identification the engine names the oldest lots first (FIFO,
the rule when a sale is not identified). A Move may carry the Model's ``tag``; the engine gives
each Move placed an id (``m00001``, counted per Game). A Model may also ``Cancel`` an open Move,
``Transfer`` cash between accounts, ``Convert`` currencies, book an ``Expense`` it incurred (a
language model's call, a training run: a one-off running cost, in the score), write a ``Note`` in
the decision log (a decision not to act, and why), or ``EndGame``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import MISSING, dataclass, field, fields
from decimal import Decimal
from enum import StrEnum

from tradegame.domain.errors import InvalidInputError
from tradegame.domain.frozen import quick_init, slot_batch, slot_maker
from tradegame.domain.money import to_decimal

__all__ = [
    "Action",
    "Cancel",
    "Convert",
    "EndGame",
    "Expense",
    "Move",
    "MoveState",
    "MoveStatus",
    "Note",
    "OrderType",
    "Side",
    "TimeInForce",
    "Transfer",
]

_TAG_LENGTH = 64
_DECIMAL_FIELDS = ("quantity", "notional", "target_weight", "limit_price", "stop_price")
_ZERO, _ONE = Decimal(0), Decimal(1)
_UNCHECKED = frozenset({"account", "reason"})  # options no rule of ``Move.__post_init__`` reads


class Side(StrEnum):
    BUY = "buy"
    SELL = "sell"


class OrderType(StrEnum):
    MARKET = "market"
    LIMIT = "limit"
    STOP = "stop"
    STOP_LIMIT = "stop_limit"


TimeInForce = str | int  # "gtc", "round", or a number of Rounds >= 1


class MoveStatus(StrEnum):
    OPEN = "open"  # accepted, waiting for a bar (maybe partly filled)
    FILLED = "filled"
    CANCELLED = "cancelled"  # by the Model
    EXPIRED = "expired"  # its time in force ran out
    REJECTED = "rejected"  # impossible: beyond cash or holdings, unknown symbol, bad price


@quick_init
@dataclass(frozen=True, slots=True)
class Move:
    """An order. Exactly one of ``quantity``, ``notional``, ``target_weight`` (or ``sell_all``) sizes it.
    Slots: the decision log keeps every Move placed (its line is written when read), and an instance
    dict per Move was one more object for the garbage collector to walk."""

    symbol: str
    side: Side
    quantity: Decimal | None = None
    notional: Decimal | None = None
    target_weight: Decimal | None = None
    sell_all: bool = False
    order_type: OrderType = OrderType.MARKET
    limit_price: Decimal | None = None
    stop_price: Decimal | None = None
    time_in_force: TimeInForce = "gtc"
    account: str | None = None
    reason: str = ""
    then: Move | None = field(default=None, repr=False)
    lots: tuple[tuple[str, Decimal], ...] = ()  # a sell's tax lots, (lot id, units), in order
    tag: str = ""  # the Model's own label, up to 64 printable characters; in every event about the Move

    def __post_init__(self) -> None:
        for name in _DECIMAL_FIELDS:
            value = getattr(self, name)
            if value is not None and (type(value) is not Decimal or not value.is_finite()):
                object.__setattr__(self, name, to_decimal(value, f"move {self.symbol} {name}"))
        quantity, notional, weight = self.quantity, self.notional, self.target_weight
        given = (quantity is not None) + (notional is not None) + (weight is not None)
        if given + bool(self.sell_all) != 1:
            sizes = [n for n in ("quantity", "notional", "target_weight") if getattr(self, n) is not None]
            sizes += ["sell_all"] if self.sell_all else []
            raise InvalidInputError(
                f"move {self.symbol}: give exactly one of quantity, notional, target_weight, sell_all (got {sizes})"
            )
        if self.sell_all and self.side is not Side.SELL:
            raise InvalidInputError(f"move {self.symbol}: sell_all is a sell")
        if quantity is not None and quantity <= 0:
            raise InvalidInputError(f"move {self.symbol}: quantity must be positive, got {quantity}")
        if notional is not None and notional <= 0:
            raise InvalidInputError(f"move {self.symbol}: notional must be positive, got {notional}")
        if weight is not None:
            _check_weight(self.symbol, weight)
        if self.order_type is not OrderType.MARKET or self.limit_price is not None or self.stop_price is not None:
            self._check_prices()  # a plain market order has none to check
        tif = self.time_in_force
        if not (tif in ("gtc", "round") or (isinstance(tif, int) and not isinstance(tif, bool) and tif >= 1)):
            raise InvalidInputError(f"move {self.symbol}: time_in_force must be 'gtc', 'round' or a number >= 1")
        tag = self.tag
        if tag != "" and (not isinstance(tag, str) or len(tag) > _TAG_LENGTH or not tag.isprintable()):
            raise InvalidInputError(f"move {self.symbol}: tag must be a str of at most 64 printable characters")
        if self.lots:
            self._check_lots()

    def _check_prices(self) -> None:
        """The order type's prices: given when it needs them, and positive."""
        needs_limit = self.order_type in (OrderType.LIMIT, OrderType.STOP_LIMIT)
        needs_stop = self.order_type in (OrderType.STOP, OrderType.STOP_LIMIT)
        if needs_limit != (self.limit_price is not None) or needs_stop != (self.stop_price is not None):
            raise InvalidInputError(
                f"move {self.symbol}: a {self.order_type} order needs "
                + ("a limit price " if needs_limit else "no limit price ")
                + ("and a stop price" if needs_stop else "and no stop price")
            )
        for name, price in (("limit_price", self.limit_price), ("stop_price", self.stop_price)):
            if price is not None and price <= 0:
                raise InvalidInputError(f"move {self.symbol}: {name} must be positive, got {price}")

    def _check_lots(self) -> None:
        if self.side is not Side.SELL or self.quantity is None:
            raise InvalidInputError(f"move {self.symbol}: only a sell sized by quantity names its lots")
        named: list[tuple[str, Decimal]] = []
        for item in self.lots:
            if not (isinstance(item, tuple | list) and len(item) == 2 and isinstance(item[0], str) and item[0].strip()):
                raise InvalidInputError(f"move {self.symbol}: each lot is a (lot id, units) pair, got {item!r}")
            units = to_decimal(item[1], f"move {self.symbol} lot {item[0]}")
            if units <= 0:
                raise InvalidInputError(f"move {self.symbol}: lot {item[0]} units must be positive, got {units}")
            named.append((item[0], units))
        total = sum((units for _, units in named), Decimal(0))
        if total != self.quantity:
            raise InvalidInputError(f"move {self.symbol}: the lots name {total} units, the quantity is {self.quantity}")
        object.__setattr__(self, "lots", tuple(named))

    # -- shorthands ------------------------------------------------------------------------

    @classmethod
    def buy(cls, symbol: str, quantity: Decimal | int | str | None = None, **options: object) -> Move:
        """A buy; pass ``quantity`` or one of ``notional=``/``target_weight=``."""
        if quantity is not None:
            options["quantity"] = to_decimal(quantity, f"move {symbol} quantity")
        return cls(symbol, Side.BUY, **options)  # type: ignore[arg-type]

    @classmethod
    def sell(cls, symbol: str, quantity: Decimal | int | str | None = None, **options: object) -> Move:
        """A sell; pass ``quantity``, or ``sell_all=True``, or ``notional=``/``target_weight=``."""
        if quantity is not None:
            options["quantity"] = to_decimal(quantity, f"move {symbol} quantity")
        elif options.get("sell_all") is True and options.keys() - _UNCHECKED == {"sell_all"}:
            return cls._checked(symbol, Side.SELL, options)  # sell all, nothing else: nothing to check
        return cls(symbol, Side.SELL, **options)  # type: ignore[arg-type]

    @classmethod
    def target(cls, symbol: str, weight: Decimal | int | str, **options: object) -> Move:
        """Buy or sell ``symbol`` so it makes up ``weight`` of the Game's value (the side is settled at fill)."""
        if type(weight) is not Decimal or not weight.is_finite():  # the common case is checked once, below
            weight = to_decimal(weight, f"move {symbol} weight")
        if options.keys() <= _UNCHECKED:  # a weight and a reason: the weight is the one thing to check
            _check_weight(symbol, weight)
            return cls._checked(symbol, Side.BUY, {"target_weight": weight, **options})
        return cls(symbol, Side.BUY, target_weight=weight, **options)  # type: ignore[arg-type]

    @classmethod
    def targets(cls, weight: Decimal | int | str, orders: Iterable[tuple[str, str]]) -> list[Move]:
        """``Move.target(symbol, weight, reason=reason)`` for each (symbol, reason) of ``orders``, in
        order: the same Moves, the one ``weight`` checked once (by the first)."""
        orders = list(orders)
        if not orders:
            return []
        first = cls.target(orders[0][0], weight, reason=orders[0][1])
        return [first, *cls._made(Side.BUY, {"target_weight": first.target_weight}, orders[1:])]

    @classmethod
    def sells_all(cls, orders: Iterable[tuple[str, str]]) -> list[Move]:
        """``Move.sell(symbol, sell_all=True, reason=reason)`` for each (symbol, reason) of ``orders``,
        in order (a sell of everything held has nothing to check)."""
        return cls._made(Side.SELL, {"sell_all": True}, orders)

    @classmethod
    def _checked(cls, symbol: str, side: Side, values: dict[str, object]) -> Move:
        """A plain market Move, good till cancelled, of ``values`` that the caller has checked (by the
        rules of ``__post_init__``): made at once, without running those checks again. A subclass of
        ``Move`` is made the ordinary way (it may check more)."""
        if cls is not Move:
            return cls(symbol, side, **values)  # type: ignore[arg-type]
        return _checked_move(symbol, side, **values)  # type: ignore[arg-type]

    @classmethod
    def _made(cls, side: Side, values: dict[str, object], orders: Iterable[tuple[str, str]]) -> list[Move]:
        """``_checked`` for many Moves of ``side`` and ``values``, one per (symbol, reason) of ``orders``:
        each made in one loop (``slot_batch``). A subclass of ``Move`` is made the ordinary way (it may
        check more)."""
        if cls is not Move:
            return [cls(symbol, side, **{**values, "reason": reason}) for symbol, reason in orders]  # type: ignore[arg-type]
        return _made_moves({**_DEFAULTS, "side": side, **values}, orders)

    def chain(self, *legs: Move) -> Move:
        """This Move followed by ``legs`` in order, each sized by what the one before delivered."""
        rest: Move | None = None
        for leg in reversed(legs):
            rest = leg if rest is None else _with_then(leg, rest)
        return self if rest is None else _with_then(self, rest)

    def legs(self) -> list[Move]:
        out, leg = [], self
        while leg is not None:
            out.append(leg)
            leg = leg.then  # type: ignore[assignment]
        return out


_checked_move = slot_maker(Move, checked=True)  # ``Move(...)`` without ``__post_init__``: for ``Move._checked``
# Every field of a Move, in their order, with its default (None for symbol and side, which have none).
_DEFAULTS = {f.name: None if f.default is MISSING else f.default for f in fields(Move)}
_made_moves = slot_batch(Move, ("symbol", "reason"))  # for ``Move._made``


def _check_weight(symbol: str, weight: Decimal) -> None:
    if not _ZERO <= weight <= _ONE:
        raise InvalidInputError(f"move {symbol}: target_weight must be within 0..1, got {weight}")


def _with_then(move: Move, then: Move) -> Move:
    from dataclasses import replace

    tail = then if move.then is None else _with_then(move.then, then)
    return replace(move, then=tail)


@dataclass(frozen=True)
class Cancel:
    """Cancel the open Move with this id (what is already filled stays filled)."""

    move_id: str
    reason: str = ""


@dataclass(frozen=True)
class EndGame:
    """End the Game now; every Position is liquidated."""

    reason: str


@dataclass(frozen=True)
class Transfer:
    """An action: move cash between two accounts along one of the Game's transfer rules."""

    source: str
    target: str
    amount: Decimal
    reason: str = ""


@dataclass(frozen=True)
class Convert:
    """An action: exchange ``amount`` of ``give`` currency for ``get`` in ``account`` at the latest rate."""

    account: str
    give: str
    get: str
    amount: Decimal
    reason: str = ""


@dataclass(frozen=True)
class Expense:
    """An action: a cost the Model incurred this Round (``amount`` in ``account``'s currency, above 0),
    booked at once as a one-off running cost named ``name`` (``Expenses:RunningCosts:{name}``);
    ``reason`` says what it paid for (a call's id). What the cash cannot pay is owed until cash arrives."""

    name: str
    amount: Decimal
    account: str | None = None
    reason: str = ""

    def __post_init__(self) -> None:
        amount = to_decimal(self.amount, "expense amount")
        if not amount > 0:
            raise InvalidInputError(f"expense {self.name!r}: amount must be above 0, not {amount}")
        if not self.name or not isinstance(self.name, str):
            raise InvalidInputError(f"an expense needs a name, not {self.name!r}")
        object.__setattr__(self, "amount", amount)


@dataclass(frozen=True)
class Note:
    """An action: one line of the Model's own in the decision log (``symbol`` it is about, if any)."""

    text: str
    symbol: str | None = None


Action = Move | Cancel | EndGame | Transfer | Convert | Expense | Note


@dataclass(slots=True)
class MoveState:
    """An accepted Move as the Game tracks it; the Model sees these (read them, do not change them).
    Slots: one is made per Move placed, faster without an instance dict."""

    move_id: str
    move: Move
    account: str
    placed_round: int
    placed_at_ns: int
    quantity: Decimal | None  # units to trade, once known (target/notional sizes settle at fill)
    side: Side
    filled: Decimal = Decimal(0)
    fill_value: Decimal = Decimal(0)  # sum of quantity * price filled
    fees: Decimal = Decimal(0)
    status: MoveStatus = MoveStatus.OPEN
    triggered: bool = False  # a stop that has been hit
    rounds_seen: int = 0
    chain_root: str | None = None
    op_ids: list[str] = field(default_factory=list)
    note: str = ""

    @property
    def remaining(self) -> Decimal | None:
        return None if self.quantity is None else self.quantity - self.filled

    @property
    def average_price(self) -> Decimal | None:
        return None if not self.filled else self.fill_value / self.filled
