"""REGISTRY and make_model, the module docstring's example, and determinism of the built-ins."""

from __future__ import annotations

import doctest
from decimal import Decimal

import pytest

import tradegame.models
from tests.unit.data.sample import daily_bars
from tests.unit.models.kit import bars, nyse_days, of_kind, run
from tradegame.domain.errors import InvalidInputError
from tradegame.engine.spec import InvalidGameError
from tradegame.models import REGISTRY, MomentumRotation, SmaCrossover, make_model


def test_registry_names() -> None:
    assert list(REGISTRY) == [
        "buy-and-hold",
        "dca",
        "sma-crossover",
        "momentum-rotation",
        "mean-reversion",
        "crypto-rotator",
        "gbm-classifier",
        "regime",
    ]
    with pytest.raises(TypeError):
        REGISTRY["mine"] = SmaCrossover  # type: ignore[index]


def test_make_model_builds_with_params_from_a_game_file() -> None:
    model = make_model("sma-crossover", {"symbol": "SPY", "fast": 20, "slow": 100, "weight": 0.5})
    assert isinstance(model, SmaCrossover)
    assert (model.fast, model.slow, model.weight) == (20, 100, Decimal("0.5"))
    momentum = make_model(
        "momentum-rotation", {"top_n": 3, "lookback": 126, "rebalance": "weekly", "cash_buffer": "0.02"}
    )
    assert isinstance(momentum, MomentumRotation) and momentum.cash_buffer == Decimal("0.02")
    assert make_model("buy-and-hold", {}).name == "buy-and-hold"


def test_make_model_errors_name_the_problem() -> None:
    with pytest.raises(InvalidInputError, match=r"unknown model 'sma'; use one of buy-and-hold, dca, sma-crossover"):
        make_model("sma", {})
    with pytest.raises(
        InvalidInputError,
        match=r"model.params.fsat: unknown parameter 'fsat' of sma-crossover \(did you mean 'fast'\?\); "
        r"it takes symbol, fast, slow, weight",
    ):
        make_model("sma-crossover", {"symbol": "SPY", "fsat": 20})
    with pytest.raises(
        InvalidInputError, match=r"model.params: missing parameter\(s\) symbol \(str\) of sma-crossover"
    ):
        make_model("sma-crossover", {"fast": 20})
    with pytest.raises(InvalidInputError, match=r"model.params.slow: sma-crossover takes int, got '100' \(str\)"):
        make_model("sma-crossover", {"symbol": "SPY", "slow": "100"})
    with pytest.raises(InvalidInputError, match=r"sma-crossover: slow must be an integer >= 1, got 0"):
        make_model("sma-crossover", {"symbol": "SPY", "slow": 0})  # the Model's own check, after the types
    with pytest.raises(InvalidInputError, match="params must be a table"):
        make_model("dca", ["SPY"])  # type: ignore[arg-type]


def test_every_bad_parameter_is_reported_at_once() -> None:
    with pytest.raises(InvalidGameError) as caught:
        make_model("mean-reversion", {"symbol": 5, "period": 14.5, "history": [1], "lowr": 30})
    assert caught.value.problems == [
        "model.params.symbol: mean-reversion takes str, got 5 (int)",
        "model.params.period: mean-reversion takes int | None, got 14.5 (float)",
        "model.params.history: mean-reversion takes int | None, got [1] (list)",
        "model.params.lowr: unknown parameter 'lowr' of mean-reversion (did you mean 'lower'?); "
        "it takes symbol, method, period, lower, upper, k, weight, history",
    ]


def test_the_docstring_example_is_a_working_model() -> None:
    examples = doctest.DocTestParser().get_examples(tradegame.models.__doc__ or "")
    defining = next(i for i, example in enumerate(examples) if example.source.startswith("class BuyTheDip"))
    source = "".join(example.source for example in examples[: defining + 1])
    assert "import tradegame as tg" in source and "from tradegame." not in source  # the public face only
    assert 15 <= len([line for line in source.splitlines() if line.strip()]) <= 25
    namespace: dict[str, object] = {}
    exec(compile(source, "models-docstring", "exec"), namespace)
    model = namespace["BuyTheDip"]("AAA")  # type: ignore[operator]
    closes = [100.0, 100.0, 97.0, 96.0, 97.0, 98.0]  # a 3% dip on row 2, a rise on row 4
    result = run(model, bars({"AAA": closes}, nyse_days("2024-01-02", len(closes))))
    placed = of_kind(result, "placed", "AAA")
    assert [(e.round, "dip -3.00%" in e.detail, "rebound" in e.detail) for e in placed] == [
        (2, True, False),
        (4, False, True),
    ]


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("buy-and-hold", {}),
        ("dca", {"symbol": "AAA", "amount": "500", "every_rounds": 5}),
        ("sma-crossover", {"symbol": "BBB", "fast": 3, "slow": 10}),
        ("momentum-rotation", {"top_n": 1, "lookback": 5, "rebalance": 7}),
        ("mean-reversion", {"symbol": "AAA", "method": "bollinger", "period": 5}),
        ("crypto-rotator", {"symbols": ["AAA", "BBB"], "lookback": 5, "every_rounds": 3}),
    ],
)
def test_every_builtin_replays_byte_for_byte(name: str, params: dict[str, object]) -> None:
    frame = daily_bars(("AAA", "BBB"), start="2024-01-02", end="2024-03-28")
    first = run(make_model(name, params), frame)
    second = run(make_model(name, params), frame)
    assert first.events_jsonl() == second.events_jsonl()
    # One instance can play a Game again and decide the same: models keep no state.
    model = make_model(name, params)
    assert run(model, frame).events_jsonl() == run(model, frame).events_jsonl() == first.events_jsonl()
