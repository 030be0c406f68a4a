"""The results frame the analyses read: one row per Game, from the experiment's stored rows.

``results_frame(rows)`` turns ``store.experiments.experiment_rows`` (or any mappings of the same
shape) into a pandas frame: the Game's id (``game_key`` or ``game_id``, as the store names it),
``start`` (a Timestamp), the coordinates as columns (``length``, ``model``, ``params``,
``schedule``, ``hour``, ``fee_model``, ``slippage_model``, ``start_fund``, ``universe`` (its
name), ``training`` (``training_label``: ``"L=1y c=0d every=monthly"``), each as a short
label; ``start_fund_amount`` the number), the outcome and the Score's parts, metrics and trading
numbers (``traded_value``, ``turnover``, ``capped_fills``) as floats
(statistics, not books: the exact decimals stay in the database). Other columns a row carries
are kept as they are. ``arm`` labels every
coordinate except the start date: Games of one arm differ only in when they start.
``arm_without(frame, *axes)`` is the same label with more axes left out (e.g. the schedule, to
compare schedules within an arm). Pure: pandas in, no I/O.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping

import pandas as pd

__all__ = ["AXES", "NUMBER_COLUMNS", "arm_without", "results_frame", "training_label"]

AXES = {
    "length": "length", "model": "model", "params": "params", "schedule": "schedule", "hour": "hour",
    "fees": "fee_model", "slippage": "slippage_model", "start_fund": "start_fund", "universe": "universe",
    "training": "training",
}  # fmt: skip
"""The coordinates besides the start date (in the order an arm's label lists them): their columns."""

NUMBER_COLUMNS = (
    "start_capital", "final_value", "gross_profit", "fees", "running_costs", "taxes", "score",
    "total_return", "cagr", "max_drawdown", "sharpe", "rounds", "trades", "outcome_round", "traded_value",
    "turnover", "capped_fills",
)  # fmt: skip


def _label(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        return ", ".join(f"{key}={_label(item)}" for key, item in sorted(value.items()))
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_label(item) for item in value) + "]"
    return json.dumps(value, default=str)


def training_label(value: object) -> str:
    """A training coordinate as ``"L=1y c=0d every=monthly"`` (its other keys after, as key=value)."""
    if not isinstance(value, Mapping):
        return _label(value)
    short = {"length": "L", "cutoff": "c"}
    first = [f"{short[key]}={_label(value[key])}" for key in ("length", "cutoff") if key in value]
    rest = [f"{key}={_label(item)}" for key, item in sorted(value.items()) if key not in short]
    return " ".join(first + rest)


def _coordinate(axis: str, value: object) -> str:
    if axis == "universe" and isinstance(value, Mapping):
        return _label(value.get("name"))
    return training_label(value) if axis == "training" else _label(value)


def results_frame(rows: Iterable[Mapping[str, object]]) -> pd.DataFrame:
    """One row per Game (see the module's docstring); Games with outcome ``error`` are kept."""
    records = []
    for row in rows:
        coordinates = row.get("coordinates")
        where = coordinates if isinstance(coordinates, Mapping) else {}
        record: dict[str, object] = {key: value for key, value in row.items() if key != "coordinates"}
        record["start"] = where.get("start")
        record["symbols"] = where.get("symbols")  # what a Game's universe picked at its start
        for axis, column in AXES.items():
            record[column] = _coordinate(axis, where.get(axis))
        record["start_fund_amount"] = float(str(where["start_fund"])) if where.get("start_fund") is not None else None
        records.append(record)
    frame = pd.DataFrame.from_records(records)
    if frame.empty:
        empty = pd.DataFrame(columns=["start", "outcome", "arm", "start_fund_amount", *AXES.values(), *NUMBER_COLUMNS])
        return empty.astype(
            {"start": "datetime64[ns]", "start_fund_amount": float, **dict.fromkeys(NUMBER_COLUMNS, float)}
        )
    frame["start"] = pd.to_datetime(frame["start"])
    for column in NUMBER_COLUMNS:
        if column in frame.columns:
            frame[column] = pd.to_numeric(frame[column].map(lambda v: None if v is None else float(str(v))))
    for column in AXES.values():
        if column not in frame.columns:
            frame[column] = ""
    if frame["start_fund_amount"].isna().all() and "start_capital" in frame.columns:
        frame["start_fund_amount"] = frame["start_capital"]
    frame["arm"] = arm_without(frame)
    key = [column for column in ("game_key", "game_id") if column in frame.columns][:1]  # the store's id column
    return frame.sort_values(["arm", "start", *key], kind="stable").reset_index(drop=True)


def arm_without(frame: pd.DataFrame, *axes: str) -> pd.Series:
    """Each Game's arm label: its coordinates except the start and ``axes`` (column names), as
    ``column=value; ...`` over the coordinates that vary (``"all"`` when none does)."""
    kept = [column for column in AXES.values() if column not in axes and column in frame.columns]
    varying = [axis for axis in kept if frame[axis].nunique(dropna=False) > 1]
    if not varying:
        return pd.Series(["all"] * len(frame), index=frame.index, dtype=object)
    parts = frame[varying].astype(str)
    labels = parts.apply(lambda row: "; ".join(f"{axis}={row[axis]}" for axis in varying if row[axis]), axis=1)
    return labels.replace("", "all").astype(object)
