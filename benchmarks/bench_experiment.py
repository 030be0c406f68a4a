"""An experiment of 10,000 one-year SMA Games: tradegame's runner, local Ray, vectorbt, backtesting.py.

The population: one-year Games on the bundled S&P 500 index (arch-sp500, daily), started on
2,500 sessions spread evenly over 2000-2017, each played by 4 SMA crossovers (fast 10/20 x slow
50/100): 10,000 Games with the base Game of ``examples/experiments/spx-base.toml`` (per-share
fees, minimum $1.00; 2 bps slippage; capital-gains tax). Printed, not a timed test:

* tradegame: ``run_experiment`` with the local pool (``--workers``, default 2), one row per Game
  written to a SQLite file. These SMA Games fit the sweep engine, so each start's four pairs are one
  ``sweep`` call on arrays (``experiments.sweeping``): exact Decimal fills, tax lots and Score, and
  the value after each Round for the metrics, every field equal to the Round loop's row (tested in
  ``tests/integration/test_experiment_sweep.py``); the journal and ledgers of any Game are one
  ``tradegame experiment replay`` away;
* tradegame, Round loop: a sample of the same Games (``--loop-games``) played through the Round loop
  with full books in this one process, for comparison (Games/s of one process, not scaled);
* tradegame on Ray: the same experiment with ``RayCluster(workers=2)`` on a local Ray (its start
  is timed apart; Games/s is the run's);
* vectorbt: every Game as one column of a single ``Portfolio.from_signals`` (the window's rows
  aligned, padded with the last bar and no signals), $1 fixed fee, 2 bps slippage, whole shares;
  no tax (vectorbt has none), so the final values, before tax, are what is compared;
* backtesting.py: one ``Backtest`` per Game (the window plus the slow SMA's warm-up; commission
  ``(1.0, 0)``, ``spread`` 2 bps, which it charges on entries only: the exits' 2 bps are taken
  off its final equity), on a capped subset (``--bt-games``) scaled linearly.

Before any ratio is printed a sample of Games (``--check``) is compared: each peer's final value
against tradegame's. The peers fill at the raw float price with slippage, tradegame at the cent,
so they agree to within a few dollars, not to the cent; the table says how many and how close.

    .venv/bin/python benchmarks/bench_experiment.py [--games 10000] [--workers 2] [--bt-games 200] [--no-ray]
        [--loop-games 200]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
import tomllib
from dataclasses import replace
from datetime import date
from decimal import Decimal
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

os.environ.setdefault("TQDM_DISABLE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.oracle import peers_kit as kit

from tradegame.data.datasets import load_dataset
from tradegame.data.store import MarketStore
from tradegame.experiments import Experiment, Length, LocalPool, ModelAxis, StartDates, prepare_experiment
from tradegame.experiments.runner import local_worker, run_experiment
from tradegame.store import open_database
from tradegame.store.experiments import experiment_rows

ROOT = Path(__file__).resolve().parents[1]
PAIRS = ((10, 50), (10, 100), (20, 50), (20, 100))
SLIPPAGE = 0.0002  # the base Game's 2 bps
FEE = 1.0  # per order: the per-share fee's $1.00 minimum binds for every order of these Games
CASH = 100_000.0


def population(games: int) -> Experiment:
    """``games`` Games: ``games / 4`` start sessions spread over 2000-2017, 4 SMA pairs each."""
    sessions = pd.DatetimeIndex(kit.cent_bars("arch-sp500")["ts"]).tz_localize(None)
    window = sessions[(sessions >= "2000-01-03") & (sessions <= "2017-12-29")]
    picks = np.unique(np.linspace(0, len(window) - 1, max(1, games // len(PAIRS))).round().astype(int))
    starts = tuple(window[i].date() for i in picks)
    base = tomllib.loads((ROOT / "examples" / "experiments" / "spx-base.toml").read_text())
    grid = {"fast": tuple(sorted({f for f, _ in PAIRS})), "slow": tuple(sorted({s for _, s in PAIRS}))}
    model = ModelAxis("sma-crossover", {"symbol": "SPX"}, grid)
    return Experiment("bench-10k", base, 7, StartDates(dates=starts), (Length(years=1),), (model,))


def windows(starts: list[date]) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """The SPX bars and, per start, its first and last row (start + 1 year, inclusive).

    The bars as tradegame reads them (not rounded to the cent, unlike ``peers_kit.cent_bars``): the
    Games' SMAs see the same floats on every side, so a near-tie is decided the same way.
    """
    bars = load_dataset("arch-sp500").bars
    bars = bars[bars["symbol"] == "SPX"].reset_index(drop=True)
    frame = kit.SmaSetup(bars, "SPX", 10, 50, "next_open", Decimal(0)).frame
    index = frame.index
    first = index.searchsorted(pd.DatetimeIndex(pd.to_datetime(starts)))
    ends = pd.DatetimeIndex(pd.to_datetime(starts)) + pd.DateOffset(years=1)
    last = index.searchsorted(ends, side="right") - 1
    return frame, np.asarray(first), np.asarray(last)


def vectorbt_population(frame: pd.DataFrame, first: np.ndarray, last: np.ndarray, pairs: list[tuple[int, int]]) -> Any:
    """Every Game a column of one ``from_signals``; its final values (before tax).

    The SMAs are ``peers_kit.sma`` (bit for bit tradegame's float; vectorbt's rolling ``MA`` may
    differ in the last bit and flip a near-tie). What is held when the Game ends is sold at the
    next open (as tradegame's Game ends, with ``fill_at = "next_open"``), with the fee and slippage.
    """
    import vectorbt as vbt

    close = frame["Close"].to_numpy()
    fasts, slows = sorted({f for f, _ in pairs}), sorted({s for _, s in pairs})
    averages = {n: kit.sma(close, n) for n in {*fasts, *slows}}
    fast_ma = np.stack([averages[f] for f, _ in pairs], axis=1)
    slow_ma = np.stack([averages[s] for _, s in pairs], axis=1)
    rows = int((last - first).max()) + 2
    k = np.arange(rows)[:, None]
    idx = np.minimum(first[None, :] + k, last[None, :] + 1)  # the window's rows and the one after, padded
    cols = np.arange(len(pairs))[None, :]
    decides = k < (last - first)[None, :]  # a decision on the last row would fill after the Game
    entries = np.zeros(idx.shape, bool)
    exits = np.zeros(idx.shape, bool)
    entries[1:] = ((fast_ma[idx, cols] > slow_ma[idx, cols]) & decides)[:-1]  # filled at the next open
    exits[1:] = ((fast_ma[idx, cols] < slow_ma[idx, cols]) & decides)[:-1]
    ending = k == (last - first + 1)[None, :]  # the open after the last Round: what is held is sold
    exits |= ending
    price = frame["Open"].to_numpy()[idx]
    portfolio = vbt.Portfolio.from_signals(
        close[idx],
        entries,
        exits,
        price=price,
        init_cash=CASH,
        fixed_fees=FEE,
        slippage=SLIPPAGE,
        size=np.inf,
        size_granularity=1,
        freq="1D",
    )
    return np.asarray(portfolio.final_value())


def backtesting_game(frame: pd.DataFrame, first: int, last: int, pair: tuple[int, int]) -> float:
    """One Game in backtesting.py: the window after ``slow`` bars of warm-up; its final equity."""
    from backtesting import Backtest, Strategy

    fast_n, slow_n = pair

    class SmaCross(Strategy):
        def init(self) -> None:
            self.fast = self.I(kit.sma, self.data.Close, fast_n)
            self.slow = self.I(kit.sma, self.data.Close, slow_n)

        def next(self) -> None:
            if len(self.data) >= len(frame_window) - 1:  # the last Round: sold at the next open
                if self.position:
                    self.position.close()
                return
            fast, slow = self.fast[-1], self.slow[-1]
            if fast > slow and not self.position:
                self.buy()
            elif fast < slow and self.position:
                self.position.close()

    frame_window = frame.iloc[first - slow_n : last + 2]  # the warm-up, the Game's rows, the open after
    test = Backtest(frame_window, SmaCross, cash=CASH, commission=(FEE, 0.0), spread=SLIPPAGE)
    stats = test.run()
    trades = stats["_trades"]
    # backtesting.py charges its spread on entries only; the same 2 bps on each exit is taken off
    # here, so that the Game compared is the one tradegame plays (slippage on both sides).
    return float(stats["Equity Final [$]"] - (trades["Size"].abs() * trades["ExitPrice"]).sum() * SLIPPAGE)


def round_loop_rate(prepared: Any, stored: dict[str, dict[str, object]], count: int) -> float:
    """Games/s of an evenly spread sample played through the Round loop in this process; asserts each
    one's row equals the row the run stored (the database keeps money as exact decimals)."""
    games = prepared.games
    sample = [games[i] for i in np.unique(np.linspace(0, len(games) - 1, min(count, len(games))).round().astype(int))]
    worker = local_worker(prepared)
    started = time.perf_counter()
    rows = [worker.play(game) for game in sample]
    seconds = time.perf_counter() - started
    for game, row in zip(sample, rows, strict=True):
        kept = stored[game.game_id]
        for key, value in row.items():
            ours, theirs = value, kept[key]
            if isinstance(value, str) and key != "outcome":  # money: exact decimal strings
                ours, theirs = Decimal(value), Decimal(str(theirs))
            assert ours == theirs, (game.game_id, key, value, kept[key])
    print(f"  tradegame, Round loop, 1 process ({len(sample)} Games; rows equal the run's): {seconds:.1f} s")
    return len(sample) / seconds


def on_ray(prepared: Any, rows: list[dict[str, object]], args: argparse.Namespace, folder: Path) -> tuple[float, float]:
    """The same experiment (or an evenly spread subset) through a local Ray of ``--workers`` CPUs:
    the seconds scaled to every Game, and the scale; its rows are compared with the local run's."""
    import ray

    from tradegame.experiments.ray_backend import RayCluster

    games = prepared.games
    n = len(games)
    started = time.perf_counter()
    ray.init(num_cpus=args.workers, include_dashboard=False, logging_level="warning")
    print(f"  local Ray started in {time.perf_counter() - started:.1f} s", flush=True)
    picked = np.unique(np.linspace(0, n - 1, min(args.ray_games or n, n)).round().astype(int))
    on_subset = replace(prepared, games=[games[i] for i in picked])
    try:
        with open_database(str(folder / "ray.sqlite")) as db:
            label = f"tradegame on Ray ({len(picked):,} Games)"
            seconds, _ = timed(label, lambda: run_experiment(on_subset, db, RayCluster()))
            ray_rows = experiment_rows(db, prepared.experiment_id)
    finally:
        ray.shutdown()
    keys = {games[i].game_id for i in picked}
    same = [strip(r) for r in ray_rows] == [strip(r) for r in rows if r["game_key"] in keys]
    print(f"  Ray's rows equal the local run's: {same}")
    return seconds * n / len(picked), n / len(picked)


def strip(row: dict[str, object]) -> dict[str, object]:
    return {key: value for key, value in row.items() if key != "finished_at"}


def timed(label: str, run: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    output = run()
    seconds = time.perf_counter() - started
    print(f"  {label}: {seconds:.1f} s", flush=True)
    return seconds, output


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--games", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--bt-games", type=int, default=200, help="backtesting.py's subset (scaled linearly)")
    parser.add_argument("--check", type=int, default=200, help="Games compared with the peers")
    parser.add_argument("--no-ray", action="store_true")
    parser.add_argument("--ray-games", type=int, default=None, help="Ray on an evenly spread subset (default: all)")
    parser.add_argument("--loop-games", type=int, default=200, help="Games timed through the Round loop (0: none)")
    args = parser.parse_args()
    print(f"{platform.platform()}, Python {platform.python_version()}, {os.cpu_count()} CPUs, load {os.getloadavg()}")
    print(f"vectorbt {version('vectorbt')}, backtesting {version('backtesting')}, ray {version('ray')}")
    prepared = prepare_experiment(population(args.games), MarketStore(None), ROOT / "examples" / "experiments")
    games = prepared.games
    n = len(games)
    print(f"experiment {prepared.experiment_id}: {n:,} Games", flush=True)
    results: dict[str, float] = {}
    ray_scale = 1.0
    with tempfile.TemporaryDirectory() as folder:
        db_path = Path(folder) / "local.sqlite"
        with open_database(str(db_path)) as db:
            seconds, summary = timed("tradegame", lambda: run_experiment(prepared, db, LocalPool(args.workers)))
            rows = experiment_rows(db, prepared.experiment_id)
        results["tradegame"] = seconds
        assert summary.played == n and summary.errors == 0, summary
        if not args.no_ray:
            seconds, ray_scale = on_ray(prepared, rows, args, Path(folder))
            results["tradegame on Ray"] = seconds
    by_game = {row["game_key"]: row for row in rows}
    if args.loop_games:
        loop_rate = round_loop_rate(prepared, by_game, args.loop_games)
    starts = [date.fromisoformat(str(game.coordinates["start"])) for game in games]
    pairs = [(int(g.coordinates["params"]["fast"]), int(g.coordinates["params"]["slow"])) for g in games]  # type: ignore[index]
    ours = np.array([float(by_game[g.game_id]["final_value"]) for g in games])
    frame, first, last = windows(starts)
    vectorbt_population(frame, first[:8], last[:8], pairs[:8])  # numba compiles its loops once
    seconds, vbt_values = timed("vectorbt", lambda: vectorbt_population(frame, first, last, pairs))
    results["vectorbt"] = seconds
    subset = np.unique(np.linspace(0, n - 1, min(args.bt_games, n)).round().astype(int))
    seconds, bt_values = timed(
        f"backtesting.py ({len(subset)} Games)",
        lambda: np.array([backtesting_game(frame, first[i], last[i], pairs[i]) for i in subset]),
    )
    results["backtesting.py"] = seconds * n / len(subset)
    check = np.unique(np.linspace(0, n - 1, min(args.check, n)).round().astype(int))
    print(f"\nAgreement with tradegame's final value (before tax), {len(check)} Games sampled:")
    for name, values, where in (("vectorbt", vbt_values[check], check), ("backtesting.py", bt_values, subset)):
        diff = np.abs(values - ours[where])
        close = f"within $0.01 {int((diff < 0.01).sum())}, within $5 {int((diff < 5).sum())}"
        close += f", within 0.1% {int((diff < 0.001 * ours[where]).sum())} of {len(where)}"
        print(f"  {name}: {close}; largest difference ${diff.max():,.2f}")
    print(f"\n{'':<22}{'seconds':>10}{'Games/s':>10}{'time / tradegame':>18}")
    for name, seconds in results.items():
        scale = {"backtesting.py": n / len(subset), "tradegame on Ray": ray_scale}.get(name, 1.0)
        note = f"  (measured on {n / scale:,.0f} Games, scaled x{scale:g})" if scale != 1 else ""
        print(f"{name:<22}{seconds:>10.1f}{n / seconds:>10.1f}{seconds / results['tradegame']:>17.2f}x{note}")
    if args.loop_games:
        print(f"tradegame through the Round loop alone: {loop_rate:.1f} Games/s in one process (a sample)")


if __name__ == "__main__":
    main()
