"""Playing one planned Game of an experiment: what every worker (a process of the pool, or a Ray
task) runs.

``Job`` is everything a worker needs, picklable and small: the experiment (its base Game with the
data pinned), the folder its Models are found from, and the shared data (``experiments.shared``).
``start_worker`` opens the data once per process; ``play_planned`` plays one Game from its
coordinates and returns its result row (outcome, the Score's parts as exact decimal strings, the
key metrics). A Game whose Model raises, or that cannot start (the checks before a run set up
only the first and the last Games of each length), is a row with outcome ``error`` and the
message: the same coordinates fail the same way, so a rerun does not try it again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from tradegame.app.models import FoundModel, find_model
from tradegame.app.play import Played, summary
from tradegame.data.errors import DataError
from tradegame.domain.errors import InvalidInputError
from tradegame.engine.game import Game, ModelError
from tradegame.engine.gamefile import GameFile, parse_game
from tradegame.engine.universe import Universe
from tradegame.experiments.plan import PlannedGame, game_document
from tradegame.experiments.shared import SharedUniverse, open_universe
from tradegame.experiments.spec import Experiment

__all__ = ["Job", "Worker", "play_planned", "start_worker"]

_KEPT = (
    "outcome", "outcome_round", "rounds", "trades", "start_capital", "final_value", "gross_profit", "fees",
    "running_costs", "taxes", "score", "total_return", "cagr", "max_drawdown", "sharpe", "traded_value", "turnover",
    "capped_fills",
)  # fmt: skip


@dataclass(frozen=True)
class Job:
    """What a worker needs to play any Game of one experiment."""

    experiment: Experiment
    folder: str
    shared: SharedUniverse


@dataclass
class Worker:
    """A process's state: the job, its data opened once, the Models found so far."""

    job: Job
    universe: Universe
    models: dict[str, FoundModel] = field(default_factory=dict)

    def game_file(self, game: PlannedGame) -> GameFile:
        """The Game file of ``game``: the base with its coordinates applied."""
        return parse_game(game_document(self.job.experiment, game), f"game {game.game_id}")

    def play(self, game: PlannedGame) -> dict[str, object]:
        """Play ``game`` through the Round loop; its result row."""
        try:
            game_file = self.game_file(game)
            found = self.models.get(game_file.model)
            if found is None:
                found = self.models[game_file.model] = find_model(game_file.model, Path(self.job.folder))
            played = Game(game_file.spec, self.universe, found.build(game_file.model_params))
        except (InvalidInputError, DataError) as error:  # this Game cannot start (a date past the data)
            return {"outcome": "error", "error": f"cannot start: {error}"}
        try:
            result = played.run()
        except ModelError as error:
            return {"outcome": "error", "error": str(error)}
        row = summary(Played(game_file, result, self.universe))
        return {name: row[name] for name in _KEPT}


_WORKER: list[Worker] = []  # this process's Worker, set by start_worker


def start_worker(job: Job) -> None:
    """A pool process's initializer: open the shared data once."""
    _WORKER[:] = [Worker(job, open_universe(job.shared))]


def play_planned(game: PlannedGame) -> tuple[PlannedGame, dict[str, object]]:
    """Play ``game`` in this process (after ``start_worker``): the Game and its result row."""
    return game, _WORKER[0].play(game)
