"""BuyAndHold and DollarCostAveraging on hand-made bars."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.unit.data.sample import daily_bars
from tests.unit.models.kit import bars, fill_parts, nyse_days, of_kind, run
from tradegame.domain.errors import InvalidInputError
from tradegame.models import BuyAndHold, DollarCostAveraging


def test_buy_and_hold_buys_equal_weights_once() -> None:
    # Round 0 decides on the first close; fills at the second bar's open: AAA 100.5, BBB 200.5.
    result = run(BuyAndHold(), daily_bars(start="2024-01-02", end="2024-01-31"))
    placed = of_kind(result, "placed")
    assert [(e.round, e.symbol, "target weight 0.5 " in e.detail) for e in placed] == [
        (0, "AAA", True),
        (0, "BBB", True),
    ]
    fills = {e.symbol: fill_parts(e) for e in of_kind(result, "filled") if e.round == 1}
    assert fills == {
        "AAA": ("buy", Decimal(5000) // Decimal("100.5"), Decimal("100.5")),
        "BBB": ("buy", Decimal(5000) // Decimal("200.5"), Decimal("200.5")),
    }
    assert {e.symbol for e in of_kind(result, "liquidated")} == {"AAA", "BBB"}


def test_buy_and_hold_given_weights() -> None:
    result = run(BuyAndHold(["BBB", "AAA"], weights=["0.5", 0.25]), daily_bars(start="2024-01-02", end="2024-01-31"))
    fills = {e.symbol: fill_parts(e)[1] for e in of_kind(result, "filled") if e.round == 1}
    assert fills == {"AAA": Decimal(2500) // Decimal("100.5"), "BBB": Decimal(5000) // Decimal("200.5")}
    assert len(of_kind(result, "placed")) == 2


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"weights": ["0.5"]}, "weights needs symbols"),
        ({"symbols": ["A", "B"], "weights": ["0.5"]}, "weights must be a list of 2"),
        ({"symbols": ["A", "B"], "weights": ["0.6", "0.6"]}, "sum to at most 1"),
        ({"symbols": ["A"], "weights": ["-0.1"]}, r"weights\[0\]"),
        ({"symbols": ["A", "A"]}, "distinct"),
        ({"symbols": "A"}, "symbols"),
    ],
)
def test_buy_and_hold_bad_parameters(kwargs: dict[str, object], named: str) -> None:
    with pytest.raises(InvalidInputError, match=named):
        BuyAndHold(**kwargs)  # type: ignore[arg-type]


def test_dca_buys_every_n_rounds_until_cash_runs_out() -> None:
    days = nyse_days("2024-01-02", 25)
    frame = bars({"FUND": [100.25] * 25}, days)  # opens at 100.00: 300 buys exactly 3 units
    result = run(DollarCostAveraging("FUND", amount="300", every_rounds=5), frame, fund="1000")
    placed = of_kind(result, "placed")
    assert [e.round for e in placed] == [0, 5, 10]  # at round 15 only 100 is left
    assert all("notional 300" in e.detail for e in placed)
    fills = [fill_parts(e) for e in of_kind(result, "filled") if not (e.move_id or "").startswith("L-")]
    assert fills == [("buy", Decimal(3), Decimal("100.00"))] * 3
    assert of_kind(result, "rejected") == []


def test_dca_buys_whole_units_of_the_amount() -> None:
    days = nyse_days("2024-01-02", 6)
    frame = bars({"FUND": [100.0, 120.25, 100.0, 100.0, 90.25, 100.0]}, days)
    result = run(DollarCostAveraging("FUND", amount=Decimal("250"), every_rounds=3), frame)
    fills = [fill_parts(e) for e in of_kind(result, "filled") if not (e.move_id or "").startswith("L-")]
    assert fills == [("buy", Decimal(2), Decimal("120.00")), ("buy", Decimal(2), Decimal("90.00"))]


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"amount": 0}, "amount"),
        ({"amount": "x"}, "amount"),
        ({"every_rounds": 0}, "every_rounds"),
        ({"symbol": 3}, "symbol"),
    ],
)
def test_dca_bad_parameters(kwargs: dict[str, object], named: str) -> None:
    params: dict[str, object] = {"symbol": "FUND", "amount": "100"} | kwargs
    with pytest.raises(InvalidInputError, match=named):
        DollarCostAveraging(**params)  # type: ignore[arg-type]
