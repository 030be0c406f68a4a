"""The owner's other questions as analyses of a results frame: crash stress, slower trading and
the small fish's capacity. Pure: pandas and numpy in, no I/O.

* ``crash_stress``: Games started in windows before a crash (by default before the 2008 and the
  2020 crashes; the windows are parameters): per window and arm, how many ended catastrophic,
  completed, perfect (and model exits, errors), and the distribution of their maximum drawdown
  and score, beside the same numbers for the Games started outside every window.
* ``schedule_comparison``: the same Model at hourly, daily, weekly and monthly Rounds (the
  ``schedule`` coordinate): score after costs and taxes with a block-bootstrap interval, fees,
  taxes, trades and turnover (when the results carry ``turnover``), and the paired difference to
  the most frequent schedule over the start dates both have.
* ``capacity_curve``: score, return and turnover by Start Fund; where the results carry
  ``capped_fills`` (fills the volume cap cut), the share of Games with any, their mean number
  and the first fund at which the share is over zero: where the cap starts to bind.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date

import numpy as np
import pandas as pd

from tradegame.experiments.analysis_frame import arm_without
from tradegame.experiments.analysis_seasonality import block_codes
from tradegame.experiments.analysis_stats import block_bootstrap_means

__all__ = [
    "CRASH_WINDOWS",
    "OUTCOMES",
    "capacity_curve",
    "crash_stress",
    "mean_interval",
    "paired_difference",
    "schedule_comparison",
]

CRASH_WINDOWS: Mapping[str, tuple[date, date]] = {
    "before 2008": (date(2007, 7, 2), date(2008, 9, 12)),  # from the summer of 2007 to the eve of Lehman
    "before 2020": (date(2019, 7, 1), date(2020, 2, 19)),  # to the S&P 500's peak before COVID-19
}
"""Start-date windows before the 2008 and the 2020 crashes (inclusive); ``crash_stress`` takes others."""

OUTCOMES = ("catastrophic", "completed", "perfect", "model_exit", "error")
QUANTILES = (0.0, 0.05, 0.25, 0.5, 0.75, 0.95, 1.0)
_SCHEDULE_ORDER = ("hourly", "daily", "weekly", "monthly")


def _distribution(values: pd.Series) -> dict[str, float] | None:
    clean = values.dropna().to_numpy(dtype=np.float64)
    if not len(clean):
        return None
    points = np.quantile(clean, QUANTILES)
    names = ("min", "p5", "p25", "median", "p75", "p95", "max")
    return {"mean": float(clean.mean()), **{name: float(v) for name, v in zip(names, points, strict=True)}}


def _outcome_summary(games: pd.DataFrame) -> dict[str, object]:
    counts = games["outcome"].value_counts()
    return {
        "games": len(games),
        "outcomes": {name: int(counts.get(name, 0)) for name in OUTCOMES},
        "max_drawdown": _distribution(games["max_drawdown"]) if "max_drawdown" in games else None,
        "score": _distribution(games["score"]) if "score" in games else None,
    }


def crash_stress(frame: pd.DataFrame, windows: Mapping[str, tuple[date, date]] = CRASH_WINDOWS) -> dict[str, object]:
    """Outcome counts and drawdown distributions of the Games started in each window, per arm."""
    starts = frame["start"].dt.date
    inside = pd.Series(False, index=frame.index)
    result: dict[str, object] = {"windows": {}}
    for name, (first, last) in windows.items():
        picked = (starts >= first) & (starts <= last)
        inside |= picked
        arms = {str(arm): _outcome_summary(games) for arm, games in frame[picked].groupby("arm", sort=True)}
        note = "" if arms else f"no Game of this experiment starts between {first} and {last}"
        result["windows"][name] = {"from": first.isoformat(), "to": last.isoformat(), "arms": arms, "note": note}  # type: ignore[index]
    others = {str(arm): _outcome_summary(games) for arm, games in frame[~inside].groupby("arm", sort=True)}
    result["outside"] = {"arms": others}
    return result


def _schedule_key(label: str) -> tuple[int, str]:
    return (_SCHEDULE_ORDER.index(label), label) if label in _SCHEDULE_ORDER else (len(_SCHEDULE_ORDER), label)


def mean_interval(games: pd.DataFrame, value: str, block: str | int) -> dict[str, float]:
    """The mean of ``games[value]`` with its block-bootstrap 95% interval (blocks of start dates)."""
    picked = games[games[value].notna()]
    values = picked[value].to_numpy(dtype=np.float64)
    if not len(values):
        return {"mean": math.nan, "low": math.nan, "high": math.nan}
    blocks = block_codes(picked["start"], block)
    boot = block_bootstrap_means(values, np.zeros(len(values), dtype=np.int64), blocks, n_groups=1)
    return {"mean": float(boot.means[0]), "low": float(boot.low[0]), "high": float(boot.high[0])}


def paired_difference(
    games: pd.DataFrame, column: str, arm: str, reference: str, block: str | int, value: str = "score"
) -> dict[str, float] | None:
    """Mean ``value`` of the Games whose ``column`` is ``arm`` minus those whose ``column`` is
    ``reference``, over the start dates both have, with a block-bootstrap interval; None when
    ``arm`` is the reference or they share no start date."""
    if arm == reference:
        return None
    table = games.pivot_table(index="start", columns=column, values=value, aggfunc="mean")
    if arm not in table or reference not in table:
        return None
    both = table[[arm, reference]].dropna()
    if both.empty:
        return None
    difference = (both[arm] - both[reference]).to_numpy(dtype=np.float64)
    blocks = block_codes(pd.Series(both.index), block)
    boot = block_bootstrap_means(difference, np.zeros(len(difference), dtype=np.int64), blocks, n_groups=1)
    return {"starts": len(both), "mean": float(boot.means[0]), "low": float(boot.low[0]), "high": float(boot.high[0])}


def schedule_comparison(frame: pd.DataFrame, *, block: str | int = "year") -> dict[str, object]:
    """Per arm (all coordinates but the start and the schedule): each schedule's numbers."""
    played = frame[frame["outcome"] != "error"]
    arms_of = arm_without(played, "schedule")
    result: dict[str, object] = {}
    for arm, games in played.groupby(arms_of, sort=True):
        schedules = sorted(games["schedule"].unique(), key=_schedule_key)
        if len(schedules) < 2:
            continue
        rows = []
        for schedule in schedules:
            picked = games[games["schedule"] == schedule]
            row: dict[str, object] = {
                "schedule": schedule or "as in the base Game",
                "games": len(picked),
                "score": mean_interval(picked, "score", block),
                "median_score": float(picked["score"].median()),
                "fees": float(picked["fees"].mean()),
                "taxes": float(picked["taxes"].mean()),
                "trades": float(picked["trades"].mean()),
                "turnover": float(picked["turnover"].mean()) if "turnover" in picked else None,
                "versus_most_frequent": paired_difference(games, "schedule", schedule, schedules[0], block),
            }
            rows.append(row)
        result[str(arm)] = {"reference": schedules[0] or "as in the base Game", "schedules": rows}
    carries = "turnover" in frame and frame["turnover"].notna().any()
    note = "" if carries else "turnover is not in these results: trades per Game stand in for it"
    return {"arms": result, "note": note}


def _cap_counts(frame: pd.DataFrame) -> pd.Series | None:
    """Each Game's fills the volume cap cut (``capped_fills``; older results' ``volume_capped``
    as 0 or 1), None when the results do not say."""
    if "capped_fills" in frame.columns and frame["capped_fills"].notna().any():
        return pd.to_numeric(frame["capped_fills"])
    if "volume_capped" in frame.columns:
        return frame["volume_capped"].astype(bool).astype(float)
    return None


def capacity_curve(frame: pd.DataFrame) -> dict[str, object]:
    """Per arm (all coordinates but the start and the Start Fund): the numbers by Start Fund."""
    played = frame[frame["outcome"] != "error"]
    capped = _cap_counts(played)
    arms_of = arm_without(played, "start_fund")
    result: dict[str, object] = {}
    for arm, games in played.groupby(arms_of, sort=True):
        funds = sorted(games["start_fund_amount"].dropna().unique())
        if len(funds) < 2:
            continue
        rows = []
        for fund in funds:
            picked = games[games["start_fund_amount"] == fund]
            row: dict[str, object] = {
                "start_fund": float(fund),
                "games": len(picked),
                "mean_score": float(picked["score"].mean()),
                "mean_return": float(picked["total_return"].mean()),
                "median_return": float(picked["total_return"].median()),
                "fees": float(picked["fees"].mean()),
                "turnover": float(picked["turnover"].mean()) if "turnover" in picked else None,
            }
            if capped is not None:
                cut = capped[picked.index]
                row["capped_share"] = float((cut > 0).mean())
                row["capped_fills"] = float(cut.mean())
            rows.append(row)
        binds = next((row["start_fund"] for row in rows if row.get("capped_share", 0.0)), None)
        result[str(arm)] = {"funds": rows, "cap_binds_from": binds if capped is not None else None}
    note = (
        "the volume cap limits the Model's orders only: the end's sales take the whole bar"
        if capped is not None
        else "these results do not say whether the volume cap cut any order"
    )
    return {"arms": result, "note": note}
