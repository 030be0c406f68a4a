"""The lock that lets one process at a time create or migrate a SQLite Game store.

SQLite cannot serialize its own first use: turning a new file into WAL mode and creating the
tables while other processes do the same gives them ``database is locked`` (a lock upgrade inside
a transaction is not retried by the busy timeout). So ``open_database`` takes an exclusive
``fcntl.flock`` on a lock file beside the database (``games.sqlite.lock`` for
``games.sqlite``), held while it connects, checks and migrates; the others wait their turn
and then find the schema current. The lock goes with the process, so a killed migrator never
leaves it held. The lock file stays: deleting it could let two processes lock two files.

PostgreSQL needs no file: ``open_database`` takes ``pg_advisory_xact_lock`` in the migrating
transaction instead. Imports SQLAlchemy's URL type and the store's errors only.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import URL

from tradegame.store.errors import DatabaseError

__all__ = ["lock_path", "migration_lock"]


def lock_path(url: URL) -> Path | None:
    """The lock file of a SQLite file database (``None`` for PostgreSQL or an in-memory database)."""
    database = url.database
    if url.get_backend_name() != "sqlite" or not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database).with_name(Path(database).name + ".lock")


@contextmanager
def migration_lock(url: URL) -> Iterator[None]:
    """Hold the SQLite store's migration lock for the block (waits for the process holding it)."""
    path = lock_path(url)
    if path is None:
        yield
        return
    try:
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as error:
        raise DatabaseError(f"cannot open the lock file {path}: {error.strerror}") from None
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)  # closing the descriptor releases the lock
