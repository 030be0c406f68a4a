"""The packaged migrations build exactly the schema the code uses, and run both ways."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from importlib import resources

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, insert, inspect, text

from tradegame.engine.rules import ENGINE_RULES
from tradegame.store import alembic_config, open_database, schema
from tradegame.store.errors import DatabaseError
from tradegame.store.migrate import HEAD
from tradegame.store.schema import metadata


def test_the_migrations_ship_inside_the_package() -> None:
    folder = resources.files("tradegame.store") / "migrations"
    assert (folder / "env.py").is_file()
    assert (folder / "script.py.mako").is_file()
    script = ScriptDirectory.from_config(alembic_config())
    assert script.get_heads() == ["0010"]
    assert [r.revision for r in script.walk_revisions()] == [
        "0010",
        "0009",
        "0008",
        "0007",
        "0006",
        "0005",
        "0004",
        "0003",
        "0002",
        "0001",
    ]
    assert script.get_heads() == [HEAD]  # opening a database at HEAD skips Alembic


def test_a_database_at_head_opens_without_alembic(make_url: Callable[[], str]) -> None:
    """A fresh process opening a migrated database does not import Alembic (the migration check is one query)."""
    import subprocess
    import sys

    url = make_url()
    open_database(url).close()  # create and migrate it
    code = (
        "import sys; from tradegame.store import open_database; "
        f"open_database({url!r}).close(); print('alembic' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_the_migrated_schema_is_the_schema_of_the_code(make_url: Callable[[], str]) -> None:
    with open_database(make_url()) as db, db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []


def test_downgrade_to_nothing_and_up_again(make_url: Callable[[], str]) -> None:
    with open_database(make_url()) as db:
        with db.engine.begin() as connection:
            command.downgrade(alembic_config(connection), "base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        with db.engine.begin() as connection:
            command.upgrade(alembic_config(connection), "head")
        assert "postings" in inspect(db.engine).get_table_names()


def test_games_stored_before_the_rules_column_get_rules_1(make_url: Callable[[], str]) -> None:
    """Migration 0002 on a store with a Game in it: the old Game gets rules 1, new ones the engine's."""
    url = make_url()
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            command.upgrade(alembic_config(connection), "0001")
            old_columns = {  # the columns of migration 0001: the statement names no others
                "name": "old",
                "created_at": datetime(2026, 5, 20, 12, tzinfo=UTC),
                "status": "finished",
                "definition_text": "[game]",
                "model": "sma",
                "model_params": {},
                "data_hash": "h",
            }
            connection.execute(insert(schema.games).values(**old_columns))
    finally:
        engine.dispose()
    with open_database(url) as db:
        (old,) = db.list_games()
        assert (old.name, old.engine_rules) == ("old", 1)
        assert db.game(old.id).other_rules == (
            f"game {old.id} was played under engine rules 1; this tradegame plays rules {ENGINE_RULES}"
        )
        new_id = db.create_game("new", "[game]", "sma", {}, "h")
        assert db.game(new_id).engine_rules == ENGINE_RULES
        assert db.game(new_id).other_rules is None
        with db.engine.begin() as connection:  # and back: the column goes, the Games stay
            command.downgrade(alembic_config(connection), "0001")
        assert "engine_rules" not in {c["name"] for c in inspect(db.engine).get_columns("games")}
        with db.engine.connect() as connection:
            assert connection.execute(text("SELECT name FROM games ORDER BY id")).scalars().all() == ["old", "new"]


def test_a_database_from_a_newer_tradegame_is_refused_by_name(make_url: Callable[[], str]) -> None:
    """A schema revision this code does not know is one clear error, and the file is left as it was."""
    url = make_url()
    with open_database(url) as db:
        db.create_game("kept", "[game]", "sma", {}, "h")
        with db.engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(DatabaseError, match=rf"schema revision 9999, written by a newer tradegame.*knows up to {HEAD}"):
        open_database(url)
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == "9999"
            assert connection.execute(text("SELECT name FROM games")).scalars().all() == ["kept"]
    finally:
        engine.dispose()


def test_0006_adds_the_trading_columns_to_stored_experiment_rows_and_back(make_url: Callable[[], str]) -> None:
    """An experiment row stored under 0005 keeps its values with NULL trading numbers; a new row
    stores them exactly (traded_value to the cent); downgrading drops the columns, keeps the rows."""
    from tradegame.store.experiments import experiment_rows, record_experiment_game

    url = make_url()
    engine = create_engine(url)
    when = datetime(2026, 12, 7, tzinfo=UTC)
    try:
        with engine.begin() as connection:
            command.upgrade(alembic_config(connection), "0005")
            connection.execute(
                text(
                    "INSERT INTO experiments (id, name, created_at, definition, game_count) VALUES (:i, :n, :c, :d, 2)"
                ),
                {"i": "e-1", "n": "e", "c": when.isoformat(), "d": "{}"},
            )
            connection.execute(
                text(
                    "INSERT INTO experiment_games (experiment_id, game_key, coordinates, seed, outcome, score, "
                    "finished_at) VALUES ('e-1', 'old', :c, 1, 'completed', '12.34', :f)"
                ),
                {"c": "{}", "f": when.isoformat()},
            )
    finally:
        engine.dispose()
    with open_database(url) as db:
        record_experiment_game(
            db, "e-1", "new", {}, 2,
            {"outcome": "completed", "score": "1.00", "traded_value": "250123.45", "turnover": 2.5012345,
             "capped_fills": 3},
        )  # fmt: skip
        rows = {row["game_key"]: row for row in experiment_rows(db, "e-1")}
        assert (rows["old"]["traded_value"], rows["old"]["turnover"], rows["old"]["capped_fills"]) == (None,) * 3
        assert str(rows["old"]["score"]) == "12.34"
        assert rows["new"]["traded_value"] == Decimal("250123.45")
        assert (rows["new"]["turnover"], rows["new"]["capped_fills"]) == (2.5012345, 3)
        with db.engine.begin() as connection:
            command.downgrade(alembic_config(connection), "0005")
        assert "traded_value" not in {c["name"] for c in inspect(db.engine).get_columns("experiment_games")}
        with db.engine.connect() as connection:
            keys = connection.execute(text("SELECT game_key FROM experiment_games ORDER BY game_key")).scalars().all()
        assert keys == ["new", "old"]
