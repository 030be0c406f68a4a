"""Splitting an exact amount into parts that sum back to it exactly.

Used wherever one number is shared out pro rata: a fee across the lots a sale consumes, a
lot's basis across the pieces it is split into, an average-cost pool across its lots. The
largest-remainder method rounds every part to the quantum and hands the leftover units to the
parts with the largest rounding remainders (ties to the earliest), so no cent is lost or
invented. Standard library only.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

__all__ = ["allocate", "share"]


def allocate(amount: Decimal, weights: Sequence[Decimal], quantum: Decimal) -> list[Decimal]:
    """Split ``amount`` in proportion to ``weights``; parts are multiples of ``quantum``.

    ``amount`` must itself be a multiple of ``quantum``; the parts sum to it exactly.
    """
    count = len(weights)
    if not count:
        raise ValueError("allocate needs at least one weight")
    total_weight = sum(weights)
    if total_weight <= 0 or min(weights) < 0:
        raise ValueError("weights must be non-negative with a positive sum")
    units = amount / quantum
    whole_units = int(units)
    if units != whole_units:
        raise ValueError(f"amount {amount} is not a multiple of {quantum}")
    if count == 1:
        return [amount]
    if count == 2:  # the common case, in closed form: see ``share``
        first = share(amount, weights[0], total_weight, quantum)
        return [first, amount - first]
    sign = -1 if whole_units < 0 else 1
    whole_units *= sign
    raw = [whole_units * w / total_weight for w in weights]
    floors = list(map(int, raw))
    leftover = whole_units - sum(floors)
    if leftover:
        remainders = [r - f for r, f in zip(raw, floors, strict=True)]
        # sorted() stays stable with reverse=True, so equal remainders go to the earliest part
        for i in sorted(range(count), key=remainders.__getitem__, reverse=True)[:leftover]:
            floors[i] += 1
    return [quantum * (sign * f) for f in floors]


def share(amount: Decimal, part: Decimal, whole: Decimal, quantum: Decimal) -> Decimal:
    """The share of ``amount`` that ``part`` of ``whole`` carries, rounded to ``quantum``.

    Equal to the first element of ``allocate(amount, [part, whole - part], quantum)``: with two
    parts the leftover unit goes to the first when its remainder is at least one half, which is
    rounding half away from zero.
    """
    if part == whole:
        return amount
    if not part:
        return amount * 0
    return (amount * part / whole).quantize(quantum, rounding=ROUND_HALF_UP)
