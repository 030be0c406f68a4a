"""A Game's process killed with SIGKILL mid-Round leaves whole Rounds only, and resumes to the same books."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from tests.unit.store.kit import books_of, create, new_game, play_recorded
from tradegame.store import ResumingRecorder, StoredGame, open_database

ROOT = Path(__file__).resolve().parents[3]
ROUNDS = 40
KILL_AFTER = 6  # committed Rounds before the kill


def assert_whole_rounds(stored: StoredGame) -> int:
    """Every stored row belongs to a committed Round, numbering has no gap; returns the last Round."""
    rounds = [r.round for r in stored.rounds]
    last = max(rounds)
    assert rounds == list(range(last + 1))
    for name, (_, rows) in stored.tables().items():
        if rows and hasattr(rows[0], "round"):
            assert max(row.round for row in rows) <= last, name
    assert [e.seq for e in stored.events] == list(range(1, len(stored.events) + 1))
    assert [e.seq for e in stored.entries] == list(range(1, len(stored.entries) + 1))
    for ledger in (stored.cost_ledger, stored.tax_ledger, stored.decisions):
        assert [line.line for line in ledger] == list(range(1, len(ledger) + 1))
    legs: dict[int, int] = {}
    for posting in stored.postings:
        legs[posting.entry_seq] = legs.get(posting.entry_seq, 0) + 1
    assert sorted(legs) == [e.seq for e in stored.entries]
    assert all(count >= 2 for count in legs.values())
    # Each committed entry balances, exactly.
    for seq in legs:
        weights: dict[str, object] = {}
        for p in (p for p in stored.postings if p.entry_seq == seq):
            currency, amount = (p.commodity, p.units) if p.value is None else (p.value_currency, p.value)
            weights[str(currency)] = weights.get(str(currency), 0) + amount  # type: ignore[operator]
        assert all(total == 0 for total in weights.values()), (seq, weights)
    return last


def test_a_killed_game_leaves_whole_rounds_and_resumes_to_the_same_books(make_url: Callable[[], str]) -> None:
    url = make_url()
    with open_database(url) as db:
        game_id = create(db)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.unit.store.kill_target", url, str(game_id), str(ROUNDS), "0.01"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        with open_database(url) as watcher:
            deadline = time.monotonic() + 120
            while (watcher.last_committed_round(game_id) or -1) < KILL_AFTER:
                if child.poll() is not None:
                    raise AssertionError(f"the child ended before the kill: {child.stderr.read()}")  # type: ignore[union-attr]
                if time.monotonic() > deadline:
                    raise AssertionError("the child committed too few Rounds in 120 s")
                time.sleep(0.02)
            time.sleep(0.037)  # land somewhere inside a later Round
        os.kill(child.pid, signal.SIGKILL)
    finally:
        if child.poll() is None:
            child.kill()
        child.communicate(timeout=30)
    assert child.returncode == -signal.SIGKILL

    with open_database(url) as db:
        stored = db.load_game(game_id)
        assert stored.game.status == "interrupted"  # its process is gone
        last = assert_whole_rounds(stored)
        assert KILL_AFTER <= last < ROUNDS - 1
        with open_database(make_url()) as fresh:
            reference_id, _ = play_recorded(fresh, new_game(ROUNDS))
            reference = books_of(fresh.load_game(reference_id))
        # What was stored is exactly the uninterrupted run's rows of those Rounds.
        for name, rows in books_of(stored).items():
            if name not in ("disposals", "open_lots", "postings"):
                assert rows == [row for row in reference[name] if row.round <= last], name
        new_game(ROUNDS).run(ResumingRecorder(db, game_id))
        resumed = db.load_game(game_id)
    assert resumed.game.status == "finished"
    assert books_of(resumed) == reference
