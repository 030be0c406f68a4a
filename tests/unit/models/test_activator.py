"""The Activator: a planted regime switch is seen within K sessions, bad [activator] tables are
refused with every problem named and nothing written, and the example plays with each switch logged."""

from __future__ import annotations

import sqlite3
import tomllib
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from tests.unit.engine.game_kit import bars_from, spec, universe_of
from tradegame.app.models import find_model
from tradegame.cli import app
from tradegame.engine.activator_config import read_activator
from tradegame.engine.game import Game
from tradegame.engine.gamefile import GameFileError, parse_game
from tradegame.engine.spec import InvalidGameError
from tradegame.models.activator import Activator

EXAMPLE = Path(__file__).parents[3] / "examples" / "games" / "activator-2008.toml"
CALM, CRASH_AT, K = 120, 120, 1  # sessions of calm uptrend; the crash starts at this Round; switch within K


def planted_regime(crash_sessions: int = 30) -> list[tuple[float, float, float, float, float]]:
    """A calm uptrend (about 5% annualised vol), then a crash: -4% a day on average, +-5% swings."""
    rng = np.random.default_rng(3)
    returns = list(0.001 + 0.003 * rng.standard_normal(CALM))
    returns += [-0.04 + (0.05 if i % 2 else -0.05) for i in range(crash_sessions)]
    closes = 100.0 * np.cumprod(1.0 + np.array(returns))
    return [(c, c, c, c, 1e9) for c in closes]


def table(**changes: object) -> dict[str, object]:
    base: dict[str, object] = {
        "rule": "trend-vol",
        "index": "IDX",
        "trend_days": 50,
        "vol_days": 10,
        "vol_max": "30%",
        "calm": {"hold": "100%"},
        "stressed": {"cash": "100%"},
        "models": [
            {"as": "hold", "name": "buy-and-hold", "params": {"symbols": ["IDX"]}},
            {"as": "cash", "name": "dca", "params": {"symbol": "IDX", "amount": "1", "every_rounds": 100000}},
        ],
    }
    base.update(changes)
    return base


def test_a_planted_crash_switches_the_activator_within_k_sessions() -> None:
    universe = universe_of(bars_from({"IDX": planted_regime()}))
    activator = find_model("activator").build(table())
    assert isinstance(activator, Activator)
    result = Game(spec(rounds=CALM + 30 - 1), universe, activator).run()
    rounds = [(round_, shares["hold"]) for round_, shares, _ in activator.decisions]
    first_calm = rounds[0]
    assert first_calm[1] == Decimal(1) or first_calm[0] < 60  # warm-up is stressed, then calm
    switched = [r for r, hold in rounds if r >= CRASH_AT and hold == 0]
    assert switched, activator.decisions
    assert switched[0] - CRASH_AT <= K, activator.decisions
    assert all(hold == 1 for r, hold in rounds if 60 <= r < CRASH_AT)  # no false alarm in the calm
    logged = [e.detail for e in result.events if e.kind == "note" and e.detail.startswith("activator: ")]
    assert len(logged) == len(activator.decisions)
    assert "stressed; hold off, cash 100%" in logged[-1] and "vol" in logged[-1]
    attribution = activator.contributions(result)
    assert sum(c.total for c in attribution.contributions) + attribution.unattributed == result.score.score
    assert attribution.unattributed == 0


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"rule": "trend-volume"}, "activator.rule: unknown rule 'trend-volume'"),
        ({"vol_max": "lots"}, "activator.vol_max: must be a fraction"),
        ({"calm": {"hodl": "100%"}}, "activator.calm.hodl: no Model is named 'hodl' (did you mean 'hold'?)"),
        ({"stressed": {"hold": "70%", "cash": "40%"}}, "activator.stressed: the shares sum to 110"),
        ({"models": [{"as": "hold", "name": "buy-and-hold"}]}, "activator.models: must list two or more Models"),
        ({"trend_days": 0}, "activator.trend_days: must be a whole number of sessions >= 1"),
        ({"index": None}, "activator.index: "),
        ({"shares": {"hold": "50%"}}, "activator.shares: is an always-on setting"),
        ({"colour": 1}, "activator.colour: unknown key"),
        (
            {
                "models": [
                    {"as": "hold", "name": "buy-and-hold", "training": {"length": "0y"}},
                    {"as": "cash", "name": "dca"},
                ]
            },
            "activator.models[0].training.length: must be at least 1",
        ),
        (
            {
                "models": [
                    {"as": "hold", "name": "buy-and-hold", "training": {"every": "hourly", "colour": 1}},
                    {"as": "cash", "name": "dca"},
                ]
            },
            "activator.models[0].training.every: must be a number of Rounds",
        ),
        (
            {
                "models": [
                    {"as": "hold", "name": "buy-and-hold", "training": {"colour": 1}},
                    {"as": "cash", "name": "dca"},
                ]
            },
            "activator.models[0].training.colour: unknown key",
        ),
    ],
)
def test_a_bad_activator_table_names_the_field(changes: dict[str, object], expected: str) -> None:
    values = table(**changes)
    values = {key: value for key, value in values.items() if value is not None}
    config, problems = read_activator(values)
    assert config is None
    assert any(problem.startswith(expected) for problem in problems), problems


def test_a_sub_model_with_bad_params_is_named_inside_the_activator() -> None:
    models = [
        {"as": "hold", "name": "buy-and-hold", "params": {"symbols": ["IDX"]}},
        {"as": "sma", "name": "sma-crossover", "params": {"symbol": "IDX", "fast": "x"}},
    ]
    with pytest.raises(InvalidGameError) as refused:
        find_model("activator").build(table(models=models, calm={"sma": "100%"}, stressed={}))
    assert any(p.startswith("activator.models[1].params.fast:") for p in refused.value.problems)


def test_a_training_table_for_a_model_that_cannot_learn_is_refused_as_the_game_starts() -> None:
    models = [
        {"as": "hold", "name": "buy-and-hold", "params": {"symbols": ["IDX"]}, "training": {"length": "1y"}},
        {"as": "cash", "name": "dca", "params": {"symbol": "IDX", "amount": "1", "every_rounds": 100000}},
    ]
    activator = find_model("activator").build(table(models=models))
    universe = universe_of(bars_from({"IDX": planted_regime()}))
    with pytest.raises(InvalidGameError) as refused:
        Game(spec(rounds=10), universe, activator)
    assert refused.value.problems == [
        "activator.models[0].training: model buy-and-hold has no fit(history) method: it cannot be trained"
    ]


def test_a_game_file_with_a_bad_activator_lists_every_problem_and_plays_nothing(tmp_path: Path) -> None:
    text = EXAMPLE.read_text().replace('vol_max = "30%"', 'vol_max = "high"').replace('as = "hold"', 'as = "1hold"')
    with pytest.raises(GameFileError) as refused:
        parse_game(tomllib.loads(text))
    assert any(p.startswith("activator.vol_max:") for p in refused.value.problems)
    assert any(p.startswith("activator.models[1].as:") for p in refused.value.problems)
    both = EXAMPLE.read_text() + '\n[model]\nname = "buy-and-hold"\n'
    with pytest.raises(GameFileError, match="not both"):
        parse_game(tomllib.loads(both))
    bad = tmp_path / "bad.toml"
    bad.write_text(text)
    db = tmp_path / "games.db"
    result = CliRunner().invoke(app, ["play", str(bad), "--db", str(db)])
    assert result.exit_code == 2, result.output
    assert "activator.vol_max" in result.output
    if db.exists():
        with sqlite3.connect(db) as connection:
            assert connection.execute("select count(*) from games").fetchone() == (0,)


def test_the_example_game_file_reads_as_an_activator() -> None:
    game_file = parse_game(tomllib.loads(EXAMPLE.read_text()))
    assert game_file.model == "activator"
    built = find_model(game_file.model, EXAMPLE.parent).build(game_file.model_params)
    assert isinstance(built, Activator) and built.config.aliases == ("sma", "hold")


def test_a_model_whose_record_falls_below_the_floor_is_switched_off() -> None:
    config, problems = read_activator(table(rule="always-on", shares={"hold": "60%"}))
    assert config is None and any(p.startswith("activator.calm: is a trend-vol setting") for p in problems)
    clean = {k: v for k, v in table(rule="always-on").items() if k in ("rule", "models")}
    config, problems = read_activator(clean | {"shares": {"hold": "60%", "cash": "40%"}, "record_days": 20,
                                               "record_floor": "-10%"})  # fmt: skip
    assert config is not None, problems
    from tradegame.models.activator_rules import decide_shares

    shares, why = decide_shares(config, None, 1, {"hold": -0.12, "cash": 0.0})  # type: ignore[arg-type]
    assert shares == {"hold": Decimal(0), "cash": Decimal("0.4")}
    assert why == "always on; hold 20d record -12.0% < -10.0%: off; hold off, cash 40%"
    shares, _ = decide_shares(config, None, 1, {"hold": None, "cash": None})  # type: ignore[arg-type]
    assert shares == {"hold": Decimal("0.6"), "cash": Decimal("0.4")}


def test_an_activator_game_replays_to_the_same_books_and_log() -> None:
    universe = universe_of(bars_from({"IDX": planted_regime()}))
    runs = [Game(spec(rounds=CALM + 29), universe, find_model("activator").build(table())).run() for _ in range(2)]
    assert runs[0].events_jsonl() == runs[1].events_jsonl()
    assert runs[0].ledger_jsonl() == runs[1].ledger_jsonl()
    placed = [e.detail for e in runs[0].events if e.kind == "placed"]
    assert any(detail.endswith("[tag hold:off]") for detail in placed)  # switched off: its units sold
    sold = [e for e in runs[0].events if e.kind == "placed" and e.detail.endswith("[tag hold:off]")]
    assert sold[0].round == CRASH_AT  # sold the session it was switched off, at the next open


def test_an_activator_game_file_is_written_back_as_an_activator_table() -> None:
    from tradegame.engine.gamefile import dump_game

    game_file = parse_game(tomllib.loads(EXAMPLE.read_text()))
    text = dump_game(game_file)
    assert "[activator]" in text and "[model]" not in text
    assert parse_game(tomllib.loads(text)) == game_file
