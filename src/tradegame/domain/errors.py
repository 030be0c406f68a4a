"""The project's exception hierarchy.

``InvalidInputError`` and its children are the user's fault and carry a clear message;
``InvariantError`` means the books would become wrong and must never be caught and ignored.
Imports nothing.
"""

from __future__ import annotations

__all__ = [
    "CurrencyMismatchError",
    "FeeExceedsValueError",
    "InsufficientFundsError",
    "InsufficientHoldingsError",
    "InvalidAmountError",
    "InvalidInputError",
    "InvariantError",
    "NoPriceError",
    "TooSmallError",
    "TradegameError",
    "UnbalancedEntryError",
    "UnknownLotError",
]


class TradegameError(Exception):
    """Base of every error tradegame raises on purpose."""


class InvalidInputError(TradegameError, ValueError):
    """Input that cannot be booked: a bad number, a bad date, an impossible order."""


class InvalidAmountError(InvalidInputError):
    """A number that is not an exact, finite, allowed amount (floats are refused)."""


class TooSmallError(InvalidAmountError):
    """A trade worth less than one minor unit of its currency: nothing could be booked."""


class FeeExceedsValueError(InvalidAmountError):
    """A fee that would take all of what a sale or swap is worth."""


class NoPriceError(InvalidInputError):
    """A price needed to book an operation is not known yet (no bar so far)."""


class CurrencyMismatchError(InvalidInputError):
    """Two amounts of different currencies were combined without a rate."""


class InsufficientHoldingsError(InvalidInputError):
    """A sale or transfer of more than the account holds."""


class InsufficientFundsError(InsufficientHoldingsError):
    """A payment (a buy, a fee, a running cost) of more cash than the account holds."""


class UnknownLotError(InvalidInputError):
    """A specific-identification sale named a lot that does not exist or is too small."""


class InvariantError(TradegameError, RuntimeError):
    """The books would break a rule that must always hold."""


class UnbalancedEntryError(InvariantError):
    """A journal entry whose postings do not sum to zero in every currency."""
