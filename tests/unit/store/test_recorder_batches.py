"""Rounds committed together (``commit_every``): whole Rounds at every commit, the same books."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.unit.store.kit import CrashAfter, SimulatedCrashError, books_of, create, new_game, play_recorded
from tradegame.engine.game import Game
from tradegame.store import Database, GameRecorder, ResumingRecorder, open_database

ROUNDS = 14
SECONDS_A_ROUND = 0.3  # on the fake clock
COMMIT_EVERY = 1.0  # so Rounds 1-4, 5-8, 9-12 are committed together, Round 13 with the end


class Clock:
    """Seconds that move only when told: ``SECONDS_A_ROUND`` a Round."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Batched(GameRecorder):
    """A batching recorder that notes, after each Round, the last Round the database holds."""

    def __init__(self, db: Database, game_id: int, clock: Clock) -> None:
        super().__init__(db, game_id, commit_every=COMMIT_EVERY, clock=clock)
        self.clock = clock
        self.stored_after: list[int | None] = []

    def round_done(self, game: Game, round_index: int, value: float) -> None:
        self.clock.now = round_index * SECONDS_A_ROUND
        super().round_done(game, round_index, value)
        self.stored_after.append(self.db.last_committed_round(self.game_id))


def uninterrupted(make_url: Callable[[], str]) -> dict[str, list[object]]:
    with open_database(make_url()) as db:
        game_id, _ = play_recorded(db)
        return books_of(db.load_game(game_id))


def test_rounds_are_committed_together_and_store_the_books_of_round_by_round(make_url: Callable[[], str]) -> None:
    with open_database(make_url()) as db:
        game_id = create(db)
        recorder = Batched(db, game_id, Clock())
        new_game().run(recorder)
        stored = db.load_game(game_id)
    # Round 0 at once; then a commit once a second has passed since the last (Rounds 4, 8, 12).
    assert recorder.stored_after == [0, 0, 0, 0, 4, 4, 4, 4, 8, 8, 8, 8, 12, 12]
    assert stored.game.status == "finished"
    assert stored.game.round_count == ROUNDS
    assert books_of(stored) == uninterrupted(make_url)


class CrashBatched(CrashAfter):
    def __init__(self, db: Database, game_id: int, crash_round: int) -> None:
        GameRecorder.__init__(self, db, game_id, commit_every=3600.0)
        self.crash_round = crash_round


@pytest.mark.parametrize("crash_round", [0, 6, ROUNDS - 1])
def test_rounds_gathered_but_not_committed_are_lost_whole_and_resume_to_the_same_books(
    make_url: Callable[[], str], crash_round: int
) -> None:
    with open_database(make_url()) as db:
        game_id = create(db)
        with pytest.raises(SimulatedCrashError):
            new_game().run(CrashBatched(db, game_id, crash_round))
        # The process died with Rounds 1..crash_round gathered: only Round 0 is stored, whole.
        crashed = db.load_game(game_id)
        assert [r.round for r in crashed.rounds] == [0]
        assert {e.round for e in crashed.events} <= {0}
        assert ResumingRecorder(db, game_id).last_stored_round == 0
        new_game().run(ResumingRecorder(db, game_id, commit_every=3600.0))
        resumed = db.load_game(game_id)
    assert resumed.game.status == "finished"
    assert books_of(resumed) == uninterrupted(make_url)


def test_flush_commits_the_rounds_gathered_when_a_game_stops_on_an_error(make_url: Callable[[], str]) -> None:
    with open_database(make_url()) as db:
        game_id = create(db)
        recorder = CrashBatched(db, game_id, 6)
        with pytest.raises(SimulatedCrashError):
            new_game().run(recorder)
        recorder.flush()
        assert db.last_committed_round(game_id) == 6
        crashed = db.load_game(game_id)
        assert [r.round for r in crashed.rounds] == list(range(7))
        new_game().run(ResumingRecorder(db, game_id))
        assert books_of(db.load_game(game_id)) == uninterrupted(make_url)
