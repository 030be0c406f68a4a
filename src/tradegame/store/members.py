"""The rows of ``member_values``: each Model's time-weighted record under an Activator
(``TrainsMembers.member_values``), one row per Model and session, gathered Round by Round by the
recorder (``members_of`` once, then ``member_value_rows``) and read back by Model (``member_records``).

Imports numpy and ``tradegame.engine.training`` (inside the functions that need them) only.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, MutableMapping
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:  # numpy and the Round loop are not needed to read or write rows
    import numpy as np

    from tradegame.engine.game import Game
    from tradegame.engine.training import TrainsMembers

__all__ = ["MemberValueRow", "member_records", "member_value_rows", "members_of"]


class MemberValueRow(NamedTuple):
    """A Model's time-weighted record after one of its sessions under an Activator (``None`` for NaN)."""

    alias: str
    session: int  # 0: its first session (value 1.0)
    round: int  # the Round whose commit wrote it
    value: float | None


def members_of(game: Game) -> TrainsMembers | None:
    """``game``'s Model when it plays over other Models (an Activator), else None (asked once per Game)."""
    from tradegame.engine.training import TrainsMembers

    owner = game.model
    return owner if isinstance(owner, TrainsMembers) else None


def member_value_rows(
    owner: TrainsMembers | None, round_index: int, seen: MutableMapping[str, int]
) -> list[MemberValueRow]:
    """The sessions each Model under ``owner`` (``members_of``) recorded since ``seen`` (sessions per
    Model already gathered, which does not move), stamped ``round_index``, by Model name and session;
    empty without an Activator."""
    if owner is None:
        return []
    rows: list[MemberValueRow] = []
    for alias in sorted(owner.members_to_train()):
        start = seen.get(alias, 0)
        values = owner.member_values(alias, start).tolist()
        rows += [MemberValueRow(alias, session, round_index, None if math.isnan(value) else value)
                 for session, value in enumerate(values, start=start)]  # fmt: skip
    return rows


def member_records(rows: Iterable[MemberValueRow]) -> dict[str, np.ndarray]:
    """Each Model's record by its name, in session order (NaN for a stored NULL)."""
    import numpy as np

    by_alias: dict[str, list[float]] = {}
    for row in sorted(rows, key=lambda row: (row.alias, row.session)):
        by_alias.setdefault(row.alias, []).append(math.nan if row.value is None else row.value)
    return {alias: np.array(values, dtype=np.float64) for alias, values in by_alias.items()}
