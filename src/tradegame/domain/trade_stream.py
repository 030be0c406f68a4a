"""Booking a long, date-ordered stream of trades in bounded memory.

``book_trades`` holds every trade and every disposal until the end, which is right for a Game
but not for a trader's year of hundreds of thousands of trades. ``TradeStream`` books the
same trades the same way (the same ``LotBook``, the same checks and messages) one at a time
and hands out each disposal once it is final: a disposal can still be changed by a purchase
within 30 days after its sale (a wash sale), so it is released when the stream reaches a date
more than 30 days later, and at the end. What it keeps is the open lots, the last 30 days of
the wash-sale index and disposals, one small own book per Game and the legs of swaps.

Per-Game attribution is folded in on the way: each released disposal adds to its Game's
``tax_gain``, and each Game's own purchases and sales are booked in a book of their own (no
wash sales) whose gains are summed as they are made, as ``attribute_to_games`` does with the
whole list.

The stream refuses a trade dated before the one before it (``TradesOutOfOrderError``): the caller
sorts such a file first. Standard library only.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from tradegame.domain.errors import InvalidInputError
from tradegame.domain.instruments import LotMethod
from tradegame.domain.lots import Disposal, LotBook
from tradegame.domain.money import USD, Currency
from tradegame.domain.trades import GameAttribution, Trade, TradeError, book_trade, check_side, check_swaps

__all__ = ["TradeStream", "TradesOutOfOrderError"]

_ZERO = Decimal(0)


class TradesOutOfOrderError(InvalidInputError):
    """A trade dated before the previous one: the stream needs the trades sorted by date."""

    def __init__(self, row: int) -> None:
        super().__init__(f"row {row} is dated before the row before it")
        self.row = row


class _GameTally:
    """One Game's running attribution figures."""

    __slots__ = ("own_book", "own_gain", "quantity_from_other_games", "quantity_sold", "tax_gain")

    def __init__(self, own_book: LotBook) -> None:
        self.own_book: LotBook | None = own_book  # None once the Game sold what it never bought
        self.own_gain = _ZERO
        self.tax_gain = _ZERO
        self.quantity_sold = _ZERO
        self.quantity_from_other_games = _ZERO


class TradeStream:
    """Books trades one by one and releases the disposals that became final.

    ``feed`` each trade in date order (stable within a day, as the file gives them) and then
    ``close``; both return the disposals released, in booking order. After ``close``,
    ``book`` holds the open lots and ``games()`` the per-Game attribution.
    """

    def __init__(self, method: LotMethod, *, wash_sales: bool = True, currency: Currency = USD) -> None:
        self.method = method
        self.currency = currency
        self.book = LotBook(currency, method, wash_sales=wash_sales)
        self._last: date | None = None
        self._swaps: dict[str, list[Trade]] = defaultdict(list)
        self._games: dict[str, _GameTally] = {}

    def feed(self, trade: Trade) -> list[Disposal]:
        """Book ``trade``; return the disposals that no later trade can change any more."""
        released: list[Disposal] = []
        if trade.on != self._last:
            if self._last is not None and trade.on < self._last:
                raise TradesOutOfOrderError(trade.row)
            self._last = trade.on
            released = self._release(trade.on)
        check_side(trade)
        if trade.swap_id is not None:
            self._swaps[trade.swap_id].append(trade)
        book_trade(self.book, trade, self.method)
        if trade.game is not None:
            self._own(trade)
        return released

    def close(self) -> list[Disposal]:
        """Check the swaps (which need both legs) and release every disposal left."""
        legs = [leg for swap in self._swaps.values() for leg in swap]
        check_swaps(legs)
        for swap in self._swaps.values():
            games = {leg.game for leg in swap}
            if len(games) > 1:  # each Game's own book sees one leg only: a broken swap there
                for game in games - {None}:
                    self._games[str(game)].own_book = None
        return self._release(date.max)

    def games(self) -> list[GameAttribution]:
        """Per-Game attribution of what was released (see ``GameAttribution``), by Game name."""
        return [
            GameAttribution(
                game=game,
                tax_gain=tally.tax_gain,
                own_gain=tally.own_gain if tally.own_book is not None else None,
                quantity_sold=tally.quantity_sold,
                quantity_from_other_games=tally.quantity_from_other_games,
            )
            for game, tally in sorted(self._games.items())
        ]

    def _release(self, today: date) -> list[Disposal]:
        released = self.book.release_final(today)
        if self._games:
            games = self._games
            for disposal in released:
                game = disposal.game
                if game is not None:
                    tally = games[game]
                    tally.tax_gain += disposal.proceeds - disposal.cost_basis + disposal.adjustment_amount  # .gain
                    tally.quantity_sold += disposal.quantity
                    if disposal.lot_game != game:
                        tally.quantity_from_other_games += disposal.quantity
        return released

    def _own(self, trade: Trade) -> None:
        game = str(trade.game)
        tally = self._games.get(game)
        if tally is None:
            own = LotBook(self.currency, self.method, wash_sales=False)
            tally = self._games[game] = _GameTally(own)
        if tally.own_book is None:
            return
        try:
            book_trade(tally.own_book, trade, self.method)
        except TradeError:
            tally.own_book = None
            return
        for disposal in tally.own_book.release_final(trade.on):
            tally.own_gain += disposal.proceeds - disposal.cost_basis + disposal.adjustment_amount  # .gain
