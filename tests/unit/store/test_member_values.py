"""Each Model's record under an Activator, stored Round by Round (``member_values``): a stored Game's
member versions get, in ``games show --json``, the monthly scores the Game just played gives them;
a Game without an Activator stores none; a resume checks them like every other row."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from sqlalchemy import update
from typer.testing import CliRunner

from tests.unit.engine.game_kit import bars_from, spec, universe_of
from tests.unit.models.test_activator import CALM, planted_regime
from tests.unit.store.kit import CrashAfter, SimulatedCrashError, books_of, create, new_game, play_recorded
from tradegame.app.models import find_model
from tradegame.cli import app
from tradegame.engine.game import Game
from tradegame.store import ResumeMismatchError, ResumingRecorder, open_database, schema

ROUNDS = CALM + 29  # January to August 2024: several months after each fit
REGIME = {"name": "regime", "params": {"symbol": "IDX", "trend": 50, "min_rows": 20, "min_count": 5}}


def activator_game() -> Game:
    """An Activator over a regime Model the engine trains every 20 Rounds (from Round 69, when it
    first learns something), and buy-and-hold."""
    table = {
        "rule": "always-on",
        "shares": {"regime": "60%", "hold": "40%"},
        "models": [
            {"as": "regime", **REGIME, "training": {"length": "1y", "every": 20}},
            {"as": "hold", "name": "buy-and-hold", "params": {"symbols": ["IDX"]}},
        ],
    }
    universe = universe_of(bars_from({"IDX": planted_regime()}))
    return Game(spec(rounds=ROUNDS), universe, find_model("activator").build(table))


def shown_training(url: str, game_id: int) -> list[dict[str, object]]:
    shown = CliRunner().invoke(app, ["games", "show", str(game_id), "--json", "--db", url])
    assert shown.exit_code == 0, shown.output
    training: list[dict[str, object]] = json.loads(shown.stdout).get("training", [])
    return training


def test_games_show_gives_member_versions_the_months_of_the_game_just_played(make_url: Callable[[], str]) -> None:
    url = make_url()
    with open_database(url) as db:
        game = activator_game()
        game_id, result = play_recorded(db, game)
        stored = db.load_game(game_id)
    assert {row.alias for row in stored.member_values} == {"regime", "hold"}
    assert [row.session for row in stored.member_values if row.alias == "hold"] == list(range(len(result.values)))
    assert [row.value for row in stored.member_values if row.alias == "regime"] == list(
        game.model.member_values("regime")  # type: ignore[attr-defined]
    )
    versions = [v for v in result.training if v.model == "regime"]
    assert len(versions) >= 3 and all(v.months for v in versions)
    assert len({m.value for v in versions for m in v.months}) > 3  # scores that differ: a test that can fail
    expected = json.loads(json.dumps([v.as_json() for v in result.training]))
    training = shown_training(url, game_id)
    assert [v["months"] for v in training] == [v["months"] for v in expected]  # to the value
    assert [v["model"] for v in training] == ["regime"] * len(versions)


def test_a_game_without_an_activator_stores_no_member_values(make_url: Callable[[], str]) -> None:
    with open_database(make_url()) as db:
        game_id, _ = play_recorded(db, new_game())
        assert db.load_game(game_id).member_values == []


def test_a_resumed_activator_game_stores_the_member_values_of_an_uninterrupted_run(
    make_url: Callable[[], str],
) -> None:
    with open_database(make_url()) as db:
        whole, _ = play_recorded(db, activator_game())
        crashed = create(db)
        with pytest.raises(SimulatedCrashError):
            activator_game().run(CrashAfter(db, crashed, crash_round=70))
        assert {row.round for row in db.load_game(crashed).member_values} == set(range(71))
        activator_game().run(ResumingRecorder(db, crashed))
        assert books_of(db.load_game(crashed)) == books_of(db.load_game(whole))


def test_a_replayed_member_record_that_differs_is_refused(make_url: Callable[[], str]) -> None:
    with open_database(make_url()) as db:
        crashed = create(db)
        with pytest.raises(SimulatedCrashError):
            activator_game().run(CrashAfter(db, crashed, crash_round=70))
        table = schema.member_values
        with db.write() as connection:  # as if the Model had done otherwise in Round 50
            connection.execute(
                update(table)
                .where(table.c.game_id == crashed, table.c.alias == "regime", table.c.round == 50)
                .values(value=table.c.value * 1.01)
            )
        with pytest.raises(ResumeMismatchError, match=r"Round 50: the replayed member_values differ .* in value"):
            activator_game().run(ResumingRecorder(db, crashed))


def test_a_stored_report_shows_the_member_versions_of_the_game_just_played(make_url: Callable[[], str]) -> None:
    """A Game the engine cannot replay is reported from its stored rows: its Model versions and their
    monthly scores are the Game's just played, read back from the log and ``member_values``."""
    from tradegame.app.stored import stored_books
    from tradegame.reporting.stored_report import render_stored_html

    with open_database(make_url()) as db:
        game_id, result = play_recorded(db, activator_game())
        books = stored_books(db.load_game(game_id), "its Model's source changed")
    expected = json.loads(json.dumps([v.as_json() for v in result.training]))
    read = json.loads(json.dumps([v.as_json() for v in books.training]))
    hashes = ("data_hash", "params_hash")  # the log line keeps their first 16 digits
    for stored, played in zip(read, expected, strict=True):
        assert all(played[name].startswith(stored[name]) and len(stored[name]) == 16 for name in hashes)
        assert {k: v for k, v in stored.items() if k not in hashes} == {
            k: v for k, v in played.items() if k not in hashes
        }  # the months to the value
    assert any(v.months for v in books.training)
    page = render_stored_html(books)
    assert 'id="model-versions"' in page and 'href="#model-versions"' in page
    assert page.count("regime version ") >= len(books.training)


def test_a_stored_report_without_training_lists_no_model_versions(make_url: Callable[[], str]) -> None:
    from tradegame.app.stored import stored_books
    from tradegame.reporting.stored_report import render_stored_html

    with open_database(make_url()) as db:
        game_id, _ = play_recorded(db, new_game())
        books = stored_books(db.load_game(game_id))
    assert books.training == []
    assert "model-versions" not in render_stored_html(books)
