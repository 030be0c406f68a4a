"""Time of day: does it matter at which hour a Model acts? Score and return by the hour of the
Round (the ``hour`` coordinate: Games acting once a day at that hour), per arm (Games that differ
only in their start date and hour).

The Games of one start date at different hours share nearly all of their market, and Games
started on nearby dates share most of it, so neither the Games nor the start dates are
independent. The statistics respect that, as the seasonality section's do (``analysis_stats``):

* each hour's mean with a **block bootstrap** interval: whole blocks of start dates (runs of
  ``block`` days from the first start, by default three times the Games' length) are resampled,
  every Game of a drawn block kept;
* a **test** of whether the hours' means differ (the between-hour sum of squares): the null
  rotates the hour labels within each block by a random offset of its own (hour h becomes
  hour h + k, modulo the hours played), the same offset for every Game of the block. A rotation
  keeps what neighbouring hours share (8:00 and 9:00 act on nearly the same prices, 23:00 and
  0:00 too), which a shuffle of the hours would break; an effect tied to an hour lines up across
  blocks only in the data. The test reads only the Games whose span ends inside their own block,
  so that no two blocks share a market day: without that, the last Games of a block share days
  with the first of the next, the blocks' independent offsets pull them apart and the test is
  too eager. On effect-free series shaped like the shipped experiment (50 start dates, 1-month
  Games, 24 hours, neighbouring hours sharing their noise; ``tests/oracle/test_time_of_day_oracle.py``),
  at the 5% level: all Games in blocks of one length flagged 18% of 100 series, of four lengths
  7.5% of 200; only the Games inside their block, blocks of two lengths 9%, of three lengths 4%
  and 5% (two sets of 200 series), which is the default; it found a planted effect of a twelfth
  of a day's noise at four of the hours in 38 of 40 series. One year of data holds about four
  such blocks: the intervals are rough. Draws where more than ``max_agreement`` of the Games keep
  their label are dropped. The metrics' p-values are corrected together by Holm's method;
* the **effective sample size**: of the start dates (each date's mean over its hours, in date
  order), ``n / (1 + 2 sum rho_k)``: how many independent periods the data holds.

Pure: pandas and numpy in, no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from tradegame.experiments.analysis_frame import arm_without
from tradegame.experiments.analysis_stats import (
    IntArray,
    block_bootstrap_means,
    effective_sample_size,
    holm,
    rotation_test,
)

__all__ = ["TimeOfDayOptions", "hour_rotations", "time_of_day", "time_of_day_arm"]

_SPAN = re.compile(r"^(?:(?P<y>\d+)y)?(?:(?P<m>\d+)m)?(?:(?P<d>\d+)d)?$")
_NAMES = {"score": "score", "total_return": "return"}


@dataclass(frozen=True)
class TimeOfDayOptions:
    """How the statistics are made: ``block`` days of start dates per block (None:
    ``lengths_per_block`` times the Games' length), ``alpha`` the family-wise error rate over the
    metrics."""

    metrics: tuple[str, ...] = ("score", "total_return")
    block: int | None = None
    lengths_per_block: int = 3
    alpha: float = 0.05
    draws: int = 999
    max_agreement: float = 0.5
    resamples: int = 2000
    seed: int = 0


def _length_days(lengths: set[str]) -> int:
    """The longest of the Games' lengths in days, at least 7 (30 for Rounds: no calendar span)."""
    spans = []
    for label in lengths:
        found = _SPAN.match(label)
        if found and label:
            spans.append(int(found["y"] or 0) * 365 + int(found["m"] or 0) * 31 + int(found["d"] or 0))
    return max(max(spans, default=30), 7)


def hour_rotations(
    codes: IntArray, blocks: IntArray, n_hours: int, *, draws: int = 999, seed: int = 0, max_agreement: float = 0.5
) -> IntArray:
    """The null's hour labels (draws x Games): each block's codes shifted by an offset of its own,
    modulo ``n_hours``; draws where more than ``max_agreement`` of the Games keep their code are
    dropped."""
    _, block_index = np.unique(blocks, return_inverse=True)
    n_blocks = int(block_index.max()) + 1 if len(block_index) else 0
    offsets = np.random.default_rng(seed).integers(0, n_hours, size=(draws, n_blocks))
    arranged = (codes[None, :] + offsets[:, block_index.ravel()]) % n_hours
    agreement = (arranged == codes[None, :]).mean(axis=1)
    return np.asarray(arranged[agreement <= max_agreement], dtype=np.int64)


def _wording(metric: str, found: dict[str, Any], alpha: float, blocks: int, ess: float) -> str:
    name, p = _NAMES.get(metric, metric), float(found["p_adjusted"])
    groups = found["groups"]
    if len(groups) < 2:
        return f"Not tested: the {name} by the hour of the Rounds has fewer than two hours with Games."
    top, low = max(groups, key=lambda g: g["mean"]), min(groups, key=lambda g: g["mean"])
    spread = f"highest at {top['label']} ({top['mean']:,.4g}), lowest at {low['label']} ({low['mean']:,.4g})"
    if found["evidence"]:
        return (
            f"Evidence that the {name} differs by the hour the Rounds act at: Holm-adjusted p = {p:.3g} < {alpha:g}; "
            f"{spread}. The same hours come out ahead across the {blocks} blocks of start dates more often than "
            "chance allows."
        )
    return (
        f"No evidence that the {name} differs by the hour the Rounds act at: Holm-adjusted p = {p:.3g} >= {alpha:g}; "
        f"{spread}. Differences this large arise by chance among Games that share their market ({blocks} blocks, "
        f"effective sample size about {ess:,.0f} start dates). This does not show that the hours are equal: "
        "effects smaller than the intervals' width cannot be seen in this data."
    )


def time_of_day_arm(arm: pd.DataFrame, options: TimeOfDayOptions) -> dict[str, object]:
    """The time-of-day analysis of one arm's Games (columns ``start``, ``hour`` and the metrics)."""
    arm = arm.sort_values(["start", "hour_number"], kind="stable")
    hours = sorted(arm["hour_number"].unique())
    codes = np.searchsorted(np.asarray(hours), arm["hour_number"].to_numpy()).astype(np.int64)
    span = _length_days(set(arm["length"].astype(str)) if "length" in arm else set())
    block = options.block or options.lengths_per_block * span
    days = np.asarray((arm["start"] - arm["start"].min()).dt.days.to_numpy(), dtype=np.int64)
    blocks = days // int(block)
    block_count = len(np.unique(blocks))
    inside = blocks == (days + span - 1) // int(block)  # the Games whose span ends in their own block
    labels = [f"{int(hour):02d}:00" for hour in hours]
    arrangements = hour_rotations(codes[inside], blocks[inside], len(hours), draws=options.draws, seed=options.seed,
                                  max_agreement=options.max_agreement)  # fmt: skip
    by_metric: dict[str, dict[str, Any]] = {}
    ess: dict[str, float] = {}
    for index, metric in enumerate(options.metrics):
        values = arm[metric].to_numpy(dtype=np.float64)
        ess[metric] = effective_sample_size(arm.groupby("start")[metric].mean().to_numpy(dtype=np.float64))
        boot = block_bootstrap_means(values, codes, blocks, n_groups=len(hours), resamples=options.resamples,
                                     seed=options.seed + index)  # fmt: skip
        test = rotation_test(values[inside], codes[inside], blocks[inside], arrangements=arrangements)
        groups = [
            {"label": label, "hour": int(hour), "games": int(boot.counts[g]), "mean": float(boot.means[g]),
             "low": float(boot.low[g]), "high": float(boot.high[g])}
            for g, (label, hour) in enumerate(zip(labels, hours, strict=True)) if boot.counts[g]
        ]  # fmt: skip
        by_metric[metric] = {"groups": groups, "statistic": test.statistic, "p_value": test.p_value,
                             "null_draws": test.permutations}  # fmt: skip
    for found, adjusted in zip(
        by_metric.values(), holm([float(f["p_value"]) for f in by_metric.values()]), strict=True
    ):
        found["p_adjusted"] = adjusted
        found["evidence"] = adjusted < options.alpha
    for metric, found in by_metric.items():
        found["wording"] = _wording(metric, found, options.alpha, block_count, ess[metric])
    return {
        "games": len(arm),
        "start_dates": int(arm["start"].nunique()),
        "hours": [int(hour) for hour in hours],
        "blocks": block_count,
        "block_days": int(block),
        "tested_games": int(inside.sum()),
        "effective_sample_size": ess,
        "metrics": by_metric,
    }


def time_of_day(frame: pd.DataFrame, options: TimeOfDayOptions | None = None) -> dict[str, object]:
    """The time-of-day analysis of every arm of ``frame`` whose Games act at an hour."""
    options = options or TimeOfDayOptions()
    method = (
        f"Means with {options.resamples:,}-resample block-bootstrap 95% intervals (whole blocks of start dates "
        "resampled); a test of whether the hours' means differ that rotates the hour labels within each block by "
        f"a random offset ({options.draws:,} draws), keeping what neighbouring hours and nearby start dates share; "
        f"Holm's correction over the metrics, family-wise error rate {options.alpha:g}."
    )
    if "hour" not in frame.columns or not frame["hour"].astype(str).str.len().any():
        return {"method": method, "arms": {}, "note": "no Game of this experiment acts at a set hour (axes.hour)"}
    played = frame[(frame["outcome"] != "error") & (frame["hour"].astype(str) != "")].dropna(
        subset=["start", *options.metrics]
    )
    played = played.assign(hour_number=pd.to_numeric(played["hour"]).astype(np.int64))
    arms_of = arm_without(played, "hour")
    arms = {
        str(name): time_of_day_arm(games, options)
        for name, games in played.groupby(arms_of, sort=True)
        if games["hour_number"].nunique() > 1
    }
    return {"method": method, "alpha": options.alpha, "correction": "holm", "metrics": list(options.metrics),
            "arms": arms, "note": ""}  # fmt: skip
