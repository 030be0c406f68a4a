"""Byte-for-byte A/B of ``tradegame tax lots``: this checkout against a reference source tree.

Run as a script (not collected by pytest)::

    .venv/bin/python benchmarks/compare_tax_lots.py --reference /path/to/other/src [--quick] [--keep DIR]

``--reference`` is the ``src`` folder of the code to compare with (for example main's, or
``git archive main src | tar -x -C /tmp/ref`` and ``/tmp/ref/src``). For each generated trade
file (``bench_lots.write_trade_file`` shapes, and ``write_mixed_file``: several years, fractional
quantities, named lots, specific-identification sells, crypto swaps, odd fees, a file out of
date order) the command runs in two child processes, one per source tree, for every lot method,
wash sales on and off, table and ``--json`` (and once with tax rates); stdout, stderr and the
exit code must be the same bytes. Prints one line per case and exits 1 on the first difference
(``--keep`` leaves the inputs and both outputs there).

Imports only the standard library and ``bench_lots`` beside it.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import random
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_lots import write_trade_file  # a script beside this one

HEADER = "date,account,symbol,side,quantity,price,fee,asset_class,lot_id,lots,game,swap_id\n"
METHODS = ("fifo", "lifo", "hifo", "average", "specific")


def write_mixed_file(path: Path, n_trades: int, seed: int, *, out_of_order: bool = False) -> None:
    """A file that uses every column: three years, fractions, named lots, swaps, odd fees.

    Every sell names its lots (so the file books under every method); about one sell in five
    is of a coin, some of them one leg of a swap; ``out_of_order`` moves a late buy
    to the front.
    """
    rng = random.Random(seed)
    accounts = ("IBKR", "Schwab", "Roth")
    stocks = ("AAA", "BBB", "CCC", "DDD")
    coins = ("BTC", "ETH")
    games = ("alpha", "beta", "")
    prices = {s: rng.randint(2_000, 20_000) for s in stocks + coins}
    open_lots: dict[tuple[str, str], dict[str, Decimal]] = {}
    rows: list[str] = []
    day = date(2022, 1, 3)
    step = max(1, 3 * 365 // max(1, n_trades // 3))

    def price(symbol: str) -> str:
        prices[symbol] = max(100, prices[symbol] + rng.randint(-500, 480))
        return f"{Decimal(prices[symbol]) / 100:.2f}"

    def units(coin: bool) -> Decimal:
        return Decimal(rng.randint(1, 4_000)).scaleb(-3) if coin else Decimal(rng.choice((rng.randint(1, 60), 2.5)))

    def sell(account: str, symbol: str, asset: str, swap: str) -> str | None:
        lots = open_lots.get((account, symbol))
        if not lots:
            return None
        picks = []
        for lot in rng.sample(sorted(lots), k=min(len(lots), rng.randint(1, 3))):
            take = lots[lot] if rng.random() < 0.5 else min(lots[lot], units(asset == "crypto"))
            picks.append((lot, take))
            lots[lot] -= take
            if not lots[lot]:
                del lots[lot]
        named = ";".join(f"{lot}:{take}" for lot, take in picks)
        quantity = sum((take for _, take in picks), Decimal(0))
        fee = rng.choice(("0", "1.00", "0.07", "")) if quantity * prices[symbol] >= 1_000 else "0"
        game = rng.choice(games)
        return f"{day},{account},{symbol},sell,{quantity},{price(symbol)},{fee},{asset},,{named},{game},{swap}\n"

    for n in range(n_trades):
        if rng.random() < 0.35:
            day += timedelta(days=rng.randint(1, step))
        account = rng.choice(accounts)
        coin = rng.random() < 0.2
        symbol = rng.choice(coins if coin else stocks)
        asset = "crypto" if coin else rng.choice(("security", "etf", "fund", "equity", "Stock"))
        if coin and rng.random() < 0.3:
            leg = sell(account, symbol, asset, f"X{n}")
            if leg is not None:
                rows.append(leg)
                other = "ETH" if symbol == "BTC" else "BTC"
                open_lots.setdefault((account, other), {})[f"L{n}"] = Decimal("0.5")
                rows.append(f"{day},{account},{other},buy,0.5,{price(other)},0,crypto,L{n},,{rng.choice(games)},X{n}\n")
                continue
        row = sell(account, symbol, asset, "") if rng.random() < 0.45 else None
        if row is not None:
            rows.append(row)
            continue
        quantity = units(coin)
        fee = rng.choice(("0", "1.00", "0.35", "", "2"))
        lot = f"L{n}"
        open_lots.setdefault((account, symbol), {})[lot] = quantity
        rows.append(
            f"{day},{account},{symbol},buy,{quantity},{price(symbol)},{fee},{asset},{lot},,{rng.choice(games)},\n"
        )
    if out_of_order:  # a buy of the last day first: the stream meets an earlier date at once
        last_buy = max(i for i, row in enumerate(rows) if ",buy," in row and row.endswith(",\n"))  # not a swap leg
        rows.insert(0, rows.pop(last_buy))
    path.write_text(HEADER + "".join(rows), encoding="utf-8")


_DRIVER = """
import json, sys
from tradegame.cli import app
for args, out, err in json.load(sys.stdin):
    with open(out, "wb") as stdout, open(err, "wb") as stderr:
        sys.stdout = open(stdout.fileno(), "w", encoding="utf-8", closefd=False)
        sys.stderr = open(stderr.fileno(), "w", encoding="utf-8", closefd=False)
        try:
            app(args, prog_name="tradegame")
        except SystemExit as exit:
            code = exit.code
        sys.stdout.flush()
        sys.stderr.flush()
        stderr.write(f"\\nexit {code}\\n".encode())
"""


def _run_all(src: Path, jobs: Sequence[tuple[list[str], Path, Path]]) -> None:
    """Run every job (command arguments, stdout file, stderr file) in one child with ``src`` first on the path."""
    environment = {**os.environ, "PYTHONPATH": str(src), "COLUMNS": "200"}
    listed = json.dumps([[args, str(out), str(err)] for args, out, err in jobs])
    subprocess.run([sys.executable, "-c", _DRIVER], input=listed.encode(), env=environment, check=True)


def _cases(folder: Path, quick: bool) -> list[tuple[Path, list[list[str]]]]:
    """The trade files and, for each, the option sets to run."""
    every = [
        [*(["--json"] if as_json else []), "--method", method, *([] if wash else ["--no-wash-sales"])]
        for method in METHODS
        for wash in (True, False)
        for as_json in (False, True)
    ]
    common = [options for options in every if options[options.index("--method") + 1] != "specific"]
    files: list[tuple[Path, list[list[str]]]] = []
    for n_trades, n_symbols, seed in ((3_000, 5, 1), (20_000, 40, 2)) if quick else ((3_000, 5, 1), (20_000, 40, 2),
                                                                                  (60_000, 60, 3)):  # fmt: skip
        path = folder / f"bench-{n_trades}-{seed}.csv"
        write_trade_file(path, n_trades, n_symbols, seed=seed)
        files.append((path, common))
    for n_trades, seed, shuffle in ((1_500, 11, False), (4_000, 12, False), (2_500, 13, True)):
        path = folder / f"mixed-{n_trades}-{seed}{'-unsorted' if shuffle else ''}.csv"
        write_mixed_file(path, n_trades, seed, out_of_order=shuffle)
        rates = ["--short-term-rate", "24%", "--long-term-rate", "0.15"]
        files.append((path, [*every, [*every[0], *rates], [*every[1], *rates]]))
    bad = folder / "bad-late-row.csv"
    text = (folder / "mixed-1500-11.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    text.insert(1_200, "2022-13-40,IBKR,AAA,buy,1,1.00,0,security,,,,\n")
    bad.write_text("".join(text), encoding="utf-8")
    files.append((bad, [["--json"], []]))
    return files


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reference", type=Path, required=True, help="the src folder to compare with")
    parser.add_argument("--this", type=Path, help="the src folder to test (default: this checkout's)")
    parser.add_argument("--quick", action="store_true", help="smaller files only")
    parser.add_argument("--keep", type=Path, help="write the inputs and outputs into this folder")
    args = parser.parse_args(argv)
    here = args.this or Path(__file__).resolve().parents[1] / "src"
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        cases = [
            (trade_file, options, index)
            for trade_file, option_sets in _cases(folder, args.quick)
            for index, options in enumerate(option_sets)
        ]
        outputs = {}
        for tag, src in (("this", here), ("reference", args.reference)):
            jobs = []
            for trade_file, options, index in cases:
                stem = f"{trade_file.stem}.{index}.{tag}"
                jobs.append(
                    (["tax", "lots", str(trade_file), *options], folder / f"{stem}.out", folder / f"{stem}.err")
                )
            _run_all(src, jobs)
            outputs[tag] = [(out, err.read_bytes()) for _, out, err in jobs]
        count = 0
        for (trade_file, options, _), mine, theirs in zip(cases, outputs["this"], outputs["reference"], strict=True):
            count += 1
            same = mine[1] == theirs[1] and filecmp.cmp(mine[0], theirs[0], shallow=False)
            print(f"{'same' if same else 'DIFFERENT'}  {trade_file.name} {' '.join(options)}", flush=True)
            if not same:
                print(f"  this: {mine[1][-300:]!r}\n  reference: {theirs[1][-300:]!r}")
                return 1
    print(f"{count} runs, every output the same bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
