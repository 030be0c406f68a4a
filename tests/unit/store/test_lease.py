"""A Game's lease: who records it, when it is shown interrupted, and that only one process can write it."""

from __future__ import annotations

import os
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from tests.unit.store.kit import books_of, create, new_game, play_recorded
from tradegame.store import (
    Database,
    GameBusyError,
    GameRecorder,
    LeaseLostError,
    ResumingRecorder,
    lease,
    open_database,
    schema,
)
from tradegame.store.lease import LEASE, Heartbeat, Owner, lease_alive, shown_status


def _dead_pid() -> int:
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def _set_lease(db: Database, game_id: int, owner: str | None, heartbeat_at: datetime | None) -> None:
    with db.write() as connection:
        connection.execute(
            update(schema.games).where(schema.games.c.id == game_id).values(owner=owner, heartbeat_at=heartbeat_at)
        )


def _later(by: timedelta) -> Callable[[], datetime]:
    return lambda: datetime.now(UTC) + by


def test_owner_names_host_pid_and_token() -> None:
    assert Owner.parse("box:42:abc") == Owner("box", 42, "abc")
    assert Owner.parse("::1:42:abc") == Owner("::1", 42, "abc")  # an IPv6 host keeps its colons
    assert Owner.parse("no-pid") is None and Owner.parse("box:x:abc") is None


def test_a_lease_lives_while_its_heartbeat_is_fresh_and_its_process_runs() -> None:
    now = datetime(2026, 6, 1, 12, tzinfo=UTC)
    here = socket.gethostname()
    elsewhere = "another-host.example:4242:t0"
    assert lease_alive(elsewhere, now - LEASE + timedelta(seconds=1), now)
    assert not lease_alive(elsewhere, now - LEASE, now)
    assert lease_alive(f"{here}:{os.getpid()}:t1", now, now)
    assert not lease_alive(f"{here}:{_dead_pid()}:t2", now, now)  # killed: at once, whatever the heartbeat
    assert not lease_alive(None, None, now)
    assert shown_status("running", None, None, now) == "interrupted"
    assert shown_status("finished", None, None, now) == "finished"
    assert shown_status("failed", None, None, now) == "failed"


def test_a_game_is_running_while_recorded_and_interrupted_when_its_process_is_gone(
    make_url: Callable[[], str],
) -> None:
    url = make_url()
    with open_database(url) as db:
        game_id = create(db)
        assert db.game(game_id).status == "running"
        assert db.game(game_id).owner == db.owner
        (listed,) = db.list_games()
        assert (listed.status, listed.owner) == ("running", db.owner)
        with open_database(url, clock=_later(LEASE + timedelta(seconds=1))) as later:
            assert later.game(game_id).status == "interrupted"  # the heartbeat is too old
            assert [g.status for g in later.list_games()] == ["interrupted"]
        _set_lease(db, game_id, f"{socket.gethostname()}:{_dead_pid()}:gone", db.now())
        assert db.game(game_id).status == "interrupted"  # its pid on this host is dead
        _set_lease(db, game_id, "another-host.example:1:x", db.now())
        assert db.load_game(game_id).game.status == "running"  # another host's: alive while it beats
    with open_database(url) as db:
        _set_lease(db, game_id, None, None)
        assert db.game(game_id).status == "interrupted"  # no owner: a Game stored before leases


def test_closing_the_database_lets_go_of_its_leases(make_url: Callable[[], str]) -> None:
    url = make_url()
    db = open_database(url)
    game_id = create(db)
    db.close()
    with open_database(url) as other:
        game = other.game(game_id)
        assert (game.status, game.owner) == ("interrupted", None)


def test_a_game_whose_process_runs_cannot_be_taken_over(make_url: Callable[[], str]) -> None:
    url = make_url()
    with open_database(url) as db, open_database(url) as other:
        game_id = create(db)
        before = db.load_game(game_id)
        with pytest.raises(GameBusyError, match=rf"game {game_id} is still being played by {db.owner}"):
            other.take_lease(game_id)
        with pytest.raises(GameBusyError):
            ResumingRecorder(other, game_id)
        assert db.load_game(game_id) == before


def test_of_many_takers_at_once_exactly_one_gets_the_lease(make_url: Callable[[], str]) -> None:
    url = make_url()
    with open_database(url) as db:
        game_id = create(db)
    takers = [open_database(url) for _ in range(8)]
    start = threading.Barrier(len(takers))
    outcomes: list[str] = []

    def take(taker: Database) -> None:
        start.wait()
        try:
            taker.take_lease(game_id)
            outcomes.append("taken")
        except GameBusyError:
            outcomes.append("busy")

    threads = [threading.Thread(target=take, args=(taker,)) for taker in takers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert sorted(outcomes) == ["busy"] * (len(takers) - 1) + ["taken"]
        (winner,) = [taker for taker in takers if taker.game(game_id).owner == taker.owner]
        assert winner.game(game_id).status == "running"
    finally:
        for taker in takers:
            taker.close()


def test_a_process_that_lost_its_lease_stops_without_writing(make_url: Callable[[], str]) -> None:
    url = make_url()
    with open_database(url) as db:
        game_id = create(db)
        recorder = GameRecorder(db, game_id)
        game = new_game()

        class TakenOverAfterRound2:
            def round_done(self, game_: object, round_index: int, value: float) -> None:
                recorder.round_done(game_, round_index, value)  # type: ignore[arg-type]
                if round_index == 2:  # its heartbeat went stale and another process resumed the Game
                    with open_database(url, clock=_later(LEASE + timedelta(seconds=1))) as other:
                        other.take_lease(game_id)
                        _set_lease(other, game_id, "another-host.example:7:new", other.now())

            def game_done(self, game_: object, result: object) -> None:
                recorder.game_done(game_, result)  # type: ignore[arg-type]

        with pytest.raises(LeaseLostError, match=rf"game {game_id}: this process .* no longer holds"):
            game.run(TakenOverAfterRound2())  # type: ignore[arg-type]
        assert db.last_committed_round(game_id) == 2  # Round 3 was not written
        assert db.mark_failed(game_id, "LeaseLostError") is False  # the new holder's Game is left alone
        stored = db.game(game_id)
        assert (stored.status, stored.owner) == ("running", "another-host.example:7:new")


def test_an_interrupted_game_resumed_by_another_process_ends_with_the_same_books(
    make_url: Callable[[], str],
) -> None:
    url = make_url()
    db = open_database(url)
    game_id = create(db)

    class Killed(BaseException):
        pass

    class KillAfterRound4(GameRecorder):
        def round_done(self, game: object, round_index: int, value: float) -> None:
            super().round_done(game, round_index, value)  # type: ignore[arg-type]
            if round_index == 4:
                raise Killed

    with pytest.raises(Killed):
        new_game().run(KillAfterRound4(db, game_id))
    db.close()
    with open_database(url) as other:
        assert other.game(game_id).status == "interrupted"
        new_game().run(ResumingRecorder(other, game_id))
        resumed = other.load_game(game_id)
        assert (resumed.game.status, resumed.game.owner) == ("finished", None)
        with open_database(make_url()) as fresh:
            reference_id, _ = play_recorded(fresh)
            assert books_of(resumed) == books_of(fresh.load_game(reference_id))


def test_the_heartbeat_beats_until_stopped() -> None:
    beats: list[float] = []
    heartbeat = Heartbeat(lambda: beats.append(time.monotonic()), every=timedelta(milliseconds=10))
    time.sleep(0.2)
    heartbeat.stop()
    count = len(beats)
    time.sleep(0.05)
    assert count >= 3 and len(beats) == count


def test_a_slow_round_keeps_its_lease_by_the_heartbeat(
    make_url: Callable[[], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lease, "HEARTBEAT", timedelta(milliseconds=50))
    with open_database(make_url()) as db:
        game_id = create(db)
        first = db.game(game_id).heartbeat_at
        assert first is not None
        deadline = time.monotonic() + 10
        while db.game(game_id).heartbeat_at == first:  # no Round is committed meanwhile
            assert time.monotonic() < deadline, "the heartbeat did not beat"
            time.sleep(0.02)
        assert db.last_committed_round(game_id) is None
