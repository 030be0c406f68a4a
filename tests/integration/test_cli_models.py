"""Models from anywhere: a Game file names ``file.py:Class``, ``module:Class`` or an entry point; the
stored Game records where its Model came from, so report, export and resume load it again; a changed
source is refused by name. ``tradegame models list|show``."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tradegame.app.play import play_recorded
from tradegame.cli import app
from tradegame.data.store import MarketStore
from tradegame.engine.game import Game, GameResult
from tradegame.io.gamefile import load_game
from tradegame.store import open_database

runner = CliRunner()
SRC = Path(__file__).parents[2] / "src"

MODEL = '''
"""A breakout Model kept in the Game's folder."""

from decimal import Decimal

from tradegame.engine.context import RoundContext
from tradegame.engine.moves import Action, Move


class Breakout:
    """Buy ``symbol`` on a close above the last ``days`` highs; sell below the last ``days`` lows."""

    name = "breakout"

    def __init__(self, symbol: str, days: int = 20, weight: Decimal = Decimal("0.9")) -> None:
        self.symbol, self.days, self.weight = symbol, days, weight

    def decide(self, ctx: RoundContext) -> list[Action] | None:
        closes = ctx.universe.close([self.symbol], window=self.days + 1)[:, 0]
        if len(closes) <= self.days or ctx.open_moves:
            return None
        held = ctx.quantity(self.symbol)
        if closes[-1] > closes[:-1].max() and not held:
            return [Move.target(self.symbol, self.weight, reason="breakout")]
        if closes[-1] < closes[:-1].min() and held:
            return [Move.sell(self.symbol, sell_all=True, reason="breakdown")]
        return None
'''

GAME = """
[game]
name = "breakout-spx"
start = 2012-01-03
end = 2013-12-31
schedule = "daily"
start_fund = "100000"

[[data]]
dataset = "arch-sp500"
symbols = ["SPX"]

[model]
name = "{name}"

[model.params]
symbol = "SPX"
{params}
"""


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("store")


def game_folder(folder: Path, name: str, params: str = "days = 20", module: str = "breakout.py") -> Path:
    """A folder with the Model file ``module`` and a Game file naming it ``name``; returns the Game file."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / module).write_text(MODEL)
    game = folder / "game.toml"
    game.write_text(GAME.format(name=name, params=params))
    return game


def run(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_a_game_file_plays_a_model_from_a_file_and_the_stored_game_works_from_anywhere(
    tmp_path: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    game = game_folder(tmp_path / "mine", "breakout.py:Breakout")
    db = str(tmp_path / "games.sqlite")
    played = json.loads(run("play", str(game), "--json", "--db", db, "--data-dir", str(data_dir)))
    assert played["outcome"] == "completed" and played["trades"] > 0
    (row,) = json.loads(run("games", "show", str(played["id"]), "--json", "--db", db))["games"]
    model_file = (tmp_path / "mine" / "breakout.py").resolve()
    assert (row["model"], row["model_kind"], row["model_ref"], row["model_path"]) == (
        "breakout.py:Breakout",
        "file",
        f"{model_file}:Breakout",
        str(model_file),
    )
    assert row["model_sha256"] == hashlib.sha256(model_file.read_bytes()).hexdigest()
    assert row["model_params"] == {"symbol": "SPX", "days": 20}
    listed = json.loads(run("games", "list", "--json", "--db", db))
    assert [(g["name"], g["model"], g["status"]) for g in listed] == [
        ("breakout-spx", "breakout.py:Breakout", "finished")
    ]

    monkeypatch.chdir(tmp_path)  # elsewhere: the Model is loaded again from the record, not the name
    report = tmp_path / "report.html"
    out = run("report", str(played["id"]), "--output", str(report), "--db", db, "--data-dir", str(data_dir))
    assert out.strip() == f"report: {report}" and "chart-equity" in report.read_text()
    exported = run("export", str(played["id"]), "--output", str(tmp_path / "x"), "--db", db).split()
    games_csv = (tmp_path / "x" / "games.csv").read_text()
    assert str(tmp_path / "x" / "games.csv") in exported and "model_sha256" in games_csv and "file" in games_csv
    shown = run("games", "show", str(played["id"]), "--db", db)
    assert f"file {model_file}:Breakout" in shown


def test_a_module_from_the_game_files_folder(tmp_path: Path, data_dir: Path) -> None:
    game = game_folder(tmp_path / "pkg", "breakout_mod_x1:Breakout", module="breakout_mod_x1.py")
    db = str(tmp_path / "games.sqlite")
    played = json.loads(run("play", str(game), "--json", "--db", db, "--data-dir", str(data_dir)))
    (row,) = json.loads(run("games", "show", str(played["id"]), "--json", "--db", db))["games"]
    assert (row["model_kind"], row["model_ref"]) == ("module", "breakout_mod_x1:Breakout")
    assert row["model_path"] == str((tmp_path / "pkg" / "breakout_mod_x1.py").resolve())
    assert str((tmp_path / "pkg").resolve()) not in sys.path  # the folder was on the path for the import only


@pytest.mark.parametrize(
    ("name", "params", "problems"),
    [
        (
            "breakout.py:Breakout",
            'days = "twenty"\nweight = [1]\nlookback = 3',
            [
                "model.params.days: breakout.py:Breakout takes int, got 'twenty' (str)",
                "model.params.weight: breakout.py:Breakout takes Decimal, got [1] (list)",
                "model.params.lookback: unknown parameter 'lookback' of breakout.py:Breakout; "
                "it takes symbol, days, weight",
            ],
        ),
        (
            "breakout.py:Brekout",
            "",
            ["model.name: 'breakout.py:Brekout': breakout.py has no 'Brekout'; it defines Breakout"],
        ),
        ("nowhere.py:Breakout", "", ["model.name: 'nowhere.py:Breakout': no file "]),
        ("no_such_module_q:Breakout", "", ["model.name: 'no_such_module_q:Breakout': no module 'no_such_module_q'"]),
    ],
    ids=["params", "class", "file", "module"],
)
def test_a_bad_model_or_params_is_refused_before_any_row(
    tmp_path: Path, data_dir: Path, name: str, params: str, problems: list[str]
) -> None:
    game = game_folder(tmp_path, name, params)
    db = tmp_path / "games.sqlite"
    result = runner.invoke(app, ["play", str(game), "--db", str(db), "--data-dir", str(data_dir)])
    assert result.exit_code == 2, result.output
    lines = result.output.splitlines()
    if len(problems) == 1:  # one problem is one line
        assert lines == [lines[0]] and lines[0].startswith(f"error: {game}: invalid game definition: {problems[0]}")
    else:
        assert lines[0] == f"error: {game}: invalid game definition:"
        assert len(lines) == 1 + len(problems)
        for line, problem in zip(lines[1:], problems, strict=True):
            assert line.startswith(f"  - {problem}")
    with open_database(f"sqlite:///{db}") as database:
        assert database.list_games() == []


class _Crash:
    def round_done(self, game: Game, round_index: int, value: float) -> None:
        if round_index == 100:
            raise KeyboardInterrupt("killed")

    def game_done(self, game: Game, result: GameResult) -> None:
        pass


def test_resume_refuses_a_game_whose_model_file_changed_and_report_shows_the_stored_books(
    tmp_path: Path, data_dir: Path
) -> None:
    game = game_folder(tmp_path / "mine", "breakout.py:Breakout")
    path = tmp_path / "cut.sqlite"
    db = open_database(f"sqlite:///{path}")
    with pytest.raises(KeyboardInterrupt):
        play_recorded(load_game(game), MarketStore(data_dir), db, _Crash(), folder=game.parent)
    db.close()
    model_file = tmp_path / "mine" / "breakout.py"
    model_file.write_text(MODEL.replace("closes[-1] > closes[:-1].max()", "closes[-1] >= closes[:-1].max()"))

    def stored() -> tuple[str, int | None, int]:
        with open_database(f"sqlite:///{path}") as database:
            return database.game(1).status, database.last_committed_round(1), len(database.load_game(1).events)

    before = stored()
    refused = runner.invoke(app, ["resume", "1", "--db", str(path), "--data-dir", str(data_dir)])
    assert refused.exit_code == 2, refused.output
    assert refused.output.startswith(
        f"error: game 1's Model breakout.py:Breakout (file {model_file.resolve()}) changed since the Game was stored"
    )
    assert "cannot be resumed" in refused.output and "nothing was changed" in refused.output
    assert stored() == before == ("interrupted", 100, before[2])

    report = tmp_path / "cut.html"
    shown = run("report", "1", "--output", str(report), "--db", str(path), "--data-dir", str(data_dir))
    assert shown.splitlines()[0].startswith("game 1's Model breakout.py:Breakout (file ")
    assert shown.splitlines()[0].endswith(": showing the stored books (not replayed)")
    assert "game 1 is interrupted: 101 Rounds stored, no score" in shown
    assert "changed since the Game was stored" in report.read_text()

    model_file.write_text(MODEL)  # put back as it was: it resumes to the end
    assert "game 1 finished: completed" in run("resume", "1", "--db", str(path), "--data-dir", str(data_dir))


def test_models_list_and_show(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    listed = json.loads(run("models", "list", "--json"))
    by_name = {m["name"]: m for m in listed}
    assert list(by_name)[:6] == [
        "buy-and-hold",
        "dca",
        "sma-crossover",
        "momentum-rotation",
        "mean-reversion",
        "crypto-rotator",
    ]
    sma = by_name["sma-crossover"]
    assert sma["kind"] == "builtin" and sma["summary"].startswith("Hold ``symbol`` at ``weight``")
    assert sma["params"][:2] == [
        {"name": "symbol", "type": "str", "required": True, "default": None},
        {"name": "fast", "type": "int", "required": False, "default": 50},
    ]
    assert sma["params"][3] == {
        "name": "weight",
        "type": "Decimal | int | float | str",
        "required": False,
        "default": "1",
    }
    text = " ".join(run("models", "list").split())
    assert "sma-crossover │ builtin │ symbol, fast=50, slow=200, weight=1 │ Hold" in text

    shown = " ".join(run("models", "show", "mean-reversion").split())
    assert shown.startswith("mean-reversion: Buy oversold, sell recovered") and '│ method │ str │ "rsi" │' in shown

    game_folder(tmp_path, "unused")
    monkeypatch.chdir(tmp_path)
    mine = json.loads(run("models", "show", "breakout.py:Breakout", "--json"))
    assert (mine["kind"], mine["summary"]) == (
        "file",
        "Buy ``symbol`` on a close above the last ``days`` highs; sell below the last ``days`` lows.",
    )
    assert [(p["name"], p["type"], p["default"]) for p in mine["params"]] == [
        ("symbol", "str", None),
        ("days", "int", 20),
        ("weight", "Decimal", "0.9"),
    ]
    assert "│ days   │ int     │ 20       │" in run("models", "show", "breakout.py:Breakout")
    missing = runner.invoke(app, ["models", "show", "breakot"])
    assert missing.exit_code == 2 and "unknown model 'breakot'" in missing.output


def test_an_installed_package_adds_a_model_through_the_entry_point_group(tmp_path: Path, data_dir: Path) -> None:
    site = tmp_path / "site"
    (site / "golden_models").mkdir(parents=True)
    (site / "golden_models" / "__init__.py").write_text(MODEL)
    info = site / "golden_models-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: golden-models\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[tradegame.models]\ngolden-breakout = golden_models:Breakout\n")
    game = tmp_path / "game.toml"
    game.write_text(GAME.format(name="golden-breakout", params="days = 30"))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(SRC)])}

    def tradegame(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "tradegame", *args]
        return subprocess.run(command, capture_output=True, text=True, env=env, cwd=tmp_path, check=False, timeout=300)

    listed = tradegame("models", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    (golden,) = [m for m in json.loads(listed.stdout) if m["name"] == "golden-breakout"]
    assert (golden["kind"], golden["ref"]) == ("entry_point", "golden_models:Breakout")
    assert [p["name"] for p in golden["params"]] == ["symbol", "days", "weight"]
    db = str(tmp_path / "games.sqlite")
    played = tradegame("play", str(game), "--json", "--db", db, "--data-dir", str(data_dir))
    assert played.returncode == 0, played.stderr
    game_id = json.loads(played.stdout)["id"]
    with open_database(f"sqlite:///{db}") as database:
        row = database.game(game_id)
    assert (row.model, row.model_kind, row.model_ref) == ("golden-breakout", "entry_point", "golden_models:Breakout")
    assert row.model_path == str((site / "golden_models" / "__init__.py").resolve())
    reported = tradegame(
        "report", str(game_id), "--output", str(tmp_path / "r.html"), "--db", db, "--data-dir", str(data_dir)
    )
    assert reported.returncode == 0, reported.stderr
    bad = tmp_path / "bad.toml"
    bad.write_text(GAME.format(name="golden-breakout", params='days = "30"'))
    refused = tradegame("play", str(bad), "--db", db, "--data-dir", str(data_dir))
    assert refused.returncode == 2
    assert "model.params.days: golden-breakout takes int, got '30' (str)" in refused.stderr
    assert refused.stdout == ""
