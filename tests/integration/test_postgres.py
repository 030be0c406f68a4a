"""The store's tests again, on a real PostgreSQL server (see ``tests/conftest.py`` for which)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import text

from tests.unit.store.test_database import *  # noqa: F403  (collected again here, on PostgreSQL)
from tests.unit.store.test_kill import *  # noqa: F403
from tests.unit.store.test_migrations import *  # noqa: F403
from tests.unit.store.test_recorder import *  # noqa: F403


@pytest.fixture
def make_url(postgres_database: Callable[[], str]) -> Callable[[], str]:
    """The store's tests take fresh databases from ``make_url``: here, on the server."""
    return postgres_database


def test_the_server_is_postgresql(make_url: Callable[[], str]) -> None:
    from tradegame.store import open_database

    with open_database(make_url()) as db:
        assert db.backend == "postgresql"
        with db.engine.connect() as connection:
            assert connection.execute(text("SHOW server_version")).scalar_one()
