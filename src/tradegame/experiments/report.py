"""A stored experiment's report: read its rows from the store, state its universe, run the
analyses (``experiments.analysis``) and hand them to ``reporting.experiment_report`` to draw.

``experiment_analyses(db, experiment_id)`` is the JSON form ``tradegame experiment report
--json`` prints. ``universe_of`` states the universe from the stored definition: the datasets
and symbols of its base Game, and the selection date and survivorship risk from its
``universe`` table, unless the caller gives them. This module is the glue: ``experiments`` sits
above ``app``, ``reporting`` and ``store`` in the layers, so it may read the store and call the
renderer, which may not import the analyses.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from tradegame.data.datasets import CATALOG
from tradegame.experiments.analysis import UNSTATED_SURVIVORSHIP, UniverseNote, analyse
from tradegame.experiments.analysis_frame import results_frame
from tradegame.experiments.analysis_questions import CRASH_WINDOWS
from tradegame.experiments.analysis_seasonality import SeasonalityOptions
from tradegame.store.database import Database
from tradegame.store.experiments import experiment_rows, load_experiment_record

__all__ = ["experiment_analyses", "universe_of"]

Json = Mapping[str, Any]


def universe_of(
    definition: Json, *, selection_date: str | None = None, survivorship: str | None = None
) -> UniverseNote:
    """The universe of an experiment from its stored definition; the arguments override it."""
    base = definition.get("base") if isinstance(definition.get("base"), Mapping) else {}
    parts = []
    for data in base.get("data") or []:  # type: ignore[union-attr]
        name = str(data.get("dataset", data.get("path", "?")))
        known = CATALOG.get(name)
        about = f" ({known.info.description})" if known is not None else ""
        symbols = ", ".join(str(s) for s in data.get("symbols") or []) or "all symbols"
        parts.append(f"dataset {name}{about}: {symbols}")
    stated = definition.get("universe") or base.get("universe") or {}  # type: ignore[union-attr]
    stated = stated if isinstance(stated, Mapping) else {}
    chosen = selection_date or stated.get("selected") or stated.get("selection_date")
    return UniverseNote(
        "; ".join(parts) or "the base Game's data",
        str(chosen) if chosen else None,
        survivorship or str(stated.get("survivorship") or UNSTATED_SURVIVORSHIP),
    )


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
