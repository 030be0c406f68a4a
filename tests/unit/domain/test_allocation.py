"""Pro-rata allocation never loses or invents a unit."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradegame.domain.allocation import allocate, share

CENT = Decimal("0.01")


def test_thirds_round_the_running_total() -> None:
    # running totals 3.333.. -> 3.33, 6.666.. -> 6.67, 10.00: parts 3.33, 3.34, 3.33
    assert allocate(Decimal("10.00"), [Decimal(1)] * 3, CENT) == [Decimal("3.33"), Decimal("3.34"), Decimal("3.33")]
    assert allocate(Decimal("1.00"), [Decimal(1), Decimal(2)], CENT) == [Decimal("0.33"), Decimal("0.67")]
    assert allocate(Decimal("0.01"), [Decimal(1), Decimal(1)], CENT) == [Decimal("0.01"), Decimal("0.00")]


def test_negative_amounts_split_symmetrically() -> None:
    assert allocate(Decimal("-10.00"), [Decimal(1)] * 3, CENT) == [Decimal("-3.33"), Decimal("-3.34"), Decimal("-3.33")]


def test_zero_weights_get_nothing() -> None:
    assert allocate(Decimal("5.00"), [Decimal(0), Decimal(3), Decimal(0)], CENT) == [0, Decimal("5.00"), 0]


def test_share_of_the_whole_is_the_amount() -> None:
    assert share(Decimal("7.77"), Decimal(5), Decimal(5), CENT) == Decimal("7.77")
    assert share(Decimal("7.77"), Decimal(0), Decimal(5), CENT) == 0


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(ValueError, match="multiple"):
        allocate(Decimal("1.001"), [Decimal(1), Decimal(1)], CENT)
    with pytest.raises(ValueError, match="positive sum"):
        allocate(Decimal("1.00"), [Decimal(0), Decimal(0)], CENT)


@given(
    cents=st.integers(min_value=-(10**9), max_value=10**9),
    weights=st.lists(st.decimals(min_value=0, max_value=10**6, places=8), min_size=1, max_size=12),
)
def test_parts_sum_to_the_amount_and_stay_within_a_unit_of_exact(cents: int, weights: list[Decimal]) -> None:
    if sum(weights) == 0:
        weights = [*weights, Decimal(1)]
    amount = Decimal(cents) * CENT
    parts = allocate(amount, weights, CENT)
    assert sum(parts) == amount
    total = sum(weights)
    for part, weight in zip(parts, weights, strict=True):
        assert abs(part - amount * weight / total) < CENT
        assert part == part.quantize(CENT)
    assert parts[0] == share(amount, weights[0], total, CENT)
