"""Recording a Game as it is played, whole Rounds per transaction, and resuming it after a crash.

``GameRecorder`` is a ``RoundObserver``. After each Round it takes what the Game added since
the Round before (its value, new decision-log events, new journal entries with their postings,
new cost-ledger, tax-ledger and books-decision lines, and under an Activator each Model's
time-weighted record of its new sessions), each row stamped with the Round, and
commits it in ONE transaction. With ``commit_every = s`` (seconds; the CLI's ``play`` and
``resume`` use ``COMMIT_EVERY``, 0.25 s) the Rounds played in the meantime are gathered and
committed together: Round 0 at once, then a transaction whenever ``s`` seconds of wall time
passed since the last one, and the rest with the end. Without it every Round is its own
transaction (a SQLite commit and the lease check cost about a millisecond, more than a daily
Round of most Games takes to play). At the end it writes, again in one transaction, what is
left: the Rounds not committed yet, the liquidation entries and last tax lines, the final
disposals and open lots, the score and the status ``finished``. So whatever moment a process
dies at (even ``kill -9``), the database holds whole Rounds only: Rounds ``0..K`` with every row
they made, nothing of Round ``K + 1``; batching only moves ``K`` back, by at most ``s`` seconds of
play, and a resume replays those Rounds (``flush`` commits what is gathered when the Game stops
early, on an error or Ctrl-C).

A recorder holds the Game's lease (``store.lease``): it takes it when it starts (refused while
another live process holds it), and every commit first checks, in its own transaction, that it
still does; a recorder that lost it raises ``LeaseLostError`` and writes nothing more.

Resuming relies on Games being deterministic: ``ResumingRecorder`` replays the Game from its
start. For each Round up to the last committed one it writes nothing but checks that the
replayed Round's rows equal the stored ones, column by column, and raises
``ResumeMismatchError`` at the first difference (the data or the code changed since); from the
next Round on it writes as ``GameRecorder`` does, so the finished Game's rows are the rows an
uninterrupted run would have stored.

``BookCollector`` gathers the same rows without a database (for an experiment's
``--keep-books``: a worker process plays the Game, the parent writes its books with its
experiment row in one transaction, ``insert_books``); both share the gathering (``_RoundRows``).

Imports SQLAlchemy, ``tradegame.engine.game`` (types only at run time) and the store's modules.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Table, insert, update

from tradegame.store import schema
from tradegame.store.database import Database
from tradegame.store.errors import OtherRulesError, ResumeMismatchError, StoreError
from tradegame.store.members import MemberValueRow, member_value_rows, members_of
from tradegame.store.rows import (
    CostRow,
    DecisionRow,
    DisposalRow,
    EntryRow,
    EventRow,
    OpenLotRow,
    PostingRow,
    RoundRow,
    StoredGame,
    TaxRow,
    cost_row,
    decision_row,
    disposal_row,
    entry_rows,
    event_row,
    open_lot_row,
    round_row,
    tax_row,
)

if TYPE_CHECKING:
    from tradegame.engine.game import Game, GameResult
    from tradegame.engine.training import TrainsMembers

__all__ = ["COMMIT_EVERY", "BookCollector", "GameRecorder", "KeptBooks", "ResumingRecorder", "insert_books"]

COMMIT_EVERY = 0.25
"""Seconds of play between two commits of a Game recorded by ``tradegame play`` and ``resume``."""


@dataclass
class _Batch:
    """The rows one commit writes (or, when resuming, one Round must match)."""

    rounds: list[RoundRow] = field(default_factory=list)
    events: list[EventRow] = field(default_factory=list)
    entries: list[EntryRow] = field(default_factory=list)
    postings: list[PostingRow] = field(default_factory=list)
    cost_ledger: list[CostRow] = field(default_factory=list)
    tax_ledger: list[TaxRow] = field(default_factory=list)
    decisions: list[DecisionRow] = field(default_factory=list)
    member_values: list[MemberValueRow] = field(default_factory=list)

    def tables(self) -> list[tuple[Table, Sequence[Any]]]:
        """(table, rows) in an order that satisfies the foreign keys."""
        return [
            (schema.rounds, self.rounds),
            (schema.events, self.events),
            (schema.journal_entries, self.entries),
            (schema.postings, self.postings),
            (schema.cost_ledger, self.cost_ledger),
            (schema.tax_ledger, self.tax_ledger),
            (schema.decisions, self.decisions),
            (schema.member_values, self.member_values),
        ]

    def extend(self, other: _Batch) -> None:
        """Append ``other``'s rows (the Rounds after this batch's) to this batch."""
        self.rounds += other.rounds
        self.events += other.events
        self.entries += other.entries
        self.postings += other.postings
        self.cost_ledger += other.cost_ledger
        self.tax_ledger += other.tax_ledger
        self.decisions += other.decisions
        self.member_values += other.member_values


@dataclass
class _Seen:
    """How many of each of the Game's records are already stored (or, when resuming, checked)."""

    events: int = 0
    entries: int = 0
    costs: int = 0
    taxes: int = 0
    decisions: int = 0
    members: dict[str, int] = field(default_factory=dict)  # sessions of each Model under an Activator


class _RoundRows:
    """Gathers a running Game's rows Round by Round, as a ``RoundObserver``, and hands each batch
    to ``_commit`` (``GameRecorder`` writes it; ``BookCollector`` keeps it)."""

    game_id: int | None

    def __init__(self, *, commit_every: float, clock: Callable[[], float]) -> None:
        self._next_round = 0
        self._seen = _Seen()
        self._reopen = False  # set the status back to running with the next commit
        self._commit_every = commit_every
        self._clock = clock
        self._pending = _Batch()  # Rounds played, not committed yet
        self._committed_at = clock()
        self._members: tuple[TrainsMembers | None] | None = None  # the Game's Activator (``members_of``), once known

    def _commit(
        self,
        batch: _Batch,
        *,
        round_count: int | None = None,
        extra: Sequence[tuple[Table, Sequence[Any]]] = (),
        finish: dict[str, object] | None = None,
        final_value: tuple[int, float] | None = None,
    ) -> None:
        raise NotImplementedError

    # -- RoundObserver ---------------------------------------------------------------------

    def round_done(self, game: Game, round_index: int, value: float) -> None:
        """Round ``round_index`` is done: gather its value and every record the Game added since the
        last Round, and commit what is gathered when it is Round 0 or ``commit_every`` has passed."""
        batch = self._round_batch(game, round_index, value)
        self._advance(batch)
        self._pending.extend(batch)
        if round_index == 0 or self._clock() - self._committed_at >= self._commit_every:
            first = self._pending.rounds[0].round
            self._commit(self._pending, round_count=len(game.times) if first == 0 else None)
            self._pending = _Batch()

    def flush(self) -> None:
        """Commit the Rounds gathered and not committed yet (call it when the Game stopped early)."""
        if self._pending.rounds:
            self._commit(self._pending)
            self._pending = _Batch()

    def game_done(self, game: Game, result: GameResult) -> None:
        """Commit the end: the Rounds not yet stored (gathered, or an exit Round), the last records, lots, score."""
        last = result.outcome_round
        batch, self._pending = self._pending, _Batch()
        tail = self._collect(game, last)
        for index in range(self._next_round, last + 1):
            tail.rounds.append(round_row(index, int(result.times[index]), float(result.values[index])))
        batch.extend(tail)
        books = result.books
        disposals = [disposal_row(line, d) for line, d in enumerate(books.disposals(), start=1)]
        lots = [open_lot_row(line, lot) for line, lot in enumerate(books.open_lots(), start=1)]
        score = result.score
        finish: dict[str, object] = {
            "status": "finished",
            "outcome": result.outcome,
            "outcome_round": last,
            "outcome_reason": result.outcome_reason,
            "start_capital": score.start_capital,
            "final_value": score.final_value,
            "gross_profit": score.gross_profit,
            "fees": score.fees,
            "running_costs": score.running_costs,
            "taxes": score.taxes,
            "score": score.score,
            "error": None,
            "round_count": len(game.times),
            "owner": None,  # a finished Game needs no lease
        }
        extra: list[tuple[Table, Sequence[Any]]] = [(schema.disposals, disposals), (schema.open_lots, lots)]
        # The last Round's value is the Game's final value, after the end's sales (GameResult.values).
        final = (last, float(result.values[last])) if last < self._next_round else None
        self._commit(batch, extra=extra, finish=finish, final_value=final)
        self._advance(tail)

    # -- collecting ------------------------------------------------------------------------

    def _round_batch(self, game: Game, round_index: int, value: float) -> _Batch:
        if round_index != self._next_round:
            raise StoreError(f"game {self.game_id}: Round {round_index} reported, expected Round {self._next_round}")
        batch = self._collect(game, round_index)
        batch.rounds.append(round_row(round_index, int(game.times[round_index]), value))
        return batch

    def _members_of(self, game: Game) -> TrainsMembers | None:
        if self._members is None:
            self._members = (members_of(game),)
        return self._members[0]

    def _collect(self, game: Game, round_index: int) -> _Batch:
        """Rows for every record the Game added since the last batch (the counters do not move)."""
        seen, books = self._seen, game.books
        entries, postings = entry_rows(books.entries[seen.entries :], round_index)
        return _Batch(
            events=[event_row(event) for event in game.events[seen.events :]],
            entries=entries,
            postings=postings,
            cost_ledger=[
                cost_row(line, round_index, cost)
                for line, cost in enumerate(books.cost_ledger[seen.costs :], start=seen.costs + 1)
            ],
            tax_ledger=[
                tax_row(line, round_index, tax)
                for line, tax in enumerate(books.tax_ledger[seen.taxes :], start=seen.taxes + 1)
            ],
            decisions=[
                decision_row(line, round_index, decision)
                for line, decision in enumerate(books.decision_log[seen.decisions :], start=seen.decisions + 1)
            ],
            member_values=member_value_rows(self._members_of(game), round_index, seen.members),
        )

    def _advance(self, batch: _Batch) -> None:
        seen = self._seen
        seen.events += len(batch.events)
        seen.entries += len(batch.entries)
        seen.costs += len(batch.cost_ledger)
        seen.taxes += len(batch.tax_ledger)
        seen.decisions += len(batch.decisions)
        for row in batch.member_values:
            seen.members[row.alias] = row.session + 1
        if batch.rounds:
            self._next_round = batch.rounds[-1].round + 1


class GameRecorder(_RoundRows):
    """Stores a running Game in ``db`` under ``game_id`` (made by ``Database.create_game``).

    Pass it to ``Game.run(observer=...)``. Each ``round_done`` is one transaction, or with
    ``commit_every`` (seconds) the Rounds of that much wall time are one (see the module's
    docstring); a ``DatabaseError`` from a commit stops the Game (the Rounds committed before
    stay). It takes the Game's lease (``GameBusyError`` while another live process holds it) and
    raises ``LeaseLostError`` from the first commit after another process took it over.
    ``clock`` (seconds, default ``time.monotonic``) times the batches.
    """

    game_id: int

    def __init__(
        self,
        db: Database,
        game_id: int,
        *,
        commit_every: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(commit_every=commit_every, clock=clock)
        self.db = db
        self.game_id = game_id
        self._check_new()
        db.take_lease(game_id)

    def _check_new(self) -> None:
        game = self.db.game(self.game_id)
        if game.status not in ("running", "interrupted"):
            raise StoreError(f"game {self.game_id} is {game.status}; only a new, running Game can be recorded")
        if game.other_rules is not None:
            raise OtherRulesError(f"{game.other_rules}: this engine cannot record it")
        if self.db.last_committed_round(self.game_id) is not None:
            raise StoreError(f"game {self.game_id} already has Rounds stored; resume it with ResumingRecorder")

    def _commit(
        self,
        batch: _Batch,
        *,
        round_count: int | None = None,
        extra: Sequence[tuple[Table, Sequence[Any]]] = (),
        finish: dict[str, object] | None = None,
        final_value: tuple[int, float] | None = None,
    ) -> None:
        games = schema.games
        with self.db.write() as connection:
            self.db.hold_lease(connection, self.game_id)  # first: a lost lease writes nothing
            _insert_rows(connection, self.game_id, [*batch.tables(), *extra])
            if finish is not None:
                finish = {**finish, "finished_at": self.db.now()}
            if final_value is not None:  # (Round, value): a Round stored before the end's sales
                rounds = schema.rounds
                connection.execute(
                    update(rounds)
                    .where(rounds.c.game_id == self.game_id, rounds.c.round == final_value[0])
                    .values(value=final_value[1])
                )
            changes: dict[str, object] = dict(finish or {})
            if self._reopen:
                changes.update(status=changes.get("status", "running"), error=None)
            if changes:
                connection.execute(update(games).where(games.c.id == self.game_id).values(**changes))
            if round_count is not None:
                connection.execute(
                    update(games)
                    .where(games.c.id == self.game_id, games.c.round_count.is_(None))
                    .values(round_count=round_count)
                )
        self._reopen = False
        self._committed_at = self._clock()


@dataclass
class KeptBooks:
    """Every row a ``GameRecorder`` stores of a finished Game, gathered without a database
    (``BookCollector``), to be written later inside a caller's transaction (``insert_books``)."""

    rows: _Batch
    disposals: list[DisposalRow]
    open_lots: list[OpenLotRow]
    finish: dict[str, object]  # the ``games`` row's end: status, outcome, the Score's parts, round_count


class BookCollector(_RoundRows):
    """A ``RoundObserver`` that gathers a Game's rows exactly as ``GameRecorder`` stores them
    (the last Round's value after the end's sales included) and writes nothing: ``books`` once the
    Game has ended. For a Game whose books are written with other rows in one transaction (an
    experiment's ``--keep-books``)."""

    def __init__(self) -> None:
        super().__init__(commit_every=math.inf, clock=time.monotonic)  # Round 0, then the rest at the end
        self.game_id = None
        self._rows = _Batch()
        self._extra: dict[str, list[Any]] = {}
        self._finish: dict[str, object] | None = None

    @property
    def books(self) -> KeptBooks:
        """The finished Game's rows; ``StoreError`` before it ended."""
        if self._finish is None:
            raise StoreError("the Game has not ended: its books are not complete")
        extra = self._extra
        return KeptBooks(self._rows, extra.get("disposals", []), extra.get("open_lots", []), self._finish)

    def _commit(
        self,
        batch: _Batch,
        *,
        round_count: int | None = None,
        extra: Sequence[tuple[Table, Sequence[Any]]] = (),
        finish: dict[str, object] | None = None,
        final_value: tuple[int, float] | None = None,
    ) -> None:
        self._rows.extend(batch)
        for table, rows in extra:
            self._extra[table.name] = list(rows)
        if final_value is not None:  # the Rounds are 0, 1, ... in order: Round k is the k-th row
            index, value = final_value
            self._rows.rounds[index] = self._rows.rounds[index]._replace(value=value)
        if finish is not None:
            self._finish = finish


def insert_books(connection: Connection, kept: Sequence[tuple[int, KeptBooks]]) -> None:
    """Inside the caller's transaction: every row of each Game's books under its id (whose
    ``games`` row, with ``books.finish``, the caller wrote); one insert per table for them all."""
    by_table: dict[str, tuple[Table, list[dict[str, Any]]]] = {}
    for game_id, books in kept:
        for table, rows in [*books.rows.tables(), (schema.disposals, books.disposals),
                            (schema.open_lots, books.open_lots)]:  # fmt: skip
            by_table.setdefault(table.name, (table, []))[1].extend(_with_game(game_id, rows))
    for table, rows in by_table.values():  # in the order of the foreign keys (``_Batch.tables``)
        if rows:
            connection.execute(insert(table), rows)


def _insert_rows(connection: Connection, game_id: int, tables: Sequence[tuple[Table, Sequence[Any]]]) -> None:
    for table, rows in tables:
        if rows:
            connection.execute(insert(table), _with_game(game_id, rows))


def _with_game(game_id: int, rows: Sequence[Any]) -> list[dict[str, Any]]:
    return [{"game_id": game_id, **row._asdict()} for row in rows]


class ResumingRecorder(GameRecorder):
    """Replays a stored, unfinished Game: checks the committed Rounds, then records the rest.

    Run the same Game (same definition, data and Model) from its start with this observer.
    Raises ``ResumeMismatchError`` at the first replayed row that differs from the stored one,
    ``OtherRulesError`` for a Game played under other engine rules (before replaying anything),
    and ``StoreError`` for a finished Game. A failed Game becomes ``running`` again with the
    first Round it writes.
    """

    def _check_new(self) -> None:
        self._stored = self.db.load_game(self.game_id)
        status = self._stored.game.status
        if status == "finished":
            raise StoreError(f"game {self.game_id} is finished; there is nothing to resume")
        notice = self._stored.game.other_rules
        if notice is not None:
            raise OtherRulesError(
                f"{notice}: it cannot be resumed, since a replay under other rules would not give its stored Rounds"
            )
        self._reopen = status == "failed"
        self._by_round = _by_round(self._stored)
        self._last_stored = self._stored.rounds[-1].round if self._stored.rounds else -1

    @property
    def last_stored_round(self) -> int | None:
        """The last Round that was committed before the resume (``None``: none was)."""
        return None if self._last_stored < 0 else self._last_stored

    def round_done(self, game: Game, round_index: int, value: float) -> None:
        if round_index > self._last_stored:
            super().round_done(game, round_index, value)
            return
        batch = self._round_batch(game, round_index, value)
        self._check(round_index, batch, self._by_round.get(round_index, _Batch()))
        self._advance(batch)

    def game_done(self, game: Game, result: GameResult) -> None:
        if self._next_round <= self._last_stored:
            raise ResumeMismatchError(
                f"game {self.game_id}: the replay ended at Round {result.outcome_round} ({result.outcome}), "
                f"but Rounds up to {self._last_stored} are stored (the data or the code changed since)"
            )
        super().game_done(game, result)

    def _check(self, round_index: int, replayed: _Batch, stored: _Batch) -> None:
        for (table, new_rows), (_, old_rows) in zip(replayed.tables(), stored.tables(), strict=True):
            if list(new_rows) == list(old_rows):
                continue
            for position, (new, old) in enumerate(zip(new_rows, old_rows, strict=False)):
                if new != old:
                    columns = [name for name, a, b in zip(new._fields, new, old, strict=True) if a != b]
                    detail = f"row {position + 1} differs in {', '.join(columns)}: stored {old!r}, replayed {new!r}"
                    break
            else:
                detail = f"{len(old_rows)} rows stored, {len(new_rows)} replayed"
            raise ResumeMismatchError(
                f"game {self.game_id}, Round {round_index}: the replayed {table.name} differ from the stored "
                f"ones; {detail} (the data or the code changed since the Game was stored)"
            )


def _by_round(stored: StoredGame) -> dict[int, _Batch]:
    """The stored rows grouped into one batch per Round (postings follow their entry's Round)."""
    batches: dict[int, _Batch] = {}

    def batch(round_index: int) -> _Batch:
        return batches.setdefault(round_index, _Batch())

    entry_round: dict[int, int] = {}
    for round_row_ in stored.rounds:
        batch(round_row_.round).rounds.append(round_row_)
    for event in stored.events:
        batch(event.round).events.append(event)
    for entry in stored.entries:
        entry_round[entry.seq] = entry.round
        batch(entry.round).entries.append(entry)
    for posting in stored.postings:
        batch(entry_round[posting.entry_seq]).postings.append(posting)
    for cost in stored.cost_ledger:
        batch(cost.round).cost_ledger.append(cost)
    for tax in stored.tax_ledger:
        batch(tax.round).tax_ledger.append(tax)
    for decision in stored.decisions:
        batch(decision.round).decisions.append(decision)
    for member in sorted(stored.member_values):  # by Model and session, as gathered (whatever SQL's collation)
        batch(member.round).member_values.append(member)
    return batches
