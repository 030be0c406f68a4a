"""Quiet Rounds: how a Model tells the engine on which Rounds it might act, so the rest are skipped.

A Model may offer ``wake(signals) -> Wake | None``. ``signals`` gives trailing indicators
computed once over the whole panel (the value at row ``t`` uses rows up to ``t`` only, like
the Model's own view at a Round whose latest bar is ``t``). ``Wake.when_flat[t]`` says the Model
might act at a Round whose latest known row is ``t`` while the Game holds nothing and has no open
Move; ``Wake.when_holding[t]`` the same while it holds something. On every other Round the
Model promises to do nothing, so the engine skips calling it, values those Rounds on arrays and
goes straight to the next Round that matters (an awake one, a new tax year, the last Round).
The results are the same as calling the Model every Round: tests play the built-in Models both
ways and compare the logs and ledgers byte for byte. A wrong ``wake`` can only make a Model
miss Rounds, never let it see later data: ``decide`` still gets the point-in-time view.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tradegame.engine.universe import Universe

__all__ = ["Signals", "Wake"]


@dataclass(frozen=True)
class Wake:
    """Per panel row: whether the Model might act when flat, and when holding (bool arrays).

    "Holding" means holding any of ``symbols`` (any symbol at all when ``symbols`` is empty).
    """

    when_flat: np.ndarray
    when_holding: np.ndarray
    symbols: tuple[str, ...] = ()


class Signals:
    """Trailing indicators over a whole panel, cached on the Universe (shared by every Game on it)."""

    def __init__(self, universe: Universe) -> None:
        self._universe = universe

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
