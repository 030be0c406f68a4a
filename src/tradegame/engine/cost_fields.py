"""Checking the fields of the cost models: exact Decimals, bounded floats, a fill's quantity and
price, and rounding a fee to the currency's minor unit (``FEE_ROUNDING``, half up).

A bad field raises ``_FieldError`` (an ``InvalidInputError`` that the config reader re-labels
with the field's path). Standard library and ``tradegame.domain`` only.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Final

from tradegame.domain.errors import InvalidInputError
from tradegame.domain.limits import RATE_PLACES, amount_problem, shown
from tradegame.domain.money import Currency

FEE_ROUNDING: Final = ROUND_HALF_UP


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
    if (  # the engine's own fills: checked cheaply
        type(quantity) is Decimal
        and type(price) is Decimal
        and quantity.is_finite()
        and quantity > 0
        and price.is_finite()
        and price >= 0
    ):
        return quantity, price
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
    if type(currency) is not Currency and not isinstance(currency, Currency):
        raise InvalidInputError(f"fee currency must be a Currency, got {_show(currency)}")
    rounded = amount.quantize(currency.quantum, FEE_ROUNDING)  # positional: a keyword costs more than the rounding
    return rounded if rounded else rounded.copy_abs()  # no "-0.00" from a tiny rebate


def _set(instance: object, name: str, value: object) -> None:
    object.__setattr__(instance, name, value)  # normalising a field of a frozen dataclass
