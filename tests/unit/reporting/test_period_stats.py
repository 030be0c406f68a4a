"""Drawdown periods, annual returns and rolling risk, on hand-worked value paths."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tradegame.domain.errors import InvalidInputError
from tradegame.reporting.metrics import monthly_returns
from tradegame.reporting.period_stats import annual_returns, drawdown_periods, rolling_risk, rolling_window

DAY = 86_400 * 10**9


def _days(*dates: str) -> np.ndarray:
    return np.array(dates, dtype="datetime64[ns]").astype(np.int64)


def test_drawdown_periods_by_hand() -> None:
    # Round: 0    1   2    3    4    5    6    7    8
    values = [100, 120, 90, 108, 120, 130, 117, 104, 125]
    times = np.arange(len(values)) * DAY + _days("2024-01-01")[0]
    periods = drawdown_periods(values, times)
    # 120 -> 90 (-25 %) back at 120 in round 4; 130 -> 104 (-20 %), not back at 130 by the end.
    assert [(p.peak, p.trough, p.recovery) for p in periods] == [(1, 2, 4), (5, 7, None)]
    assert periods[0].depth == pytest.approx(-0.25)
    assert periods[1].depth == pytest.approx(-0.2)
    assert (periods[0].days, periods[0].rounds) == (3, 3)
    assert (periods[1].days, periods[1].rounds) == (3, 3)  # to the last Round
    assert drawdown_periods(values, times, count=1) == periods[:1]


def test_drawdown_periods_keep_the_deepest_and_none_for_a_rising_game() -> None:
    # Six dips, of 1 % to 6 %, each recovered the Round after: the five deepest, deepest first.
    values = [100.0]
    for dip in (3, 1, 6, 2, 5, 4):
        values += [values[-1] * (1 - dip / 100), values[-1] * 1.1]
    times = np.arange(len(values)) * DAY
    depths = [round(-p.depth * 100, 6) for p in drawdown_periods(values, times)]
    assert depths == [6, 5, 4, 3, 2]
    assert drawdown_periods([1, 2, 3], np.arange(3) * DAY) == []
    with pytest.raises(InvalidInputError):
        drawdown_periods([1, float("nan")], np.arange(2) * DAY)


def test_annual_returns_by_hand_and_as_the_product_of_the_months() -> None:
    times = _days("2022-03-01", "2022-12-30", "2023-01-03", "2023-06-30", "2023-12-29", "2024-02-01")
    values = [100.0, 110.0, 99.0, 120.0, 132.0, 66.0]
    years = annual_returns(values, times)
    assert [(y.year, y.partial) for y in years] == [(2022, True), (2023, False), (2024, True)]
    assert [y.value for y in years] == pytest.approx([0.10, 0.20, -0.5])
    monthly = monthly_returns(values, times)
    for year in years:
        months = monthly.loc[year.year].dropna().to_numpy()
        assert np.prod(1 + months) - 1 == pytest.approx(year.value)
    whole = annual_returns([100.0, 105.0], _days("2023-01-03", "2023-12-29"))
    assert whole[0].partial is False and whole[0].value == pytest.approx(0.05)
    bust = annual_returns([100.0, 0.0, 5.0], _days("2023-01-03", "2023-12-29", "2024-12-30"))
    assert bust[0].value == -1.0 and math.isnan(bust[1].value)


def test_rolling_risk_by_hand() -> None:
    values = [100.0, 110.0, 99.0, 108.9, 108.9]  # returns +10 %, -10 %, +10 %, 0 %
    volatility, sharpe = rolling_risk(values, window=2, periods_per_year=4)
    assert np.isnan(volatility[:2]).all() and np.isnan(sharpe[:2]).all()
    # Window (0.1, -0.1): std = sqrt(0.02) = 0.141421, mean 0: Sharpe 0; volatility x sqrt(4).
    assert volatility[2] == pytest.approx(math.sqrt(0.02) * 2)
    assert sharpe[2] == pytest.approx(0.0, abs=1e-12)
    # Window (0.1, 0.0): mean 0.05, std sqrt(0.005): Sharpe = 0.05 / 0.0707107 * 2 = 1.414214.
    assert sharpe[4] == pytest.approx(0.05 / math.sqrt(0.005) * 2)
    flat_vol, flat_sharpe = rolling_risk([100.0, 100.0, 100.0], window=2, periods_per_year=252)
    assert flat_vol[2] == 0.0 and math.isnan(flat_sharpe[2])
    assert rolling_window(252) == 126 and rolling_window(1) == 2
    short_vol, _ = rolling_risk([1.0, 2.0], window=5, periods_per_year=252)
    assert np.isnan(short_vol).all()
