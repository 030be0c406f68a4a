"""The packaged migrations build exactly the schema the code uses, and run both ways."""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from tradegame.store import alembic_config, open_database
from tradegame.store.schema import metadata


def test_the_migrations_ship_inside_the_package() -> None:
    folder = resources.files("tradegame.store") / "migrations"
    assert (folder / "env.py").is_file()
    assert (folder / "script.py.mako").is_file()
    script = ScriptDirectory.from_config(alembic_config())
    assert script.get_heads() == ["0001"]
    assert [r.revision for r in script.walk_revisions()] == ["0001"]


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
