"""`tradegame experiment run --keep-books`: every Game stored with its full books as `tradegame play`
stores one, linked from its row; reruns record no Game's books twice; a Game of a universe keeps a
definition that replays on the symbols it picked."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from typer.testing import CliRunner

from tests.integration.test_experiment_axes import FISH, SEER
from tests.integration.test_experiment_axes import write as write_universe_experiment
from tests.integration.test_experiments import SMALL, table, write_experiment
from tradegame.cli import app
from tradegame.store import open_database
from tradegame.store.rows import StoredGame

runner = CliRunner()

TINY = SMALL.replace("from = 2003-01-02\nto = 2003-12-31\nsession_of_month = 1", "dates = [2003-01-02, 2003-06-02]")
assert TINY != SMALL  # two start dates, three Models: six Games


def run(path: Path, db: Path, *options: str) -> dict[str, object]:
    result = runner.invoke(app, ["experiment", "run", str(path), "--db", str(db), "--json", *options])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)  # type: ignore[no-any-return]


def without_links(rows: list[dict[str, object]]) -> list[dict[str, object]]:
    return [{k: v for k, v in row.items() if k != "stored_game_id"} for row in rows]


def stored_ids(db: Path) -> list[int]:
    with sqlite3.connect(db) as connection:
        return [row[0] for row in connection.execute("SELECT id FROM games ORDER BY id")]


def books(game: StoredGame) -> dict[str, object]:
    """Every table of a stored Game but what differs between two recordings of it (its id, times)."""
    kept = {name: rows for name, (_, rows) in game.tables().items() if name != "games"}
    row = game.game._asdict()
    return {**kept, "games": {k: v for k, v in row.items() if k not in ("id", "created_at", "finished_at",
                                                                       "heartbeat_at", "owner")}}  # fmt: skip


def test_keep_books_stores_every_game_as_play_does_once(tmp_path: Path) -> None:
    path = write_experiment(tmp_path, TINY)
    plain, kept = tmp_path / "plain.sqlite", tmp_path / "kept.sqlite"
    summary = run(path, plain, "--workers", "1")  # the SMA Games through the sweep, no books
    experiment_id = str(summary["experiment_id"])
    assert summary["played"] == 6 and stored_ids(plain) == []
    assert run(path, kept, "--workers", "2", "--keep-books")["played"] == 6  # all through the Round loop
    rows = table(kept, experiment_id)
    assert without_links(rows) == without_links(table(plain, experiment_id))  # the same rows either way
    assert sorted(int(str(row["stored_game_id"])) for row in rows) == stored_ids(kept) == list(range(1, 7))
    again = run(path, kept, "--keep-books")
    assert (again["played"], again["skipped"]) == (0, 6) and stored_ids(kept) == list(range(1, 7))

    # A Game's stored books are those `tradegame play` stores of its stored definition.
    traded = next(row for row in rows if row["coordinates"]["model"] == "sma-crossover" and row["trades"])  # type: ignore[index]
    stored_id = int(str(traded["stored_game_id"]))
    with open_database(str(kept)) as db:
        ours = db.load_game(stored_id)
    assert ours.game.status == "finished" and ours.game.score == traded["score"] and len(ours.cost_ledger) > 0
    definition = tmp_path / "game.toml"
    definition.write_text(ours.game.definition_text)
    played = runner.invoke(app, ["play", str(definition), "--db", str(tmp_path / "played.sqlite"), "--json"])
    assert played.exit_code == 0, played.output
    with open_database(str(tmp_path / "played.sqlite")) as db:
        assert books(db.load_game(1)) == books(ours)
    for command in (["games", "show", str(stored_id)], ["export", str(stored_id), "-o", str(tmp_path / "x")],
                    ["report", str(stored_id), "-o", str(tmp_path / "r.html")]):  # fmt: skip
        result = runner.invoke(app, [*command, "--db", str(kept)])
        assert result.exit_code == 0, (command, result.output)


def test_a_keep_books_rerun_links_books_to_rows_stored_without(tmp_path: Path) -> None:
    path = write_experiment(tmp_path, TINY)
    db = tmp_path / "games.sqlite"
    experiment_id = str(run(path, db, "--workers", "1")["experiment_id"])
    before = table(db, experiment_id)
    summary = run(path, db, "--workers", "2", "--keep-books")
    assert (summary["played"], summary["skipped"]) == (6, 0)  # played again, for their books
    after = table(db, experiment_id)
    assert without_links(after) == without_links(before)  # the rows as they were, now linked
    assert sorted(int(str(row["stored_game_id"])) for row in after) == stored_ids(db) == list(range(1, 7))
    assert run(path, db, "--keep-books")["played"] == 0 and stored_ids(db) == list(range(1, 7))
    deleted = runner.invoke(app, ["games", "delete", "3", "--db", str(db), "--yes"])  # its row stays, unlinked
    assert deleted.exit_code == 0, deleted.output
    linked = {str(row["game_key"]): row["stored_game_id"] for row in after}
    assert {str(row["game_key"]): row["stored_game_id"] for row in table(db, experiment_id)} == {
        key: None if stored == 3 else stored for key, stored in linked.items()
    }


def test_a_universe_game_s_stored_definition_replays_on_the_symbols_it_picked(tmp_path: Path) -> None:
    seen = tmp_path / "seen.txt"
    (tmp_path / "seer.py").write_text(SEER)
    model = f'\n[[axes.model]]\nname = "seer.py:Seer"\nparams = {{ out = "{seen}" }}\n'
    text = FISH.replace('start_fund = ["100000", "1000000000"]', 'start_fund = ["100000"]')
    text = text.replace("to = 2007-12-31", "to = 2006-01-31") + model  # one start: two Games
    path = write_universe_experiment(tmp_path, text, "bokeh-base.toml")
    db = tmp_path / "games.sqlite"
    summary = run(path, db, "--workers", "1", "--keep-books")
    assert (summary["played"], summary["errors"]) == (2, 0)
    rows = table(db, str(summary["experiment_id"]))
    small = next(row for row in rows if row["coordinates"]["symbols"] == ["MSFT"])  # type: ignore[index]
    with open_database(str(db)) as database:
        definition = database.game(int(str(small["stored_game_id"]))).definition_text
    assert 'symbols = ["MSFT"]' in definition.split("[[data]]", 1)[1]  # its data: only what it saw
    for stored_id in (str(small["stored_game_id"]), None):  # kept by the run, then by a replay
        if stored_id is None:
            replay = ["experiment", "replay", str(summary["experiment_id"]), str(small["game_key"]), "--json"]
            replayed = runner.invoke(app, [*replay, "--db", str(db)])
            assert replayed.exit_code == 0, replayed.output
            stored_id = str(json.loads(replayed.output)["id"])
        seen.write_text("")
        report = runner.invoke(app, ["report", stored_id, "--db", str(db), "-o", str(tmp_path / "r.html")])
        assert report.exit_code == 0, report.output  # replayed from its definition to the stored score
        assert seen.read_text().splitlines() == ["MSFT"]  # on the symbols it picked, not every one
