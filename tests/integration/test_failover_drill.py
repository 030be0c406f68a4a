"""The failover drill of issue 20 (``tests/integration/failover_drill.py``, ``scripts/drill-failover``).

Two local PostgreSQL servers, the standby synchronous; the primary killed with ``kill -9`` in the
middle of a Game; the standby promoted; every Round the client saw committed on it; ``resume``
ending with the books of an uninterrupted run. The drill raises on any difference; this checks
that the kill did land in the middle of the Game and prints what the drill measured. Like the
other PostgreSQL tests it skips without a server, unless ``$TRADEGAME_REQUIRE_POSTGRES`` is 1.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.integration.failover_drill import NoServerError, run_drill
from tests.integration.pg_pair import server_bin

pytestmark = pytest.mark.slow

KILL_AT = 200


def _no_server(reason: str) -> None:
    if os.environ.get("TRADEGAME_REQUIRE_POSTGRES", "0") == "1":
        pytest.fail(f"no PostgreSQL server for the drill: {reason}")
    pytest.skip(f"no PostgreSQL server for the drill: {reason}")


def test_a_primary_killed_mid_game_fails_over_to_its_synchronous_standby_and_resumes_to_the_same_books(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    try:
        server_bin()
    except NoServerError:
        request.getfixturevalue("postgres_url")  # scripts/postgres-start installs Debian's server
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    try:
        report = run_drill(data_dir, pace=250, kill_at=KILL_AT)
    except NoServerError as error:
        _no_server(str(error))
        return
    print("\n".join(report.lines()))
    assert KILL_AT <= report.seen_round <= report.standby_round < report.rounds - 1  # in the middle of the Game
    assert report.seen_rows > report.seen_round  # every table's rows of those Rounds, not just the Rounds
    assert report.player_exit != 0  # the player lost its database under it
    assert report.kill_to_promoted_s < report.kill_to_resume_started_s
