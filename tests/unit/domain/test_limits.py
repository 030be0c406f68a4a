"""The bounds every reader applies to numbers (domain/limits.py)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tradegame.domain.errors import InvalidAmountError
from tradegame.domain.limits import amount_problem, bounded, cost_rate_problem, shown


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (Decimal("1E+400"), "less than 10^15"),
        (Decimal("1e999999"), "less than 10^15"),
        (Decimal("-1e15"), "less than 10^15"),
        (Decimal("NaN"), "finite"),
        (Decimal("-Infinity"), "finite"),
        (Decimal("1e-999999"), "at most 12 decimal places"),
        (Decimal("0.0000000000001"), "at most 12 decimal places"),
    ],
)
def test_absurd_amounts_are_refused(value: Decimal, problem: str) -> None:
    found = amount_problem(value)
    assert found is not None and problem in found and len(found) < 120


@pytest.mark.parametrize(
    "value", [Decimal("999999999999999.99"), Decimal("0.000000000001"), Decimal("1.500000000000000000"), Decimal(0)]
)
def test_sane_amounts_pass(value: Decimal) -> None:
    assert amount_problem(value) is None


def test_money_keeps_to_its_currency() -> None:
    assert amount_problem(Decimal("100.001"), 2, "USD") == "must have at most USD's 2 decimal places, got 100.001"
    assert amount_problem(Decimal("100.10"), 2, "USD") is None
    with pytest.raises(InvalidAmountError, match=r"^start_fund: must have at most KRW's 0"):
        bounded(Decimal("1.5"), "start_fund", 0, "KRW")


def test_cost_rates_are_below_ten_percent() -> None:
    assert cost_rate_problem(Decimal("0.0999")) is None and cost_rate_problem(0.001) is None
    assert "allow_extreme_costs" in (cost_rate_problem(Decimal("5")) or "")
    assert cost_rate_problem(Decimal("-0.0001")) is not None
    assert cost_rate_problem(Decimal("-0.0001"), rebate=True) is None


def test_long_values_are_shown_cut() -> None:
    assert shown("x" * 1_000_000).endswith("...") and len(shown("x" * 1_000_000)) == 40
    assert shown(Decimal("1e999999")) == "1E+999999"
