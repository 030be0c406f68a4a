"""Experiment rows written a batch at a time: one transaction, all of the batch or none of it."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from tradegame.store import open_database
from tradegame.store.errors import DatabaseError
from tradegame.store.experiments import (
    experiment_rows,
    finished_games,
    record_experiment_game,
    record_experiment_games,
    save_experiment,
)


def result(score: str) -> dict[str, object]:
    return {"outcome": "completed", "rounds": 3, "score": score, "traded_value": "10.05", "sharpe": 0.5}


def test_a_batch_is_written_whole_or_not_at_all(make_url: Callable[[], str]) -> None:
    with open_database(make_url()) as db:
        save_experiment(db, "e-1", "e", {"name": "e"}, ".", 5)
        assert record_experiment_games(db, "e-1", []) == 0
        written = record_experiment_games(db, "e-1", [(f"g{i}", {"start": f"2004-01-0{i}"}, i, result(f"{i}.25"))
                                                      for i in (1, 2)])  # fmt: skip
        assert written == 2 and finished_games(db, "e-1") == {"g1", "g2"}
        # g2 has a row: the batch g3, g2, g4 is refused whole, and g3 and g4 are not written either.
        with pytest.raises(DatabaseError):
            record_experiment_games(db, "e-1", [(key, {}, 9, result("9")) for key in ("g3", "g2", "g4")])
        assert finished_games(db, "e-1") == {"g1", "g2"}
        record_experiment_game(db, "e-1", "g3", {"start": "2004-01-03"}, 3, result("3.25"))
        rows = experiment_rows(db, "e-1")
    assert [row["game_key"] for row in rows] == ["g1", "g2", "g3"]
    assert [row["score"] for row in rows] == [Decimal("1.25"), Decimal("2.25"), Decimal("3.25")]
    assert rows[1]["coordinates"] == {"start": "2004-01-02"} and rows[1]["seed"] == 2
    assert rows[0]["traded_value"] == Decimal("10.05") and rows[0]["sharpe"] == 0.5
    assert rows[0]["finished_at"] == rows[1]["finished_at"]  # one transaction, one time
