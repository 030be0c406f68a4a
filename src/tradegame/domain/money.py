"""Exact value types: currencies, money, prices and quantities on ``Decimal``.

Owns the rules for turning user numbers into book numbers: floats are refused (they cannot
carry an exact decimal), money is rounded only at named points with ``ROUND_HALF_EVEN``, and
money of two currencies never mixes. Imports only the standard library.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Final

from tradegame.domain.errors import CurrencyMismatchError, InvalidAmountError
from tradegame.domain.frozen import quick_init

__all__ = [
    "BTC",
    "EUR",
    "KRW",
    "USD",
    "Currency",
    "Money",
    "Price",
    "Quantity",
    "to_decimal",
]

ROUNDING: Final = ROUND_HALF_EVEN


def to_decimal(value: object, what: str = "value") -> Decimal:
    """Convert an ``int``, ``str`` or ``Decimal`` to a finite ``Decimal``; refuse floats."""
    if type(value) is Decimal and value.is_finite():
        return value  # the common case, first
    if isinstance(value, bool | float):
        raise InvalidAmountError(f"{what} must be a Decimal, int or str, not {type(value).__name__}")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            raise InvalidAmountError(f"{what} {value!r} is not a number") from None
    else:
        raise InvalidAmountError(f"{what} must be a Decimal, int or str, not {type(value).__name__}")
    if not result.is_finite():
        raise InvalidAmountError(f"{what} {value!r} is not finite")
    return result


@dataclass(frozen=True, slots=True)
class Currency:
    """A currency (or a coin used as one) with the number of its minor units."""

    code: str
    minor_units: int = 2
    quantum: Decimal = field(init=False, repr=False, compare=False)
    """The smallest unit, e.g. ``Decimal('0.01')`` for USD."""

    def __post_init__(self) -> None:
        if not self.code or not self.code.isalnum() or not self.code.isupper():
            raise InvalidAmountError(f"currency code {self.code!r} must be upper-case letters/digits")
        if not 0 <= self.minor_units <= 18:
            raise InvalidAmountError(f"minor units {self.minor_units} out of range 0..18")
        object.__setattr__(self, "quantum", Decimal(1).scaleb(-self.minor_units))

    def round(self, amount: Decimal) -> Decimal:
        """Round ``amount`` to this currency's minor unit, half to even."""
        return amount.quantize(self.quantum, ROUNDING)  # positional: a keyword costs more than the rounding

    def __str__(self) -> str:
        return self.code


USD: Final = Currency("USD", 2)
EUR: Final = Currency("EUR", 2)
KRW: Final = Currency("KRW", 0)
BTC: Final = Currency("BTC", 8)


@quick_init
@dataclass(frozen=True, slots=True)
class Money:
    """An exact amount in one currency. Arithmetic across currencies raises."""

    amount: Decimal
    currency: Currency

    def __post_init__(self) -> None:
        amount = self.amount
        if type(amount) is not Decimal or not amount.is_finite():  # else to_decimal would keep it
            object.__setattr__(self, "amount", to_decimal(amount, "money amount"))

    @classmethod
    def of(cls, amount: object, currency: Currency) -> Money:
        """Money rounded to the currency's minor unit (a named rounding point)."""
        return cls(currency.round(to_decimal(amount, "money amount")), currency)

    @classmethod
    def zero(cls, currency: Currency) -> Money:
        return cls(Decimal(0), currency)

    def _same(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise TypeError(f"cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise CurrencyMismatchError(f"cannot combine {self.currency} with {other.currency}")

    def __add__(self, other: Money) -> Money:
        if type(other) is not Money or other.currency is not self.currency:
            self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        if type(other) is not Money or other.currency is not self.currency:
            self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __mul__(self, factor: Decimal | int) -> Money:
        return Money(self.amount * to_decimal(factor, "factor"), self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.amount <= other.amount

    def rounded(self) -> Money:
        return Money(self.currency.round(self.amount), self.currency)

    def convert(self, rate: Decimal, to: Currency) -> Money:
        """Convert with an explicit rate (units of ``to`` per unit of this currency)."""
        return Money.of(self.amount * to_decimal(rate, "rate"), to)

    def __str__(self) -> str:
        return f"{self.amount} {self.currency.code}"


@quick_init
@dataclass(frozen=True, slots=True, order=True)
class Price:
    """A non-negative price per unit, quoted in a currency."""

    amount: Decimal
    currency: Currency

    def __post_init__(self) -> None:
        value = to_decimal(self.amount, "price")
        if value < 0:
            raise InvalidAmountError(f"price {value} must not be negative")
        if value is not self.amount:
            object.__setattr__(self, "amount", value)

    def total(self, quantity: Quantity) -> Money:
        """Price times quantity, rounded to the currency's minor unit (the fill-booking point)."""
        currency = self.currency
        return Money(currency.round(self.amount * quantity.amount), currency)


@quick_init
@dataclass(frozen=True, slots=True, order=True)
class Quantity:
    """An unsigned number of units of an instrument."""

    amount: Decimal

    def __post_init__(self) -> None:
        value = to_decimal(self.amount, "quantity")
        if value < 0:
            raise InvalidAmountError(f"quantity {value} must not be negative")
        if value is not self.amount:
            object.__setattr__(self, "amount", value)

    def __add__(self, other: Quantity) -> Quantity:
        return Quantity(self.amount + other.amount)

    def __sub__(self, other: Quantity) -> Quantity:
        return Quantity(self.amount - other.amount)

    def __bool__(self) -> bool:
        return bool(self.amount)
