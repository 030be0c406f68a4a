"""The Game's event log (the decision log) and the Model's inbox.

``EventLog.event`` appends one line stamped with the clock's Round and time (a Move's tag is added
to its detail), kept as its fields and read as a ``GameEvent`` (``EventLines``; ``ResultEvents``
hands them to the ``GameResult``); ``tell`` and ``refuse`` put a ``Rejected`` record in the inbox,
what the Model is told at its next Round (events.py). Imports the engine's events and clock only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

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
    new_event,
)
from tradegame.engine.moves import MoveState
from tradegame.engine.timestamps import iso_from_ns, utc_from_ns

__all__ = ["EventLines", "EventLog", "ResultEvents"]


_WIDTH = 8  # the fields of a line kept in ``EventLines``: a ``GameEvent``'s but its ``seq``, its time unwritten


class EventLines:
    """The lines of the decision log, kept as their fields (``GameEvent``'s but ``seq``, the line's
    place, and the time as given: ns since the epoch or a ``datetime``) one after the other in one
    flat list, and built into ``GameEvent``s (the time in ISO 8601) when first read.

    A Game logs thousands of lines and most are read only at the end, if at all (an export, a
    report): made on every ``event`` they were most of the objects the garbage collector walked
    and freed. ``events`` is the same list on every read, built up to the last line logged.
    """

    __slots__ = ("_built", "_fields", "add")

    def __init__(self) -> None:
        self._fields: list[object] = []  # each line's ``_WIDTH`` fields in turn
        self._built: list[GameEvent] = []  # the events of the first lines, in order
        self.add: Callable[[tuple[object, ...]], None] = self._fields.extend
        """Append a line given by its ``_WIDTH`` fields (the list's own ``extend``: no Python call)."""

    @property
    def events(self) -> list[GameEvent]:
        """Every line's ``GameEvent``, in order."""
        built, fields = self._built, self._fields
        last: object = None  # the last time written (many lines share one), and how
        stamp = ""
        for at in range(len(built) * _WIDTH, len(fields), _WIDTH):
            round_index, when, *rest = fields[at : at + _WIDTH]
            if when is not last:
                if not isinstance(when, datetime):
                    if when != last:
                        stamp = iso_from_ns(when)  # type: ignore[arg-type]
                elif when != last or when.tzinfo is not last.tzinfo:  # type: ignore[attr-defined]
                    stamp = when.isoformat()  # an equal time in another zone is written otherwise
                last = when
            built.append(new_event(len(built) + 1, round_index, stamp, *rest))  # type: ignore[arg-type]
        return built


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

    __slots__ = ("_add", "_clock", "_lots_of", "_tags", "fill", "inbox", "lines")

    def __init__(self, clock: GameClock, lots_of: LotsOf) -> None:
        self._clock = clock
        self._lots_of = lots_of  # the books' lots of an operation, for the fills the Model reads (``told``)
        self.lines = EventLines()
        self._add = self.lines.add
        self.inbox: list[MoveEvent | FillRow] = []  # what the Model is told at its next Round (``told``)
        self.fill: Callable[[FillRow], None] = self.inbox.append
        """Tell the Model at its next Round of a fill, given by its ``FillRow`` (the list's own ``append``)."""
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
        if tags and move_id is not None and (tag := tags.get(move_id)) is not None:
            detail = f"{detail} [tag {tag}]"
        clock = self._clock
        self._add((clock.round, clock.now_ns if when is None else when, kind, move_id, account, symbol, detail,
                   op_ids if type(op_ids) is tuple else tuple(op_ids)))  # fmt: skip

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
