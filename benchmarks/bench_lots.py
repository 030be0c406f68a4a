"""Throughput and memory of ``LotBook`` booking on a large synthetic fill stream.

Run as a script (not collected by pytest)::

    .venv/bin/python benchmarks/bench_lots.py [--fills N] [--instruments M] [--wash-sales]

The fills are generated deterministically from a seed with ``random.Random`` and built in full
(``Decimal`` quantities and prices, ``date`` objects) before the clock starts, so the timing
covers ``LotBook.buy`` / ``LotBook.sell`` only. About 55% of the fills are buys; a sell picks an
instrument that is held and never sells more than the holding. Dates rise evenly over about
twenty years. The book is FIFO with wash sales off unless ``--wash-sales`` is given.

Memory is reported two ways: the process peak resident set (``ru_maxrss``, inputs and
interpreter included) read right after the timed pass, and the peak of Python allocations
during booking (``tracemalloc``), measured in a second, untimed pass because tracing slows
allocation down several times. ``--no-tracemalloc`` skips that second pass.

Imports only the standard library and ``tradegame.domain``.
"""

from __future__ import annotations

import argparse
import gc
import random
import resource
import sys
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
    over ``days`` days; every trade belongs to one of two Games. Securities only, so wash sales
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
            game = games[rng.randrange(2)]
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


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fills", type=int, default=1_000_000, help="number of fills (default 1,000,000)")
    parser.add_argument("--instruments", type=int, default=1_000, help="number of symbols (default 1,000)")
    parser.add_argument("--wash-sales", action="store_true", help="apply the wash-sale rule (off by default)")
    parser.add_argument("--seed", type=int, default=20240101, help="generator seed")
    parser.add_argument("--no-tracemalloc", action="store_true", help="skip the traced second pass")
    args = parser.parse_args(argv)

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
