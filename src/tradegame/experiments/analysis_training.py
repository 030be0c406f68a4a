"""The out-of-sample score by training window: ``training_windows``, one row per (L, c) of the
``training`` axis in each arm. Pure: pandas and numpy in, no I/O.

Each Game's Model is fitted walk-forward by the engine on the rows known at the Round's time minus
the cut-off c, over the training length L: every fit sees only data from before the Rounds its
version plays, so every Game's score is out of sample by construction. Per arm (all coordinates
but the start and the training window) and window: the Games, the mean score and total return
with block-bootstrap 95% intervals (blocks of start dates: whole calendar years by default), and
the paired difference of each to a reference window over the start dates both have.

``decay_across_games`` averages the Games' decay curves (each Game's row keeps its versions' mean
out-of-sample return by month since training: ``engine.training_records.decay_points``): per arm
(every coordinate but the start, so each training window apart) and Model, the mean over the
Games of their return in month k since training, with a block-bootstrap 95% interval.
"""

from __future__ import annotations

import re

import pandas as pd

from tradegame.experiments.analysis_frame import arm_without
from tradegame.experiments.analysis_questions import mean_interval, paired_difference

__all__ = ["DECAY_NOTE", "OUT_OF_SAMPLE", "decay_across_games", "training_windows"]

OUT_OF_SAMPLE = (
    "Out of sample by construction: each Game's Model is fitted only on the data before its Round "
    "minus the cut-off c (over the training length L), and scored on the Rounds after the fit."
)


DECAY_NOTE = (
    "The decay curve over the experiment: for each month k since a version was trained, each Game's mean "
    "return of its versions in their k-th month (out of sample), averaged over the Games that have one, with a "
    "block-bootstrap 95% interval over their start dates. A curve that falls with k says the Model's "
    "knowledge goes stale."
)


def _span_days(text: str) -> float:
    found = re.fullmatch(r"(\d+)([sdwmy])", text)
    if found is None:
        return float("inf")  # "all" and anything unreadable last
    per = {"s": 1.4, "d": 1.0, "w": 7.0, "m": 30.4, "y": 365.25}[found[2]]  # a session ~ 1.4 calendar days
    return int(found[1]) * per


def _window_key(label: str) -> tuple[float, float, str]:
    """Shortest training length first, then the smallest cut-off."""
    parts = dict(part.split("=", 1) for part in label.split() if "=" in part)
    return _span_days(parts.get("L", "")), _span_days(parts.get("c", "0d")), label


def training_windows(
    frame: pd.DataFrame, *, block: str | int = "year", reference: str | None = None
) -> dict[str, object]:
    """Per arm and training window (``frame["training"]``): Games, mean score and total return
    with intervals, and the paired differences to ``reference`` (default: the shortest L, then
    the smallest c)."""
    if "training" not in frame.columns or not (frame["training"].astype(str) != "").any():
        return {"arms": {}, "note": "this experiment has no training axis"}
    played = frame[frame["outcome"] != "error"]
    result: dict[str, object] = {}
    for arm, games in played.groupby(arm_without(played, "training"), sort=True):
        labels = sorted(games["training"].astype(str).unique(), key=_window_key)
        chosen = reference if reference is not None and reference in labels else labels[0]
        rows = []
        for label in labels:
            picked = games[games["training"] == label]
            rows.append(
                {
                    "training": label or "as in the base Game",
                    "games": len(picked),
                    "score": mean_interval(picked, "score", block),
                    "total_return": mean_interval(picked, "total_return", block),
                    "versus_reference": {
                        value: paired_difference(games, "training", label, chosen, block, value)
                        for value in ("score", "total_return")
                    },
                }
            )
        result[str(arm)] = {"reference": chosen, "windows": rows}
    return {"arms": result, "note": OUT_OF_SAMPLE}


def decay_across_games(frame: pd.DataFrame, *, block: str | int = "year") -> dict[str, object]:
    """Per arm and Model, the Games' mean return by month since training with an interval (see the
    module docstring); ``{"arms": {}}`` when no Game kept a decay curve."""
    if "decay" not in frame.columns:
        return {"arms": {}, "note": DECAY_NOTE}
    records = [
        {"arm": arm, "start": start, "model": point.get("model") or "", "months_since": int(point["months_since"]),
         "return": float(point["return"])}
        for arm, start, points in zip(frame["arm"], frame["start"], frame["decay"], strict=True)
        if isinstance(points, list)
        for point in points
        if isinstance(point, dict) and point.get("return") is not None
    ]  # fmt: skip
    arms: dict[str, list[dict[str, object]]] = {}
    if records:
        points = pd.DataFrame.from_records(records)
        for (arm, model), found in points.groupby(["arm", "model"], sort=True):
            months = [
                {"months_since": int(str(k)), "games": len(games), **mean_interval(games, "return", block)}
                for k, games in found.groupby("months_since", sort=True)
            ]
            arms.setdefault(str(arm), []).append({"model": model or None, "months": months})
    return {"arms": arms, "note": DECAY_NOTE}
