"""The synthesized replication really streams. The active region's init script (from its
``postgres-init`` ConfigMap) and server settings (its StatefulSet's args), and the standby region's
``basebackup`` init container (its command and environment, with paths, host and port made local),
run against two throwaway PostgreSQL servers on loopback (Debian's binaries, the helpers of the
failover drill): the standby made by that command streams as the primary's synchronous standby,
holds no password, and a row written on the primary appears on it. Like the other PostgreSQL
tests it skips without a server, unless ``$TRADEGAME_REQUIRE_POSTGRES`` is 1.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests.deploy.conftest import Manifests, require_deploy_extra
from tests.integration.pg_pair import PREFIX, NoServerError, Pair, scratch_folder, server_bin

require_deploy_extra()

import tradegame_k8s  # noqa: E402

pytestmark = pytest.mark.slow


def _no_server(reason: str) -> None:
    if os.environ.get("TRADEGAME_REQUIRE_POSTGRES", "0") == "1":
        pytest.fail(f"no PostgreSQL server: {reason}")
    pytest.skip(f"no PostgreSQL server: {reason}")


def _postgres(manifests: Manifests) -> dict[str, Any]:
    (found,) = [item for item in manifests.of_kind("StatefulSet") if item["metadata"]["name"] == "postgres"]
    pod: dict[str, Any] = found["spec"]["template"]["spec"]
    return pod


def _settings(server: dict[str, Any]) -> list[str]:
    args = server["args"]
    assert args[0] == "postgres" and args[1::2] == ["-c"] * (len(args) // 2)
    return list(args[2::2])


def _values(spec: dict[str, Any]) -> dict[str, str]:
    """A container's plain environment (the Secret's values are the test's own)."""
    return {env["name"]: env["value"] for env in spec["env"] if "value" in env}


def _run_as_owner(pair: Pair, env: dict[str, str], script: str) -> None:
    assignments = [f"{key}={value}" for key, value in {**env, "PATH": f"{pair.bin}:{os.environ['PATH']}"}.items()]
    done = subprocess.run(
        pair._as_owner("env", *assignments, "sh", "-c", script), capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr


def _by_role(synthesized: dict[str, Manifests]) -> dict[str, Manifests]:
    return {tradegame_k8s.load(region).role: found for region, found in synthesized.items()}


def test_the_synthesized_standby_streams_from_the_synthesized_primary(
    synthesized: dict[str, Manifests], request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    roles = _by_role(synthesized)
    active, standby = _postgres(roles["active"]), _postgres(roles["standby"])
    (init_map,) = [item for item in roles["active"].of_kind("ConfigMap") if item["metadata"]["name"] == "postgres-init"]
    (basebackup,) = standby["initContainers"]
    standby_name = _values(basebackup)["PGAPPNAME"]
    try:
        bin_dir = server_bin()
    except NoServerError:
        request.getfixturevalue("postgres_url")  # scripts/postgres-start installs Debian's server
        bin_dir = server_bin()
    pair = Pair(Path(tempfile.mkdtemp(prefix=PREFIX, dir=scratch_folder())), bin_dir, secrets.token_hex(16))
    with pair:
        try:
            pair._watch()
            pair._make_primary(*_settings(active["containers"][0]))
        except NoServerError as error:
            _no_server(str(error))
        # Only what the init script adds may let a replication connection in.
        hba = pair.primary.data / "pg_hba.conf"
        hba.write_text("".join(line for line in hba.read_text().splitlines(True) if " replication " not in line))
        replicator = "r'p w" + secrets.token_hex(8)
        init_env = {
            **_values(active["containers"][0]),
            "REPLICATION_CIDRS": "127.0.0.1/32",
            "REPLICATOR_PASSWORD": replicator,
            "TRADEGAME_PASSWORD": "t",
            "TEMPORAL_PASSWORD": "t",
            "PGDATA": str(pair.primary.data),
            "PGHOST": str(pair.work),
            "PGPORT": str(pair.primary.port),
        }
        _run_as_owner(pair, init_env, init_map["data"]["10-roles.sh"])
        with pair.connect(pair.primary) as connection:
            connection.execute("SELECT pg_reload_conf()")
        with pytest.raises(psycopg.OperationalError, match=r"pg_hba\.conf"):  # not the superuser: replicator only
            psycopg.connect(
                host="127.0.0.1", port=pair.primary.port, user="postgres", password=pair.password, replication="true"
            )
        copy_env = {
            **_values(basebackup),
            "PGDATA": str(pair.standby.data),
            "PRIMARY_HOST": "127.0.0.1",
            "PRIMARY_PORT": str(pair.primary.port),
            "PGPASSWORD": replicator,
        }
        _run_as_owner(pair, copy_env, basebackup["command"][2])
        assert (pair.standby.data / "standby.signal").exists()
        assert "password" not in (pair.standby.data / "postgresql.auto.conf").read_text()
        server_env = {env["name"] for env in standby["containers"][0]["env"]}
        assert "PGPASSWORD" in server_env  # the WAL receiver's password, from the Secret
        monkeypatch.setenv("PGPASSWORD", replicator)
        pair._pg_ctl_start(pair.standby, *_settings(standby["containers"][0]))
        pair.wait_streaming("sync", timeout=30, name=standby_name)
        with pair.connect(pair.primary) as connection:
            connection.execute("CREATE TABLE drill (x text)")
            connection.execute("INSERT INTO drill VALUES ('written on the primary')")
            slot = connection.execute("SELECT slot_name, active FROM pg_replication_slots").fetchall()
        assert slot == [(_values(basebackup)["REPLICATION_SLOT"], True)]
        with pair.connect(pair.standby) as connection:
            assert connection.execute("SELECT pg_is_in_recovery()").fetchone() == (True,)
            deadline = time.monotonic() + 10
            while connection.execute("SELECT to_regclass('drill')").fetchone() == (None,):
                assert time.monotonic() < deadline, "the table did not reach the standby"
                time.sleep(0.02)
            assert connection.execute("SELECT x FROM drill").fetchall() == [("written on the primary",)]
