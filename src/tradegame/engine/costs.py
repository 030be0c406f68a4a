"""Transaction costs for the simulated market: fee models and slippage models.

The engine fills an order, then asks a ``SlippageModel`` for the execution price and a
``FeeModel`` for the commission. Both are small frozen dataclasses behind a Protocol, so a game
can plug in its own (zipline style).

Fees are money and therefore exact: every rate and amount is a ``Decimal``, the arithmetic is
done unrounded, and the result is rounded **once, at the end**, to the currency's minor unit
(``Currency.quantum``) with ``ROUND_HALF_UP``. Python's ``ROUND_HALF_UP`` rounds halves away from
zero, so 333 shares at 0.005 = 1.665 costs 1.67, and a half-cent rebate of -0.005 becomes -0.01.
Conventions:

* ``PerShare``: ``min(max(rate * quantity, minimum), maximum_pct * notional)``. As at Interactive
  Brokers, the percentage cap beats the per-order minimum: 10 shares at 1.00 with a 1.00 minimum
  and a 1% cap cost 0.10, not 1.00.
* ``MakerTaker``: a negative ``maker_rate`` is a rebate and the fee comes back negative (money
  paid to the trader). The ``minimum`` lifts only charges, i.e. when the rate that applies is
  positive; a free (zero-rate) or rebated fill is never raised to the minimum.
* ``Tiered``: marginal rates on slices of the notional, like income-tax brackets; a notional
  exactly on a bound is charged entirely at the lower tier's rate.
* ``Combined``: each part is a separate charge (commission, exchange fee, ...) rounded on its own,
  as the lines of a broker statement are, so ``Combined(parts).fee(...)`` equals the sum of the
  parts' fees exactly.

Slippage works on floats, because market prices arrive as floats and the engine snaps the slipped
price back to the instrument's tick grid as a ``Decimal`` itself. Slippage is always adverse:
buys pay more, sells receive less, and a sell price never goes below zero. ``VolumeImpact`` is
the square-root market-impact model ``impact = coefficient * (quantity / bar_volume) ** exponent``
(a fraction of the price), capped at ``max_bps``. A bar whose volume is unknown (NaN) or zero
carries no volume information: the impact is then ``max_bps`` when a cap is set (the worst case
the user allowed for) and 0 otherwise.

Game TOML files describe both with ``fee_model_from_config`` / ``slippage_model_from_config``;
``fee_model_to_config`` / ``slippage_model_to_config`` write them back. Every problem raises
``InvalidInputError`` with a message that starts with the field path, e.g.
``fees.rate: must be a number >= 0, got 'abc'``.

Standard library and ``tradegame.domain`` only: no pandas, numpy or I/O.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Final, Literal, Protocol, cast

from tradegame.domain.errors import InvalidInputError
from tradegame.domain.limits import RATE_PLACES, amount_problem, shown
from tradegame.domain.money import Currency

__all__ = [
    "Combined",
    "FeeModel",
    "FixedBps",
    "Flat",
    "MakerTaker",
    "NoFee",
    "NoSlippage",
    "PerShare",
    "PercentOfNotional",
    "SlippageModel",
    "Tiered",
    "VolumeImpact",
    "fee_model_from_config",
    "fee_model_to_config",
    "slippage_model_from_config",
    "slippage_model_to_config",
]

FEE_ROUNDING: Final = ROUND_HALF_UP
_BPS: Final = 10_000.0
_OPEN_BOUND_WORDS: Final = frozenset({"inf", "+inf", "infinity", "+infinity", "none"})


class FeeModel(Protocol):
    """Computes the commission of one fill, rounded to the currency's minor unit."""

    def fee(self, *, quantity: Decimal, price: Decimal, maker: bool, currency: Currency) -> Decimal:
        """The fee for ``quantity`` (> 0) units filled at ``price`` per unit.

        ``maker`` is True when a resting limit order added liquidity. Positive is a cost,
        negative a rebate.
        """
        ...


class SlippageModel(Protocol):
    """Moves a market price against the trader to give the execution price."""

    def execution_price(
        self, *, side: Literal["buy", "sell"], price: float, quantity: float, bar_volume: float
    ) -> float:
        """The price a ``side`` order of ``quantity`` units actually gets when the market is at ``price``."""
        ...


# ---------------------------------------------------------------------------------------------
# Validation helpers


class _FieldError(InvalidInputError):
    """A bad value for one field of a cost model. The config parser re-labels it with its path."""

    def __init__(self, owner: str, field: str, problem: str) -> None:
        super().__init__(f"{owner}.{field}: {problem}")
        self.field = field
        self.problem = problem

    def __reduce__(self) -> tuple[Any, ...]:
        # The three-argument __init__ would break pickling across processes; travel as the base.
        return (InvalidInputError, self.args)


def _show(value: object) -> str:
    return shown(value)


def _expected(minimum: float | None, strict: bool) -> str:
    if minimum is None:
        return "a number"
    return f"a number {'>' if strict else '>='} {minimum:g}"


def _decimal(
    value: object, owner: str, field: str, *, minimum: Decimal | None = Decimal(0), strict: bool = False
) -> Decimal:
    """An exact, finite ``Decimal`` from a Decimal, int or str; floats are refused (not exact)."""
    expected = _expected(None if minimum is None else float(minimum), strict)
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int) and not isinstance(value, bool):
        result = Decimal(value)
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            raise _FieldError(owner, field, f"must be {expected}, got {value!r}") from None
    elif isinstance(value, float):
        raise _FieldError(
            owner, field, f"must be {expected} as a Decimal, int or str (floats are not exact), got {value!r}"
        )
    else:
        raise _FieldError(owner, field, f"must be {expected}, got {_show(value)}")
    if not result.is_finite() or (minimum is not None and (result <= minimum if strict else result < minimum)):
        raise _FieldError(owner, field, f"must be {expected}, got {_show(value)}")
    problem = amount_problem(result, RATE_PLACES)
    if problem is not None:
        raise _FieldError(owner, field, problem)
    return result


def _float(
    value: object,
    owner: str,
    field: str,
    *,
    minimum: float = 0.0,
    strict: bool = False,
    maximum: float | None = None,
) -> float:
    """A finite ``float`` from an int, float, Decimal or numeric str, within the given bounds."""
    expected = _expected(minimum, strict) + ("" if maximum is None else f" and <= {maximum:g}")
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        raise _FieldError(owner, field, f"must be {expected}, got {_show(value)}")
    try:
        result = float(value)
    except ValueError:
        raise _FieldError(owner, field, f"must be {expected}, got {value!r}") from None
    too_low = result <= minimum if strict else result < minimum
    if not math.isfinite(result) or too_low or (maximum is not None and result > maximum):
        raise _FieldError(owner, field, f"must be {expected}, got {_show(value)}")
    return result


def _fill(quantity: object, price: object) -> tuple[Decimal, Decimal]:
    if isinstance(quantity, bool) or not isinstance(quantity, Decimal | int):
        raise InvalidInputError(f"fill quantity must be a Decimal, got {_show(quantity)}")
    if isinstance(price, bool) or not isinstance(price, Decimal | int):
        raise InvalidInputError(f"fill price must be a Decimal, got {_show(price)}")
    fill_quantity, fill_price = Decimal(quantity), Decimal(price)
    if not fill_quantity.is_finite() or fill_quantity <= 0:
        raise InvalidInputError(f"fill quantity must be > 0, got {quantity}")
    if not fill_price.is_finite() or fill_price < 0:
        raise InvalidInputError(f"fill price must be >= 0, got {price}")
    return fill_quantity, fill_price


def _round(amount: Decimal, currency: Currency) -> Decimal:
    if not isinstance(currency, Currency):
        raise InvalidInputError(f"fee currency must be a Currency, got {_show(currency)}")
    rounded = amount.quantize(currency.quantum, rounding=FEE_ROUNDING)
    return rounded if rounded else rounded.copy_abs()  # no "-0.00" from a tiny rebate


def _set(instance: object, name: str, value: object) -> None:
    object.__setattr__(instance, name, value)  # normalising a field of a frozen dataclass


# ---------------------------------------------------------------------------------------------
# Fee models


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
        fill_quantity, fill_price = _fill(quantity, price)
        return _round(max(self.rate * fill_quantity * fill_price, self.minimum), currency)


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


# ---------------------------------------------------------------------------------------------
# Slippage models


def _trade(side: object, price: object, quantity: object, bar_volume: object) -> tuple[float, float, float]:
    if side not in ("buy", "sell"):
        raise InvalidInputError(f"side must be 'buy' or 'sell', got {_show(side)}")
    numbers: list[float] = []
    for name, value in (("price", price), ("quantity", quantity), ("bar_volume", bar_volume)):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InvalidInputError(f"{name} must be a float, got {_show(value)}")
        numbers.append(float(value))
    market_price, fill_quantity, volume = numbers
    if not math.isfinite(market_price) or market_price < 0:
        raise InvalidInputError(f"price must be a finite number >= 0, got {price}")
    if not math.isfinite(fill_quantity) or fill_quantity <= 0:
        raise InvalidInputError(f"quantity must be a finite number > 0, got {quantity}")
    if volume < 0:  # NaN compares False: unknown volume is allowed
        raise InvalidInputError(f"bar_volume must be >= 0 or NaN, got {bar_volume}")
    return market_price, fill_quantity, volume


def _adverse(side: object, price: float, fraction: float) -> float:
    if side == "buy":
        return price * (1.0 + fraction)
    return max(0.0, price * (1.0 - fraction))


@dataclass(frozen=True, slots=True)
class NoSlippage:
    """Fills at the market price."""

    def execution_price(
        self, *, side: Literal["buy", "sell"], price: float, quantity: float, bar_volume: float
    ) -> float:
        market_price, _, _ = _trade(side, price, quantity, bar_volume)
        return market_price


@dataclass(frozen=True, slots=True)
class FixedBps:
    """A fixed ``bps`` (basis points, 1/10,000) against the trader: ``price * (1 ± bps / 10000)``."""

    bps: float

    def __post_init__(self) -> None:
        _set(self, "bps", _float(self.bps, "FixedBps", "bps", maximum=_BPS))

    def execution_price(
        self, *, side: Literal["buy", "sell"], price: float, quantity: float, bar_volume: float
    ) -> float:
        market_price, _, _ = _trade(side, price, quantity, bar_volume)
        return _adverse(side, market_price, self.bps / _BPS)


@dataclass(frozen=True, slots=True)
class VolumeImpact:
    """Square-root market impact: ``coefficient * (quantity / bar_volume) ** exponent`` of the price.

    Capped at ``max_bps`` basis points when given. When the bar's volume is NaN (unknown) or 0 there
    is no volume information: the impact is ``max_bps`` if set, else 0.

    >>> VolumeImpact(0.1).execution_price(side="buy", price=50.0, quantity=10_000, bar_volume=1_000_000)
    50.5
    """

    coefficient: float
    exponent: float = 0.5
    max_bps: float | None = None

    def __post_init__(self) -> None:
        _set(self, "coefficient", _float(self.coefficient, "VolumeImpact", "coefficient"))
        _set(self, "exponent", _float(self.exponent, "VolumeImpact", "exponent", strict=True))
        if self.max_bps is not None:
            _set(self, "max_bps", _float(self.max_bps, "VolumeImpact", "max_bps", maximum=_BPS))

    def impact(self, *, quantity: float, bar_volume: float) -> float:
        """The adverse move as a fraction of the price (0.01 is 1%, 100 bps)."""
        cap = None if self.max_bps is None else self.max_bps / _BPS
        if math.isnan(bar_volume) or bar_volume == 0:
            return 0.0 if cap is None else cap
        try:
            fraction = self.coefficient * math.pow(quantity / bar_volume, self.exponent)
        except OverflowError:
            fraction = math.inf
        if cap is not None:
            fraction = min(fraction, cap)
        if not math.isfinite(fraction):
            raise InvalidInputError(
                f"market impact of {quantity} units on a bar volume of {bar_volume} overflows; set max_bps"
            )
        return fraction

    def execution_price(
        self, *, side: Literal["buy", "sell"], price: float, quantity: float, bar_volume: float
    ) -> float:
        market_price, fill_quantity, volume = _trade(side, price, quantity, bar_volume)
        return _adverse(side, market_price, self.impact(quantity=fill_quantity, bar_volume=volume))


# ---------------------------------------------------------------------------------------------
# Config (Game TOML)


def _toml_decimal(value: object) -> object:
    # TOML has no decimal type: 0.001 arrives as a float. repr() gives the shortest string that
    # round-trips, i.e. what the user typed, so Decimal(repr(0.001)) == Decimal("0.001") exactly.
    if isinstance(value, float):
        return Decimal(repr(value))
    return value


def _toml_tiers(value: object, path: str) -> object:
    if not isinstance(value, list | tuple):
        return value  # Tiered reports the shape
    converted: list[object] = []
    for pair in value:
        if isinstance(pair, list | tuple) and len(pair) == 2:
            upper, rate = pair
            open_bound = (isinstance(upper, str) and upper.strip().lower() in _OPEN_BOUND_WORDS) or (
                isinstance(upper, float) and upper == math.inf
            )
            converted.append((None if open_bound else _toml_decimal(upper), _toml_decimal(rate)))
        else:
            converted.append(pair)
    return tuple(converted)


def _toml_parts(value: object, path: str) -> object:
    if not isinstance(value, list | tuple):
        return value  # Combined reports the shape
    return tuple(fee_model_from_config(part, f"{path}[{index}]") for index, part in enumerate(value))


@dataclass(frozen=True)
class _Shape:
    """How one ``model = "..."`` config maps to a class: its keys and their converters."""

    build: Callable[..., object]
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    convert: Mapping[str, Callable[[object, str], object]] | None = None


def _fee_number(value: object, path: str) -> object:
    return _toml_decimal(value)


def _same(value: object, path: str) -> object:
    return value


_FEE_SHAPES: Final[Mapping[str, _Shape]] = {
    "none": _Shape(NoFee, ()),
    "per_share": _Shape(PerShare, ("rate",), ("minimum", "maximum_pct")),
    "percent": _Shape(PercentOfNotional, ("rate",), ("minimum",)),
    "flat": _Shape(Flat, ("amount",)),
    "tiered": _Shape(Tiered, ("tiers",), ("minimum",), {"tiers": _toml_tiers}),
    "maker_taker": _Shape(MakerTaker, ("maker_rate", "taker_rate"), ("minimum",)),
    "combined": _Shape(Combined, ("parts",), (), {"parts": _toml_parts}),
}

_SLIPPAGE_SHAPES: Final[Mapping[str, _Shape]] = {
    "none": _Shape(NoSlippage, ()),
    "fixed_bps": _Shape(FixedBps, ("bps",)),
    "volume_impact": _Shape(VolumeImpact, ("coefficient",), ("exponent", "max_bps")),
}


def _from_config(
    config: object, path: str, kind: str, shapes: Mapping[str, _Shape], number: Callable[[object, str], object]
) -> object:
    names = ", ".join(sorted(shapes))
    if not isinstance(config, Mapping):
        raise InvalidInputError(f"{path}: must be a table with a 'model' key, got {_show(config)}")
    if "model" not in config:
        raise InvalidInputError(f"{path}.model: missing required key (use one of: {names})")
    name = config["model"]
    if not isinstance(name, str) or name not in shapes:
        raise InvalidInputError(f"{path}.model: unknown {kind} model {name!r} (use one of: {names})")
    shape = shapes[name]
    allowed = ("model", *shape.required, *shape.optional)
    for key in config:
        if key not in allowed:
            raise InvalidInputError(
                f"{path}.{key}: unknown key for the {name!r} {kind} model (allowed: {', '.join(allowed)})"
            )
    for key in shape.required:
        if key not in config:
            raise InvalidInputError(f"{path}.{key}: missing required key for the {name!r} {kind} model")
    converters = shape.convert or {}
    arguments = {
        key: converters.get(key, number)(value, f"{path}.{key}") for key, value in config.items() if key != "model"
    }
    try:
        return shape.build(**arguments)
    except _FieldError as error:
        raise InvalidInputError(f"{path}.{error.field}: {error.problem}") from None


def fee_model_from_config(config: Mapping[str, object], field: str = "fees") -> FeeModel:
    """Build a fee model from a Game TOML table; ``field`` is its path, used in error messages.

    Shapes (rates are fractions; numbers may be str, int or float; a float is read through
    ``Decimal(repr(x))``, so TOML's ``0.001`` is exactly ``Decimal("0.001")``; quote numbers to be sure)::

        {"model": "none"}
        {"model": "per_share", "rate": "0.005", "minimum": "1.00", "maximum_pct": "0.01"}
        {"model": "percent", "rate": "0.001", "minimum": "0"}
        {"model": "flat", "amount": "4.95"}
        {"model": "tiered", "tiers": [["10000", "0.002"], ["50000", "0.001"], ["inf", "0.0005"]], "minimum": "0"}
        {"model": "maker_taker", "maker_rate": "-0.0001", "taker_rate": "0.0004", "minimum": "0"}
        {"model": "combined", "parts": [{"model": "per_share", ...}, {"model": "percent", ...}]}

    The open last tier is written ``"inf"`` (or ``inf``, or ``None`` from Python). Raises
    ``InvalidInputError`` starting with the field path, e.g. ``fees.rat: unknown key ...``.
    """
    # Every _FEE_SHAPES builder is a FeeModel class.
    return cast(FeeModel, _from_config(config, field, "fee", _FEE_SHAPES, _fee_number))


def slippage_model_from_config(config: Mapping[str, object], field: str = "slippage") -> SlippageModel:
    """Build a slippage model from a Game TOML table; ``field`` is its path, used in error messages.

    Shapes (plain numbers)::

        {"model": "none"}
        {"model": "fixed_bps", "bps": 5}
        {"model": "volume_impact", "coefficient": 0.1, "exponent": 0.5, "max_bps": 50}
    """
    # Every _SLIPPAGE_SHAPES builder is a SlippageModel class.
    return cast(SlippageModel, _from_config(config, field, "slippage", _SLIPPAGE_SHAPES, _same))


def fee_model_to_config(model: FeeModel) -> dict[str, object]:
    """The config table for a built-in fee model (Decimals as exact strings, the open tier as ``"inf"``).

    ``fee_model_from_config(fee_model_to_config(model)) == model``. A custom model raises ``TypeError``.
    """
    if isinstance(model, NoFee):
        return {"model": "none"}
    if isinstance(model, PerShare):
        config: dict[str, object] = {"model": "per_share", "rate": str(model.rate), "minimum": str(model.minimum)}
        if model.maximum_pct is not None:
            config["maximum_pct"] = str(model.maximum_pct)
        return config
    if isinstance(model, PercentOfNotional):
        return {"model": "percent", "rate": str(model.rate), "minimum": str(model.minimum)}
    if isinstance(model, Flat):
        return {"model": "flat", "amount": str(model.amount)}
    if isinstance(model, Tiered):
        tiers = [["inf" if upper is None else str(upper), str(rate)] for upper, rate in model.tiers]
        return {"model": "tiered", "tiers": tiers, "minimum": str(model.minimum)}
    if isinstance(model, MakerTaker):
        return {
            "model": "maker_taker",
            "maker_rate": str(model.maker_rate),
            "taker_rate": str(model.taker_rate),
            "minimum": str(model.minimum),
        }
    if isinstance(model, Combined):
        return {"model": "combined", "parts": [fee_model_to_config(part) for part in model.parts]}
    raise TypeError(f"{type(model).__name__} is not a built-in fee model and has no config form")


def slippage_model_to_config(model: SlippageModel) -> dict[str, object]:
    """The config table for a built-in slippage model; a custom model raises ``TypeError``."""
    if isinstance(model, NoSlippage):
        return {"model": "none"}
    if isinstance(model, FixedBps):
        return {"model": "fixed_bps", "bps": model.bps}
    if isinstance(model, VolumeImpact):
        config: dict[str, object] = {
            "model": "volume_impact",
            "coefficient": model.coefficient,
            "exponent": model.exponent,
        }
        if model.max_bps is not None:
            config["max_bps"] = model.max_bps
        return config
    raise TypeError(f"{type(model).__name__} is not a built-in slippage model and has no config form")
