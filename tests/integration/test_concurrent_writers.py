"""Many `tradegame play` processes started at once on a new database: every one succeeds (writers
queue; the first use, which creates the schema, is serialized) and every Game is stored.

The SQLite case is here; tests/integration/test_postgres.py runs ``play_at_once`` on a new
PostgreSQL database.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tradegame.data.catalog import sync_bundled
from tradegame.data.store import MarketStore
from tradegame.store import open_database

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "games" / "sma-2008.toml"
PROCESSES = 12


def play_at_once(url: str, folder: Path, processes: int = PROCESSES) -> None:
    """Start ``processes`` real `tradegame play` of a 5-Round Game at once against ``url``; check them all."""
    data_dir = folder / "store"
    sync_bundled(MarketStore(data_dir), ["arch-sp500"])  # the market-data store's first use is not under test
    game = folder / "tiny.toml"
    game.write_text(EXAMPLE.read_text().replace("end = 2009-12-31", "rounds = 5"))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])}
    command = [sys.executable, "-m", "tradegame", "play", str(game), "--json", "--db", url, "--data-dir", str(data_dir)]
    children = [
        subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(processes)
    ]
    outputs = [child.communicate(timeout=300) for child in children]
    failed = [err.strip() for child, (_, err) in zip(children, outputs, strict=True) if child.returncode != 0]
    assert failed == [], f"{len(failed)} of {processes} failed, e.g. {failed[0]}"
    played = [json.loads(out) for out, _ in outputs]
    assert len({summary["score"] for summary in played}) == 1
    with open_database(url) as db:
        games = db.list_games()
    assert sorted(g.id for g in games) == sorted(summary["id"] for summary in played)
    assert len(games) == processes
    assert {(g.status, g.last_round, str(g.score)) for g in games} == {("finished", 4, played[0]["score"])}


@pytest.mark.slow
def test_many_processes_at_once_on_a_new_sqlite_file(tmp_path: Path) -> None:
    database = tmp_path / "new" / "games.sqlite"
    play_at_once(f"sqlite:///{database}", tmp_path)
    assert (tmp_path / "new" / "games.sqlite.lock").exists()  # the lock that serialized the first use
