"""``DollarCostAveraging``: buy a fixed amount of one symbol every N Rounds while cash lasts."""

from __future__ import annotations

from decimal import Decimal

from tradegame.engine.context import RoundContext
from tradegame.engine.moves import Action, Move, Side
from tradegame.models._common import as_decimal, as_positive_int, as_symbol

__all__ = ["DollarCostAveraging"]


class DollarCostAveraging:
    """On Rounds 0, N, 2N, ... buy ``notional=amount`` of ``symbol`` (in its quote currency).

    A Round whose free cash (cash of the first account, less the notional of this model's buys
    of ``symbol`` still open) is below ``amount`` places no order: once cash runs out the model
    only holds. The units bought are ``amount / open`` rounded down to the instrument's lot, so
    a little of each amount may stay in cash.
    """

    name = "dca"

    def __init__(self, symbol: str, amount: Decimal | int | float | str, every_rounds: int = 21) -> None:
        self.symbol = as_symbol(self.name, "symbol", symbol)
        self.amount = as_decimal(self.name, "amount", amount, low=Decimal(0), low_open=True)
        self.every_rounds = as_positive_int(self.name, "every_rounds", every_rounds)

    def __repr__(self) -> str:
        return f"DollarCostAveraging({self.symbol!r}, amount={self.amount}, every_rounds={self.every_rounds})"

    def decide(self, ctx: RoundContext) -> list[Action] | None:
        if ctx.round % self.every_rounds:
            return None
        pending = sum(
            (
                state.move.notional
                for state in ctx.open_moves
                if state.move.symbol == self.symbol and state.side is Side.BUY and state.move.notional is not None
            ),
            Decimal(0),
        )
        if ctx.cash() - pending < self.amount:
            return None
        return [Move.buy(self.symbol, notional=self.amount, reason=f"dca every {self.every_rounds} rounds")]
