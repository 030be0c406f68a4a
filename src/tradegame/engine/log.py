"""The Game's event log (the decision log) and the Model's inbox.

``EventLog.event`` appends one line stamped with the clock's Round and time (a Move's tag is added
to its detail), kept as its fields and read as a ``GameEvent`` (``EventLines``; ``ResultEvents``
hands them to the ``GameResult``); ``fill`` logs a fill and tells the Model of it, both written
when read (the Model's ``Fill`` by ``events.Told``); ``tell`` and ``refuse`` put a ``Rejected``
record in the inbox, what the Model is told at its next Round (events.py). Imports the engine's
events, moves, clock and timestamps only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from decimal import Decimal

from tradegame.engine.clock import GameClock
from tradegame.engine.events import (
    EventKind,
    FillRow,
    GameEvent,
    LotsOf,
    MoveEvent,
    Rejected,
    RejectReason,
    Told,
    describe,
    new_event,
)
from tradegame.engine.moves import Move, MoveState, Side
from tradegame.engine.timestamps import iso_from_ns, utc_from_ns

__all__ = ["EventLines", "EventLog", "ResultEvents"]


_WIDTH = 8  # the fields of a line kept in ``EventLines``: a ``GameEvent``'s but its ``seq``, its time unwritten
_FILL_WIDTH = 9  # the parts of a fill's detail (``fill_detail``'s arguments), kept for a line whose detail is None
# The kinds of the lines logged for every Move placed and filled, held here: in Python 3.11 reading
# an enum member from its class (``EventKind.PLACED``) costs about ten times a global's read.
_PLACED, _PARTIAL, _FILLED = EventKind.PLACED, EventKind.PARTIAL, EventKind.FILLED


class EventLines:
    """The lines of the decision log, kept as their fields (``GameEvent``'s but ``seq``, the line's
    place, and the time as given: ns since the epoch or a ``datetime``) one after the other in one
    flat list, and built into ``GameEvent``s (the time in ISO 8601) when first read.

    A fill's line keeps the parts of its detail instead (in ``_fills``, its detail None), written
    when read too (``fill_detail``), and its one op id as such (not in a tuple); a placed Move's line
    keeps the (frozen) Move as its detail, written when read (``placed_detail``).

    A Game logs thousands of lines and most are read only at the end, if at all (an export, a
    report): made on every ``event`` they were most of the objects the garbage collector walked
    and freed. ``events`` is the same list on every read, built up to the last line logged.
    """

    __slots__ = ("_built", "_fields", "_fill_at", "_fills", "add", "add_fill")

    def __init__(self) -> None:
        self._fields: list[object] = []  # each line's ``_WIDTH`` fields in turn
        self._fills: list[object] = []  # the ``_FILL_WIDTH`` parts of each fill's detail in turn
        self._built: list[GameEvent] = []  # the events of the first lines, in order
        self._fill_at = 0  # where the parts of the first fill not yet built start in ``_fills``
        self.add: Callable[[tuple[object, ...]], None] = self._fields.extend
        """Append a line given by its ``_WIDTH`` fields (the list's own ``extend``: no Python call)."""
        self.add_fill: Callable[[tuple[object, ...]], None] = self._fills.extend
        """Append the parts of a fill's detail (of a line added with the detail None)."""

    @property
    def events(self) -> list[GameEvent]:
        """Every line's ``GameEvent``, in order."""
        built, fields, fills, fill_at = self._built, self._fields, self._fills, self._fill_at
        last: object = None  # the last time written (many lines share one), and how
        stamp = ""
        for at in range(len(built) * _WIDTH, len(fields), _WIDTH):
            round_index, when, *rest = fields[at : at + _WIDTH]
            detail = rest[4]
            if detail is None:  # a fill's line: its detail written from its parts, its one op id
                rest[4] = fill_detail(*fills[fill_at : fill_at + _FILL_WIDTH])  # type: ignore[arg-type]
                rest[5] = (rest[5],)
                fill_at += _FILL_WIDTH
            elif isinstance(detail, Move):  # a placed Move's line
                rest[4] = placed_detail(detail)
            if when is not last:
                if not isinstance(when, datetime):
                    if when != last:
                        stamp = iso_from_ns(when)  # type: ignore[arg-type]
                elif when != last or when.tzinfo is not last.tzinfo:  # type: ignore[attr-defined]
                    stamp = when.isoformat()  # an equal time in another zone is written otherwise
                last = when
            built.append(new_event(len(built) + 1, round_index, stamp, *rest))  # type: ignore[arg-type]
        self._fill_at = fill_at
        return built


def fill_detail(
    side: Side, quantity: Decimal, price: Decimal, unit: str, fee: Decimal, filled: Decimal, total: Decimal,
    note: str, tag: str,
) -> str:  # fmt: skip
    """The detail of a fill's line: e.g. ``buy 10 @ 101.00 fee 1.00 (10/10)`` (``unit``: what the price
    is in, nothing for the Game's currency; ``filled``/``total``: the Move's), its ``note`` and tag."""
    # ``!s``: a Decimal's str (a StrEnum's: its value), what ``format`` with no spec writes too, only sooner
    detail = f"{side!s} {quantity!s} @ {price!s}{unit} fee {fee!s} ({filled!s}/{total!s})"
    if note:
        detail = f"{detail}; {note}"
    return _tagged(detail, tag)


def placed_detail(move: Move) -> str:
    """The detail of a placed Move's line: the Move (``events.describe``) and its tag."""
    return _tagged(describe(move), move.tag)


def _tagged(detail: str, tag: str | None) -> str:
    """A line's ``detail`` with the Model's ``tag`` of its Move, if it has one."""
    return f"{detail} [tag {tag}]" if tag else detail


class ResultEvents:
    """The ``GameResult.events`` field: a list of ``GameEvent``s, or the ``EventLines`` of the Game,
    read as their list (built when first read)."""

    def __set_name__(self, owner: type, name: str) -> None:
        self._slot = f"_{name}"

    def __get__(self, result: object | None, owner: type) -> list[GameEvent]:
        if result is None:
            raise AttributeError(self._slot)  # no default value for the dataclass field
        held: list[GameEvent] | EventLines = result.__dict__[self._slot]
        return held if type(held) is list else held.events  # type: ignore[union-attr]

    def __set__(self, result: object, events: list[GameEvent] | EventLines) -> None:
        result.__dict__[self._slot] = events


class EventLog:
    """The decision log (``events``) and what the Model has yet to be told (``inbox``)."""

    __slots__ = ("_add", "_add_fill", "_clock", "_lots_of", "_tags", "inbox", "lines")

    def __init__(self, clock: GameClock, lots_of: LotsOf) -> None:
        self._clock = clock
        self._lots_of = lots_of  # the books' lots of an operation, for the fills the Model reads (``told``)
        self.lines = EventLines()
        self._add, self._add_fill = self.lines.add, self.lines.add_fill
        self.inbox: list[MoveEvent | FillRow] = []  # what the Model is told at its next Round (``told``)
        self._tags: dict[str, str] = {}  # move id -> the Model's tag, for the Moves that have one

    @property
    def events(self) -> list[GameEvent]:
        """The decision log so far (``EventLines.events``)."""
        return self.lines.events

    def tag(self, move_id: str, tag: str) -> None:
        """Remember the Model's ``tag`` of ``move_id`` (shown in every event about the Move)."""
        if tag:
            self._tags[move_id] = tag

    def event(
        self,
        kind: EventKind,
        move_id: str | None,
        account: str | None,
        symbol: str | None,
        detail: str,
        op_ids: Iterable[str] = (),
        when: datetime | None = None,
    ) -> None:
        """Append one line to the decision log, at ``when`` (default: the clock's time)."""
        tags = self._tags
        if tags and move_id is not None:
            detail = _tagged(detail, tags.get(move_id))
        clock = self._clock
        self._add((clock.round, clock.now_ns if when is None else when, kind, move_id, account, symbol, detail,
                   op_ids if type(op_ids) is tuple else tuple(op_ids)))  # fmt: skip

    def placed(self, move_id: str, account: str, move: Move) -> None:
        """Log that ``move`` was placed as ``move_id`` in ``account``: its line's detail is written when
        read (``placed_detail``; the Move is frozen), or now for a subclass's or a ``reason`` not a str."""
        clock = self._clock
        detail = move if type(move) is Move and type(move.reason) is str else placed_detail(move)
        self._add((clock.round, clock.now_ns, _PLACED, move_id, account, move.symbol, detail, ()))

    def fill(self, row: FillRow, unit: str) -> None:
        """Log a fill and tell the Model of it at its next Round, from its ``FillRow`` (``unit``: what
        its line says the price is in, nothing for the Game's currency): the line's detail and the
        Model's ``Fill`` are made when read."""
        move_id, _, symbol, account, side, price, quantity, fee, _, partial, filled, total, op_id, when, note = row
        self.inbox.append(row)
        self._add_fill((side, quantity, price, unit, fee, filled, total, note, self._tags.get(move_id, "")))
        self._add((self._clock.round, when, _PARTIAL if partial else _FILLED, move_id, account, symbol, None, op_id))

    def told(self) -> tuple[MoveEvent, ...] | Told:
        """What the Model is told at this Round (``RoundContext.events``): the inbox's records, its
        fills' records built when read (``events.Told``)."""
        items = tuple(self.inbox)
        return Told(items, self._lots_of) if any(type(item) is tuple for item in items) else items  # type: ignore[return-value]

    def inbox_records(self) -> list[MoveEvent]:
        """The inbox's records, its fills' built."""
        return list(Told(tuple(self.inbox), self._lots_of).records())

    def tell(self, state: MoveState, reason: RejectReason, why: str) -> None:
        """Tell the Model at its next Round that ``state`` was refused."""
        move = state.move
        self.inbox.append(Rejected(state.move_id, move.tag, move.symbol, state.account, state.side, reason, why,
                                   utc_from_ns(self._clock.now_ns), state.filled))  # fmt: skip

    def refuse(
        self,
        reason: RejectReason,
        why: str,
        account: str | None = None,
        symbol: str | None = None,
        move_id: str | None = None,
    ) -> None:
        """Log and tell the Model that an action other than a Move (a Cancel, Transfer, Convert) was refused."""
        self.event(EventKind.REJECTED, move_id, account, symbol, why)
        self.inbox.append(Rejected(move_id, "", symbol, account, None, reason, why, utc_from_ns(self._clock.now_ns)))
