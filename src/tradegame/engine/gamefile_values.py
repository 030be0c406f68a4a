"""The keys each table of a Game file allows, and the converters of its values: a TOML value in,
a spec value out, or ``BadValueError`` saying what was expected.

Internal to the Game file reader (``gamefile_fields.py``); standard library, ``tradegame.domain`` and the
spec's types only.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Final, TypeVar

from tradegame.domain.instruments import AssetClass, LotMethod
from tradegame.domain.limits import amount_problem, shown
from tradegame.domain.money import Currency
from tradegame.engine.spec import FillAt, Schedule

__all__ = [
    "ACCOUNT_KEYS",
    "COST_SCHEDULES",
    "DATA_KEYS",
    "EXIT_KEYS",
    "FILL_AT",
    "GAME_KEYS",
    "MINOR_UNITS",
    "MODEL_KEYS",
    "POSITION_KEYS",
    "RUNNING_COST_KEYS",
    "SCHEDULES",
    "TAX_KEYS",
    "TAX_YEAR_KEYS",
    "TOP_KEYS",
    "TRANSFER_KEYS",
    "BadValueError",
    "currency_for",
    "did_you_mean",
    "join_path",
    "list_of",
    "one_of",
    "show_value",
    "to_amount",
    "to_asset_classes",
    "to_boolean",
    "to_code",
    "to_day",
    "to_days",
    "to_factor",
    "to_fill_at",
    "to_fraction",
    "to_instant",
    "to_integer",
    "to_lot_method",
    "to_non_negative",
    "to_number",
    "to_params",
    "to_rate",
    "to_schedule",
    "to_text",
    "to_texts",
]

T = TypeVar("T")

TOP_KEYS: Final = (
    "game",
    "data",
    "accounts",
    "transfers",
    "initial_positions",
    "exits",
    "running_costs",
    "tax",
    "fx_rates",
    "model",
    "activator",
)
GAME_KEYS: Final = (
    "name",
    "start",
    "end",
    "rounds",
    "schedule",
    "round_times",
    "round_intervals",
    "round_interval_days",
    "round_growth",
    "start_fund",
    "currency",
    "seed",
    "fill_at",
    "calendar",
    "symbols",
    "asset_classes",
    "allow_extreme_costs",
)
DATA_KEYS: Final = ("dataset", "hash", "symbols")
ACCOUNT_KEYS: Final = ("name", "venue", "currency", "lot_method", "volume_cap", "symbols", "fees", "slippage")
TRANSFER_KEYS: Final = ("source", "target", "fee", "delay_rounds")
POSITION_KEYS: Final = ("symbol", "quantity", "cost_basis", "acquired", "account")
EXIT_KEYS: Final = ("min_value", "max_drawdown", "max_losing_rounds", "target_return")
RUNNING_COST_KEYS: Final = ("name", "account", "amount", "currency", "schedule", "anchor", "days", "on")
TAX_KEYS: Final = ("short_term", "long_term", "loss_deduction_limit", "currency", "years")
TAX_YEAR_KEYS: Final = ("short_term", "long_term")
MODEL_KEYS: Final = ("name", "params", "training")

SCHEDULES: Final[Mapping[str, Schedule]] = {
    "hourly": "hourly",
    "daily": "daily",
    "weekly": "weekly",
    "monthly": "monthly",
}
FILL_AT: Final[Mapping[str, FillAt]] = {"next_open": "next_open", "close": "close"}
COST_SCHEDULES: Final = ("monthly", "yearly", "every_n_days", "once")
# The same table as engine.game.currency_of; copied so that reading a file needs no pandas.
MINOR_UNITS: Final[Mapping[str, int]] = {"JPY": 0, "KRW": 0, "BTC": 8, "ETH": 8}


class BadValueError(Exception):
    """A value that does not fit its field; the reader records it under the field's path."""


def join_path(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def show_value(value: object) -> str:
    if isinstance(value, date | time):
        return value.isoformat()
    return shown(value)


# Converters: a TOML value in, a spec value out, or BadValueError with what was expected.


def to_text(value: object) -> str:
    if not isinstance(value, str):
        raise BadValueError(f"must be a string, got {show_value(value)}")
    return value


def to_boolean(value: object) -> bool:
    if not isinstance(value, bool):
        raise BadValueError(f"must be true or false, got {show_value(value)}")
    return value


def to_integer(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadValueError(f"must be a whole number, got {show_value(value)}")
    return value


def to_number(value: object, expected: str = 'an amount such as "100.50"') -> Decimal:
    if isinstance(value, bool):
        raise BadValueError(f"must be {expected}, got {show_value(value)}")
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        # TOML has no decimal type; repr() is the shortest string that round-trips: what was typed.
        number = Decimal(repr(value))
    elif isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            raise BadValueError(f"must be {expected}, got {value!r}") from None
    else:
        raise BadValueError(f"must be {expected}, got {show_value(value)}")
    problem = amount_problem(number)
    if problem is not None:
        raise BadValueError(problem)
    return number


def to_amount(value: object) -> Decimal:
    return to_number(value)


def to_days(value: object) -> Decimal:
    return to_number(value, 'a number of days such as 7 or "1.5"')


def to_factor(value: object) -> Decimal:
    return to_number(value, 'a factor such as 2 or "0.5"')


def to_fraction(value: object) -> Decimal:
    expected = 'a fraction such as "0.3" or a percentage such as "30%"'
    if isinstance(value, str) and value.strip().endswith("%"):
        try:
            return to_number(value.strip()[:-1], expected) / 100
        except BadValueError:
            raise BadValueError(f"must be {expected}, got {value!r}") from None
    return to_number(value, expected)


def to_rate(value: object) -> Decimal:
    rate = to_fraction(value)
    if not Decimal(0) <= rate <= Decimal(1):
        raise BadValueError(f"must be within 0% and 100%, got {show_value(value)}")
    return rate


def to_non_negative(value: object) -> Decimal:
    amount = to_amount(value)
    if amount < 0:
        raise BadValueError(f"must not be negative, got {show_value(value)}")
    return amount


def to_day(value: object) -> date:
    if isinstance(value, datetime):
        raise BadValueError(f"must be a date without a time of day, got {value.isoformat()}")
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise BadValueError(f"must be a date such as 2007-01-03, got {show_value(value)}")


def to_instant(value: object) -> str:
    # Kept as ISO text (GameSpec.round_times); a time without an offset is UTC.
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, str):
        try:
            datetime.fromisoformat(value.strip())
        except ValueError:
            pass
        else:
            return value.strip()
    raise BadValueError(f"must be a date-time such as 2020-01-02T15:00:00Z, got {show_value(value)}")


def to_code(value: object) -> str:
    code = to_text(value)
    if not code or not code.isalnum() or not code.isupper():
        raise BadValueError(f"must be a currency code such as USD, got {code!r}")
    return code


def list_of(item: Callable[[object], T]) -> Callable[[object], tuple[T, ...]]:
    def convert(value: object) -> tuple[T, ...]:
        if not isinstance(value, list | tuple):
            raise BadValueError(f"must be a list, got {show_value(value)}")
        items: list[T] = []
        for index, element in enumerate(value):
            try:
                items.append(item(element))
            except BadValueError as error:
                raise BadValueError(f"item {index}: {error}") from None
        return tuple(items)

    return convert


def one_of(choices: Mapping[str, T]) -> Callable[[object], T]:
    def convert(value: object) -> T:
        if isinstance(value, str) and value in choices:
            return choices[value]
        hint = did_you_mean(value, choices) if isinstance(value, str) else ""
        raise BadValueError(f"must be one of {', '.join(choices)}, got {show_value(value)}{hint}")

    return convert


def did_you_mean(word: str, choices: Sequence[str] | Mapping[str, object]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


to_texts = list_of(to_text)
to_schedule = one_of(SCHEDULES)
to_fill_at = one_of(FILL_AT)
to_lot_method = one_of({method.value: method for method in LotMethod})
to_asset_classes = list_of(one_of({asset_class.value: asset_class for asset_class in AssetClass}))


def currency_for(code: str) -> Currency:
    return Currency(code, MINOR_UNITS.get(code, 2))


def to_params(value: object) -> dict[str, object]:
    if not isinstance(value, Mapping):
        raise BadValueError(f"must be a table, got {show_value(value)}")
    return dict(value)
