"""``tg.universe`` on wide data (a dict of field -> wide DataFrame or 2-D array): the same Universe as
the long form on the same bars, and the same refusals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import tradegame as tg
from tradegame.data.bars import PRICE_COLUMNS
from tradegame.data.errors import BadDataError
from tradegame.engine.universe import Universe

from ..data.sample import daily_bars


def gappy_bars() -> pd.DataFrame:
    """Three symbols on NYSE sessions; BBB misses some days, CCC starts late, adj_close only for AAA."""
    bars = daily_bars(("AAA", "BBB", "CCC"), end="2008-10-31")
    days = sorted(bars["ts"].unique())
    missing = (bars["symbol"] == "BBB") & bars["ts"].isin(days[3:6])
    late = (bars["symbol"] == "CCC") & (bars["ts"] < days[10])
    bars = bars[~missing & ~late].reset_index(drop=True)
    bars.loc[bars["symbol"] == "AAA", "adj_close"] = bars["close"] * 0.98
    return bars


def wide_frames(bars: pd.DataFrame, columns: list[str] | None = None) -> dict[str, pd.DataFrame]:
    """One wide frame per field: a naive DatetimeIndex (UTC), a column per symbol (in ``columns`` order)."""
    frames = {}
    for name in PRICE_COLUMNS:
        table = bars.pivot(index="ts", columns="symbol", values=name)
        table.index = pd.DatetimeIndex(table.index).tz_localize(None)
        frames[name] = table if columns is None else table[columns]
    return frames


def assert_same(left: Universe, right: Universe) -> None:
    assert left.symbols == right.symbols
    assert left.instruments == right.instruments
    a, b = left.panel, right.panel
    np.testing.assert_array_equal(a.labels, b.labels)
    np.testing.assert_array_equal(a.available, b.available)
    for name in PRICE_COLUMNS:  # equal values and NaN in the same places
        np.testing.assert_array_equal(a.fields[name], b.fields[name], err_msg=name)
    assert (a.frequency, a.calendar, a.currency) == (b.frequency, b.calendar, b.currency)
    assert a.content_hash == b.content_hash and len(a.content_hash) == 64


def test_wide_frames_give_the_long_forms_universe() -> None:
    bars = gappy_bars()
    long = tg.universe(bars)
    assert_same(tg.universe(wide_frames(bars, ["CCC", "AAA", "BBB"])), long)  # any column order
    # The field names in any case, as a long frame's columns.
    renamed = {name.upper().replace("_", " "): frame for name, frame in wide_frames(bars).items()}
    assert_same(tg.universe(renamed), long)


def test_wide_arrays_with_their_times_and_symbols_give_the_long_forms_universe() -> None:
    bars = gappy_bars()
    frames = wide_frames(bars)
    arrays = {name: frame.to_numpy() for name, frame in frames.items()}
    times = frames["close"].index.tz_localize("UTC")
    assert_same(tg.universe(arrays, list(frames["close"].columns), times=times), tg.universe(bars))
    only_close = tg.universe({"close": arrays["close"]}, ["AAA", "BBB", "CCC"], times=list(times), currency="EUR")
    assert np.isnan(only_close.panel.fields["open"]).all()
    assert only_close.instruments["AAA"].quote_currency.code == "EUR"


def test_narrowing_leaves_out_the_rows_and_symbols_without_a_bar_as_the_long_form_does() -> None:
    bars = gappy_bars()
    days = sorted(bars["ts"].unique())
    # BBB alone over its missing days: those rows have no bar; CCC before its start: no symbol.
    for symbols, start, end in ((["BBB"], None, days[8]), (["AAA", "CCC"], None, days[9]), (None, days[4], days[20])):
        wide = tg.universe(wide_frames(bars), symbols, start=start, end=end)
        assert_same(wide, tg.universe(bars, symbols, start=start, end=end))
    assert tg.universe(wide_frames(bars), ["BBB"], end=days[8]).panel.rows == 6


def test_a_game_on_wide_data_plays_as_on_the_long_form() -> None:
    from datetime import date
    from decimal import Decimal

    bars = gappy_bars()
    spec = tg.GameSpec(
        name="hold",
        start=date(2008, 9, 2),
        end=date(2008, 10, 31),
        start_fund=Decimal(10_000),
        data=(tg.DataSpec("frame"),),
    )
    results = [
        tg.Game(spec, universe, tg.models.BuyAndHold(["AAA", "BBB"])).run()
        for universe in (tg.universe(bars), tg.universe(wide_frames(bars)))
    ]
    assert results[0].score == results[1].score and results[0].data_hash == results[1].data_hash


def test_wide_data_with_problems_is_refused_as_the_long_form_is() -> None:
    bars = gappy_bars()
    frames = wide_frames(bars)
    negative = dict(frames, close=frames["close"].copy())
    negative["close"].iloc[2, 1] = -3.0
    with pytest.raises(BadDataError, match=r"close: not a positive finite number at BBB 2008-09-04"):
        tg.universe(negative)
    partial = dict(frames, open=frames["open"].copy())
    partial["open"].iloc[[1, 2], 0] = np.nan  # AAA has opens, but not at two of its bars
    long_partial = bars.copy()
    days = sorted(bars["ts"].unique())
    long_partial.loc[bars["ts"].isin(days[1:3]) & (bars["symbol"] == "AAA"), "open"] = np.nan
    with pytest.raises(BadDataError) as long_refusal:
        tg.universe(long_partial)
    with pytest.raises(BadDataError) as wide_refusal:
        tg.universe(partial)
    assert (
        wide_refusal.value.problems
        == long_refusal.value.problems
        == ["AAA: open is missing (NaN) at 2008-09-03, 2008-09-04"]
    )
    no_bar = dict(frames, volume=frames["volume"].copy())
    no_bar["volume"].iloc[4, 1] = 5.0  # BBB has no bar (no close) there
    with pytest.raises(BadDataError, match="volume: a value where close is NaN"):
        tg.universe(no_bar)
    intraday = dict(frames, close=frames["close"].set_axis(frames["close"].index + pd.Timedelta(hours=1)))
    with pytest.raises(tg.InvalidInputError, match="its times and symbols differ"):
        tg.universe(intraday)


@pytest.mark.parametrize(
    ("source", "symbols", "times", "message"),
    [
        ({"open": np.ones((2, 1))}, ["A"], ["2024-01-02", "2024-01-03"], "has no close field"),
        ({"close": np.ones((2, 1)), "vwap": np.ones((2, 1))}, ["A"], ["2024-01-02", "2024-01-03"], "unknown field"),
        ({"close": np.ones((2, 1))}, ["A"], None, "times: give the time of each row"),
        ({"close": np.ones((2, 1))}, None, ["2024-01-02", "2024-01-03"], "symbols: name the symbol of each column"),
        ({"close": np.ones((3, 1))}, ["A"], ["2024-01-02", "2024-01-03"], r"shape \(3, 1\), expected \(2, 1\)"),
        ({"close": [["x"], ["y"]]}, ["A"], ["2024-01-02", "2024-01-03"], "close: not a number"),
        ({"close": np.ones((2, 1))}, ["A"], ["2024-01-02", "then"], "times: cannot read"),
        ({"close": pd.DataFrame({"A": [1.0]}, index=[0])}, None, None, "give the times as a DatetimeIndex"),
        ({"close": pd.DataFrame({"A": [1.0]}, index=pd.DatetimeIndex(["2024-01-02"]))}, ["B"], None, "B not in"),
        (
            {"close": pd.DataFrame({"A": [1.0]}, index=pd.DatetimeIndex(["2024-01-02"]))},
            None,
            ["2024-01-02"],
            "carry their own times",
        ),
        ({"close": np.full((2, 1), np.nan)}, ["A"], ["2024-01-02", "2024-01-03"], "no bars"),
        ({"close": np.ones((2, 1))}, ["A"], ["2024-01-02", "2024-01-02"], "appears twice"),
    ],
)
def test_wide_data_that_does_not_fit_is_refused_by_name(
    source: dict[str, object], symbols: list[str] | None, times: list[str] | None, message: str
) -> None:
    with pytest.raises(tg.InvalidInputError, match=message):
        tg.universe(source, symbols, times=times)  # type: ignore[arg-type]


def test_times_belong_to_wide_arrays_only() -> None:
    frame = pd.DataFrame({"symbol": ["A"], "ts": ["2024-01-02"], "close": [1.0]})
    with pytest.raises(tg.InvalidInputError, match="give times only with wide arrays"):
        tg.universe(frame, times=["2024-01-02"])
