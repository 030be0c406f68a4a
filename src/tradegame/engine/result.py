"""What a played Game hands back: its outcome, Score, books, event log and the values of its Rounds."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from tradegame.domain.positions import Books
from tradegame.engine.events import GameEvent
from tradegame.engine.log import ResultEvents
from tradegame.engine.score import Score
from tradegame.engine.spec import GameSpec
from tradegame.engine.training import TrainedVersion
from tradegame.engine.valuation import Outcome

__all__ = ["GameResult"]


@dataclass
class GameResult:
    """A played Game: its outcome (and the Round and reason), Score, books, event log, the time and
    value of each Round played, the hash of its data and, for a trainable Model, its versions."""

    spec: GameSpec
    outcome: Outcome
    outcome_round: int
    outcome_reason: str
    score: Score
    books: Books
    if TYPE_CHECKING:
        events: list[GameEvent]
    else:  # the list, built from the Game's log when first read (log.py)
        events: ResultEvents = ResultEvents()
    times: np.ndarray  # int64 ns of each Round played
    values: np.ndarray  # the Game's value after each Round
    data_hash: str
    game_id: int | None = None  # its id in the database it was recorded in (``tradegame.play(..., db=...)``)
    training: tuple[TrainedVersion, ...] = ()  # a trainable Model's versions, oldest first (engine/training.py)

    def events_jsonl(self) -> str:
        return "".join(json.dumps(e.as_json(), sort_keys=True) + "\n" for e in self.events)

    def ledger_jsonl(self) -> str:
        """Every journal entry, one JSON object per line (amounts as decimal strings)."""
        lines = []
        for entry in self.books.entries:
            postings = [
                [p.account, p.commodity, str(p.units), None if p.value is None else str(p.value)]
                for p in entry.postings
            ]
            lines.append(
                json.dumps(
                    {
                        "op": entry.op_id,
                        "seq": entry.seq,
                        "ts": entry.timestamp.isoformat(),
                        "kind": entry.kind,
                        "narration": entry.narration,
                        "postings": postings,
                    },
                    sort_keys=True,
                )
            )
        return "\n".join(lines) + "\n"
