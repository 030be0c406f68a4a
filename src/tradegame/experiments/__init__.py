"""Experiments: populations of Games from one base Game and axes to expand, run on all cores.

From Python, the same as an experiment file::

    from tradegame.experiments import Experiment, Length, LocalPool, ModelAxis, StartDates
    from tradegame.experiments import prepare_experiment, run_experiment

    experiment = Experiment("winter", base=game_document, starts=StartDates(first, last, every=5),
                            lengths=(Length(years=1),), models=(ModelAxis("buy-and-hold"),))
    prepared = prepare_experiment(experiment, store)           # checked, data loaded, Games planned
    run_experiment(prepared, db, LocalPool(workers=2))          # one row per Game in the database

``UniverseFilter("cheap", price=(Decimal(0), Decimal(50)))`` in ``universes=`` is an
``[[axes.universe]]`` table: each Game trades (and its Model sees) the symbols it picks at its start.

``load_experiment(path)`` reads an experiment TOML file (``examples/experiments/``). Modules:
``spec`` (the values), ``reading`` (the file's tables), ``plan`` (the expansion, ids and seeds;
pure), ``prepare`` (checks needing code and data), ``shared`` (memory-mapped data), ``worker``
(one Game), ``runner`` (the backend interface and the local process pool), ``ray_backend``
(``RayCluster``: the same Games on Ray, an optional extra), ``replay``, ``universes`` (the
filters), ``sweeping`` (SMA Games on arrays).
"""

from tradegame.experiments.plan import PlannedGame, expand, experiment_id, game_document
from tradegame.experiments.prepare import Prepared, load_experiment, prepare_experiment
from tradegame.experiments.reading import ExperimentFileError, read_experiment
from tradegame.experiments.replay import replay_experiment_game
from tradegame.experiments.runner import Backend, LocalPool, RunSummary, default_workers, run_experiment
from tradegame.experiments.spec import Experiment, Length, ModelAxis, StartDates, UniverseFilter

__all__ = [
    "Backend",
    "Experiment",
    "ExperimentFileError",
    "Length",
    "LocalPool",
    "ModelAxis",
    "PlannedGame",
    "Prepared",
    "RunSummary",
    "StartDates",
    "UniverseFilter",
    "default_workers",
    "expand",
    "experiment_id",
    "game_document",
    "load_experiment",
    "prepare_experiment",
    "read_experiment",
    "replay_experiment_game",
    "run_experiment",
]
