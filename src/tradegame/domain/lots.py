"""Tax lots per (account, instrument): booking, matching methods and wash sales.

How a sale is booked
--------------------
Every buy opens a lot in its account: quantity, a cost basis (price times quantity rounded to
the cent, plus the buy fee) and its acquisition date. A sale first builds a *plan*, the list of
(lot piece, quantity) it will consume, chosen by the account's method: FIFO (oldest purchase
first), LIFO (newest first), HIFO (highest basis per unit first, buy fee and wash adjustments
included; ties to the oldest), average cost (every lot of the account and symbol is re-based to
the pool's average first, then consumed oldest first, which fixes the holding period), or
specific identification (the lots the seller names). Only when the whole plan is valid does
anything change, so a bad sale leaves the book as it was. The proceeds (gross value less the
sell fee) are shared across the consumed pieces by quantity (cumulative rounding, see allocation), so
the disposals add up to the sale to the cent; the basis taken from a piece is its pro-rata share
and the rest stays with the piece. A FIFO sale, the common case, does all of this in one pass
over the oldest pieces (``_sell_oldest_first``) once the holding is known to cover it.

Wash sales (securities only)
----------------------------
A loss is washed by replacement shares of the same symbol bought in any account within 30 days
before or after the sale; ``wash_sales`` states the rule and keeps the index (per symbol, by
date) through which both directions are found. The disallowed amount moves into the
replacement piece's basis and the disposal gets code ``W``.

Releasing final disposals
-------------------------
A book that has to hold a long history (a trader's year of trades read from a file) can hand
its disposals out as they become final and forget them: ``release_final(today)`` returns, in
booking order, the disposals sold more than 30 days before ``today`` (every one when wash sales
are off), which no later trade can change. Memory then grows with the open lots and the last
30 days, not with history. A book that never releases keeps every disposal.

Crypto is property, not a security: no wash sales. A crypto-to-crypto swap is booked as a sale
of one coin at fair market value and a purchase of the other.

Lots belong to the account, never to a Game: a sale by one Game may consume a lot another Game
bought. Each disposal carries both the selling Game and the Game whose purchase made the lot.

Standard library only.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from operator import attrgetter

from tradegame.domain.errors import InsufficientHoldingsError, InvalidInputError
from tradegame.domain.instruments import AssetClass, LotMethod
from tradegame.domain.lot_plans import average_basis, plan_sale, plan_specific
from tradegame.domain.lot_records import Disposal, Holding, OpenLot, Piece, snapshots
from tradegame.domain.money import USD, Currency
from tradegame.domain.wash_sales import WASH_WINDOW, WashSales

__all__ = ["WASH_WINDOW", "Disposal", "LotBook", "OpenLot"]

_SECURITIES = frozenset(c for c in AssetClass if c.is_security)
_FIFO, _LIFO, _HIFO = LotMethod.FIFO, LotMethod.LIFO, LotMethod.HIFO
_AVERAGE, _SPECIFIC = LotMethod.AVERAGE, LotMethod.SPECIFIC
_ZERO = Decimal(0)
_new_tuple = tuple.__new__
_seq_of = attrgetter("seq")
_date_sold = attrgetter("date_sold")


class LotBook:
    """Tax lots of one owner across all their accounts, in one currency.

    ``methods`` gives a lot method per account; others use ``method``. Events must be booked
    in time order (a date earlier than the last one booked is refused).
    """

    def __init__(
        self,
        currency: Currency = USD,
        method: LotMethod = LotMethod.FIFO,
        *,
        wash_sales: bool = True,
        methods: Mapping[str, LotMethod] | None = None,
    ) -> None:
        self.currency = currency
        self.method = method
        self.wash_sales = wash_sales
        self._methods = dict(methods or {})
        self._quantum = currency.quantum
        self._zero_money = currency.quantum * 0
        self._holdings: dict[tuple[str, str], Holding] = {}  # (account, symbol) -> its pieces and units
        self._holders: dict[str, list[str]] = {}  # symbol -> the accounts that ever held it, in turn
        self._named_lots: set[tuple[str, str]] = set()  # (account, id) of lots named by the user
        self._disposals: list[Disposal] = []
        self._released = 0  # disposals handed out by ``release_final`` and forgotten
        self._wash = WashSales(self._quantum, self._holdings, self._disposals, self._holders)
        self._seq = 0
        self._last_date: date | None = None

    # -- queries ---------------------------------------------------------------------------

    @property
    def disposals(self) -> list[Disposal]:
        """Every disposal not released yet (all of them if none were), in booking order."""
        return list(self._disposals)

    @property
    def disposal_count(self) -> int:
        """How many disposals were booked, released ones included."""
        return self._released + len(self._disposals)

    def disposal_at(self, index: int) -> Disposal:
        """Disposal number ``index`` (counting from the first ever booked); not a released one."""
        return self._disposals[index - self._released]

    def disposals_since(self, start: int) -> list[Disposal]:
        """The disposals from number ``start`` on (cheaper than copying them all)."""
        return self._disposals[start - self._released :]

    def release_final(self, today: date) -> list[Disposal]:
        """Hand out and forget the disposals no trade on or after ``today`` can change.

        Those sold more than 30 days before ``today`` (with wash sales off: all of them), in
        booking order. Call it with the date of the next trade before booking it, or with a
        date past the last sale plus 30 days at the end.
        """
        disposals = self._disposals
        if not self.wash_sales:
            count = len(disposals)
        else:
            last_final = today - WASH_WINDOW - timedelta(days=1)
            count = bisect_right(disposals, last_final, key=_date_sold)  # they are in date order
        if not count:
            return []
        final = disposals[:count]
        del disposals[:count]
        self._released += count
        return final

    def open_lots(self, account: str | None = None, symbol: str | None = None) -> list[OpenLot]:
        """Open lots in acquisition order, optionally for one account and/or symbol."""
        pieces = [
            piece
            for (acct, sym), held in self._holdings.items()
            if (account is None or acct == account) and (symbol is None or sym == symbol)
            for piece in held
        ]
        pieces.sort(key=_seq_of)
        return snapshots(pieces)

    def position(self, account: str, symbol: str) -> Decimal:
        """Units of ``symbol`` held in ``account``."""
        held = self._holdings.get((account, symbol))
        return _ZERO if held is None else held.units

    def basis(self, account: str, symbol: str) -> Decimal:
        """The cost basis of the open lots of ``symbol`` in ``account`` (fees and wash adjustments in)."""
        return sum([piece.basis for piece in self._holdings.get((account, symbol), ())], _ZERO)

    def method_for(self, account: str) -> LotMethod:
        return self._methods.get(account, self.method)

    # -- booking ---------------------------------------------------------------------------

    def renumber(self, booked: int) -> None:
        """Count ``booked`` trades as booked so far: the next lot id and order follow from it.

        For a book that holds part of a stream (some symbols; the rest booked in another book):
        numbered by the trade's place in the whole stream, its lots get the ids and the order
        one book of the whole stream would give them.
        """
        self._seq = booked

    def buy(
        self,
        *,
        account: str,
        symbol: str,
        quantity: Decimal,
        price: Decimal,
        fee: Decimal = _ZERO,
        on: date,
        asset_class: AssetClass = AssetClass.EQUITY,
        lot_id: str | None = None,
        game: str | None = None,
    ) -> str:
        """Open a lot and return its id; wash pending losses of the same symbol with its shares."""
        self._check_trade(quantity, price, fee, on)
        basis = (quantity * price).quantize(self._quantum, ROUND_HALF_EVEN) + fee
        return self.buy_checked(account, symbol, quantity, basis, on, asset_class, lot_id, game, False)[0]

    def buy_checked(
        self,
        account: str,
        symbol: str,
        quantity: Decimal,
        basis: Decimal,
        on: date,
        asset_class: AssetClass,
        lot_id: str | None,
        game: str | None,
        unused: bool,
    ) -> tuple[str, Sequence[tuple[Disposal, Disposal]]]:
        """``buy`` for a caller that checked the trade as ``buy`` does (quantity, price, fee, date in
        order; ``Books`` does) and gives the lot's ``basis``: price times quantity to the minor unit,
        plus the fee. ``unused``: the caller keeps the lot ids of its accounts itself and checked
        that ``lot_id`` is not used in ``account`` (``Books`` does), so the book need not. Returns the
        lot id and the earlier disposals the purchase washed, as (before, after), in order."""
        if lot_id is None:
            lot_id = f"#{self._seq + 1}"  # '#' ids are reserved for these, so they never collide
        elif lot_id.startswith("#") or (not unused and (account, lot_id) in self._named_lots):
            raise InvalidInputError(
                f"lot id {lot_id!r} is already used in account {account}"
                if not lot_id.startswith("#")
                else f"lot id {lot_id!r}: ids starting with '#' are reserved for automatic ids"
            )
        elif not unused:
            self._named_lots.add((account, lot_id))
        self._seq += 1
        key = (account, symbol)
        piece = Piece(
            lot_id,
            account,
            symbol,
            asset_class,
            quantity,
            basis,
            on,
            on,
            self._seq,
            self._seq,
            game,
        )
        held = self._holdings.get(key)
        if held is None:
            held = self._holdings[key] = Holding(quantity)
            self._holders.setdefault(symbol, []).append(account)
        else:
            held.units += quantity
        held.append(piece)
        self._last_date = on
        if self.wash_sales:
            return lot_id, self._wash.at_purchase(piece, asset_class in _SECURITIES, self._released)
        return lot_id, ()

    def sell(
        self,
        *,
        account: str,
        symbol: str,
        quantity: Decimal,
        price: Decimal,
        fee: Decimal = _ZERO,
        on: date,
        asset_class: AssetClass = AssetClass.EQUITY,
        lots: Sequence[tuple[str, Decimal]] | None = None,
        game: str | None = None,
        sale_id: str | None = None,
    ) -> list[Disposal]:
        """Dispose of ``quantity`` units; returns the new disposals (before later washes)."""
        self._check_trade(quantity, price, fee, on)
        gross = (quantity * price).quantize(self._quantum, ROUND_HALF_EVEN)
        return self.sell_checked(account, symbol, quantity, gross, fee, on, asset_class, lots, game, sale_id)

    def sell_checked(
        self,
        account: str,
        symbol: str,
        quantity: Decimal,
        gross: Decimal,
        fee: Decimal,
        on: date,
        asset_class: AssetClass,
        lots: Sequence[tuple[str, Decimal]] | None,
        game: str | None,
        sale_id: str | None,
    ) -> list[Disposal]:
        """``sell`` for a caller that checked the trade as ``sell`` does (quantity, price, fee, date in
        order; ``Books`` does) and gives its ``gross`` value: price times quantity to the minor unit."""
        held = self._holdings.get((account, symbol))
        if held is None:  # nothing held: the sale is refused below
            held = Holding(_ZERO)
        available = held.units
        method = self._methods.get(account, self.method) if lots is None else _SPECIFIC
        plan = None if method is _FIFO else self._plan(account, symbol, held, available, quantity, method, lots)
        if plan is None and quantity > available:
            raise InsufficientHoldingsError(f"selling {quantity} {symbol} but account {account} holds {available}")
        if fee > gross:
            raise InvalidInputError(f"fee {fee} exceeds the sale value {gross}")
        self._seq += 1
        first = len(self._disposals)  # a list position; ``_released`` turns it into a disposal number
        sale = (account, symbol, on, asset_class, sale_id or f"S{self._seq}", game)
        net = gross - fee
        if plan is None and net.same_quantum(self._quantum):
            losses = self._sell_oldest_first(sale, held, quantity, net)
        else:
            if plan is None:  # FIFO with a fee finer than the currency's minor units: the general path
                plan = plan_sale(account, symbol, held, quantity, quantity, method)
            proceeds = _proceeds_parts(net, plan, quantity, self._quantum)
            pool_basis = average_basis(held, plan, quantity, self._quantum) if method is _AVERAGE else None
            emptied = self._dispose(sale, plan, proceeds, pool_basis)
            if emptied:
                _drop_emptied(held, method, emptied)
            losses = [
                (position, piece.origin)
                for position, (piece, _) in enumerate(plan, first)
                if self._disposals[position].proceeds < self._disposals[position].cost_basis
            ]
        held.units = available - quantity
        self._last_date = on
        if losses and self.wash_sales and asset_class in _SECURITIES:
            self._wash.at_sale(losses, self._released)
        return self._disposals[first:]

    def _plan(
        self,
        account: str,
        symbol: str,
        held: list[Piece],
        available: Decimal,
        quantity: Decimal,
        method: LotMethod,
        lots: Sequence[tuple[str, Decimal]] | None,
    ) -> list[tuple[Piece, Decimal]]:
        """The (piece, quantity taken) a sale of what ``held`` holds (``available`` units) consumes;
        raises, changing nothing, if it cannot be made."""
        if method is _SPECIFIC:
            return plan_specific(account, symbol, held, quantity, lots)
        return plan_sale(account, symbol, held, available, quantity, method)

    def _sell_oldest_first(
        self, sale: tuple[str, str, date, AssetClass, str, str | None], held: list[Piece], quantity: Decimal,
        proceeds: Decimal,
    ) -> list[tuple[int, int]]:  # fmt: skip
        """A FIFO sale in one pass: what ``_plan``, ``_proceeds_parts``, ``_dispose`` and ``_drop_emptied`` do.

        The caller checked that ``held`` holds ``quantity`` and that ``proceeds`` is in the
        currency's minor units (then the proceeds parts are the same to the digit). Returns the
        disposals at a loss, in order, each as its list position and the origin of its piece.
        """
        account, symbol, on, asset_class, sale_id, game = sale
        append = self._disposals.append
        quantum, zero = self._quantum, self._zero_money
        losses: list[tuple[int, int]] = []
        position = len(self._disposals)
        remaining, running, allocated, emptied = quantity, _ZERO, zero, 0  # (``zero``: ``proceeds * 0``, same quantum)
        for piece in held:
            take = piece.quantity
            if take < remaining:  # the whole piece, and more to take after it
                running += take
                upto = (proceeds * running / quantity).quantize(quantum, ROUND_HALF_UP)
                part, allocated, basis = upto - allocated, upto, piece.basis
                remaining -= take
            else:  # the last piece taken
                part, take = proceeds - allocated, remaining
                if take == piece.quantity:
                    basis = piece.basis
                else:  # the piece's pro-rata share, as ``share`` computes it
                    basis = (piece.basis * take / piece.quantity).quantize(quantum, ROUND_HALF_UP)
                    piece.basis -= basis
                    emptied -= 1
                remaining = _ZERO
            piece.quantity -= take
            emptied += 1
            if part < basis:
                losses.append((position, piece.origin))
            position += 1
            # Disposal(...) without its Python-level __new__: this is the hot path
            append(_new_tuple(Disposal, (account, symbol, piece.lot_id, take, piece.acquired,
                                         piece.acquired_actual, on, part, basis, "", zero, asset_class, sale_id,
                                         game, piece.game)))  # fmt: skip
            if not remaining:
                break
        del held[:emptied]
        return losses

    def _dispose(
        self,
        sale: tuple[str, str, date, AssetClass, str, str | None],
        plan: list[tuple[Piece, Decimal]],
        proceeds: list[Decimal],
        pool_basis: list[Decimal] | None,
    ) -> int:
        """Append a disposal per planned take and take it out of its piece; return how many pieces emptied.

        ``sale``: the account, symbol, date, asset class, sale id and Game of the sale.
        """
        account, symbol, on, asset_class, sale_id, game = sale
        append = self._disposals.append
        quantum = self._quantum
        zero = self._zero_money
        emptied = 0
        for index, (piece, take) in enumerate(plan):
            if pool_basis is not None:
                basis = pool_basis[index]
            elif take == piece.quantity:
                basis = piece.basis
            else:  # the piece's pro-rata share, as ``share`` computes it
                basis = (piece.basis * take / piece.quantity).quantize(quantum, ROUND_HALF_UP)
            # Disposal(...) without its Python-level __new__: this is the hot path
            append(_new_tuple(Disposal, (account, symbol, piece.lot_id, take, piece.acquired, piece.acquired_actual,
                                         on, proceeds[index], basis, "", zero, asset_class, sale_id, game,
                                         piece.game)))  # fmt: skip
            piece.quantity -= take
            piece.basis -= basis
            if not piece.quantity:
                emptied += 1
        return emptied

    def split(self, symbol: str, ratio: Decimal, on: date) -> dict[str, tuple[Decimal, Decimal]]:
        """Apply a stock split of ``ratio`` new units per old unit to every account holding ``symbol``.

        Each lot keeps its basis and its acquisition dates; its quantity is multiplied by
        ``ratio`` exactly (so its basis per unit falls by the same factor). Losses still waiting
        for replacement shares count their shares in post-split units. Returns the units held per
        account before and after.
        """
        if not isinstance(ratio, Decimal) or not ratio.is_finite() or ratio <= 0 or ratio == 1:
            raise InvalidInputError(f"split ratio must be a positive number other than 1, got {ratio}")
        if self._last_date is not None and on < self._last_date:
            raise InvalidInputError(f"date {on} is before the last booked date {self._last_date}")
        changed: dict[str, tuple[Decimal, Decimal]] = {}
        for (account, sym), held in self._holdings.items():
            if sym != symbol or not held:
                continue
            for piece in held:
                piece.quantity *= ratio
            before = held.units
            held.units = before * ratio
            changed[account] = (before, before * ratio)
        self._wash.index.scale(symbol, ratio)
        self._last_date = on
        return changed

    # -- internals -------------------------------------------------------------------------

    def _check_trade(self, quantity: Decimal, price: Decimal, fee: Decimal, on: date) -> None:
        last = self._last_date
        if (
            quantity > 0
            and price > 0
            and (not fee or (fee > 0 and fee == fee.quantize(self._quantum)))
            and (last is None or on >= last)
        ):
            return
        if quantity <= 0:
            raise InvalidInputError(f"quantity must be positive, got {quantity}")
        if price <= 0:
            raise InvalidInputError(f"price must be positive, got {price}")
        if fee < 0:
            raise InvalidInputError(f"fee must not be negative, got {fee}")
        if last is not None and on < last:
            raise InvalidInputError(f"date {on} is before the last booked date {last}")
        raise InvalidInputError(f"fee {fee} has more decimals than {self.currency.code} allows")


def _proceeds_parts(
    proceeds: Decimal, plan: list[tuple[Piece, Decimal]], quantity: Decimal, quantum: Decimal
) -> list[Decimal]:
    """``allocate(proceeds, takes)`` inline (cumulative rounding); the takes add up to ``quantity``."""
    if len(plan) == 1:
        return [proceeds]
    if len(plan) == 2:
        upto = (proceeds * plan[0][1] / quantity).quantize(quantum, ROUND_HALF_UP)
        return [upto, proceeds - upto]
    parts = []
    running = _ZERO
    allocated = proceeds * 0
    for _, take in plan[:-1]:
        running += take
        upto = (proceeds * running / quantity).quantize(quantum, ROUND_HALF_UP)
        parts.append(upto - allocated)
        allocated = upto
    parts.append(proceeds - allocated)
    return parts


def _drop_emptied(held: list[Piece], method: LotMethod, emptied: int) -> None:
    """Remove the ``emptied`` pieces a sale of ``method`` emptied from ``held``."""
    if method is _FIFO or method is _AVERAGE:  # the plan is a prefix of ``held``
        del held[:emptied]
    elif method is _LIFO:  # the plan is a suffix, newest first
        del held[-emptied:]
    else:
        held[:] = [piece for piece in held if piece.quantity]
