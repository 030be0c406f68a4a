"""Booking a list of trades (from a file or a Game) into a ``LotBook``, with per-Game attribution.

A ``Trade`` is one already-parsed row. ``book_trades`` validates what a single row cannot show
(crypto swap legs, lot ids on the wrong side), re-sorts by date keeping the given order within a
day, and books every trade; the first problem raises ``TradeError`` naming the row, and the
caller gets no book at all. Standard library only.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from tradegame.domain.errors import InvalidInputError
from tradegame.domain.instruments import AssetClass, LotMethod
from tradegame.domain.lots import Disposal, LotBook
from tradegame.domain.money import USD, Currency

__all__ = [
    "GameAttribution",
    "Side",
    "Trade",
    "TradeError",
    "attribute_to_games",
    "book_trade",
    "book_trades",
    "check_side",
    "check_swaps",
]


class Side(StrEnum):
    BUY = "buy"
    SELL = "sell"


@dataclass(frozen=True, slots=True)
class Trade:
    """One buy or sell of a trade list; ``row`` is its 1-based number among the data rows."""

    row: int
    on: date
    account: str
    symbol: str
    side: Side
    quantity: Decimal
    price: Decimal
    fee: Decimal
    asset_class: AssetClass
    lot_id: str | None = None
    lots: tuple[tuple[str, Decimal], ...] | None = None
    game: str | None = None
    swap_id: str | None = None


class TradeError(InvalidInputError):
    """A trade that cannot be booked; ``row`` says which."""

    def __init__(self, row: int, problem: str) -> None:
        super().__init__(f"row {row}: {problem}")
        self.row = row
        self.problem = problem


def check_swaps(trades: Sequence[Trade]) -> None:
    """Raise ``TradeError`` for the first broken swap (legs, sides, date, account, coins)."""
    legs: dict[str, list[Trade]] = defaultdict(list)
    for trade in trades:
        if trade.swap_id is not None:
            legs[trade.swap_id].append(trade)
    for swap_id, swap in legs.items():
        last = swap[-1]
        if len(swap) != 2:
            raise TradeError(last.row, f"swap {swap_id!r} has {len(swap)} legs; a swap has one sell and one buy")
        sell, buy = sorted(swap, key=lambda t: t.side != Side.SELL)
        if sell.side != Side.SELL or buy.side != Side.BUY:
            raise TradeError(last.row, f"swap {swap_id!r} needs one sell leg and one buy leg")
        if sell.on != buy.on or sell.account != buy.account:
            raise TradeError(last.row, f"swap {swap_id!r}: both legs must share the date and the account")
        if sell.asset_class is not AssetClass.CRYPTO or buy.asset_class is not AssetClass.CRYPTO:
            raise TradeError(last.row, f"swap {swap_id!r}: a swap is crypto for crypto")
        if sell.symbol == buy.symbol:
            raise TradeError(last.row, f"swap {swap_id!r}: both legs are {sell.symbol}")


def check_side(trade: Trade) -> None:
    """Raise ``TradeError`` if the trade uses a column of the other side (lot_id or lots)."""
    if trade.side is Side.SELL and trade.lot_id is not None:
        raise TradeError(trade.row, "lot_id names the lot a buy creates; a sell uses the lots column")
    if trade.side is Side.BUY and trade.lots is not None:
        raise TradeError(trade.row, "the lots column is for specific-identification sells, not buys")


def book_trades(
    trades: Iterable[Trade],
    method: LotMethod = LotMethod.FIFO,
    *,
    wash_sales: bool = True,
    currency: Currency = USD,
    account_key: str | None = None,
) -> LotBook:
    """Book ``trades`` in date order (stable within a day) and return the lot book.

    With ``method`` SPECIFIC every sell must name its lots; with other methods the ``lots``
    column is ignored, so one file can be compared across methods. ``account_key`` set to
    ``"game"`` books each (account, game) apart: the per-Game view.
    """
    ordered = sorted(trades, key=lambda t: t.on)
    for trade in ordered:
        check_side(trade)
    check_swaps(ordered)
    book = LotBook(currency, method, wash_sales=wash_sales)
    for trade in ordered:
        account = trade.account if account_key is None else f"{trade.account}|{trade.game or ''}"
        book_trade(book, trade, method, account)
    return book


def book_trade(book: LotBook, trade: Trade, method: LotMethod, account: str | None = None) -> list[Disposal]:
    """Book one trade (in ``account``, default its own); a refusal raises ``TradeError`` naming its row."""
    account = trade.account if account is None else account
    try:
        if trade.side is Side.BUY:
            book.buy(
                account=account,
                symbol=trade.symbol,
                quantity=trade.quantity,
                price=trade.price,
                fee=trade.fee,
                on=trade.on,
                asset_class=trade.asset_class,
                lot_id=trade.lot_id,
                game=trade.game,
            )
            return []
        return book.sell(
            account=account,
            symbol=trade.symbol,
            quantity=trade.quantity,
            price=trade.price,
            fee=trade.fee,
            on=trade.on,
            asset_class=trade.asset_class,
            lots=trade.lots if method is LotMethod.SPECIFIC else None,
            game=trade.game,
            sale_id=f"row{trade.row}",
        )
    except InvalidInputError as error:
        raise TradeError(trade.row, str(error)) from None


@dataclass(frozen=True, slots=True)
class GameAttribution:
    """One Game's realized result two ways: the tax truth and its own books.

    ``tax_gain`` sums the disposals the Game's sells made from the account's lots (which may
    be another Game's lots); ``own_gain`` is what the Game realized matching only against its
    own purchases, without wash sales; ``quantity_from_other_games`` is how much it sold out of
    lots another Game (or no Game) bought. ``own_gain`` is None when the Game sold more than it
    bought itself.
    """

    game: str
    tax_gain: Decimal
    own_gain: Decimal | None
    quantity_sold: Decimal
    quantity_from_other_games: Decimal


def attribute_to_games(
    trades: Sequence[Trade], tax_disposals: Sequence[Disposal], method: LotMethod, currency: Currency = USD
) -> list[GameAttribution]:
    """Per-Game attribution beside the tax truth (see ``GameAttribution``)."""
    games = sorted({t.game for t in trades if t.game is not None})
    own_gains: dict[str, Decimal | None] = {}
    for game in games:
        try:
            own_book = book_trades([t for t in trades if t.game == game], method, wash_sales=False, currency=currency)
        except TradeError:
            own_gains[game] = None
        else:
            own_gains[game] = sum((d.gain for d in own_book.disposals), Decimal(0))
    result = []
    for game in games:
        mine = [d for d in tax_disposals if d.game == game]
        result.append(
            GameAttribution(
                game=game,
                tax_gain=sum((d.gain for d in mine), Decimal(0)),
                own_gain=own_gains[game],
                quantity_sold=sum((d.quantity for d in mine), Decimal(0)),
                quantity_from_other_games=sum((d.quantity for d in mine if d.lot_game != game), Decimal(0)),
            )
        )
    return result
