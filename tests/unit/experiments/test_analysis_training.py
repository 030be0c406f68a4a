"""The out-of-sample score by training window, checked against a hand computation."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import pytest

from tradegame.experiments.analysis_frame import results_frame
from tradegame.experiments.analysis_training import OUT_OF_SAMPLE, training_windows

STARTS = ("2005-01-03", "2005-07-01", "2006-01-03", "2006-07-03")
ONE = {"length": "1y", "cutoff": "0d"}
TWO = {"length": "2y", "cutoff": "30d"}
# score and total return of each Game, by window then start
SCORES = {"L=1y c=0d": (10.0, 20.0, -5.0, 15.0), "L=2y c=30d": (4.0, 30.0, -1.0, 3.0)}
RETURNS = {"L=1y c=0d": (0.10, 0.20, -0.05, 0.15), "L=2y c=30d": (0.04, 0.30, -0.01, 0.03)}


def frame(models: tuple[str, ...] = ("gbm-classifier",)) -> pd.DataFrame:
    rows = []
    for model in models:
        for window in (TWO, ONE):  # listed out of order: the reference is still the shortest L
            label = f"L={window['length']} c={window['cutoff']}"
            for index, start in enumerate(STARTS):
                rows.append(
                    {
                        "game_id": f"{model}-{label}-{start}",
                        "coordinates": {"start": start, "model": model, "training": window},
                        "outcome": "completed",
                        "score": SCORES[label][index],
                        "total_return": RETURNS[label][index],
                    }
                )
    rows.append({"game_id": "x", "coordinates": {"start": STARTS[0], "training": ONE}, "outcome": "error"})
    return results_frame(rows[:-1] if len(models) > 1 else rows)


def test_means_and_paired_differences_match_a_hand_computation() -> None:
    found = training_windows(frame())
    assert found["note"] == OUT_OF_SAMPLE and "out of sample by construction" in OUT_OF_SAMPLE.lower()
    arm = found["arms"]["all"]  # type: ignore[index]
    assert arm["reference"] == "L=1y c=0d"
    one, two = arm["windows"]
    assert [one["training"], two["training"]] == ["L=1y c=0d", "L=2y c=30d"]
    assert one["games"] == 4 and two["games"] == 4  # the errored Game is left out
    assert one["score"]["mean"] == pytest.approx(10.0)  # (10 + 20 - 5 + 15) / 4
    assert two["score"]["mean"] == pytest.approx(9.0)  # (4 + 30 - 1 + 3) / 4
    assert two["total_return"]["mean"] == pytest.approx(0.09)
    assert one["versus_reference"] == {"score": None, "total_return": None}
    difference = two["versus_reference"]["score"]
    assert difference["starts"] == 4
    assert difference["mean"] == pytest.approx(-1.0)  # (-6 + 10 + 4 - 12) / 4
    assert two["versus_reference"]["total_return"]["mean"] == pytest.approx(-0.01)
    for row in (one, two):
        for value in ("score", "total_return"):
            assert row[value]["low"] <= row[value]["mean"] <= row[value]["high"]
    assert difference["low"] <= difference["mean"] <= difference["high"]
    json.dumps(found, allow_nan=False)


def test_each_arm_is_compared_on_its_own_and_a_reference_may_be_named() -> None:
    found = training_windows(frame(("gbm-classifier", "regime")), reference="L=2y c=30d")
    arms: dict[str, Any] = found["arms"]  # type: ignore[assignment]
    assert sorted(arms) == ["model=gbm-classifier", "model=regime"]
    for arm in arms.values():
        assert arm["reference"] == "L=2y c=30d"
        assert arm["windows"][0]["versus_reference"]["score"]["mean"] == pytest.approx(1.0)


def test_an_experiment_without_the_axis_says_so() -> None:
    rows = [{"game_id": "a", "coordinates": {"start": STARTS[0]}, "outcome": "completed", "score": 1.0}]
    assert training_windows(results_frame(rows)) == {"arms": {}, "note": "this experiment has no training axis"}


def test_the_experiment_report_draws_the_section_only_with_the_axis() -> None:
    from tradegame.experiments.analysis import UniverseNote, analyse
    from tradegame.experiments.analysis_seasonality import SeasonalityOptions
    from tradegame.reporting.experiment_report import render_experiment_html

    head = {"experiment": {"id": "e-1", "name": "e", "games_planned": 8, "games_stored": 8}}
    options = SeasonalityOptions(resamples=50, draws=49)
    found = analyse(frame(), UniverseNote("dataset arch-sp500: SPX"), options=options)
    page = render_experiment_html({**head, **found})
    assert 'id="training-windows"' in page and 'data-chart="training-windows"' in page
    assert "Out of sample by construction" in page and "Score vs L=1y c=0d" in page
    plain = analyse(frame().assign(training=""), UniverseNote("dataset arch-sp500: SPX"), options=options)
    assert 'id="training-windows"' not in render_experiment_html({**head, **plain})
