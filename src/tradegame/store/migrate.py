"""Connecting to a Game store and bringing its schema to the newest migration.

``_engine`` builds the SQLAlchemy engine of a SQLite file (real transactions: ``BEGIN`` emitted by
the engine, ``BEGIN IMMEDIATE`` for writes; WAL, ``synchronous = NORMAL``, a 30 s busy timeout)
or of PostgreSQL (psycopg 3). ``_migrate`` checks the schema and upgrades it under the
cross-process migration lock, refusing a database migrated by a newer tradegame.
``alembic_config`` points Alembic at the migrations packaged in ``tradegame.store``.

A schema already at ``HEAD`` (the newest packaged revision) is recognized from its
``alembic_version`` row alone, so opening a current database never imports Alembic (about a
tenth of a second); anything else (a new database, an older or a newer schema) goes through it.

Imports SQLAlchemy, the store's locking, URL and error modules, and Alembic where it migrates.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError
from sqlalchemy.pool import ConnectionPoolEntry

from tradegame.store.errors import DatabaseError
from tradegame.store.locking import migration_lock
from tradegame.store.urls import redact

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = ["HEAD", "WRITE", "alembic_config"]

HEAD = "0010"
"""The newest packaged migration (``store/migrations/versions``; a test keeps the two equal)."""

WRITE = "tradegame_write"
"""The execution option that marks a write connection (``BEGIN IMMEDIATE`` on SQLite)."""

_MIGRATION_LOCK = 0x7472_6164_6567  # pg_advisory_xact_lock key: one migrating process at a time


def alembic_config(connection: Connection | None = None, url: str | None = None) -> Config:
    """An Alembic configuration for the packaged migrations, on ``connection`` or ``url``.

    For writing a new migration, e.g.
    ``command.revision(alembic_config(url="sqlite:///scratch.sqlite"), "add x", autogenerate=True)``
    after ``command.upgrade(..., "head")`` on the same scratch database.
    """
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(resources.files("tradegame.store") / "migrations"))
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["connection"] = connection
    return config


def _migrate(engine: Engine, parsed: URL) -> None:
    """Bring the schema to the newest migration, one process at a time (see ``open_database``)."""
    with migration_lock(parsed):
        with engine.connect() as connection, connection.begin():
            current = _at_head(connection) or _refuse_newer_schema(connection, alembic_config(connection), parsed)
        if not current:
            from alembic import command

            with engine.connect() as connection:
                connection.execution_options(**{WRITE: True})  # BEGIN IMMEDIATE on SQLite
                with connection.begin():
                    if engine.dialect.name == "postgresql":
                        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
                    config = alembic_config(connection)
                    _refuse_newer_schema(connection, config, parsed)
                    command.upgrade(config, "head")


def _at_head(connection: Connection) -> bool:
    """Whether the schema's revision is ``HEAD`` (read without Alembic; False when unsure)."""
    if not inspect(connection).has_table("alembic_version"):
        return False
    versions = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    return versions == [HEAD]


def _refuse_newer_schema(connection: Connection, config: Config, url: URL) -> bool:
    """A database migrated by a newer tradegame is refused by name, never half-upgraded.

    Returns whether the schema is already the newest this code knows (nothing to migrate).
    """
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(config)
    known = {revision.revision for revision in script.walk_revisions()}
    current = MigrationContext.configure(connection).get_current_heads()
    unknown = sorted(head for head in current if head not in known)
    if unknown:
        raise DatabaseError(
            f"the database {redact(url)} has schema revision {', '.join(unknown)}, written by a newer "
            f"tradegame (this one knows up to {script.get_current_head()}): upgrade tradegame, "
            "or choose another database with --db or $TRADEGAME_DB"
        )
    return set(current) == set(script.get_heads())


def _engine(url: URL) -> Engine:
    backend = url.get_backend_name()
    if backend == "sqlite":
        if url.database and url.database != ":memory:" and not url.database.startswith("file:"):
            try:
                Path(url.database).parent.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise DatabaseError(f"cannot create the folder of {url.database}: {error.strerror}") from None
        engine = create_engine(url)
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if backend == "postgresql":
        connect_args: dict[str, Any] = {}
        if "connect_timeout" not in url.query:
            connect_args["connect_timeout"] = 10
        try:
            return create_engine(url, connect_args=connect_args, pool_pre_ping=True)
        except ImportError as error:
            raise DatabaseError(
                f"database URL {redact(url)}: its driver is not installed ({error}); "
                "PostgreSQL needs psycopg 3: pip install 'psycopg[binary]' and a postgresql+psycopg:// URL"
            ) from None
        except ArgumentError as error:
            raise DatabaseError(f"database URL {redact(url)}: {error}") from None
    raise DatabaseError(
        f"database URL {redact(url)}: unsupported backend {backend!r}; use sqlite:///PATH or postgresql+psycopg://..."
    )


def _sqlite_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    dbapi_connection.isolation_level = None  # we emit BEGIN ourselves (see _sqlite_begin)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA busy_timeout = 30000")
    cursor.execute("PRAGMA journal_mode = WAL")
    # In WAL mode NORMAL skips the fsync per commit: a killed process still loses no committed
    # Round and never leaves half of one; a power cut may lose the last Rounds, never consistency
    # (and a resume replays what is missing).
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    write = connection.get_execution_options().get(WRITE, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
