"""The fee models: how much commission one fill costs, exact and rounded once to the minor unit.

``FeeModel`` is the Protocol; ``NoFee``, ``PerShare``, ``PercentOfNotional``, ``Flat``,
``Tiered``, ``MakerTaker`` and ``Combined`` are the built-in models (``engine.costs`` documents
their conventions). Standard library and ``tradegame.domain`` only.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from tradegame.domain.money import Currency
from tradegame.engine.cost_fields import _decimal, _FieldError, _fill, _round, _set, _show

__all__ = ["Combined", "FeeModel", "Flat", "MakerTaker", "NoFee", "PerShare", "PercentOfNotional", "Tiered"]


class FeeModel(Protocol):
    """Computes the commission of one fill, rounded to the currency's minor unit."""

    def fee(self, *, quantity: Decimal, price: Decimal, maker: bool, currency: Currency) -> Decimal:
        """The fee for ``quantity`` (> 0) units filled at ``price`` per unit.

        ``maker`` is True when a resting limit order added liquidity. Positive is a cost,
        negative a rebate.
        """
        ...


@dataclass(frozen=True, slots=True)
class NoFee:
    """No commission: every fill is free."""

    def fee(self, *, quantity: Decimal, price: Decimal, maker: bool, currency: Currency) -> Decimal:
        _fill(quantity, price)
        return _round(Decimal(0), currency)


@dataclass(frozen=True, slots=True)
class PerShare:
    """``rate`` per unit, at least ``minimum`` per order, at most ``maximum_pct`` of the notional.

    The cap wins over the minimum (Interactive Brokers' fixed pricing: 0.005 per share, minimum
    1.00, maximum 1% of trade value), so ``fee = min(max(rate * quantity, minimum), cap)``.

    >>> from tradegame.domain.money import USD
    >>> ibkr = PerShare(Decimal("0.005"), minimum=Decimal("1.00"), maximum_pct=Decimal("0.01"))
    >>> ibkr.fee(quantity=Decimal(1000), price=Decimal("2.00"), maker=False, currency=USD)
    Decimal('5.00')
    >>> ibkr.fee(quantity=Decimal(10), price=Decimal("1.00"), maker=False, currency=USD)
    Decimal('0.10')
    """

    rate: Decimal
    minimum: Decimal = Decimal(0)
    maximum_pct: Decimal | None = None

    def __post_init__(self) -> None:
        _set(self, "rate", _decimal(self.rate, "PerShare", "rate"))
        _set(self, "minimum", _decimal(self.minimum, "PerShare", "minimum"))
        if self.maximum_pct is not None:
            _set(self, "maximum_pct", _decimal(self.maximum_pct, "PerShare", "maximum_pct", strict=True))

    def fee(self, *, quantity: Decimal, price: Decimal, maker: bool, currency: Currency) -> Decimal:
        fill_quantity, fill_price = _fill(quantity, price)
        amount = max(self.rate * fill_quantity, self.minimum)
        if self.maximum_pct is not None:
            amount = min(amount, self.maximum_pct * fill_quantity * fill_price)
        return _round(amount, currency)


@dataclass(frozen=True, slots=True)
class PercentOfNotional:
    """``rate`` (a fraction: ``Decimal("0.001")`` is 0.1%) of the notional, at least ``minimum``."""

    rate: Decimal
    minimum: Decimal = Decimal(0)

    def __post_init__(self) -> None:
        _set(self, "rate", _decimal(self.rate, "PercentOfNotional", "rate"))
        _set(self, "minimum", _decimal(self.minimum, "PercentOfNotional", "minimum"))

    def fee(self, *, quantity: Decimal, price: Decimal, maker: bool, currency: Currency) -> Decimal:
        return self.charge(quantity, price, currency)

    def charge(self, quantity: Decimal, price: Decimal, currency: Currency) -> Decimal:
        """``fee`` in one positional call (the engine's fills ask it so: no maker rate here)."""
        fill_quantity, fill_price = _fill(quantity, price)
        amount, minimum = self.rate * fill_quantity * fill_price, self.minimum
        return _round(minimum if minimum > amount else amount, currency)  # ``max``, sooner


@dataclass(frozen=True, slots=True)
class Flat:
    """The same ``amount`` for every order, whatever its size."""

    amount: Decimal

    def __post_init__(self) -> None:
        _set(self, "amount", _decimal(self.amount, "Flat", "amount"))

    def fee(self, *, quantity: Decimal, price: Decimal, maker: bool, currency: Currency) -> Decimal:
        _fill(quantity, price)
        return _round(self.amount, currency)


@dataclass(frozen=True, slots=True)
class Tiered:
    """Marginal rates on slices of the notional, at least ``minimum`` per order.

    ``tiers`` is a tuple of ``(upper_bound, rate)``; bounds increase and the last is ``None``
    (open). ``((10000, 0.002), (50000, 0.001), (None, 0.0005))`` charges 0.2% on the first 10,000
    of notional, 0.1% on the next 40,000 and 0.05% on the rest: 60,000 costs 20 + 40 + 5 = 65.
    """

    tiers: tuple[tuple[Decimal | None, Decimal], ...]
    minimum: Decimal = Decimal(0)

    def __post_init__(self) -> None:
        _set(self, "tiers", _checked_tiers(self.tiers))
        _set(self, "minimum", _decimal(self.minimum, "Tiered", "minimum"))

    def fee(self, *, quantity: Decimal, price: Decimal, maker: bool, currency: Currency) -> Decimal:
        fill_quantity, fill_price = _fill(quantity, price)
        notional = fill_quantity * fill_price
        amount = Decimal(0)
        lower = Decimal(0)
        for upper, rate in self.tiers:
            if upper is None or notional <= upper:
                amount += (notional - lower) * rate
                break
            amount += (upper - lower) * rate
            lower = upper
        return _round(max(amount, self.minimum), currency)


def _checked_tiers(tiers: object) -> tuple[tuple[Decimal | None, Decimal], ...]:
    if not isinstance(tiers, tuple | list) or not tiers:
        raise _FieldError("Tiered", "tiers", f"must be a non-empty sequence of (upper, rate) pairs, got {_show(tiers)}")
    checked: list[tuple[Decimal | None, Decimal]] = []
    previous: Decimal | None = None
    last = len(tiers) - 1
    for index, pair in enumerate(tiers):
        where = f"tiers[{index}]"
        if not isinstance(pair, tuple | list) or len(pair) != 2:
            raise _FieldError("Tiered", where, f"must be an (upper, rate) pair, got {_show(pair)}")
        raw_upper, raw_rate = pair
        rate = _decimal(raw_rate, "Tiered", f"{where}.rate")
        if raw_upper is None:
            if index != last:
                raise _FieldError("Tiered", f"{where}.upper", "only the last tier may be open (None)")
            checked.append((None, rate))
            continue
        upper = _decimal(raw_upper, "Tiered", f"{where}.upper", strict=True)
        if previous is not None and upper <= previous:
            raise _FieldError("Tiered", f"{where}.upper", f"upper bounds must increase: got {upper} after {previous}")
        if index == last:
            raise _FieldError(
                "Tiered", f"{where}.upper", f"the last tier must be open (None, or 'inf' in a config), got {upper}"
            )
        checked.append((upper, rate))
        previous = upper
    return tuple(checked)


@dataclass(frozen=True, slots=True)
class MakerTaker:
    """``maker_rate`` of the notional when adding liquidity, ``taker_rate`` when taking it.

    A negative ``maker_rate`` is a rebate: the fee comes back negative (paid to the trader).
    ``minimum`` lifts only charges (a positive rate); free or rebated fills are left alone.
    """

    maker_rate: Decimal
    taker_rate: Decimal
    minimum: Decimal = Decimal(0)

    def __post_init__(self) -> None:
        _set(self, "maker_rate", _decimal(self.maker_rate, "MakerTaker", "maker_rate", minimum=None))
        _set(self, "taker_rate", _decimal(self.taker_rate, "MakerTaker", "taker_rate"))
        _set(self, "minimum", _decimal(self.minimum, "MakerTaker", "minimum"))

    def fee(self, *, quantity: Decimal, price: Decimal, maker: bool, currency: Currency) -> Decimal:
        fill_quantity, fill_price = _fill(quantity, price)
        rate = self.maker_rate if maker else self.taker_rate
        amount = rate * fill_quantity * fill_price
        if rate > 0:
            amount = max(amount, self.minimum)
        return _round(amount, currency)


@dataclass(frozen=True, slots=True)
class Combined:
    """The sum of several fee models, e.g. broker commission plus exchange fee.

    Each part is a separate charge rounded on its own, so the total equals the sum of the parts.
    """

    parts: tuple[FeeModel, ...]

    def __post_init__(self) -> None:
        if not isinstance(self.parts, tuple | list) or not self.parts:
            raise _FieldError(
                "Combined", "parts", f"must be a non-empty sequence of fee models, got {_show(self.parts)}"
            )
        for index, part in enumerate(self.parts):
            if not callable(getattr(part, "fee", None)):
                raise _FieldError("Combined", f"parts[{index}]", f"must be a fee model, got {_show(part)}")
        _set(self, "parts", tuple(self.parts))

    def fee(self, *, quantity: Decimal, price: Decimal, maker: bool, currency: Currency) -> Decimal:
        _fill(quantity, price)
        total = sum(
            (part.fee(quantity=quantity, price=price, maker=maker, currency=currency) for part in self.parts),
            Decimal(0),
        )
        return _round(total, currency)  # a no-op for the built-in parts, which are already rounded
