"""``BuyAndHold``: buy fixed target weights on the first Round, then hold to the end."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import numpy as np

from tradegame.domain.errors import InvalidInputError
from tradegame.engine.context import RoundContext
from tradegame.engine.moves import Action, Move
from tradegame.engine.wake import Signals, Wake
from tradegame.models._common import as_decimal, as_symbols

__all__ = ["BuyAndHold"]


class BuyAndHold:
    """On Round 0 buy each symbol at its target weight of the Game's value; then do nothing.

    ``symbols`` defaults to every symbol of the universe; ``weights`` (one per symbol, each in
    [0, 1], summing to at most 1) default to equal weights ``1/n``. The weights are
    ``Move.target`` orders, so they are settled at the fill (the next bar's open) against the
    Game's value at the latest close; a buy that would overdraw cash is cut to what cash allows.
    """

    name = "buy-and-hold"

    def __init__(
        self,
        symbols: Sequence[str] | None = None,
        weights: Sequence[Decimal | int | float | str] | None = None,
    ) -> None:
        self.symbols = None if symbols is None else as_symbols(self.name, "symbols", symbols)
        self.weights: tuple[Decimal, ...] | None = None
        if weights is not None:
            if self.symbols is None:
                raise InvalidInputError(f"{self.name}: weights needs symbols (one weight per symbol)")
            if isinstance(weights, str) or len(weights) != len(self.symbols):
                expected = f"a list of {len(self.symbols)} numbers (one per symbol)"
                raise InvalidInputError(f"{self.name}: weights must be {expected}, got {weights!r}")
            self.weights = tuple(
                as_decimal(self.name, f"weights[{i}]", weight, low=Decimal(0), high=Decimal(1))
                for i, weight in enumerate(weights)
            )
            if sum(self.weights) > 1:
                raise InvalidInputError(f"{self.name}: weights must sum to at most 1, got {sum(self.weights)}")

    def __repr__(self) -> str:
        return f"BuyAndHold(symbols={self.symbols!r}, weights={self.weights!r})"

    def wake(self, signals: Signals) -> Wake:
        """Awake on no Round after the first (which the engine always plays): see engine/wake.py."""
        quiet = np.zeros(signals.rows, dtype=bool)
        return Wake(quiet, quiet)

    def decide(self, ctx: RoundContext) -> list[Action] | None:
        if ctx.round != 0:
            return None
        symbols = self.symbols if self.symbols is not None else ctx.universe.symbols
        weights = self.weights or tuple(Decimal(1) / len(symbols) for _ in symbols)
        return [
            Move.target(symbol, weight, reason="buy and hold")
            for symbol, weight in zip(symbols, weights, strict=True)
            if weight > 0
        ]
