"""Quiet Rounds: how a Model tells the engine on which Rounds it might act, so the rest are skipped.

A Model may offer ``wake(signals) -> Wake | None``. ``signals`` gives trailing indicators
computed once over the whole panel (the value at row ``t`` uses rows up to ``t`` only, like
the Model's own view at a Round whose latest bar is ``t``), and the Game's Round times, for a
Model that acts on a calendar of Rounds (``rows_of_rounds`` turns per-Round flags into rows).
``Wake.when_flat[t]`` says the Model might act at a Round whose latest known row is ``t`` while
the Game holds nothing and has no open Move; ``Wake.when_holding[t]`` the same while it holds
something. On every other Round the Model promises to do nothing, so the engine skips calling
it, values those Rounds on arrays and goes straight to the next Round that matters (an awake
one, a new tax year, the last Round). A Round played for the fills of the Model's Moves is
judged once they are booked: with no Move left open, the Model sleeps through it unless awake
for what the Game then holds (the events of those fills reach it at its next Round).
The results are the same as calling the Model every Round: tests play the built-in Models both
ways and compare the logs and ledgers byte for byte. A wrong ``wake`` can only make a Model
miss Rounds, never let it see later data: ``decide`` still gets the point-in-time view.

``SignalFollower`` is the Model of signals computed ahead (bool arrays over the panel's rows):
its ``wake`` is its signals; ``engine/sweep.py`` plays many of them at once on arrays.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

import numpy as np

from tradegame.domain.errors import InvalidInputError
from tradegame.engine.moves import Action, Move
from tradegame.engine.universe import Universe

if TYPE_CHECKING:
    from tradegame.engine.context import RoundContext

__all__ = ["SignalFollower", "Signals", "Wake", "signal_weight"]


@dataclass(frozen=True)
class Wake:
    """Per panel row: whether the Model might act when flat, and when holding (bool arrays).

    "Holding" means holding any of ``symbols`` (any symbol at all when ``symbols`` is empty).
    """

    when_flat: np.ndarray
    when_holding: np.ndarray
    symbols: tuple[str, ...] = ()


class Signals:
    """Trailing indicators over a whole panel, cached on the Universe (shared by every Game on it),
    and the Game's Round schedule (``round_times``, ``latest_rows``) when the engine gives it."""

    def __init__(
        self, universe: Universe, round_times: np.ndarray | None = None, latest_rows: np.ndarray | None = None
    ) -> None:
        self._universe = universe
        self.round_times = round_times  # int64 ns of each Round (None: not known)
        self.latest_rows = latest_rows  # per Round, the latest panel row it knows (-1: none yet)

    def rows_of_rounds(self, rounds: np.ndarray) -> np.ndarray | None:
        """Per panel row: whether a Round flagged in ``rounds`` (bool per Round) knows it as its latest
        row, the shape a ``Wake`` takes (None when the schedule is not known)."""
        if self.latest_rows is None or len(rounds) != len(self.latest_rows):
            return None
        out = np.zeros(self.rows, dtype=bool)
        latest = self.latest_rows[np.asarray(rounds, dtype=bool)]
        out[latest[latest >= 0]] = True
        return out

    @property
    def rows(self) -> int:
        return self._universe.panel.rows

    @property
    def symbols(self) -> tuple[str, ...]:
        return self._universe.panel.symbols

    def has_gaps(self, symbol: str) -> bool:
        """Whether ``symbol`` misses a close after its first one (trailing windows then differ)."""
        close = self._close(symbol)
        valid = ~np.isnan(close)
        first = int(np.argmax(valid)) if valid.any() else len(close)
        return bool((~valid[first:]).any())

    def sma(self, symbol: str, window: int) -> np.ndarray:
        """Simple moving average of the close over ``window`` rows; NaN until ``window`` closes are known."""
        key = ("sma", symbol, window)
        cache = self._universe.indicator_cache
        if key not in cache:
            close = self._close(symbol)
            out = np.full(len(close), np.nan)
            if window <= len(close):
                sums = np.convolve(np.nan_to_num(close), np.ones(window), mode="valid")
                out[window - 1 :] = sums / window
                valid = np.convolve((~np.isnan(close)).astype(float), np.ones(window), mode="valid") == window
                out[window - 1 :][~valid] = np.nan
            out.flags.writeable = False
            cache[key] = out
        return cache[key]

    def _close(self, symbol: str) -> np.ndarray:
        panel = self._universe.panel
        column: np.ndarray = panel.fields["close"][:, panel.column(symbol)]
        return column


class SignalFollower:
    """Long ``symbol`` at ``weight`` by precomputed signals (bool arrays over the panel's rows).

    ``enter[t]``/``leave[t]`` must be computed from rows up to ``t`` only, like any indicator a
    Model reads; the Model looks at the entry of the latest row its Round knows, never later.
    """

    name = "signal-follower"

    def __init__(
        self, symbol: str, enter: np.ndarray, leave: np.ndarray, weight: Decimal | int | str = Decimal(1)
    ) -> None:
        self.symbol = symbol
        self.enter = np.asarray(enter, dtype=bool)
        self.leave = np.asarray(leave, dtype=bool)
        if self.enter.shape != self.leave.shape or self.enter.ndim != 1:
            raise InvalidInputError("signals: enter and leave must be 1-d arrays of the same length")
        self.weight = signal_weight(weight)

    def wake(self, signals: Signals) -> Wake | None:
        if len(self.enter) != signals.rows:
            return None
        return Wake(self.enter, self.leave, (self.symbol,))

    def decide(self, ctx: RoundContext) -> list[Action] | None:
        latest = ctx.universe.rows - 1
        if latest < 0 or any(state.move.symbol == self.symbol for state in ctx.open_moves):
            return None
        held = ctx.quantity(self.symbol)
        if self.enter[latest] and not held:
            return [Move.target(self.symbol, self.weight, reason=f"enter signal at row {latest}")]
        if self.leave[latest] and held > 0:
            return [Move.sell(self.symbol, sell_all=True, reason=f"leave signal at row {latest}")]
        return None


def signal_weight(value: Decimal | int | str) -> Decimal:
    """A weight in (0, 1] as an exact decimal (a float is read through its shortest form)."""
    try:
        weight = Decimal(value if isinstance(value, Decimal | int) else str(value))
    except (InvalidOperation, ValueError, TypeError):
        raise InvalidInputError(f"signals: weight must be a number in (0, 1], got {value!r}") from None
    if not (weight.is_finite() and Decimal(0) < weight <= 1):
        raise InvalidInputError(f"signals: weight must be in (0, 1], got {value}")
    return weight
