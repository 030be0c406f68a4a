"""Every analysis of an experiment's results in one JSON-able mapping: what ``tradegame experiment
report`` prints with ``--json`` and draws as HTML.

``analyse(frame, universe)`` runs ``analysis_seasonality``, ``analysis_questions`` (crash
stress, slower trading, capacity), ``analysis_time_of_day``, ``analysis_training`` (the
out-of-sample score by training window) and the universes' summary on a
results frame (``analysis_frame.results_frame``) and puts
the universe's statement on top: the date its symbols were chosen and the survivorship risk that
choice carries (today's large caps chosen in hindsight are not a fair sample of 2008). The
caller says both (``UniverseNote``); an analysis never guesses them. Pure: no I/O.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import pandas as pd

from tradegame.experiments.analysis_frame import results_frame
from tradegame.experiments.analysis_questions import (
    CRASH_WINDOWS,
    OUTCOMES,
    capacity_curve,
    crash_stress,
    schedule_comparison,
)
from tradegame.experiments.analysis_seasonality import SeasonalityOptions, seasonality
from tradegame.experiments.analysis_time_of_day import TimeOfDayOptions, time_of_day
from tradegame.experiments.analysis_training import decay_across_games, training_windows

__all__ = ["UNSTATED_SURVIVORSHIP", "UniverseNote", "analyse", "results_frame", "universe_summary"]

UNSTATED_SURVIVORSHIP = (
    "not stated: if the symbols were chosen by what is listed or large today, Games before that date "
    "see only the survivors, and their results are biased upward"
)


@dataclass(frozen=True)
class UniverseNote:
    """What the universe of the experiment is, when it was chosen, and the survivorship risk."""

    description: str
    selection_date: str | None = None
    survivorship: str = UNSTATED_SURVIVORSHIP

    def as_dict(self) -> dict[str, object]:
        """The note as JSON."""
        sentence = (
            f"Universe: {self.description}. Selected on {self.selection_date or 'a date not recorded'}. "
            f"Survivorship risk: {self.survivorship}."
        )
        return {
            "description": self.description,
            "selection_date": self.selection_date,
            "survivorship": self.survivorship,
            "statement": sentence,
        }


def _clean(value: object) -> object:
    """NaN and infinities as ``None``, recursively: JSON has no NaN."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(key): _clean(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(item) for item in value]
    return value


SECTOR_NOTE = (
    "No bundled dataset carries a sector or an industry, so no universe of this data can be chosen by "
    "sector; listing dates are known only where a file starts at the listing (bokeh-stocks' FB and GOOG)."
)


def universe_summary(frame: pd.DataFrame) -> dict[str, object]:
    """Per universe (the ``universe`` coordinate): its Games, how many symbols each traded, and
    their mean score and return."""
    if "universe" not in frame.columns or not (frame["universe"].astype(str) != "").any():
        return {"universes": [], "note": SECTOR_NOTE}
    rows = []
    for name, games in frame[frame["outcome"] != "error"].groupby("universe", sort=True):
        counts = games["symbols"].map(lambda s: len(s) if isinstance(s, list) else 0) if "symbols" in games else None
        rows.append(
            {
                "universe": str(name),
                "games": len(games),
                "mean_symbols": float(counts.mean()) if counts is not None else None,
                "mean_score": float(games["score"].mean()),
                "mean_return": float(games["total_return"].mean()),
                "turnover": float(games["turnover"].mean()) if "turnover" in games else None,
            }
        )
    return {"universes": rows, "note": SECTOR_NOTE}


def analyse(
    frame: pd.DataFrame,
    universe: UniverseNote,
    *,
    windows: Mapping[str, tuple[date, date]] = CRASH_WINDOWS,
    options: SeasonalityOptions | None = None,
    hour_options: TimeOfDayOptions | None = None,
) -> dict[str, object]:
    """Every analysis of ``frame`` (one row per Game), with the universe's statement on top."""
    options = options or SeasonalityOptions()
    counts = frame["outcome"].value_counts()
    summary = {
        "games": len(frame),
        "arms": sorted(str(arm) for arm in frame["arm"].unique()),
        "outcomes": {name: int(counts.get(name, 0)) for name in OUTCOMES},
        "first_start": frame["start"].min().date().isoformat() if len(frame) else None,
        "last_start": frame["start"].max().date().isoformat() if len(frame) else None,
    }
    return _clean(
        {
            "universe": universe.as_dict(),
            "summary": summary,
            "seasonality": seasonality(frame, options),
            "crash_stress": crash_stress(frame, windows),
            "schedules": schedule_comparison(frame, block=options.block),
            "capacity": capacity_curve(frame),
            "time_of_day": time_of_day(frame, hour_options),
            "universes": universe_summary(frame),
            "training_windows": training_windows(frame, block=options.block),
            "training_decay": decay_across_games(frame, block=options.block),
        }
    )  # type: ignore[return-value]
