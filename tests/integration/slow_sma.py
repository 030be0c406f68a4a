"""A Model for the tests that kill a real ``tradegame play`` part-way: the SMA crossover, asked at
every Round (no ``wake``) and slowed by ``DELAY`` seconds a Round.

A Game is played and recorded in a fraction of a second (its Rounds committed together, see
``store.recorder``), too fast for a test to stop its process between two commits; slowed, the
same books take seconds, so a kill lands in the middle of the Game. The tests play their
reference Games with this Model too, so they compare like with like.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from tradegame.engine.context import RoundContext
from tradegame.engine.moves import Action
from tradegame.engine.wake import Signals, Wake
from tradegame.models.sma import SmaCrossover

DELAY = 0.002


class SlowSma(SmaCrossover):
    """``SmaCrossover``, deciding at every Round, ``DELAY`` seconds each."""

    name = "slow-sma-crossover"

    def wake(self, signals: Signals) -> Wake | None:
        return None

    def decide(self, ctx: RoundContext) -> list[Action] | None:
        time.sleep(DELAY)
        return super().decide(ctx)


def slowed(game_file: Path, folder: Path) -> Path:
    """A copy of ``game_file`` in ``folder`` that plays this Model (copied beside it) instead of ``sma-crossover``."""
    text = game_file.read_text()
    assert 'name = "sma-crossover"' in text, game_file
    shutil.copy(Path(__file__), folder / "slow_sma.py")
    path = folder / game_file.name
    path.write_text(text.replace('name = "sma-crossover"', 'name = "slow_sma.py:SlowSma"'))
    return path
