"""``MomentumRotation``: hold the ``top_n`` symbols with the best trailing return, rebalanced
on a schedule.

On a rebalance Round (see ``MomentumRotation``), every symbol's trailing return is
``close[-1 - skip_recent] / close[-1 - skip_recent - lookback] - 1`` over the last rows of the
panel (rows, not calendar days). A symbol with a NaN at either end (too short a history, or no
bar on the latest row) is not eligible. The eligible symbols are ranked by return, best first,
ties broken by symbol name, and the top ``top_n`` are targeted at equal weights
``(1 - cash_buffer) / top_n`` (fewer eligible symbols: fewer positions, each still at that
weight). Held symbols that dropped out are sold in full. The returned Actions are: Cancels of
any still-open Moves on the model's symbols, then the sells, then the targets (the engine also
matches sells before buys on a bar, so the sales pay for the buys).

Between rebalance Rounds the Model sleeps (``wake``: the engine skips calling it and values
those Rounds on arrays; the books are the same as when it is called every Round).

Targets are settled at the fill against the Game's value at the previous close; when prices
open higher the last buys are cut to the cash available. ``cash_buffer`` (default 0) keeps a
fraction of the value in cash to leave room for that and for fees.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import numpy as np
import pandas as pd

from tradegame.domain.errors import InvalidInputError
from tradegame.engine.context import RoundContext
from tradegame.engine.moves import Action, Cancel, Move
from tradegame.engine.timestamps import utc_date_from_ns
from tradegame.engine.wake import Signals, Wake
from tradegame.models._common import as_decimal, as_positive_int, as_symbols, trailing_returns

__all__ = ["MomentumRotation"]


class MomentumRotation:
    """Rotate into the ``top_n`` best trailing returns; see the module docstring.

    ``rebalance``: ``"monthly"`` (the first Round of each calendar month, in UTC),
    ``"weekly"`` (the first Round of each ISO week) or an ``int`` N (Rounds 0, N, 2N, ...).
    Round 0 is always a rebalance Round. The schedule is read from ``ctx.history`` (the time of
    the previous Round), so the model keeps no state. Every other Round returns at once.
    ``skip_recent`` leaves out the latest rows (default 0): ``lookback=231, skip_recent=21`` is
    the classic "12-1" momentum, from twelve months ago to one month ago.
    ``symbols`` limits the candidates (default: every symbol of the universe).
    """

    name = "momentum-rotation"

    def __init__(
        self,
        top_n: int = 10,
        lookback: int = 252,
        rebalance: str | int = "monthly",
        skip_recent: int = 0,
        cash_buffer: Decimal | int | float | str = Decimal(0),
        symbols: Sequence[str] | None = None,
    ) -> None:
        self.top_n = as_positive_int(self.name, "top_n", top_n)
        self.lookback = as_positive_int(self.name, "lookback", lookback)
        if isinstance(rebalance, str):
            if rebalance not in ("monthly", "weekly"):
                raise InvalidInputError(
                    f"{self.name}: rebalance must be 'monthly', 'weekly' or a number of rounds, got {rebalance!r}"
                )
        else:
            as_positive_int(self.name, "rebalance", rebalance)
        self.rebalance = rebalance
        self.skip_recent = as_positive_int(self.name, "skip_recent", skip_recent, minimum=0)
        self.cash_buffer = as_decimal(self.name, "cash_buffer", cash_buffer, low=Decimal(0), high=Decimal(1))
        if self.cash_buffer == 1:
            raise InvalidInputError(f"{self.name}: cash_buffer must be below 1, got {cash_buffer!r}")
        self.symbols = None if symbols is None else as_symbols(self.name, "symbols", symbols)
        self._candidate_set: tuple[Sequence[str], frozenset[str]] | None = None

    def __repr__(self) -> str:
        return (
            f"MomentumRotation(top_n={self.top_n}, lookback={self.lookback}, rebalance={self.rebalance!r}, "
            f"skip_recent={self.skip_recent}, cash_buffer={self.cash_buffer}, symbols={self.symbols!r})"
        )

    def is_rebalance_round(self, ctx: RoundContext) -> bool:
        """Whether this Round rebalances (cheap: compares two times or takes a remainder)."""
        if isinstance(self.rebalance, int):
            return ctx.round % self.rebalance == 0
        history = ctx.history
        if ctx.round == 0 or not history:
            return True
        now, before = utc_date_from_ns(ctx.ns), utc_date_from_ns(history[-1].ns)
        if self.rebalance == "monthly":
            return (now.year, now.month) != (before.year, before.month)
        return now.isocalendar()[:2] != before.isocalendar()[:2]

    def rebalance_rounds(self, times: np.ndarray) -> np.ndarray:
        """Per Round at ``times`` (int64 ns, UTC, every Round of a Game): whether it rebalances, by
        ``is_rebalance_round``'s rule (Round 0, then a new month, ISO week, or every N Rounds)."""
        count = len(times)
        if isinstance(self.rebalance, int):
            every: np.ndarray = np.arange(count) % self.rebalance == 0
            return every
        stamps = np.asarray(times, dtype=np.int64)
        if self.rebalance == "monthly":
            periods = stamps.astype("datetime64[ns]").astype("datetime64[M]").astype(np.int64)
        else:
            weeks = pd.DatetimeIndex(stamps, tz="UTC").isocalendar()
            periods = weeks["year"].to_numpy(np.int64) * 100 + weeks["week"].to_numpy(np.int64)
        flags = np.ones(count, dtype=bool)
        flags[1:] = periods[1:] != periods[:-1]
        return flags

    def wake(self, signals: Signals) -> Wake | None:
        """The Rounds this Model might act on (see engine/wake.py): its rebalance Rounds, whatever it holds."""
        if signals.round_times is None:
            return None
        rows = signals.rows_of_rounds(self.rebalance_rounds(signals.round_times))
        return None if rows is None else Wake(rows, rows)

    def ranking(self, ctx: RoundContext, limit: int | None = None) -> list[tuple[str, float]]:
        """Eligible symbols with their trailing return, best first (ties by symbol); the first
        ``limit`` of them when given."""
        return trailing_returns(ctx, self.symbols, self.lookback, self.skip_recent, limit=limit)

    def decide(self, ctx: RoundContext) -> list[Action] | None:
        if not self.is_rebalance_round(ctx):
            return None
        top = self.ranking(ctx, limit=self.top_n)
        if not top:
            return None
        candidates = self._candidates(ctx.universe.symbols)
        chosen = {symbol for symbol, _ in top}
        weight = (1 - self.cash_buffer) / self.top_n
        actions: list[Action] = [
            Cancel(state.move_id, "rebalance") for state in ctx.open_moves if state.move.symbol in candidates
        ]
        dropped = "momentum: dropped out of the top"
        actions += Move.sells_all(
            (symbol, dropped) for symbol in sorted(ctx.holdings) if symbol in candidates and symbol not in chosen
        )
        actions += Move.targets(
            weight, [(symbol, f"momentum: rank {rank}, return {ret:.4%}") for rank, (symbol, ret) in enumerate(top, 1)]
        )
        return actions

    def _candidates(self, universe: tuple[str, ...]) -> frozenset[str]:
        """The symbols this Model trades: ``symbols``, or every symbol of the universe (remembered)."""
        names = self.symbols if self.symbols is not None else universe
        if self._candidate_set is None or self._candidate_set[0] is not names:
            self._candidate_set = (names, frozenset(names))
        return self._candidate_set[1]
