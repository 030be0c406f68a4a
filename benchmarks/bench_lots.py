"""Throughput and memory of ``tradegame tax lots``, and of ``LotBook`` booking alone.

Run as a script (not collected by pytest)::

    .venv/bin/python benchmarks/bench_lots.py [--sizes 200000:200:15,1000000:1000:60] [--keep DIR]
        [--wash both|on|off] [--output both|table|json]
    .venv/bin/python benchmarks/bench_lots.py --book [--fills N] [--instruments M] [--wash-sales]

Command mode (the default) writes a trade file in the README's format for each size (seeded,
see ``write_trade_file``: 3 accounts, one year) and runs ``tradegame tax lots`` on it in a child
process, table and ``--json``, with wash sales on and off. It prints the wall time, the child's
CPU time (user + system: less sensitive to other load on the machine), rows (trades) per second
of wall time, the child's peak resident set (``ru_maxrss`` from ``wait4``) and the output size,
against the targets of issue 15 (200,000 trades in 15 s, 1,000,000 in 60 s, under 2 GiB).

``--book`` mode books pre-built fills into one FIFO ``LotBook`` (``generate_fills``), built in
full before the clock starts so the timing covers ``LotBook.buy`` / ``LotBook.sell`` only, and
reports the process peak RSS and, in a second untimed pass, the peak of Python allocations
(``tracemalloc``; ``--no-tracemalloc`` skips it).

Imports only the standard library and ``tradegame.domain`` (the command runs in a child).
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple

from tradegame.domain.instruments import LotMethod
from tradegame.domain.lots import LotBook

ACCOUNT = "bench"
FIRST_DAY = date(2005, 1, 3)
YEARS = 20
BUY_SHARE = 0.55
MAX_BUY_QUANTITY = 100
MIB = 1024 * 1024


class Fill(NamedTuple):
    """One pre-built fill: everything ``LotBook`` needs, already as book types."""

    on: date
    symbol: str
    is_buy: bool
    quantity: Decimal
    price: Decimal


class BenchResult(NamedTuple):
    """What one booking pass produced and how long it took."""

    book: LotBook
    seconds: float
    disposals: int


def generate_fills(n_fills: int, n_instruments: int, seed: int = 20240101) -> list[Fill]:
    """``n_fills`` fills over ``n_instruments`` symbols, the same for the same arguments.

    Each symbol's price is a random walk in whole cents. Equal quantities, prices and dates
    share one object, as a feed parser with small caches would produce, so the inputs stay
    small next to the book itself.
    """
    if n_fills < 1 or n_instruments < 1:
        raise ValueError("need at least one fill and one instrument")
    rng = random.Random(seed)
    symbols = [f"S{i:04d}" for i in range(n_instruments)]
    price_cents = [rng.randint(500, 50_000) for _ in symbols]
    holdings = [0] * n_instruments
    held_symbols: list[int] = []  # indexes of symbols with a holding, for O(1) picks
    held_at: dict[int, int] = {}  # symbol index -> its position in held_symbols
    quantities = [Decimal(q) for q in range(MAX_BUY_QUANTITY + 1)]
    prices: dict[int, Decimal] = {}
    days = YEARS * 365 + YEARS // 4
    dates = [FIRST_DAY + timedelta(days=d) for d in range(days)]
    fills: list[Fill] = []
    for i in range(n_fills):
        on = dates[i * days // n_fills]
        if held_symbols and rng.random() >= BUY_SHARE:
            index = held_symbols[rng.randrange(len(held_symbols))]
            quantity = rng.randint(1, min(holdings[index], MAX_BUY_QUANTITY))
            holdings[index] -= quantity
            if not holdings[index]:
                # Swap-remove the symbol from the held list.
                last = held_symbols.pop()
                if last != index:
                    slot = held_at[index]
                    held_symbols[slot] = last
                    held_at[last] = slot
                del held_at[index]
            is_buy = False
        else:
            index = rng.randrange(n_instruments)
            quantity = rng.randint(1, MAX_BUY_QUANTITY)
            if not holdings[index]:
                held_at[index] = len(held_symbols)
                held_symbols.append(index)
            holdings[index] += quantity
            is_buy = True
        cents = max(1, price_cents[index] + rng.randint(-50, 50))
        price_cents[index] = cents
        price = prices.get(cents)
        if price is None:
            price = prices[cents] = Decimal(cents).scaleb(-2)
        fills.append(Fill(on, symbols[index], is_buy, quantities[quantity], price))
    return fills


def write_trade_file(
    path: Path,
    n_trades: int,
    n_symbols: int,
    n_accounts: int = 3,
    days: int = 365,
    seed: int = 20240101,
) -> None:
    """Write a trade file in the README's format: the same for the same arguments.

    Shaped like ``generate_fills`` but over accounts too: about 55% buys of 1-100 units of a
    random (account, symbol); a sell picks a held (account, symbol) and sells up to 100 of what
    it holds; each symbol's price is a random walk in whole cents (the same in every account);
    a fee of 1.00 on about one trade in five (never above the trade's value); dates rise evenly
    over ``days`` days; the accounts are traded by two Games (alpha: the 1st and 3rd). Securities only, so wash sales
    apply everywhere: an active trader's worst case.
    """
    rng = random.Random(seed)
    symbols = [f"S{i:04d}" for i in range(n_symbols)]
    accounts = [f"ACC{i}" for i in range(n_accounts)]
    games = ("alpha", "beta")
    price_cents = [rng.randint(500, 50_000) for _ in symbols]
    holdings: dict[tuple[int, int], int] = {}
    held_keys: list[tuple[int, int]] = []  # keys with a holding, for O(1) picks
    held_at: dict[tuple[int, int], int] = {}  # key -> its position in held_keys
    first_day = date(2024, 1, 2)
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("date,account,symbol,side,quantity,price,fee,asset_class,lot_id,lots,game,swap_id\n")
        for i in range(n_trades):
            on = first_day + timedelta(days=i * days // n_trades)
            if held_keys and rng.random() >= BUY_SHARE:
                key = held_keys[rng.randrange(len(held_keys))]
                quantity = rng.randint(1, min(holdings[key], MAX_BUY_QUANTITY))
                holdings[key] -= quantity
                if not holdings[key]:  # swap-remove the key from the held list
                    last = held_keys.pop()
                    if last != key:
                        held_keys[held_at[key]] = last
                        held_at[last] = held_at[key]
                    del held_at[key]
                side = "sell"
            else:
                key = (rng.randrange(n_accounts), rng.randrange(n_symbols))
                quantity = rng.randint(1, MAX_BUY_QUANTITY)
                if not holdings.get(key):
                    held_at[key] = len(held_keys)
                    held_keys.append(key)
                    holdings[key] = 0
                holdings[key] += quantity
                side = "buy"
            cents = max(1, price_cents[key[1]] + rng.randint(-50, 50))
            price_cents[key[1]] = cents
            fee = "1.00" if rng.random() < 0.2 and quantity * cents >= 100 else "0"
            game = games[key[0] % 2]  # a Game per account, so each Game's own books balance
            out.write(
                f"{on.isoformat()},{accounts[key[0]]},{symbols[key[1]]},{side},{quantity},"
                f"{cents // 100}.{cents % 100:02d},{fee},security,,,{game},\n"
            )


def book_fills(fills: Sequence[Fill], *, wash_sales: bool = False) -> BenchResult:
    """Book every fill in a fresh FIFO ``LotBook``; time the booking loop only."""
    book = LotBook(method=LotMethod.FIFO, wash_sales=wash_sales)
    buy, sell = book.buy, book.sell
    gc.collect()
    gc.freeze()  # the pre-built inputs are not the booking's work: keep them out of the collector's scans
    started = time.perf_counter()
    for on, symbol, is_buy, quantity, price in fills:
        if is_buy:
            buy(account=ACCOUNT, symbol=symbol, quantity=quantity, price=price, on=on)
        else:
            sell(account=ACCOUNT, symbol=symbol, quantity=quantity, price=price, on=on)
    seconds = time.perf_counter() - started
    return BenchResult(book, seconds, len(book.disposals))


def peak_rss_mib() -> float:
    """The process's peak resident set so far (Linux reports ``ru_maxrss`` in KiB)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 if sys.platform != "darwin" else peak / MIB


def traced_peak_mib(fills: Sequence[Fill], *, wash_sales: bool) -> float:
    """Peak of Python allocations while booking ``fills`` again under ``tracemalloc``."""
    gc.collect()
    gc.freeze()  # the pre-built inputs are not the booking's work: keep them out of the collector's scans
    tracemalloc.start()
    try:
        book_fills(fills, wash_sales=wash_sales)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / MIB


class CommandRun(NamedTuple):
    """One ``tradegame tax lots`` run in a child process."""

    seconds: float
    cpu_seconds: float
    peak_rss_mib: float
    output_mib: float


def run_command(trade_file: Path, *, as_json: bool, wash_sales: bool) -> CommandRun:
    """Run ``tradegame tax lots`` on ``trade_file`` in a child; time it and read its peak RSS.

    The output goes to a temporary file (its size is reported), as a user would redirect it.
    """
    command = [sys.executable, "-m", "tradegame", "tax", "lots", str(trade_file)]
    command += ["--json"] if as_json else []
    command += [] if wash_sales else ["--no-wash-sales"]
    with tempfile.TemporaryFile() as output:
        started = time.perf_counter()
        child = subprocess.Popen(command, stdout=output, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        error = child.stderr.read().decode() if child.stderr is not None else ""
        if child.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed ({child.returncode}): {error}")
        size = output.seek(0, os.SEEK_END)
    rss = usage.ru_maxrss / 1024 if sys.platform != "darwin" else usage.ru_maxrss / MIB
    return CommandRun(seconds, usage.ru_utime + usage.ru_stime, rss, size / MIB)


def command_bench(
    sizes: Sequence[tuple[int, int, float]],
    accounts: int,
    seed: int,
    folder: Path,
    washes: Sequence[bool] = (True, False),
    outputs: Sequence[bool] = (False, True),
) -> None:
    """Write each trade file and print the command's time and memory, table and JSON, wash on and off.

    ``washes`` (wash sales on, off) and ``outputs`` (JSON or not) choose the runs.
    """
    print(f"{'trades':>9} {'symbols':>7} {'wash':>4} {'output':>6} {'seconds':>8} {'cpu s':>7} {'rows/s':>8} "
          f"{'peak RSS':>10} {'output':>10}  target (wall time)")  # fmt: skip
    for n_trades, n_symbols, limit in sizes:
        trade_file = folder / f"trades-{n_trades}-{n_symbols}.csv"
        started = time.perf_counter()
        write_trade_file(trade_file, n_trades, n_symbols, accounts, seed=seed)
        print(f"# {trade_file.name}: {n_trades:,} trades, {n_symbols:,} symbols, {accounts} accounts, one year, "
              f"written in {time.perf_counter() - started:.1f} s")  # fmt: skip
        for wash_sales in washes:
            for as_json in outputs:
                run = run_command(trade_file, as_json=as_json, wash_sales=wash_sales)
                met = run.seconds < limit and run.peak_rss_mib < 2048
                print(
                    f"{n_trades:>9,} {n_symbols:>7,} {'on' if wash_sales else 'off':>4} "
                    f"{'json' if as_json else 'table':>6} {run.seconds:>8.2f} {run.cpu_seconds:>7.2f} "
                    f"{n_trades / run.seconds:>8,.0f} "
                    f"{run.peak_rss_mib:>6,.0f} MiB {run.output_mib:>6,.0f} MiB  "
                    f"< {limit:.0f} s, < 2 GiB: {'met' if met else 'MISSED'}",
                    flush=True,
                )


def _sizes(text: str) -> list[tuple[int, int, float]]:
    sizes = []
    for item in text.split(","):
        trades, symbols, limit = item.split(":")
        sizes.append((int(trades), int(symbols), float(limit)))
    return sizes


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--book", action="store_true", help="time LotBook booking of fills instead of the command")
    parser.add_argument(
        "--sizes",
        default="200000:200:15,1000000:1000:60",
        help="command mode: trades:symbols:seconds-target items (default 200000:200:15,1000000:1000:60)",
    )
    parser.add_argument("--accounts", type=int, default=3, help="command mode: accounts (default 3)")
    parser.add_argument("--keep", type=Path, help="command mode: write the trade files into this folder")
    parser.add_argument("--wash", choices=("both", "on", "off"), default="both", help="command mode: wash sales")
    parser.add_argument("--output", choices=("both", "table", "json"), default="both", help="command mode: output")
    parser.add_argument("--fills", type=int, default=1_000_000, help="--book: number of fills (default 1,000,000)")
    parser.add_argument("--instruments", type=int, default=1_000, help="--book: number of symbols (default 1,000)")
    parser.add_argument("--wash-sales", action="store_true", help="--book: apply the wash-sale rule (off by default)")
    parser.add_argument("--seed", type=int, default=20240101, help="generator seed")
    parser.add_argument("--no-tracemalloc", action="store_true", help="--book: skip the traced second pass")
    args = parser.parse_args(argv)
    if not args.book:
        washes = {"both": (True, False), "on": (True,), "off": (False,)}[args.wash]
        outputs = {"both": (False, True), "table": (False,), "json": (True,)}[args.output]
        if args.keep is not None:
            args.keep.mkdir(parents=True, exist_ok=True)
            command_bench(_sizes(args.sizes), args.accounts, args.seed, args.keep, washes, outputs)
        else:
            with tempfile.TemporaryDirectory() as folder:
                command_bench(_sizes(args.sizes), args.accounts, args.seed, Path(folder), washes, outputs)
        return 0

    started = time.perf_counter()
    fills = generate_fills(args.fills, args.instruments, args.seed)
    buys = sum(fill.is_buy for fill in fills)
    print(
        f"inputs: {len(fills):,} fills ({buys / len(fills):.1%} buys) over {args.instruments:,} instruments, "
        f"{fills[0].on} to {fills[-1].on}, built in {time.perf_counter() - started:.1f} s"
    )
    print(f"book: FIFO, wash sales {'on' if args.wash_sales else 'off'}")

    result = book_fills(fills, wash_sales=args.wash_sales)
    rss = peak_rss_mib()
    print(f"booked in {result.seconds:.2f} s: {len(fills) / result.seconds:,.0f} fills/s")
    print(f"disposals: {result.disposals:,}; open lots: {len(result.book.open_lots()):,}")
    print(f"peak RSS (ru_maxrss, whole process): {rss:,.1f} MiB")
    del result
    if not args.no_tracemalloc:
        traced = traced_peak_mib(fills, wash_sales=args.wash_sales)
        print(f"peak Python allocations while booking (tracemalloc): {traced:,.1f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
