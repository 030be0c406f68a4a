"""The Game's event log (the decision log) and the Model's inbox.

``EventLog.event`` appends one ``GameEvent`` stamped with the clock's Round and time (a Move's
tag is added to its detail); ``tell`` and ``refuse`` put a ``Rejected`` record in the inbox, what
the Model is told at its next Round (events.py). Imports the engine's events and clock only.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from tradegame.engine.clock import GameClock
from tradegame.engine.events import EventKind, GameEvent, MoveEvent, Rejected, RejectReason, new_event
from tradegame.engine.moves import MoveState
from tradegame.engine.timestamps import iso_from_ns, utc_from_ns

__all__ = ["EventLog"]


class EventLog:
    """The decision log (``events``) and what the Model has yet to be told (``inbox``)."""

    __slots__ = ("_clock", "_iso", "_tags", "_when", "events", "inbox")

    def __init__(self, clock: GameClock) -> None:
        self._clock = clock
        self.events: list[GameEvent] = []
        self.inbox: list[MoveEvent] = []  # what the Model is told at its next Round (events.py)
        self._tags: dict[str, str] = {}  # move id -> the Model's tag, for the Moves that have one
        self._iso: tuple[int, str] = (-1, "")  # the last time stamped, in ISO 8601 (many events share one)
        self._when: tuple[datetime | None, str] = (None, "")  # the last ``when`` given, in ISO 8601

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
        tag = tags.get(move_id) if tags and move_id is not None else None
        events = self.events
        if when is not None:
            cached = self._when[0]
            if cached is not when and (cached is None or cached != when or cached.tzinfo is not when.tzinfo):
                self._when = (when, when.isoformat())
            stamp = self._when[1]
        else:
            now = self._clock.now_ns
            if self._iso[0] != now:
                self._iso = (now, iso_from_ns(now))
            stamp = self._iso[1]
        events.append(
            new_event(
                len(events) + 1,
                self._clock.round,
                stamp,
                kind,
                move_id,
                account,
                symbol,
                detail if tag is None else f"{detail} [tag {tag}]",
                op_ids if type(op_ids) is tuple else tuple(op_ids),
            )
        )

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
