"""The wash-sale index: which purchases can replace a loss, and which losses still wait for one.

The rule (securities only)
--------------------------
A disposal at a loss is washed by *replacement shares*: purchases of the same symbol, in any
account of the owner, made within 30 days before or after the sale. Each replacement share is
used once, earliest purchase first. The book looks in two directions:

* at the sale, among pieces still held that were bought in the 30 days up to the sale;
  shares sold in the same sale are gone from the book, so they cannot replace each other,
  and the unsold rest of the very purchase that made the loss is not its own replacement;
* at each later buy within 30 days, for losses not yet fully washed (a pending loss).

For ``w`` replacement shares against a loss ``L`` on ``q`` shares, the disallowed amount is
``L * w / q`` rounded to the cent, computed cumulatively so that a fully washed loss moves
exactly ``L``. The replacement piece is split off, its basis grows by the disallowed amount and
its holding period includes that of the sold shares (its effective acquisition date moves back
by the days the sold shares were held). The disposal gets adjustment code ``W`` and the
disallowed amount as a positive adjustment, so ``gain = proceeds - basis + adjustment``.
Shares bought before a loss but sold again before it are not counted as replacements (they
are no longer held when the loss is realized); this is the convention of most broker 1099-Bs.

The index
---------
Both directions are found by date, never by scanning the book. Per symbol, ``WashIndex`` keeps
the pieces bought in the last 30 days in purchase order (trimmed from the front as the dates
move on and as pieces are used up; the rest of a split piece takes the used part's place), and
the losses of the last 30 days that are not fully washed. Dates only rise, so what falls out of the window never comes
back: the index holds about 30 days of purchases and losses, whatever the length of history.
That is also why a disposal is final once 30 days have passed after its sale.

Standard library only.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from tradegame.domain.lot_records import Piece

__all__ = ["WASH_WINDOW", "PendingLoss", "WashIndex"]

WASH_WINDOW = timedelta(days=30)


@dataclass(slots=True, eq=False)
class PendingLoss:
    """A loss disposal whose shares are not all washed yet; ``index`` is its disposal number."""

    index: int
    sold: date
    held_days: int
    quantity: Decimal
    loss: Decimal
    washed: Decimal


class _Recent:
    """One symbol's purchases of the last 30 days, in purchase order, from ``head`` on.

    A piece that is sold out or already used as a replacement is dead for good; dead pieces
    and pieces older than the window are dropped from the front as queries pass them, so a
    query mostly meets live pieces.
    """

    __slots__ = ("head", "pieces")

    def __init__(self, piece: Piece) -> None:
        self.pieces = [piece]
        self.head = 0

    def trim(self, start: date) -> None:
        """Drop leading pieces bought before ``start`` or dead; compact now and then."""
        pieces, head = self.pieces, self.head
        end = len(pieces)
        while head < end:
            piece = pieces[head]
            if piece.acquired_actual >= start and piece.quantity and not piece.replacement_used:
                break
            head += 1
        if head > 64 and head * 2 > end:
            del pieces[:head]
            head = 0
        self.head = head


class WashIndex:
    """Purchases and unwashed losses of the last 30 days, per symbol, in time order."""

    __slots__ = ("_pending", "_recent")

    def __init__(self) -> None:
        self._recent: dict[str, _Recent] = {}
        self._pending: dict[str, list[PendingLoss]] = {}

    def add_purchase(self, piece: Piece) -> int:
        """Index a new piece (pieces arrive in date order); return its position for ``put``."""
        recent = self._recent.get(piece.symbol)
        if recent is None:
            self._recent[piece.symbol] = _Recent(piece)
            return 0
        recent.trim(piece.acquired_actual - WASH_WINDOW)
        recent.pieces.append(piece)
        return len(recent.pieces) - 1

    def put(self, symbol: str, position: int, rest: Piece) -> None:
        """``rest`` was split off the piece at ``position``, which is used up: it takes its place."""
        self._recent[symbol].pieces[position] = rest

    def replacements(self, symbol: str, sold: date, loss_origin: int) -> Iterator[tuple[int, Piece]]:
        """Pieces that can replace a loss on ``sold``, earliest purchase first, with positions.

        Held (not sold out), not yet used as a replacement, bought in the 30 days up to the
        sale and not part of the purchase ``loss_origin`` that made the loss. Stop iterating
        once the loss is washed; a ``put`` may replace the current piece meanwhile.
        """
        recent = self._recent.get(symbol)
        if recent is None:
            return
        recent.trim(sold - WASH_WINDOW)
        pieces = recent.pieces
        for position in range(recent.head, len(pieces)):
            piece = pieces[position]
            if piece.quantity and not piece.replacement_used and piece.origin != loss_origin:
                yield position, piece

    def add_pending(self, symbol: str, pending: PendingLoss) -> None:
        """Remember a loss that later purchases may still wash; drops expired ones of ``symbol``."""
        pendings = self._pending.get(symbol)
        if pendings is None:
            self._pending[symbol] = [pending]
            return
        start = pending.sold - WASH_WINDOW
        if pendings[0].sold < start:
            pendings[:] = [p for p in pendings if p.sold >= start]
        pendings.append(pending)

    def has_pending(self, symbol: str) -> bool:
        return symbol in self._pending

    def pending_at_purchase(self, symbol: str, bought: date) -> list[PendingLoss]:
        """The losses a purchase on ``bought`` may wash (sold in the 30 days before), oldest first.

        The caller washes them in order and then calls ``settle``.
        """
        pendings = self._pending[symbol]
        start = bought - WASH_WINDOW
        pendings[:] = [p for p in pendings if p.sold >= start and p.washed < p.quantity]
        return pendings

    def settle(self, symbol: str) -> None:
        """Forget the losses of ``symbol`` that are fully washed."""
        pendings = self._pending[symbol]
        pendings[:] = [p for p in pendings if p.washed < p.quantity]
        if not pendings:
            del self._pending[symbol]

    def scale(self, symbol: str, ratio: Decimal) -> None:
        """A stock split: waiting losses count their shares in post-split units."""
        for pending in self._pending.get(symbol, ()):
            pending.quantity *= ratio
            pending.washed *= ratio
