"""Playing one planned Game of an experiment: what every worker (a process of the pool, or a Ray
task) runs.

``Job`` is everything a worker needs, picklable and small: the experiment (its base Game with the
data pinned), the folder its Models are found from, and the shared data (``experiments.shared``).
``start_worker`` opens the data once per process; ``play_planned`` plays a batch of Games from
their coordinates and returns each one's result row (outcome, the Score's parts as exact decimal
strings, the key metrics). In a batch, the Games that fit the sweep engine (the built-in SMA
crossover; ``experiments.sweeping``) are played on arrays, those that differ only in their pair in
one sweep; the rest, and any the sweep refuses, through the Round loop (``Worker.play``, which
plays any Game that way). The rows are the same either way (the tests compare every field).
A Game of a universe plays on a sub-universe of the symbols it picked (``Worker.universe_of``):
its Model sees nothing else (the sweep builds no Model context: it reads its symbol's columns).
A Game whose Model raises, or that cannot start (the checks before a run set up only the first
and the last Games of each length), is a row with outcome ``error`` and the message: the same
coordinates fail the same way, so a rerun does not try it again.

With ``Job.keep_books`` (``--keep-books``) every Game goes through the Round loop (a sweep keeps
no books), gathering its rows as ``tradegame play`` stores them (``store.recorder.BookCollector``);
its row carries them (``store.experiments.KeptGame``, under ``"books"``) to the parent, which
writes the row and the books in one transaction. A Game of a universe keeps a definition whose
``[[data]]`` tables read only the symbols it saw (``universes.visible_data``): replayed from it
(``tradegame report``, ``resume``), it plays on the same data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from tradegame.app.models import FoundModel, find_model
from tradegame.app.play import Played, summary
from tradegame.data.errors import DataError
from tradegame.domain.errors import InvalidInputError
from tradegame.engine.context import Model
from tradegame.engine.game import Game, ModelError
from tradegame.engine.gamefile import GameFile, dump_game, parse_game
from tradegame.engine.training_records import decay_points
from tradegame.engine.universe import Universe
from tradegame.experiments.plan import PlannedGame, canonical, game_document
from tradegame.experiments.shared import SharedUniverse, open_universe
from tradegame.experiments.spec import Experiment
from tradegame.experiments.sweeping import SweepGroup, SweepSignals, group_for, sweep_group
from tradegame.experiments.universes import game_symbols, picked_universe, visible_data
from tradegame.models.sma import SmaCrossover
from tradegame.store.experiments import KeptGame
from tradegame.store.recorder import BookCollector

__all__ = ["Job", "Row", "Worker", "batch_size", "batches", "play_planned", "start_worker"]

Row = tuple[PlannedGame, dict[str, object]]  # a Game and its result row

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
    keep_books: bool = False  # every Game through the Round loop, its row carrying its books


@dataclass
class Worker:
    """A process's state: the job, its data opened once, the Models found so far."""

    job: Job
    universe: Universe
    models: dict[str, FoundModel] = field(default_factory=dict)
    signals: SweepSignals | None = None  # the SMA signals computed so far, for the sweep
    built: dict[str, Model] = field(default_factory=dict)  # Models built for the sweep's check, by name and params
    narrowed: dict[tuple[str, ...], Universe] = field(default_factory=dict)  # sub-universes, by their symbols
    kept_universes: int = 64  # at most this many sub-universes at a time

    def game_file(self, game: PlannedGame) -> GameFile:
        """The Game file of ``game``: the base with its coordinates applied."""
        return parse_game(game_document(self.job.experiment, game), f"game {game.game_id}")

    def found(self, name: str) -> FoundModel:
        """The Model named ``name``, found from the experiment's folder once."""
        found = self.models.get(name)
        if found is None:
            found = self.models[name] = find_model(name, Path(self.job.folder))
        return found

    def play_many(self, games: Sequence[PlannedGame]) -> list[Row]:
        """Play ``games``, each in the sweep where it fits, else through the Round loop; each with its
        row, in any order (with ``Job.keep_books``: all through the Round loop, with their books)."""
        if self.job.keep_books:
            return [(game, self.play(game)) for game in games]
        rows: list[Row] = []
        groups: list[SweepGroup] = []
        for game in games:
            try:
                game_file = self.game_file(game)
                swept = group_for(groups, game, game_file, self._model_of(game_file))
            except (InvalidInputError, DataError):  # the Round loop writes the same error row
                swept = False
            if not swept:
                rows.append((game, self.play(game)))
        if self.signals is None:
            self.signals = SweepSignals(self.universe)
        for group in groups:
            try:
                rows.extend(self._kept(game, row) for game, row in sweep_group(group, self.signals))
            except (InvalidInputError, DataError):  # refused by the sweep, or cannot start
                rows.extend((game, self.play(game)) for game, _, _ in group.games)
        return rows

    def _model_of(self, game_file: GameFile) -> Model | None:
        """The Model of ``game_file`` as built for the sweep to read its parameters (once per name and
        parameters; the sweep never plays it), or None for a Model the sweep cannot play (never
        built here: a Model of the user's is built only by the Round loop, once per Game)."""
        if self.found(game_file.model).constructor is not SmaCrossover:
            return None
        key = canonical([game_file.model, game_file.model_params])
        model = self.built.get(key)
        if model is None:
            model = self.built[key] = self.found(game_file.model).build(game_file.model_params)
        return model

    def universe_of(self, game: PlannedGame, game_file: GameFile) -> Universe:
        """The data ``game`` plays on: for a Game of a universe (``[[axes.universe]]``), only the
        symbols it picked (and what its Positions, accounts and rates need: ``game_symbols``), so
        its Model sees nothing else; one sub-universe per distinct set of symbols; else all."""
        if "universe" not in game.coordinates:
            return self.universe
        symbols = game_symbols(self.universe, game_file.spec, game_file.spec.symbols)
        found = self.narrowed.get(symbols)
        if found is None:
            if len(self.narrowed) >= self.kept_universes:
                self.narrowed.clear()
            found = self.narrowed[symbols] = picked_universe(self.universe, game_file.spec)
        return found

    @staticmethod
    def _kept(game: PlannedGame, row: dict[str, object]) -> Row:
        """A swept Game's row, with the fields the Round loop's row has (a swept Model trains nothing)."""
        return game, {name: row[name] for name in _KEPT} | {"decay": None}

    def play(self, game: PlannedGame) -> dict[str, object]:
        """Play ``game`` through the Round loop; its result row (with ``Job.keep_books``, its books
        under ``"books"``)."""
        try:
            game_file = self.game_file(game)
            found = self.found(game_file.model)
            universe = self.universe_of(game, game_file)
            played = Game(game_file.spec, universe, found.build(game_file.model_params))
        except (InvalidInputError, DataError) as error:  # this Game cannot start (a date past the data)
            return {"outcome": "error", "error": f"cannot start: {error}"}
        collector = BookCollector() if self.job.keep_books else None
        try:
            result = played.run(collector)
        except ModelError as error:
            return {"outcome": "error", "error": str(error)}
        row = summary(Played(game_file, result, universe))
        kept: dict[str, object] = {name: row[name] for name in _KEPT}
        kept["decay"] = decay_points(result.training)  # a trainable Model's, for the report's average curve
        if collector is not None:
            if "universe" in game.coordinates:  # its definition reads only the symbols it saw
                game_file = replace(game_file, spec=visible_data(game_file.spec, self.universe))
            source = found.source
            kept["books"] = KeptGame(
                game_file.spec.name, dump_game(game_file), game_file.model, game_file.model_params,
                universe.panel.content_hash, len(played.times), source.kind, source.ref, source.path, source.sha256,
                collector.books,
            )  # fmt: skip
        return kept


_WORKER: list[Worker] = []  # this process's Worker, set by start_worker


def start_worker(job: Job) -> None:
    """A pool process's initializer: open the shared data once."""
    _WORKER[:] = [Worker(job, open_universe(job.shared))]


def play_planned(games: Sequence[PlannedGame]) -> list[Row]:
    """Play ``games`` in this process (after ``start_worker``): each Game and its result row."""
    return _WORKER[0].play_many(games)


def batches(games: Sequence[PlannedGame], size: int) -> list[list[PlannedGame]]:
    """``games`` in batches of at most ``size``, those that differ only in their Model's parameters
    side by side in one batch (where one sweep can play them; a group larger than ``size`` is cut),
    in the order of each group's first Game."""
    groups: dict[str, list[PlannedGame]] = {}
    for game in games:
        shared = {key: value for key, value in game.coordinates.items() if key != "params"}
        groups.setdefault(canonical(shared), []).append(game)
    out: list[list[PlannedGame]] = []
    batch: list[PlannedGame] = []
    for members in groups.values():
        for start in range(0, len(members), size):
            part = members[start : start + size]
            if len(batch) + len(part) > size:
                out.append(batch)
                batch = []
            batch.extend(part)
    if batch:
        out.append(batch)
    return out


def batch_size(games: int, workers: int) -> int:
    """Games per batch: a few per worker and batch over the run (the window in flight stays small
    enough that a kill loses little), never fewer than 8 (a sweep plays a group at once)."""
    return max(8, min(32, games // (workers * 8)))
