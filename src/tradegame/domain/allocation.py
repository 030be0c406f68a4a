"""Splitting an exact amount into parts that sum back to it exactly.

Used wherever one number is shared out pro rata: a fee across the lots a sale consumes, a
lot's basis across the pieces it is split into, an average-cost pool across its lots. The
largest-remainder method rounds every part to the quantum and hands the leftover units to the
parts with the largest rounding remainders (ties to the earliest), so no cent is lost or
invented. Standard library only.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_FLOOR, Decimal

__all__ = ["allocate", "share"]


def allocate(amount: Decimal, weights: Sequence[Decimal], quantum: Decimal) -> list[Decimal]:
    """Split ``amount`` in proportion to ``weights``; parts are multiples of ``quantum``.

    ``amount`` must itself be a multiple of ``quantum``; the parts sum to it exactly.
    """
    if not weights:
        raise ValueError("allocate needs at least one weight")
    total_weight = sum(weights, Decimal(0))
    if total_weight <= 0 or any(w < 0 for w in weights):
        raise ValueError("weights must be non-negative with a positive sum")
    if len(weights) == 1:
        return [amount]
    units = amount / quantum
    if units != units.to_integral_value():
        raise ValueError(f"amount {amount} is not a multiple of {quantum}")
    sign = -1 if units < 0 else 1
    whole_units = abs(int(units))
    raw = [Decimal(whole_units) * w / total_weight for w in weights]
    floors = [int(r.to_integral_value(rounding=ROUND_FLOOR)) for r in raw]
    leftover = whole_units - sum(floors)
    order = sorted(range(len(raw)), key=lambda i: (-(raw[i] - floors[i]), i))
    for i in order[:leftover]:
        floors[i] += 1
    return [Decimal(sign * f) * quantum for f in floors]


def share(amount: Decimal, part: Decimal, whole: Decimal, quantum: Decimal) -> Decimal:
    """The share of ``amount`` that ``part`` of ``whole`` carries, rounded to ``quantum``.

    Equal to the first element of ``allocate(amount, [part, whole - part], quantum)``.
    """
    if part == whole:
        return amount
    if part == 0:
        return Decimal(0) * quantum
    return allocate(amount, [part, whole - part], quantum)[0]
