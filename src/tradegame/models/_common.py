"""Helpers shared by the built-in Models: parameter checks and small reads of the context.

Private to ``tradegame.models``. Imports the domain, the engine's context and numpy; never a
store, a provider or anything that does I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from functools import lru_cache

import numpy as np

from tradegame.domain.errors import InvalidInputError
from tradegame.engine.context import RoundContext
from tradegame.engine.moves import Action, Move

__all__ = [
    "as_decimal",
    "as_float",
    "as_positive_int",
    "as_symbol",
    "as_symbols",
    "has_open_move",
    "long_or_flat",
    "recent_closes",
    "trailing_returns",
]


def _bad(model: str, name: str, expected: str, value: object) -> InvalidInputError:
    return InvalidInputError(f"{model}: {name} must be {expected}, got {value!r}")


def as_positive_int(model: str, name: str, value: object, minimum: int = 1) -> int:
    """``value`` as an ``int`` of at least ``minimum`` (bools and floats are refused)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise _bad(model, name, f"an integer >= {minimum}", value)
    return value


def as_decimal(
    model: str,
    name: str,
    value: object,
    *,
    low: Decimal | None = None,
    high: Decimal | None = None,
    low_open: bool = False,
) -> Decimal:
    """``value`` as a finite ``Decimal`` within [``low``, ``high``] (``low_open``: ``low`` excluded).

    A float (as TOML gives ``0.5``) is converted through its shortest repr, so ``0.1`` becomes
    ``Decimal("0.1")``: this is the explicit float-to-Decimal conversion at the parameter boundary.
    """
    if isinstance(value, bool) or not isinstance(value, Decimal | int | float | str):
        raise _bad(model, name, "a number", value)
    try:
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    except InvalidOperation:
        raise _bad(model, name, "a number", value) from None
    if not number.is_finite():
        raise _bad(model, name, "a finite number", value)
    too_low = low is not None and (number <= low if low_open else number < low)
    if too_low or (high is not None and number > high):
        bounds = f"{'(' if low_open else '['}{'-inf' if low is None else low}, {'inf' if high is None else high}]"
        raise _bad(model, name, f"a number within {bounds}", value)
    return number


def as_float(model: str, name: str, value: object, *, low: float | None = None, high: float | None = None) -> float:
    """``value`` (an int, float or Decimal) as a finite float within [``low``, ``high``]."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise _bad(model, name, "a number", value)
    number = float(value)
    if not np.isfinite(number) or (low is not None and number < low) or (high is not None and number > high):
        raise _bad(model, name, f"a finite number within [{low}, {high}]", value)
    return number


def as_symbol(model: str, name: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _bad(model, name, "a non-empty symbol", value)
    return value


def as_symbols(model: str, name: str, value: object, minimum: int = 1) -> tuple[str, ...]:
    """A sequence of distinct symbols (a bare string is refused: it is one symbol, not a list)."""
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise _bad(model, name, "a list of symbols", value)
    symbols = tuple(as_symbol(model, f"{name}[{i}]", s) for i, s in enumerate(value))
    if len(symbols) < minimum:
        raise _bad(model, name, f"a list of at least {minimum} symbol(s)", value)
    if len(set(symbols)) != len(symbols):
        raise _bad(model, name, "a list of distinct symbols", value)
    return symbols


def has_open_move(ctx: RoundContext, symbols: str | Sequence[str]) -> bool:
    """Whether a Move on ``symbols`` (one or several) is still open."""
    moves = ctx.open_moves
    if not moves:
        return False
    wanted = {symbols} if isinstance(symbols, str) else set(symbols)
    return any(state.move.symbol in wanted for state in moves)


def long_or_flat(ctx: RoundContext, symbol: str, long: bool, weight: Decimal, reason: str) -> list[Action] | None:
    """Buy ``symbol`` at ``weight`` when ``long`` and nothing is held; sell it all when not ``long``
    and units are held; else nothing (both carry ``reason``)."""
    held = ctx.quantity(symbol)
    if long and not held:
        return [Move.target(symbol, weight, reason=reason)]
    if not long and held > 0:
        return [Move.sell(symbol, sell_all=True, reason=reason)]
    return None


def recent_closes(ctx: RoundContext, symbol: str, count: int, minimum: int | None = None) -> np.ndarray | None:
    """The last ``count`` known closes of ``symbol`` (oldest first); ``None`` if fewer than
    ``minimum`` (default ``count``) are known, else as many as there are.

    Reads a window slice of ``count`` rows. Rows where the symbol has no bar (NaN, e.g. weekends
    of an equity in a panel that also holds crypto) are skipped; then the slice is widened (twice
    as many rows each time) until ``count`` valid closes are found or the history runs out.
    """
    view = ctx.universe
    window = count
    while True:
        column = view.close([symbol], window)[:, 0]
        valid = column if not np.isnan(column).any() else column[~np.isnan(column)]
        if len(valid) >= count:
            return valid[len(valid) - count :]
        if len(column) < window:  # the whole history is in hand
            return valid if len(valid) >= (count if minimum is None else minimum) else None
        window *= 2


def trailing_returns(
    ctx: RoundContext, symbols: Sequence[str] | None, lookback: int, skip_recent: int = 0, limit: int | None = None
) -> list[tuple[str, float]]:
    """``close[-1 - skip_recent] / close[-1 - skip_recent - lookback] - 1`` per symbol (rows, not
    days), for the symbols where both closes are known, best first, ties broken by symbol; the
    first ``limit`` of them when given.

    ``symbols=None`` means every symbol of the universe. Reads a window slice of
    ``lookback + skip_recent + 1`` rows; with fewer rows known, nothing is eligible.
    """
    names = symbols if symbols is not None else ctx.universe.symbols
    span = lookback + skip_recent + 1
    closes = ctx.universe.close(symbols, span)  # None: every column, without a copy
    if len(closes) < span:
        return []
    # Closes are positive and finite, or NaN (no bar; a Panel's rule): no division by zero, NaN propagates quietly.
    trailing = closes[len(closes) - 1 - skip_recent] / closes[0] - 1.0
    keep = np.isfinite(trailing).nonzero()[0]
    if not len(keep):
        return []
    if limit is not None and limit < len(keep):  # only those at least as good as the limit-th best can be in
        values = trailing[keep]
        kth = len(keep) - limit
        best = values.copy()
        best.partition(kth)
        keep = keep[values >= best[kth]]  # ties kept
    order = keep[np.lexsort((_name_ranks(names)[keep], -trailing[keep]))][:limit]  # best first, then by symbol
    return list(zip([names[i] for i in order.tolist()], trailing[order].tolist(), strict=True))


_ranked: tuple[Sequence[str], np.ndarray] | None = None  # the last names ranked: a Game asks with the same tuple


def _name_ranks(names: Sequence[str]) -> np.ndarray:
    """Each name's place in the sorted names (ties of a ranking are broken by name with these ints)."""
    global _ranked
    ranked = _ranked
    if ranked is None or ranked[0] is not names:
        ranked = (names, _sorted_ranks(tuple(names)))
        if type(names) is tuple:  # immutable, and held here: the same object is the same names
            _ranked = ranked
    return ranked[1]


@lru_cache(maxsize=16)
def _sorted_ranks(names: tuple[str, ...]) -> np.ndarray:
    ranks = np.empty(len(names), dtype=np.int64)
    ranks[sorted(range(len(names)), key=names.__getitem__)] = np.arange(len(names))
    return ranks
