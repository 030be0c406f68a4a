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
``hold_lease`` inside every transaction of Rounds, a heartbeat thread while the ``Database`` holds
a lease, and the ``interrupted`` status a reader is shown for a Game whose process is gone.

Errors: every SQLAlchemy or driver error becomes a ``DatabaseError`` whose message names the
database with its password hidden (``postgresql+psycopg://user:***@host:5432/db``).

Where each job lives: ``urls`` (default, typed and redacted URLs), ``migrate`` (the engine,
SQLite's transactions and pragmas, the schema migrations), ``queries`` (reading Games), this
module (``open_database`` and the ``Database``: transactions, writing Games, leases).

Imports SQLAlchemy, Alembic, ``tradegame.domain``, ``tradegame.engine.rules`` and the store's own
modules; pandas and pyarrow only inside ``export`` and ``StoredGame``-to-frame helpers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from sqlalchemy import Connection, Engine, func, insert, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from tradegame.domain.errors import InvalidInputError, TradegameError
from tradegame.engine.rules import ENGINE_RULES
from tradegame.store import lease, schema
from tradegame.store.errors import DatabaseError, GameNotFoundError, StoreError
from tradegame.store.migrate import WRITE, _engine, _migrate, alembic_config
from tradegame.store.queries import game_summaries, stored_game
from tradegame.store.rows import GameRow, GameSummaryRow, StoredGame, jsonable
from tradegame.store.urls import _describe, default_url, redact, resolve_url

__all__ = ["Database", "alembic_config", "default_url", "new_game_values", "open_database", "redact", "resolve_url"]

ExportFormat = Literal["csv", "parquet"]


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
        _migrate(engine, parsed)
    except DatabaseError:
        engine.dispose()
        raise
    except SQLAlchemyError as error:
        engine.dispose()
        raise DatabaseError(f"cannot open the database: {_describe(parsed, error)}") from error
    return database


def _check_new_game(
    name: object,
    definition_text: object,
    model: object,
    data_hash: object,
    engine_rules: object,
    model_kind: object,
    model_ref: object,
    model_path: object,
    model_sha256: object,
) -> None:
    """Refuse the fields of a new Game (``Database.create_game``) before anything is written."""
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


def new_game_values(
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
) -> dict[str, object]:
    """The columns of a new ``games`` row (see ``Database.create_game``), each checked first."""
    _check_new_game(
        name, definition_text, model, data_hash, engine_rules, model_kind, model_ref, model_path, model_sha256
    )
    return {
        "name": name,
        "round_count": round_count,
        "definition_text": definition_text,
        "model": model,
        "model_params": jsonable(dict(model_params), "model_params"),
        "data_hash": data_hash,
        "engine_rules": engine_rules,
        "model_kind": model_kind,
        "model_ref": model_ref,
        "model_path": model_path,
        "model_sha256": model_sha256,
    }


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
            connection.execution_options(**{WRITE: True})
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
        values = new_game_values(
            name, definition_text, model, model_params, data_hash, round_count=round_count, engine_rules=engine_rules,
            model_kind=model_kind, model_ref=model_ref, model_path=model_path, model_sha256=model_sha256,
        )  # fmt: skip
        with self.write() as connection:
            game_id = self.insert_game(connection, values, owner=self._owner, status="running")
        self._keep_alive()
        return game_id

    def insert_game(
        self, connection: Connection, values: Mapping[str, object], *, owner: str | None, status: str
    ) -> int:
        """Inside a write transaction: a ``games`` row of ``values`` (``new_game_values``, and for
        a finished Game its end's columns); its id."""
        row = {"owner": owner, "heartbeat_at": self.now(), "created_at": self.now(), "status": status, **values}
        (game_id,) = connection.execute(insert(schema.games).values(**row)).inserted_primary_key or (None,)
        if not isinstance(game_id, int):
            raise DatabaseError(f"storing the Game in {self.where} gave no id")
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
        with self.read() as connection:
            rows = game_summaries(connection)
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
            return stored_game(connection, self._game(connection, game_id))

    def export(
        self,
        game_id: int,
        folder: str | Path,
        format: ExportFormat = "csv",
        progress: Callable[[int, int], None] | None = None,
    ) -> list[Path]:
        """Write every table of ``game_id`` to ``folder``, one file per table; return the paths
        (``progress(done, count)`` follows the tables written).

        CSV keeps amounts as their exact decimal text; Parquet stores them as decimal128 with
        the column's largest scale (as text when a column needs more than 38 digits).
        """
        from tradegame.store.export import write_tables

        if format not in ("csv", "parquet"):
            raise InvalidInputError(f"format: must be csv or parquet, got {format!r}")
        return write_tables(self.load_game(game_id).tables(), Path(folder), format, progress)

    def _game(self, connection: Connection, game_id: int) -> GameRow:
        fields = [schema.games.c[name] for name in GameRow._fields]
        row = connection.execute(select(*fields).where(schema.games.c.id == game_id)).one_or_none()
        if row is None:
            raise GameNotFoundError(f"no game {game_id} in {self.where}")
        game = GameRow._make(row)
        return game._replace(status=self._shown(game.status, game.owner, game.heartbeat_at))
