"""What a number may be before it enters the books: one copy of the bounds every reader applies.

A Game file, a trade CSV, a bar file and a command-line option all go through these checks, so
``start_fund = "1E+400"``, a price of ``1e999999`` or a quantity of ``1e-999999`` is refused at
the door with a message naming the field, never met later as an ``InvalidOperation`` or a
million-character number. The bounds:

* every amount (money, price, quantity, rate, a number of days) is finite and below
  ``MAX_MAGNITUDE`` (10^15) in size: more than any account holds, and small enough that a
  quantity times a price stays exact in ``Decimal``'s 28 digits;
* at most ``MAX_PLACES`` (12) decimal places: finer than any lot size or tick (a satoshi is
  8); ``RATE_PLACES`` (18) for the rates of cost models (a TOML float such as ``0.1 + 0.2`` is
  read as written, 17 places); money amounts that are booked as they are (a Start Fund) have
  no more decimals than their currency's minor units;
* cost rates (fee rates, fee caps as a share of the notional, slippage) below
  ``MAX_COST_RATE`` (10%) unless a Game allows extreme costs on purpose.

Standard library only.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final

from tradegame.domain.errors import InvalidAmountError

__all__ = [
    "MAX_COST_RATE",
    "MAX_MAGNITUDE",
    "MAX_PLACES",
    "MAX_SLIPPAGE_BPS",
    "RATE_PLACES",
    "amount_problem",
    "bounded",
    "cost_rate_problem",
    "shown",
]

MAX_MAGNITUDE: Final = Decimal("1e15")
MAX_PLACES: Final = 12
RATE_PLACES: Final = 18
MAX_COST_RATE: Final = Decimal("0.1")
MAX_SLIPPAGE_BPS: Final = 1000.0  # 10%
_SHOWN_CHARS: Final = 40


def shown(value: object) -> str:
    """``repr(value)`` cut to a readable length (a bad value can be a million characters long)."""
    text = str(value) if isinstance(value, Decimal) else repr(value)
    return text if len(text) <= _SHOWN_CHARS else f"{text[: _SHOWN_CHARS - 3]}..."


def amount_problem(value: Decimal, places: int = MAX_PLACES, currency: str | None = None) -> str | None:
    """What is wrong with ``value`` as an amount (no field name), or ``None`` if it is fine.

    ``places`` is the most decimals allowed; give ``currency`` when they are its minor units.
    """
    if not value.is_finite():
        return f"must be a finite number, got {shown(value)}"
    if abs(value) >= MAX_MAGNITUDE:
        return f"must be less than 10^15 in size, got {shown(value)}"
    exponent = value.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > places:
        unit = f"{currency}'s {places} decimal places" if currency else f"{places} decimal places"
        return f"must have at most {unit}, got {shown(value)}"
    return None


def bounded(value: Decimal, what: str, places: int = MAX_PLACES, currency: str | None = None) -> Decimal:
    """``value`` if it passes ``amount_problem``; else ``InvalidAmountError('what: problem')``."""
    problem = amount_problem(value, places, currency)
    if problem is not None:
        raise InvalidAmountError(f"{what}: {problem}")
    return value


def cost_rate_problem(rate: Decimal | float, *, rebate: bool = False) -> str | None:
    """What is wrong with a cost rate (a fraction of the notional), or ``None`` if it is sane.

    Sane is within [0, 10%); with ``rebate`` (a maker rate) also down to -10%.
    """
    low = -MAX_COST_RATE if rebate else Decimal(0)
    number = Decimal(str(rate)) if isinstance(rate, float) else rate
    if not low <= number < MAX_COST_RATE:
        window = "[-10%, 10%)" if rebate else "[0, 10%)"
        return f"must be within {window} (set allow_extreme_costs = true in [game] to allow it), got {shown(rate)}"
    return None
