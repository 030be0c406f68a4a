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
Both directions are found by date, never by scanning the book. The replacement shares of a loss
are read from the book's own holdings: the pieces of each account that ever held the symbol are
in purchase order (the rest of a split piece right after it), so those bought in the 30 days up
to the sale are found from the end of each, newest first, and merged by purchase when more than
one account holds the symbol. A purchase is not indexed: most are never asked for. Per symbol,
``WashIndex`` keeps the losses of the last 30 days that are not fully washed; dates only rise, so
what falls out of the window never comes back: the index holds about 30 days of losses, whatever
the length of history. That is also why a disposal is final once 30 days have passed after its sale.

``WashSales`` applies the rule for a ``LotBook``: it owns the index and changes the book's
pieces and disposals in place (the book hands it its holdings and its list of disposals).

Standard library only.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from operator import attrgetter

from tradegame.domain.lot_records import Disposal, Piece
from tradegame.domain.money import ROUNDING

__all__ = ["WASH_WINDOW", "PendingLoss", "WashIndex", "WashSales"]

WASH_WINDOW = timedelta(days=30)
_new_tuple = tuple.__new__
_seq_of = attrgetter("seq")


class _Days(dict[int, timedelta]):
    """``timedelta(days=n)`` for each n met (a holding period in days), made once."""

    def __missing__(self, days: int) -> timedelta:
        if len(self) > 100_000:
            self.clear()
        value = self[days] = timedelta(days=days)
        return value


_DAYS = _Days()


@dataclass(slots=True, eq=False)
class PendingLoss:
    """A loss disposal whose shares are not all washed yet; ``index`` is its disposal number."""

    index: int
    sold: date
    held_days: int
    quantity: Decimal
    loss: Decimal
    washed: Decimal


class WashIndex:
    """The purchases that can replace a loss (found in the book's holdings by date) and the losses of
    the last 30 days not fully washed, per symbol.

    ``holdings`` are the book's pieces per (account, symbol), each in purchase order; ``holders``
    the accounts that ever held each symbol (the book keeps both; the index only reads them).
    """

    __slots__ = ("_holders", "_holdings", "_pending")

    def __init__(self, holdings: Mapping[tuple[str, str], list[Piece]], holders: Mapping[str, Sequence[str]]) -> None:
        self._holdings = holdings
        self._holders = holders
        self._pending: dict[str, list[PendingLoss]] = {}

    def window(self, symbol: str, sold: date) -> list[Piece]:
        """The held pieces of ``symbol`` bought in the 30 days to ``sold``, in purchase order (some of
        them dead: used as a replacement already). A new list: a caller may put a piece's split-off
        rest in its place."""
        start = sold - WASH_WINDOW
        found: list[Piece] = []
        accounts = self._holders.get(symbol, ())
        for account in accounts:
            held = self._holdings[(account, symbol)]
            first = len(held)
            while first and held[first - 1].acquired_actual >= start:  # (dates only rise)
                first -= 1
            found += held[first:]
        if len(accounts) > 1:
            found.sort(key=_seq_of)  # (stable: a split piece's rest stays after it)
        return found

    @staticmethod
    def replacements(pieces: list[Piece], loss_origin: int) -> Iterator[tuple[int, Piece]]:
        """The pieces of a sale's ``window`` that can replace its loss, earliest purchase first, with
        their positions in it: held (not sold out), not yet used as a replacement, and not part of the
        purchase ``loss_origin`` that made the loss. The caller may put a piece's split-off rest at
        the position just yielded (the next piece is read after it)."""
        for position, piece in enumerate(pieces):
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

    def pending_at_purchase(self, symbol: str, bought: date) -> list[PendingLoss]:
        """The losses a purchase on ``bought`` may wash (sold in the 30 days before), oldest first:
        none (an empty list) when no loss of ``symbol`` waits or every one waiting was sold before
        the window (then they are forgotten). The caller washes them in order and then calls ``settle``.
        """
        pendings = self._pending.get(symbol)
        if pendings is None:
            return []
        start = bought - WASH_WINDOW
        if pendings[-1].sold < start:  # (in sale order: the last sold before the window, all were)
            del self._pending[symbol]
            return []
        if pendings[0].sold < start:  # (a waiting loss is never fully washed: ``settle`` forgets those)
            pendings[:] = [p for p in pendings if p.sold >= start]
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


class WashSales:
    """The rule applied to one ``LotBook``: washes losses at each sale and at each later purchase.

    ``holdings`` and ``disposals`` are the book's own (changed in place), ``holders`` the accounts
    that ever held each symbol (kept by the book); a disposal number minus ``released`` (what the
    book has handed out and forgotten) is its list position.
    """

    __slots__ = ("disposals", "holdings", "index", "quantum")

    def __init__(
        self,
        quantum: Decimal,
        holdings: Mapping[tuple[str, str], list[Piece]],
        disposals: list[Disposal],
        holders: Mapping[str, Sequence[str]],
    ) -> None:
        self.quantum = quantum
        self.holdings = holdings
        self.disposals = disposals
        self.index = WashIndex(holdings, holders)

    def at_sale(self, losses: Sequence[tuple[int, int]], released: int) -> None:
        """Wash the losses of a sale: each a disposal's list position and its piece's origin (purchase seq).

        The sale's disposals at a loss (proceeds below basis: nothing is adjusted yet), in order;
        they share the sale's symbol and date, so they share its window of replacement pieces.
        """
        disposals = self.disposals
        first = disposals[losses[0][0]]
        pieces = self.index.window(first.symbol, first.date_sold)
        for position, origin in losses:
            self._loss(disposals[position], position, released, origin, pieces)

    def _loss(self, disposal: Disposal, position: int, released: int, loss_origin: int, pieces: list[Piece]) -> None:
        """Wash one loss with the replacement pieces held now (among ``pieces``: the sale's window, where
        a split piece's rest takes its place); remember what is left of it."""
        symbol, sold, quantity = disposal.symbol, disposal.date_sold, disposal.quantity
        loss = disposal.cost_basis - disposal.proceeds
        held_days = (sold - disposal.date_acquired).days
        washed = quantity * 0
        upto: Decimal | None = None  # the disallowed amount so far, rounded (None: nothing yet)
        adjustment = disposal.adjustment_amount
        for slot, piece in self.index.replacements(pieces, loss_origin):
            free = piece.quantity
            used = quantity - washed
            if free < used:
                used = free
            washed += used
            after = (loss * washed / quantity).quantize(self.quantum, ROUNDING)
            disallowed = after if upto is None else after - upto
            upto = after
            if used < free:
                pieces[slot] = self._split(piece, used)
            piece.basis += disallowed
            piece.acquired = piece.acquired_actual - _DAYS[held_days]
            piece.replacement_used = True
            adjustment += disallowed
            if washed == quantity:
                break
        if upto is not None:
            # disposal._replace(adjustment_code="W", adjustment_amount=...) without its Python-level cost
            self.disposals[position] = _new_tuple(Disposal, (*disposal[:9], "W", adjustment, *disposal[11:]))
        if washed < quantity:
            pending = PendingLoss(position + released, sold, held_days, quantity, loss, washed)
            self.index.add_pending(symbol, pending)

    def at_purchase(self, piece: Piece, is_security: bool, released: int) -> Sequence[tuple[Disposal, Disposal]]:
        """If a new piece (in the book's holdings already) is a security, let it wash the pending
        losses of its symbol.

        Returns each earlier disposal the purchase changed, as (before, after), in disposal order
        (a purchase changes a disposal once at most: one pending loss each)."""
        index, symbol = self.index, piece.symbol
        pendings = index.pending_at_purchase(symbol, piece.acquired_actual) if is_security else ()
        if not pendings:
            return ()
        changed: list[tuple[Disposal, Disposal]] = []
        for pending in pendings:
            if piece.replacement_used or not piece.quantity:
                break
            rest = self._replace(pending, piece, released, changed)
            if rest is not None:
                piece = rest
        index.settle(symbol)
        return changed

    def _replace(
        self, pending: PendingLoss, piece: Piece, released: int, changed: list[tuple[Disposal, Disposal]]
    ) -> Piece | None:
        """Use up to all of ``piece`` to wash ``pending`` (its disposal's change added to ``changed``);
        return the unused rest, if split off."""
        used = min(pending.quantity - pending.washed, piece.quantity)
        quantum = self.quantum
        before = (pending.loss * pending.washed / pending.quantity).quantize(quantum, ROUNDING)
        pending.washed += used
        after = (pending.loss * pending.washed / pending.quantity).quantize(quantum, ROUNDING)
        disallowed = after - before
        rest = None
        if used < piece.quantity:
            rest = self._split(piece, used)
        piece.basis += disallowed
        piece.acquired = piece.acquired_actual - _DAYS[pending.held_days]
        piece.replacement_used = True
        position = pending.index - released
        old = self.disposals[position]
        # old._replace(adjustment_code="W", adjustment_amount=...) without its Python-level cost
        new = self.disposals[position] = _new_tuple(Disposal, (*old[:9], "W", old[10] + disallowed, *old[11:]))
        changed.append((old, new))
        return rest

    def _split(self, piece: Piece, keep: Decimal) -> Piece:
        """Cut ``piece`` down to ``keep`` units; the rest becomes a new piece right after it."""
        rest_quantity = piece.quantity - keep
        # share(piece.basis, keep, piece.quantity), inline: 0 < keep < piece.quantity here
        kept_basis = (piece.basis * keep / piece.quantity).quantize(self.quantum, ROUND_HALF_UP)
        rest = Piece(
            piece.lot_id,
            piece.account,
            piece.symbol,
            piece.asset_class,
            rest_quantity,
            piece.basis - kept_basis,
            piece.acquired,
            piece.acquired_actual,
            piece.seq,
            piece.origin,
            piece.game,
        )
        piece.quantity = keep
        piece.basis = kept_basis
        held = self.holdings[(piece.account, piece.symbol)]
        # held is in purchase order; a replacement is a recent purchase, so it is found near the end
        position = len(held) - 1
        while held[position] is not piece:
            position -= 1
        held.insert(position + 1, rest)
        return rest
