"""The time-of-day analysis on synthetic Games: a planted hour effect is found, none is not
claimed, and the null's rotations keep each block's Games together."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tradegame.experiments.analysis_frame import results_frame
from tradegame.experiments.analysis_time_of_day import TimeOfDayOptions, hour_rotations, time_of_day

from .time_of_day_kit import PLANTED_HOURS, hourly_rows

FAST = TimeOfDayOptions(resamples=300, draws=499)


def test_a_planted_afternoon_effect_is_found_and_named() -> None:
    found = time_of_day(results_frame(hourly_rows(seed=1, effect=0.15)), FAST)
    arm = found["arms"]["all"]  # type: ignore[index]
    score = arm["metrics"]["score"]
    assert score["evidence"] and score["p_adjusted"] < 0.05
    best = max(score["groups"], key=lambda g: g["mean"])
    assert best["hour"] in PLANTED_HOURS
    assert score["wording"].startswith("Evidence that the score differs by the hour")
    assert arm["hours"] == list(range(24)) and arm["start_dates"] == 50 and arm["games"] == 1200
    assert arm["block_days"] == 3 * 31 and arm["blocks"] == 4  # three 1-month lengths a block
    assert 0.5 * arm["games"] < arm["tested_games"] < arm["games"]  # the Games inside their own block
    for group in score["groups"]:
        assert group["low"] <= group["mean"] <= group["high"]


def test_without_an_effect_it_says_no_evidence_and_what_that_does_not_show() -> None:
    found = time_of_day(results_frame(hourly_rows(seed=2)), FAST)
    arm = found["arms"]["all"]  # type: ignore[index]
    for metric in ("score", "total_return"):
        verdict = arm["metrics"][metric]
        assert not verdict["evidence"] and verdict["p_adjusted"] >= 0.05
        assert "No evidence" in verdict["wording"] and "does not show that the hours are equal" in verdict["wording"]
    # 50 start dates of overlapping Games hold far fewer independent ones.
    assert 1 < arm["effective_sample_size"]["score"] < 50


def test_the_rotations_move_every_game_of_a_block_by_the_same_offset() -> None:
    codes = np.tile(np.arange(4, dtype=np.int64), 6)  # 6 start dates x 4 hours
    blocks = np.repeat(np.array([0, 0, 0, 1, 1, 1]), 4)
    null = hour_rotations(codes, blocks, 4, draws=200, seed=3)
    assert len(null) and null.shape[1] == len(codes)
    offsets = (null - codes[None, :]) % 4
    assert (offsets[:, :12] == offsets[:, :1]).all() and (offsets[:, 12:] == offsets[:, 12:13]).all()
    assert ((offsets[:, 0] != 0) | (offsets[:, 12] != 0)).all()  # no draw keeps more than half the labels


def test_results_without_an_hour_axis_say_so() -> None:
    rows = [{**row, "coordinates": {k: v for k, v in row["coordinates"].items() if k != "hour"}}  # type: ignore[attr-defined]
            for row in hourly_rows(seed=0)[:48]]  # fmt: skip
    found = time_of_day(results_frame(rows), FAST)
    assert found["arms"] == {} and "axes.hour" in str(found["note"])
    assert time_of_day(pd.DataFrame(), FAST)["arms"] == {}
