"""Tokens to money: a price per million tokens in and out, per model.

``PRICES`` holds list prices in US dollars (per million tokens, input then output) of a few
OpenAI-compatible models, as published by their providers in 2026; a Game file may give its own
(``price_in``, ``price_out``, in the Game's currency), and must for a model not listed or a Game not
in dollars. A call costs ``tokens_in * price_in + tokens_out * price_out`` over a million, exactly.
"""

from __future__ import annotations

from decimal import Decimal

__all__ = ["PRICES", "call_cost", "prices_for"]

_MILLION = Decimal(1_000_000)
PRICES: dict[str, tuple[Decimal, Decimal]] = {
    "gpt-4o-mini": (Decimal("0.15"), Decimal("0.60")),
    "gpt-4o": (Decimal("2.50"), Decimal("10.00")),
    "gpt-4.1-mini": (Decimal("0.40"), Decimal("1.60")),
    "gpt-4.1": (Decimal("2.00"), Decimal("8.00")),
}


def prices_for(
    model: str, currency: str, price_in: Decimal | None, price_out: Decimal | None
) -> tuple[Decimal, Decimal]:
    """The (in, out) prices per million tokens a Game uses: its own, else the list price in dollars."""
    if price_in is not None and price_out is not None:
        if price_in < 0 or price_out < 0:
            raise ValueError("price_in and price_out must not be negative")
        return price_in, price_out
    if price_in is not None or price_out is not None:
        raise ValueError("give both price_in and price_out, or neither")
    if model not in PRICES:
        raise ValueError(f"no list price for model {model!r}: give price_in and price_out (per million tokens)")
    if currency != "USD":
        raise ValueError(f"the list prices are in USD: give price_in and price_out in {currency}")
    return PRICES[model]


def call_cost(tokens_in: int, tokens_out: int, prices: tuple[Decimal, Decimal]) -> Decimal:
    """What one call costs, exactly."""
    return (tokens_in * prices[0] + tokens_out * prices[1]) / _MILLION
