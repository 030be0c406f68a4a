"""The market-data store under concurrency, crashes and tampering, through the real command line.

Concurrent imports into one dataset queue on its lock and none is lost; first use of a new store
by many processes works; a killed import leaves the previous version; a version whose file was
edited in place is refused by ``play``, ``resume``, ``report`` and ``data verify``.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.unit.data.sample import daily_bars
from tests.unit.data.test_store_integrity import rewrite_with_other_prices
from tradegame.app.play import play_recorded
from tradegame.cli import app
from tradegame.data.store import MarketStore
from tradegame.data.verify import verify_store
from tradegame.engine.game import Game, GameResult
from tradegame.io.gamefile import load_game
from tradegame.store import open_database

SRC = Path(__file__).parents[2] / "src"
BURST = Path(__file__).with_name("cli_burst.py")
runner = CliRunner()
SYMBOLS = ("AAA", "BBB", "CCC", "DDD", "EEE", "FFF", "GGG", "HHH")


def environment() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}


def tradegame(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tradegame", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment(),
    )


def bursts(tmp_path: Path, commands: list[list[list[str]]]) -> list[list[tuple[int, str, str]]]:
    """Run each burst's command lines in separate processes started at the same instant (cli_burst.py)."""
    spec = tmp_path / "bursts.json"
    spec.write_text(json.dumps(commands))
    done = subprocess.run(
        [sys.executable, str(BURST), str(spec)], capture_output=True, text=True, env=environment(), check=True
    )
    return [[(code, out, err) for code, out, err in burst] for burst in json.loads(done.stdout)]


def csv_of(tmp_path: Path, symbol: str, start: str = "2020-03-02", end: str = "2020-03-13") -> Path:
    """A tiny bar file: every NYSE session from ``start`` to ``end``."""
    path = tmp_path / f"{symbol.lower()}.csv"
    bars = daily_bars((symbol,), start, end)
    bars.assign(date=bars["ts"].dt.date.astype(str)).loc[:, ["date", "open", "high", "low", "close", "volume"]].to_csv(
        path, index=False
    )
    return path


def import_argv(path: Path, symbol: str, name: str, root: Path) -> list[str]:
    return ["data", "import", str(path), "--symbol", symbol, "--name", name, "--data-dir", str(root)]


def check_imports(tmp_path: Path, repetitions: int) -> None:
    root = tmp_path / "store"
    root.mkdir()
    files = {symbol: csv_of(tmp_path, symbol) for symbol in SYMBOLS}
    commands = [
        [import_argv(files[symbol], symbol, f"shared-{round_}", root) for symbol in SYMBOLS]
        for round_ in range(repetitions)
    ]
    store = MarketStore(root)
    for round_, results in enumerate(bursts(tmp_path, commands)):
        for symbol, (code, out, err) in zip(SYMBOLS, results, strict=True):
            assert code == 0, f"round {round_}, {symbol}: exit {code}\n{out}\n{err}"
            assert out.startswith(f"stored {symbol} in dataset shared-{round_}"), out + err
        assert store.get(f"shared-{round_}").symbols == SYMBOLS, f"round {round_}: symbols lost"
    assert all(check.ok for check in verify_store(store))
    assert not list(root.glob("datasets/*/.staging-*"))


def test_eight_concurrent_imports_into_one_dataset_all_succeed_and_none_is_lost(tmp_path: Path) -> None:
    check_imports(tmp_path, repetitions=2)


@pytest.mark.slow
def test_eight_concurrent_imports_repeated_twenty_times(tmp_path: Path) -> None:
    check_imports(tmp_path, repetitions=20)


def test_first_use_of_a_new_store_by_twelve_processes(tmp_path: Path) -> None:
    """Twelve processes meet a store that has no folders yet: imports (two of the same file), verifies."""
    root = tmp_path / "new-store"
    root.mkdir()
    files = {symbol: csv_of(tmp_path, symbol) for symbol in SYMBOLS}
    commands = [import_argv(files[s], s, "fresh", root) for s in SYMBOLS[:6]]
    commands += [import_argv(files["GGG"], "GGG", "twice", root)] * 2  # the same version, written twice at once
    commands += [["data", "verify", "--data-dir", str(root)]] * 4  # readers while folders are being made
    (results,) = bursts(tmp_path, [commands])
    for argv, (code, out, err) in zip(commands, results, strict=True):
        assert code == 0, f"{' '.join(argv)}: exit {code}\n{out}\n{err}"
        assert "Traceback" not in err
    store = MarketStore(root)
    assert store.get("fresh").symbols == SYMBOLS[:6]
    assert store.get("twice").symbols == ("GGG",) and len(store.versions("twice")) == 1
    assert all(check.ok for check in verify_store(store))


@pytest.mark.slow
def test_first_use_by_eight_real_processes_listing_and_importing(tmp_path: Path) -> None:
    """`python -m tradegame` eight times at once on a new store: four `data list` (which store the
    bundled datasets on first use) and four imports into one dataset (the burst test above starts
    twelve, forked from one warm process)."""
    root = tmp_path / "new-store"
    root.mkdir()
    files = {symbol: csv_of(tmp_path, symbol) for symbol in SYMBOLS[:4]}
    processes = [tradegame("data", "list", "--json", "--data-dir", str(root)) for _ in range(4)]
    processes += [tradegame(*import_argv(path, s, "fresh", root)) for s, path in files.items()]
    outputs = [(p.args, *p.communicate(timeout=300), p.returncode) for p in processes]
    for args, out, err, code in outputs:
        assert code == 0, f"{args}: exit {code}\n{out}\n{err}"
    listed = [json.loads(out) for _, out, _, _ in outputs[:4]]
    assert all(any(d["name"] == "arch-sp500" for d in datasets) for datasets in listed)
    store = MarketStore(root)
    assert store.get("fresh").symbols == tuple(sorted(files))
    assert all(len(store.versions(name)) == 1 for name in store.names() if name != "fresh")  # each stored once
    assert all(check.ok for check in verify_store(store))


@pytest.mark.slow
def test_an_import_killed_at_any_moment_leaves_the_previous_version(tmp_path: Path) -> None:
    root = tmp_path / "store"
    root.mkdir()
    first = subprocess.run(
        [sys.executable, "-m", "tradegame", *import_argv(csv_of(tmp_path, "AAA"), "AAA", "shared", root)],
        capture_output=True,
        text=True,
        env=environment(),
    )
    assert first.returncode == 0, first.stderr
    store = MarketStore(root)
    before = store.get("shared").info.content_hash
    big = csv_of(tmp_path, "BBB", "1990-01-02", "2020-12-31")
    chance = random.Random(13)
    for _ in range(6):
        process = tradegame(*import_argv(big, "BBB", "shared", root))
        time.sleep(chance.uniform(0.5, 4.0))
        process.send_signal(signal.SIGKILL)
        process.communicate()
        now = MarketStore(root)  # a new reader each time, as a new process would be
        current = now.get("shared")
        assert current.info.content_hash in (before, *now.versions("shared"))
        assert set(now.bars("shared")["symbol"]) <= {"AAA", "BBB"}  # readable, and its files verify
        assert all(check.ok for check in verify_store(now))
    done = subprocess.run(
        [sys.executable, "-m", "tradegame", *import_argv(csv_of(tmp_path, "CCC"), "CCC", "shared", root)],
        capture_output=True,
        text=True,
        env=environment(),
    )
    assert done.returncode == 0, done.stderr
    assert {"AAA", "CCC"} <= set(MarketStore(root).get("shared").symbols)
    assert not list(root.glob("datasets/shared/.staging-*")) and not list(root.glob("datasets/shared/.*.tmp"))


GAME = """
[game]
name = "acme-hold"
start = 2020-01-02
end = 2020-03-31
schedule = "daily"
start_fund = "10000"
symbols = ["ACME"]

[[data]]
dataset = "acme"

[model]
name = "buy-and-hold"
"""


class _Crash:
    """Stops a Game after a Round as a kill would (not an Exception: nothing marks it failed)."""

    def round_done(self, game: Game, round_index: int, value: float) -> None:
        if round_index == 20:
            raise KeyboardInterrupt("killed")

    def game_done(self, game: Game, result: GameResult) -> None:
        pass


def test_a_bars_file_edited_in_place_is_refused_by_play_resume_report_and_verify(tmp_path: Path) -> None:
    root = tmp_path / "store"
    root.mkdir()
    db = str(tmp_path / "games.sqlite")
    for symbol, name in (("ACME", "acme"), ("BETA", "beta")):
        path = csv_of(tmp_path, symbol, "2020-01-02", "2020-04-30")
        assert runner.invoke(app, import_argv(path, symbol, name, root)).exit_code == 0
    game = tmp_path / "game.toml"
    game.write_text(GAME)
    played = runner.invoke(app, ["play", str(game), "--db", db, "--data-dir", str(root), "--json"])
    assert played.exit_code == 0, played.output
    store = MarketStore(root)
    crashed = open_database(f"sqlite:///{db}")
    with pytest.raises(KeyboardInterrupt):
        play_recorded(load_game(game), store, crashed, _Crash())
    crashed.close()  # its process is gone: the Game is interrupted, and resumable
    version = store.get("acme")
    bars = version.path / "bars.parquet"
    original = bars.read_bytes()
    rewrite_with_other_prices(bars)

    for argv in (
        ["play", str(game), "--db", db, "--data-dir", str(root)],
        ["resume", "2", "--db", db, "--data-dir", str(root)],
        ["report", "1", "--output", str(tmp_path / "r.html"), "--db", db, "--data-dir", str(root)],
        ["data", "verify", "--data-dir", str(root)],
        ["data", "verify", "acme", "--data-dir", str(root)],
    ):
        refused = runner.invoke(app, argv)
        assert refused.exit_code == 2, f"{argv}: {refused.output}"
        message = refused.output
        assert "'acme'" in message and version.info.content_hash in message and "bars.parquet" in message, message
        assert "Traceback" not in message and "beta" not in message.split("failed verification", 1)[-1]
    rows = open_database(f"sqlite:///{db}")
    # Nothing written, nothing marked failed.
    assert [g.status for g in rows.list_games()] == ["finished", "interrupted"]
    assert not (tmp_path / "r.html").exists()
    assert runner.invoke(app, ["data", "verify", "beta", "--data-dir", str(root)]).exit_code == 0

    bars.write_bytes(original)  # the same bytes again, under a new modification time: the store plays
    for argv in (
        ["data", "verify", "--data-dir", str(root)],
        ["report", "1", "--output", str(tmp_path / "r.html"), "--db", db, "--data-dir", str(root)],
        ["resume", "2", "--db", db, "--data-dir", str(root)],
        ["play", str(game), "--db", db, "--data-dir", str(root)],
    ):
        result = runner.invoke(app, argv)
        assert result.exit_code == 0, f"{argv}: {result.output}"
