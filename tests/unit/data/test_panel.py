"""The point-in-time read path: a view at time t holds exactly the bars known at t."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradegame.data.errors import DataError, DatasetNotFoundError
from tradegame.data.panel import Panel

from .sample import daily_bars

BARS = daily_bars()
PANEL = Panel.from_bars(BARS, frequency="1d", calendar="XNYS", currency="USD")


def utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def test_a_daily_bar_is_visible_from_its_close_not_before() -> None:
    # 2008-10-09: NYSE closed at 16:00 New York = 20:00 UTC.
    before = PANEL.as_of(utc("2008-10-09 19:59:59"))
    at_close = PANEL.as_of(utc("2008-10-09 20:00"))
    assert pd.Timestamp(before.labels[-1], tz="UTC") == utc("2008-10-08")
    assert pd.Timestamp(at_close.labels[-1], tz="UTC") == utc("2008-10-09")
    assert at_close.rows == before.rows + 1


def test_accessors_slice_windows_and_symbols() -> None:
    view = PANEL.as_of(utc("2008-09-05 21:00"))  # four sessions: Sep 2, 3, 4, 5
    assert view.rows == 4
    np.testing.assert_array_equal(view.close(["BBB"]).ravel(), [200.0, 201.0, 202.0, 203.0])
    np.testing.assert_array_equal(view.close(window=2), [[102.0, 202.0], [103.0, 203.0]])
    np.testing.assert_array_equal(view.last(), [103.0, 203.0])
    np.testing.assert_allclose(view.returns(["AAA"], window=1).ravel(), [103.0 / 102.0 - 1])
    assert view.field("volume", ["BBB"])[0, 0] == 1001.0


def test_views_are_read_only() -> None:
    view = PANEL.as_of(utc("2008-12-31 23:00"))
    with pytest.raises(ValueError, match="read-only"):
        view.close()[0, 0] = 0.0
    with pytest.raises(ValueError, match="read-only"):
        view.last()[0] = 0.0


def test_missing_bars_are_nan_and_last_valid_looks_back() -> None:
    bars = BARS[~((BARS["symbol"] == "BBB") & (BARS["ts"] == utc("2008-09-05")))]
    panel = Panel.from_bars(bars, frequency="1d", calendar="XNYS", currency="USD")
    view = panel.as_of(utc("2008-09-05 21:00"))
    assert np.isnan(view.last()[1])
    np.testing.assert_array_equal(view.last_valid(), [103.0, 202.0])


def test_naive_times_unknown_fields_and_symbols_are_refused() -> None:
    with pytest.raises(DataError, match="no timezone"):
        PANEL.as_of(pd.Timestamp("2008-10-09 20:00"))
    with pytest.raises(DataError, match="unknown field"):
        PANEL.as_of(utc("2008-10-09 20:00")).field("vwap")
    with pytest.raises(DatasetNotFoundError, match="ZZZ"):
        PANEL.as_of(utc("2008-10-09 20:00")).close(["ZZZ"])


@given(st.integers(min_value=PANEL.available[0] - 10**12, max_value=PANEL.available[-1] + 10**12))
def test_no_view_reaches_a_bar_known_later(ns: int) -> None:
    view = PANEL.as_of(ns)
    known = PANEL.available <= ns
    assert view.rows == int(known.sum())  # exactly the known rows, no more and no fewer
    assert view.close().shape[0] == view.rows
    if view.rows:
        assert PANEL.available[view.rows - 1] <= ns
    if view.rows < PANEL.rows:
        assert PANEL.available[view.rows] > ns
