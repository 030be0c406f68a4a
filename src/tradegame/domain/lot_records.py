"""The values a lot book hands out (``OpenLot``, ``Disposal``) and the mutable piece it keeps.

Split from ``lots`` so that the wash-sale index can share the piece type without a cycle.
Standard library only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import partial
from operator import attrgetter
from typing import NamedTuple

from tradegame.domain.holding import Term, term_of
from tradegame.domain.instruments import AssetClass

__all__ = ["Disposal", "Holding", "OpenLot", "Piece", "snapshots"]


class OpenLot(NamedTuple):
    """A snapshot of a lot (or a piece of one split by a wash sale) still held."""

    account: str
    symbol: str
    lot_id: str
    quantity: Decimal
    cost_basis: Decimal
    date_acquired: date
    date_acquired_actual: date
    asset_class: AssetClass
    game: str | None


class Disposal(NamedTuple):
    """One line of a sale: the part of one lot that a sale consumed (a Form 8949 row)."""

    account: str
    symbol: str
    lot_id: str
    quantity: Decimal
    date_acquired: date
    date_acquired_actual: date
    date_sold: date
    proceeds: Decimal
    cost_basis: Decimal
    adjustment_code: str
    adjustment_amount: Decimal
    asset_class: AssetClass
    sale_id: str
    game: str | None
    lot_game: str | None

    @property
    def gain(self) -> Decimal:
        """Proceeds minus basis plus the Form 8949 adjustment (a disallowed loss)."""
        return self.proceeds - self.cost_basis + self.adjustment_amount

    @property
    def term(self) -> Term:
        return term_of(self.date_acquired, self.date_sold)


@dataclass(slots=True, eq=False)
class Piece:
    """A mutable open lot inside a book; never handed out. Compared by identity.

    ``seq`` orders pieces by purchase (the rest of a split piece keeps its seq); ``origin`` is
    the seq of the purchase that made it, so a loss never washes with its own purchase.
    """

    lot_id: str
    account: str
    symbol: str
    asset_class: AssetClass
    quantity: Decimal
    basis: Decimal
    acquired: date
    acquired_actual: date
    seq: int
    origin: int
    game: str | None
    replacement_used: bool = False

    def snapshot(self) -> OpenLot:
        return OpenLot(
            self.account,
            self.symbol,
            self.lot_id,
            self.quantity,
            self.basis,
            self.acquired,
            self.acquired_actual,
            self.asset_class,
            self.game,
        )


class Holding(list[Piece]):
    """The pieces one account holds of one symbol, in the book's order, and their ``units`` (kept in
    step by the book): one record per (account, symbol), found with one lookup."""

    __slots__ = ("units",)

    def __init__(self, units: Decimal) -> None:
        super().__init__()
        self.units = units


_snapshot_fields = attrgetter(
    "account", "symbol", "lot_id", "quantity", "basis", "acquired", "acquired_actual", "asset_class", "game"
)
_new_open_lot = partial(tuple.__new__, OpenLot)


def snapshots(pieces: Iterable[Piece]) -> list[OpenLot]:
    """``piece.snapshot()`` of each piece, without a Python call per piece (a book may hold millions)."""
    return list(map(_new_open_lot, map(_snapshot_fields, pieces)))
