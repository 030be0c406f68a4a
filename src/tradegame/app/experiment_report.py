"""Reading a stored experiment and answering the owner's questions from it: the glue between the
store (``store.experiments``) and the analyses (``experiments.analysis``, drawn by
``reporting.experiment_report``), which may not import each other.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from tradegame.experiments.analysis import analyse
from tradegame.experiments.analysis_frame import results_frame
from tradegame.experiments.analysis_questions import CRASH_WINDOWS
from tradegame.experiments.analysis_seasonality import SeasonalityOptions
from tradegame.reporting.experiment_report import universe_of
from tradegame.store.database import Database
from tradegame.store.experiments import experiment_rows, load_experiment_record

__all__ = ["experiment_analyses"]


def experiment_analyses(
    db: Database,
    experiment_id: str,
    *,
    selection_date: str | None = None,
    survivorship: str | None = None,
    windows: Mapping[str, tuple[date, date]] = CRASH_WINDOWS,
    options: SeasonalityOptions | None = None,
) -> dict[str, object]:
    """Every analysis of a stored experiment (raises ``ExperimentNotFoundError`` for a wrong id)."""
    record = load_experiment_record(db, experiment_id)
    definition = record["definition"] if isinstance(record["definition"], Mapping) else {}
    universe = universe_of(definition, selection_date=selection_date, survivorship=survivorship)
    frame = results_frame(experiment_rows(db, experiment_id))
    planned = int(str(record["game_count"]))
    head = {"id": experiment_id, "name": record["name"], "games_planned": planned, "games_stored": len(frame)}
    return {"experiment": head, **analyse(frame, universe, windows=windows, options=options)}
