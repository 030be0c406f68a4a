"""The README's language-model walk-through: examples/games/llm-memory.toml plays from the command
line against the local server and books its calls; the memory experiment plans its 240 Games and
runs (a few of them) to rows that differ by policy."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tradegame.cli import app
from tradegame.llm.server import serve

pytestmark = pytest.mark.slow  # a two-year weekly Game and 8 experiment Games against the server
runner = CliRunner()
EXAMPLES = Path(__file__).parents[2] / "examples"


@pytest.fixture(scope="module")
def server() -> Iterator[Any]:
    running = serve(port=0)
    yield running
    running.shutdown()


def on(server: Any, text: str) -> str:
    return text.replace("http://127.0.0.1:8765/v1", f"http://127.0.0.1:{server.server_address[1]}/v1")


def test_the_example_game_plays_and_books_its_calls(
    server: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    game = tmp_path / "llm-memory.toml"
    game.write_text(on(server, (EXAMPLES / "games" / "llm-memory.toml").read_text()))
    db = f"sqlite:///{tmp_path / 'games.sqlite'}"
    played = runner.invoke(app, ["play", str(game), "--json", "--db", db, "--data-dir", str(tmp_path)])
    assert played.exit_code == 0, played.output
    summary = json.loads(played.output)
    assert summary["outcome"] == "completed" and float(summary["running_costs"]) > 0
    shown = runner.invoke(app, ["games", "show", "1", "--ledger", "events", "--json", "--db", db])
    events = json.loads(shown.output)
    calls = [e for e in events if e["kind"] == "running-cost" and e["symbol"] == "llm-calls"]
    assert calls and all(re.search(r"for call chatcmpl-\w+", e["detail"]) for e in calls)
    assert any(e["kind"] == "filled" for e in events)
    assert all("in-sample" in e["detail"] for e in events if e["kind"] == "note")  # cut-off 2023: all in-sample
    assert len(list((tmp_path / "llm-cache").rglob("*.json"))) == summary["rounds"]


def test_the_memory_experiment_compares_the_policies(
    server: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    base = tmp_path / "llm-base.toml"
    base.write_text((EXAMPLES / "experiments" / "llm-base.toml").read_text())
    text = on(server, (EXAMPLES / "experiments" / "llm-memory.toml").read_text())
    text = text.replace(
        'params = { model = "house",',
        f'params = {{ base_url = "http://127.0.0.1:{server.server_address[1]}/v1", model = "house",',
    )
    planned = tmp_path / "llm-memory.toml"
    planned.write_text(text)
    plan = runner.invoke(app, ["experiment", "plan", str(planned), "--json"])
    assert plan.exit_code == 0, plan.output
    assert json.loads(plan.output)["axes"] == {"start": 60, "length": 1, "model": 4}
    few = tmp_path / "few.toml"
    few.write_text(re.sub(r"\[axes.start\]\n(.*\n){3}", "[axes.start]\ndates = [2020-01-02, 2020-02-03]\n", text))
    db = f"sqlite:///{tmp_path / 'exp.sqlite'}"
    ran = runner.invoke(app, ["experiment", "run", str(few), "--json", "--workers", "1", "--db", db])
    assert ran.exit_code == 0, ran.output
    outcome = json.loads(ran.output)
    assert outcome["games"] == 8 and outcome["played"] == 8
    with sqlite3.connect(tmp_path / "exp.sqlite") as connection:
        rows = connection.execute("SELECT coordinates, score, running_costs, error FROM experiment_games").fetchall()
    by_policy: dict[str, list[str]] = {}
    for coordinates, score, running, error in rows:
        assert error is None and float(running) > 0
        by_policy.setdefault(json.loads(coordinates)["params"]["memory"], []).append(score)
    assert sorted(by_policy) == ["none", "recent", "retrieved", "summary"]
    assert len({tuple(scores) for scores in by_policy.values()}) > 1  # memory changes what is played
