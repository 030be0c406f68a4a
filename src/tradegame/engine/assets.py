"""What a Game holds, and through which pairs: assets (a stock, a coin, a currency) per account.

A data symbol is an instrument. A plain one (``ACME``, ``SPX``) is its own asset, priced in its
quote currency. A trading pair ``BASE/QUOTE`` delivers its base asset for its quote: ``BTC/USD``
delivers BTC for dollars (a currency-quoted pair), ``ETH/BTC`` delivers ETH for bitcoin (a cross
pair: both sides are assets held in lots, and a trade is a swap of one for the other), and
``EUR/USD`` delivers euros for dollars (a currency pair: both sides are cash). A Game holds
assets, so BTC bought on BTC/USD is sold on ETH/BTC just as well.

``AssetMap`` owns the mapping: each symbol's asset, the instrument the books keep each asset as
(``Books`` keep lots per asset symbol, valued in one currency), and the panel column a Round
values each asset by (a pair quoted in the Game currency first, then in another currency, then a
cross pair, whose quote is valued the same way in turn). A Game whose pairs give one asset two
book currencies, or leave an asset held in lots that nothing values in a currency, is refused.
Pure computation: no data, no books.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from tradegame.domain.instruments import Instrument
from tradegame.engine.universe import FIAT

__all__ = ["AssetMap"]


@dataclass(frozen=True)
class AssetMap:
    """Each data symbol's asset, each held asset's book instrument and the column valuing it."""

    asset_of: Mapping[str, str]  # data symbol -> the asset a buy delivers
    books: Mapping[str, Instrument]  # asset held in lots -> the instrument the books keep it as
    value_column: Mapping[str, int]  # asset -> the panel column a Round values it by
    cash_assets: frozenset[str]  # currencies a currency pair delivers (held as cash, not lots)
    cross: bool  # whether some pair is quoted in another asset (ETH/BTC)

    @classmethod
    def of(cls, instruments: Mapping[str, Instrument], symbols: Sequence[str], game_currency: str) -> AssetMap:
        """The map of ``symbols`` (the panel's columns, in order); raises ``ValueError`` listing the
        problems (one book currency per asset, a currency value for every asset held in lots)."""
        asset_of: dict[str, str] = {}
        books: dict[str, Instrument] = {}
        from_cross: dict[str, bool] = {}  # whether an asset's book instrument came from a cross pair
        ranked: dict[str, tuple[int, str, int]] = {}  # asset -> (preference, symbol, column)
        cash: set[str] = set()
        problems: list[str] = []
        for column, symbol in enumerate(symbols):
            instrument = instruments[symbol]
            asset = instrument.base_asset
            asset_of[symbol] = asset
            if instrument.base in FIAT and instrument.quote_asset in FIAT:
                cash.add(asset)  # a currency pair: both sides are cash
                continue
            book, known = _book_instrument(instrument), books.get(asset)
            if known is not None and known.quote_currency != book.quote_currency:
                problems.append(
                    f"{symbol}: {asset} is valued in {known.quote_currency.code} by another pair and in "
                    f"{book.quote_currency.code} by this one; the books keep one currency per asset"
                )
                continue
            if known is None or (from_cross[asset] and not instrument.is_cross):
                books[asset], from_cross[asset] = book, instrument.is_cross
            preference = 2 if instrument.is_cross else (0 if instrument.quote_currency.code == game_currency else 1)
            if asset not in ranked or (preference, symbol) < ranked[asset][:2]:
                ranked[asset] = (preference, symbol, column)
        for symbol in symbols:
            instrument = instruments[symbol]
            if not instrument.is_cross:
                continue
            quote = books.get(instrument.quote_asset)
            if quote is None:
                problems.append(
                    f"{symbol}: nothing in the data values {instrument.quote_asset} in a currency "
                    f"(add a {instrument.quote_asset}/{instrument.quote_currency.code} pair)"
                )
            elif quote.quote_currency != instrument.quote_currency:
                problems.append(
                    f"{symbol}: {instrument.quote_asset} is valued in {quote.quote_currency.code}, "
                    f"{instrument.base_asset} in {instrument.quote_currency.code}; a swap needs one currency"
                )
        if problems:
            raise ValueError("; ".join(problems))
        value_column = {asset: column for asset, (_, _, column) in ranked.items()}
        cross = any(instruments[s].is_cross for s in symbols)
        return cls(asset_of, books, value_column, frozenset(cash), cross)

    def asset(self, symbol: str) -> str:
        """The asset ``symbol`` names: a data symbol's base asset, or ``symbol`` itself (an asset)."""
        return self.asset_of.get(symbol, symbol)


def _book_instrument(instrument: Instrument) -> Instrument:
    """The instrument the books keep ``instrument``'s base asset as: the instrument itself for a
    plain symbol; for a pair, the asset by its own name, valued in the pair's currency."""
    if not instrument.base:
        return instrument
    tick = instrument.quote_currency.quantum if instrument.is_cross else instrument.tick_size
    return Instrument(
        instrument.base,
        instrument.asset_class,
        instrument.quote_currency,
        tick_size=tick,
        lot_size=instrument.lot_size,
        fractional=instrument.fractional,
    )
