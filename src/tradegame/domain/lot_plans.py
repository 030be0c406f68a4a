"""Which lot pieces a sale consumes: the plan of each lot method but FIFO's inline fast path.

A plan is the list of (piece, quantity taken) a sale will consume, built before anything
changes so that a refused sale leaves the book as it was: LIFO takes the newest pieces first,
HIFO the highest basis per unit (ties to the oldest), FIFO and average cost the oldest, and
specific identification the lots the seller names. ``average_basis`` re-bases an average-cost
pool before its sale. Used by ``lots``; standard library only.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal

from tradegame.domain.allocation import allocate, share
from tradegame.domain.errors import InsufficientHoldingsError, UnknownLotError
from tradegame.domain.instruments import LotMethod
from tradegame.domain.lot_records import Piece

__all__ = ["average_basis", "plan_sale", "plan_specific"]

_ZERO = Decimal(0)


def plan_sale(
    account: str, symbol: str, held: list[Piece], available: Decimal, quantity: Decimal, method: LotMethod
) -> list[tuple[Piece, Decimal]]:
    """The plan of a FIFO, LIFO, HIFO or average-cost sale of ``quantity`` from ``held``."""
    if quantity > available:
        raise InsufficientHoldingsError(f"selling {quantity} {symbol} but account {account} holds {available}")
    if method is LotMethod.LIFO:
        order: Iterable[Piece] = reversed(held)
    elif method is LotMethod.HIFO:
        order = sorted(held, key=lambda p: (-(p.basis / p.quantity), p.seq))
    else:  # FIFO and AVERAGE consume oldest first
        order = held
    plan: list[tuple[Piece, Decimal]] = []
    remaining = quantity
    for piece in order:
        take = piece.quantity if piece.quantity < remaining else remaining
        plan.append((piece, take))
        remaining -= take
        if not remaining:
            break
    return plan


def plan_specific(
    account: str,
    symbol: str,
    held: list[Piece],
    quantity: Decimal,
    lots: Sequence[tuple[str, Decimal]] | None,
) -> list[tuple[Piece, Decimal]]:
    """The plan of a sale of the named ``lots`` (id, quantity), which must add up to ``quantity``."""
    if not lots:
        raise UnknownLotError(f"specific identification needs the lots to sell for {symbol}")
    named = sum((qty for _, qty in lots), _ZERO)
    if named != quantity:
        raise UnknownLotError(f"the lots named add up to {named}, not the {quantity} sold")
    plan: list[tuple[Piece, Decimal]] = []
    for lot_id, wanted in lots:
        if wanted <= 0:
            raise UnknownLotError(f"lot {lot_id}: quantity must be positive, got {wanted}")
        pieces = [p for p in held if p.lot_id == lot_id]
        if not pieces:
            raise UnknownLotError(f"lot {lot_id!r} is not an open {symbol} lot in account {account}")
        already = sum((take for p, take in plan if p.lot_id == lot_id), _ZERO)
        open_quantity = sum((p.quantity for p in pieces), _ZERO) - already
        if wanted > open_quantity:
            raise UnknownLotError(f"lot {lot_id!r} holds {open_quantity} {symbol}, cannot sell {wanted}")
        remaining = wanted
        for piece in pieces:
            used = sum((take for p, take in plan if p is piece), _ZERO)
            free = piece.quantity - used
            take = min(free, remaining)
            if take > 0:
                plan.append((piece, take))
                remaining -= take
    return plan


def average_basis(
    held: list[Piece], plan: list[tuple[Piece, Decimal]], quantity: Decimal, quantum: Decimal
) -> list[Decimal]:
    """Re-base every piece to the pool's average cost; return the basis of each planned take."""
    pool_quantity = sum((p.quantity for p in held), _ZERO)
    pool_basis = sum((p.basis for p in held), _ZERO)
    sold_basis = share(pool_basis, quantity, pool_quantity, quantum)
    take_parts = allocate(sold_basis, [take for _, take in plan], quantum)
    left = {id(p): p.quantity for p in held}
    for piece, take in plan:
        left[id(piece)] -= take
    new_basis = {id(p): _ZERO for p in held}
    kept = [p for p in held if left[id(p)] > 0]
    if kept:
        kept_parts = allocate(pool_basis - sold_basis, [left[id(p)] for p in kept], quantum)
        for piece, part in zip(kept, kept_parts, strict=True):
            new_basis[id(piece)] += part
    for (piece, _), part in zip(plan, take_parts, strict=True):
        new_basis[id(piece)] += part
    for piece in held:
        piece.basis = new_basis[id(piece)]
    return take_parts
