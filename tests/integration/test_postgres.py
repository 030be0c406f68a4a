"""The store's tests again, on a real PostgreSQL server (see ``tests/conftest.py`` for which)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.integration.test_concurrent_writers import play_at_once
from tests.unit.store.test_database import *  # noqa: F403  (collected again here, on PostgreSQL)
from tests.unit.store.test_deletion import *  # noqa: F403
from tests.unit.store.test_experiment_rows import *  # noqa: F403
from tests.unit.store.test_kill import *  # noqa: F403
from tests.unit.store.test_lease import *  # noqa: F403
from tests.unit.store.test_member_values import *  # noqa: F403
from tests.unit.store.test_migrations import *  # noqa: F403
from tests.unit.store.test_recorder import *  # noqa: F403
from tests.unit.store.test_recorder_batches import *  # noqa: F403


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


@pytest.mark.slow
def test_many_processes_at_once_on_a_new_postgresql_database(make_url: Callable[[], str], tmp_path: Path) -> None:
    """8 `tradegame play` at once on a new, empty database: schema creation included, all succeed."""
    play_at_once(make_url(), tmp_path, processes=8)
