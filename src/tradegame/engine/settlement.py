"""Settlement: one fill booked into the books (which keep the holdings in step themselves).

A fill on a plain instrument is a buy or a sale of lots (a sale names its lots when the Move
does, or FIFO in an account with specific identification); on a currency pair a conversion of
cash; on a cross pair (ETH/BTC) a swap at fair value in the books' currency, the quote asset's
value at the fill (``unit_value``). Imports the domain's books and the engine's moves and assets;
game.py only for its type.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import numpy as np

from tradegame.domain.errors import FeeExceedsValueError, NoPriceError
from tradegame.domain.instruments import Instrument, LotMethod
from tradegame.domain.money import Money, Quantity
from tradegame.engine.moves import MoveState, Side
from tradegame.engine.universe import currency_of

if TYPE_CHECKING:
    from tradegame.engine.game import Game

__all__ = ["Settlement"]

_ZERO = Decimal(0)
_BUY = Side.BUY  # read for every fill: a global reads sooner than an enum member from its class (Python 3.11)


class Settlement:
    """Books the Game's fills (``book_fill``)."""

    def __init__(self, game: Game) -> None:
        self._game = game
        self._name = game.spec.name
        self._plain: dict[str, Instrument | None] = {}  # symbol -> ``_plain_book`` (an instrument's does not change)
        # the accounts whose sales name their lots even when the Move does not (``_sale_lots``)
        self._specific = {name for name, account in game.accounts.items() if account.lot_method is LotMethod.SPECIFIC}

    def book_fill(
        self, state: MoveState, instrument: Instrument, quantity: Decimal, price: Decimal, fee: Decimal, row: int,
        when: int, ts: datetime, reason: str,
    ) -> str:  # fmt: skip
        """Book one fill in the books and the holdings (``fee``: in the instrument's price unit,
        ``Execution.unit``); returns its op id (raises when refused)."""
        game = self._game
        books = game.books
        account, buy = state.account, state.side is _BUY
        try:
            book = self._plain[instrument.symbol]
        except KeyError:
            book = self._plain[instrument.symbol] = self._plain_book(instrument)
        if book is not None:  # a plain instrument: the books take its price and fee as they are
            if buy:
                return books.buy_units(account, book, quantity, price, fee, ts, reason, game=self._name)
            lots = self._sale_lots(state, quantity)
            return books.sell_units(account, book, quantity, price, fee, ts, reason, game=self._name, lots=lots)
        asset = instrument.base_asset
        if asset in game.assets.cash_assets:  # a currency pair: a conversion of cash
            unit = game.execution.unit(instrument)
            gross = unit.round(quantity * price)
            base = currency_of(asset)
            if buy:
                return books.convert(account, Money(gross, unit), Money(quantity, base), Money(fee, unit), ts, reason)
            fee_in_base = Money(base.round(fee / price), base)
            return books.convert(account, Money(quantity, base), Money(gross, unit), fee_in_base, ts, reason)
        gross = game.execution.unit(instrument).round(quantity * price)  # a cross pair: a swap
        return self._book_swap(state, instrument, quantity, gross, fee, row, when, ts, reason)

    def _plain_book(self, instrument: Instrument) -> Instrument | None:
        """The instrument the books keep a plain instrument's asset as; None for a currency pair or a
        cross pair. A plain instrument's price and fee are in its quote currency (``price_unit``),
        which is its book instrument's (``AssetMap``: one currency per asset), as the books take them."""
        asset = instrument.base_asset
        if asset in self._game.assets.cash_assets or instrument.is_cross:
            return None
        return self._game.assets.books[asset]

    def _book_swap(
        self, state: MoveState, instrument: Instrument, quantity: Decimal, gross: Decimal, fee: Decimal, row: int,
        when: int, ts: datetime, reason: str,
    ) -> str:  # fmt: skip
        """A fill on a cross pair (ETH/BTC): a swap of one asset for the other at fair value in the
        books' currency (the quote asset's value at the fill), the fee paid in the quote asset: a buy
        gives ``gross + fee`` of the quote, a sell gets ``gross - fee``. A disposal of what is given."""
        game = self._game
        base, quote = instrument.base_asset, instrument.quote_asset
        currency = instrument.quote_currency
        value = self.unit_value(quote, row, when)
        fair = currency.round((gross + fee if state.side is Side.BUY else gross) * value)
        fee_value = min(currency.round(fee * value), fair)
        books = game.assets.books
        if state.side is Side.BUY:
            give, give_units, get, get_units = quote, gross + fee, base, quantity
        else:
            give, give_units, get, get_units = base, quantity, quote, gross - fee
        if get_units <= 0:
            raise FeeExceedsValueError(f"the fee {fee} {quote} takes all of {gross} {quote}")
        return game.books.crypto_swap(
            state.account, books[give], Quantity(give_units), books[get], Quantity(get_units), Money(fair, currency),
            Money(fee_value, currency), ts, reason, game=self._name, fee_in_kind=True,
        )  # fmt: skip

    def unit_value(self, asset: str, row: int, when: int) -> Decimal:
        """One unit of ``asset`` in its books' currency at a fill on ``row`` at ``when``: the price
        its valuing pair trades at then (the open, or the close for a fill at the close), its latest
        known close if that pair has no bar there; through the quote asset for a cross pair."""
        game = self._game
        column = game.assets.value_column[asset]
        instrument = game.universe.instruments[game.panel.symbols[column]]
        fields = game.panel.fields
        at_close = when >= int(game.panel.available[row])
        price = float(fields["close" if at_close else "open"][row, column])
        if np.isnan(price):
            price = float(fields["close"][row, column])
        if np.isnan(price):
            price = float(game.valuation.last_price[column])
        if np.isnan(price):
            raise NoPriceError(f"no price for {asset} yet: its fair value is unknown")
        value = Decimal(repr(price))
        if instrument.is_cross:
            return value * self.unit_value(instrument.quote_asset, row, when)
        book = game.assets.books[asset].quote_currency.code
        if instrument.quote_currency.code != book:
            value *= game.rates.decimal_now(instrument.quote_currency.code, book)
        return value

    def _sale_lots(self, state: MoveState, quantity: Decimal) -> list[tuple[str, Decimal]] | None:
        """The tax lots a sale of ``quantity`` names: the Move's own, taken in order past what earlier
        fills sold; in an account with specific identification and none named, the oldest first
        (FIFO, the rule for a sale that is not identified); otherwise None (the lot method picks)."""
        game = self._game
        if state.move.lots:
            named, skip = state.move.lots, state.filled
        elif state.account in self._specific:
            held = game.books.open_lots(state.account, game.assets.asset(state.move.symbol))
            named, skip = tuple((lot.lot_id, lot.quantity) for lot in held), _ZERO
        else:
            return None
        out: list[tuple[str, Decimal]] = []
        wanted = quantity
        for lot_id, units in named:
            sold_before = min(units, skip)  # sold by this Move's earlier (partial) fills
            skip -= sold_before
            take = min(units - sold_before, wanted)
            if take > 0:
                out.append((lot_id, take))
                wanted -= take
            if not wanted:
                break
        return out
