"""Game engine throughput: a 20-year daily Game over 500 instruments with a monthly momentum
rotation, and a single-instrument SMA crossover over 20 years of real S&P 500 bars.

Prints bar-updates per second (Rounds x instruments / seconds) and peak memory. The 500 series
are generated with a fixed seed on the real NYSE calendar (no bundled dataset has 500
symbols); the SMA Game plays the bundled arch-sp500 dataset (1999-2018), loaded from the store
as a Game would. Times are medians of ``--repeat`` runs in this process, Game set-up excluded
and reported apart; a first unmeasured run warms the calendar caches.

    .venv/bin/python benchmarks/bench_game.py [--symbols 500] [--years 20] [--repeat 3]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pandas as pd

from tradegame.app.loading import load_universe
from tradegame.data.catalog import sync_bundled
from tradegame.data.panel import Panel
from tradegame.data.store import MarketStore
from tradegame.domain.money import USD, Money
from tradegame.domain.running_costs import Monthly, RunningCost
from tradegame.domain.tax import TaxProfile
from tradegame.engine.costs import FixedBps, PercentOfNotional, PerShare
from tradegame.engine.game import Game, GameResult
from tradegame.engine.spec import AccountSpec, DataSpec, ExitRules, GameSpec
from tradegame.engine.universe import Universe
from tradegame.models.momentum import MomentumRotation
from tradegame.models.sma import SmaCrossover

sys.path.insert(0, str(Path(__file__).parent))
from bench_data import daily_bars


def timed(make: Callable[[], Game], repeat: int) -> tuple[float, float, GameResult]:
    make().run()  # warm-up: calendars, caches
    setups, runs = [], []
    result = None
    for _ in range(repeat):
        started = time.perf_counter()
        game = make()
        ready = time.perf_counter()
        result = game.run()
        runs.append(time.perf_counter() - ready)
        setups.append(ready - started)
    assert result is not None
    return statistics.median(setups), statistics.median(runs), result


def peak_python_mib(make: Callable[[], Game]) -> float:
    tracemalloc.start()
    make().run()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def momentum_game(symbols: int, years: int, seed: int) -> tuple[Callable[[], Game], int]:
    bars = daily_bars(symbols, years, seed)
    panel = Panel.from_bars(bars, frequency="1d", calendar="XNYS", currency="USD", content_hash="generated")
    universe = Universe.from_panel(panel, currency=USD)
    first = pd.Timestamp(panel.labels[0]).date()
    last = pd.Timestamp(panel.labels[-1]).date()
    spec = GameSpec(
        "momentum-500",
        first,
        Decimal(10_000_000),
        end=last,
        accounts=(AccountSpec("main", fees=PercentOfNotional(Decimal("0.0005"))),),
        data=(DataSpec("generated"),),
    )
    return (lambda: Game(spec, universe, MomentumRotation(top_n=20, lookback=252))), symbols


def sma_game(store: MarketStore, *, books_all: bool = False) -> Callable[[], Game]:
    """The SMA 50/200 Game; ``books_all``: as examples/games/sma-2008.toml over 20 years (per-share
    fees, slippage, a volume cap, exits, tax) plus a monthly running cost."""
    spec = GameSpec(
        "sma-spx",
        date(1999, 1, 4),
        Decimal(100_000),
        end=date(2018, 12, 31),
        data=(DataSpec("arch-sp500"),),
    )
    if books_all:
        account = AccountSpec(
            "ibkr", "ibkr", fees=PerShare(Decimal("0.005"), minimum=Decimal("1.00"), maximum_pct=Decimal("0.01")),
            slippage=FixedBps(2), volume_cap=Decimal("0.1"),
        )  # fmt: skip
        feed = RunningCost("data-feed", Money(Decimal("25.00"), USD), Monthly(date(1999, 1, 4)))
        spec = replace(
            spec, accounts=(account,), exits=ExitRules(min_value_fraction=Decimal("0.5"), max_drawdown=Decimal("0.4")),
            tax=TaxProfile.flat("0.24", "0.15"), running_costs=(("ibkr", feed),),
        )  # fmt: skip
    universe = load_universe(spec, store)
    return lambda: Game(spec, universe, SmaCrossover("SPX", fast=50, slow=200))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--symbols", type=int, default=500)
    parser.add_argument("--years", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--data-dir", type=Path, default=None, help="store holding arch-sp500 (default: a temp one)")
    args = parser.parse_args()

    make, width = momentum_game(args.symbols, args.years, args.seed)
    setup, seconds, result = timed(make, args.repeat)
    rounds = len(result.times)
    updates = rounds * width
    trades = sum(1 for e in result.events if e.kind in ("filled", "partial"))
    print(f"momentum rotation: {width} instruments x {rounds:,} daily rounds = {updates:,} bar-updates")
    rate = updates / seconds
    print(f"  played in {seconds:.2f} s (median of {args.repeat}; set-up {setup:.2f} s): {rate:,.0f} bar-updates/s")
    print(f"  {trades:,} fills, final value {result.score.final_value:,} (start 10,000,000)")
    print(f"  peak Python allocations while playing (tracemalloc): {peak_python_mib(make):,.0f} MiB")

    with tempfile.TemporaryDirectory() as folder:
        store = MarketStore(args.data_dir or folder)
        sync_bundled(store)
        make_sma = sma_game(store)
        setup, seconds, result = timed(make_sma, max(args.repeat, 5))
        rounds = len(result.times)
        trades = sum(1 for e in result.events if e.kind in ("filled", "partial"))
        print(f"SMA crossover 50/200 on SPX (arch-sp500), {rounds:,} daily rounds 1999-2018")
        print(f"  played in {seconds:.3f} s (median; set-up {setup:.3f} s): {rounds / seconds:,.0f} bar-updates/s")
        print(f"  {trades} fills, final value {result.score.final_value:,} (start 100,000)")
        setup, seconds, result = timed(sma_game(store, books_all=True), max(args.repeat, 5))
        trades = sum(1 for e in result.events if e.kind in ("filled", "partial"))
        print("the same with fees, slippage, a volume cap, exits, tax and a monthly running cost")
        print(f"  played in {seconds:.3f} s (median; set-up {setup:.3f} s): {rounds / seconds:,.0f} bar-updates/s")
        print(f"  {trades} fills, final value {result.score.final_value:,} ({result.outcome})")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS (whole process): {peak:,.0f} MiB")


if __name__ == "__main__":
    main()
