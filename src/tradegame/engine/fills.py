"""The arithmetic of one fill: lot step, size from a weight, tick rounding, the cash cut and the fee.

Shared by the Round loop (execution.py) and the array sweep (sweep.py), so both size, price and
charge a fill the same way to the cent. Pure functions on ``Decimal``; prices arrive as floats
from the market data and are turned into decimals through ``repr`` (the shortest exact form).
"""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal

from tradegame.domain.instruments import Instrument
from tradegame.domain.money import Currency, Money
from tradegame.engine.costs import FeeModel, PercentOfNotional

__all__ = [
    "CRYPTO_LOT",
    "affordable",
    "fee_amount",
    "fill_fee",
    "is_decade",
    "lot_step",
    "target_amount",
    "target_units",
    "tick_price",
    "units_for",
]

CRYPTO_LOT = Decimal("0.00000001")
_ZERO = Decimal(0)


def lot_step(instrument: Instrument) -> Decimal:
    """The smallest tradable step: one satoshi for a fractional instrument, else its lot size."""
    return CRYPTO_LOT if instrument.fractional else instrument.lot_size


def units_for(amount: Decimal, price: float | Decimal, step: Decimal) -> Decimal:
    """The whole steps ``amount`` buys at ``price`` (a float, or its ``Decimal(repr(price))``), rounded down."""
    exact = price if type(price) is Decimal else Decimal(repr(price))
    return (amount / exact / step).to_integral_value(ROUND_DOWN) * step


def target_units(weight: Decimal, value: float, fx: float, price: float, step: Decimal) -> Decimal:
    """The units worth ``weight`` of ``value`` (Game currency) at ``price`` (quote currency, ``fx``
    Game-currency units per quote unit), in whole steps rounded down."""
    return units_for(target_amount(weight, value, fx), price, step)


def target_amount(weight: Decimal, value: float, fx: float) -> Decimal:
    """``weight`` of ``value`` (Game currency) in a quote currency worth ``fx`` Game-currency units
    a unit: the amount ``target_units`` buys."""
    return weight * Decimal(repr(value)) / Decimal(repr(fx))


def tick_price(price: float | Decimal, tick: Decimal, decade: bool | None = None) -> Decimal:
    """``price`` (a float, or its ``Decimal(repr(price))``) on the instrument's tick grid (half to
    even), never below one tick; ``decade``: ``is_decade(tick)``, if the caller keeps it."""
    exact = price if type(price) is Decimal else Decimal(repr(price))
    if is_decade(tick) if decade is None else decade:  # 0.01, 1, 1E-8: the same rounding is one quantize
        snapped = exact.quantize(tick, ROUND_HALF_EVEN)
    else:
        snapped = ((exact / tick).to_integral_value(ROUND_HALF_EVEN) * tick).quantize(tick)
    return snapped if snapped > _ZERO else tick


def is_decade(tick: Decimal) -> bool:
    """Whether ``tick`` is a power of ten written as one digit 1 (0.01, not 0.010): remembered per
    tick object (an instrument keeps its own), which the cache holds so that its id stays its own."""
    found = _DECADES.get(id(tick))
    if found is None or found[0] is not tick:
        if len(_DECADES) > 1000:
            _DECADES.clear()
        found = _DECADES[id(tick)] = (tick, tick.as_tuple().digits == (1,) and tick > 0)
    return found[1]


_DECADES: dict[int, tuple[Decimal, bool]] = {}


def fill_fee(fees: FeeModel, quantity: Decimal, price: Decimal, maker: bool, currency: Currency) -> Money:
    """The fee of a fill; a rebate (negative fee) is not booked (see README)."""
    if quantity <= 0:
        return Money.zero(currency)
    fee = fees.fee(quantity=quantity, price=price, maker=maker, currency=currency)
    return Money(max(fee, _ZERO), currency)


def fee_amount(fees: FeeModel, quantity: Decimal, price: Decimal, maker: bool, currency: Currency) -> Decimal:
    """``fill_fee``'s amount: for the common model (``PercentOfNotional``, never a rebate) its rule
    in one positional call."""
    if type(fees) is PercentOfNotional and quantity > _ZERO:
        return fees.charge(quantity, price, currency)
    return fill_fee(fees, quantity, price, maker, currency).amount


def affordable(
    quantity: Decimal,
    price: Decimal,
    cash: Decimal,
    step: Decimal,
    fees: FeeModel,
    maker: bool,
    currency: Currency,
    full_cost: Decimal | None = None,
) -> Decimal:
    """The most of ``quantity`` (whole steps) whose cost, the price rounded to the minor unit plus
    the fee, ``cash`` pays; ``full_cost``: the cost of all of ``quantity``, if the caller knows it."""

    def cost(units: Decimal) -> Decimal:
        return currency.round(units * price) + fee_amount(fees, units, price, maker, currency)

    if full_cost is None:
        full_cost = cost(quantity)
    if full_cost <= cash:
        return quantity
    # Costs grow with the quantity: the largest affordable number of steps, by binary search. It
    # starts from the share of ``quantity`` the cash pays at the full cost's price per unit, which a
    # fee proportional to the notional makes right to a step (two costs then settle it).
    # (No more units than ``cash`` plus a minor unit buys: beyond that even the rounded price is above the cash.)
    low, high = 0, int(min(quantity, (cash + currency.quantum) / price) / step)
    guess = min(high, int(quantity * cash / full_cost / step)) if full_cost > 0 else 0
    if guess > low:
        if cost(guess * step) <= cash:
            low = guess
            if guess < high and cost((guess + 1) * step) > cash:
                high = guess
        else:
            high = guess - 1
    while low < high:
        middle = (low + high + 1) // 2
        if cost(middle * step) <= cash:
            low = middle
        else:
            high = middle - 1
    return low * step
