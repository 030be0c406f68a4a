"""The version of the engine's rules: which books a Game gets from the same definition and data.

Games are deterministic, so a stored Game can be played again and must end with the books it
was stored with; that holds only while the rules that turn Moves, prices and costs into books
stay the same. When a change makes the same Game end with other books, ``ENGINE_RULES`` goes up
by one and ``RULES`` says what changed. The Game store records the number with each Game, and
``tradegame report`` and ``resume`` replay only Games of the running rules; a Game of other
rules is shown from its stored books (see ``tradegame.store`` and ``tradegame.app.play``).

Imports nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

__all__ = ["ENGINE_RULES", "RULES"]

ENGINE_RULES = 3
"""The rules this engine plays by."""

RULES: Mapping[int, str] = MappingProxyType(
    {
        1: "the first rules (Games stored before the store recorded a rules version)",
        2: (
            "the rules of issue 12: running costs an account cannot pay become debts; the end-of-Game "
            "liquidation fills at the next open by the fill rule; one volume cap per symbol and bar, "
            "shared by its Moves; target weights are sized at fill prices; mixed-currency instruments"
        ),
        3: (
            "cash and debts in another currency than the Game's are valued at the rate known at each Round "
            "(quiet Rounds too), not at the rate of the last booking, so Round values, exits and metrics "
            "follow the FX series; a target weight is sized with the rates known at its fill"
        ),
    }
)
"""What each rules version changed, by version."""
