"""``CryptoRotator``: hold the one coin with the best trailing return, switching with a chained Move.

It shows chained Moves: a switch is ONE Move, ``Move.sell(held, sell_all=True).chain(
Move.buy(best, notional=1))``. The engine starts the buy when the sell has filled and replaces
its notional with the proceeds the sell actually delivered (after fees), so the whole position
rolls into the new coin on the same bar, whatever the sale fetched.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from tradegame.engine.context import RoundContext
from tradegame.engine.moves import Action, Move
from tradegame.models._common import as_decimal, as_positive_int, as_symbols, has_open_move, trailing_returns

__all__ = ["CryptoRotator"]


class CryptoRotator:
    """Hold one of ``symbols``: the one with the best trailing return over ``lookback`` rows.

    * While it holds none of ``symbols`` (Round 0, or after a chain stopped), it buys the coin
      with the best trailing return at target ``weight`` of the Game's value.
    * Every ``every_rounds`` Rounds (0, N, 2N, ...) it ranks the coins; if another coin's return
      is strictly better than the held coin's, it sells the held coin and buys that one with the
      proceeds, as one chained Move. If it holds several of ``symbols`` (initial positions),
      the held coin is the first of them in ``symbols`` order.
    * It waits while a Move on any of ``symbols`` is open, and while no coin has ``lookback + 1``
      rows of closes. Returns are ``close[-1] / close[-1 - lookback] - 1``; ties go to the symbol
      that sorts first.
    """

    name = "crypto-rotator"

    def __init__(
        self,
        symbols: Sequence[str],
        lookback: int = 30,
        every_rounds: int = 7,
        weight: Decimal | int | float | str = Decimal(1),
    ) -> None:
        self.symbols = as_symbols(self.name, "symbols", symbols, minimum=2)
        self.lookback = as_positive_int(self.name, "lookback", lookback)
        self.every_rounds = as_positive_int(self.name, "every_rounds", every_rounds)
        self.weight = as_decimal(self.name, "weight", weight, low=Decimal(0), high=Decimal(1), low_open=True)

    def __repr__(self) -> str:
        return (
            f"CryptoRotator(symbols={self.symbols!r}, lookback={self.lookback}, "
            f"every_rounds={self.every_rounds}, weight={self.weight})"
        )

    def decide(self, ctx: RoundContext) -> list[Action] | None:
        held = [symbol for symbol in self.symbols if ctx.quantity(symbol) > 0]
        if held and ctx.round % self.every_rounds:
            return None
        if has_open_move(ctx, self.symbols):
            return None
        ranked = trailing_returns(ctx, self.symbols, self.lookback)
        if not ranked:
            return None
        best, best_return = ranked[0]
        if not held:
            return [Move.target(best, self.weight, reason=f"rotator: best return {best_return:.4%}")]
        current = held[0]
        returns = dict(ranked)
        if best == current or current not in returns or best_return <= returns[current]:
            return None
        switch = Move.sell(current, sell_all=True, reason=f"rotator: {best} beats {current}").chain(
            Move.buy(best, notional=Decimal(1), reason=f"rotator: proceeds of {current} into {best}")
        )
        return [switch]
