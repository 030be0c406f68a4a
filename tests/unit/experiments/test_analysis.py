"""The experiment analyses on small synthetic results: the frame, crash stress, slower trading,
capacity, and the universe's statement on every report."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import numpy as np
import pandas as pd

from tradegame.experiments.analysis import UNSTATED_SURVIVORSHIP, UniverseNote, analyse
from tradegame.experiments.analysis_frame import results_frame
from tradegame.experiments.analysis_questions import capacity_curve, crash_stress, schedule_comparison
from tradegame.experiments.analysis_seasonality import SeasonalityOptions

STARTS = pd.bdate_range("2006-01-02", "2009-12-31", freq="7D")


def rows(
    schedules: tuple[str, ...] = ("daily",), funds: tuple[str, ...] = ("100000",), capped: bool = False
) -> list[dict[str, object]]:
    """Stored-row-shaped Games: weekly starts 2006-2009, a score that falls for 2008 starts."""
    rng = np.random.default_rng(5)
    made = []
    for schedule in schedules:
        for fund in funds:
            for start in STARTS:
                ret = float(rng.normal(0.05, 0.1)) - (0.5 if start.year == 2008 else 0.0)
                outcome = "catastrophic" if ret < -0.4 else ("perfect" if ret > 0.25 else "completed")
                row: dict[str, object] = {
                    "game_id": f"{schedule}-{fund}-{start.date()}",
                    "coordinates": {"start": start.date().isoformat(), "length": "1y", "model": "sma-crossover",
                                    "params": {"fast": 20, "slow": 100}, "schedule": schedule, "start_fund": fund},
                    "seed": 1, "outcome": outcome, "rounds": 250, "trades": 12 if schedule == "daily" else 4,
                    "start_capital": Decimal(fund), "score": Decimal(str(round(ret * float(fund), 2))),
                    "fees": Decimal("12.00") if schedule == "daily" else Decimal("4.00"), "taxes": Decimal("1.00"),
                    "total_return": ret, "max_drawdown": -abs(ret) / 2, "sharpe": None,
                }  # fmt: skip
                if capped:
                    row["volume_capped"] = float(fund) >= 1_000_000
                made.append(row)
    return made


def test_the_results_frame_has_one_row_per_game_with_coordinates_as_columns() -> None:
    frame = results_frame(rows(schedules=("daily", "weekly")))
    assert len(frame) == 2 * len(STARTS)
    assert frame["start"].dtype.kind == "M" and frame["score"].dtype == np.float64
    assert set(frame["schedule"]) == {"daily", "weekly"} and set(frame["params"]) == {"fast=20, slow=100"}
    assert set(frame["arm"]) == {"schedule=daily", "schedule=weekly"}  # only what varies names an arm
    assert results_frame(rows())["arm"].unique().tolist() == ["all"]
    assert results_frame([]).empty
    keyed = [{("game_key" if k == "game_id" else k): v for k, v in row.items()} for row in rows()]
    assert results_frame(keyed)["game_key"].tolist() == results_frame(rows())["game_id"].tolist()  # the store's name


def test_crash_stress_counts_outcomes_in_each_window() -> None:
    frame = results_frame(rows())
    windows = {"2008": (date(2008, 1, 1), date(2008, 12, 31)), "2020": (date(2019, 7, 1), date(2020, 2, 19))}
    found = crash_stress(frame, windows)["windows"]
    in_2008 = found["2008"]["arms"]["all"]  # type: ignore[index]
    expected = frame[frame["start"].dt.year == 2008]["outcome"].value_counts()
    assert in_2008["games"] == int(expected.sum())
    assert in_2008["outcomes"]["catastrophic"] == int(expected.get("catastrophic", 0)) > 0
    assert in_2008["max_drawdown"]["min"] == frame[frame["start"].dt.year == 2008]["max_drawdown"].min()
    assert found["2020"]["arms"] == {} and "no Game" in found["2020"]["note"]  # type: ignore[index]


def test_slower_schedules_are_compared_on_the_same_start_dates() -> None:
    frame = results_frame(rows(schedules=("weekly", "daily")))
    found = schedule_comparison(frame)
    arm = found["arms"]["all"]  # type: ignore[index]
    assert [row["schedule"] for row in arm["schedules"]] == ["daily", "weekly"] and arm["reference"] == "daily"
    daily, weekly = arm["schedules"]
    assert daily["fees"] == 12.0 and weekly["fees"] == 4.0 and weekly["trades"] == 4.0
    difference = weekly["versus_most_frequent"]
    by_start = frame.pivot_table(index="start", columns="schedule", values="score")
    assert difference["starts"] == len(STARTS)
    assert np.isclose(difference["mean"], float((by_start["weekly"] - by_start["daily"]).mean()))
    assert difference["low"] <= difference["mean"] <= difference["high"]
    assert "turnover is not in these results" in found["note"]  # type: ignore[operator]


def test_the_capacity_curve_says_where_the_volume_cap_binds() -> None:
    found = capacity_curve(results_frame(rows(funds=("1000", "100000", "1000000"), capped=True)))
    arm = found["arms"]["all"]  # type: ignore[index]
    assert [f["start_fund"] for f in arm["funds"]] == [1000.0, 100000.0, 1000000.0]
    assert [f["capped_share"] for f in arm["funds"]] == [0.0, 0.0, 1.0] and arm["cap_binds_from"] == 1_000_000.0
    assert "volume cap" in str(capacity_curve(results_frame(rows(funds=("1000", "5000"))))["note"])


def test_every_report_states_the_universe_and_is_plain_json() -> None:
    frame = results_frame(rows(schedules=("daily", "weekly")))
    note = UniverseNote("dataset arch-sp500: SPX", "2018-12-31", "low: an index, not a list of survivors")
    found = analyse(frame, note, options=SeasonalityOptions(resamples=200, draws=199))
    assert set(found) == {
        "universe",
        "summary",
        "seasonality",
        "crash_stress",
        "schedules",
        "capacity",
        "time_of_day",
        "universes",
        "training_windows",
        "training_decay",
    }
    assert found["universe"]["statement"] == (  # type: ignore[index]
        "Universe: dataset arch-sp500: SPX. Selected on 2018-12-31. "
        "Survivorship risk: low: an index, not a list of survivors."
    )
    json.dumps(found, allow_nan=False)  # no NaN anywhere
    unstated = UniverseNote("dataset x").as_dict()
    assert unstated["selection_date"] is None and unstated["survivorship"] == UNSTATED_SURVIVORSHIP
    season = found["seasonality"]["arms"]["schedule=daily"]  # type: ignore[index]
    assert season["blocks"] == 4 and len(season["heatmap"]["rows"]) == 12
    assert season["note"].startswith("These Games last a year or more")  # 1-year Games
    for grouping in ("month", "day_of_month"):
        verdict = season["groupings"][grouping]["score"]
        assert verdict["wording"].startswith("Evidence" if verdict["evidence"] else "No evidence")
    weekday = season["groupings"]["weekday"]["score"]  # every start is a Monday
    assert not weekday["evidence"] and weekday["wording"].startswith("Not tested: the score by start weekday")


def test_an_experiment_with_no_game_stored_yet_still_reports() -> None:
    from tradegame.reporting.experiment_report import render_experiment_html

    found = analyse(results_frame([]), UniverseNote("dataset x"))
    assert found["summary"]["games"] == 0 and found["seasonality"]["arms"] == {}  # type: ignore[index]
    head = {"experiment": {"id": "e-1", "name": "e", "games_planned": 10, "games_stored": 0}}
    assert "No finished Games to analyse." in render_experiment_html({**head, **found})
