"""tradegame against backtesting.py, backtrader and vectorbt: the Games of issue 15, timed in one run.

Every row times the same Game on every side, through the adapters of ``tests/oracle/peers_kit.py``
(the ones the oracle tests check trade by trade). Before any ratio is printed the script asserts
that each peer made tradegame's trades and ended on its final value; a peer that does not stops
the run (``AssertionError``). Each (workload, side) runs once to warm up (imports, numba's
compiled cache, calendars), then ``--repeat`` times (default 5); the sides a ratio compares
take their timed runs in turn (tradegame, then each peer, ``--repeat`` times over), so a slow
spell of the machine falls on all of them alike. The table shows the **best** of those runs (the
run least disturbed by other work on a shared machine), the ratio peer /
tradegame (above 1: tradegame is faster) and the peak of Python
allocations of one more, untimed run (tracemalloc; numba's allocations inside vectorbt are not
seen). The last lines say, per target of issue 15, met or not met, with the figure.

Workloads:

* ``sma 10/30``: an SMA 10/30 crossover on 20 years of daily S&P 500 (arch-sp500, 1999-2018,
  prices in cents), all the cash in whole units, decided at the close, filled at the next open:
  88 trades. Without a fee, and with a 0.1% fee. With the fee, tradegame charges each fill's fee
  rounded to the cent; backtesting.py and backtrader are given the same fee through their own
  options (a ``commission`` callable, a ``CommInfoBase``), so their books equal ours to the cent.
  vectorbt's ``from_signals`` has no such option: it charges the unrounded ``0.1% x value``, so
  its final value is asserted equal to ours plus the sum, over the fills, of (our fee rounded to
  the cent - the exact fee), to within 1e-6 (its float arithmetic).
* ``sweep 100 SMA pairs``: fast 5..50 step 5 x slow 60..240 step 20 on the same series, no fee.
  tradegame's ``sweep`` (exact fills and Score per column; ``tests/oracle/test_peers_sweep.py``
  checks every column against its own Game); vectorbt all pairs as columns of one
  ``from_signals`` (with its ``MA``); "tradegame, 100 Games", backtesting.py and backtrader play
  the pairs one by one. All 100 final values asserted equal to the cent.
* ``momentum 500 x 20y``: a monthly rotation into the 20 best 252-day returns of 500 generated
  instruments (``bench_data.daily_bars``, seed 7), next-open fills, 0.05% fee, $10,000,000.
  tradegame plays ``MomentumRotation`` (deciding, sizing and booking). vectorbt rounds a target
  percent to whole units its own way (see ``test_peers_rebalance.py``), so its own rotation
  trades other quantities; here it is given tradegame's orders instead: ``from_orders`` with
  the units of every fill as amounts, at its fill price, with its fee as ``fixed_fees``, sells
  first in a bar. That is fair to vectorbt (it does the bookkeeping of the same orders, none of
  the deciding or the sizing, and its arrays are built outside the timing), and its books then
  equal ours: the order count equal, the final value to the cent (float arithmetic). backtrader
  trades its own ``order_target_percent`` rounding: timed, not compared (no ratio).
* ``first Game, fresh process``: a new Python process that imports tradegame, reads the
  bundled data and plays ``examples/games/sma-2008.toml``: ``python -c "import tradegame as tg;
  tg.play(tg.load_game(...))"``, and ``tradegame play`` of the same file (``python -m
  tradegame``, which also records the Game in a SQLite database). Both with a temporary
  ``HOME`` and data store, filled by the warm-up run (the bundled dataset is stored once, with
  its arrays and the calendar's sessions; see data/table_cache.py). The warm-up also compiles
  tradegame's bytecode (into the temporary folder, whatever ``PYTHONDONTWRITEBYTECODE`` says), as
  installing the package does: otherwise every run would compile tradegame's sources again.

``--bt-symbols`` and ``--bt-pairs`` cap backtrader's share of the momentum and sweep workloads,
``--loop-pairs`` the pairs played one by one by backtesting.py and "tradegame, 100 Games" (a
capped row is measured on the subset and scaled linearly, marked ``~``); ``--quick`` =
``--bt-symbols 50 --bt-pairs 10 --loop-pairs 20``. Peak MiB is measured on the uncapped rows of
a single run (not on the rows that loop over pairs, where it says little and costs minutes).

    .venv/bin/python benchmarks/peers.py [--repeat 5] [--quick] [--only sma,sweep,momentum,fresh]
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pandas as pd

os.environ.setdefault("TQDM_DISABLE", "1")  # backtesting.py's progress bars would bury the table
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.oracle import peers_kit as kit

from bench_data import daily_bars
from tradegame.data.panel import Panel
from tradegame.domain.money import USD
from tradegame.engine.costs import PercentOfNotional
from tradegame.engine.game import GameResult, play
from tradegame.engine.spec import AccountSpec, DataSpec, GameSpec
from tradegame.engine.universe import Universe
from tradegame.models.momentum import MomentumRotation

ROOT = Path(__file__).resolve().parents[1]
PAIRS = kit.SWEEP_PAIRS
SMA_FEE = Decimal("0.001")
MOMENTUM_FEE = Decimal("0.0005")
EXAMPLE = ROOT / "examples" / "games" / "sma-2008.toml"
CENT = Decimal("0.005")  # equal to the cent: closer than half a cent


@dataclass
class Row:
    workload: str
    peer: str
    runs: int
    seconds: float
    peak_mib: float
    note: str = ""
    scale: float = 1.0  # measured on a subset: seconds are multiplied by this
    compared: bool = True  # the same trades as tradegame's, asserted: a ratio is printed


@dataclass
class Timing:
    best: float
    median: float
    peak_mib: float
    output: Any


def measure(run: Callable[[], Any], repeat: int, *, trace: bool = True) -> Timing:
    """Best and median seconds of ``repeat`` runs after one warm-up, peak MiB of one traced run."""
    return measure_all({"run": run}, repeat, traced=("run",) if trace else ())["run"]


def measure_all(runs: dict[str, Callable[[], Any]], repeat: int, *, traced: Sequence[str] = ()) -> dict[str, Timing]:
    """``measure`` for sides compared with each other: each warmed up once, then their timed runs
    taken in turn (one of each, ``repeat`` times over), so a slow spell of the machine falls on
    every side alike rather than on whichever was being timed; peak MiB of one more run of each
    side named in ``traced``."""
    outputs = {name: run() for name, run in runs.items()}
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(repeat):
        for name, run in runs.items():
            gc.collect()
            started = time.perf_counter()
            outputs[name] = run()
            times[name].append(time.perf_counter() - started)
    timings = {}
    for name, run in runs.items():
        peak = float("nan")
        if name in traced:
            gc.collect()
            tracemalloc.start()
            run()
            peak = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
        timings[name] = Timing(min(times[name]), statistics.median(times[name]), peak, outputs[name])
    return timings


# -- sma 10/30, with and without a fee --------------------------------------------------------------


def sma_setup(fast: int, slow: int, rate: Decimal = Decimal(0)) -> kit.SmaSetup:
    bars = kit.cent_bars("arch-sp500")
    return kit.SmaSetup(bars, "SPX", fast, slow, "next_open", rate, round_fees=bool(rate))


def check_sma(ours: kit.PeerRun, theirs: kit.PeerRun, rate: Decimal) -> str:
    """Assert ``theirs`` made our trades and ended on our final value (see the module); its note."""
    trips = ours.trips()
    assert theirs.trips() == trips, f"{theirs.name}: other trades than tradegame's"
    final = theirs.final_equity
    if rate and theirs.name == "vectorbt":  # unrounded fees: add back what our rounding charged
        rounding = sum((f.fee - f.size * f.price * rate for f in ours.fills), Decimal(0))
        assert abs(final - rounding - ours.final_equity) < Decimal("0.000001"), f"vectorbt: {final}"
        return f"{len(trips)} trades, final {final:,.2f}: ours + fee rounding {rounding:.5f}"
    assert abs(final - ours.final_equity) < CENT, f"{theirs.name}: final {final} vs {ours.final_equity}"
    return f"{len(trips)} trades, final {final:,.2f}"


def sma_rows(repeat: int, rate: Decimal) -> list[Row]:
    setup = sma_setup(10, 30, rate)
    universe = kit.universe_of(setup.bars)
    runners: dict[str, Callable[[], kit.PeerRun]] = {
        "tradegame": lambda: kit.tradegame_sma(setup, universe),
        "backtesting.py": lambda: kit.backtesting_sma(setup),
        "backtrader": lambda: kit.backtrader_sma(setup),
        "vectorbt": lambda: kit.vectorbt_sma(setup),
    }
    workload = f"sma 10/30, SPX 20y, {'0.1% fee' if rate else 'no fee'}"
    timings = measure_all(runners, repeat, traced=tuple(runners))
    ours = timings["tradegame"].output
    rows = []
    for name, timing in timings.items():
        note = check_sma(ours, timing.output, rate)
        rows.append(Row(workload, name, repeat, timing.best, timing.peak_mib, note))
    return rows


# -- the sweep of 100 pairs ---------------------------------------------------------------------------


def sweep_rows(repeat: int, bt_pairs: int, loop_pairs: int) -> list[Row]:
    base = sma_setup(*PAIRS[0])
    universe = kit.universe_of(base.bars)
    setups = [sma_setup(fast, slow) for fast, slow in PAIRS]

    def loop(runner: Callable[[kit.SmaSetup], kit.PeerRun], count: int) -> Callable[[], list[Decimal]]:
        return lambda: [runner(setup).final_equity for setup in setups[:count]]

    def swept() -> list[Decimal]:
        return [column.score.final_value for column in kit.tradegame_sweep(base, PAIRS, universe).columns]

    runners: list[tuple[str, Callable[[], Any], int]] = [
        ("tradegame", swept, len(PAIRS)),
        ("vectorbt", lambda: kit.vectorbt_sweep(base, PAIRS), len(PAIRS)),
        ("tradegame, 100 Games", loop(lambda s: kit.tradegame_sma(s, universe), loop_pairs), loop_pairs),
        ("backtesting.py", loop(kit.backtesting_sma, loop_pairs), loop_pairs),
        ("backtrader", loop(kit.backtrader_sma, bt_pairs), bt_pairs),
    ]
    rows: list[Row] = []
    reference: list[Decimal] = []
    compared = ("tradegame", "vectorbt")  # the ratio the issue sets: timed in turn (``measure_all``)
    timings = measure_all({name: run for name, run, _ in runners if name in compared}, repeat, traced=compared)
    for name, run, pairs in runners:
        scale = len(PAIRS) / pairs
        timing = timings[name] if name in timings else measure(run, repeat, trace=False)
        finals = [Decimal(repr(round(float(v), 2))) for v in timing.output]
        reference = reference or finals
        unequal = [PAIRS[i] for i, (a, b) in enumerate(zip(finals, reference, strict=False)) if abs(a - b) >= CENT]
        assert not unequal, f"{name}: final values differ from tradegame's for pairs {unequal}"
        note = f"{len(finals)}/{len(finals)} final values equal tradegame's"
        if scale != 1:
            note += f"; measured on {pairs} pairs, time x{scale:g}"
        seconds = timing.best * scale
        rows.append(Row("sweep 100 SMA pairs, SPX 20y", name, repeat, seconds, timing.peak_mib, note, scale))
    return rows


# -- momentum rotation over 500 instruments -------------------------------------------------------


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


def backtrader_momentum(wide: dict[str, pd.DataFrame], symbols: list[str]) -> float:
    """backtrader's own rotation: ``order_target_percent`` (its own rounding, so not our trades)."""
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
    workload = f"momentum {symbols} x 20y"

    def ours() -> GameResult:
        return play(spec, universe, MomentumRotation(top_n=20, lookback=252))

    result: GameResult = ours()
    fills = kit.fills_of(result)
    orders = kit.order_arrays(fills, wide["close"])
    timings = measure_all(
        {"tradegame": ours, "vectorbt": lambda: kit.vectorbt_books(orders, spec.start_fund)},
        repeat,
        traced=("tradegame", "vectorbt"),
    )
    timing = timings["tradegame"]
    assert kit.fills_of(timing.output) == fills, "tradegame: another Game than its first"
    rows = [Row(workload, "tradegame", repeat, timing.best, timing.peak_mib, f"{len(fills):,} fills, final "
                f"{result.score.final_value:,.2f}")]  # fmt: skip
    timing = timings["vectorbt"]
    count, final = timing.output
    assert count == len(fills), f"vectorbt filled {count} of our {len(fills)} orders"
    assert abs(Decimal(repr(final)) - result.score.final_value) < CENT, f"vectorbt: final {final}"
    note = f"our {count:,} orders as amounts (from_orders), final {final:,.2f}"
    rows.append(Row(workload, "vectorbt", repeat, timing.best, timing.peak_mib, note))
    names = list(wide["close"].columns)[:bt_symbols]
    timing = measure(lambda: backtrader_momentum(wide, names), repeat, trace=False)
    scale = symbols / bt_symbols
    note = "its own target rounding: not our trades, no ratio; " + (
        f"final {timing.output:,.0f}" if scale == 1 else f"{bt_symbols} of {symbols} instruments, time x{scale:g}"
    )
    rows.append(Row(workload, "backtrader", repeat, timing.best * scale, float("nan"), note, scale, compared=False))
    rows.append(Row(workload, "backtesting.py", 0, float("nan"), float("nan"), "one instrument only", compared=False))
    return rows


# -- a first Game in a fresh process -----------------------------------------------------------------

FRESH_API = (
    "import tradegame as tg; "
    f"result = tg.play(tg.load_game({str(EXAMPLE)!r})); "
    "print(result.outcome, result.score.final_value)"
)


def fresh_rows(repeat: int) -> list[Row]:
    """Wall time of a new process playing the example, best of ``repeat`` after one warm-up."""
    commands = {
        "tradegame, python -c tg.play": [sys.executable, "-c", FRESH_API],
        "tradegame, tradegame play": [sys.executable, "-m", "tradegame", "play", str(EXAMPLE)],
    }
    rows = []
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "HOME": home, "TRADEGAME_DATA": str(Path(home) / "data"),
               "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]),
               "PYTHONPYCACHEPREFIX": str(Path(home) / "bytecode")}  # fmt: skip
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        for name, command in commands.items():
            outputs: list[str] = []
            cpu: list[float] = []

            def run(command: list[str] = command, outputs: list[str] = outputs, cpu: list[float] = cpu) -> None:
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                done = subprocess.run(command, env=env, cwd=home, capture_output=True, text=True, check=True)
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
                outputs.append(done.stdout)

            timing = measure(run, repeat, trace=False)
            assert "130214.50" in outputs[-1].replace(",", ""), f"{name}: {outputs[-1][-300:]}"
            note = f"final 130,214.50; median {timing.median:.3f} s; CPU (user + system) best {min(cpu[1:]):.3f} s"
            rows.append(Row("first Game, fresh process", name, repeat, timing.best, float("nan"), note))
    return rows


# -- the table and the targets ------------------------------------------------------------------------


def table(rows: list[Row]) -> str:
    lines = [
        "| workload | peer | runs | best s | peer / tradegame | peak MiB | note |",
        "| --- | --- | ---: | ---: | ---: | ---: | --- |",
    ]
    ours = {row.workload: row.seconds for row in rows if row.peer == "tradegame"}
    for row in rows:
        if row.runs == 0:
            lines.append(f"| {row.workload} | {row.peer} | - | - | - | - | {row.note} |")
            continue
        estimated = "~" if row.scale != 1 else ""
        ratio = f"{estimated}{row.seconds / ours[row.workload]:.2f}" if row.compared and row.workload in ours else "-"
        peak = "-" if row.peak_mib != row.peak_mib else f"{row.peak_mib:.1f}"
        seconds = f"{estimated}{row.seconds:.3f}"
        lines.append(f"| {row.workload} | {row.peer} | {row.runs} | {seconds} | {ratio} | {peak} | {row.note} |")
    return "\n".join(lines)


def targets(rows: list[Row]) -> list[str]:
    """One line per target of issue 15 item 2: met or not met, with the figure."""
    seconds = {(row.workload, row.peer): row.seconds for row in rows}
    lines = []
    for workload, peer, wanted in (
        ("sma 10/30, SPX 20y, no fee", "backtesting.py", 3.0),
        ("sma 10/30, SPX 20y, 0.1% fee", "backtesting.py", 3.0),
        ("sweep 100 SMA pairs, SPX 20y", "vectorbt", 2.0),
        ("momentum 500 x 20y", "vectorbt", 5.0),
    ):
        if (workload, "tradegame") in seconds:
            ours, theirs = seconds[workload, "tradegame"], seconds[workload, peer]
            ratio = theirs / ours
            verdict = "met" if ratio >= wanted else "not met"
            lines.append(
                f"target: {workload}, at least {wanted:g}x faster than {peer}: {verdict} "
                f"({ratio:.2f}x: {ours:.3f} s against {theirs:.3f} s)"
            )
    for name in ("tradegame, python -c tg.play", "tradegame, tradegame play"):
        if ("first Game, fresh process", name) in seconds:
            taken = seconds["first Game, fresh process", name]
            verdict = "met" if taken < 1 else "not met"
            lines.append(f"target: a first Game in a fresh process under 1 s ({name[11:]}): {verdict} ({taken:.3f} s)")
    return lines


def machine() -> str:
    """Cores, CPU model, load, Python and the packages' versions."""
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
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    python = platform.python_version()
    return f"{os.cpu_count()} cores, {model}, load {load}; Python {python}; {packages}; run {datetime.now(UTC)}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5, help="timed runs after the warm-up; the best is shown")
    parser.add_argument("--quick", action="store_true", help="--bt-symbols 50 --bt-pairs 10 --loop-pairs 20")
    parser.add_argument("--bt-symbols", type=int, default=500, help="backtrader's instruments in momentum")
    parser.add_argument("--bt-pairs", type=int, default=100, help="backtrader's pairs in the sweep")
    parser.add_argument("--loop-pairs", type=int, default=100, help="pairs played one by one (backtesting.py, ours)")
    parser.add_argument("--only", default="sma,sweep,momentum,fresh", help="comma-separated workloads")
    args = parser.parse_args()
    if args.quick:
        args.bt_symbols, args.bt_pairs = min(args.bt_symbols, 50), min(args.bt_pairs, 10)
        args.loop_pairs = min(args.loop_pairs, 20)
    warnings.simplefilter("ignore")
    wanted = args.only.split(",")
    print(machine(), flush=True)
    rows: list[Row] = []
    steps: list[tuple[str, Callable[[], list[Row]]]] = [
        ("sma", lambda: sma_rows(args.repeat, Decimal(0)) + sma_rows(args.repeat, SMA_FEE)),
        ("sweep", lambda: sweep_rows(args.repeat, args.bt_pairs, args.loop_pairs)),
        ("momentum", lambda: momentum_rows(args.repeat, args.bt_symbols)),
        ("fresh", lambda: fresh_rows(args.repeat)),
    ]
    for name, step in steps:
        if name in wanted:
            rows += step()
            print(f"\n{table(rows)}", flush=True)
    print()
    print(machine())
    print(table(rows))
    print("\n".join(targets(rows)))


if __name__ == "__main__":
    main()
