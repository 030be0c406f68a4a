"""The training axis: each value a [model.training] table merged into the base Game's."""

from __future__ import annotations

from typing import Any

import pytest

from tradegame.engine.gamefile import draft_game
from tradegame.experiments.analysis_frame import results_frame, training_label
from tradegame.experiments.plan import axes_of, expand, experiment_id, game_document
from tradegame.experiments.reading import ExperimentFileError, read_experiment

BASE: dict[str, object] = {
    "game": {"name": "base", "start": "2005-01-03", "end": "2005-12-30", "schedule": "daily", "start_fund": "1000"},
    "data": [{"dataset": "arch-sp500"}],
    "model": {"name": "gbm-classifier", "params": {"symbol": "SPX"}, "training": {"length": "2y", "every": 21}},
}
WINDOWS: list[dict[str, object]] = [
    {"length": "1y", "cutoff": "0d"},
    {"length": "5y", "cutoff": "30d", "every": "monthly"},
]


def read(axes: dict[str, Any]) -> Any:
    return read_experiment({"experiment": {"name": "t", "seed": 4}, "axes": axes}, BASE, "exp.toml")


def test_the_axis_expands_into_games_whose_training_merges_into_the_base() -> None:
    experiment = read({"training": WINDOWS})
    games = expand(experiment)
    assert [game.coordinates for game in games] == [{"training": window} for window in WINDOWS]
    first, second = (game_document(experiment, game) for game in games)
    assert first["model"]["training"] == {"length": "1y", "cutoff": "0d", "every": 21}  # type: ignore[index]
    assert second["model"]["training"] == {"length": "5y", "cutoff": "30d", "every": "monthly"}  # type: ignore[index]
    assert second["model"]["params"] == {"symbol": "SPX"}  # type: ignore[index]
    spec = draft_game(second, "game").spec
    assert spec is not None and spec.training is not None and str(spec.training.length) == "5y"
    assert BASE["model"]["training"] == {"length": "2y", "every": 21}  # type: ignore[index]


def test_ids_and_seeds_are_stable_and_include_the_window() -> None:
    games = expand(read({"training": WINDOWS}))
    # pinned: the SHA-256 of the canonical coordinates, the same in every run and process
    assert [(g.game_id, g.seed) for g in games] == [("fbb3068c66127165", 179663090), ("ddef75ccb2f11b2c", 65943126)]
    again = expand(read({"training": list(reversed(WINDOWS))}))
    assert {(g.game_id, g.seed) for g in games} == {(g.game_id, g.seed) for g in again}
    assert len({g.game_id for g in games}) == 2 and len({g.seed for g in games}) == 2
    with_more = expand(read({"training": [*WINDOWS, {"length": "2y"}]}))
    assert {g.game_id for g in games} < {g.game_id for g in with_more}
    assert experiment_id(read({"training": WINDOWS})) != experiment_id(read({}))
    assert experiment_id(read({})) == experiment_id(read({}))


def test_the_ids_of_experiments_without_the_axis_do_not_change() -> None:
    experiment = read({"length": ["1y"]})
    assert "trainings" not in axes_of(experiment)


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ({"length": "two years"}, "axes.training[0]: model.training.length: "),
        ({"lenght": "1y"}, "axes.training[0]: model.training.lenght: unknown key"),
        ("1y", "axes.training[0]: must be a table, got '1y'"),
        ({"every": "fortnightly"}, "axes.training[0]: model.training.every: "),
    ],
)
def test_a_bad_value_is_refused_with_one_message(value: object, problem: str) -> None:
    with pytest.raises(ExperimentFileError) as caught:
        read({"training": [value]})
    assert len(caught.value.problems) == 1, caught.value.problems
    assert caught.value.problems[0].startswith(problem), caught.value.problems


def test_the_frame_labels_the_window() -> None:
    assert training_label({"length": "5y", "cutoff": "30d", "every": "monthly"}) == "L=5y c=30d every=monthly"
    rows = [
        {"game_id": str(i), "coordinates": {"start": "2005-01-03", "training": w}, "outcome": "completed", "score": 1}
        for i, w in enumerate(WINDOWS)
    ]
    frame = results_frame(rows)
    assert list(frame["training"]) == ["L=1y c=0d", "L=5y c=30d every=monthly"]
    assert list(frame["arm"]) == ["training=L=1y c=0d", "training=L=5y c=30d every=monthly"]


def test_a_game_with_a_training_table_is_left_to_the_round_loop() -> None:
    from tradegame.engine.gamefile import parse_game
    from tradegame.experiments.plan import PlannedGame
    from tradegame.experiments.sweeping import SweepGroup, group_for
    from tradegame.models.sma import SmaCrossover

    document = {**BASE, "model": {"name": "sma-crossover", "params": {"symbol": "SPX"}}}
    plain = parse_game(document, "game")
    trained = parse_game({**document, "model": {**document["model"], "training": {"length": "1y"}}}, "game")  # type: ignore[dict-item]
    assert trained.spec.training is not None
    groups: list[SweepGroup] = []
    model = SmaCrossover("SPX")
    assert group_for(groups, PlannedGame("a", 1, {}), plain, model)
    assert not group_for(groups, PlannedGame("b", 2, {}), trained, model) and len(groups[0].games) == 1
