"""Panel.from_arrays: the same Panel as the long-frame path on the same bars, and the same refusals."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from tradegame.data.bars import PRICE_COLUMNS, DatasetInfo, MarketFrames
from tradegame.data.errors import DataError
from tradegame.data.panel import Panel
from tradegame.data.store import MarketStore

from .sample import daily_bars

OPTIONS: dict[str, Any] = {"frequency": "1d", "calendar": "XNYS", "currency": "USD", "content_hash": "h"}


def gappy_bars() -> pd.DataFrame:
    """Three symbols; BBB misses some days, CCC starts late, adj_close only for AAA."""
    bars = daily_bars(("AAA", "BBB", "CCC"), end="2008-10-31")
    days = sorted(bars["ts"].unique())
    missing = (bars["symbol"] == "BBB") & bars["ts"].isin(days[3:6])
    late = (bars["symbol"] == "CCC") & (bars["ts"] < days[10])
    bars = bars[~missing & ~late].reset_index(drop=True)
    bars.loc[bars["symbol"] == "AAA", "adj_close"] = bars["close"] * 0.98
    return bars.sample(frac=1.0, random_state=3).reset_index(drop=True)  # any row order


def wide(bars: pd.DataFrame, symbols: list[str]) -> tuple[pd.DatetimeIndex, dict[str, np.ndarray]]:
    """The bars as (times, field -> (times x symbols) array), columns in the order ``symbols``."""
    times = pd.DatetimeIndex(sorted(bars["ts"].unique()))
    grids = {}
    for name in PRICE_COLUMNS:
        table = bars.pivot(index="ts", columns="symbol", values=name).reindex(index=times, columns=symbols)
        grids[name] = np.array(table.to_numpy(dtype=np.float64))  # a writable copy
    return times, grids


def assert_same(left: Panel, right: Panel) -> None:
    assert left.symbols == right.symbols
    np.testing.assert_array_equal(left.labels, right.labels)
    np.testing.assert_array_equal(left.available, right.available)
    assert set(left.fields) == set(right.fields) == set(PRICE_COLUMNS)
    for name in PRICE_COLUMNS:  # equal values and NaN in the same places
        np.testing.assert_array_equal(left.fields[name], right.fields[name], err_msg=name)
    assert (left.frequency, left.calendar, left.currency, left.content_hash) == (
        right.frequency,
        right.calendar,
        right.currency,
        right.content_hash,
    )


def test_from_arrays_equals_the_long_frame_path_with_gaps() -> None:
    bars = gappy_bars()
    long = Panel.from_bars(bars, **OPTIONS)
    times, grids = wide(bars, ["AAA", "BBB", "CCC"])
    from_arrays = Panel.from_arrays(times, ("AAA", "BBB", "CCC"), **grids, **OPTIONS)
    assert_same(from_arrays, long)
    assert np.isnan(from_arrays.fields["close"][3:6, 1]).all()
    assert np.isnan(from_arrays.fields["close"][:10, 2]).all()
    assert not from_arrays.fields["close"].flags.writeable


def test_columns_in_any_order_are_put_in_symbol_order() -> None:
    bars = gappy_bars()
    times, grids = wide(bars, ["CCC", "AAA", "BBB"])
    assert_same(
        Panel.from_arrays(list(times), ["CCC", "AAA", "BBB"], **grids, **OPTIONS), Panel.from_bars(bars, **OPTIONS)
    )


def test_the_arrays_are_copied() -> None:
    times, grids = wide(gappy_bars(), ["AAA", "BBB", "CCC"])
    panel = Panel.from_arrays(times, ["AAA", "BBB", "CCC"], **grids, **OPTIONS)
    grids["close"][0, 0] = 1e9
    assert panel.fields["close"][0, 0] != 1e9
    assert grids["close"].flags.writeable  # the caller's array is left alone


def test_a_close_only_panel_leaves_the_other_fields_nan() -> None:
    times, grids = wide(gappy_bars(), ["AAA", "BBB", "CCC"])
    panel = Panel.from_arrays(times, ["AAA", "BBB", "CCC"], close=grids["close"], **OPTIONS)
    assert np.isnan(panel.fields["open"]).all() and np.isnan(panel.fields["volume"]).all()
    np.testing.assert_array_equal(panel.fields["close"], grids["close"])


def good() -> tuple[pd.DatetimeIndex, list[str], dict[str, np.ndarray]]:
    times, grids = wide(daily_bars(("AAA", "BBB"), end="2008-09-10"), ["AAA", "BBB"])
    return times, ["AAA", "BBB"], grids


def test_good_inputs_build() -> None:
    times, symbols, grids = good()
    assert Panel.from_arrays(times, symbols, **grids, **OPTIONS).rows == len(times)


def bad_cell(name: str, value: float) -> dict[str, np.ndarray]:
    grids = good()[2]
    grids[name][2, 1] = value
    return grids


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t, s, g: (t, s, {**g, "open": g["open"][:, :1]}), r"open: shape \(7, 1\), expected \(7, 2\)"),
        (lambda t, s, g: (t[:-1], s, g), r"shape \(7, 2\), expected \(6, 2\)"),
        (lambda t, s, g: (t, [*s, "CCC"], g), r"expected \(7, 3\)"),
        (lambda t, s, g: (t[[0, 2, 1, 3, 4, 5, 6]], s, g), "2008-09-03 .*comes after a later time"),
        (lambda t, s, g: (t[[0, 1, 1, 3, 4, 5, 6]], s, g), "2008-09-03 .*appears twice"),
        (lambda t, s, g: (t.tz_localize(None), s, g), "times: have no timezone"),
        (lambda t, s, g: (t.to_numpy(dtype="datetime64[ns]"), s, g), "times: have no timezone"),
        (lambda t, s, g: (t.tz_convert("America/New_York"), s, g), "times: are in America/New_York"),
        (lambda t, s, g: (t.asi8, s, g), "times: give datetimes"),
        (lambda t, s, g: (t + pd.Timedelta(hours=20), s, g), "daily bars must be stamped at 00:00 UTC"),
        (lambda t, s, g: (t, set(s), g), "symbols: give an ordered sequence .* not a set"),
        (lambda t, s, g: (t, "AAA", g), "symbols: give an ordered sequence .* not a str"),
        (lambda t, s, g: (t, ["AAA", "AAA"], g), "symbols: AAA given more than once"),
        (lambda t, s, g: (t, ["AAA", ""], g), "symbols: every name must be a non-empty string"),
        (lambda t, s, g: (t, s, {k: v for k, v in g.items() if k != "close"}), "close: required"),
        (lambda t, s, g: (t, s, bad_cell("close", -1.0)), "close: not a positive finite number at BBB 2008-09-04"),
        (lambda t, s, g: (t, s, bad_cell("close", 0.0)), "close: not a positive finite number at BBB 2008-09-04"),
        (lambda t, s, g: (t, s, bad_cell("high", np.inf)), "high: not a positive finite number at BBB 2008-09-04"),
        (lambda t, s, g: (t, s, bad_cell("adj_close", -np.inf)), "adj_close: not a positive finite number"),
        (lambda t, s, g: (t, s, bad_cell("volume", -5.0)), "volume: negative or infinite at BBB 2008-09-04"),
        (lambda t, s, g: (t, s, bad_cell("close", np.nan)), "open: a value where close is NaN .* BBB 2008-09-04"),
        (
            lambda t, s, g: (t, s, {**g, "close": np.where(np.arange(7)[:, None] == 4, np.nan, g["close"])}),
            "times: 2008-09-08 00:00:00\\+00:00 without any bar",
        ),
        (
            lambda t, s, g: (t, s, {"close": np.where(np.arange(2) == 1, np.nan, g["close"])}),
            "symbols: BBB without any bar",
        ),
        (lambda t, s, g: (t, s, {**g, "close": np.full((7, 2), "x")}), "close: not numbers"),
        (lambda t, s, g: (t, s, {**g, "close": pd.DataFrame(g["close"])}), "close: give an array"),
    ],
)
def test_bad_inputs_are_refused_with_a_clear_message(change: Any, message: str) -> None:
    times, symbols, grids = change(*good())
    with pytest.raises(DataError, match=message):
        Panel.from_arrays(times, symbols, **grids, **OPTIONS)


def test_the_long_frame_path_keeps_the_same_rules() -> None:
    bars = daily_bars(("AAA", "BBB"), end="2008-09-10")
    with pytest.raises(DataError, match="two bars for one symbol at one time: AAA 2008-09-02"):
        Panel.from_bars(pd.concat([bars, bars.head(1)], ignore_index=True), **OPTIONS)
    with pytest.raises(DataError, match="times: have no timezone"):
        Panel.from_bars(bars.assign(ts=bars["ts"].dt.tz_localize(None)), **OPTIONS)
    negative = bars.copy()
    negative.loc[3, "low"] = -1.0
    with pytest.raises(DataError, match="low: not a positive finite number at AAA 2008-09-05"):
        Panel.from_bars(negative, **OPTIONS)
    no_close = bars.copy()
    no_close.loc[3, "close"] = np.nan
    with pytest.raises(DataError, match="open: a value where close is NaN"):
        Panel.from_bars(no_close, **OPTIONS)


def test_a_stored_dataset_loads_unsorted_into_the_same_panel(store: MarketStore, info: DatasetInfo) -> None:
    bars = gappy_bars().sort_values(["symbol", "ts"], ignore_index=True)
    store.write(info, MarketFrames(bars), allow_gaps=True)
    unsorted = store.bars(info.name, ordered=False)
    ordered = store.bars(info.name)
    assert len(unsorted) == len(ordered) == len(bars)
    key = ["symbol", "ts"]
    pd.testing.assert_frame_equal(unsorted.sort_values(key, ignore_index=True), ordered.reset_index(drop=True))
    stored = store.panel(info.name)
    expected = Panel.from_bars(bars, **{**OPTIONS, "content_hash": stored.content_hash})
    assert_same(stored, expected)
