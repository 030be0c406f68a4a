"""A DuckDB connection kept open for a store's queries.

Opening an in-memory DuckDB connection (and setting its time zone) costs tens of milliseconds,
a query on a small Parquet file a few: a store that opened one per query spent most of a
dataset's load, and most of the time an import holds its dataset's lock, connecting. One
connection is opened on first use and shared under a lock; a process made by ``fork`` opens its
own (a connection is not usable across a fork). DuckDB is imported on first use.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb

__all__ = ["SharedConnection"]


class SharedConnection:
    """One in-memory connection, opened on first use with ``setup`` statements; one user at a time."""

    def __init__(self, *setup: str) -> None:
        self._setup = setup
        self._connection: duckdb.DuckDBPyConnection | None = None
        self._pid = 0
        self._lock = threading.Lock()

    @contextmanager
    def use(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with self._lock:
            if self._connection is None or self._pid != os.getpid():
                import duckdb  # on first use: a process that reads only kept arrays never imports it

                connection = duckdb.connect()
                for statement in self._setup:
                    connection.execute(statement)
                self._connection, self._pid = connection, os.getpid()
            yield self._connection
