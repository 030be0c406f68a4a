"""Where Games are stored: opening a database, running its migrations, reading and writing Games.

``open_database(url)`` connects (a SQLite file by default, PostgreSQL through psycopg 3), brings
the schema to the newest migration and returns a ``Database``. Everything the store writes
goes through ``Database.write()``, one transaction each, so a process killed at any point
leaves either all of a write or none of it: SQLite transactions are made real ones (the
sqlite3 module's implicit transactions skip DDL, so the engine emits ``BEGIN`` itself, and
``BEGIN IMMEDIATE`` for writes, so two writers queue instead of failing), and the file runs in
WAL mode so a reader never blocks the Game that is writing, with ``synchronous = NORMAL``: no
fsync per commit, which a killed process cannot notice (a power cut can cost the last Rounds,
which a resume plays again, but never half of one). Every connection waits up to 30 s for a
lock (``busy_timeout``), and opening, which may create the schema or migrate it, is serialized
across processes (``store.locking``), so many processes starting at once on a new file queue.

Each Game being recorded is leased to one process (``store.lease``): ``take_lease``,
``hold_lease`` inside every Round's transaction, a heartbeat thread while the ``Database`` holds
a lease, and the ``interrupted`` status a reader is shown for a Game whose process is gone.

Errors: every SQLAlchemy or driver error becomes a ``DatabaseError`` whose message names the
database with its password hidden (``postgresql+psycopg://user:***@host:5432/db``).

Imports SQLAlchemy, Alembic, ``tradegame.domain``, ``tradegame.engine.rules`` and the store's own
modules; pandas and pyarrow only inside ``export`` and ``StoredGame``-to-frame helpers.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any, Literal, TypeVar

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, Table, create_engine, event, func, insert, select, text, update
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.pool import ConnectionPoolEntry

from tradegame.domain.errors import InvalidInputError, TradegameError
from tradegame.engine.rules import ENGINE_RULES
from tradegame.store import lease, schema
from tradegame.store.errors import DatabaseError, GameNotFoundError, StoreError
from tradegame.store.locking import migration_lock
from tradegame.store.rows import (
    CostRow,
    DecisionRow,
    DisposalRow,
    EntryRow,
    EventRow,
    GameRow,
    GameSummaryRow,
    OpenLotRow,
    PostingRow,
    RoundRow,
    StoredGame,
    TaxRow,
    jsonable,
)

__all__ = ["Database", "alembic_config", "default_url", "open_database", "redact", "resolve_url"]

ExportFormat = Literal["csv", "parquet"]
R = TypeVar("R")

_ENV = "TRADEGAME_DB"
_MIGRATION_LOCK = 0x7472_6164_6567  # pg_advisory_xact_lock key: one migrating process at a time
_WRITE = "tradegame_write"


def default_url() -> str:
    """``$TRADEGAME_DB`` (a URL or a file path), else ``~/.local/share/tradegame/games.sqlite``.

    ``$XDG_DATA_HOME`` replaces ``~/.local/share`` when it is set.
    """
    configured = os.environ.get(_ENV, "").strip()
    if configured:
        return resolve_url(configured)
    data_home = os.environ.get("XDG_DATA_HOME", "").strip() or str(Path.home() / ".local" / "share")
    return resolve_url(str(Path(data_home) / "tradegame" / "games.sqlite"))


def resolve_url(value: str | None) -> str:
    """A database URL from what a user typed (``--db``): a URL, or a path to a SQLite file.

    ``None`` or an empty string gives ``default_url()``. ``postgresql://`` and ``postgres://``
    get the psycopg 3 driver (``postgresql+psycopg://``).
    """
    if value is None or not value.strip():
        return default_url()
    value = value.strip()
    if "://" not in value:
        return f"sqlite:///{Path(value).expanduser().absolute()}"
    for plain in ("postgresql://", "postgres://"):
        if value.startswith(plain):
            return "postgresql+psycopg://" + value[len(plain) :]
    return value


def redact(url: str | URL) -> str:
    """``url`` with its password replaced by ``***``."""
    try:
        parsed = make_url(url) if isinstance(url, str) else url
    except ArgumentError:
        return "<a database URL that cannot be read>"
    return parsed.render_as_string(hide_password=True)


def alembic_config(connection: Connection | None = None, url: str | None = None) -> Config:
    """An Alembic configuration for the packaged migrations, on ``connection`` or ``url``.

    For writing a new migration, e.g.
    ``command.revision(alembic_config(url="sqlite:///scratch.sqlite"), "add x", autogenerate=True)``
    after ``command.upgrade(..., "head")`` on the same scratch database.
    """
    config = Config()
    config.set_main_option("script_location", str(resources.files("tradegame.store") / "migrations"))
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["connection"] = connection
    return config


def open_database(url: str | None = None, *, clock: Callable[[], datetime] | None = None) -> Database:
    """Connect to ``url`` (default: ``default_url()``), migrate it to the newest schema, return it.

    A SQLite file's folder is created. ``clock`` gives ``created_at`` / ``finished_at`` (default:
    the wall clock; the Games themselves never read it). Raises ``DatabaseError``.
    """
    target = resolve_url(url)
    try:
        parsed = make_url(target)
    except ArgumentError as error:
        raise DatabaseError(f"database URL: cannot read {redact(target)!r}: {error}") from None
    engine = _engine(parsed)
    database = Database(engine, clock=clock)
    try:
        # One process at a time checks and migrates (creating a new database included); the
        # first connection (which turns a new SQLite file to WAL) is made under the lock too.
        # A schema already at head is only read: opening never waits for a Game that is writing.
        with migration_lock(parsed):
            with engine.connect() as connection, connection.begin():
                current = _refuse_newer_schema(connection, alembic_config(connection), parsed)
            if not current:
                with engine.connect() as connection:
                    connection.execution_options(**{_WRITE: True})  # BEGIN IMMEDIATE on SQLite
                    with connection.begin():
                        if engine.dialect.name == "postgresql":
                            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
                        config = alembic_config(connection)
                        _refuse_newer_schema(connection, config, parsed)
                        command.upgrade(config, "head")
    except DatabaseError:
        engine.dispose()
        raise
    except SQLAlchemyError as error:
        engine.dispose()
        raise DatabaseError(f"cannot open the database: {_describe(parsed, error)}") from error
    return database


def _refuse_newer_schema(connection: Connection, config: Config, url: URL) -> bool:
    """A database migrated by a newer tradegame is refused by name, never half-upgraded.

    Returns whether the schema is already the newest this code knows (nothing to migrate).
    """
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
    write = connection.get_execution_options().get(_WRITE, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def _describe(url: URL, error: BaseException) -> str:
    """The database (password hidden), its host, and the driver's reason in one line."""
    reason = str(getattr(error, "orig", None) or error).strip().splitlines()
    first = reason[0] if reason else type(error).__name__
    if url.password:
        first = first.replace(str(url.password), "***")
    if url.get_backend_name() == "sqlite":
        return f"{redact(url)}: {first}"
    where = f"host {url.host or 'localhost'}" + (f" port {url.port}" if url.port else "")
    return f"{redact(url)} ({where}): {first}"


class Database:
    """A migrated Game store. Build it with ``open_database``; close it with ``close()`` or ``with``."""

    def __init__(self, engine: Engine, *, clock: Callable[[], datetime] | None = None) -> None:
        self._engine = engine
        self._url = engine.url
        self._clock = clock or (lambda: datetime.now(UTC))
        self._owner = str(lease.new_owner())
        self._heartbeat: lease.Heartbeat | None = None

    @property
    def engine(self) -> Engine:
        return self._engine

    @property
    def where(self) -> str:
        """The database's URL with the password hidden."""
        return redact(self._url)

    @property
    def backend(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self._engine.dialect.name

    def now(self) -> datetime:
        return self._clock()

    @property
    def owner(self) -> str:
        """This ``Database``'s name as a lease holder: ``host:pid:token`` (see ``store.lease``)."""
        return self._owner

    def close(self) -> None:
        """Stop the heartbeat, let go of the leases this ``Database`` holds, and disconnect.

        A Game still running then is shown ``interrupted`` (its process no longer plays it).
        """
        if self._heartbeat is not None:
            self._heartbeat.stop()
            self._heartbeat = None
            try:
                with self.write() as connection:
                    lease.release(connection, self._owner)
            except StoreError:
                pass  # the lease then expires by itself
        self._engine.dispose()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- transactions ----------------------------------------------------------------------

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One write transaction: committed when the block ends, rolled back if it raises."""
        with self._translated("writing to"), self._engine.connect() as connection:
            connection.execution_options(**{_WRITE: True})
            with connection.begin():
                yield connection

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """One read-only transaction (a consistent snapshot of the Games it reads)."""
        with self._translated("reading from"), self._engine.connect() as connection, connection.begin():
            yield connection

    @contextmanager
    def _translated(self, doing: str) -> Iterator[None]:
        try:
            yield
        except SQLAlchemyError as error:
            cause = getattr(error, "orig", None)
            if isinstance(cause, TradegameError):  # our own column types refused a value
                raise cause from None
            raise DatabaseError(f"{doing} the database failed: {_describe(self._url, error)}") from error

    # -- Games -----------------------------------------------------------------------------

    def create_game(
        self,
        name: str,
        definition_text: str,
        model: str,
        model_params: Mapping[str, object],
        data_hash: str,
        *,
        round_count: int | None = None,
        engine_rules: int = ENGINE_RULES,
        model_kind: str | None = None,
        model_ref: str | None = None,
        model_path: str | None = None,
        model_sha256: str | None = None,
    ) -> int:
        """Store a new Game (status ``running``, no Rounds yet) and return its id.

        This ``Database`` holds the new Game's lease (see ``take_lease``).

        ``engine_rules`` is the version of the engine rules the Game is played under (default:
        the running engine's, ``tradegame.engine.rules.ENGINE_RULES``).

        ``model_kind`` (``builtin``, ``entry_point``, ``module`` or ``file``), ``model_ref``,
        ``model_path`` and ``model_sha256`` record where the Model came from (``app.models``).

        ``definition_text`` is the Game file's text (``dump_game``), kept as given. ``model_params``
        is stored as JSON (Decimals and dates as strings); anything else that JSON cannot hold is
        refused before anything is written.
        """
        for field_name, value in (("name", name), ("model", model), ("data_hash", data_hash)):
            if not isinstance(value, str) or not value.strip():
                raise InvalidInputError(f"{field_name}: must be a non-empty string, got {value!r}")
        if not isinstance(definition_text, str):
            raise InvalidInputError(f"definition_text: must be a string, not {type(definition_text).__name__}")
        if isinstance(engine_rules, bool) or not isinstance(engine_rules, int) or engine_rules < 1:
            raise InvalidInputError(f"engine_rules: must be a whole number from 1, got {engine_rules!r}")
        if model_kind is not None and model_kind not in schema.MODEL_KINDS:
            raise InvalidInputError(f"model_kind: must be one of {', '.join(schema.MODEL_KINDS)}, got {model_kind!r}")
        for field_name, text_value in (
            ("model_ref", model_ref),
            ("model_path", model_path),
            ("model_sha256", model_sha256),
        ):
            if text_value is not None and not isinstance(text_value, str):
                raise InvalidInputError(f"{field_name}: must be a string or None, got {text_value!r}")
        params = jsonable(dict(model_params), "model_params")
        with self.write() as connection:
            result = connection.execute(
                insert(schema.games).values(
                    owner=self._owner,
                    heartbeat_at=self.now(),
                    name=name,
                    created_at=self.now(),
                    round_count=round_count,
                    status="running",
                    definition_text=definition_text,
                    model=model,
                    model_params=params,
                    data_hash=data_hash,
                    engine_rules=engine_rules,
                    model_kind=model_kind,
                    model_ref=model_ref,
                    model_path=model_path,
                    model_sha256=model_sha256,
                )
            )
            (game_id,) = result.inserted_primary_key or (None,)
        if not isinstance(game_id, int):
            raise DatabaseError(f"storing the Game in {self.where} gave no id")
        self._keep_alive()
        return game_id

    # -- leases ----------------------------------------------------------------------------

    def take_lease(self, game_id: int) -> None:
        """Become the process that records ``game_id``; refused (``GameBusyError``) while a live one is.

        Of several processes taking one Game's lease at once, exactly one succeeds. The heartbeat
        then keeps it until ``close()``, a finish or a failure (see ``store.lease``).
        """
        with self.write() as connection:
            lease.take(connection, game_id, self._owner, self.now())
        self._keep_alive()

    def hold_lease(self, connection: Connection, game_id: int) -> None:
        """Inside a write transaction: check this ``Database`` still holds ``game_id``'s lease, refresh it.

        Raises ``LeaseLostError`` when another process took it over; the transaction then writes nothing.
        """
        lease.hold(connection, game_id, self._owner, self.now())

    def _keep_alive(self) -> None:
        if self._heartbeat is None:
            self._heartbeat = lease.Heartbeat(self._beat, every=lease.HEARTBEAT)

    def _beat(self) -> None:
        try:
            with self.write() as connection:
                lease.refresh(connection, self._owner, self.now())
        except StoreError:
            pass  # a busy or unreachable database: the next beat (or Round commit) tries again

    def _shown(self, status: str, owner: str | None, heartbeat_at: datetime | None) -> str:
        return lease.shown_status(status, owner, heartbeat_at, self.now())

    def game(self, game_id: int) -> GameRow:
        """The ``games`` row of ``game_id``; raises ``GameNotFoundError``."""
        with self.read() as connection:
            return self._game(connection, game_id)

    def list_games(self) -> list[GameSummaryRow]:
        """Every stored Game, oldest first, with its last committed Round."""
        games = schema.games
        last = (
            select(schema.rounds.c.game_id, func.max(schema.rounds.c.round).label("last_round"))
            .group_by(schema.rounds.c.game_id)
            .subquery()
        )
        query = (
            select(
                games.c.id,
                games.c.name,
                games.c.status,
                games.c.model,
                games.c.created_at,
                games.c.round_count,
                last.c.last_round,
                games.c.outcome,
                games.c.score,
                games.c.error,
                games.c.engine_rules,
                games.c.owner,
                games.c.heartbeat_at,
            )
            .select_from(games.outerjoin(last, last.c.game_id == games.c.id))
            .order_by(games.c.id)
        )
        with self.read() as connection:
            rows = [GameSummaryRow._make(row) for row in connection.execute(query)]
        return [row._replace(status=self._shown(row.status, row.owner, row.heartbeat_at)) for row in rows]

    def last_committed_round(self, game_id: int) -> int | None:
        """The last Round of ``game_id`` whose rows are all stored, or ``None`` before the first."""
        with self.read() as connection:
            self._game(connection, game_id)
            return connection.execute(
                select(func.max(schema.rounds.c.round)).where(schema.rounds.c.game_id == game_id)
            ).scalar_one_or_none()

    def mark_failed(self, game_id: int, message: str) -> bool:
        """Record that ``game_id`` stopped on an error (``message``) and let go of its lease.

        A finished Game is refused. A Game whose lease another process holds is left alone
        (``False``): that process plays it now.
        """
        games = schema.games
        with self.write() as connection:
            row = self._game(connection, game_id)
            if row.status == "finished":
                raise StoreError(f"game {game_id} is finished; it cannot be marked failed")
            if row.owner is not None and row.owner != self._owner and row.status == "running":
                return False
            connection.execute(
                update(games).where(games.c.id == game_id).values(status="failed", error=message, owner=None)
            )
        return True

    def load_game(self, game_id: int) -> StoredGame:
        """``game_id`` with every ledger and log, read in one transaction."""
        with self.read() as connection:
            game = self._game(connection, game_id)
            return StoredGame(
                game=game,
                rounds=_rows(connection, schema.rounds, game_id, RoundRow, RoundRow._fields),
                events=[
                    row._replace(op_ids=tuple(row.op_ids))
                    for row in _rows(connection, schema.events, game_id, EventRow, EventRow._fields)
                ],
                entries=_rows(connection, schema.journal_entries, game_id, EntryRow, EntryRow._fields),
                postings=_rows(connection, schema.postings, game_id, PostingRow, PostingRow._fields),
                cost_ledger=_rows(connection, schema.cost_ledger, game_id, CostRow, CostRow._fields),
                tax_ledger=_rows(connection, schema.tax_ledger, game_id, TaxRow, TaxRow._fields),
                decisions=_rows(connection, schema.decisions, game_id, DecisionRow, DecisionRow._fields),
                disposals=_rows(connection, schema.disposals, game_id, DisposalRow, DisposalRow._fields),
                open_lots=_rows(connection, schema.open_lots, game_id, OpenLotRow, OpenLotRow._fields),
            )

    def export(self, game_id: int, folder: str | Path, format: ExportFormat = "csv") -> list[Path]:
        """Write every table of ``game_id`` to ``folder``, one file per table; return the paths.

        CSV keeps amounts as their exact decimal text; Parquet stores them as decimal128 with
        the column's largest scale (as text when a column needs more than 38 digits).
        """
        from tradegame.store.export import write_tables

        if format not in ("csv", "parquet"):
            raise InvalidInputError(f"format: must be csv or parquet, got {format!r}")
        return write_tables(self.load_game(game_id).tables(), Path(folder), format)

    def _game(self, connection: Connection, game_id: int) -> GameRow:
        fields = [schema.games.c[name] for name in GameRow._fields]
        row = connection.execute(select(*fields).where(schema.games.c.id == game_id)).one_or_none()
        if row is None:
            raise GameNotFoundError(f"no game {game_id} in {self.where}")
        game = GameRow._make(row)
        return game._replace(status=self._shown(game.status, game.owner, game.heartbeat_at))


def _rows(connection: Connection, table: Table, game_id: int, make: Callable[..., R], fields: Sequence[str]) -> list[R]:
    """Rows of ``table`` for ``game_id`` as ``make(*columns)``, in primary-key order."""
    order = [column for column in table.primary_key.columns if column.name != "game_id"]
    query = select(*(table.c[name] for name in fields)).where(table.c.game_id == game_id).order_by(*order)
    return [make(*row) for row in connection.execute(query)]
