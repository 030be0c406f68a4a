"""The realized gain of each sale of a FIFO book without wash sales, without its disposals.

A Game's own-lots gain (``TradeStream``) needs only the sum of the gains of the sales the Game
made from its own purchases. ``FifoGains`` keeps the same lots as a FIFO ``LotBook`` with wash
sales off (quantity and basis, oldest first) and returns the gain of each sale, which is the
sum of its disposals' gains: the proceeds parts of a sale add up to its net proceeds exactly
(cumulative allocation), so the gain is the net proceeds less the basis taken, where a piece
sold in part gives its pro-rata share of its basis (``share``: rounded half up to the cent).
Equal to the cent and in the same digits as ``LotBook``'s (a property test compares them).

Standard library only.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal

__all__ = ["FifoGains"]

_ZERO = Decimal(0)


class FifoGains:
    """Lots per (account, symbol), oldest first, as ``[quantity, basis]`` pairs; money in ``quantum`` units."""

    __slots__ = ("_held", "_positions", "_quantum")

    def __init__(self, quantum: Decimal) -> None:
        self._quantum = quantum
        self._held: dict[tuple[str, str], list[list[Decimal]]] = {}
        self._positions: dict[tuple[str, str], Decimal] = {}

    def buy(self, key: tuple[str, str], quantity: Decimal, price: Decimal, fee: Decimal) -> None:
        """Open a lot of ``quantity`` at ``price`` plus ``fee`` (checked already, as ``LotBook.buy`` checks)."""
        basis = (quantity * price).quantize(self._quantum, ROUND_HALF_EVEN) + fee
        held = self._held.get(key)
        if held is None:
            self._held[key] = [[quantity, basis]]
            self._positions[key] = quantity
        else:
            held.append([quantity, basis])
            self._positions[key] += quantity

    def sell(self, key: tuple[str, str], quantity: Decimal, price: Decimal, fee: Decimal) -> Decimal | None:
        """The gain of selling ``quantity`` oldest first; None (and nothing changed) if not that much is held."""
        if quantity > self._positions.get(key, _ZERO):
            return None
        quantum = self._quantum
        held = self._held[key]
        taken = _ZERO
        remaining, emptied = quantity, 0
        for piece in held:
            have, basis = piece
            if have <= remaining:  # the whole piece
                taken += basis
                remaining -= have
                emptied += 1
                if not remaining:
                    break
            else:  # part of it, and the last piece taken
                part = (basis * remaining / have).quantize(quantum, ROUND_HALF_UP)
                taken += part
                piece[0], piece[1] = have - remaining, basis - part
                break
        del held[:emptied]
        self._positions[key] -= quantity
        return (quantity * price).quantize(quantum, ROUND_HALF_EVEN) - fee - taken
