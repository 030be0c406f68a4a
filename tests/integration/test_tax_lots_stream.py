"""The streamed ``tax lots`` command against the whole-book path it replaced.

A seeded random trade file (several accounts and Games, named lots, crypto swaps, rows out of
date order in one variant) is booked both ways: the command (``TradeStream`` and the streaming
writers) and the whole-list path (``book_trades``, ``attribute_to_games``, ``build_report``).
The JSON must be byte for byte the same for every lot method, with wash sales on and off; the
table must show every disposal and the same totals.
"""

from __future__ import annotations

import json
import random
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tradegame.cli import app
from tradegame.domain.instruments import LotMethod
from tradegame.domain.tax import TaxProfile
from tradegame.domain.trades import attribute_to_games, book_trades
from tradegame.io.trades_csv import read_trades
from tradegame.reporting.tax_report import build_report

HEADER = "date,account,symbol,side,quantity,price,fee,asset_class,lot_id,lots,game,swap_id\n"


def _write_random_trades(path: Path, n_trades: int, seed: int, *, shuffle_days: bool = False) -> None:
    """Buys and sells over 3 accounts, 6 stocks and 2 coins; every sell names its lots."""
    rng = random.Random(seed)
    accounts = ("IBKR", "Schwab", "Roth")
    stocks = ("AAA", "BBB", "CCC", "DDD", "EEE", "FFF")
    coins = ("BTC", "ETH")
    games = ("alpha", "beta", "gamma", "")
    prices = {s: rng.randint(2_000, 20_000) for s in stocks + coins}
    open_lots: dict[tuple[str, str], dict[str, int]] = {}  # (account, symbol) -> lot id -> units
    rows: list[str] = []
    day = date(2023, 1, 2)
    swaps = 0

    def price(symbol: str) -> str:
        prices[symbol] = max(100, prices[symbol] + rng.randint(-400, 400))
        return f"{Decimal(prices[symbol]) / 100:.2f}"

    def sell(account: str, symbol: str, asset: str, swap: str) -> str | None:
        lots = open_lots.get((account, symbol))
        if not lots:
            return None
        names = rng.sample(sorted(lots), k=min(len(lots), rng.randint(1, 3)))
        picks = [(lot, rng.randint(1, lots[lot])) for lot in names]
        for lot, units in picks:
            lots[lot] -= units
            if not lots[lot]:
                del lots[lot]
        named = ";".join(f"{lot}:{units}" for lot, units in picks)
        quantity = sum(units for _, units in picks)
        fee = "1.00" if rng.random() < 0.3 and quantity * prices[symbol] >= 100 else "0"
        return f"{day},{account},{symbol},sell,{quantity},{price(symbol)},{fee},{asset},,{named},{rng.choice(games)},{swap}\n"

    for n in range(n_trades):
        if rng.random() < 0.3:
            day += timedelta(days=rng.randint(1, 12))
        account = rng.choice(accounts)
        crypto = rng.random() < 0.1
        symbol = rng.choice(coins if crypto else stocks)
        asset = "crypto" if crypto else rng.choice(("security", "etf"))
        if crypto and rng.random() < 0.3:  # a swap: sell one coin, buy the other
            swap = f"X{swaps}"
            leg = sell(account, symbol, asset, swap)
            if leg is not None:
                swaps += 1
                rows.append(leg)
                symbol = "ETH" if symbol == "BTC" else "BTC"
                lot = f"L{n}"
                open_lots.setdefault((account, symbol), {})[lot] = 5
                rows.append(
                    f"{day},{account},{symbol},buy,5,{price(symbol)},0,crypto,{lot},,{rng.choice(games)},{swap}\n"
                )
                continue
        row = sell(account, symbol, asset, "") if rng.random() < 0.45 else None
        if row is None:
            units = rng.randint(1, 60)
            lot = f"L{n}" if rng.random() < 0.7 else ""
            fee = rng.choice(("0", "1.00", "0.35"))
            rows.append(
                f"{day},{account},{symbol},buy,{units},{price(symbol)},{fee},{asset},{lot},,{rng.choice(games)},\n"
            )
            if not lot:
                continue  # an automatic id: never named by a later specific sale
            open_lots.setdefault((account, symbol), {})[lot] = units
        else:
            rows.append(row)
    if shuffle_days:  # whole days moved around: the file is out of date order, each day intact
        by_day: dict[str, list[str]] = {}
        for row in rows:
            by_day.setdefault(row[:10], []).append(row)
        days = list(by_day.values())
        rng.shuffle(days)
        rows = [row for rows_of_day in days for row in rows_of_day]
    path.write_text(HEADER + "".join(rows), encoding="utf-8")


def _whole_book_json(path: Path, method: LotMethod, wash_sales: bool, profile: TaxProfile | None) -> str:
    trades = read_trades(path).trades
    book = book_trades(trades, method, wash_sales=wash_sales)
    games = attribute_to_games(trades, book.disposals, method)
    return json.dumps(build_report(book, method, games, profile), indent=2) + "\n"


def _command(path: Path, *options: str) -> str:
    result = CliRunner().invoke(app, ["tax", "lots", str(path), *options])
    assert result.exit_code == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize("wash_sales", [True, False], ids=["wash", "no-wash"])
@pytest.mark.parametrize("method", list(LotMethod), ids=[m.value for m in LotMethod])
def test_streamed_json_is_byte_for_byte_the_whole_book_report(
    tmp_path: Path, method: LotMethod, wash_sales: bool
) -> None:
    path = tmp_path / "trades.csv"
    _write_random_trades(path, 3_000, seed=15 + list(LotMethod).index(method))
    options = ["--json", "--method", method.value] + ([] if wash_sales else ["--no-wash-sales"])
    streamed = _command(path, *options)
    expected = _whole_book_json(path, method, wash_sales, None)
    assert streamed == expected
    report = json.loads(streamed)
    assert len(report["disposals"]) > 1_000 and len(report["games"]) == 3
    if wash_sales:
        assert any(d["adjustment_code"] == "W" for d in report["disposals"])


def test_a_file_out_of_date_order_and_tax_rates_give_the_same_report(tmp_path: Path) -> None:
    path = tmp_path / "trades.csv"
    _write_random_trades(path, 2_000, seed=7, shuffle_days=True)
    streamed = _command(path, "--json", "--short-term-rate", "32%", "--long-term-rate", "15%")
    assert streamed == _whole_book_json(path, LotMethod.FIFO, True, TaxProfile.flat("0.32", "0.15"))


def test_a_sale_listed_before_its_purchase_is_booked_in_date_order(tmp_path: Path) -> None:
    """The stream meets the sale first (nothing held yet): the file is out of date order, not wrong."""
    path = tmp_path / "trades.csv"
    path.write_text(
        "date,account,symbol,side,quantity,price,fee,asset_class\n"
        "2022-03-01,IB,AAPL,sell,10,150,0,security\n"
        "2022-01-03,IB,AAPL,buy,10,100,0,security\n",
        encoding="utf-8",
    )
    streamed = _command(path, "--json")
    assert streamed == _whole_book_json(path, LotMethod.FIFO, True, None)
    assert [d["gain"] for d in json.loads(streamed)["disposals"]] == ["500.00"]


def test_a_sale_of_more_than_held_in_a_sorted_file_is_still_refused(tmp_path: Path) -> None:
    path = tmp_path / "trades.csv"
    path.write_text(
        "date,account,symbol,side,quantity,price,fee,asset_class\n"
        "2022-01-03,IB,AAPL,buy,10,100,0,security\n"
        "2022-03-01,IB,AAPL,sell,11,150,0,security\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["tax", "lots", str(path)])
    assert result.exit_code == 2
    assert "selling 11 AAPL but account IB holds 10" in result.stderr
    assert result.stdout == ""


def test_the_table_shows_every_disposal_and_the_same_totals(tmp_path: Path) -> None:
    path = tmp_path / "trades.csv"
    _write_random_trades(path, 2_000, seed=3)
    report = json.loads(_command(path, "--json", "--method", "hifo"))
    table = _command(path, "--method", "hifo")
    lines = table.splitlines()
    sold = [
        line for line in lines if line[:1].isalpha() and " 20" in line and line.split()[0] in {"IBKR", "Schwab", "Roth"}
    ]
    assert len(sold) == len(report["disposals"]) + len(report["open_lots"])
    for year, totals in report["totals_by_tax_year"].items():
        row = next(line for line in lines if line.startswith(f"{year}  "))
        assert row.split()[1:] == [totals[key] for key in
                                   ("short_term_gain", "long_term_gain", "wash_sale_disallowed", "proceeds", "cost_basis")]  # fmt: skip
    assert table.count("Part I ") + table.count("Part II") >= len(report["totals_by_tax_year"])
