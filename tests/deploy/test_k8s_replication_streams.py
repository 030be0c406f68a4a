"""The synthesized replication really streams, and fails over by values alone. The active region's
init script (from its ``postgres-init`` ConfigMap) and server settings (its StatefulSet's args),
and the standby region's ``basebackup`` init container (its command and environment, with paths,
host, port and CIDRs made local), run against two throwaway PostgreSQL servers on loopback
(Debian's binaries, the helpers of the failover drill): the copy streams as the primary's
synchronous standby, holds no password, and a row written on the primary appears on it. Then the
primary is killed and the standby promoted, and the manifests of the failed-over configs
(docs/deploy.md: only each file's role and Temporal's replicas change) rebuild the old primary's
server as the synchronous standby of the new one, with no SQL typed by hand. Like the other
PostgreSQL tests it skips without a server, unless ``$TRADEGAME_REQUIRE_POSTGRES`` is 1.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests.deploy.conftest import Manifests, require_deploy_extra
from tests.deploy.test_k8s_replication import _env, _pair, _pod
from tests.integration.pg_pair import PREFIX, NoServerError, Pair, Server, _free_port, scratch_folder, server_bin

require_deploy_extra()

pytestmark = pytest.mark.slow
LOCAL = "127.0.0.1/32"  # the standby region's CIDRs, made local
PEER_OF_COPY = "127.0.0.0/8"  # the active region's, for the copy's pg_hba: other than LOCAL, so it shows


def _no_server(reason: str) -> None:
    if os.environ.get("TRADEGAME_REQUIRE_POSTGRES", "0") == "1":
        pytest.fail(f"no PostgreSQL server: {reason}")
    pytest.skip(f"no PostgreSQL server: {reason}")


def _settings(manifests: Manifests) -> list[str]:
    args = _pod(manifests)["containers"][0]["args"]
    assert args[0] == "postgres" and args[1::2] == ["-c"] * (len(args) // 2)
    return list(args[2::2])


def _run_as_owner(pair: Pair, env: dict[str, str], script: str) -> None:
    assignments = [f"{key}={value}" for key, value in {**env, "PATH": f"{pair.bin}:{os.environ['PATH']}"}.items()]
    done = subprocess.run(
        pair._as_owner("env", *assignments, "sh", "-c", script), capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr


def _copy(pair: Pair, standby: Manifests, into: Server, primary: Server, password: str) -> str:
    """Run ``standby``'s basebackup init container into ``into``'s folder, from ``primary``; its name."""
    (copier,) = _pod(standby)["initContainers"]
    env = {
        **_env(copier),
        "PGDATA": str(into.data),
        "PRIMARY_HOST": "127.0.0.1",
        "PRIMARY_PORT": str(primary.port),
        "REPLICATION_CIDRS": PEER_OF_COPY,
        "PGPASSWORD": password,
    }
    _run_as_owner(pair, env, copier["command"][2])
    assert (into.data / "standby.signal").exists()
    assert password not in (into.data / "postgresql.auto.conf").read_text()
    hba = [line for line in (into.data / "pg_hba.conf").read_text().splitlines() if " replication " in line]
    assert hba == [f"host replication replicator {PEER_OF_COPY} scram-sha-256"], "once promoted, the peer's"
    return _env(copier)["PGAPPNAME"]


def _rows(pair: Pair, server: Server, expected: list[tuple[Any, ...]]) -> None:
    """Wait until ``server`` (a standby) has replayed the table ``drill`` as ``expected``."""
    with pair.connect(server) as connection:
        assert connection.execute("SELECT pg_is_in_recovery()").fetchone() == (True,)
        deadline = time.monotonic() + 10
        while connection.execute("SELECT to_regclass('drill')").fetchone() == (None,) or (
            connection.execute("SELECT x FROM drill ORDER BY x").fetchall() != expected
        ):
            assert time.monotonic() < deadline, "the rows did not reach the standby"
            time.sleep(0.02)


def test_the_synthesized_standby_streams_and_fails_over_by_values_alone(
    synthesized: dict[str, Manifests],
    failed_over: dict[str, Manifests],
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    active, standby = _pair(synthesized)
    try:
        bin_dir = server_bin()
    except NoServerError:
        request.getfixturevalue("postgres_url")  # scripts/postgres-start installs Debian's server
        bin_dir = server_bin()
    pair = Pair(Path(tempfile.mkdtemp(prefix=PREFIX, dir=scratch_folder())), bin_dir, secrets.token_hex(16))
    with pair:
        try:
            pair._watch()
            pair._make_primary(*_settings(active))
        except NoServerError as error:
            _no_server(str(error))
        # Only what the init script adds may let a replication connection in.
        hba = pair.primary.data / "pg_hba.conf"
        hba.write_text("".join(line for line in hba.read_text().splitlines(True) if " replication " not in line))
        password = "r'p w" + secrets.token_hex(8)
        init_env = {
            **_env(_pod(active)["containers"][0]),
            "REPLICATION_CIDRS": LOCAL,
            "REPLICATOR_PASSWORD": password,
            "TRADEGAME_PASSWORD": "t",
            "TEMPORAL_PASSWORD": "t",
            "PGDATA": str(pair.primary.data),
            "PGHOST": str(pair.work),
            "PGPORT": str(pair.primary.port),
        }
        (init_map,) = [item for item in active.of_kind("ConfigMap") if item["metadata"]["name"] == "postgres-init"]
        _run_as_owner(pair, init_env, init_map["data"]["10-roles.sh"])
        with pair.connect(pair.primary) as connection:
            connection.execute("SELECT pg_reload_conf()")
        with pytest.raises(psycopg.OperationalError, match=r"pg_hba\.conf"):  # not the superuser: replicator only
            psycopg.connect(
                host="127.0.0.1", port=pair.primary.port, user="postgres", password=pair.password, replication="true"
            )
        name = _copy(pair, standby, pair.standby, pair.primary, password)
        assert "PGPASSWORD" in {env["name"] for env in _pod(standby)["containers"][0]["env"]}
        monkeypatch.setenv("PGPASSWORD", password)  # the WAL receiver's, from the Secret
        pair._pg_ctl_start(pair.standby, *_settings(standby))
        pair.wait_streaming("sync", timeout=30, name=name)
        with pair.connect(pair.primary) as connection:
            connection.execute("CREATE TABLE drill (x text)")
            connection.execute("INSERT INTO drill VALUES ('1 on the first primary')")
            assert connection.execute("SELECT slot_name, active FROM pg_replication_slots").fetchall() == [(name, True)]
        _rows(pair, pair.standby, [("1 on the first primary",)])

        # The failover: the primary lost, the standby promoted, then the failed-over manifests.
        pair.kill_primary()
        pair.promote()
        new_active, new_standby = _pair(failed_over)
        assert (new_active.region, new_standby.region) == (standby.region, active.region)
        pair._run("pg_ctl", "-D", str(pair.standby.data), "-m", "fast", "-w", "stop")
        pair._pg_ctl_start(pair.standby, *_settings(new_active))  # the new active's pod, restarted
        with pair.connect(pair.standby) as connection:
            connection.execute("SET synchronous_commit = local")  # its standby is not back yet
            connection.execute("INSERT INTO drill VALUES ('2 on the promoted standby')")
        shutil.rmtree(pair.primary.data)  # the old region's volume, deleted for a fresh copy
        pair.primary = Server(pair.primary.name, pair.primary.data, _free_port())  # the killed one's socket lingers
        new_name = _copy(pair, new_standby, pair.primary, pair.standby, password)
        pair._pg_ctl_start(pair.primary, *_settings(new_standby))
        pair.primary_killed = False  # running again: close() stops it
        pair.primary, pair.standby = pair.standby, pair.primary
        pair.wait_streaming("sync", timeout=30, name=new_name)
        with pair.connect(pair.primary) as connection:
            connection.execute("INSERT INTO drill VALUES ('3 on the new primary, synchronously')")
        _rows(
            pair,
            pair.standby,
            [("1 on the first primary",), ("2 on the promoted standby",), ("3 on the new primary, synchronously",)],
        )
