"""Expanding experiments: the product of the axes, stable ids and seeds, the Game documents."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from tradegame.engine.gamefile import parse_game
from tradegame.experiments.plan import add_span, expand, experiment_id, game_document, length_of, select_starts
from tradegame.experiments.spec import Experiment, Length, ModelAxis, StartDates

BASE: dict[str, object] = {
    "game": {"name": "base", "start": "2005-01-03", "end": "2005-12-30", "schedule": "daily", "start_fund": "1000"},
    "data": [{"dataset": "arch-sp500", "symbols": ["SPX"]}],
    "accounts": [{"name": "broker"}],
    "model": {"name": "buy-and-hold", "params": {"symbols": ["SPX"]}},
}


def weekdays(first: date, last: date) -> list[date]:
    days = (first + timedelta(days=n) for n in range((last - first).days + 1))
    return [day for day in days if day.weekday() < 5]


def test_start_dates_every_nth_weekday_and_session_of_month() -> None:
    sessions = weekdays(date(2024, 1, 1), date(2024, 3, 31))
    assert select_starts(StartDates(every=10), sessions) == sessions[::10]
    mondays = select_starts(StartDates(weekdays=(0,)), sessions)
    assert mondays and all(day.weekday() == 0 for day in mondays) and len(mondays) == 13
    assert select_starts(StartDates(session_of_month=1), sessions) == [
        date(2024, 1, 1),
        date(2024, 2, 1),
        date(2024, 3, 1),
    ]
    assert select_starts(StartDates(session_of_month=-1), sessions) == [
        date(2024, 1, 31),
        date(2024, 2, 29),
        date(2024, 3, 29),
    ]
    assert select_starts(StartDates(session_of_month=2, weekdays=(4,)), sessions) == [
        date(2024, 1, 12),
        date(2024, 2, 9),
        date(2024, 3, 8),
    ]
    listed = (date(2024, 3, 1), date(2024, 1, 2))
    assert select_starts(StartDates(dates=listed), sessions) == sorted(listed)


def test_lengths_and_spans() -> None:
    assert length_of("1y6m") == Length(1, 6, 0) and length_of("250r") == Length(rounds=250)
    assert add_span(date(2024, 1, 31), Length(months=1)) == date(2024, 2, 29)
    assert add_span(date(2023, 2, 28), Length(years=1, days=1)) == date(2024, 2, 29)
    for bad in ("", "1x", "0y", "r"):
        with pytest.raises(ValueError, match=f"^{re.escape(bad)}$"):
            length_of(bad)


def _experiment(**axes: object) -> Experiment:
    return Experiment("t", BASE, seed=7, **axes)  # type: ignore[arg-type]


def test_the_product_of_the_axes_with_stable_ids_and_seeds() -> None:
    starts = [date(2005, 1, 3), date(2005, 2, 1), date(2005, 3, 1)]
    models = (ModelAxis("sma-crossover", {"symbol": "SPX"}, {"fast": (5, 10), "slow": (50,)}),)
    experiment = _experiment(starts=StartDates(dates=tuple(starts)), lengths=(Length(months=6), Length(rounds=20)),
                             models=models, start_funds=(__import__("decimal").Decimal("1000"),))  # fmt: skip
    games = expand(experiment, starts)
    assert len(games) == 3 * 2 * 2 * 1
    assert len({g.game_id for g in games}) == len(games) and len({g.seed for g in games}) == len(games)
    assert games == expand(experiment, starts)  # the same every time
    assert experiment_id(experiment) == experiment_id(experiment) and experiment_id(experiment).startswith("t-")
    # One more start date adds Games and changes none of the others.
    more = expand(experiment, [*starts, date(2005, 4, 1)])
    assert {(g.game_id, g.seed) for g in games} <= {(g.game_id, g.seed) for g in more}
    # Another experiment seed changes the seeds, not the ids.
    reseeded = expand(Experiment("t", BASE, seed=8, starts=experiment.starts, lengths=experiment.lengths,
                                 models=models, start_funds=experiment.start_funds), starts)  # fmt: skip
    assert [g.game_id for g in reseeded] == [g.game_id for g in games]
    assert all(a.seed != b.seed for a, b in zip(reseeded, games, strict=True))


def test_a_planned_game_is_the_base_game_with_its_coordinates() -> None:
    experiment = _experiment(
        starts=StartDates(dates=(date(2006, 3, 1),)),
        lengths=(Length(rounds=30),),
        schedules=("weekly",),
        fees=({"model": "percent", "rate": "0.001"},),
        start_funds=(__import__("decimal").Decimal("5000"),),
    )
    (game,) = expand(experiment, [date(2006, 3, 1)])
    game_file = parse_game(game_document(experiment, game))
    spec = game_file.spec
    assert (spec.start, spec.end, spec.rounds, spec.schedule) == (date(2006, 3, 1), None, 30, "weekly")
    assert str(spec.start_fund) == "5000" and spec.seed == game.seed
    assert type(spec.accounts[0].fees).__name__ == "PercentOfNotional"
    assert BASE["game"]["start"] == "2005-01-03"  # type: ignore[index]  # the base is not changed


def test_without_a_length_axis_a_moved_start_keeps_the_base_length() -> None:
    experiment = _experiment(starts=StartDates(dates=(date(2006, 1, 3),)))
    (game,) = expand(experiment, [date(2006, 1, 3)])
    spec = parse_game(game_document(experiment, game)).spec
    assert spec.end == date(2006, 12, 30)  # 361 days, as the base Game
