"""Every bad input gets the clean path (issue 13): exit 2, one ``error:`` line, nothing written.

One table of bad inputs across every command. Each case runs the CLI in-process and checks the
exit status, that stderr is one message: one line starting with ``error:`` (a Game file with
several problems lists them under it, one ``  - `` line each; no traceback, no usage box), that
stdout is empty, and that the database's rows, the data store's files and the
case's own folder (the working directory, where default outputs go) are byte for byte what they
were before. A file argument written ``@name`` is created from ``FILES``/the case's text first.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tradegame.app.play import play_recorded
from tradegame.cli import app
from tradegame.data.catalog import sync_bundled
from tradegame.data.importer import import_file
from tradegame.data.store import MarketStore
from tradegame.io.gamefile import load_game

GOOD = """\
[game]
name = "bad-input"
start = 2008-01-02
end = 2008-03-31
schedule = "daily"
start_fund = "10000"

[[data]]
dataset = "arch-sp500"
symbols = ["SPX"]

[[accounts]]
name = "main"
fees = { model = "percent", rate = "0.001" }
slippage = { model = "fixed_bps", bps = 2 }

[model]
name = "sma-crossover"
params = { symbol = "SPX", fast = 5, slow = 20 }
"""
BARS = "date,open,high,low,close,volume\n2020-03-16,10,11,9,9.5,100\n2020-03-17,9.5,10.5,9,10,120\n"
TRADES = "date,account,symbol,side,quantity,price,fee,asset_class\n2024-01-02,IBKR,ACME,buy,10,100.00,1.00,security\n"
FETCH = ("data", "fetch", "--provider", "polygon", "--symbols", "AAPL", "--data-dir", "{store}")
TRADE_ROW = "date,account,symbol,side,quantity,price,fee,asset_class\n{}\n"


def game(old: str = "", new: str = "", *, add: str = "") -> str:
    """The good Game file with ``old`` replaced by ``new`` (which must be there) and ``add`` appended."""
    if old and old not in GOOD:
        raise ValueError(f"{old!r} is not in the good Game file")
    return (GOOD.replace(old, new, 1) if old else GOOD) + add


def fees(table: str) -> str:
    return game('fees = { model = "percent", rate = "0.001" }', f"fees = {table}")


def slippage(table: str) -> str:
    return game('slippage = { model = "fixed_bps", bps = 2 }', f"slippage = {table}")


def params(table: str) -> str:
    return game('params = { symbol = "SPX", fast = 5, slow = 20 }', f"params = {table}")


def position(quantity: str = '"10"', symbol: str = "SPX", acquired: str = "2007-01-02") -> str:
    return game(
        add=f'\n[[initial_positions]]\nsymbol = "{symbol}"\nquantity = {quantity}\n'
        f'cost_basis = "1000"\nacquired = {acquired}\n'
    )


def trained(lines: str) -> str:
    """The good Game file played by the trainable gbm-classifier with a ``[model.training]`` of ``lines``."""
    text = params('{ symbol = "SPX", max_iter = 5 }').replace('name = "sma-crossover"', 'name = "gbm-classifier"')
    return f"{text}\n[model.training]\n{lines}\n"


@dataclass(frozen=True)
class Case:
    """A command line (``{db}``, ``{store}``, ``{here}`` filled in), the files it needs, what it must say."""

    args: tuple[str, ...]
    needle: str  # in the one error line
    files: dict[str, str | bytes] = field(default_factory=dict)
    exit_code: int = 2


def play(text: str, needle: str, *extra: str) -> Case:
    return Case(("play", "@game.toml", "--db", "{db}", "--data-dir", "{store}", *extra), needle, {"game.toml": text})


def sweep(needle: str, *extra: str, text: str = GOOD) -> Case:
    return Case(("sweep", "@game.toml", "--data-dir", "{store}", *extra), needle, {"game.toml": text})


def data_import(needle: str, *extra: str, text: str | bytes = BARS, name: str = "bars.csv") -> Case:
    return Case(("data", "import", f"@{name}", "--data-dir", "{store}", *extra), needle, {name: text})


def tax(needle: str, text: str, *extra: str) -> Case:
    return Case(("tax", "lots", "@trades.csv", *extra), needle, {"trades.csv": text})


def trade(row: str, needle: str) -> Case:
    return tax(needle, TRADE_ROW.format(row))


CASES: dict[str, Case] = {
    # -- play: the Game file's syntax, shape and types
    "toml-syntax": play(game("[game]", "[game"), "invalid TOML"),
    "toml-not-utf8": Case(("play", "@game.toml", "--db", "{db}"), "not UTF-8", {"game.toml": b"\xff\xfe[game]"}),
    "toml-empty": play("", "game.name: missing"),
    "toml-missing-file": Case(("play", "{here}/nope.toml", "--db", "{db}"), "cannot read the file"),
    "toml-a-folder": Case(("play", "{here}", "--db", "{db}"), "cannot read the file"),
    "unknown-table": play(game(add="\n[extras]\nx = 1\n"), "extras: unknown key"),
    "unknown-game-key": play(game("start_fund", "start_fnd"), "did you mean 'start_fund'"),
    "unknown-game-key-alone": play(game("[game]", "[game]\nstart_date = 2008-01-02"), "game.start_date: unknown key"),
    "missing-start": play(game("start = 2008-01-02\n"), "game.start: missing"),
    "fund-negative": play(game('"10000"', '"-5"'), "must be a positive amount"),
    "fund-text": play(game('"10000"', '"lots"'), "game.start_fund: must be an amount"),
    "fund-bool": play(game('"10000"', "true"), "game.start_fund: must be an amount"),
    "fund-list": play(game('"10000"', "[1]"), "game.start_fund: must be an amount"),
    "fund-1E+400": play(game('"10000"', '"1E+400"'), "10^15"),
    "fund-1e999999": play(game('"10000"', '"1e999999"'), "10^15"),
    "fund-nan": play(game('"10000"', '"NaN"'), "finite"),
    "fund-infinity": play(game('"10000"', '"-Infinity"'), "finite"),
    "fund-toml-inf": play(game('"10000"', "inf"), "finite"),
    "fund-sub-cent": play(game('"10000"', '"100.001"'), "USD's 2 decimal places"),
    "fund-1e-999999": play(game('"10000"', '"1e-999999"'), "decimal places"),
    "bad-date": play(game("2008-01-02", '"2008-13-01"'), "game.start: must be a date"),
    "date-words": play(game("2008-01-02", '"yesterday"'), "game.start: must be a date"),
    "date-with-time": play(game("2008-01-02", "2008-01-02T10:00:00"), "without a time of day"),
    "end-before-start": play(game("end = 2008-03-31", "end = 2007-03-30"), "is not after start"),
    "end-after-data": play(game("end = 2008-03-31", "end = 2031-12-31"), "after the data ends"),
    "start-before-data": play(game("start = 2008-01-02", "start = 1950-01-03"), "outside the data"),
    "no-end": play(game("end = 2008-03-31\n"), "give an end date or a number of rounds"),
    "rounds-zero": play(game("end = 2008-03-31", "rounds = 0"), "at least 1"),
    "rounds-text": play(game("end = 2008-03-31", 'rounds = "ten"'), "must be a whole number"),
    "rounds-too-many": play(game("end = 2008-03-31", "rounds = 1000000000"), "has room for"),
    "schedule-unknown": play(game('"daily"', '"yearly"'), "must be one of"),
    "schedule-and-intervals": play(
        game('schedule = "daily"', 'schedule = "daily"\nround_intervals = [1, 2]'), "leave it out"
    ),
    "round-interval-zero": play(game('schedule = "daily"', "round_intervals = [0, 1]"), "at least 1 day"),
    "round-times-text": play(game('schedule = "daily"', 'round_times = ["soon"]'), "must be a date-time"),
    "round-times-before-start": play(
        game('schedule = "daily"', 'round_times = ["2007-12-31T21:00:00Z", "2008-01-03T21:00:00Z"]'),
        "round_times: 2007-12-31 is before the start 2008-01-02",
    ),
    "growth-alone": play(game('schedule = "daily"', 'round_growth = "2"'), "needs round_interval_days"),
    "fill-at-unknown": play(game('schedule = "daily"', 'schedule = "daily"\nfill_at = "later"'), "must be one of"),
    "currency-lower": play(game('start_fund = "10000"', 'start_fund = "10000"\ncurrency = "usd"'), "currency code"),
    "currency-long": play(game('start_fund = "10000"', 'start_fund = "10000"\ncurrency = "DOLLARS"'), "three-letter"),
    "calendar-unknown": play(game('schedule = "daily"', 'schedule = "daily"\ncalendar = "NOPE"'), "unknown calendar"),
    "game-symbols-unknown": play(game('schedule = "daily"', 'schedule = "daily"\nsymbols = ["NOPE"]'), "NOPE"),
    "asset-class-unknown": play(
        game('schedule = "daily"', 'schedule = "daily"\nasset_classes = ["bond"]'), "must be one of"
    ),
    "seed-text": play(game('schedule = "daily"', 'schedule = "daily"\nseed = "x"'), "game.seed: must be a whole"),
    "seed-negative": play(game('schedule = "daily"', 'schedule = "daily"\nseed = -1'), "game.seed: must be"),
    "allow-extreme-text": play(
        game('schedule = "daily"', 'schedule = "daily"\nallow_extreme_costs = "yes"'), "must be true or false"
    ),
    # -- play: data
    "dataset-unknown": play(game('"arch-sp500"', '"no-such-data"'), "no dataset 'no-such-data'"),
    "dataset-hash-wrong": play(
        game('dataset = "arch-sp500"', 'dataset = "arch-sp500"\nhash = "' + "0" * 64 + '"'), "0000"
    ),
    "dataset-symbol-unknown": play(game('symbols = ["SPX"]', 'symbols = ["NOPE"]'), "NOPE"),
    "dataset-missing-name": play(game('dataset = "arch-sp500"\n'), "data[0].dataset: missing"),
    "data-not-tables": play(game("[[data]]", "data = 5\n[[nodata]]"), "data"),
    # -- play: accounts, fees and slippage
    "account-name-space": play(game('name = "main"', 'name = "my main"'), "without spaces"),
    "account-duplicate": play(game(add='\n[[accounts]]\nname = "main"\n'), "must be unique"),
    "account-currency": play(game('name = "main"', 'name = "main"\ncurrency = "us"'), "currency"),
    "lot-method-unknown": play(game('name = "main"', 'name = "main"\nlot_method = "random"'), "must be one of"),
    "volume-cap-150%": play(game('name = "main"', 'name = "main"\nvolume_cap = "150%"'), "volume_cap"),
    "volume-cap-zero": play(game('name = "main"', 'name = "main"\nvolume_cap = "0"'), "volume_cap"),
    "fee-model-unknown": play(fees('{ model = "magic" }'), "unknown fee model 'magic'"),
    "fee-rate-500%": play(fees('{ model = "percent", rate = "5" }'), "must be within [0, 10%)"),
    "fee-rate-10%": play(fees('{ model = "percent", rate = "0.1" }'), "allow_extreme_costs"),
    "fee-rate-negative": play(fees('{ model = "percent", rate = "-0.01" }'), "fees.rate"),
    "fee-rate-text": play(fees('{ model = "percent", rate = "cheap" }'), "fees.rate"),
    "fee-rate-1e-999999": play(fees('{ model = "percent", rate = "1e-999999" }'), "decimal places"),
    "fee-cap-50%": play(fees('{ model = "per_share", rate = "0.005", maximum_pct = "0.5" }'), "maximum_pct"),
    "fee-taker-20%": play(fees('{ model = "maker_taker", maker_rate = "0", taker_rate = "0.2" }'), "taker_rate"),
    "fee-maker-rebate-50%": play(
        fees('{ model = "maker_taker", maker_rate = "-0.5", taker_rate = "0.001" }'), "maker_rate"
    ),
    "fee-tier-50%": play(fees('{ model = "tiered", tiers = [["10000", "0.5"], ["inf", "0.001"]] }'), "tiers[0]"),
    "fee-combined-part": play(
        fees('{ model = "combined", parts = [{ model = "percent", rate = "1" }] }'), "parts[0].rate"
    ),
    "fee-flat-huge": play(fees('{ model = "flat", amount = "1e999999" }'), "10^15"),
    "fee-unknown-key": play(fees('{ model = "percent", rat = "0.001" }'), "unknown key"),
    "fee-not-table": play(fees('"cheap"'), "must be a table"),
    "slippage-5000bps": play(slippage('{ model = "fixed_bps", bps = 5000 }'), "slippage.bps"),
    "slippage-negative": play(slippage('{ model = "fixed_bps", bps = -1 }'), "slippage.bps"),
    "slippage-impact-uncapped": play(slippage('{ model = "volume_impact", coefficient = 0.5 }'), "coefficient"),
    "slippage-impact-cap": play(slippage('{ model = "volume_impact", coefficient = 0.1, max_bps = 2000 }'), "max_bps"),
    "slippage-model-unknown": play(slippage('{ model = "wild" }'), "unknown slippage model"),
    # -- play: transfers, positions, exits, running costs, tax, fx
    "transfer-unknown-account": play(game(add='\n[[transfers]]\nsource = "main"\ntarget = "nope"\n'), "no account"),
    "position-quantity-1e-999999": play(position('"1e-999999"'), "decimal places"),
    "position-quantity-huge": play(position('"1e20"'), "10^15"),
    "position-quantity-zero": play(position('"0"'), "must be positive"),
    "position-symbol-unknown": play(position(symbol="NOPE"), "NOPE"),
    "position-acquired-later": play(position(acquired="2009-01-02"), "after the Game's start"),
    "exit-min-value-150%": play(game(add='\n[exits]\nmin_value = "150%"\n'), "min_value"),
    "exit-drawdown-text": play(game(add='\n[exits]\nmax_drawdown = "big"\n'), "exits.max_drawdown"),
    "exit-losing-zero": play(game(add="\n[exits]\nmax_losing_rounds = 0\n"), "max_losing_rounds"),
    "exit-unknown-key": play(game(add='\n[exits]\nstop_loss = "5%"\n'), "exits.stop_loss: unknown key"),
    "cost-sub-cent": play(
        game(add='\n[[running_costs]]\nname = "feed"\namount = "0.001"\nschedule = "monthly"\n'), "minor units"
    ),
    "cost-schedule-unknown": play(
        game(add='\n[[running_costs]]\nname = "feed"\namount = "10"\nschedule = "hourly"\n'), "must be one of"
    ),
    "game-tax-rate-150%": play(game(add='\n[tax]\nshort_term = "150%"\nlong_term = "15%"\n'), "tax.short_term"),
    "tax-year-key": play(
        game(add='\n[tax]\nshort_term = "24%"\nlong_term = "15%"\n[tax.years.20x8]\nshort_term = "1%"\n'), "year"
    ),
    "fx-negative": play(game(add='\n[fx_rates]\nEUR = "-1"\n'), "fx_rates.EUR"),
    "fx-huge": play(game(add='\n[fx_rates]\nEUR = "1e999999"\n'), "10^15"),
    # -- play: the Model
    "model-missing": play(GOOD.split("[model]")[0], "model.name: missing"),
    "model-unknown": play(game('name = "sma-crossover"', 'name = "sma-crossed"'), "unknown model 'sma-crossed'"),
    "model-param-unknown": play(params('{ symbol = "SPX", fastt = 5 }'), "unknown parameter 'fastt'"),
    "model-param-symbol-unknown": play(params('{ symbol = "NOPE", fast = 5, slow = 20 }'), "unknown symbol 'NOPE'"),
    "model-param-fast-slow": play(params('{ symbol = "SPX", fast = 20, slow = 5 }'), "fast must be shorter"),
    "model-param-weight": play(params('{ symbol = "SPX", weight = "2" }'), "weight"),
    "model-params-not-table": play(params('"fast"'), "model.params: must be a table"),
    "model-param-type": play(params('{ symbol = "SPX", fast = "five" }'), "fast"),
    # -- play: training a Model ([model.training])
    "training-length": play(trained('length = "2 fortnights"'), "model.training.length: must be a span"),
    "training-cutoff-negative": play(trained('cutoff = "-5d"'), "model.training.cutoff: must be a span"),
    "training-every-zero": play(trained("every = 0"), "model.training.every: must be at least 1 Round"),
    "training-every-word": play(trained('every = "fortnightly"'), "model.training.every: must be a number"),
    "training-cost-cents": play(trained('cost_per_fit = "2.505"'), "cost_per_fit: must be in whole USD minor"),
    "training-cost-negative": play(trained('cost_per_fit = "-1"'), "cost_per_fit: must be a positive amount"),
    "training-account": play(trained('cost_per_fit = "1"\naccount = "nope"'), "training.account: no account"),
    "training-expiry-alone": play(trained("expire_months = 2"), "expire_months: needs expire_below"),
    "training-key-typo": play(trained('lenght = "2y"'), "did you mean 'length'"),
    "training-not-trainable": play(game(add="\n[model.training]\nevery = 5\n"), "has no fit(history) method"),
    # -- play: paths, URLs, stores
    "report-folder-missing": play(GOOD, "does not exist", "--report", "{here}/no/such/dir/r.html"),
    "report-a-folder": play(GOOD, "is a folder", "--report", "{here}"),
    "report-under-a-file": play(GOOD, "--output", "--output", "{here}/game.toml/r.html"),
    "report-alias-under-a-file": play(GOOD, "--output", "--report", "{here}/game.toml/r.html"),
    "db-bad-port": play(GOOD, "cannot read the database URL", "--db", "postgresql://me@host:port/games"),
    "db-bad-ipv6": play(GOOD, "cannot read the database URL", "--db", "postgresql://me@[::1/games"),
    "db-unparseable": play(GOOD, "cannot read the database URL", "--db", "://"),
    "db-sqlite-host": play(GOOD, "sqlite:///PATH", "--db", "sqlite://nope"),
    "db-unsupported": play(GOOD, "unsupported", "--db", "mysql://me@host/games"),
    "db-a-folder": play(GOOD, "is a folder", "--db", "{here}"),
    "db-under-a-file": play(GOOD, "is a file", "--db", "{here}/game.toml/games.sqlite"),
    "data-dir-a-file": play(GOOD, "is a file", "--data-dir", "{here}/game.toml"),
    "data-dir-missing": play(GOOD, "no data store at", "--data-dir", "{here}/no-store"),
    # -- sweep
    "sweep-window-text": sweep("--fast", "--fast", "abc", "--slow", "20"),
    "sweep-window-zero": sweep("at least 1", "--fast", "0:10", "--slow", "20"),
    "sweep-window-billion": sweep("at most", "--fast", "1:1000000000", "--slow", "20"),
    "sweep-no-pair": sweep("no pair has fast < slow", "--fast", "30", "--slow", "20"),
    "sweep-symbol-unknown": sweep("unknown symbol 'NOPE'", "--fast", "5", "--slow", "20", "--symbol", "NOPE"),
    "sweep-csv-folder-missing": sweep("does not exist", "--fast", "5", "--slow", "20", "--csv", "{here}/no/p.csv"),
    "sweep-data-dir-missing": sweep("no data store", "--fast", "5", "--slow", "20", "--data-dir", "{here}/none"),
    "sweep-fund-1E+400": sweep("10^15", "--fast", "5", "--slow", "20", text=game('"10000"', '"1E+400"')),
    "sweep-fee-500%": sweep("10%", "--fast", "5", "--slow", "20", text=fees('{ model = "percent", rate = "5" }')),
    "sweep-top-zero": sweep("--top", "--fast", "5", "--slow", "20", "--top", "0"),
    "sweep-no-fast": sweep("--fast", "--slow", "20"),
    # -- resume, report, export, games
    "resume-unknown-id": Case(("resume", "999", "--db", "{db}", "--data-dir", "{store}"), "999"),
    "resume-id-text": Case(("resume", "one", "--db", "{db}"), "ID"),
    "resume-db-bad-port": Case(("resume", "1", "--db", "postgresql://me@host:port/g"), "database URL"),
    "resume-data-dir-missing": Case(("resume", "1", "--db", "{db}", "--data-dir", "{here}/none"), "no data store"),
    "report-unknown-id": Case(("report", "999", "--db", "{db}", "--data-dir", "{store}", "-o", "{here}/r.html"), "999"),
    "report-output-folder-missing": Case(
        ("report", "1", "--db", "{db}", "--data-dir", "{store}", "--output", "{here}/no/r.html"), "does not exist"
    ),
    "report-output-a-folder": Case(("report", "1", "--db", "{db}", "--output", "{here}"), "is a folder"),
    "report-data-dir-a-file": Case(
        ("report", "1", "--db", "{db}", "--data-dir", "{here}/x.txt", "-o", "{here}/r.html"), "is a file", {"x.txt": ""}
    ),
    "export-format": Case(
        ("export", "1", "--format", "xml", "--db", "{db}"), "'xml' is not one of 'csv', 'parquet', 'lots'"
    ),
    "export-unknown-id": Case(("export", "999", "--db", "{db}", "--output", "{here}/out"), "999"),
    "export-output-a-file": Case(
        ("export", "1", "--db", "{db}", "--output", "{here}/x.txt"), "is a file", {"x.txt": ""}
    ),
    "export-output-under-a-file": Case(
        ("export", "1", "--db", "{db}", "--output", "{here}/x.txt/out"), "is a file", {"x.txt": ""}
    ),
    "games-list-db-unparseable": Case(("games", "list", "--db", "://"), "cannot read the database URL"),
    "games-list-db-bad-port": Case(("games", "list", "--db", "postgresql://me@host:port/g"), "database URL"),
    "games-list-db-folder": Case(("games", "list", "--db", "{here}"), "is a folder"),
    "games-show-unknown-id": Case(("games", "show", "999", "--db", "{db}"), "999"),
    "games-show-id-text": Case(("games", "show", "x", "--db", "{db}"), "ID"),
    "games-show-events-negative": Case(("games", "show", "1", "--events", "-5", "--db", "{db}"), "--events"),
    "games-unknown-command": Case(("games", "erase", "1"), "No such command"),
    # -- data import, list, show, fetch
    "import-frequency-7x": data_import("unknown frequency '7x'", "--symbol", "ACME2", "--frequency", "7x"),
    "import-unknown-column": data_import(
        "unknown column(s) 'vwap'", "--symbol", "ACME2", text=BARS.replace("volume\n", "volume,vwap\n", 1)
    ),
    "import-two-date-columns": data_import(
        "all mean ts", "--symbol", "ACME2", text="date,time,close\n2020-03-16,x,9.5\n2020-03-17,y,10\n"
    ),
    "import-no-close": data_import("no close column", "--symbol", "ACME2", text="date,open\n2020-03-16,10\n"),
    "import-not-a-number": data_import("not numbers", "--symbol", "ACME2", text=BARS.replace("9.5,100", "x,100")),
    "import-price-1e999999": data_import("10^15", "--symbol", "ACME2", text=BARS.replace("9.5,100", "1e999999,100")),
    "import-bad-date": data_import("unreadable time", "--symbol", "ACME2", text=BARS.replace("2020-03-17", "17/03")),
    "import-no-rows": data_import("no rows", "--symbol", "ACME2", text="date,close\n"),
    "import-empty-symbol": data_import("symbol is empty", "--symbol", " "),
    "import-bad-currency": data_import("three-letter", "--symbol", "ACME2", "--currency", "US"),
    "import-bad-calendar": data_import("unknown calendar", "--symbol", "ACME2", "--calendar", "NOPE"),
    "import-missing-file": Case(
        ("data", "import", "{here}/none.csv", "--symbol", "X", "--data-dir", "{store}"), "no such"
    ),
    "import-file-type": data_import("unknown file type", "--symbol", "ACME2", name="bars.xlsx"),
    "import-data-dir-a-file": data_import("is a file", "--symbol", "ACME2", "--data-dir", "{here}/bars.csv"),
    "import-currency-mismatch": data_import(
        "differs from the dataset's", "--symbol", "BETA", "--name", "acme", "--currency", "EUR"
    ),
    "import-duplicate-time": data_import(
        "duplicate", "--symbol", "ACME2", text=BARS.replace("2020-03-17", "2020-03-16")
    ),
    "import-bad-name": data_import("dataset name", "--symbol", "ACME2", "--name", "Bad Name!"),
    "import-no-symbol": data_import("--symbol"),
    "list-data-dir-missing": Case(("data", "list", "--data-dir", "{here}/none"), "no data store at"),
    "list-data-dir-a-file": Case(("data", "list", "--data-dir", "{here}/x.txt"), "is a file", {"x.txt": ""}),
    "show-symbol-unknown": Case(("data", "show", "NOPE", "--data-dir", "{store}"), "no dataset holds symbol 'NOPE'"),
    "show-data-dir-missing": Case(("data", "show", "SPX", "--data-dir", "{here}/none"), "no data store at"),
    "fetch-bad-date": Case((*FETCH, "--start", "x", "--end", "2024-01-02"), "--start/--end"),
    "fetch-end-before-start": Case((*FETCH, "--start", "2024-02-01", "--end", "2024-01-02"), "is before"),
    # An interval no provider knows is refused before the provider (its API key) or the store is asked,
    # also when the symbols are already stored for the range (nothing would be fetched).
    "fetch-bad-interval": Case(
        (*FETCH, "--start", "2024-01-02", "--end", "2024-01-05", "--interval", "7x"), "--interval"
    ),
    "fetch-bad-interval-stored": Case(
        (
            *FETCH[:5],
            "ACME",
            "--name",
            "acme",
            *FETCH[6:],
            "--start",
            "2020-03-16",
            "--end",
            "2020-03-17",
            "--interval",
            "2h",
        ),
        "'2h' is not one of 1m, 5m",
    ),
    # -- tax lots
    "tax-unknown-column": tax("unknown column(s) vwap", TRADES.replace("asset_class", "asset_class,vwap", 1)),
    "tax-missing-column": tax("missing column(s) fee", TRADES.replace(",fee", "", 1)),
    "tax-price-1e999999": trade("2024-01-02,IBKR,ACME,buy,10,1e999999,0,security", "price must be less than 10^15"),
    "tax-quantity-1e-999999": trade("2024-01-02,IBKR,ACME,buy,1e-999999,10,0,security", "decimal places"),
    "tax-quantity-nan": trade("2024-01-02,IBKR,ACME,buy,NaN,10,0,security", "finite"),
    "tax-fee-sub-cent": trade("2024-01-02,IBKR,ACME,buy,10,10,0.001,security", "fee 0.001"),
    "tax-bad-date": trade("2024-02-30,IBKR,ACME,buy,10,10,0,security", "not an ISO date"),
    "tax-bad-side": trade("2024-01-02,IBKR,ACME,hold,10,10,0,security", "must be buy or sell"),
    "tax-oversold": trade("2024-01-02,IBKR,ACME,sell,10,10,0,security", "row 1"),
    "tax-rate-text": tax("is not a rate", TRADES, "--short-term-rate", "abc", "--long-term-rate", "15%"),
    "tax-rate-150%": tax("within 0% and 100%", TRADES, "--short-term-rate", "150%", "--long-term-rate", "15%"),
    "tax-rate-huge": tax("within 0% and 100%", TRADES, "--short-term-rate", "1e999999", "--long-term-rate", "15%"),
    "tax-one-rate": tax("give both", TRADES, "--short-term-rate", "24%"),
    "tax-method-unknown": tax("--method", TRADES, "--method", "bogus"),
    "tax-missing-file": Case(("tax", "lots", "{here}/none.csv"), "cannot read"),
    # -- the global options
    "log-format": Case(("--log-format", "xml", "games", "list", "--db", "{db}"), "--log-format"),
    "log-level": Case(
        ("--log-level", "loud", "games", "list", "--db", "{db}"),
        "'loud' is not one of 'debug', 'info', 'warning', 'error'",
    ),
    "unknown-command": Case(("plya", "x.toml"), "No such command"),
}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A data store holding arch-sp500 and an imported ``acme``, and a database with one finished Game."""
    root = tmp_path_factory.mktemp("bad-inputs")
    store = MarketStore(root / "store")
    sync_bundled(store)  # every bundled dataset, as `data list` and `data show` store them on first use
    bars = root / "acme.csv"
    bars.write_text(BARS)
    import_file(store, bars, symbol="ACME", name="acme", allow_gaps=True)
    good = root / "good.toml"
    good.write_text(GOOD)
    db_path = root / "games.sqlite"
    from tradegame.store import open_database

    with open_database(str(db_path)) as db:
        play_recorded(load_game(good), store, db)
    return root / "store", db_path


def _db_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
        tables = [
            row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY 1")
        ]
        for table in tables:
            digest.update(table.encode())
            for row in connection.execute(f'SELECT * FROM "{table}" ORDER BY 1'):  # table names from the schema
                digest.update(repr(row).encode())
    return digest.hexdigest()


def _tree(root: Path, skip: frozenset[Path] = frozenset()) -> dict[str, str]:
    """Every file under ``root`` and its content hash (lock files and SQLite's journals left out)."""
    files: dict[str, str] = {}
    for folder, _, names in os.walk(root):
        for name in names:
            path = Path(folder) / name
            if path in skip or name.endswith((".lock", "-wal", "-shm", "-journal")):
                continue
            files[str(path.relative_to(root))] = hashlib.sha256(path.read_bytes()).hexdigest()
        files[str(Path(folder).relative_to(root)) + "/"] = ""
    return files


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # default outputs (game-ID.html, game-ID/) would land here
    return tmp_path


def _argv(case: Case, here: Path, store: Path, db: Path) -> list[str]:
    for name, content in case.files.items():
        target = here / name
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content)
    filled = [arg.format(db=db, store=store, here=here) for arg in case.args]
    return [str(here / arg[1:]) if arg.startswith("@") else arg for arg in filled]


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_gets_one_message_and_changes_nothing(name: str, here: Path, world: tuple[Path, Path]) -> None:
    store, db = world
    case = CASES[name]
    argv = _argv(case, here, store, db)
    before = (_db_digest(db), _tree(store), _tree(here))
    result = CliRunner().invoke(app, argv)
    lines = result.stderr.splitlines()
    assert result.exit_code == case.exit_code, (result.exit_code, result.stderr, result.stdout, result.exception)
    assert lines and lines[0].startswith("error: "), result.stderr
    assert all(line.startswith("  - ") for line in lines[1:]), result.stderr  # one message, a line per problem
    assert case.needle in result.stderr, result.stderr
    assert "Traceback" not in result.output and result.stdout == "", result.stdout
    assert (_db_digest(db), _tree(store), _tree(here)) == before, "the input changed the database or a folder"


@pytest.mark.parametrize("name", ["fetch-bad-interval", "fetch-bad-interval-stored"])
def test_a_bad_fetch_interval_is_refused_before_the_provider_even_with_its_api_key(
    name: str, here: Path, world: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a key the provider would be built; with the bars stored nothing would be fetched (exit 0)."""
    monkeypatch.setenv("POLYGON_API_KEY", "not-a-real-key")
    test_bad_input_gets_one_message_and_changes_nothing(name, here, world)


def test_there_are_at_least_100_cases() -> None:
    assert len(CASES) >= 100


def test_the_good_game_plays(here: Path, world: tuple[Path, Path]) -> None:
    """The cases are bad only in what they change: the Game they start from plays."""
    store, _ = world
    (here / "game.toml").write_text(GOOD)
    result = CliRunner().invoke(
        app, ["play", str(here / "game.toml"), "--json", "--db", str(here / "g.sqlite"), "--data-dir", str(store)]
    )
    assert result.exit_code == 0, result.output


def test_a_model_that_raises_is_a_failure_exit_1_and_debug_shows_the_traceback(
    here: Path, world: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tradegame.models.sma import SmaCrossover

    def explode(self: SmaCrossover, ctx: object) -> None:
        raise ZeroDivisionError("the model divided by zero")

    monkeypatch.setattr(SmaCrossover, "decide", explode)
    monkeypatch.setattr(SmaCrossover, "wake", lambda self, signals: None)
    store, _ = world
    (here / "game.toml").write_text(GOOD)
    argv = ["play", str(here / "game.toml"), "--db", str(here / "g.sqlite"), "--data-dir", str(store)]
    result = CliRunner().invoke(app, argv)
    assert result.exit_code == 1, result.output
    assert result.stderr.splitlines() == [result.stderr.strip()] and "divided by zero" in result.stderr
    debug = CliRunner().invoke(app, ["--debug", *argv])
    assert debug.exit_code == 1 and "Traceback" in debug.stderr and "ZeroDivisionError" in debug.stderr
