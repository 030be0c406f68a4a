"""Two throwaway PostgreSQL servers on loopback, a primary and a streaming standby, for the failover drill.

The habits of ``scripts/postgres-start``: Debian's server binaries (``/usr/lib/postgresql/*/bin``
or ``pg_ctl`` on the PATH), fresh clusters in a new folder (``scratch_folder``), free ports on 127.0.0.1,
a random password (scram-sha-256 over TCP), and the server run as ``postgres`` when we are root
(the server refuses to run as root). The standby is a ``pg_basebackup -R`` copy of the primary
that streams its WAL over TCP (``cluster_name`` names it to the primary, so
``synchronous_standby_names`` can require it). ``kill_primary`` is ``kill -9`` of the primary's
whole process group (``pg_ctl`` starts the server in a session of its own: postmaster, backends
and WAL sender die at once, as when the machine under them goes); ``promote`` makes the standby
the primary. ``close`` kills what still runs and deletes the folder, and a watcher started beside
the servers does the same if the process that started them is killed first.

Imports psycopg; nothing of tradegame.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg

__all__ = ["NoServerError", "Pair", "Server", "scratch_folder", "server_bin"]

PREFIX = "tradegame-drill."
STANDBY_NAME = "standby"


class NoServerError(Exception):
    """No PostgreSQL server can run here (no binaries, or they would not start)."""


def server_bin() -> Path:
    """The folder of the newest PostgreSQL server binaries, as ``scripts/postgres-start`` finds them."""
    found = shutil.which("pg_ctl")
    if found and shutil.which("initdb"):
        return Path(found).resolve().parent
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name), reverse=True)
    for folder in versions:
        if (folder / "pg_ctl").exists() and (folder / "pg_basebackup").exists():
            return folder
    raise NoServerError("no PostgreSQL server binaries (install Debian's postgresql, or run scripts/postgres-start)")


def scratch_folder() -> str | None:
    """Where the clusters go: memory (``/dev/shm``, when it has 2 GiB free) or the usual temporary folder.

    In memory, starting, stopping and deleting them takes no disk time on a busy machine, and a
    commit's time is its WAL write and the trip to the standby, not a disk's flush.
    """
    try:
        shm = os.statvfs("/dev/shm")
    except OSError:
        return None
    free = shm.f_bavail * shm.f_frsize
    return "/dev/shm" if free >= 2 << 30 and os.access("/dev/shm", os.W_OK) else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_gone(pid: int, timeout: float = 30) -> None:
    """Wait until process ``pid`` has ended (a zombie has: its parent, init here, reaps it when it can)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, IndexError):
            return
        if state == "Z":
            return
        time.sleep(0.02)


@dataclass(frozen=True)
class Server:
    """One server of the pair: its data folder, its port on 127.0.0.1, its log."""

    name: str
    data: Path
    port: int

    @property
    def log(self) -> Path:
        return self.data.parent / f"{self.name}.log"

    def pid(self) -> int:
        """The postmaster's process id (the first line of ``postmaster.pid``)."""
        return int((self.data / "postmaster.pid").read_text().splitlines()[0])


class Pair:
    """A primary and its standby (``Pair.start()``); use it as a context manager, or call ``close``."""

    def __init__(self, work: Path, bin_dir: Path, password: str) -> None:
        self.work, self.bin, self.password = work, bin_dir, password
        self.primary = Server("primary", work / "primary", _free_port())
        self.standby = Server(STANDBY_NAME, work / STANDBY_NAME, _free_port())
        self.primary_killed = False
        self.root = os.geteuid() == 0

    # -- running the server's programs -----------------------------------------------------

    def _as_owner(self, *args: str) -> list[str]:
        return ["runuser", "-u", "postgres", "--", *args] if self.root else list(args)

    def _run(self, program: str, *args: str, timeout: float = 120) -> None:
        command = self._as_owner(str(self.bin / program), *args)
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
        if done.returncode != 0:
            raise NoServerError(f"{program} exited {done.returncode}: {(done.stderr or done.stdout).strip()[-800:]}")

    def _pg_ctl_start(self, server: Server, *settings: str) -> None:
        options = " ".join(
            ["-c listen_addresses=127.0.0.1", f"-p {server.port}", f"-k {self.work}", "-c max_connections=40"]
            + [f"-c {shlex.quote(setting)}" for setting in settings]  # pg_ctl hands them to a shell
        )
        try:
            self._run("pg_ctl", "-D", str(server.data), "-l", str(server.log), "-w", "-t", "60", "start", "-o", options)
        except NoServerError as error:
            log = server.log.read_text()[-800:] if server.log.exists() else ""
            raise NoServerError(f"{error}\n{log}") from None

    # -- starting ------------------------------------------------------------------------------

    @classmethod
    def start(cls) -> Pair:
        """Make the folder, the primary and the standby, and wait until the standby streams."""
        bin_dir = server_bin()
        work = Path(tempfile.mkdtemp(prefix=PREFIX, dir=scratch_folder()))
        pair = cls(work, bin_dir, secrets.token_hex(16))
        try:
            pair._watch()
            pair._make_primary()
            pair._make_standby()
            pair.wait_streaming()
        except BaseException:
            pair.close()
            raise
        return pair

    def _watch(self) -> None:
        """A detached watcher: once this process is gone, stop the servers and delete the folder."""
        stop = " ".join(self._as_owner(str(self.bin / "pg_ctl")))
        script = (
            'while kill -0 "$1" 2>/dev/null; do sleep 1; done; '
            'for d in "$2/primary" "$2/standby"; do [ -f "$d/postmaster.pid" ] && '
            f'{stop} -D "$d" -m immediate -w stop >/dev/null 2>&1; done; rm -rf "$2"'
        )
        subprocess.Popen(
            ["bash", "-c", script, "pg-pair-watch", str(os.getpid()), str(self.work)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )

    def _make_primary(self, *settings: str) -> None:
        self.work.chmod(0o755)
        (self.work / "pwfile").write_text(self.password + "\n")
        (self.work / "pgpass").write_text(f"127.0.0.1:*:*:postgres:{self.password}\n")
        for secret in ("pwfile", "pgpass"):
            (self.work / secret).chmod(0o600)
        if self.root:
            if subprocess.run(["id", "postgres"], capture_output=True, check=False).returncode != 0:
                subprocess.run(
                    ["useradd", "--system", "--no-create-home", "--shell", "/bin/sh", "postgres"], check=True
                )
            shutil.chown(self.work, "postgres")
            for secret in ("pwfile", "pgpass"):
                shutil.chown(self.work / secret, "postgres")
        self._run(
            "initdb", "-D", str(self.primary.data), "-U", "postgres", f"--pwfile={self.work / 'pwfile'}",
            "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync",
        )  # fmt: skip
        (self.work / "pwfile").unlink()
        self._pg_ctl_start(self.primary, "cluster_name=primary", "wal_level=replica", "max_wal_senders=4", *settings)

    def _make_standby(self) -> None:
        # -R writes standby.signal and primary_conninfo; the password comes from the pgpass file.
        self._run(
            "pg_basebackup", "-d",
            f"host=127.0.0.1 port={self.primary.port} user=postgres passfile={self.work / 'pgpass'}",
            "-D", str(self.standby.data), "-R", "-X", "stream", "-c", "fast", "--no-sync",
        )  # fmt: skip
        self._pg_ctl_start(self.standby, f"cluster_name={STANDBY_NAME}", "hot_standby=on")

    # -- using -----------------------------------------------------------------------------------

    def url(self, server: Server, database: str) -> str:
        """The SQLAlchemy URL of ``database`` on ``server``."""
        return f"postgresql+psycopg://postgres:{self.password}@127.0.0.1:{server.port}/{database}"

    def connect(self, server: Server, database: str = "postgres") -> psycopg.Connection[tuple[object, ...]]:
        """An autocommit connection to ``server`` (over TCP, with the password)."""
        return psycopg.connect(
            host="127.0.0.1", port=server.port, user="postgres", password=self.password, dbname=database,
            autocommit=True, connect_timeout=10,
        )  # fmt: skip

    def create_database(self, name: str) -> str:
        """Create ``name`` on the primary; its URL there."""
        with self.connect(self.primary) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(self.primary, name)

    def wait_streaming(self, sync_state: str | None = None, timeout: float = 60, name: str = STANDBY_NAME) -> None:
        """Wait until the primary reports the standby ``name`` streaming (and in ``sync_state``, if given)."""
        deadline = time.monotonic() + timeout
        with self.connect(self.primary) as connection:
            while True:
                row = connection.execute(
                    "SELECT state, sync_state FROM pg_stat_replication WHERE application_name = %s", (name,)
                ).fetchone()
                if row is not None and row[0] == "streaming" and sync_state in (None, row[1]):
                    return
                if time.monotonic() > deadline:
                    raise NoServerError(f"the standby did not stream ({sync_state or 'any'}) in {timeout} s: {row}")
                time.sleep(0.05)

    def wait_caught_up(self, timeout: float = 60) -> None:
        """Wait until the standby has replayed every WAL byte the primary has written so far."""
        deadline = time.monotonic() + timeout
        with self.connect(self.primary) as connection:
            target = connection.execute("SELECT pg_current_wal_lsn()").fetchone()
            while connection.execute(
                "SELECT replay_lsn >= %s FROM pg_stat_replication WHERE application_name = %s",
                (target[0] if target else None, STANDBY_NAME),
            ).fetchone() != (True,):
                if time.monotonic() > deadline:
                    raise NoServerError(f"the standby did not catch up in {timeout} s")
                time.sleep(0.01)

    def set_synchronous(self, synchronous: bool, commit: str = "on") -> None:
        """Make every commit on the primary wait for the standby (``synchronous_commit = commit``), or not."""
        names = f"FIRST 1 ({STANDBY_NAME})" if synchronous else ""
        with self.connect(self.primary) as connection:
            connection.execute(f"ALTER SYSTEM SET synchronous_standby_names = '{names}'")
            connection.execute(f"ALTER SYSTEM SET synchronous_commit = '{commit}'")
            connection.execute("SELECT pg_reload_conf()")
        self.wait_streaming("sync" if synchronous else "async")

    def kill_primary(self) -> None:
        """``kill -9`` the primary's postmaster and every process of its session (backends, WAL sender)."""
        pid = self.primary.pid()
        if os.getpgid(pid) != pid:
            raise RuntimeError(f"the primary's postmaster {pid} does not lead its process group")
        os.killpg(pid, signal.SIGKILL)
        self.primary_killed = True

    def promote(self, timeout: float = 60) -> None:
        """Promote the standby (``pg_promote()``, what an operator runs in its pod) and wait until it takes writes."""
        with self.connect(self.standby) as connection:
            done = connection.execute("SELECT pg_promote(true, %s)", (int(timeout),)).fetchone()
            if done != (True,) or connection.execute("SELECT pg_is_in_recovery()").fetchone() != (False,):
                raise NoServerError(f"the standby was not promoted in {timeout} s")

    def server_version(self) -> str:
        with self.connect(self.standby) as connection:
            row = connection.execute("SHOW server_version").fetchone()
        return str(row[0]) if row else "?"

    # -- stopping --------------------------------------------------------------------------------

    def close(self) -> None:
        """Stop the servers still running and delete the folder.

        ``kill -9`` of each server's process group, as for the primary in the drill: they hold
        nothing worth keeping, and ``pg_ctl stop`` would take seconds on a busy machine.
        """
        for server in (self.primary, self.standby):
            if server is self.primary and self.primary_killed:
                continue
            with contextlib.suppress(FileNotFoundError, ValueError, IndexError, ProcessLookupError):
                pid = server.pid()
                if os.getpgid(pid) == pid:  # a postmaster leads its session; anything else is not ours
                    os.killpg(pid, signal.SIGKILL)
                    _wait_gone(pid)
        if self.work.name.startswith(PREFIX):
            shutil.rmtree(self.work, ignore_errors=True)

    def __enter__(self) -> Pair:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
