"""Expanding an experiment into its Games: the cartesian product of its axes.

Each expanded Game (``PlannedGame``) has coordinates: a JSON-able mapping with one entry per axis
the experiment has (``start``, ``length``, ``model`` and ``params``, ``schedule``, ``hour``,
``fees``, ``slippage``, ``start_fund``, ``universe``). A Game of a universe also carries the
``symbols`` its universe picked at its start (``experiments.universes``, after the expansion:
they are not part of its id, which the filter already fixes).

Its id is the SHA-256 of the coordinates' canonical JSON (sorted keys, no spaces), first 16 hex
digits: the same coordinates give the same id in any run, order or process. Its seed is derived
from the experiment's seed and that canonical text, so adding a value to an axis changes no
other Game's seed. The product runs in axis order (start dates
outermost), so Games are listed by start date.

``game_document`` writes a planned Game as a Game file's document (the base with its
coordinates applied); ``engine.gamefile.parse_game`` reads it with every check of a Game file.
An ``hour`` becomes ``round_times``: H:00 UTC of every weekday from the start to the day before
the end (or as many weekdays as the Game's Rounds). ``symbols`` become the Game's ``symbols``
and, unless the Model's parameters name ``symbols`` or ``symbol``, its ``symbols`` parameter.
Pure: standard library only, no I/O; the sessions a start-date axis picks from are handed in.
"""

from __future__ import annotations

import calendar
import copy
import hashlib
import itertools
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import cast

from tradegame.experiments.spec import Experiment, Length, ModelAxis, StartDates, UniverseFilter

__all__ = [
    "PlannedGame",
    "add_span",
    "axes_of",
    "canonical",
    "expand",
    "experiment_id",
    "game_document",
    "jsonable",
    "length_of",
    "model_variants",
    "select_starts",
    "universe_table",
]

_LENGTH = re.compile(r"^(?:(?P<r>\d+)r|(?:(?P<y>\d+)y)?(?:(?P<m>\d+)m)?(?:(?P<d>\d+)d)?)$")
_SCHEDULE_KEYS = ("schedule", "round_times", "round_intervals", "round_interval_days", "round_growth")


@dataclass(frozen=True)
class PlannedGame:
    """One Game of an experiment: its stable id, its seed and its coordinates."""

    game_id: str
    seed: int
    coordinates: Mapping[str, object]


def jsonable(value: object) -> object:
    """``value`` with dates as ISO strings, Decimals as strings and tuples as lists (for JSON)."""
    if isinstance(value, Mapping):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def canonical(value: object) -> str:
    """The canonical JSON text of ``value`` (sorted keys, no spaces): what ids are hashes of."""
    return json.dumps(jsonable(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def axes_of(experiment: Experiment) -> dict[str, object]:
    """The experiment's axes by name (what its id hashes and its stored definition keeps)."""
    axes: dict[str, object] = {
        "starts": experiment.starts.__dict__ if experiment.starts else None,
        "lengths": [length.__dict__ for length in experiment.lengths],
        "models": [model.__dict__ for model in experiment.models],
        "schedules": experiment.schedules,
        "fees": experiment.fees,
        "slippage": experiment.slippage,
        "start_funds": experiment.start_funds,
    }
    if experiment.hours:  # only when given: the ids of experiments without these axes stay as they were
        axes["hours"] = experiment.hours
    if experiment.universes:
        axes["universes"] = [universe_table(universe) for universe in experiment.universes]
    return axes


def experiment_id(experiment: Experiment) -> str:
    """``name-<12 hex>``: the name and a hash of the base Game, the axes and the seed."""
    axes = axes_of(experiment)
    text = canonical({"base": experiment.base, "axes": axes, "seed": experiment.seed, "name": experiment.name})
    return f"{experiment.name}-{_digest(text)[:12]}"


def select_starts(starts: StartDates, sessions: Sequence[date]) -> list[date]:
    """The start dates ``starts`` picks among ``sessions`` (every session of its range, in order).

    With explicit ``dates``, those (sorted, each once); the caller checks they are sessions.
    """
    if starts.dates:
        return sorted(set(starts.dates))
    chosen = [day for day in sessions if not starts.weekdays or day.weekday() in starts.weekdays]
    if starts.session_of_month is not None:
        by_month: dict[tuple[int, int], list[date]] = {}
        for day in chosen:
            by_month.setdefault((day.year, day.month), []).append(day)
        nth = starts.session_of_month
        index = nth - 1 if nth > 0 else nth
        chosen = [days[index] for days in by_month.values() if -len(days) <= index < len(days)]
    return chosen[:: starts.every]


def add_span(start: date, length: Length) -> date:
    """``start`` plus ``length``'s years and months (the day clamped to the month's last) and days."""
    months = start.year * 12 + start.month - 1 + length.years * 12 + length.months
    year, month = divmod(months, 12)
    day = min(start.day, calendar.monthrange(year, month + 1)[1])
    return date(year, month + 1, day) + timedelta(days=length.days)


def model_variants(model: ModelAxis) -> list[dict[str, object]]:
    """Every parameter set of ``model``: its fixed params with one value of each grid parameter."""
    names = sorted(model.grid)
    variants = []
    for values in itertools.product(*(model.grid[name] for name in names)):
        variants.append({**dict(model.params), **dict(zip(names, values, strict=True))})
    return variants


def universe_table(universe: UniverseFilter) -> dict[str, object]:
    """A universe as its coordinate: its name and the filters it sets (bands as decimal strings)."""
    table: dict[str, object] = {"name": universe.name}
    for key in ("price", "traded_value"):
        band = getattr(universe, key)
        if band is not None:
            table[key] = [str(band[0]), str(band[1])]
    if universe.traded_value is not None:
        table["window"] = universe.window
    for key, values in (("asset_class", universe.asset_classes), ("sector", universe.sectors),
                        ("market", universe.markets), ("currency", universe.currencies)):  # fmt: skip
        if values:
            table[key] = list(values)
    return table


def expand(experiment: Experiment, start_dates: Sequence[date] = ()) -> list[PlannedGame]:
    """Every Game of ``experiment``, the product of its axes; ``start_dates`` are the starts
    (``select_starts``), ignored when the experiment has no start-date axis."""
    axes: list[tuple[str, list[object]]] = []
    if experiment.starts is not None:
        axes.append(("start", [day.isoformat() for day in start_dates]))
    if experiment.lengths:
        axes.append(("length", [length.label for length in experiment.lengths]))
    if experiment.models:
        pairs = [{"model": m.name, "params": v} for m in experiment.models for v in model_variants(m)]
        axes.append(("model", list(pairs)))
    for key, values in (
        ("schedule", experiment.schedules),
        ("hour", experiment.hours),
        ("fees", experiment.fees),
        ("slippage", experiment.slippage),
        ("start_fund", experiment.start_funds),
        ("universe", tuple(universe_table(universe) for universe in experiment.universes)),
    ):
        if values:
            axes.append((key, [jsonable(value) for value in values]))
    planned = []
    for picked in itertools.product(*(values for _, values in axes)):
        coordinates: dict[str, object] = {}
        for (key, _), value in zip(axes, picked, strict=True):
            coordinates.update(cast(dict[str, object], value) if key == "model" else {key: value})
        text = canonical(coordinates)
        seed = int(_digest(f"{experiment.seed}|{text}")[:7], 16)  # below 2**28: any SQL integer holds it
        planned.append(PlannedGame(_digest(text)[:16], seed, coordinates))
    return planned


def game_document(experiment: Experiment, game: PlannedGame) -> dict[str, object]:
    """The Game file document of ``game``: the base with its coordinates and seed applied."""
    document = dict(experiment.base)  # a new top level; every table changed below is a new one too
    table = dict(_table(document.get("game")))
    document["game"] = table
    table["seed"] = game.seed
    where = game.coordinates
    if "start" in where:
        _move_start(table, date.fromisoformat(str(where["start"])))
    if "length" in where:
        _set_length(table, length_of(str(where["length"])))
    if "model" in where:
        document["model"] = {"name": where["model"], "params": copy.deepcopy(where["params"])}
        document.pop("activator", None)  # a base Game played by an [activator] plays this Model instead
    if "schedule" in where:
        for key in _SCHEDULE_KEYS:
            table.pop(key, None)
        schedule = where["schedule"]
        table.update(dict(schedule) if isinstance(schedule, Mapping) else {"schedule": schedule})
    for key in ("fees", "slippage"):
        if key in where:
            accounts = [dict(_table(a)) for a in _list(document.get("accounts"))] or [{"name": "main"}]
            for account in accounts:
                account[key] = copy.deepcopy(where[key])
            document["accounts"] = accounts
    if "start_fund" in where:
        table["start_fund"] = where["start_fund"]
    if "hour" in where:
        _act_at_hour(table, int(str(where["hour"])))
    if "symbols" in where:
        _set_symbols(document, table, list(_list(where["symbols"])))
    return document


def _act_at_hour(table: dict[str, object], hour: int) -> None:
    """Rounds at ``hour``:00 UTC of each weekday from the start to the day before the end (or of
    as many weekdays as the Game has Rounds)."""
    for key in _SCHEDULE_KEYS:
        table.pop(key, None)
    start, end = _day(table.get("start")), _day(table.get("end"))
    rounds = table.get("rounds")
    if start is None:
        return  # the Game file's reader names the missing start
    times: list[str] = []
    day = start
    while (end is not None and day < end) or (end is None and isinstance(rounds, int) and len(times) < rounds):
        if day.weekday() < 5:
            times.append(datetime(day.year, day.month, day.day, hour, tzinfo=UTC).isoformat())
        day += timedelta(days=1)
    table["round_times"] = times


def _set_symbols(document: dict[str, object], table: dict[str, object], symbols: list[object]) -> None:
    """The Game trades ``symbols``; its Model gets them unless its parameters name its symbols."""
    table["symbols"] = symbols
    model = dict(_table(document.get("model")))
    params = dict(_table(model.get("params")))
    if "symbols" not in params and "symbol" not in params:
        params["symbols"] = list(symbols)
        document["model"] = {**model, "params": params}


def length_of(label: str) -> Length:
    """The ``Length`` a label such as ``"1y6m"``, ``"30d"`` or ``"250r"`` names; ``ValueError`` if none."""
    found = _LENGTH.match(label)
    if found is None or all(int(g or 0) == 0 for g in found.groups()):
        raise ValueError(label)
    if found["r"]:
        return Length(rounds=int(found["r"]))
    return Length(int(found["y"] or 0), int(found["m"] or 0), int(found["d"] or 0))


def _move_start(table: dict[str, object], start: date) -> None:
    """A new start; the base's length is kept (its rounds, or its days from start to end)."""
    old_start, old_end = _day(table.get("start")), _day(table.get("end"))
    table["start"] = start.isoformat()
    if "rounds" not in table and old_start is not None and old_end is not None:
        table["end"] = (start + (old_end - old_start)).isoformat()


def _set_length(table: dict[str, object], length: Length) -> None:
    start = _day(table.get("start"))
    if length.rounds is not None:
        table.pop("end", None)
        table["rounds"] = length.rounds
    elif start is not None:
        table.pop("rounds", None)
        table["end"] = add_span(start, length).isoformat()


def _day(value: object) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10]) if value is not None else None
    except ValueError:
        return None


def _table(value: object) -> Mapping[str, object]:
    return value if isinstance(value, Mapping) else {}


def _list(value: object) -> Iterator[object]:
    yield from value if isinstance(value, list) else ()
