"""Oracle: on effect-free hourly Games shaped like ``examples/experiments/time-of-day.toml`` (one-month
Games started every 5th session of a year, acting at each of the 24 hours; neighbouring hours
share their noise, every hour the market's move), the time-of-day test reports an effect no more
often than its stated 5%; and it finds a planted afternoon effect. The Games are synthetic
(``tests/unit/experiments/time_of_day_kit.py``): what matters is that they overlap as the
shipped experiment's do.
"""

from __future__ import annotations

import pytest

from tests.unit.experiments.time_of_day_kit import hourly_rows
from tradegame.experiments.analysis_frame import results_frame
from tradegame.experiments.analysis_time_of_day import TimeOfDayOptions, time_of_day

ALPHA = 0.05
SEEDS = 200
OPTIONS = TimeOfDayOptions(metrics=("score",), resamples=50, draws=499, alpha=ALPHA)


def _flagged(seeds: range, effect: float) -> int:
    found = 0
    for seed in seeds:
        arm = time_of_day(results_frame(hourly_rows(seed, effect)), OPTIONS)["arms"]["all"]  # type: ignore[index]
        found += bool(arm["metrics"]["score"]["evidence"])
    return found


@pytest.mark.slow
def test_effect_free_series_are_flagged_no_more_often_than_the_stated_rate() -> None:
    flagged = _flagged(range(SEEDS), 0.0)
    assert flagged <= ALPHA * SEEDS, f"{flagged} of {SEEDS} effect-free series flagged"


def test_a_planted_effect_of_a_twelfth_of_the_daily_noise_is_found_most_of_the_time() -> None:
    assert _flagged(range(1000, 1020), 0.08) >= 15
