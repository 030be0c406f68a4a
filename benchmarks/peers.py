"""tradegame against backtesting.py, backtrader and vectorbt: the same Games, timed in one process.

Workloads (the Games of ``tests/oracle/test_peers_*.py``, through the same adapters in
``tests/oracle/peers_kit.py``):

* ``sma``: an SMA 50/200 crossover on one symbol over 20 years of daily bars (arch-sp500,
  S&P 500 1999-2018, 5,031 bars), all in, whole shares, filled at the next open, no fee. Every
  side produces the same trades and the same final equity (checked here too).
* ``momentum``: a monthly rotation into the 20 best 252-day returns of 500 generated instruments
  over 20 years (``bench_data.daily_bars``, seed 7; no bundled real dataset has 500 symbols),
  filled at the next open, 0.05% fee. tradegame's ``MomentumRotation``; vectorbt
  ``from_orders`` with target percents, one cash-sharing group; backtrader one feed per
  instrument and ``order_target_percent``. backtesting.py trades one instrument per backtest,
  so it has no entry. The peers' books are not compared here (their target rounding differs,
  see ``test_peers_rebalance.py``): this row times the same work, not the same trades.
* ``sweep``: 100 SMA pairs (fast 5..50 step 5 x slow 60..240 step 20) on the SPX series:
  tradegame's ``sweep`` plays the 100 Games as columns of signal arrays (exact fills and Score
  per column; ``tests/oracle/test_peers_sweep.py`` checks every column against its own Game),
  and the row "tradegame, 100 Games" plays them one after the other through the Round loop with
  full books; vectorbt runs all pairs as columns of one ``from_signals``; backtesting.py and
  backtrader loop.

Each (workload, peer) is run once to warm up (imports, numba's compiled cache, calendars), then
``--repeat`` times; the table shows the median, the ratio peer / tradegame (above 1: tradegame
is faster) and the peak of Python allocations of one run (tracemalloc, a separate untimed run:
numba's own allocations inside vectorbt's compiled loops are not seen by it).
``--bt-symbols`` and ``--bt-pairs`` cap backtrader's share of the momentum and sweep workloads;
a capped row is measured on the subset and scaled linearly to the full size, and says so.
``--quick`` = ``--bt-symbols 50 --bt-pairs 10``.

    .venv/bin/python benchmarks/peers.py [--repeat 3] [--quick] [--only sma,sweep,momentum]
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import statistics
import sys
import time
import tracemalloc
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

os.environ.setdefault("TQDM_DISABLE", "1")  # backtesting.py's progress bars would bury the table
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.oracle import peers_kit as kit

from bench_data import daily_bars
from tradegame.data.panel import Panel
from tradegame.domain.money import USD
from tradegame.engine.costs import PercentOfNotional
from tradegame.engine.game import play
from tradegame.engine.spec import AccountSpec, DataSpec, GameSpec
from tradegame.engine.universe import Universe
from tradegame.models.momentum import MomentumRotation

PAIRS = kit.SWEEP_PAIRS
MOMENTUM_FEE = Decimal("0.0005")


@dataclass
class Row:
    workload: str
    peer: str
    runs: int
    seconds: float
    peak_mib: float
    note: str = ""
    scale: float = 1.0  # measured on a subset: seconds are multiplied by this


def measure(run: Callable[[], Any], repeat: int) -> tuple[float, float, Any]:
    """Median seconds of ``repeat`` runs after one warm-up, peak MiB of one traced run, last output."""
    output = run()
    times = []
    for _ in range(repeat):
        gc.collect()
        started = time.perf_counter()
        output = run()
        times.append(time.perf_counter() - started)
    gc.collect()
    tracemalloc.start()
    run()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return statistics.median(times), peak / 2**20, output


# -- sma and sweep --------------------------------------------------------------------------------


def sma_setup(fast: int = 50, slow: int = 200) -> kit.SmaSetup:
    return kit.SmaSetup(kit.cent_bars("arch-sp500"), "SPX", fast, slow, "next_open", Decimal(0))


def sma_rows(repeat: int) -> list[Row]:
    setup = sma_setup()
    universe = kit.universe_of(setup.bars)
    runners: dict[str, Callable[[], kit.PeerRun]] = {
        "tradegame": lambda: kit.tradegame_sma(setup, universe),
        "backtesting.py": lambda: kit.backtesting_sma(setup),
        "backtrader": lambda: kit.backtrader_sma(setup),
        "vectorbt": lambda: kit.vectorbt_sma(setup),
    }
    rows, reference = [], None
    for name, run in runners.items():
        seconds, peak, output = measure(run, repeat)
        trips = output.trips()
        if reference is None:
            reference = (trips, output.final_equity)
        same = trips == reference[0] and abs(output.final_equity - reference[1]) < Decimal("0.005")
        note = f"{len(trips)} trades, final {output.final_equity:,.2f}" + ("" if same else " (DIFFERS)")
        rows.append(Row("sma 50/200, SPX 20y", name, repeat, seconds, peak, note))
    return rows


def sweep_rows(repeat: int, bt_pairs: int) -> list[Row]:
    base = sma_setup(*PAIRS[0])
    universe = kit.universe_of(base.bars)
    setups = [sma_setup(fast, slow) for fast, slow in PAIRS]

    def loop(runner: Callable[[kit.SmaSetup], kit.PeerRun], count: int) -> Callable[[], list[Decimal]]:
        return lambda: [runner(setup).final_equity for setup in setups[:count]]

    def swept() -> list[Decimal]:
        return [column.score.final_value for column in kit.tradegame_sweep(base, PAIRS, universe).columns]

    runners: list[tuple[str, Callable[[], Any], float]] = [
        ("tradegame", swept, 1.0),
        ("tradegame, 100 Games", loop(lambda s: kit.tradegame_sma(s, universe), len(PAIRS)), 1.0),
        ("backtesting.py", loop(kit.backtesting_sma, len(PAIRS)), 1.0),
        ("backtrader", loop(kit.backtrader_sma, bt_pairs), len(PAIRS) / bt_pairs),
        ("vectorbt", lambda: kit.vectorbt_sweep(base, PAIRS), 1.0),
    ]
    rows, reference = [], None
    for name, run, scale in runners:
        seconds, peak, output = measure(run, repeat)
        finals = [Decimal(repr(round(float(v), 2))) for v in output]
        if reference is None:
            reference = finals
        agree = sum(abs(a - b) < Decimal("0.005") for a, b in zip(finals, reference, strict=False))
        note = f"{agree}/{len(finals)} final values equal tradegame's"
        if scale != 1:
            note += f"; measured on {bt_pairs} pairs, time x{scale:g}"
        rows.append(Row("sweep 100 SMA pairs, SPX 20y", name, repeat, seconds * scale, peak, note, scale))
    return rows


# -- momentum rotation over 500 instruments ------------------------------------------------------


def momentum_data(symbols: int) -> tuple[pd.DataFrame, Universe, GameSpec]:
    bars = daily_bars(symbols, 20, 7)
    panel = Panel.from_bars(bars, frequency="1d", calendar="XNYS", currency="USD", content_hash="generated")
    universe = Universe.from_panel(panel, currency=USD)
    spec = GameSpec(
        "momentum-500",
        pd.Timestamp(panel.labels[0]).date(),
        Decimal(10_000_000),
        end=pd.Timestamp(panel.labels[-1]).date(),
        accounts=(AccountSpec("main", fees=PercentOfNotional(MOMENTUM_FEE)),),
        data=(DataSpec("generated"),),
    )
    return bars, universe, spec


def momentum_targets(close: pd.DataFrame, top_n: int = 20, lookback: int = 252) -> pd.DataFrame:
    """Target percents decided on each month's first bar (NaN elsewhere): 1/top_n for the best
    ``lookback``-row returns (ties by symbol), 0 for the rest; applied on the next bar."""
    returns = close / close.shift(lookback) - 1
    targets = pd.DataFrame(np.nan, index=close.index, columns=close.columns)
    for row in np.flatnonzero(kit.rebalance_days(close.index)):
        ranked = returns.iloc[row].dropna()
        if ranked.empty:
            continue
        order = sorted(ranked.items(), key=lambda item: (-item[1], item[0]))[:top_n]
        targets.iloc[row] = 0.0
        targets.loc[targets.index[row], [symbol for symbol, _ in order]] = 1 / top_n
    return targets.shift(1)


def vectorbt_momentum(wide: dict[str, pd.DataFrame]) -> float:
    import vectorbt as vbt

    portfolio = vbt.Portfolio.from_orders(
        wide["close"],
        momentum_targets(wide["close"]),
        size_type="targetpercent",
        price=wide["open"],
        init_cash=10_000_000.0,
        fees=float(MOMENTUM_FEE),
        size_granularity=1,
        cash_sharing=True,
        group_by=True,
        call_seq="auto",
        freq="1D",
    )
    return float(portfolio.final_value())


def backtrader_momentum(wide: dict[str, pd.DataFrame], symbols: list[str]) -> float:
    import backtrader as bt

    first_of_month = set(wide["close"].index[kit.rebalance_days(wide["close"].index)].date)

    class Momentum(bt.Strategy):  # type: ignore[misc]
        def next(self) -> None:
            if self.data.datetime.date(0) not in first_of_month or len(self) <= 252:
                return
            returns = sorted(
                ((data.close[0] / data.close[-252] - 1, data._name, data) for data in self.datas),
                key=lambda item: (-item[0], item[1]),
            )
            chosen = {name for _, name, _ in returns[:20]}
            for _, name, data in returns:  # sells first
                if name not in chosen and self.getposition(data).size:
                    self.order_target_percent(data, target=0.0)
            for _, _name, data in returns[:20]:
                self.order_target_percent(data, target=1 / 20)

    cerebro = bt.Cerebro(stdstats=False)
    for symbol in symbols:
        frame = pd.DataFrame({f: wide[f][symbol] for f in ("open", "high", "low", "close", "volume")})
        cerebro.adddata(bt.feeds.PandasData(dataname=frame), name=symbol)
    cerebro.addstrategy(Momentum)
    cerebro.broker.setcash(10_000_000.0)
    cerebro.broker.setcommission(commission=float(MOMENTUM_FEE))
    cerebro.run()
    return float(cerebro.broker.getvalue())


def momentum_rows(repeat: int, bt_symbols: int, symbols: int = 500) -> list[Row]:
    bars, universe, spec = momentum_data(symbols)
    wide = kit.bars_wide(bars)
    names = list(wide["close"].columns)
    runners: list[tuple[str, Callable[[], Any], float]] = [
        ("tradegame", lambda: play(spec, universe, MomentumRotation(top_n=20, lookback=252)).score.final_value, 1.0),
        ("vectorbt", lambda: vectorbt_momentum(wide), 1.0),
        ("backtrader", lambda: backtrader_momentum(wide, names[:bt_symbols]), symbols / bt_symbols),
    ]
    rows = []
    for name, run, scale in runners:
        seconds, peak, output = measure(run, repeat)
        note = f"final {float(output):,.0f} (start 10,000,000)"
        if scale != 1:
            note = f"measured on {bt_symbols} of {symbols} instruments, time x{scale:g}"
        rows.append(Row(f"momentum {symbols} x 20y", name, repeat, seconds * scale, peak, note, scale))
    rows.append(
        Row(f"momentum {symbols} x 20y", "backtesting.py", 0, float("nan"), float("nan"), "one instrument only")
    )
    return rows


# -- the table ------------------------------------------------------------------------------------


def table(rows: list[Row]) -> str:
    lines = [
        "| workload | peer | runs | median s | peer / tradegame | peak MiB | note |",
        "| --- | --- | ---: | ---: | ---: | ---: | --- |",
    ]
    ours = {row.workload: row.seconds for row in rows if row.peer == "tradegame"}
    for row in rows:
        if row.runs == 0:
            lines.append(f"| {row.workload} | {row.peer} | - | - | - | - | {row.note} |")
            continue
        ratio = row.seconds / ours[row.workload]
        estimated = "~" if row.scale != 1 else ""
        lines.append(
            f"| {row.workload} | {row.peer} | {row.runs} | {estimated}{row.seconds:.3f} | {estimated}{ratio:.2f}"
            f" | {row.peak_mib:.1f} | {row.note} |"
        )
    return "\n".join(lines)


def machine() -> str:
    """Cores, CPU model, Python and the packages' versions, for the doc."""
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    packages = ", ".join(
        f"{name} {version(name)}"
        for name in ("tradegame", "backtesting", "backtrader", "vectorbt", "numba", "numpy", "pandas")
    )
    python = platform.python_version()
    return f"{os.cpu_count()} cores, {model}; Python {python}; {packages}; run {datetime.now(UTC).date()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="--bt-symbols 50 --bt-pairs 10")
    parser.add_argument("--bt-symbols", type=int, default=500, help="backtrader's instruments in momentum")
    parser.add_argument("--bt-pairs", type=int, default=100, help="backtrader's pairs in the sweep")
    parser.add_argument("--only", default="sma,momentum,sweep", help="comma-separated workloads")
    args = parser.parse_args()
    if args.quick:
        args.bt_symbols, args.bt_pairs = min(args.bt_symbols, 50), min(args.bt_pairs, 10)
    warnings.simplefilter("ignore")
    wanted = args.only.split(",")
    print(machine(), flush=True)
    rows: list[Row] = []
    if "sma" in wanted:
        rows += sma_rows(args.repeat)
        print(table(rows), flush=True)
    if "momentum" in wanted:
        rows += momentum_rows(args.repeat, args.bt_symbols)
        print(table(rows), flush=True)
    if "sweep" in wanted:
        rows += sweep_rows(args.repeat, args.bt_pairs)
    print()
    print(table(rows))


if __name__ == "__main__":
    main()
