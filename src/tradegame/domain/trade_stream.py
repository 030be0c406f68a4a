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
sorts such a file first. ``feed`` takes one ``Trade``; ``feed_rows`` takes many, each as a plain
tuple of a ``Trade``'s fields (``TradeRow``, what a fast file reader makes without a Python
object per row), and books them the same way. Standard library only.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date
from decimal import Decimal
from itertools import compress, repeat
from operator import add, eq, itemgetter, ne, sub

from tradegame.domain.errors import InvalidInputError
from tradegame.domain.fifo_gains import FifoGains
from tradegame.domain.instruments import AssetClass, LotMethod
from tradegame.domain.lots import Disposal, LotBook
from tradegame.domain.money import USD, Currency
from tradegame.domain.trades import GameAttribution, Side, Trade, TradeError, check_side, check_swaps

__all__ = ["TradeRow", "TradeStream", "TradesOutOfOrderError", "trade_row"]

_ZERO = Decimal(0)
_BUY = Side.BUY
# Disposal fields by position (``Disposal._fields``), for the column-wise sums of ``_release``
_QUANTITY, _PROCEEDS, _BASIS, _ADJUSTMENT, _GAME, _LOT_GAME = map(itemgetter, (3, 7, 8, 10, 13, 14))

TradeRow = tuple[
    int, date, str, str, Side, Decimal, Decimal, Decimal, AssetClass, str | None,
    tuple[tuple[str, Decimal], ...] | None, str | None, str | None,
]  # fmt: skip
"""A ``Trade``'s fields in their order, as a plain tuple: ``Trade(*row)`` is the trade."""


def trade_row(trade: Trade) -> TradeRow:
    """The fields of ``trade`` as a ``TradeRow``."""
    return (trade.row, trade.on, trade.account, trade.symbol, trade.side, trade.quantity, trade.price, trade.fee,
            trade.asset_class, trade.lot_id, trade.lots, trade.game, trade.swap_id)  # fmt: skip


class TradesOutOfOrderError(InvalidInputError):
    """A trade dated before the previous one: the stream needs the trades sorted by date."""

    def __init__(self, row: int) -> None:
        super().__init__(f"row {row} is dated before the row before it")
        self.row = row


class _GameTally:
    """One Game's running attribution figures."""

    __slots__ = ("own_book", "own_gain", "quantity_from_other_games", "quantity_sold", "tax_gain")

    def __init__(self, own_book: LotBook | FifoGains) -> None:
        self.own_book: LotBook | FifoGains | None = own_book  # None once the Game sold what it never bought
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

    def __init__(
        self, method: LotMethod, *, wash_sales: bool = True, currency: Currency = USD, tally: bool = True
    ) -> None:
        self.method = method
        self.currency = currency
        self.book = LotBook(currency, method, wash_sales=wash_sales)
        self._last: date | None = None
        self._swaps: dict[str, list[Trade]] = defaultdict(list)
        self._games: dict[str, _GameTally] = {}
        self._tally_released = tally  # else the caller calls ``tally`` (with what other streams released too)

    def feed(self, trade: Trade) -> list[Disposal]:
        """Book ``trade``; return the disposals that no later trade can change any more."""
        released: list[Disposal] = []
        for batch in self.feed_rows((trade_row(trade),)):
            released += batch
        return released

    def feed_rows(self, rows: Iterable[TradeRow], *, numbered: bool = False) -> Iterator[list[Disposal]]:
        """Book ``rows`` (``Trade`` fields) one by one; yield each non-empty batch of disposals released.

        The same checks and messages as ``feed`` with ``Trade(*row)``, trade by trade.
        ``numbered``: the rows are part of a stream whose row numbers count every trade (the
        others booked elsewhere); the lots are numbered as in one book of the whole stream.
        """
        buy, sell = self.book.buy, self.book.sell
        renumber = self.book.renumber if numbered else None
        specific = self.method is LotMethod.SPECIFIC
        for row in rows:
            number, on, account, symbol, side, quantity, price, fee, asset_class, lot_id, lots, game, swap_id = row
            if renumber is not None:
                renumber(number - 1)
            if on != self._last:
                if self._last is not None and on < self._last:
                    raise TradesOutOfOrderError(number)
                self._last = on
                released = self._release(on)
                if released:
                    yield released
            if (lots if side is _BUY else lot_id) is not None or swap_id is not None:
                self._odd_row(row)
            try:  # as ``book_trade`` does
                if side is _BUY:
                    buy(account=account, symbol=symbol, quantity=quantity, price=price, fee=fee, on=on,
                        asset_class=asset_class, lot_id=lot_id, game=game)  # fmt: skip
                else:
                    sell(account=account, symbol=symbol, quantity=quantity, price=price, fee=fee, on=on,
                         asset_class=asset_class, lots=lots if specific else None, game=game,
                         sale_id=f"row{number}")  # fmt: skip
            except InvalidInputError as error:
                raise TradeError(number, str(error)) from None
            if game is not None:
                self._own(row)

    def _odd_row(self, row: TradeRow) -> None:
        """Check the side of a row using the lot columns, and keep the leg of a swap."""
        trade = Trade(*row)
        check_side(trade)
        if trade.swap_id is not None:
            self._swaps[trade.swap_id].append(trade)

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

    def own_gains(self) -> dict[str, Decimal | None]:
        """Each Game's own-lots gain so far (None once its own book broke), by Game name."""
        return {game: t.own_gain if t.own_book is not None else None for game, t in self._games.items()}

    def add_own_gains(self, gains: dict[str, Decimal | None]) -> None:
        """Add the ``own_gains`` of a stream of other symbols (the same Games' other trades)."""
        for game, gain in gains.items():
            tally = self._tally_of(game)
            if gain is None:
                tally.own_book = None
            else:
                tally.own_gain += gain

    def _tally_of(self, game: str) -> _GameTally:
        tally = self._games.get(game)
        if tally is None:
            fifo = self.method is LotMethod.FIFO  # then only the gains are kept, not the disposals
            own = FifoGains(self.currency.quantum) if fifo else LotBook(self.currency, self.method, wash_sales=False)
            tally = self._games[game] = _GameTally(own)
        return tally

    def _release(self, today: date) -> list[Disposal]:
        released = self.book.release_final(today)
        if self._tally_released:
            self.tally(released)
        return released

    def tally(self, released: list[Disposal]) -> None:
        """Add released disposals (in booking order) to their Games' tax gains and quantities."""
        if released and (self._games or not self._tally_released):
            games = list(map(_GAME, released))
            for game in set(games).difference((None,)):
                mine = list(compress(released, map(eq, games, repeat(game))))
                tally = self._tally_of(game)
                gains = map(add, map(sub, map(_PROCEEDS, mine), map(_BASIS, mine)), map(_ADJUSTMENT, mine))  # .gain
                tally.tax_gain = sum(gains, tally.tax_gain)
                tally.quantity_sold = sum(map(_QUANTITY, mine), tally.quantity_sold)
                lot_games = list(map(_LOT_GAME, mine))
                if lot_games.count(game) < len(mine):  # some came from other Games' lots
                    from_others = compress(mine, map(ne, lot_games, repeat(game)))
                    tally.quantity_from_other_games = sum(map(_QUANTITY, from_others), tally.quantity_from_other_games)

    def _own(self, row: TradeRow) -> None:
        """Book a Game's trade in the Game's own book (as ``book_trade`` would) and add up its gains."""
        _, on, account, symbol, side, quantity, price, fee, asset_class, lot_id, lots, game, _ = row
        tally = self._games.get(str(game)) or self._tally_of(str(game))
        book = tally.own_book
        if book is None:
            return
        if isinstance(book, FifoGains):  # the main book accepted the trade: so would a FIFO own book
            if side is _BUY:
                book.buy((account, symbol), quantity, price, fee)
                return
            gain = book.sell((account, symbol), quantity, price, fee)
            if gain is None:
                tally.own_book = None
            else:
                tally.own_gain += gain
            return
        try:
            if side is _BUY:
                book.buy(account=account, symbol=symbol, quantity=quantity, price=price, fee=fee, on=on,
                         asset_class=asset_class, lot_id=lot_id, game=game)  # fmt: skip
                return
            sold = book.sell(account=account, symbol=symbol, quantity=quantity, price=price, fee=fee, on=on,
                             asset_class=asset_class, lots=lots if self.method is LotMethod.SPECIFIC else None,
                             game=game)  # fmt: skip
        except InvalidInputError:
            tally.own_book = None
            return
        gain = tally.own_gain
        for disposal in sold:  # final at once without wash sales: added up in booking order and forgotten
            gain += disposal.proceeds - disposal.cost_basis + disposal.adjustment_amount  # .gain
        tally.own_gain = gain
        book.release_final(on)
