"""Oracle: ``tradegame.reporting.metrics`` against empyrical-reloaded on the same return series.

Each Game value series is handed to ``compute_metrics``; empyrical gets the simple returns that
pandas' ``pct_change`` makes of the same values (and of the benchmark's), with
``annualization=`` set to the ``periods_per_year`` we inferred, so both sides annualize alike.
Two kinds of series are compared: a real one (the S&P 500's daily closes over 2007-2009 from the
``arch-sp500`` dataset, the NASDAQ Composite from ``arch-nasdaq`` as the benchmark) and random
walks from Hypothesis.

Tolerance: 1e-9 relative. Where a statistic is a small difference of large numbers the
rounding of either side is relative to those numbers, not to the result, and there the 1e-9 is
taken relative to that magnitude:

* a total return or drawdown is a ratio minus one: we divide two values, empyrical multiplies
  the returns, so both are off by a few ulps of the ratio ``1 + x`` (a total return of -1e-8
  differs in its eighth digit); annual returns raise that ratio to ``k = ppy / returns`` (or
  ``1 / years``), which multiplies its rounding by ``k``;
* a mean return near zero, a beta or correlation near zero: numpy's pairwise sums and the
  sequential sums of bottleneck (which empyrical uses) leave an absolute error proportional to
  the sum of the magnitudes; the magnitude is the same statistic computed from absolute values.

Conventions that differ, each written down and shown to explain the difference exactly:

* CAGR. empyrical's ``annual_return`` (alias ``cagr``) counts years as periods / annualization;
  our ``cagr`` counts calendar years between the first and last Round (days / 365.25), and our
  ``annual_return`` is empyrical's. Passing empyrical ``annualization = returns / calendar
  years`` makes its periods / annualization equal our calendar years, and then its
  ``annual_return`` is our ``cagr``.
* Calmar. empyrical divides its period-based annual return by |max drawdown|, we divide the
  calendar CAGR; with the same substitution empyrical's ``calmar_ratio`` is our ``calmar``, and
  our ``annual_return / |max_drawdown|`` is empyrical's plain ``calmar_ratio``.
* Zero risk. Where every return is equal (Sharpe) or none is below the required return
  (Sortino) empyrical returns ``inf`` (``nan`` for ``0 / 0``); we return NaN.
  ``test_zero_risk_is_nan_where_empyrical_says_inf`` pins it.
"""

from __future__ import annotations

import math

import empyrical as ep
import empyrical.stats as ep_stats
import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tradegame.data.datasets import load_dataset
from tradegame.reporting.metrics import Metrics, compute_metrics, drawdown_series, monthly_returns

REL = 1e-9
NS_PER_DAY = 86_400 * 10**9


def _close(ours: float | None, theirs: float, magnitude: float = 0.0) -> bool:
    """Equal to 1e-9 of the larger of the result and the magnitude its rounding scales with."""
    if ours is None:
        return False
    if math.isnan(theirs):
        return math.isnan(ours)
    if math.isinf(theirs):
        return ours == theirs
    return abs(ours - theirs) <= REL * max(abs(theirs), magnitude)


def _finite_or_nan(ratio: float) -> float:
    """empyrical's ratio with its ``inf`` over zero risk replaced by our NaN (see the docstring)."""
    return ratio if math.isfinite(ratio) else math.nan


def _returns(values: np.ndarray) -> np.ndarray:
    return pd.Series(values).pct_change().to_numpy()[1:]


def _assert_matches_empyrical(m: Metrics, values: np.ndarray, benchmark: np.ndarray, rf: float) -> None:
    r = _returns(values)
    b = _returns(benchmark)
    ppy = m.periods_per_year
    calendar_ppy = len(r) / m.years  # empyrical's periods / annualization == our calendar years
    excess = r - rf
    benchmark_excess = b - rf
    std = np.std(excess, ddof=1)
    downside = math.sqrt(np.mean(np.minimum(excess, 0) ** 2))
    mean_abs = float(np.mean(np.abs(excess)))
    # A growth g raised to the power k is off by k times g's rounding.
    annual_magnitude = (1 + abs(m.annual_return)) * ppy / len(r)
    cagr_magnitude = (1 + abs(m.cagr)) / m.years
    depth = abs(m.max_drawdown) or 1.0  # only used where there was a drawdown

    checks = {
        "total_return": (m.total_return, ep.cum_returns_final(r), 1 + abs(m.total_return)),
        "annual_return": (m.annual_return, ep.annual_return(r, annualization=ppy), annual_magnitude),
        "cagr": (m.cagr, ep.annual_return(r, annualization=calendar_ppy), cagr_magnitude),
        "volatility": (m.volatility, ep.annual_volatility(r, annualization=ppy), 0.0),
        "sharpe": (
            m.sharpe,
            _finite_or_nan(ep.sharpe_ratio(r, risk_free=rf, annualization=ppy)),
            mean_abs / std * math.sqrt(ppy),
        ),
        "sortino": (
            m.sortino,
            _finite_or_nan(ep.sortino_ratio(r, required_return=rf, annualization=ppy)),
            mean_abs * ppy / (downside * math.sqrt(ppy)) if downside else 0.0,
        ),
        "max_drawdown": (m.max_drawdown, ep.max_drawdown(r), 1.0),
        "calmar": (m.calmar, ep.calmar_ratio(r, annualization=calendar_ppy), cagr_magnitude / depth),
        "calmar (period-based)": (
            m.annual_return / depth if m.max_drawdown < 0 else math.nan,
            ep.calmar_ratio(r, annualization=ppy),
            annual_magnitude / depth,
        ),
        "benchmark_return": (m.benchmark_return, ep.cum_returns_final(b), 1 + abs(m.benchmark_return or 0.0)),
    }
    alpha, beta = ep.alpha_beta(r, b, risk_free=rf, annualization=ppy)
    centred = b - b.mean()
    beta_magnitude = float(np.mean(np.abs(centred * r)) / np.mean(centred**2))
    checks["beta"] = (m.beta, beta, beta_magnitude)
    alpha_magnitude = (
        ppy * (1 + abs(alpha)) * (mean_abs + (abs(beta) + beta_magnitude) * float(np.mean(np.abs(benchmark_excess))))
    )
    daily_alpha = float(np.mean(r - rf - beta * (b - rf))) if math.isfinite(beta) else math.nan
    if daily_alpha <= -1:  # a mean alpha of -100 % a period or worse: ours is -1 (everything lost), empyrical
        assert m.alpha == -1.0  # raises the negative base to the power ppy (its sign then follows ppy's parity)
    else:
        checks["alpha"] = (m.alpha, alpha, alpha_magnitude)
    correlation = pd.Series(r).corr(pd.Series(b))
    correlation_magnitude = float(np.mean(np.abs((r - r.mean()) * centred)) / (np.std(r) * np.std(b)))
    checks["correlation"] = (m.correlation, correlation, correlation_magnitude)

    mismatches = {
        name: (ours, theirs)
        for name, (ours, theirs, magnitude) in checks.items()
        if not _close(ours, theirs, magnitude)
    }
    assert not mismatches, mismatches
    np.testing.assert_allclose(drawdown_series(values)[1:], ep_stats.drawdown_series(r), rtol=REL, atol=REL)


# ---------------------------------------------------------------------------------------------
# A real series: the S&P 500 over the 2007-2009 crash, against the NASDAQ Composite


def _closes(dataset: str) -> pd.Series:
    bars = load_dataset(dataset).bars
    window = bars[(bars["ts"] >= "2007-01-01") & (bars["ts"] < "2010-01-01")]
    return window.set_index("ts")["close"]


@pytest.fixture(scope="module")
def crash() -> pd.DataFrame:
    both = pd.concat({"spx": _closes("arch-sp500"), "ixic": _closes("arch-nasdaq")}, axis=1, join="inner")
    assert len(both) == 756  # every session of 2007-2009 is in both files
    return both


@pytest.mark.parametrize("rf", [0.0, 0.0001])
def test_sp500_2007_2009_matches_empyrical(crash: pd.DataFrame, rf: float) -> None:
    values = crash["spx"].to_numpy()
    benchmark = crash["ixic"].to_numpy()
    times = crash.index.as_unit("ns").asi8
    m = compute_metrics(values, times, benchmark=benchmark, risk_free_per_round=rf)
    assert m.periods_per_year == 252  # daily exchange sessions, no Round at a weekend
    _assert_matches_empyrical(m, values, benchmark, rf)


def test_sp500_2007_2009_known_figures(crash: pd.DataFrame) -> None:
    """Figures anyone can check: the index fell from 1416.60 (2007-01-03) to 1115.10
    (2009-12-31), its peak close was 1565.15 on 2007-10-09 and its low 676.53 on 2009-03-09,
    and its 2008 price return was -38.49 %."""
    values = crash["spx"].to_numpy()
    times = crash.index.as_unit("ns").asi8
    m = compute_metrics(values, times)
    assert m.total_return == pytest.approx(1115.099976 / 1416.599976 - 1, rel=REL)
    assert m.max_drawdown == pytest.approx(676.530029 / 1565.150024 - 1, rel=1e-8)
    assert m.max_drawdown_duration_days == (pd.Timestamp("2009-12-31") - pd.Timestamp("2007-10-09")).days
    table = monthly_returns(values, times)
    assert (1 + table.loc[2008]).prod() - 1 == pytest.approx(-0.3849, abs=5e-5)


def test_monthly_table_matches_empyrical_aggregation(crash: pd.DataFrame) -> None:
    values = crash["spx"].to_numpy()
    table = monthly_returns(values, crash.index.as_unit("ns").asi8)
    theirs = ep.aggregate_returns(crash["spx"].pct_change().dropna(), "monthly")
    ours = table.stack()
    assert len(ours) == len(theirs) == 36
    np.testing.assert_allclose(ours.to_numpy(), theirs.to_numpy(), rtol=REL)


# ---------------------------------------------------------------------------------------------
# Random walks

_bps = st.integers(min_value=-1500, max_value=1500)


@st.composite
def walks(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """A Game value walk, a benchmark walk on the same Rounds, their times and a risk-free rate.

    Returns are whole basis points, at least two distinct ones so the sample deviation is not
    rounding noise (the all-equal case is pinned separately)."""
    n = draw(st.integers(min_value=2, max_value=300))
    game_bps = draw(st.lists(_bps, min_size=n, max_size=n))
    benchmark_bps = draw(st.lists(_bps, min_size=n, max_size=n))
    assume(len(set(game_bps)) > 1 and len(set(benchmark_bps)) > 1)
    start = draw(st.floats(min_value=1.0, max_value=1e7, allow_nan=False))
    values = start * np.cumprod(np.array([1.0] + [1 + k / 10_000 for k in game_bps]))
    benchmark = 50.0 * np.cumprod(np.array([1.0] + [1 + k / 10_000 for k in benchmark_bps]))
    first_day = np.datetime64("2015-01-01") + draw(st.integers(min_value=0, max_value=3000))
    if draw(st.booleans()):  # exchange sessions: weekdays only
        days = np.busday_offset(first_day, np.arange(n + 1), roll="forward")
    else:  # a 24/7 market
        days = first_day + np.arange(n + 1)
    times = days.astype("datetime64[ns]").astype(np.int64) + 21 * 3_600 * 10**9
    rf = draw(st.sampled_from([0.0, 0.0001, -0.00005]))
    return values, benchmark, times, rf


@settings(max_examples=300, deadline=None)
@given(walks())
def test_random_walks_match_empyrical(walk: tuple[np.ndarray, np.ndarray, np.ndarray, float]) -> None:
    values, benchmark, times, rf = walk
    m = compute_metrics(values, times, benchmark=benchmark, risk_free_per_round=rf)
    _assert_matches_empyrical(m, values, benchmark, rf)


# ---------------------------------------------------------------------------------------------
# The one convention that differs in value, pinned


def test_zero_risk_is_nan_where_empyrical_says_inf() -> None:
    doubling = np.array([1.0, 2.0, 4.0, 8.0])  # every return exactly 1.0: no dispersion, no downside
    r = _returns(doubling)
    assert ep.sharpe_ratio(r, annualization=252) == math.inf
    assert ep.sortino_ratio(r, annualization=252) == math.inf
    times = np.arange(4) * NS_PER_DAY
    m = compute_metrics(doubling, times, periods_per_year=252)
    assert math.isnan(m.sharpe)
    assert math.isnan(m.sortino)

    flat = np.full(5, 100.0)
    r = _returns(flat)
    assert math.isnan(ep.sharpe_ratio(r, annualization=252))
    assert math.isnan(ep.sortino_ratio(r, annualization=252))
    m = compute_metrics(flat, np.arange(5) * NS_PER_DAY, periods_per_year=252)
    assert math.isnan(m.sharpe)
    assert math.isnan(m.sortino)
    assert m.max_drawdown == ep.max_drawdown(r) == 0.0
    assert math.isnan(m.calmar)
    assert math.isnan(ep.calmar_ratio(r, annualization=252))
