"""Resampling agrees with pandas' own resample (an independent oracle) on the same bars."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tradegame.data.errors import DataError
from tradegame.data.resample import resample_bars, ticks_to_bars


def minute_bars(start: str, minutes: int, symbols: tuple[str, ...] = ("X", "Y"), seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frames = []
    for symbol in symbols:
        ts = pd.date_range(start, periods=minutes, freq="min", tz="UTC")
        close = 100 * np.exp(np.cumsum(rng.normal(0, 0.001, minutes)))
        open_ = np.concatenate([[100.0], close[:-1]])
        frame = pd.DataFrame(
            {
                "symbol": symbol,
                "ts": ts,
                "open": open_,
                "high": np.maximum(open_, close) * 1.0005,
                "low": np.minimum(open_, close) * 0.9995,
                "close": close,
                "volume": rng.integers(1, 1000, minutes).astype(float),
                "adj_close": np.nan,
            }
        )
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def pandas_oracle(bars: pd.DataFrame, rule: str, tz: str | None = None) -> pd.DataFrame:
    out = []
    for symbol, rows in bars.groupby("symbol", sort=True):
        indexed = rows.set_index(rows["ts"].dt.tz_convert(tz) if tz else rows["ts"])
        agg = indexed.resample(rule).agg(
            {"open": "first", "high": "max", "low": "min", "close": "last", "volume": "sum"}
        )
        agg = agg[indexed["close"].resample(rule).count() > 0]
        labels = agg.index.tz_localize(None).tz_localize("UTC") if tz else agg.index
        out.append(pd.DataFrame({"symbol": symbol, "ts": labels, **{c: agg[c].to_numpy() for c in agg.columns}}))
    return pd.concat(out, ignore_index=True)


def test_minute_to_hour_matches_pandas() -> None:
    bars = minute_bars("2020-03-09 00:00", 3 * 24 * 60)
    ours = resample_bars(bars, "1h", "24/7")
    oracle = pandas_oracle(bars, "1h")
    assert len(ours) == 2 * 72
    pd.testing.assert_frame_equal(ours.drop(columns="adj_close"), oracle, check_dtype=False)


def test_minute_to_day_uses_the_exchange_date() -> None:
    # 13:30-20:00 UTC is one New York session; a 23:30 UTC bar is still the same New York date.
    bars = minute_bars("2020-03-09 13:30", 600, symbols=("X",))
    ours = resample_bars(bars, "1d", "XNYS")
    oracle = pandas_oracle(bars, "1D", tz="America/New_York")
    pd.testing.assert_frame_equal(ours.drop(columns="adj_close"), oracle, check_dtype=False)
    assert list(ours["ts"]) == [pd.Timestamp("2020-03-09", tz="UTC")]


def test_nan_inputs_are_skipped() -> None:
    bars = minute_bars("2020-03-09 00:00", 120, symbols=("X",))
    bars.loc[0, "open"] = np.nan
    bars.loc[59, "close"] = np.nan
    first_hour = resample_bars(bars, "1h", "24/7").iloc[0]
    assert first_hour["open"] == bars.loc[1, "open"]
    assert first_hour["close"] == bars.loc[58, "close"]


def test_unsorted_bars_and_unknown_targets_are_refused() -> None:
    bars = minute_bars("2020-03-09 00:00", 10, symbols=("X",))
    with pytest.raises(DataError, match="sorted"):
        resample_bars(bars.iloc[::-1], "1h", "24/7")
    with pytest.raises(DataError, match="cannot resample"):
        resample_bars(bars, "1w", "24/7")


def test_trades_become_minute_bars() -> None:
    stamps = ["2013-09-03 13:30:00.1", "2013-09-03 13:30:00.1", "2013-09-03 13:30:59.9", "2013-09-03 13:32:05"]
    ticks = pd.DataFrame(
        {
            "symbol": ["ES", "ES", "ES", "ES", "NQ"],
            "ts": pd.DatetimeIndex([*stamps, "2013-09-03 13:30:10"], tz="UTC"),
            "open": np.nan,
            "high": np.nan,
            "low": np.nan,
            "close": [1640.25, 1640.0, 1641.5, 1639.75, 3000.0],
            "volume": [2.0, 1.0, 5.0, 3.0, 1.0],
            "adj_close": np.nan,
        }
    )
    bars = ticks_to_bars(ticks)
    assert bars["ts"].dt.strftime("%H:%M").tolist() == ["13:30", "13:32", "13:30"]  # no bar for a minute without trades
    assert bars[["symbol", "open", "high", "low", "close", "volume"]].values.tolist() == [
        ["ES", 1640.25, 1641.5, 1640.0, 1641.5, 8.0],  # two trades in the same millisecond keep their order
        ["ES", 1639.75, 1639.75, 1639.75, 1639.75, 3.0],
        ["NQ", 3000.0, 3000.0, 3000.0, 3000.0, 1.0],
    ]
    with pytest.raises(DataError, match="sorted by symbol, then time"):
        ticks_to_bars(ticks.iloc[::-1])
