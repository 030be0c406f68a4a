"""The answer a language model must give each Round: a strict JSON schema, and its validation.

An answer is ``{"moves": [...], "memo": "..."}``: each Move names a ``symbol``, the ``target_weight``
of the Game's value to hold in it (0 sells it all), an ``order`` (``market``, ``limit`` or
``stop``), a ``price`` (a limit or stop price, else ``null``) and a ``reason``; ``memo`` is the
Model's running note to itself (kept only under the ``summary`` memory policy). An answer that is not
JSON, breaks the schema, names a symbol it was not shown or weights above 1 in all is refused with
the reason: the Round becomes a logged "no move", and the Game goes on.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

__all__ = ["SCHEMA", "AnswerError", "Order", "parse_answer"]

MAX_MOVES = 20
MEMO_CHARS = 2000

SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["moves", "memo"],
    "properties": {
        "moves": {
            "type": "array",
            "maxItems": MAX_MOVES,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["symbol", "target_weight", "order", "price", "reason"],
                "properties": {
                    "symbol": {"type": "string"},
                    "target_weight": {"type": "number", "minimum": 0, "maximum": 1},
                    "order": {"type": "string", "enum": ["market", "limit", "stop"]},
                    "price": {"type": ["number", "null"], "exclusiveMinimum": 0},
                    "reason": {"type": "string"},
                },
            },
        },
        "memo": {"type": "string", "maxLength": MEMO_CHARS},
    },
}


class AnswerError(ValueError):
    """An answer that is refused; the message is the reason logged."""


@dataclass(frozen=True)
class Order:
    """One Move an answer asks for, validated (``symbol`` as shown to the language model)."""

    symbol: str
    target_weight: Decimal
    order: str
    price: Decimal | None
    reason: str


def _number(value: object, where: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise AnswerError(f"{where} must be a number, not {value!r}")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise AnswerError(f"{where} must be a number, not {value!r}") from None
    if not number.is_finite():
        raise AnswerError(f"{where} must be finite, not {value!r}")
    return number


def _order(item: object, index: int, symbols: frozenset[str]) -> Order:
    where = f"moves[{index}]"
    if not isinstance(item, dict):
        raise AnswerError(f"{where} must be an object")
    keys = set(item)
    wanted = set(SCHEMA["properties"]["moves"]["items"]["required"])
    if keys != wanted:
        missing, extra = sorted(wanted - keys), sorted(keys - wanted)
        raise AnswerError(f"{where}: missing {missing}" if missing else f"{where}: unexpected {extra}")
    symbol, order, reason = item["symbol"], item["order"], item["reason"]
    if not isinstance(symbol, str) or symbol not in symbols:
        raise AnswerError(f"{where}.symbol {symbol!r} is not one of the symbols shown")
    if order not in ("market", "limit", "stop"):
        raise AnswerError(f"{where}.order must be market, limit or stop, not {order!r}")
    if not isinstance(reason, str):
        raise AnswerError(f"{where}.reason must be a string")
    weight = _number(item["target_weight"], f"{where}.target_weight")
    if not 0 <= weight <= 1:
        raise AnswerError(f"{where}.target_weight must be between 0 and 1, not {weight}")
    price = None if item["price"] is None else _number(item["price"], f"{where}.price")
    if (order == "market") != (price is None) or (price is not None and price <= 0):
        raise AnswerError(f"{where}: a {order} order needs {'no price' if order == 'market' else 'a price above 0'}")
    return Order(symbol, weight, order, price, reason[:500])


def parse_answer(text: str, symbols: frozenset[str]) -> tuple[list[Order], str]:
    """The Orders and the memo of ``text``, or ``AnswerError`` with the reason it is refused."""
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, TypeError) as error:
        raise AnswerError(f"the answer is not JSON: {error}") from None
    if not isinstance(data, dict) or set(data) != {"moves", "memo"}:
        raise AnswerError("the answer must be an object with exactly 'moves' and 'memo'")
    moves, memo = data["moves"], data["memo"]
    if not isinstance(moves, list) or len(moves) > MAX_MOVES:
        raise AnswerError(f"'moves' must be a list of at most {MAX_MOVES}")
    if not isinstance(memo, str) or len(memo) > MEMO_CHARS:
        raise AnswerError(f"'memo' must be a string of at most {MEMO_CHARS} characters")
    orders = [_order(item, index, symbols) for index, item in enumerate(moves)]
    if len({o.symbol for o in orders}) != len(orders):
        raise AnswerError("a symbol appears in more than one move")
    if sum((o.target_weight for o in orders), Decimal(0)) > 1:
        raise AnswerError("the target weights add up to more than 1")
    return orders, memo
