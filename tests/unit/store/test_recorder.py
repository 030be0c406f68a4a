"""Recording a Game Round by Round, crashing, and resuming to the same books (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest
from sqlalchemy import update

from tests.unit.store.kit import (
    DEFINITION,
    CrashAfter,
    SimulatedCrashError,
    books_of,
    create,
    new_game,
    plan,
    play_recorded,
)
from tradegame.domain.errors import InvalidInputError
from tradegame.engine.context import RoundContext
from tradegame.engine.game import Game
from tradegame.engine.moves import Action, Move
from tradegame.engine.rules import ENGINE_RULES
from tradegame.engine.spec import ExitRules
from tradegame.store import (
    GameRecorder,
    OtherRulesError,
    ResumeMismatchError,
    ResumingRecorder,
    StoreError,
    open_database,
    schema,
)
from tradegame.store.rows import disposal_row, entry_rows, event_row

ROUNDS = 14


def uninterrupted(make_url: Callable[[], str], game: Game | None = None) -> dict[str, list[object]]:
    """The books an uninterrupted run stores, in a fresh database."""
    with open_database(make_url()) as db:
        game_id, _ = play_recorded(db, game)
        return books_of(db.load_game(game_id))


def test_a_recorded_game_holds_every_record_of_the_result(make_url: Callable[[], str]) -> None:
    with open_database(make_url()) as db:
        game_id, result = play_recorded(db)
        stored = db.load_game(game_id)
    books = result.books
    assert stored.game.status == "finished"
    assert (stored.game.outcome, stored.game.outcome_round) == (result.outcome, result.outcome_round)
    assert stored.game.round_count == ROUNDS
    assert [r.round for r in stored.rounds] == list(range(ROUNDS))
    # Every Round's value as the result has it, the last one the final value after the end's sales.
    assert [r.value for r in stored.rounds] == [float(v) for v in result.values]
    assert stored.rounds[-1].value == float(result.score.final_value)
    assert [e._replace(round=0) for e in stored.events] == [event_row(e)._replace(round=0) for e in result.events]
    assert [e.round for e in stored.events] == [e.round for e in result.events]
    entries, postings = entry_rows(books.entries, 0)
    assert [e._replace(round=0) for e in stored.entries] == entries
    assert stored.postings == postings
    assert [(c.op_id, c.fee) for c in stored.cost_ledger] == [(c.op_id, c.fee.amount) for c in books.cost_ledger]
    assert [(t.op_id, t.kind, t.amount) for t in stored.tax_ledger] == [
        (t.op_id, str(t.kind), t.amount.amount) for t in books.tax_ledger
    ]
    assert {t.kind for t in stored.tax_ledger} == {"disposal", "wash-adjustment", "tax-due"}
    assert [d.op_id for d in stored.decisions] == [d.op_id for d in books.decision_log]
    assert stored.disposals == [disposal_row(line, d) for line, d in enumerate(books.disposals(), start=1)]
    assert stored.open_lots == []  # the Game sold everything at the end
    running = [p for p in stored.postings if p.account.startswith("Expenses:RunningCosts:")]
    assert sum(p.units for p in running) == result.score.running_costs


def test_each_round_is_committed_when_it_is_done(make_url: Callable[[], str]) -> None:
    class Watching(GameRecorder):
        def round_done(self, game: Game, round_index: int, value: float) -> None:
            super().round_done(game, round_index, value)
            stored = self.db.load_game(self.game_id)
            assert self.db.last_committed_round(self.game_id) == round_index
            assert len(stored.events) == len(game.events)
            assert len(stored.entries) == len(game.books.entries)
            assert len(stored.tax_ledger) == len(game.books.tax_ledger)
            assert {e.round for e in stored.entries} <= set(range(round_index + 1))

    with open_database(make_url()) as db:
        game_id = create(db)
        new_game().run(Watching(db, game_id))
        assert db.game(game_id).status == "finished"


@pytest.mark.parametrize(
    ("changes", "outcome"),
    [({"end_at": 4}, "ended_by_model"), ({"exits": ExitRules(max_losing_rounds=1)}, "catastrophic_exit")],
)
def test_a_game_that_ends_early_stores_its_last_round(
    make_url: Callable[[], str], changes: dict[str, object], outcome: str
) -> None:
    with open_database(make_url()) as db:
        game_id, result = play_recorded(db, new_game(**changes))  # type: ignore[arg-type]
        stored = db.load_game(game_id)
    assert result.outcome == outcome
    assert [r.round for r in stored.rounds] == list(range(result.outcome_round + 1))
    assert stored.events[-1].kind in ("exit", "liquidated", "filled")
    assert [e.kind for e in stored.events].count("exit") == 1
    assert len(stored.entries) == len(result.books.entries)


@pytest.mark.parametrize("crash_round", [0, 6, ROUNDS - 1])
def test_a_crashed_game_resumes_to_the_books_of_an_uninterrupted_run(
    make_url: Callable[[], str], crash_round: int
) -> None:
    with open_database(make_url()) as db:
        game_id = create(db)
        with pytest.raises(SimulatedCrashError):
            new_game().run(CrashAfter(db, game_id, crash_round))
        # Round crash_round was committed before the crash: Rounds 0..crash_round are stored, whole.
        crashed = db.load_game(game_id)
        assert crashed.game.status == "running"
        assert db.last_committed_round(game_id) == crash_round
        assert [r.round for r in crashed.rounds] == list(range(crash_round + 1))
        assert max(e.round for e in crashed.events) == crash_round
        assert crashed.disposals == []
        assert crashed.game.score is None

        recorder = ResumingRecorder(db, game_id)
        assert recorder.last_stored_round == crash_round
        result = new_game().run(recorder)
        resumed = db.load_game(game_id)
    assert resumed.game.status == "finished"
    assert resumed.game.score == result.score.score
    assert books_of(resumed) == uninterrupted(make_url)


def test_resuming_a_failed_game_reopens_it(make_url: Callable[[], str]) -> None:
    with open_database(make_url()) as db:
        game_id = create(db)
        with pytest.raises(SimulatedCrashError):
            new_game().run(CrashAfter(db, game_id, 3))
        db.mark_failed(game_id, "SimulatedCrashError: crashed after Round 3")
        new_game().run(ResumingRecorder(db, game_id))
        game = db.game(game_id)
        assert (game.status, game.error) == ("finished", None)
        assert books_of(db.load_game(game_id)) == uninterrupted(make_url)


def test_a_game_never_started_resumes_from_round_zero(make_url: Callable[[], str]) -> None:
    with open_database(make_url()) as db:
        game_id = create(db)
        recorder = ResumingRecorder(db, game_id)
        assert recorder.last_stored_round is None
        new_game().run(recorder)
        assert books_of(db.load_game(game_id)) == uninterrupted(make_url)


def changed_plan(ctx: RoundContext) -> list[Action]:
    return [Move.buy("ACME", 11)] if ctx.round == 0 else plan(ctx)


@pytest.mark.parametrize(
    ("changed", "message"),
    [
        (lambda: new_game(plan_of=changed_plan), r"Round 0: the replayed events differ .* differs in detail"),
        (lambda: new_game(end_at=3), r"the replay ended at Round 3 \(ended_by_model\), but Rounds up to 6"),
    ],
)
def test_a_replay_that_differs_from_the_stored_rounds_is_refused(
    make_url: Callable[[], str], changed: Callable[[], Game], message: str
) -> None:
    with open_database(make_url()) as db:
        game_id = create(db)
        with pytest.raises(SimulatedCrashError):
            new_game().run(CrashAfter(db, game_id, 6))
        before = db.load_game(game_id)
        with pytest.raises(ResumeMismatchError, match=message):
            changed().run(ResumingRecorder(db, game_id))
        after = db.load_game(game_id)  # nothing was written but the lease's heartbeat
        assert after.game.heartbeat_at is not None and after.game.heartbeat_at >= before.game.heartbeat_at  # type: ignore[operator]
        assert replace(after, game=after.game._replace(heartbeat_at=None)) == replace(
            before, game=before.game._replace(heartbeat_at=None)
        )


def test_changed_data_is_caught_at_the_first_round_it_changes(make_url: Callable[[], str]) -> None:
    with open_database(make_url()) as db:
        game_id = create(db)
        with pytest.raises(SimulatedCrashError):
            new_game().run(CrashAfter(db, game_id, 8))
        # ACME's bars from day 3 on are revised: Round 3 is the first whose fill (at day 3's open) differs.
        with pytest.raises(ResumeMismatchError, match=r"Round 3: the replayed rounds differ .* differs in value"):
            new_game(revised_from=3).run(ResumingRecorder(db, game_id))


def test_recorders_refuse_the_wrong_games(make_url: Callable[[], str]) -> None:
    with open_database(make_url()) as db:
        finished, _ = play_recorded(db)
        with pytest.raises(StoreError, match="is finished; there is nothing to resume"):
            ResumingRecorder(db, finished)
        with pytest.raises(StoreError, match="only a new, running Game"):
            GameRecorder(db, finished)
        started = create(db)
        with pytest.raises(SimulatedCrashError):
            new_game().run(CrashAfter(db, started, 1))
        with pytest.raises(StoreError, match="already has Rounds stored; resume it"):
            GameRecorder(db, started)


def test_games_of_other_engine_rules_are_neither_recorded_nor_resumed(make_url: Callable[[], str]) -> None:
    with open_database(make_url()) as db:
        older = db.create_game("older", DEFINITION, "script", {}, "test", engine_rules=ENGINE_RULES - 1)
        with pytest.raises(OtherRulesError, match=rf"game {older} was played under engine rules {ENGINE_RULES - 1}"):
            GameRecorder(db, older)
        crashed = create(db)
        with pytest.raises(SimulatedCrashError):
            new_game().run(CrashAfter(db, crashed, 4))
        with db.write() as connection:  # as if an older engine had played it
            connection.execute(
                update(schema.games).where(schema.games.c.id == crashed).values(engine_rules=ENGINE_RULES - 1)
            )
        before = db.load_game(crashed)
        with pytest.raises(OtherRulesError, match="it cannot be resumed"):
            new_game().run(ResumingRecorder(db, crashed))
        after = db.load_game(crashed)
        assert after == before and after.game.status == "running"
        with pytest.raises(InvalidInputError, match="engine_rules: must be a whole number from 1"):
            db.create_game("never", DEFINITION, "script", {}, "test", engine_rules=0)


def test_two_games_share_a_database_without_mixing(make_url: Callable[[], str]) -> None:
    with open_database(make_url()) as db:
        first, _ = play_recorded(db)
        second, _ = play_recorded(db, new_game(plan_of=changed_plan))
        assert books_of(db.load_game(first)) == uninterrupted(make_url)
        assert books_of(db.load_game(second)) == uninterrupted(make_url, new_game(plan_of=changed_plan))
        assert [g.last_round for g in db.list_games()] == [ROUNDS - 1, ROUNDS - 1]
