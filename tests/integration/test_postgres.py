"""The store's tests again, on a real PostgreSQL server.

The server is ``$TRADEGAME_TEST_POSTGRES_URL`` when it is set (any database the URL's user may
create databases from). Otherwise this module starts a throwaway one with
``scripts/postgres-start`` (which installs Debian's PostgreSQL if it is missing) and stops it
with ``scripts/postgres-stop`` at the end; the tests are skipped, with the script's reason, only
when that fails. Every test gets fresh databases, created on the server and dropped afterwards.
"""

from __future__ import annotations

import itertools
import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NoReturn

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url as parse_url

from tests.unit.store.test_database import *  # noqa: F403  (collected again here, on PostgreSQL)
from tests.unit.store.test_deletion import *  # noqa: F403
from tests.unit.store.test_kill import *  # noqa: F403
from tests.unit.store.test_migrations import *  # noqa: F403
from tests.unit.store.test_recorder import *  # noqa: F403

ROOT = Path(__file__).resolve().parents[2]
_names = itertools.count(1)


def _no_server(reason: str) -> NoReturn:
    """Skip, unless the check script requires PostgreSQL (it does: CI must run these tests)."""
    if os.environ.get("TRADEGAME_REQUIRE_POSTGRES", "0") == "1":
        pytest.fail(f"no PostgreSQL server: {reason}")
    pytest.skip(f"no PostgreSQL server: {reason}")


@pytest.fixture(scope="session")
def postgres_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    given = os.environ.get("TRADEGAME_TEST_POSTGRES_URL", "").strip()
    if given:
        yield given
        return
    state = tmp_path_factory.mktemp("postgres-state")
    env = {**os.environ, "TRADEGAME_PG_STATE": str(state)}
    try:
        started = subprocess.run(
            ["bash", str(ROOT / "scripts" / "postgres-start")],
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        _no_server(f"scripts/postgres-start did not finish: {error}")
    if started.returncode != 0:
        reason = " | ".join(started.stderr.strip().splitlines()[-5:])
        _no_server(f"scripts/postgres-start failed ({started.returncode}): {reason}")
    try:
        yield (state / "url").read_text().strip()
    finally:
        subprocess.run(["bash", str(ROOT / "scripts" / "postgres-stop")], env=env, capture_output=True, check=False)


@pytest.fixture
def make_url(postgres_url: str) -> Iterator[Callable[[], str]]:
    """A factory of URLs of fresh, empty databases on the server (dropped after the test)."""
    server = parse_url(postgres_url)
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    created: list[str] = []

    def new() -> str:
        name = f"tradegame_test_{os.getpid()}_{next(_names)}"
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        created.append(name)
        return server.set(database=name).render_as_string(hide_password=False)

    try:
        yield new
    finally:
        with admin.connect() as connection:
            for name in created:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_the_server_is_postgresql(make_url: Callable[[], str]) -> None:
    from tradegame.store import open_database

    with open_database(make_url()) as db:
        assert db.backend == "postgresql"
        with db.engine.connect() as connection:
            assert connection.execute(text("SHOW server_version")).scalar_one()
