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

from collections.abc import Sequence
from decimal import Decimal

import numpy as np

from tradegame.domain.errors import InvalidInputError
from tradegame.engine.context import RoundContext
from tradegame.engine.moves import Action, Move
from tradegame.engine.universe import Universe
from tradegame.engine.wake import Signals, Wake
from tradegame.models._common import as_decimal, as_positive_int, as_symbol, has_open_move, recent_closes

__all__ = ["SmaCrossover", "crossover_signals"]


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

    def indicators(self, universe: Universe) -> dict[str, dict[str, np.ndarray]]:
        """The two averages ``decide`` compares, per data row, for the report's price chart: at row t
        the means of the last ``fast`` and ``slow`` closes up to t (bars without a close skipped),
        NaN before ``slow`` closes are known and on a bar without a close."""
        close = np.asarray(universe.panel.fields["close"][:, universe.panel.column(self.symbol)], dtype=np.float64)
        valid = np.flatnonzero(~np.isnan(close))
        sums = np.concatenate(([0.0], np.cumsum(close[valid])))
        lines = {}
        for window in (self.fast, self.slow):
            line = np.full(len(close), np.nan)
            means = (sums[window:] - sums[:-window]) / window
            line[valid[window - 1 :][: len(means)]] = means[: max(len(valid) - window + 1, 0)]
            line[valid[: self.slow - 1]] = np.nan  # as decide: nothing before ``slow`` closes
            lines[f"SMA({window})"] = line
        return {self.symbol: lines}

    def decide(self, ctx: RoundContext) -> list[Action] | None:
        if has_open_move(ctx, self.symbol):
            return None
        means = self._means(ctx)
        if means is None:
            return None
        fast, slow = means
        held = ctx.quantity(self.symbol)
        if fast > slow and not held:
            return [Move.target(self.symbol, self.weight, reason=f"sma {fast:.4f} > {slow:.4f}")]
        if fast < slow and held > 0:
            return [Move.sell(self.symbol, sell_all=True, reason=f"sma {fast:.4f} < {slow:.4f}")]
        return None

    def _means(self, ctx: RoundContext) -> tuple[float, float] | None:
        """The fast and slow means ``decide`` compares (None before ``slow`` closes are known)."""
        window = ctx.universe.close([self.symbol], self.slow)[:, 0]
        if len(window) == self.slow:
            total = float(np.add.reduce(window))
            if total == total:  # no NaN: the window is the last ``slow`` closes (the common case)
                return float(np.add.reduce(window[-self.fast :])) / self.fast, total / self.slow
        closes = recent_closes(ctx, self.symbol, self.slow)  # skip the bars without a close
        return None if closes is None else _means(closes, self.fast)


def _means(closes: np.ndarray, fast: int) -> tuple[float, float]:
    """The means of the last ``fast`` closes and of all of ``closes``, as ``decide`` compares them."""
    return float(closes[-fast:].sum()) / fast, float(closes.sum()) / len(closes)  # = mean(), without its overhead


def crossover_signals(
    universe: Universe, symbol: str, pairs: Sequence[tuple[int, int]]
) -> tuple[np.ndarray, np.ndarray]:
    """``enter``/``leave`` (panel rows x pairs) with which ``sweep`` plays ``SmaCrossover(symbol,
    fast, slow)`` for every ``(fast, slow)`` pair: ``fast > slow`` and ``fast < slow`` exactly as
    ``decide`` computes them at a Round whose latest row is ``t``.

    The means come from one cumulative sum; where a pair's two means are closer than the
    cumulative sum's rounding error could make them, they are recomputed with ``decide``'s own
    arithmetic, so ties and near-ties go the way the Model's would. The symbol must have no gaps
    (``sweep`` refuses those).
    """
    if symbol not in universe.panel.symbols:
        raise InvalidInputError(f"sma-crossover: unknown symbol {symbol!r}")
    for fast, slow in pairs:
        SmaCrossover(symbol, fast, slow)  # the same checks as the Model's
    close = np.ascontiguousarray(universe.panel.fields["close"][:, universe.panel.column(symbol)])
    rows = len(close)
    valid = ~np.isnan(close)
    first = int(np.argmax(valid)) if valid.any() else rows
    sums = np.concatenate(([0.0], np.cumsum(np.nan_to_num(close[first:]))))
    # Worst-case error of a difference of two prefix sums: one rounding per addition.
    error = 2.0 * len(sums) * np.finfo(float).eps * float(np.abs(sums).max())
    windows = sorted({window for pair in pairs for window in pair})
    means = np.full((len(windows), rows), np.nan)  # per window, its mean at each row
    for index, window in enumerate(windows):
        if window <= rows - first:
            means[index, first + window - 1 :] = (sums[window:] - sums[:-window]) / window
    at = {window: means[index] for index, window in enumerate(windows)}
    enter = np.zeros((len(pairs), rows), dtype=bool).T  # rows x pairs, each pair's column contiguous
    leave = np.zeros((len(pairs), rows), dtype=bool).T
    gap = np.empty(rows)
    with np.errstate(invalid="ignore"):  # NaN before ``slow`` rows: neither
        for index, (fast, slow) in enumerate(pairs):
            # fast - slow: its sign is the comparison's (the difference of two finite floats is 0 only
            # when they are equal), one pass instead of two
            np.subtract(at[fast], at[slow], out=gap)
            np.greater(gap, 0.0, out=enter[:, index])
            np.less(gap, 0.0, out=leave[:, index])
            close_call = np.flatnonzero(np.abs(gap, out=gap) <= error / fast + error / slow)
            for row in close_call.tolist():
                exact_fast, exact_slow = _means(close[row - slow + 1 : row + 1], fast)
                enter[row, index] = exact_fast > exact_slow
                leave[row, index] = exact_fast < exact_slow
    return enter, leave
