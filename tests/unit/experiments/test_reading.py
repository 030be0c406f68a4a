"""Experiment files: every problem named by its field, nothing read on a bad file."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tradegame.experiments.reading import ExperimentFileError, read_experiment
from tradegame.experiments.spec import Length, StartDates, UniverseFilter

BASE: dict[str, object] = {
    "game": {"name": "base", "start": "2005-01-03", "end": "2005-12-30", "schedule": "daily", "start_fund": "1000"},
    "data": [{"dataset": "arch-sp500"}],
    "model": {"name": "buy-and-hold"},
}


def problems_of(document: dict[str, Any]) -> list[str]:
    with pytest.raises(ExperimentFileError) as caught:
        read_experiment(document, BASE, "exp.toml")
    assert str(caught.value).startswith("exp.toml: invalid experiment")
    return caught.value.problems


def test_a_good_file_is_read() -> None:
    document = {
        "experiment": {"name": "s", "seed": 3},
        "axes": {
            "start": {"from": "2005-01-03", "to": "2006-01-03", "every": 5, "weekdays": ["Mon", "fri"]},
            "length": ["1y", "30r"],
            "model": [{"name": "sma-crossover", "params": {"symbol": "SPX"}, "grid": {"fast": [5, 10]}}],
            "schedule": ["daily", {"round_intervals": [1, 2]}],
            "fees": [{"model": "none"}],
            "start_fund": ["500", 1000],
        },
    }
    experiment = read_experiment(document, BASE, "exp.toml")
    assert experiment.starts is not None and experiment.starts.weekdays == (0, 4)
    assert experiment.starts == StartDates(experiment.starts.first, experiment.starts.last, 5, (0, 4), None, ())
    assert experiment.lengths == (Length(years=1), Length(rounds=30))
    assert experiment.models[0].grid == {"fast": (5, 10)}


def test_an_unknown_axis_is_named_with_a_hint() -> None:
    (problem,) = problems_of({"axes": {"lenght": ["1y"]}})
    assert problem.startswith("axes.lenght: unknown key (did you mean 'length'?)")


def test_an_empty_axis_is_refused() -> None:
    assert problems_of({"axes": {"length": []}}) == [
        "axes.length: is empty; give at least one value or leave the axis out"
    ]
    assert "axes.model[0].grid.fast: give a list of at least one value, got []" in problems_of(
        {"axes": {"model": [{"name": "sma-crossover", "grid": {"fast": []}}]}}
    )


def test_bad_dates_are_refused() -> None:
    problems = problems_of({"axes": {"start": {"from": "2005-13-01", "to": "2004-01-01"}}})
    assert problems == ["axes.start.from: must be a date such as 2001-01-02, got '2005-13-01'"]
    assert problems_of({"axes": {"start": {"from": "2006-01-01", "to": "2005-01-01"}}}) == [
        "axes.start.to: 2005-01-01 is before from 2006-01-01"
    ]
    assert problems_of({"axes": {"start": {"dates": ["2005-01-03", 7]}}}) == [
        "axes.start.dates[1]: must be a date such as 2001-01-02, got 7"
    ]


def test_bad_values_are_refused_by_the_game_file_rules() -> None:
    problems = problems_of(
        {
            "axes": {
                "length": ["1y", "soon"],
                "schedule": ["fortnightly"],
                "fees": [{"model": "percent", "rate": "-1"}],
                "start_fund": ["-5"],
            }
        }
    )
    assert problems[0] == "axes.length[1]: a span such as '1y', '6m', '1y6m', '30d' or Rounds '250r', got 'soon'"
    assert any(p.startswith("axes.schedule[0]: game.schedule: ") for p in problems)
    assert any(p.startswith("axes.fees[0]: accounts[0].fees") for p in problems)
    assert any(p.startswith("axes.start_fund[0]: game.start_fund: ") for p in problems)


def test_hours_and_universes_are_read() -> None:
    document = {
        "axes": {
            "hour": [0, 13, 23],
            "universe": [
                {"name": "cheap", "price": ["0", "50"], "currency": ["USD"]},
                {
                    "name": "thin",
                    "traded_value": [0, "1e6"],
                    "window": 5,
                    "asset_class": "equity",
                    "sector": ["Energy"],
                },
            ],
        }
    }
    experiment = read_experiment(document, BASE, "exp.toml")
    assert experiment.hours == (0, 13, 23)
    cheap, thin = experiment.universes
    assert cheap == UniverseFilter("cheap", price=(Decimal(0), Decimal(50)), currencies=("USD",))
    assert thin == UniverseFilter("thin", traded_value=(Decimal(0), Decimal("1e6")), window=5,
                                  asset_classes=("equity",), sectors=("Energy",))  # fmt: skip


@pytest.mark.parametrize(
    ("axes", "expected"),
    [
        ({"hour": [24]}, "axes.hour[0]: an hour of the day from 0 to 23 (UTC), got 24"),
        ({"hour": [-1, 3]}, "axes.hour[0]: an hour of the day from 0 to 23 (UTC), got -1"),
        ({"hour": ["13"]}, "axes.hour[0]: an hour of the day from 0 to 23 (UTC), got '13'"),
        ({"hour": [1, 1]}, "axes.hour: an hour is given twice"),
        ({"hour": [1], "schedule": ["daily"]}, "axes.hour: a Game acting at an hour has no other schedule"),
        ({"universe": [{"price": ["50", "5"]}]}, "axes.universe[0].price: the band [50, 5] is empty"),
        ({"universe": [{"price": ["5", "5"]}]}, "axes.universe[0].price: the band [5, 5] is empty"),
        ({"universe": [{"traded_value": ["-1", "5"]}]}, "axes.universe[0].traded_value: a band [low, high]"),
        ({"universe": [{"price": ["1"]}]}, "axes.universe[0].price: a band [low, high]"),
        ({"universe": [{"price": [0.5, 2]}]}, "axes.universe[0].price: a band [low, high]"),
        ({"universe": [{"sectr": ["Energy"]}]}, "axes.universe[0].sectr: unknown key (did you mean 'sector'?)"),
        ({"universe": [{"window": 5}]}, "axes.universe[0].window: only used with traded_value"),
        ({"universe": [{"name": "a"}, {"name": "a"}]}, "axes.universe[1].name: a name of its own"),
        ({"universe": [{"sector": []}]}, "axes.universe[0].sector: a list of names"),
    ],
)
def test_bad_hours_and_universes_are_named(axes: dict[str, object], expected: str) -> None:
    assert any(problem.startswith(expected) for problem in problems_of({"axes": axes})), problems_of({"axes": axes})
