"""Oracle: the seasonality test finds a planted January effect, and on effect-free series with the
shipped experiment's overlapping start dates it reports an effect no more often than it says.

The series are synthetic: a price that is a random walk of daily log returns (mean 0.03%, sd 1.2%)
on the New York Stock Exchange's sessions. A Game started on a session holds from that session to
the last session on or before its end (``plan.add_span``); its score is 100,000 x its return, which
is what a buy-and-hold Game scores without costs. The start dates are those of
``examples/experiments/seasonality.toml`` (every 5th session of 2000-2017: neighbours share 98% of
their year), so the test meets the overlap the shipped experiment has.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import exchange_calendars
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from tradegame.experiments.analysis_seasonality import GROUPINGS, SeasonalityOptions, seasonality_arm
from tradegame.experiments.analysis_stats import block_rotations, holm, rotation_test
from tradegame.experiments.plan import add_span, select_starts
from tradegame.experiments.prepare import load_experiment
from tradegame.experiments.spec import Length

ROOT = Path(__file__).resolve().parents[2]
ALPHA = 0.05
SEEDS = 200
FUND = 100_000.0


def _sessions() -> pd.DatetimeIndex:
    calendar = exchange_calendars.get_calendar("XNYS", start="1999-01-04", end="2019-12-31")
    return pd.DatetimeIndex(calendar.sessions_in_range("1999-01-04", "2019-12-31")).tz_localize(None)


SESSIONS = _sessions()


def shipped_starts() -> tuple[np.ndarray, Length]:
    """The rows in ``SESSIONS`` of the shipped experiment's start dates, and its Game length."""
    experiment = load_experiment(ROOT / "examples" / "experiments" / "seasonality.toml")
    starts = experiment.starts
    assert starts is not None and starts.first is not None and starts.last is not None
    days = [d.date() for d in SESSIONS if starts.first <= d.date() <= starts.last]
    chosen = select_starts(starts, days)
    return SESSIONS.get_indexer(pd.DatetimeIndex(chosen)), experiment.lengths[0]


def end_rows(start_rows: np.ndarray, length: Length) -> np.ndarray:
    """The row of each Game's last session: on or before its start plus ``length``."""
    ends = [add_span(SESSIONS[row].date(), length) for row in start_rows]
    return np.searchsorted(SESSIONS.values, pd.DatetimeIndex(ends).values, side="right") - 1


def scores(seeds: range, start_rows: np.ndarray, last_rows: np.ndarray, january_drift: float = 0.0) -> np.ndarray:
    """One row of Game scores per seed (seeds x Games), from the seeds' random-walk prices."""
    rows = []
    january = np.asarray(SESSIONS.month == 1, dtype=np.float64)
    for seed in seeds:
        steps = np.random.default_rng(seed).normal(0.0003, 0.012, len(SESSIONS)) + january_drift * january
        log_price = np.concatenate([[0.0], np.cumsum(steps[1:])])
        rows.append(FUND * np.expm1(log_price[last_rows] - log_price[start_rows]))
    return np.asarray(rows)


def test_the_shipped_start_dates_overlap() -> None:
    start_rows, length = shipped_starts()
    assert length == Length(years=1) and len(start_rows) > 800
    assert SESSIONS[start_rows[0]].date() == date(2000, 1, 3)
    assert int(np.median(np.diff(start_rows))) == 5  # a week apart, each Game a year long


def test_effect_free_series_are_flagged_no_more_often_than_the_stated_rate() -> None:
    start_rows, length = shipped_starts()
    starts = SESSIONS[start_rows]
    labels = {"month": starts.month - 1, "weekday": starts.day_of_week, "day_of_month": starts.day - 1}
    codes = {name: np.asarray(values, dtype=np.int64) for name, values in labels.items()}
    years = np.asarray(starts.year, dtype=np.int64)
    # The null's arrangements depend on the calendar only: drawn once, used for every series.
    arranged = {name: block_rotations(codes[name], years, draws=399) for name in GROUPINGS}
    all_scores = scores(range(SEEDS), start_rows, end_rows(start_rows, length))
    flagged = naive_flagged = 0
    for values in all_scores:
        p_values = [rotation_test(values, codes[n], years, arrangements=arranged[n]).p_value for n in GROUPINGS]
        flagged += min(holm(p_values)) < ALPHA
        # What the textbook does: each Game an independent observation (one-way ANOVA).
        naive = [
            stats.f_oneway(*(values[codes[name] == g] for g in np.unique(codes[name]))).pvalue for name in GROUPINGS
        ]
        naive_flagged += min(holm(naive)) < ALPHA
    assert flagged <= ALPHA * SEEDS, f"{flagged} of {SEEDS} effect-free series flagged"
    assert naive_flagged >= 4 * ALPHA * SEEDS, f"the i.i.d. test flagged only {naive_flagged} of {SEEDS}"
    # The decision the report shows is the same one.
    found = seasonality_arm(pd.DataFrame({"start": starts, "score": all_scores[0]}), SeasonalityOptions(("score",)))
    p_values = [rotation_test(all_scores[0], codes[name], years).p_value for name in GROUPINGS]
    assert [found["groupings"][name]["score"]["p_adjusted"] for name in GROUPINGS] == pytest.approx(holm(p_values))  # type: ignore[index]


@pytest.mark.parametrize("seed", range(5))
def test_a_planted_january_effect_is_found(seed: int) -> None:
    """One-month Games on a price that rises 0.6% a session more in January."""
    start_rows, _ = shipped_starts()
    last_rows = end_rows(start_rows, Length(months=1))
    values = scores(range(seed, seed + 1), start_rows, last_rows, january_drift=0.006)[0]
    frame = pd.DataFrame({"start": SESSIONS[start_rows], "score": values})
    found = seasonality_arm(frame, SeasonalityOptions(("score",), resamples=500))
    month = found["groupings"]["month"]["score"]  # type: ignore[index]
    assert month["evidence"] and month["wording"].startswith("Evidence that the score differs by start month")
    january = month["groups"][0]
    # A one-month Game started in late December is mostly January, so December runs high too.
    others = [g["mean"] for g in month["groups"] if g["label"] not in ("Jan", "Dec")]
    assert january["label"] == "Jan" and january["mean"] > max(others)
    assert january["low"] > float(np.median(others))  # its interval above a typical month
    weekday = found["groupings"]["weekday"]["score"]  # type: ignore[index]
    assert not weekday["evidence"] and weekday["wording"].startswith("No evidence that the score differs")


def test_a_planted_january_effect_on_one_year_games_is_found() -> None:
    """The shipped shape: 1-year Games, and a Model that scores 25,000 more when it starts in January."""
    start_rows, length = shipped_starts()
    values = scores(range(3, 4), start_rows, end_rows(start_rows, length))[0]
    starts = SESSIONS[start_rows]
    values = values + 25_000.0 * (starts.month == 1)
    found = seasonality_arm(pd.DataFrame({"start": starts, "score": values}), SeasonalityOptions(("score",)))
    assert found["groupings"]["month"]["score"]["evidence"]  # type: ignore[index]
    assert found["blocks"] == 18 and found["effective_sample_size"]["score"] < 100  # type: ignore[index]
