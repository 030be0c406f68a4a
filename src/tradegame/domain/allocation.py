"""Splitting an exact amount into parts that sum back to it exactly.

Used wherever one number is shared out pro rata: a sale's proceeds across the lots it consumes,
a lot's basis across the pieces it is split into, an average-cost pool across its lots. Parts
come from *cumulative rounding*: part ``i`` is the running share of the first ``i`` weights,
rounded to the quantum half away from zero, minus the same for the first ``i - 1``. So every
part is a multiple of the quantum, within one quantum of its exact share, and the parts sum to
the amount exactly: no cent is lost or invented. Standard library only.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

__all__ = ["allocate", "share"]


def allocate(amount: Decimal, weights: Sequence[Decimal], quantum: Decimal) -> list[Decimal]:
    """Split ``amount`` in proportion to ``weights``; parts are multiples of ``quantum``.

    ``amount`` must itself be a multiple of ``quantum``; the parts sum to it exactly.
    """
    if not weights:
        raise ValueError("allocate needs at least one weight")
    total_weight = sum(weights)
    if total_weight <= 0 or min(weights) < 0:
        raise ValueError("weights must be non-negative with a positive sum")
    if amount != amount.quantize(quantum):
        raise ValueError(f"amount {amount} is not a multiple of {quantum}")
    parts = []
    running_weight = Decimal(0)
    allocated = amount * 0
    for weight in weights[:-1]:
        running_weight += weight
        upto = (amount * running_weight / total_weight).quantize(quantum, ROUND_HALF_UP)
        parts.append(upto - allocated)
        allocated = upto
    parts.append(amount - allocated)
    return parts


def share(amount: Decimal, part: Decimal, whole: Decimal, quantum: Decimal) -> Decimal:
    """The share of ``amount`` that ``part`` of ``whole`` carries, rounded to ``quantum``.

    Equal to the first element of ``allocate(amount, [part, whole - part], quantum)``.
    """
    if part == whole:
        return amount
    if not part:
        return amount * 0
    return (amount * part / whole).quantize(quantum, ROUND_HALF_UP)  # positional: a keyword costs more
