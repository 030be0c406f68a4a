"""``SmaCrossover``: long one symbol while its fast simple moving average is above the slow one.

The exact rule (issue 6 compares its trades with backtesting.py, backtrader and vectorbt):

* At the Round after bar t closes, ``fast`` = mean of the last ``fast`` closes up to and
  including bar t, ``slow`` = mean of the last ``slow`` closes (a window slice of ``slow``
  rows: no other history is read). Bars where the symbol has no close are skipped.
* Nothing happens while fewer than ``slow`` closes are known, or while a Move on the symbol is
  still open (so a buy is never placed twice).
* If ``fast > slow`` and nothing is held: buy ``Move.target(symbol, weight)``.
  If ``fast < slow`` and units are held: sell them all (``sell_all``). Equal means: do nothing.
* The order is a market order; with the default ``fill_at = "next_open"`` it fills at bar
  t+1's open (its size settled there: ``weight`` of the Game's value at bar t's close, in whole
  lots, cut to the cash available).

It acts on the *state*, not on the crossing event. The two agree from the first crossing on;
they differ only at the start: if ``fast > slow`` already holds on the first bar with ``slow``
closes, this model buys at once, where an event-driven crossover waits for the next upward
cross. To reproduce it elsewhere: backtesting.py ``if fast > slow and not self.position:
self.buy()`` / ``elif fast < slow and self.position: self.position.close()`` with
``trade_on_close=False``; backtrader ``SMA`` lines with the same state test and the default
next-open fill; vectorbt ``entries = fast > slow``, ``exits = fast < slow``, both shifted one
bar and filled at ``open``.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np

from tradegame.domain.errors import InvalidInputError
from tradegame.engine.context import RoundContext
from tradegame.engine.moves import Action, Move
from tradegame.engine.wake import Signals, Wake
from tradegame.models._common import as_decimal, as_positive_int, as_symbol, has_open_move, recent_closes

__all__ = ["SmaCrossover"]


class SmaCrossover:
    """Hold ``symbol`` at ``weight`` while SMA(``fast``) > SMA(``slow``); see the module docstring."""

    name = "sma-crossover"

    def __init__(
        self, symbol: str, fast: int = 50, slow: int = 200, weight: Decimal | int | float | str = Decimal(1)
    ) -> None:
        self.symbol = as_symbol(self.name, "symbol", symbol)
        self.fast = as_positive_int(self.name, "fast", fast)
        self.slow = as_positive_int(self.name, "slow", slow)
        if self.fast >= self.slow:
            raise InvalidInputError(f"{self.name}: fast must be shorter than slow, got fast={fast}, slow={slow}")
        self.weight = as_decimal(self.name, "weight", weight, low=Decimal(0), high=Decimal(1), low_open=True)

    def __repr__(self) -> str:
        return f"SmaCrossover({self.symbol!r}, fast={self.fast}, slow={self.slow}, weight={self.weight})"

    def wake(self, signals: Signals) -> Wake | None:
        """The Rounds this Model might act on (see engine/wake.py): flat while fast > slow, holding while
        fast < slow. A hair of tolerance keeps them a superset of what ``decide`` computes."""
        if self.symbol not in signals.symbols or signals.has_gaps(self.symbol):
            return None
        fast, slow = signals.sma(self.symbol, self.fast), signals.sma(self.symbol, self.slow)
        slack = np.abs(slow) * 1e-9
        with np.errstate(invalid="ignore"):
            return Wake(fast > slow - slack, fast < slow + slack, (self.symbol,))

    def decide(self, ctx: RoundContext) -> list[Action] | None:
        if has_open_move(ctx, self.symbol):
            return None
        closes = recent_closes(ctx, self.symbol, self.slow)
        if closes is None:
            return None
        fast = float(closes[-self.fast :].sum()) / self.fast  # = mean(), without its overhead
        slow = float(closes.sum()) / len(closes)
        held = ctx.quantity(self.symbol)
        if fast > slow and not held:
            return [Move.target(self.symbol, self.weight, reason=f"sma {fast:.4f} > {slow:.4f}")]
        if fast < slow and held > 0:
            return [Move.sell(self.symbol, sell_all=True, reason=f"sma {fast:.4f} < {slow:.4f}")]
        return None
