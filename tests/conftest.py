"""Shared pytest setup.

Hypothesis profiles (``HYPOTHESIS_PROFILE=thorough`` for long runs), and one private home for the
whole run: no test reads or writes the developer's (or the CI machine's) default database or data
store, whatever ``$TRADEGAME_DB``, ``$TRADEGAME_DATA`` or ``$XDG_DATA_HOME`` say.

A PostgreSQL server for the tests that ask for ``postgres_database``: ``$TRADEGAME_TEST_POSTGRES_URL``
when it is set (any database the URL's user may create databases from), else a throwaway one
started with ``scripts/postgres-start`` (which installs Debian's PostgreSQL if it is missing) and
stopped with ``scripts/postgres-stop`` at the end of the run. Those tests are skipped, with the
script's reason, only when that fails and ``$TRADEGAME_REQUIRE_POSTGRES`` is not 1. Every test gets
fresh databases, created on the server and dropped afterwards.
"""

import itertools
import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NoReturn

import pytest
from hypothesis import settings
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url as parse_url

settings.register_profile("default", deadline=None, max_examples=100)
settings.register_profile("thorough", deadline=None, max_examples=2000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

ROOT = Path(__file__).resolve().parents[1]

_ISOLATED = ("TRADEGAME_DB", "TRADEGAME_DATA", "XDG_DATA_HOME")


@pytest.fixture(autouse=True, scope="session")
def _private_data_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in _ISOLATED}
    for name in _ISOLATED:
        os.environ.pop(name, None)
    os.environ["XDG_DATA_HOME"] = str(tmp_path_factory.mktemp("data-home"))
    yield
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


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
    starting = subprocess.Popen(
        ["bash", str(ROOT / "scripts" / "postgres-start")],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    # Stops the server if this run is killed before the ``finally`` below can, even while it is
    # still starting (scripts/postgres-watch waits for this process, then for the start script).
    subprocess.Popen(
        ["bash", str(ROOT / "scripts" / "postgres-watch"), str(os.getpid()), str(starting.pid)],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        _, stderr = starting.communicate(timeout=900)
    except subprocess.TimeoutExpired as error:
        starting.kill()
        _no_server(f"scripts/postgres-start did not finish: {error}")
    if starting.returncode != 0:
        reason = " | ".join(stderr.strip().splitlines()[-5:])
        _no_server(f"scripts/postgres-start failed ({starting.returncode}): {reason}")
    try:
        yield (state / "url").read_text().strip()
    finally:
        subprocess.run(["bash", str(ROOT / "scripts" / "postgres-stop")], env=env, capture_output=True, check=False)


@pytest.fixture
def postgres_database(postgres_url: str) -> Iterator[Callable[[], str]]:
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
