"""A trainable Model's version records (``TrainedVersion``), their monthly out-of-sample scores
(``month_scores``), and the same records read back from a Game's decision log (a stored Game keeps
no other trace of them: no table of their own; under an Activator, the store keeps each Model's
time-weighted record, ``member_values``, its versions are scored on).

``trained_detail`` writes the ``trained`` line (engine/training.py logs it) and ``records_from_log``
reads the lines of a Game back as ``TrainedVersion``s, with each version's monthly scores
recomputed from the Round values (``month_scores``), as a Game just played gives them, except that
the hashes are the log's 16-character prefixes. Imports numpy and the
training spec only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Final

import numpy as np

from tradegame.engine.training_spec import TRAINING_COST_NAME, TrainingSpec

__all__ = [
    "MonthScore",
    "TrainedVersion",
    "decay_curve",
    "decay_points",
    "held_to",
    "month_scores",
    "records_from_log",
    "trained_detail",
]


@dataclass(frozen=True, slots=True)
class MonthScore:
    """A version's out-of-sample return in one calendar month (``months_since`` its training month)."""

    month: str  # YYYY-MM
    months_since: int
    rounds: int  # the Rounds whose return counts in it
    value: float  # the compounded return of the Game's value over them

    def as_json(self) -> dict[str, object]:
        return {"month": self.month, "months_since": self.months_since, "rounds": self.rounds, "return": self.value}


@dataclass(frozen=True)
class TrainedVersion:
    """One trained version of the Model: when, on what, what it learned, and how it did after."""

    version: int
    round: int  # the Round it was trained at (and went live)
    trained_at: str  # the Round's time, ISO 8601 UTC
    reason: str
    first_row: str  # the label of the first and last row it was trained on (ISO 8601 UTC)
    last_row: str
    rows: int
    data_hash: str
    params_hash: str
    cost: Decimal | None = None
    last_round: int | None = None  # the last Round whose return it earned
    retired_reason: str | None = None  # why it was retired early (expiry), if it was
    months: tuple[MonthScore, ...] = ()
    model: str | None = None  # the Model's name under an Activator (its ``as``); None for the Game's Model

    @property
    def label(self) -> str:
        """``version 3``, or ``sma version 3`` under an Activator."""
        return f"version {self.version}" if self.model is None else f"{self.model} version {self.version}"

    def as_json(self) -> dict[str, object]:
        return {
            **({} if self.model is None else {"model": self.model}),
            "version": self.version,
            "round": self.round,
            "trained_at": self.trained_at,
            "reason": self.reason,
            "span": {"first": self.first_row, "last": self.last_row, "rows": self.rows},
            "data_hash": self.data_hash,
            "params_hash": self.params_hash,
            "cost": None if self.cost is None else str(self.cost),
            "last_round": self.last_round,
            "retired": self.retired_reason,
            "months": [month.as_json() for month in self.months],
        }


def month_scores(
    values: np.ndarray, times: np.ndarray, first: int, last: int, trained_ns: int
) -> tuple[MonthScore, ...]:
    """The monthly returns of ``values`` over Rounds ``first + 1`` to ``last`` (each Round's return
    from the one before, in the month of its time), months counted from ``trained_ns``'s month.
    A return after a value of zero or less is left out."""
    if last <= first:
        return ()
    rounds = np.arange(first + 1, last + 1)
    before, after = values[rounds - 1], values[rounds]
    with np.errstate(invalid="ignore", divide="ignore"):
        growth = np.where(before > 0, after / before, np.nan)
    months = times[rounds].astype("datetime64[ns]").astype("datetime64[M]").astype(np.int64)
    trained = int(np.datetime64(int(trained_ns), "ns").astype("datetime64[M]").astype(np.int64))
    out: list[MonthScore] = []
    starts = np.flatnonzero(np.r_[True, months[1:] != months[:-1]])
    for begin, end in zip(starts, [*starts[1:], len(rounds)], strict=True):
        part = growth[begin:end]
        part = part[np.isfinite(part)]
        month = int(months[begin])
        label = f"{1970 + month // 12:04d}-{month % 12 + 1:02d}"
        out.append(MonthScore(label, month - trained, int(end - begin), float(np.prod(part)) - 1.0))
    return tuple(out)


def held_to(own: np.ndarray, rounds: int) -> np.ndarray:
    """A Model's record under an Activator over a Game of ``rounds`` Rounds: cut to them, its last
    value held to the end (NaN throughout when it has none)."""
    own = own[:rounds]
    return np.concatenate([own, np.full(rounds - len(own), own[-1] if len(own) else np.nan)])


def decay_curve(versions: Iterable[TrainedVersion]) -> tuple[list[int], list[float], list[int]]:
    """The mean monthly return by months since training over ``versions`` that have that month:
    the months, the means and how many versions each mean is over."""
    by_month: dict[int, list[float]] = {}
    for version in versions:
        for month in version.months:
            by_month.setdefault(month.months_since, []).append(month.value)
    months = sorted(by_month)
    return months, [sum(by_month[m]) / len(by_month[m]) for m in months], [len(by_month[m]) for m in months]


def decay_points(versions: Sequence[TrainedVersion]) -> list[dict[str, object]] | None:
    """A Game's decay curve as an experiment row keeps it: per Model (``None``: the Game's own;
    else its name under the Activator) and month since training, the mean return of its versions
    and how many; None when nothing was trained."""
    if not versions:
        return None
    out: list[dict[str, object]] = []
    for model in dict.fromkeys(version.model for version in versions):
        months, means, counts = decay_curve(v for v in versions if v.model == model)
        out += [{"model": model, "months_since": m, "return": r, "versions": n}
                for m, r, n in zip(months, means, counts, strict=True)]  # fmt: skip
    return out


_MODEL: Final = r"(?:(?P<model>[A-Za-z][A-Za-z0-9_-]*): )?"  # the member's alias under an Activator
_TRAINED: Final = re.compile(
    "^"
    + _MODEL
    + r"version (?P<version>\d+) \((?P<reason>.*)\): rows (?P<first>\S+)\.\.(?P<last>\S+) \((?P<rows>\d+); "
    r"length \S+, cutoff \S+\); params (?P<params>\w+), data (?P<data>\w+)$"
)
_RETIRED: Final = re.compile("^" + _MODEL + r"version (?P<version>\d+) retired: (?P<why>.*)$")
_SHOWN: Final = 16  # hash characters in the log


def model_prefix(model: str | None) -> str:
    """What starts a training line of the log of a Model under an Activator (``sma: ``)."""
    return "" if model is None else f"{model}: "


def trained_detail(record: TrainedVersion, spec: TrainingSpec) -> str:
    """The decision-log line of a new version (``records_from_log`` reads it back)."""
    length = "all" if spec.length is None else str(spec.length)
    return (
        f"{model_prefix(record.model)}version {record.version} ({record.reason}): "
        f"rows {record.first_row}..{record.last_row} "
        f"({record.rows}; length {length}, cutoff {spec.cutoff}); params {record.params_hash[:_SHOWN]}, "
        f"data {record.data_hash[:_SHOWN]}"
    )


def records_from_log(
    events: Iterable[tuple[int, str, str, str | None, str]],
    times: np.ndarray,
    values: np.ndarray,
    members: Mapping[str, np.ndarray] | None = None,
) -> list[TrainedVersion]:
    """The version records of a Game from its log lines ``(round, time, kind, symbol, detail)`` and
    its Rounds' times (ns) and values, oldest first (empty for a Game whose Model does not train).
    A version of a Model under an Activator (its lines start ``alias: ``) is scored on that Model's
    own time-weighted record, ``members[alias]`` (``member_values``); without it (a Game stored
    before they were kept) it has no monthly scores."""
    found: list[dict[str, object]] = []
    retired: dict[tuple[str | None, int], tuple[int, str]] = {}
    costs: dict[int, str] = {}
    for round_index, time, kind, symbol, detail in events:
        if kind == "trained" and (match := _TRAINED.match(detail)) is not None:
            found.append({"round": round_index, "trained_at": time, **match.groupdict()})
        elif kind == "retired" and (match := _RETIRED.match(detail)) is not None:
            retired[(match["model"], int(match["version"]))] = (round_index, match["why"])
        elif kind in ("running-cost", "on-credit") and symbol == TRAINING_COST_NAME:
            costs[round_index] = detail.split(" ", 1)[0].rstrip(":")
    last = len(values) - 1
    out: list[TrainedVersion] = []
    for index, entry in enumerate(found):
        model, version, start = entry["model"], int(str(entry["version"])), int(str(entry["round"]))
        following = next((int(str(e["round"])) for e in found[index + 1 :] if e["model"] == model), last)
        end, why = retired.get((model, version), (following, None))  # type: ignore[arg-type]
        end = min(end, last)
        alias = model if isinstance(model, str) else None
        cost = costs.get(start)
        out.append(TrainedVersion(
            version, start, str(entry["trained_at"]), str(entry["reason"]), str(entry["first"]),
            str(entry["last"]), int(str(entry["rows"])), str(entry["data"]), str(entry["params"]),
            cost=None if cost is None else Decimal(cost), last_round=end, retired_reason=why,
            months=_months(alias, members or {}, values, times, start, end), model=alias,
        ))  # fmt: skip
    return out


def _months(
    model: str | None, members: Mapping[str, np.ndarray], values: np.ndarray, times: np.ndarray, start: int, end: int
) -> tuple[MonthScore, ...]:
    """A version's monthly scores: over the Game's values, or its Model's own record under an Activator."""
    if len(values) == 0:
        return ()
    if model is not None:
        if model not in members:
            return ()
        values = held_to(members[model], len(values))
    return month_scores(values, times, start, end, int(times[start]))


def stored_records(
    events: Iterable[tuple[int, datetime, str, str | None, str]],
    rounds: Iterable[tuple[datetime, float | None]],
    final_value: Decimal | None,
    members: Mapping[str, np.ndarray] | None = None,
) -> list[TrainedVersion]:
    """``records_from_log`` of a stored Game: its event rows ``(round, ts, kind, symbol, detail)``, its
    Round rows ``(ts, value)``, its final value (the last Round's value after the end's sales) and
    its Activator's Models' records by name (``store.members.member_records``)."""
    lines = [(index, ts.isoformat(), kind, symbol, detail) for index, ts, kind, symbol, detail in events]
    if not any(kind == "trained" for _, _, kind, _, _ in lines):
        return []
    pairs = list(rounds)
    times = np.array([(ts - _EPOCH) // timedelta(microseconds=1) * 1000 for ts, _ in pairs], dtype=np.int64)
    values = np.array([np.nan if value is None else value for _, value in pairs], dtype=np.float64)
    if final_value is not None and len(values):
        values[-1] = float(final_value)
    return records_from_log(lines, times, values, members)


_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
