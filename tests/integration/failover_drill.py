"""The failover drill (issue 20): a region's PostgreSQL lost in the middle of a Game, its standby promoted.

``run_drill`` starts two local servers (``pg_pair``: a primary and a ``pg_basebackup -R``
standby streaming over loopback), then:

1. **Asynchronous replication, measured.** With ``synchronous_standby_names`` empty it plays the
   Game unpaced on the primary while sampling ``pg_stat_replication`` (the WAL bytes the standby
   has yet to replay, and ``replay_lag``): what an asynchronous standby would lose if the primary
   died at that moment. This uninterrupted Game's exported books are the reference.
2. **Synchronous replication, drilled.** With ``synchronous_standby_names = 'FIRST 1 (standby)'``
   and ``synchronous_commit = on`` (a commit waits until the standby has the WAL on disk) it times
   commits that wait for the standby against commits that do not (``synchronous_commit = local``),
   one of each in turn; plays the Game again with ``--pace`` (Rounds a second, so the kill lands
   in its middle); and polls the primary as a client would: once it sees Round ``kill_at``
   committed it keeps every row of Rounds ``0..K`` it saw (``K``, the last Round seen committed)
   and kills the primary's whole process group with ``kill -9``.
3. **Failover.** It promotes the standby (``pg_promote()``), checks that every row of Rounds
   ``0..K`` is there, unchanged, and that the Game shows ``interrupted``, runs ``tradegame resume``
   against the promoted standby, and compares every exported table with the reference byte for
   byte (the ``games`` row too, but for its instants, id and lease owner). It times kill ->
   promoted, kill -> player gone (its lease lapses), kill -> resume started, and the resume.

Any difference raises ``DrillError``. ``python -m tests.integration.failover_drill`` (what
``scripts/drill-failover`` runs) prints the report. The Game is the example SMA Game by default.

Imports tradegame's command line, store schema and SQLAlchemy; runs ``tradegame`` in processes of its own.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from sqlalchemy import Connection, create_engine, func, select, text
from sqlalchemy.pool import NullPool
from typer.testing import CliRunner

from tests.integration.pg_pair import NoServerError, Pair
from tradegame.cli import app
from tradegame.store import schema

__all__ = ["DrillError", "DrillReport", "NoServerError", "run_drill"]

ROOT = Path(__file__).resolve().parents[2]
GAME = ROOT / "examples" / "games" / "sma-2008.toml"
# The tables written Round by Round: every row of a Round seen committed must be on the standby.
ROUND_TABLES = tuple(table for table in schema.metadata.sorted_tables if "round" in table.c)


class DrillError(Exception):
    """The drill found a difference: a Round seen committed missing on the standby, or other books."""


@dataclass(frozen=True)
class DrillReport:
    """What the drill measured (seconds and milliseconds on this machine, over loopback)."""

    server_version: str
    rounds: int  # Rounds of the Game
    commit_ms_async: float  # median commit on the primary not waiting for the standby
    commit_ms_sync: float  # median commit waiting for the synchronous standby (taken in turn with the above)
    lag_samples: int  # pg_stat_replication samples while the Game wrote (asynchronous)
    lag_bytes_max: int  # WAL bytes written on the primary but not yet replayed on the standby
    lag_bytes_median: float
    replay_lag_ms_max: float | None  # pg_stat_replication.replay_lag, largest seen (None: never reported)
    seen_round: int  # K: the last Round the client saw committed before the kill
    standby_round: int  # the last Round on the promoted standby (>= K)
    seen_rows: int  # rows of Rounds 0..K found on the standby, unchanged
    player_exit: int  # the exit code of the play whose database died under it
    kill_to_promoted_s: float
    kill_to_player_gone_s: float  # the play whose database died has exited (its lease has lapsed)
    kill_to_resume_started_s: float
    resume_s: float
    tables_compared: int

    def lines(self) -> list[str]:
        """The report as a person reads it."""
        replay = "not reported" if self.replay_lag_ms_max is None else f"{self.replay_lag_ms_max:.1f} ms"
        return [
            f"PostgreSQL {self.server_version}, primary and standby on one machine, streaming over loopback",
            f"commit: {self.commit_ms_async:.2f} ms asynchronous, {self.commit_ms_sync:.2f} ms synchronous (median)",
            f"asynchronous lag under a Game's writes: max {self.lag_bytes_max} bytes of WAL not replayed "
            f"(median {self.lag_bytes_median:.0f}), max replay_lag {replay} ({self.lag_samples} samples)",
            f"kill -9 of the primary after Round {self.seen_round} of {self.rounds} was seen committed "
            f"(the player exited {self.player_exit})",
            f"promoted standby holds Rounds 0..{self.standby_round}: all {self.seen_rows} rows of Rounds "
            f"0..{self.seen_round} present and unchanged (RPO 0)",
            f"failover: kill -> promoted {self.kill_to_promoted_s:.2f} s, kill -> player gone "
            f"{self.kill_to_player_gone_s:.2f} s, kill -> resume started "
            f"{self.kill_to_resume_started_s:.2f} s, resume {self.resume_s:.2f} s",
            f"resume ended with the books of the uninterrupted run: {self.tables_compared} tables byte for byte",
        ]


# --- tradegame, as a user runs it ----------------------------------------------------------------


def _env(data_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]),
        "TRADEGAME_DATA": str(data_dir),
    }


def _tradegame(data_dir: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tradegame", *args],
        env=_env(data_dir),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def _ended(process: subprocess.Popen[str], timeout: float = 300) -> tuple[int, str]:
    try:
        _, stderr = process.communicate(timeout=timeout)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    return process.returncode, stderr


def _in_process(data_dir: Path, *args: str) -> str:
    done = CliRunner().invoke(app, list(args), env={"TRADEGAME_DATA": str(data_dir)})
    if done.exit_code != 0:
        raise DrillError(f"tradegame {' '.join(args)} exited {done.exit_code}: {done.output}")
    return done.stdout


def _exported(data_dir: Path, url: str, folder: Path) -> tuple[dict[str, str], dict[str, str]]:
    """The one Game's exported tables but ``games``, and its ``games`` row."""
    (game,) = json.loads(_in_process(data_dir, "games", "list", "--json", "--db", url))
    _in_process(data_dir, "export", str(game["id"]), "--db", url, "-o", str(folder))
    books = {path.name: path.read_text() for path in sorted(folder.glob("*.csv")) if path.name != "games.csv"}
    with (folder / "games.csv").open(newline="") as handle:
        (row,) = list(csv.DictReader(handle))
    return books, row


# --- what the client saw -------------------------------------------------------------------------


def _rows_up_to(connection: Connection, last_round: int) -> dict[str, list[tuple[object, ...]]]:
    return {
        table.name: [
            tuple(row)
            for row in connection.execute(
                select(table).where(table.c.round <= last_round).order_by(*table.primary_key.columns)
            )
        ]
        for table in ROUND_TABLES
    }


def _last_round(connection: Connection) -> int:
    value = connection.execute(select(func.max(schema.rounds.c.round))).scalar_one_or_none()
    return -1 if value is None else int(value)


def _watch_until(
    url: str, kill_at: int, player: subprocess.Popen[str]
) -> tuple[int, dict[str, list[tuple[object, ...]]]]:
    """Poll the primary until Round ``kill_at`` is committed: the last Round seen and its rows (one snapshot)."""
    engine = create_engine(url, poolclass=NullPool, isolation_level="REPEATABLE READ")
    try:
        with engine.connect() as connection:
            while True:
                with connection.begin():
                    made = connection.execute(text("SELECT to_regclass('rounds')")).scalar_one() is not None
                    seen = _last_round(connection) if made else -1  # the player may not have made its tables yet
                    if seen >= kill_at:
                        return seen, _rows_up_to(connection, seen)
                if player.poll() is not None:
                    raise DrillError(f"the Game ended (exit {player.returncode}) before Round {kill_at} was seen")
                time.sleep(0.01)
    finally:
        engine.dispose()


# --- measurements --------------------------------------------------------------------------------


def _commit_ms(pair: Pair, commits: int = 60) -> tuple[float, float]:
    """The median time of one small committed INSERT on the primary, in milliseconds: without waiting for
    the standby (``synchronous_commit = local``) and waiting for it, one of each in turn (a busy
    machine slows both alike)."""
    times: dict[str, list[float]] = {"local": [], "on": []}
    with pair.connect(pair.primary) as local, pair.connect(pair.primary) as synchronous:
        local.execute("CREATE TABLE IF NOT EXISTS drill_commits (n integer)")
        local.execute("SET synchronous_commit = local")
        synchronous.execute("SET synchronous_commit = on")
        for n in range(commits):
            for mode, connection in (("local", local), ("on", synchronous)):
                began = time.perf_counter()
                connection.execute("INSERT INTO drill_commits VALUES (%s)", (n,))
                times[mode].append((time.perf_counter() - began) * 1000)
    return statistics.median(times["local"]), statistics.median(times["on"])


class _LagSampler(threading.Thread):
    """Samples the standby's lag behind the primary (``pg_stat_replication``) until stopped."""

    def __init__(self, pair: Pair) -> None:
        super().__init__(daemon=True)
        self.pair = pair
        self.bytes: list[int] = []
        self.replay_ms: list[float] = []
        self.stopping = threading.Event()

    def run(self) -> None:
        query = (
            "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::bigint, "
            "extract(epoch FROM replay_lag) * 1000 FROM pg_stat_replication WHERE application_name = 'standby'"
        )
        with self.pair.connect(self.pair.primary) as connection:
            while not self.stopping.is_set():
                row = connection.execute(query).fetchone()
                if row is not None and row[0] is not None:
                    self.bytes.append(int(str(row[0])))
                    if row[1] is not None:
                        self.replay_ms.append(float(str(row[1])))
                time.sleep(0.005)


# --- the drill -----------------------------------------------------------------------------------


def _reference(
    pair: Pair, game: Path, data_dir: Path, work: Path
) -> tuple[dict[str, str], dict[str, str], _LagSampler]:
    """Play ``game`` unpaced on the primary with an asynchronous standby, sampling the lag; its books."""
    url = pair.create_database("uninterrupted")
    pair.wait_caught_up()  # the lag sampled is the Game's, not the new database's
    sampler = _LagSampler(pair)
    sampler.start()
    try:  # in this process: the same command, without a second interpreter's start-up to wait for
        _in_process(data_dir, "play", str(game), "--db", url)
    finally:
        sampler.stopping.set()
        sampler.join()
    books, row = _exported(data_dir, url, work / "uninterrupted")
    return books, row, sampler


def _check_seen(url: str, seen_round: int, seen: dict[str, list[tuple[object, ...]]]) -> tuple[int, int]:
    """Every row of Rounds ``0..seen_round`` on the promoted standby, unchanged: (its last Round, rows checked)."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            there, last = _rows_up_to(connection, seen_round), _last_round(connection)
    finally:
        engine.dispose()
    for table, rows in seen.items():
        if there[table] != rows:
            missing = len(set(rows) - set(there[table]))
            raise DrillError(f"{table}: {missing} of the {len(rows)} rows seen committed are not on the standby")
    return last, sum(len(rows) for rows in seen.values())


def _same_books(
    reference: tuple[dict[str, str], dict[str, str]], resumed: tuple[dict[str, str], dict[str, str]]
) -> int:
    (books, row), (books_after, row_after) = reference, resumed
    if row_after["status"] != "finished":
        raise DrillError(f"the resumed Game is {row_after['status']}, not finished")
    differ = sorted(name for name in books.keys() | books_after.keys() if books.get(name) != books_after.get(name))
    # Instants and who played differ between two uninterrupted runs too; a score or a ledger never does.
    differ += [column for column in row if column != "id" and column != "owner" and not column.endswith("_at")
               and row[column] != row_after.get(column)]  # fmt: skip
    if differ:
        raise DrillError(f"the resumed Game's books differ from the uninterrupted run's: {differ}")
    return len(books) + 1


@dataclass(frozen=True)
class _Drilled:
    seen_round: int
    standby_round: int
    seen_rows: int
    player_exit: int
    kill_to_promoted_s: float
    kill_to_player_gone_s: float
    kill_to_resume_started_s: float
    resume_s: float


def _drill(pair: Pair, game: Path, data_dir: Path, pace: float, kill_at: int) -> _Drilled:
    """Play, kill the primary after Round ``kill_at``, promote, check, resume; the times it took."""
    url = pair.create_database("drilled")
    player = _tradegame(data_dir, "play", str(game), "--db", url, "--pace", str(pace))
    try:
        seen_round, seen = _watch_until(url, kill_at, player)
        killed = time.monotonic()
        pair.kill_primary()
        pair.promote()
        promoted = time.monotonic()
        # The player's lease lapses when its process is gone (on another host: 30 s after its last heartbeat).
        player_exit, _ = _ended(player, timeout=120)
        player_gone = time.monotonic()
    finally:
        if player.poll() is None:  # the drill stopped early: leave no player behind
            player.kill()
            player.communicate()
    standby_url = pair.url(pair.standby, "drilled")
    standby_round, seen_rows = _check_seen(standby_url, seen_round, seen)
    (stored,) = json.loads(_in_process(data_dir, "games", "list", "--json", "--db", standby_url))
    if stored["status"] != "interrupted":
        raise DrillError(f"the Game on the promoted standby is {stored['status']}, not interrupted")
    resume_started = time.monotonic()
    code, stderr = _ended(_tradegame(data_dir, "resume", str(stored["id"]), "--db", standby_url))
    resumed = time.monotonic()
    if code != 0:
        raise DrillError(f"resume on the promoted standby exited {code}: {stderr}")
    return _Drilled(
        seen_round, standby_round, seen_rows, player_exit, promoted - killed, player_gone - killed,
        resume_started - killed, resumed - resume_started,
    )  # fmt: skip


def run_drill(data_dir: Path, game: Path = GAME, pace: float = 250, kill_at: int = 250) -> DrillReport:
    """Run the drill (see the module docstring); ``data_dir`` is the market-data store (``$TRADEGAME_DATA``).

    ``pace`` holds the drilled Game to that many Rounds a second; ``kill_at`` is the Round after
    which the primary is killed. Raises ``DrillError`` on any difference, ``NoServerError`` when no
    PostgreSQL server can run here. Servers and their folder are gone when it returns or raises.
    """
    with Pair.start() as pair, tempfile.TemporaryDirectory(prefix="tradegame-drill-books.") as folder:
        work = Path(folder)
        books, row, lag = _reference(pair, game, data_dir, work)
        pair.set_synchronous(True)
        commit_async, commit_sync = _commit_ms(pair)
        drilled = _drill(pair, game, data_dir, pace, kill_at)
        standby_url = pair.url(pair.standby, "drilled")
        tables = _same_books((books, row), _exported(data_dir, standby_url, work / "resumed"))
        return DrillReport(
            server_version=pair.server_version(),
            rounds=int(row["round_count"]),
            commit_ms_async=commit_async,
            commit_ms_sync=commit_sync,
            lag_samples=len(lag.bytes),
            lag_bytes_max=max(lag.bytes, default=0),
            lag_bytes_median=statistics.median(lag.bytes) if lag.bytes else 0.0,
            replay_lag_ms_max=max(lag.replay_ms) if lag.replay_ms else None,
            tables_compared=tables,
            **asdict(drilled),
        )


def main() -> None:
    """``scripts/drill-failover [--pace N] [--kill-at ROUND] [--game FILE] [--json]``."""
    parser = argparse.ArgumentParser(prog="drill-failover", description=__doc__.split("\n\n")[0])
    parser.add_argument("--game", type=Path, default=GAME, help="the Game file (default: the example SMA Game)")
    parser.add_argument("--pace", type=float, default=250, help="Rounds a second of the drilled Game")
    parser.add_argument("--kill-at", type=int, default=250, help="kill the primary once this Round is committed")
    parser.add_argument("--data-dir", type=Path, help="market-data store (default: a temporary one)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tradegame-drill-data.") as scratch:
        data_dir = args.data_dir or Path(scratch)
        try:
            report = run_drill(data_dir, args.game, args.pace, args.kill_at)
        except (DrillError, NoServerError) as error:
            print(f"drill-failover: {type(error).__name__}: {error}", file=sys.stderr)
            raise SystemExit(1) from None
    print(json.dumps(asdict(report), indent=2) if args.json else "\n".join(report.lines()))


if __name__ == "__main__":
    main()
