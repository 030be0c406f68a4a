"""Hand-worked metrics on tiny series; the comparison with empyrical is in tests/oracle."""

from __future__ import annotations

import doctest
import math
import statistics
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradegame.domain.errors import InvalidInputError
from tradegame.reporting import metrics as metrics_module
from tradegame.reporting.metrics import (
    compute_metrics,
    drawdown_series,
    infer_periods_per_year,
    monthly_returns,
    simple_returns,
)

NS_PER_DAY = 86_400 * 10**9


def days(*dates: str) -> np.ndarray:
    """Rounds at midnight UTC of the given dates, as int64 nanoseconds."""
    return np.array(dates, dtype="datetime64[ns]").astype(np.int64)


# Monday 2024-01-01 to Thursday 2024-01-04: daily exchange sessions.
TIMES = days("2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04")
VALUES = [100.0, 110.0, 99.0, 121.0]


def test_hand_worked_series() -> None:
    m = compute_metrics(VALUES, TIMES)
    returns = [0.1, -0.1, 0.22222222222222222]  # 110/100, 99/110, 121/99
    mean = sum(returns) / 3
    stdev = statistics.stdev(returns)

    assert m.rounds == 4
    assert m.periods_per_year == 252
    assert m.years == 3 / 365.25
    assert m.total_return == pytest.approx(0.21, rel=1e-12)
    assert m.annual_return == pytest.approx(1.21 ** (252 / 3) - 1, rel=1e-12)
    assert m.cagr == pytest.approx(1.21 ** (365.25 / 3) - 1, rel=1e-12)
    assert m.volatility == pytest.approx(stdev * math.sqrt(252), rel=1e-12)
    assert m.sharpe == pytest.approx(mean / stdev * math.sqrt(252), rel=1e-12)
    # Downside deviation over all three returns, only -0.1 below zero.
    downside = math.sqrt(0.1**2 / 3) * math.sqrt(252)
    assert m.sortino == pytest.approx(mean * 252 / downside, rel=1e-12)
    assert m.max_drawdown == pytest.approx(-0.1, rel=1e-12)
    assert m.max_drawdown_duration_days == 2.0  # peak 2024-01-02, back above it 2024-01-04
    assert m.calmar == pytest.approx(m.cagr / 0.1, rel=1e-12)
    assert m.win_rate is m.turnover is m.exposure is None
    assert m.benchmark_return is m.excess_return is m.alpha is m.beta is m.correlation is None


def test_returns_and_drawdown_series() -> None:
    np.testing.assert_allclose(simple_returns(VALUES), [0.1, -0.1, 22 / 99], rtol=1e-15)
    drawdowns = drawdown_series(VALUES)
    np.testing.assert_allclose(drawdowns, [0.0, 0.0, -0.1, 0.0], atol=1e-15)
    assert int(np.argmin(drawdowns)) == 2


def test_duration_runs_to_the_end_when_not_recovered() -> None:
    m = compute_metrics([100.0, 90.0, 95.0], days("2024-01-01", "2024-01-02", "2024-01-03"))
    assert m.max_drawdown_duration_days == 2.0
    assert m.max_drawdown == pytest.approx(-0.1)


def test_duration_is_the_longest_time_under_water_not_the_deepest_episode() -> None:
    values = [100.0, 99.0, 98.0, 97.0, 101.0, 50.0, 102.0]
    times = np.arange(7) * NS_PER_DAY
    m = compute_metrics(values, times, periods_per_year=252)
    assert m.max_drawdown == pytest.approx(50 / 101 - 1)
    assert m.max_drawdown_duration_days == 4.0  # 100 -> 101, not the two days of the -50 % episode


def _longest_underwater_by_hand(values: list[float]) -> int:
    """Walk the Rounds one by one (one Round a day), timing each wait from a peak to its recovery."""
    longest, peak, peak_day, below = 0, values[0], 0, False
    for day, value in enumerate(values):
        if value < peak:
            below = True
            longest = max(longest, day - peak_day)  # still waiting, up to the last Round
        else:
            if below:
                longest = max(longest, day - peak_day)  # recovered today
            peak, peak_day, below = value, day, False
    return longest


@given(st.lists(st.integers(min_value=1, max_value=6), min_size=2, max_size=30))
def test_duration_matches_a_walk_by_hand(levels: list[int]) -> None:
    values = [float(level) for level in levels]
    m = compute_metrics(values, np.arange(len(values)) * NS_PER_DAY, periods_per_year=365)
    assert m.max_drawdown_duration_days == _longest_underwater_by_hand(values)


def test_a_game_that_never_falls() -> None:
    m = compute_metrics([100.0, 101.0, 102.0], days("2024-01-01", "2024-01-02", "2024-01-03"))
    assert m.max_drawdown == 0.0
    assert m.max_drawdown_duration_days == 0.0
    assert math.isnan(m.calmar)
    assert math.isnan(m.sortino)  # no downside: zero risk, no ratio


def test_all_flat_series_has_nan_ratios() -> None:
    m = compute_metrics([100.0] * 5, np.arange(5) * NS_PER_DAY, periods_per_year=252)
    assert m.total_return == 0.0
    assert m.volatility == 0.0
    assert math.isnan(m.sharpe)
    assert math.isnan(m.sortino)
    assert math.isnan(m.calmar)


def test_a_short_strong_run_overflows_to_inf_but_no_ratio_does() -> None:
    minutes = days("2024-01-02") + np.arange(3) * 60 * 10**9
    m = compute_metrics([100.0, 90.0, 1e6], minutes)
    assert m.cagr == m.annual_return == math.inf
    assert math.isnan(m.calmar)


def test_risk_free_is_per_round() -> None:
    m = compute_metrics(VALUES, TIMES, risk_free_per_round=0.01)
    excess = [0.09, -0.11, 22 / 99 - 0.01]
    assert m.sharpe == pytest.approx(statistics.mean(excess) / statistics.stdev(excess) * math.sqrt(252), rel=1e-12)
    assert m.volatility == compute_metrics(VALUES, TIMES).volatility  # the volatility ignores it


def test_two_rounds_are_enough_for_returns_not_for_deviations() -> None:
    m = compute_metrics([100.0, 105.0], days("2024-01-01", "2024-01-02"))
    assert m.total_return == pytest.approx(0.05)
    assert math.isnan(m.volatility)
    assert math.isnan(m.sharpe)
    assert math.isnan(m.sortino)


def test_monthly_table() -> None:
    times = days("2023-12-29", "2024-01-15", "2024-01-31", "2024-02-29", "2024-04-02")
    values = [100.0, 104.0, 110.0, 99.0, 108.9]
    table = monthly_returns(values, times)
    assert list(table.index) == [2023, 2024]
    assert list(table.columns) == list(range(1, 13))
    assert (table.index.name, table.columns.name) == ("year", "month")
    # December 2023 has one Round, the first: no change yet.
    assert table.loc[2023, 12] == 0.0
    assert table.loc[2024, 1] == pytest.approx(0.10)  # 110 over December's 100
    assert table.loc[2024, 2] == pytest.approx(-0.10)  # 99 over 110
    assert math.isnan(table.loc[2024, 3])  # no Round in March
    assert table.loc[2024, 4] == pytest.approx(0.10)  # 108.9 over February's 99
    assert table.loc[2023, 1:11].isna().all()
    # Compounding the months gives the total return.
    assert (1 + table.stack()).prod() - 1 == pytest.approx(0.089)


def test_monthly_table_uses_utc_months() -> None:
    times = pd.DatetimeIndex(["2024-01-31 23:00", "2024-02-01 01:00"], tz="UTC").as_unit("ns").asi8
    table = monthly_returns([100.0, 105.0], times)
    assert table.loc[2024, 1] == 0.0
    assert table.loc[2024, 2] == pytest.approx(0.05)


def test_win_rate_counts_strictly_positive_gains() -> None:
    gains = [Decimal("10.00"), Decimal("-5.00"), Decimal("0.00"), 3.5]
    assert compute_metrics(VALUES, TIMES, trade_gains=gains).win_rate == 0.5
    assert compute_metrics(VALUES, TIMES, trade_gains=iter([1.0])).win_rate == 1.0
    assert compute_metrics(VALUES, TIMES, trade_gains=[]).win_rate is None


def test_turnover_per_round_or_total() -> None:
    year = int(365.25 * NS_PER_DAY)
    times = np.array([0, year // 2, year])
    values = [90.0, 100.0, 110.0]  # mean 100
    per_round = compute_metrics(values, times, traded_notional=[0.0, 150.0, 100.0]).turnover
    total = compute_metrics(values, times, traded_notional=250.0).turnover
    exact = compute_metrics(values, times, traded_notional=Decimal("250")).turnover
    assert per_round == total == exact == pytest.approx(2.5)
    two_years = compute_metrics(values, times * 2, traded_notional=250.0).turnover
    assert two_years == pytest.approx(1.25)


def test_exposure_is_the_mean_invested_fraction() -> None:
    assert compute_metrics(VALUES, TIMES, exposure=[0.0, 0.5, 1.0, 0.5]).exposure == 0.5
    assert compute_metrics(VALUES, TIMES, exposure=np.full(4, 1.5)).exposure == 1.5


def test_benchmark_that_moves_alike() -> None:
    m = compute_metrics(VALUES, TIMES, benchmark=[v * 3 for v in VALUES])
    assert m.benchmark_return == pytest.approx(0.21)
    assert m.excess_return == pytest.approx(0.0, abs=1e-12)
    assert m.beta == pytest.approx(1.0)
    assert m.correlation == pytest.approx(1.0)
    assert m.alpha == pytest.approx(0.0, abs=1e-12)


def test_benchmark_that_does_not_move() -> None:
    m = compute_metrics(VALUES, TIMES, benchmark=[50.0] * 4)
    assert m.benchmark_return == 0.0
    assert m.excess_return == pytest.approx(0.21)
    assert math.isnan(m.beta)
    assert math.isnan(m.alpha)
    assert math.isnan(m.correlation)


def test_benchmark_with_half_the_moves() -> None:
    benchmark = 100 * np.cumprod([1.0, 1.05, 0.95, 1 + 11 / 99])  # half of each Game return
    m = compute_metrics(VALUES, TIMES, benchmark=benchmark)
    assert m.beta == pytest.approx(2.0)
    assert m.correlation == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("times", "expected"),
    [
        (days("2024-01-05", "2024-01-08", "2024-01-09", "2024-01-10"), 252),  # Fri, Mon, Tue, Wed
        (days("2024-01-05", "2024-01-06", "2024-01-07", "2024-01-08"), 365),  # through a weekend
        (days("2024-01-01", "2024-01-08", "2024-01-15"), 52),
        (days("2024-01-31", "2024-02-29", "2024-03-31", "2024-04-30"), 12),
        (days("2024-03-31", "2024-06-30", "2024-09-30"), 4),
        (days("2021-12-31", "2022-12-31", "2023-12-31"), 1),
        (days("2024-01-02") + np.arange(10) * 60 * 10**9, 252 * 390),  # minute bars, exchange hours
        (days("2024-01-02") + np.arange(10) * 3_600 * 10**9, 252 * 6.5),
        (days("2024-01-06") + np.arange(10) * 3_600 * 10**9, 365 * 24),  # a Saturday: 24/7
    ],
)
def test_periods_per_year_inferred_from_spacing(times: np.ndarray, expected: float) -> None:
    assert infer_periods_per_year(times) == pytest.approx(expected)


def test_periods_per_year_given_wins() -> None:
    assert compute_metrics(VALUES, TIMES, periods_per_year=365).periods_per_year == 365


def test_times_may_be_datetime64() -> None:
    as_datetimes = TIMES.astype("datetime64[ns]")
    assert compute_metrics(VALUES, as_datetimes) == compute_metrics(VALUES, TIMES)
    assert compute_metrics(VALUES, as_datetimes.astype("datetime64[s]")) == compute_metrics(VALUES, TIMES)


@pytest.mark.parametrize(
    ("values", "times", "options", "message"),
    [
        ([100.0], TIMES[:1], {}, "at least 2 Rounds"),
        ([], TIMES[:0], {}, "at least 2 Rounds"),
        ([100.0, math.nan, 99.0, 121.0], TIMES, {}, r"values\[1\] is nan"),
        ([100.0, 110.0, math.inf, 121.0], TIMES, {}, "finite"),
        ([0.0, 100.0, 99.0, 121.0], TIMES, {}, r"values\[0\] is 0.0: a Game worth nothing at its first Round"),
        ([-1.0, 100.0, 99.0, 121.0], TIMES, {}, r"values\[0\] is -1.0"),
        (VALUES, TIMES, {"benchmark": [1.0, 0.0, 1.0, 1.0]}, r"benchmark\[1\] is 0.0"),
        (VALUES, TIMES[[0, 1, 1, 3]], {}, r"strictly increasing; times\[2\]"),
        (VALUES, TIMES[::-1], {}, "strictly increasing"),
        (VALUES, TIMES[:3], {}, "times has 3 entries but values has 4"),
        (VALUES, TIMES.astype(float), {}, "int64 nanoseconds"),
        (VALUES, np.array(["2024-01-01", "NaT", "2024-01-03", "2024-01-04"], dtype="datetime64[ns]"), {}, "NaT"),
        ([[100.0, 110.0]], TIMES[:2], {}, "one-dimensional"),
        (["a", "b"], TIMES[:2], {}, "must be numbers"),
        (VALUES, TIMES, {"benchmark": [1.0, 2.0]}, "benchmark has 2 entries"),
        (VALUES, TIMES, {"benchmark": [1.0, math.nan, 1.0, 1.0]}, r"benchmark\[1\]"),
        (VALUES, TIMES, {"exposure": [0.5, 0.5]}, "exposure must have one entry per Round"),
        (VALUES, TIMES, {"exposure": [0.5, math.nan, 0.5, 0.5]}, r"exposure\[1\]"),
        (VALUES, TIMES, {"traded_notional": -5.0}, "must not be negative"),
        (VALUES, TIMES, {"traded_notional": math.nan}, "finite"),
        (VALUES, TIMES, {"trade_gains": [1.0, math.nan]}, r"trade_gains\[1\]"),
        (VALUES, TIMES, {"trade_gains": [Decimal("NaN")]}, r"trade_gains\[0\]"),
        (VALUES, TIMES, {"trade_gains": ["12"]}, r"trade_gains\[0\]"),
        (VALUES, TIMES, {"periods_per_year": 0}, "periods_per_year"),
        (VALUES, TIMES, {"risk_free_per_round": math.nan}, "risk_free_per_round"),
    ],
)
def test_bad_input_is_refused(values: object, times: object, options: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidInputError, match=message) as raised:
        compute_metrics(values, times, **options)  # type: ignore[arg-type]
    assert isinstance(raised.value, ValueError)


def test_helpers_refuse_bad_input_too() -> None:
    with pytest.raises(InvalidInputError):
        drawdown_series([100.0, math.nan])
    with pytest.raises(InvalidInputError):
        monthly_returns(VALUES, TIMES[::-1])
    with pytest.raises(InvalidInputError):
        infer_periods_per_year(TIMES[:1])


# A Game that loses everything: 100, then half, then nothing (running costs ate the cash).
BUST_TIMES = days("2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05")


def test_a_game_that_goes_bust_has_every_metric_defined() -> None:
    m = compute_metrics([100.0, 50.0, 0.0, 0.0, 0.0], BUST_TIMES, benchmark=[100.0, 90.0, 80.0, 90.0, 100.0])
    assert m.bust_round == 2
    assert m.total_return == m.annual_return == m.cagr == -1.0
    assert m.max_drawdown == -1.0
    assert m.calmar == -1.0
    assert (m.max_drawdown_duration_days, m.max_drawdown_duration_rounds) == (4, 4)  # never recovered
    # The returns stop at the bust: -50 %, then -100 %; there is nothing left to earn one on after.
    np.testing.assert_allclose(simple_returns([100.0, 50.0, 0.0, 0.0, 0.0]), [-0.5, -1.0])
    stdev = statistics.stdev([-0.5, -1.0])
    assert m.volatility == pytest.approx(stdev * math.sqrt(252))
    assert m.sharpe == pytest.approx(-0.75 / stdev * math.sqrt(252))
    assert m.sortino == pytest.approx(-0.75 * 252 / (math.sqrt((0.25 + 1.0) / 2) * math.sqrt(252)))
    # The benchmark is compared on the same Rounds (the two returns the Game had) ...
    game, market = np.array([-0.5, -1.0]), np.array([-0.1, 80 / 90 - 1])
    assert m.beta == pytest.approx(np.cov(game, market, ddof=0)[0, 1] / np.var(market))
    assert m.correlation == pytest.approx(1.0)
    # ... and its total return over the whole Game.
    assert m.benchmark_return == 0.0 and m.excess_return == -1.0
    fields = [value for value in vars(m).values() if isinstance(value, float)]
    assert all(math.isfinite(value) for value in fields), m


def test_a_game_that_owes_more_than_it_has() -> None:
    """Below zero (debts larger than the assets): the loss is counted in full, the CAGR is -100 %."""
    m = compute_metrics([100.0, 50.0, -20.0, -30.0, 10.0], BUST_TIMES)
    assert m.bust_round == 2
    assert m.total_return == pytest.approx(-0.9)  # where it ended, even after a recovery
    assert m.max_drawdown == pytest.approx(-1.3)  # 130 % of the peak lost at the worst
    assert m.cagr == pytest.approx((0.1) ** (365.25 / 4) - 1)
    np.testing.assert_allclose(simple_returns([100.0, 50.0, -20.0, -30.0, 10.0]), [-0.5, -1.4])
    ended_below = compute_metrics([100.0, 50.0, -20.0], BUST_TIMES[:3])
    assert ended_below.total_return == pytest.approx(-1.2)
    assert ended_below.cagr == ended_below.annual_return == -1.0
    assert math.isfinite(ended_below.sharpe)


def test_a_game_that_never_goes_bust_says_so() -> None:
    assert compute_metrics(VALUES, TIMES).bust_round is None


def test_the_drawdown_and_monthly_returns_of_a_bust_game() -> None:
    np.testing.assert_allclose(drawdown_series([100.0, 50.0, 0.0, -10.0]), [0.0, -0.5, -1.0, -1.1])
    times = days("2024-01-31", "2024-02-29", "2024-03-29", "2024-04-30")
    table = monthly_returns([100.0, 50.0, 0.0, 0.0], times)
    assert table.loc[2024, 2] == -0.5
    assert table.loc[2024, 3] == -1.0
    assert math.isnan(table.loc[2024, 4])  # nothing left in March to earn a return on


def test_drawdown_duration_counts_whole_days_and_rounds_across_daylight_saving() -> None:
    """Rounds at the New York close: 21:00 UTC in winter, 20:00 UTC in summer."""
    times = pd.DatetimeIndex(["2024-01-02 21:00", "2024-01-03 21:00", "2024-03-28 20:00", "2024-07-01 20:00"], tz="UTC")
    m = compute_metrics([100.0, 90.0, 95.0, 101.0], times.as_unit("ns").asi8)
    assert m.max_drawdown_duration_days == 181  # 2024-01-02 to 2024-07-01, not 180.96
    assert m.max_drawdown_duration_rounds == 3


def test_module_examples_run() -> None:
    failed, attempted = doctest.testmod(metrics_module)
    assert attempted > 0
    assert failed == 0


def test_returns_are_measured_from_the_start_capital_when_it_is_given() -> None:
    # 1,000 at the start, 800 of it paid at the first Round: the Game lost 80%, not 66.7% (200 -> ...).
    days = np.array([0, 1, 2, 3]) * 86_400 * 10**9
    values = [200.0, 200.0, 300.0, 200.0]
    measured = compute_metrics(values, days, start_value=Decimal(1000), periods_per_year=252)
    assert measured.total_return == pytest.approx(-0.8)
    assert measured.max_drawdown == pytest.approx(-0.8)
    assert measured.rounds == 4
    assert compute_metrics(values, days, periods_per_year=252).total_return == pytest.approx(0.0)
