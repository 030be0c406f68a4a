"""Instruments, asset classes, accounts and lot-matching methods. Standard library only."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from tradegame.domain.errors import InvalidInputError
from tradegame.domain.money import Currency, Quantity, to_decimal

__all__ = ["Account", "AssetClass", "Instrument", "LotMethod"]


class AssetClass(StrEnum):
    """What kind of thing an instrument is; decides tax treatment (wash sales, swaps)."""

    EQUITY = "equity"
    ETF = "etf"
    FUND = "fund"
    CRYPTO = "crypto"
    FOREX = "forex"
    COMMODITY = "commodity"
    CASH = "cash"

    @property
    def is_security(self) -> bool:
        """Stocks, ETFs and funds fall under the wash-sale rule; crypto, FX and cash do not."""
        return self in (AssetClass.EQUITY, AssetClass.ETF, AssetClass.FUND)


class LotMethod(StrEnum):
    """How a sale picks the lots it disposes of."""

    FIFO = "fifo"
    LIFO = "lifo"
    HIFO = "hifo"
    AVERAGE = "average"
    SPECIFIC = "specific"


@dataclass(frozen=True, slots=True)
class Instrument:
    """A tradable thing: its symbol, class, quote currency and order granularity.

    A trading pair names the asset it delivers (``base``, e.g. ``ETH``) and the asset it is priced
    in and paid with (``quote``, e.g. ``BTC`` for ETH/BTC, ``USD`` for ETH/USD). An instrument
    without them is its own asset, priced in ``quote_currency``. ``quote_currency`` is always the
    currency the books value the instrument in: the quote itself for a currency-quoted pair, the
    data's currency for a cross pair whose quote is another asset.

    ``sector``, ``industry`` and ``listed`` (the first day it traded) are what the data says of
    it, where it says anything (empty or None otherwise); nothing in the books depends on them.
    """

    symbol: str
    asset_class: AssetClass
    quote_currency: Currency
    tick_size: Decimal = Decimal("0.01")
    lot_size: Decimal = Decimal(1)
    fractional: bool = False
    base: str = ""
    quote: str = ""
    sector: str = ""
    industry: str = ""
    listed: date | None = None

    @property
    def base_asset(self) -> str:
        """The asset a buy delivers and a sell gives: ``base``, or the symbol itself."""
        return self.base or self.symbol

    @property
    def quote_asset(self) -> str:
        """The asset a buy pays with and a sell delivers: ``quote``, or the quote currency."""
        return self.quote or self.quote_currency.code

    @property
    def is_cross(self) -> bool:
        """Whether the quote is an asset held in lots (ETH/BTC), not a currency held as cash."""
        return self.quote_asset != self.quote_currency.code

    def __post_init__(self) -> None:
        if not self.symbol or any(ch.isspace() for ch in self.symbol):
            raise InvalidInputError(f"instrument symbol {self.symbol!r} must be non-empty, no spaces")
        tick = to_decimal(self.tick_size, "tick size")
        lot = to_decimal(self.lot_size, "lot size")
        if tick <= 0 or lot <= 0:
            raise InvalidInputError(f"{self.symbol}: tick size and lot size must be positive")
        object.__setattr__(self, "tick_size", tick)
        object.__setattr__(self, "lot_size", lot)

    def check_quantity(self, quantity: Quantity) -> None:
        """Raise unless ``quantity`` is positive and a whole number of lots (or fractional is on)."""
        if quantity.amount <= 0:
            raise InvalidInputError(f"{self.symbol}: quantity must be positive, got {quantity.amount}")
        if not self.fractional and quantity.amount % self.lot_size != 0:
            raise InvalidInputError(
                f"{self.symbol}: quantity {quantity.amount} is not a multiple of lot size {self.lot_size}"
            )

    def check_price(self, price: Decimal) -> None:
        """Raise unless ``price`` is positive and on the tick grid."""
        if price <= 0:
            raise InvalidInputError(f"{self.symbol}: price must be positive, got {price}")
        if price % self.tick_size != 0:
            raise InvalidInputError(f"{self.symbol}: price {price} is not a multiple of tick {self.tick_size}")


@dataclass(frozen=True, slots=True)
class Account:
    """A brokerage or exchange account: tax lots are kept per account."""

    name: str
    venue: str
    base_currency: Currency
    lot_method: LotMethod = LotMethod.FIFO
    tags: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        if not self.name or ":" in self.name or any(ch.isspace() for ch in self.name):
            raise InvalidInputError(f"account name {self.name!r} must be non-empty, no spaces or ':'")
