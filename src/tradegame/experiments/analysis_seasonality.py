"""Seasonality: does it matter when a Game starts? Score and return by start month, weekday and
day of the month, per arm (Games that differ only in their start date).

For each grouping and metric: each group's mean with a block-bootstrap interval (blocks are the
calendar years of the start dates by default, or runs of ``block`` days) and a circular-shift
test of whether the groups differ (``analysis_stats``). The three groupings' p-values of one
metric are one family, corrected by Holm's method; "evidence" means a Holm-adjusted p below
``alpha``. The wording says as plainly when there is no evidence, and what that does not show.
A month x weekday table of the mean feeds the heatmap. Pure: pandas and numpy in, no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from tradegame.experiments.analysis_stats import (
    IntArray,
    block_bootstrap_means,
    effective_sample_size,
    holm,
    rotation_test,
)

__all__ = ["GROUPINGS", "MONTHS", "WEEKDAYS", "SeasonalityOptions", "block_codes", "seasonality", "seasonality_arm"]

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
GROUPINGS = ("month", "weekday", "day_of_month")
_LENGTH = re.compile(r"^(?:(?P<y>\d+)y)?(?:(?P<m>\d+)m)?(?:\d+d)?$")  # "1y", "1y6m"; Rounds never match
_PLURALS = {"month": "months", "weekday": "weekdays", "day_of_month": "days of the month"}
METRIC_NAMES = {"score": "score", "total_return": "return"}


@dataclass(frozen=True)
class SeasonalityOptions:
    """How the statistics are made: ``block`` is ``"year"`` (calendar year of the start) or a number
    of days (runs of that many days from the first start); ``alpha`` the family-wise error rate."""

    metrics: tuple[str, ...] = ("score", "total_return")
    block: str | int = "year"
    alpha: float = 0.05
    draws: int = 999
    max_agreement: float = 0.5
    resamples: int = 2000
    seed: int = 0


def block_codes(starts: pd.Series, block: str | int) -> IntArray:
    """Each start date's block: its calendar year, or its run of ``block`` days from the first."""
    if block == "year":
        return np.asarray(starts.dt.year.to_numpy(), dtype=np.int64)
    days = np.asarray((starts - starts.min()).dt.days.to_numpy(), dtype=np.int64)
    return days // int(block)


def _group_codes(starts: pd.Series, grouping: str) -> tuple[IntArray, tuple[str, ...]]:
    if grouping == "month":
        return np.asarray(starts.dt.month.to_numpy(), dtype=np.int64) - 1, MONTHS
    if grouping == "weekday":
        return np.asarray(starts.dt.day_of_week.to_numpy(), dtype=np.int64), WEEKDAYS
    return np.asarray(starts.dt.day.to_numpy(), dtype=np.int64) - 1, tuple(str(day) for day in range(1, 32))


def _wording(metric: str, grouping: str, found: dict[str, Any], alpha: float, blocks: int, ess: float) -> str:
    name, what = METRIC_NAMES.get(metric, metric), grouping.replace("_", " ")
    p = float(found["p_adjusted"])
    groups = [g for g in found["groups"] if g["games"]]
    if len(groups) < 2:
        return f"Not tested: the {name} by start {what} has fewer than two groups with Games."
    top = max(groups, key=lambda g: g["mean"])
    low = min(groups, key=lambda g: g["mean"])
    spread = f"highest {top['label']} ({top['mean']:,.4g}), lowest {low['label']} ({low['mean']:,.4g})"
    if found["evidence"]:
        return (
            f"Evidence that the {name} differs by start {what}: Holm-adjusted p = {p:.3g} < {alpha:g}; "
            f"{spread}. The same groups come out ahead across the {blocks} blocks more often than chance allows."
        )
    return (
        f"No evidence that the {name} differs by start {what}: Holm-adjusted p = {p:.3g} >= {alpha:g}; "
        f"{spread}. Differences this large arise by chance among Games whose dates overlap "
        f"({blocks} blocks, effective sample size about {ess:,.0f} Games). This does not show that the "
        f"{_PLURALS.get(grouping, what)} are equal: effects smaller than the intervals' width "
        "cannot be seen in this data."
    )


def _long_games_note(arm: pd.DataFrame) -> str:
    """A caution when the Games last a year or more: each start month's Games then cover every month."""
    lengths = set(arm["length"]) if "length" in arm.columns else set()
    found = [_LENGTH.match(str(label)) for label in lengths]
    if not found or not all(m and int(m["y"] or 0) * 12 + int(m["m"] or 0) >= 12 for m in found):
        return ""
    return (
        "These Games last a year or more, so the Games of every start month together cover the same "
        "period: their mean results can differ only by what happens at its two ends, and the start-month "
        "test is conservative here (its null does not reproduce that). Shorter Games ask the question "
        "more sharply."
    )


def _heatmap(arm: pd.DataFrame, metric: str) -> dict[str, object]:
    months = np.asarray(arm["start"].dt.month.to_numpy(), dtype=np.int64) - 1
    weekdays = np.asarray(arm["start"].dt.day_of_week.to_numpy(), dtype=np.int64)
    values = arm[metric].to_numpy(dtype=np.float64)
    cell = months * 7 + weekdays
    count = np.bincount(cell, minlength=84).reshape(12, 7)
    total = np.bincount(cell, weights=values, minlength=84).reshape(12, 7)
    shown = [day for day in range(7) if count[:, day].any()]
    return {
        "metric": metric,
        "rows": list(MONTHS),
        "columns": [WEEKDAYS[day] for day in shown],
        "mean": [[float(total[m, d] / count[m, d]) if count[m, d] else None for d in shown] for m in range(12)],
        "games": [[int(count[m, d]) for d in shown] for m in range(12)],
    }


def seasonality_arm(arm: pd.DataFrame, options: SeasonalityOptions) -> dict[str, object]:
    """The seasonality analysis of one arm's Games."""
    arm = arm.sort_values("start", kind="stable")
    blocks = block_codes(arm["start"], options.block)
    block_count = len(np.unique(blocks))
    unit = "calendar year of the start" if options.block == "year" else f"{options.block} days of starts"
    ess: dict[str, float] = {}
    groupings: dict[str, dict[str, dict[str, Any]]] = {grouping: {} for grouping in GROUPINGS}
    for index, metric in enumerate(options.metrics):
        values = arm[metric].to_numpy(dtype=np.float64)
        ess[metric] = effective_sample_size(values)
        tests = []
        for grouping in GROUPINGS:
            codes, labels = _group_codes(arm["start"], grouping)
            boot = block_bootstrap_means(
                values, codes, blocks, n_groups=len(labels), resamples=options.resamples, seed=options.seed + index
            )
            test = rotation_test(
                values, codes, blocks, draws=options.draws, seed=options.seed, max_agreement=options.max_agreement
            )
            groups = [
                {"label": label, "games": int(boot.counts[g]), "mean": float(boot.means[g]),
                 "low": float(boot.low[g]), "high": float(boot.high[g])}
                for g, label in enumerate(labels) if boot.counts[g]
            ]  # fmt: skip
            found: dict[str, Any] = {"groups": groups, "statistic": test.statistic, "p_value": test.p_value,
                                     "null_draws": test.permutations}  # fmt: skip
            groupings[grouping][metric] = found
            tests.append(found)
        for found, adjusted in zip(tests, holm([float(t["p_value"]) for t in tests]), strict=True):
            found["p_adjusted"] = adjusted
            found["evidence"] = adjusted < options.alpha
        for grouping, found in zip(GROUPINGS, tests, strict=True):
            found["wording"] = _wording(metric, grouping, found, options.alpha, block_count, ess[metric])
    return {
        "games": len(arm),
        "blocks": block_count,
        "block_unit": unit,
        "effective_sample_size": ess,
        "groupings": groupings,
        "heatmap": _heatmap(arm, options.metrics[0]),
        "note": _long_games_note(arm),
    }


def seasonality(frame: pd.DataFrame, options: SeasonalityOptions | None = None) -> dict[str, object]:
    """The seasonality analysis of every arm of ``frame`` (``analysis_frame.results_frame``)."""
    options = options or SeasonalityOptions()
    played = frame[frame["outcome"] != "error"].dropna(subset=["start", *options.metrics])
    arms = {str(name): seasonality_arm(arm, options) for name, arm in played.groupby("arm", sort=True)}
    return {
        "method": (
            f"Means with {options.resamples:,}-resample block-bootstrap 95% intervals (whole blocks resampled); "
            "a test of whether the groups' means differ that slides each block's calendar labels against the "
            f"Games' results by a random offset ({options.draws:,} draws), so the overlap of Games' dates is kept; "
            "Holm's correction over the three groupings of each metric, "
            f"family-wise error rate {options.alpha:g}. "
            "An i.i.d. bootstrap over overlapping Games would invent effects."
        ),
        "alpha": options.alpha,
        "correction": "holm",
        "block": options.block,
        "metrics": list(options.metrics),
        "arms": arms,
    }
