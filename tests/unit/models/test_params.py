"""A Model's parameters checked against its constructor's signature and type hints, one line per problem."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal, Optional

import pytest

from tradegame.models.params import check_params, model_params, type_text


class Typed:
    """A Model with one parameter of each kind a TOML file can give."""

    def __init__(
        self,
        symbol: str,
        period: int = 14,
        lower: float = 30.0,
        weight: Decimal = Decimal("0.5"),
        symbols: list[str] | None = None,
        pair: tuple[str, ...] = (),
        names: Sequence[str] = (),
        short: bool = False,
        since: date | None = None,
        method: Literal["rsi", "bollinger"] = "rsi",
        cap: Optional[Decimal] = None,  # noqa: UP045 - the old spelling is read too
        table: dict[str, int] | None = None,
        anything=None,  # type: ignore[no-untyped-def]  # no hint: not checked
    ) -> None:
        self.kwargs = locals()


def check(params: dict[str, object]) -> tuple[dict[str, object], list[str]]:
    return check_params("typed", Typed, params)


def test_values_that_fit_are_passed_on_converted_where_exact() -> None:
    kwargs, problems = check(
        {
            "symbol": "SPX",
            "period": 10,
            "lower": 25,  # an integer for a float
            "weight": 0.1,  # a float for a Decimal: through its repr, as written
            "symbols": ["AAPL", "IBM"],
            "pair": ["BTC", "ETH"],  # an array for a tuple
            "names": ["x"],
            "short": True,
            "since": date(2010, 1, 4),
            "method": "bollinger",
            "cap": "1000.10",  # a numeric string for Optional[Decimal]
            "table": {"a": 1},
            "anything": [1, "two"],
        }
    )
    assert problems == []
    assert kwargs["lower"] == 25.0 and isinstance(kwargs["lower"], float)
    assert kwargs["weight"] == Decimal("0.1")
    assert kwargs["pair"] == ("BTC", "ETH")
    assert kwargs["cap"] == Decimal("1000.10")
    assert Typed(**kwargs).kwargs["symbols"] == ["AAPL", "IBM"]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("params", "problem"),
    [
        ({"period": "14"}, "model.params.period: typed takes int, got '14' (str)"),
        ({"period": True}, "model.params.period: typed takes int, got True (bool)"),
        ({"period": 14.0}, "model.params.period: typed takes int, got 14.0 (float)"),
        ({"lower": "low"}, "model.params.lower: typed takes float, got 'low' (str)"),
        ({"weight": "half"}, "model.params.weight: typed takes Decimal, got 'half' (str)"),
        ({"weight": "NaN"}, "model.params.weight: typed takes Decimal, got 'NaN' (str)"),
        ({"symbols": "AAPL"}, "model.params.symbols: typed takes list[str] | None, got 'AAPL' (str)"),
        ({"symbols": ["AAPL", 3]}, "model.params.symbols: typed takes list[str] | None, got ['AAPL', 3] (list)"),
        ({"short": 1}, "model.params.short: typed takes bool, got 1 (int)"),
        ({"method": "macd"}, "model.params.method: typed takes 'rsi' | 'bollinger', got 'macd' (str)"),
        ({"table": {"a": "b"}}, "model.params.table: typed takes dict[str, int] | None, got {'a': 'b'} (dict)"),
        (
            {"perod": 3},
            "model.params.perod: unknown parameter 'perod' of typed (did you mean 'period'?); it takes symbol, "
            "period, lower, weight, symbols, pair, names, short, since, method, cap, table, anything",
        ),
    ],
)
def test_a_value_that_does_not_fit_is_named_with_the_type_it_needed(params: dict[str, object], problem: str) -> None:
    _, problems = check({"symbol": "SPX", **params})
    assert problems == [problem]


def test_every_problem_at_once_and_the_missing_ones_with_their_types() -> None:
    _, problems = check({"period": "x", "bogus": 1})
    assert problems == [
        "model.params.period: typed takes int, got 'x' (str)",
        "model.params.bogus: unknown parameter 'bogus' of typed; it takes symbol, period, lower, weight, symbols, "
        "pair, names, short, since, method, cap, table, anything",
        "model.params: missing parameter(s) symbol (str) of typed",
    ]


def test_kwargs_take_any_other_name_and_unresolvable_hints_check_nothing() -> None:
    def factory(symbol: str, **options: object) -> object:
        return (symbol, options)

    assert check_params("f", factory, {"symbol": "A", "extra": 1}) == ({"symbol": "A", "extra": 1}, [])

    class Unknown:
        def __init__(self, thing: NotDefinedAnywhere) -> None:  # type: ignore[name-defined]  # noqa: F821
            self.thing = thing

    assert check_params("u", Unknown, {"thing": 5}) == ({"thing": 5}, [])


def test_a_dataclass_model_is_read_from_its_fields() -> None:
    @dataclass
    class Breakout:
        symbol: str
        days: int = 20

    (symbol, days), extra = model_params(Breakout)
    assert (symbol.name, symbol.type, symbol.required) == ("symbol", "str", True)
    assert (days.name, days.type, days.default) == ("days", "int", 20)
    assert not extra
    assert check_params("b", Breakout, {"symbol": "SPX", "days": "20"})[1] == [
        "model.params.days: b takes int, got '20' (str)"
    ]


def test_type_text_reads_as_written() -> None:
    assert type_text(Decimal | int | None) == "Decimal | int | None"
    assert type_text(Sequence[str]) == "Sequence[str]"
    assert type_text(tuple[int, ...]) == "tuple[int, ...]"
    assert type_text(Optional[list[str]]) == "list[str] | None"  # noqa: UP045
