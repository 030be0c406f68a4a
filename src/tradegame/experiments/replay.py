"""Playing one Game of a stored experiment again, in full, from its coordinates.

The experiment's record keeps its base Game (data pinned) and seed; the Game's row its
coordinates and seed. ``replay_experiment_game`` rebuilds the Game file from them, plays it
through the Round loop and records it as an ordinary stored Game (its full books, decision log
and report: ``tradegame report ID``), then checks that its Score equals the experiment's row. A
Game of a universe plays on the symbols it picked, as in the run: its definition's ``[[data]]``
tables name only what it saw (``universes.visible_data``), and it is played and stored from that
definition, so that a later ``tradegame report`` or ``resume`` replays it on the same data.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy import select

from tradegame.app.checking import inspect_game
from tradegame.app.play import Played, record
from tradegame.data.store import MarketStore
from tradegame.domain.errors import InvalidInputError
from tradegame.engine.game import RoundObserver
from tradegame.engine.gamefile import GameFile, parse_game
from tradegame.experiments.plan import PlannedGame, game_document
from tradegame.experiments.spec import Experiment
from tradegame.experiments.universes import visible_data
from tradegame.store import Database
from tradegame.store.experiments import experiment_games, load_experiment_record

__all__ = ["Replayed", "replay_experiment_game", "stored_game_file"]


@dataclass(frozen=True)
class Replayed:
    stored_id: int  # the Game's id among the database's stored Games
    played: Played
    row: dict[str, object]  # the experiment's row of the Game


def stored_game_file(db: Database, experiment_id: str, game_id: str) -> tuple[GameFile, Path, dict[str, object]]:
    """The Game file of one Game of a stored experiment, the folder of its Models, and its row."""
    record = load_experiment_record(db, experiment_id)
    query = select(experiment_games).where(
        experiment_games.c.experiment_id == experiment_id, experiment_games.c.game_key == game_id
    )
    with db.read() as connection:
        found = connection.execute(query).mappings().first()
    if found is None:
        raise InvalidInputError(f"experiment {experiment_id} has no finished Game {game_id!r}")
    row = dict(found)
    definition = record["definition"]
    if not isinstance(definition, dict):
        raise InvalidInputError(f"experiment {experiment_id}: its stored definition cannot be read")
    experiment = Experiment(str(definition["name"]), definition["base"], int(definition["seed"]))
    planned = PlannedGame(game_id, int(str(row["seed"])), row["coordinates"])
    game_file = parse_game(game_document(experiment, planned), f"experiment {experiment_id} game {game_id}")
    return game_file, Path(str(record["folder"] or ".")), row


def replay_experiment_game(
    db: Database, experiment_id: str, game_id: str, store: MarketStore, observer: RoundObserver | None = None
) -> Replayed:
    """Play one Game of a stored experiment in full and record it (``observer`` sees each Round);
    refuse one whose Score differs."""
    game_file, folder, row = stored_game_file(db, experiment_id, game_id)
    pinned, game, found = inspect_game(game_file, store, folder).ready()
    coordinates = row["coordinates"]
    if isinstance(coordinates, dict) and "universe" in coordinates:  # its Model saw only its picks
        narrowed = replace(pinned, spec=visible_data(pinned.spec, game.universe))
        pinned, game, found = inspect_game(narrowed, store, folder).ready()
    stored_id, played = record(pinned, game, db, observer, model_source=found.source)
    score = played.result.score.score
    if row["outcome"] != "error" and row["score"] != score:
        raise InvalidInputError(
            f"experiment {experiment_id} game {game_id} replays to a score of {score}, not the stored "
            f"{row['score']}: the code or the data changed since it was played (stored as game {stored_id})"
        )
    return Replayed(stored_id, played, row)
