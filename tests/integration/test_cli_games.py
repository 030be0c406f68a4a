"""Games in the database from the command line: play, list, show, report, export, resume."""

from __future__ import annotations

import json
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
EXAMPLE = Path(__file__).parents[2] / "examples" / "games" / "sma-2008.toml"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("store")


def run(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_play_list_show_report_export(tmp_path: Path, data_dir: Path) -> None:
    db = str(tmp_path / "games.sqlite")
    played = json.loads(run("play", str(EXAMPLE), "--json", "--db", db, "--data-dir", str(data_dir)))
    listed = json.loads(run("games", "list", "--json", "--db", db))
    assert [(g["id"], g["name"], g["status"], g["score"]) for g in listed] == [
        (played["id"], "sma-2008", "finished", played["score"])
    ]
    shown = json.loads(run("games", "show", str(played["id"]), "--json", "--db", db))
    assert shown["games"][0]["final_value"] == played["final_value"]
    assert len(shown["rounds"]) == played["rounds"]
    fills = [e for e in shown["events"] if e["kind"] == "filled"]
    assert fills and all(e["op_ids"] for e in fills)
    text = run("games", "show", str(played["id"]), "--db", db)
    assert "Decision log" in text and "journal_entries" in text
    report = tmp_path / "r.html"
    run("report", str(played["id"]), "--output", str(report), "--db", db, "--data-dir", str(data_dir))
    assert report.stat().st_size > 100_000 and "chart-equity" in report.read_text()
    exported = run("export", str(played["id"]), "--format", "parquet", "--output", str(tmp_path / "x"), "--db", db)
    assert {Path(p).name for p in exported.split()} >= {"events.parquet", "postings.parquet", "cost_ledger.parquet"}


class _Crash:
    def __init__(self, after: int) -> None:
        self.after = after

    def round_done(self, game: Game, round_index: int, value: float) -> None:
        if round_index == self.after:
            raise KeyboardInterrupt("killed")  # not an Exception: nothing marks the Game failed

    def game_done(self, game: Game, result: GameResult) -> None:
        pass


def test_resume_finishes_an_interrupted_game_with_the_same_books(tmp_path: Path, data_dir: Path) -> None:
    store = MarketStore(data_dir)
    game_file = load_game(EXAMPLE)
    whole_db = open_database(f"sqlite:///{tmp_path / 'whole.sqlite'}")
    whole_id, _ = play_recorded(game_file, store, whole_db)
    cut_path = tmp_path / "cut.sqlite"
    cut_db = open_database(f"sqlite:///{cut_path}")
    with pytest.raises(KeyboardInterrupt):
        play_recorded(game_file, store, cut_db, _Crash(after=300))
    assert cut_db.game(1).status == "running" and cut_db.last_committed_round(1) == 300
    cut_db.close()
    resumed = json.loads(run("resume", "1", "--db", str(cut_path), "--data-dir", str(data_dir), "--json"))
    assert resumed["outcome"] == "completed" and resumed["id"] == 1
    again = open_database(f"sqlite:///{cut_path}").load_game(1)
    whole = whole_db.load_game(whole_id)
    assert again.game.status == "finished"
    for table in ("rounds", "events", "entries", "postings", "cost_ledger", "tax_ledger", "disposals"):
        assert [r[1:] for r in getattr(again, table)] == [r[1:] for r in getattr(whole, table)], table
    assert again.game.score == whole.game.score


def test_bad_input_writes_nothing(tmp_path: Path, data_dir: Path) -> None:
    db = tmp_path / "games.sqlite"
    typo = tmp_path / "typo.toml"
    typo.write_text(EXAMPLE.read_text().replace("start_fund", "start_fnd"))
    bad = runner.invoke(app, ["play", str(typo), "--db", str(db), "--data-dir", str(data_dir)])
    assert bad.exit_code == 2 and "start_fund" in bad.output
    unknown_model = tmp_path / "model.toml"
    unknown_model.write_text(EXAMPLE.read_text().replace('name = "sma-crossover"', 'name = "nope"'))
    assert runner.invoke(app, ["play", str(unknown_model), "--db", str(db), "--data-dir", str(data_dir)]).exit_code == 2
    assert json.loads(run("games", "list", "--json", "--db", str(db))) == []
    unreachable = runner.invoke(app, ["play", str(EXAMPLE), "--db", "postgresql://me:hunter2@127.0.0.1:1/games"])
    assert unreachable.exit_code == 1 and "cannot open the database" in unreachable.output  # a failure, not bad input
    assert "hunter2" not in unreachable.output
    missing = runner.invoke(app, ["games", "show", "42", "--db", str(db)])
    assert missing.exit_code == 2 and "42" in missing.output


def test_json_logs_never_show_secrets(tmp_path: Path, data_dir: Path) -> None:
    result = runner.invoke(
        app,
        ["--log-format", "json", "--log-level", "info", "play", str(EXAMPLE), "--json", "--db", str(tmp_path / "g.sqlite"),
         "--data-dir", str(data_dir)],
    )  # fmt: skip
    assert result.exit_code == 0
    lines = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    assert [line["event"] for line in lines] == ["game.start", "game.done"]


def test_export_writes_what_the_books_hold_without_float_noise(tmp_path: Path, data_dir: Path) -> None:
    import csv
    import re
    from decimal import Decimal

    import pyarrow.parquet as pq

    db = open_database(f"sqlite:///{tmp_path / 'games.sqlite'}")
    game_id, played = play_recorded(load_game(EXAMPLE), MarketStore(data_dir), db)
    db.close()
    run("export", str(game_id), "--output", str(tmp_path / "csv"), "--db", str(tmp_path / "games.sqlite"))
    run(
        "export",
        str(game_id),
        "--format",
        "parquet",
        "--output",
        str(tmp_path / "pq"),
        "--db",
        str(tmp_path / "games.sqlite"),
    )

    def rows(name: str) -> list[dict[str, str]]:
        with (tmp_path / "csv" / f"{name}.csv").open(newline="") as handle:
            return list(csv.DictReader(handle))

    books = played.result.books
    # The books' amounts, digit for digit, in the CSV and in Parquet.
    costs = rows("cost_ledger")
    assert [(c["notional"], c["fee"]) for c in costs] == [
        (str(c.notional.amount), str(c.fee.amount)) for c in books.cost_ledger
    ]
    assert [Decimal(c["notional"]) for c in costs] == [c.notional.amount for c in books.cost_ledger]
    parquet_costs = pq.read_table(tmp_path / "pq" / "cost_ledger.parquet").to_pylist()
    assert [c["notional"] for c in parquet_costs] == [c.notional.amount for c in books.cost_ledger]
    assert rows("games")[0]["final_value"] == str(played.result.score.final_value)
    # The Round values (a float valuation: cash plus holdings at their closes) carry no float
    # noise: 100101.19762 after the first Round, not 100101.19761999999.
    values = [r["value"] for r in rows("rounds")]
    assert values[1] == "100101.19762"
    noisy = [v for v in values if re.search(r"\.\d*(0000|9999)\d$", v)]
    assert noisy == []
    parquet_values = pq.read_table(tmp_path / "pq" / "rounds.parquet").column("value").to_pylist()
    assert [repr(v) for v in parquet_values] == values
