"""Reading an experiment's tables (a parsed TOML document) into an ``Experiment``, every problem
gathered first.

The format (``examples/experiments/*.toml`` are commented examples)::

    [experiment]     name, game (the base Game file, relative to this file), seed
    [axes.start]     from, to, every, weekdays, session_of_month | dates
    [axes]           length = ["1y", "6m", "30d", "250r"], schedule = ["daily", {round_intervals = [1, 2]}],
                     hour = [0, 13] (act once a day at that hour UTC, on intraday data),
                     fees = [{...}], slippage = [{...}], start_fund = ["1000", "100000"],
                     training = [{ length = "1y", cutoff = "0d" }, ...] (tables of [model.training] keys)
    [[axes.model]]   name, params (every Game's), grid (each parameter's values: every combination)
    [[axes.universe]] name, price = [low, high], traded_value = [low, high], window (sessions),
                     asset_class, sector, market, currency (lists: keep symbols with one of them)

Every problem is one line naming its field (``axes.length[1]: ...``), with a "did you mean" hint
for a misspelt key; an axis given with no value is refused. Each value of the schedule, fees,
slippage, Start Fund and training axes is applied to the base Game and read by the Game-file reader, so a
bad value is refused by the same rules as in a Game file, named by its axis. Models (found by
name, their parameters checked) and start dates (sessions of the calendar) are checked where the
data and the code can be reached (``experiments.prepare``).

Pure: standard library and ``tradegame.engine.gamefile`` only; no I/O.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Final

from tradegame.domain.errors import InvalidInputError
from tradegame.engine.gamefile import draft_game
from tradegame.experiments.plan import PlannedGame, game_document, jsonable, length_of
from tradegame.experiments.spec import WEEKDAYS, Experiment, Length, ModelAxis, StartDates, UniverseFilter

__all__ = ["ExperimentFileError", "read_experiment", "read_universes"]

_TOP: Final = ("experiment", "axes")
_HEAD: Final = ("name", "game", "seed")
_AXES: Final = (
    "start", "length", "model", "schedule", "hour", "fees", "slippage", "start_fund", "universe", "training",
)  # fmt: skip
_UNIVERSE: Final = ("name", "price", "traded_value", "window", "asset_class", "sector", "market", "currency")
_START: Final = ("from", "to", "every", "weekdays", "session_of_month", "dates")
_MODEL: Final = ("name", "params", "grid")


class ExperimentFileError(InvalidInputError):
    """An experiment definition with one or more problems, each naming its field."""

    def __init__(self, problems: list[str], source: str) -> None:
        self.problems, self.source = problems, source
        lines = problems[0] if len(problems) == 1 else "\n" + "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{source}: invalid experiment: {lines}")

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.problems, self.source))


def read_experiment(document: Mapping[str, object], base: Mapping[str, object], source: str) -> Experiment:
    """The ``Experiment`` of a parsed experiment document and its base Game document; raises one
    ``ExperimentFileError`` listing every problem."""
    problems: list[str] = []
    _unknown(document, _TOP, "", problems)
    head = _mapping(document.get("experiment"), "experiment", problems)
    _unknown(head, _HEAD, "experiment.", problems)
    name = head.get("name", "experiment")
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9][\w.-]{0,63}", name):
        problems.append(f"experiment.name: letters, digits, '-', '_' or '.' (at most 64), got {name!r}")
        name = "experiment"
    seed = head.get("seed", 0)
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        problems.append(f"experiment.seed: must be a whole number of at least 0, got {seed!r}")
        seed = 0
    axes = _mapping(document.get("axes"), "axes", problems)
    _unknown(axes, _AXES, "axes.", problems)
    for key, value in axes.items():
        if isinstance(value, list) and not value:
            problems.append(f"axes.{key}: is empty; give at least one value or leave the axis out")
    experiment = Experiment(
        name=name,
        base=jsonable(base),  # type: ignore[arg-type]
        seed=seed,
        starts=_starts(axes.get("start"), problems),
        lengths=tuple(_lengths(axes.get("length"), problems)),
        models=tuple(_models(axes.get("model"), problems)),
        schedules=tuple(_values(axes.get("schedule"), "schedule", (str, Mapping), problems)),  # type: ignore[arg-type]
        fees=tuple(_values(axes.get("fees"), "fees", (Mapping,), problems)),  # type: ignore[arg-type]
        slippage=tuple(_values(axes.get("slippage"), "slippage", (Mapping,), problems)),  # type: ignore[arg-type]
        start_funds=tuple(_funds(axes.get("start_fund"), problems)),
        hours=tuple(_hours(axes.get("hour"), problems)),
        universes=tuple(read_universes(axes.get("universe"), problems)),
        source=source,
        trainings=tuple(_values(axes.get("training"), "training", (Mapping,), problems)),  # type: ignore[arg-type]
    )
    if experiment.hours and experiment.schedules:
        problems.append("axes.hour: a Game acting at an hour has no other schedule; give hour or schedule, not both")
    problems += value_problems(experiment)
    if problems:
        raise ExperimentFileError(problems, source)
    return experiment


def value_problems(experiment: Experiment) -> list[str]:
    """The base Game's problems, then each axis value's, read by the Game-file reader on the base."""
    base = draft_game(experiment.base, "game")
    problems = [f"experiment.game: {problem}" for problem in base.problems]
    known = set(base.problems)
    axes = (
        ("schedule", experiment.schedules),
        ("fees", experiment.fees),
        ("slippage", experiment.slippage),
        ("start_fund", experiment.start_funds),
        ("training", experiment.trainings),
    )
    for key, values in axes:
        for index, value in enumerate(values):
            game = PlannedGame("check", 0, {key: jsonable(value)})
            found = draft_game(game_document(experiment, game), "game").problems
            problems += [f"axes.{key}[{index}]: {p}" for p in found if p not in known]
    return problems


def _unknown(table: Mapping[str, object], known: tuple[str, ...], where: str, problems: list[str]) -> None:
    for key in table:
        if key not in known:
            close = difflib.get_close_matches(key, known, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.append(f"{where}{key}: unknown key{hint}; known: {', '.join(known)}")


def _mapping(value: object, where: str, problems: list[str]) -> Mapping[str, object]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        problems.append(f"{where}: must be a table, got {type(value).__name__}")
        return {}
    return value


def _date(value: object, where: str, problems: list[str]) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)) if isinstance(value, str) else _bad(value)
    except ValueError:
        problems.append(f"{where}: must be a date such as 2001-01-02, got {value!r}")
        return None


def _bad(value: object) -> date:
    raise ValueError(value)


def _starts(value: object, problems: list[str]) -> StartDates | None:
    if value is None:
        return None
    table = _mapping(value, "axes.start", problems)
    _unknown(table, _START, "axes.start.", problems)
    listed = table.get("dates")
    dates: list[date] = []
    if listed is not None:
        if not isinstance(listed, list) or not listed:
            problems.append("axes.start.dates: give a list of at least one date")
        else:
            dates = [d for i, v in enumerate(listed) if (d := _date(v, f"axes.start.dates[{i}]", problems))]
        if "from" in table or "to" in table:
            problems.append("axes.start.dates: give dates, or from and to, not both")
    elif "from" not in table or "to" not in table:
        problems.append("axes.start: give from and to (a range of sessions), or dates (a list)")
    first = _date(table["from"], "axes.start.from", problems) if "from" in table else None
    last = _date(table["to"], "axes.start.to", problems) if "to" in table else None
    if first and last and last < first:
        problems.append(f"axes.start.to: {last} is before from {first}")
    every = table.get("every", 1)
    if not isinstance(every, int) or isinstance(every, bool) or every < 1:
        problems.append(f"axes.start.every: must be a whole number of at least 1, got {every!r}")
        every = 1
    nth = table.get("session_of_month")
    if nth is not None and (not isinstance(nth, int) or isinstance(nth, bool) or nth == 0 or not -23 <= nth <= 23):
        problems.append(f"axes.start.session_of_month: 1 for the first session, -1 for the last, ..., got {nth!r}")
        nth = None
    names = table.get("weekdays", [])
    weekdays = []
    for index, day in enumerate(names if isinstance(names, list) else [names]):
        if isinstance(day, str) and day.lower()[:3] in WEEKDAYS:
            weekdays.append(WEEKDAYS.index(day.lower()[:3]))
        else:
            problems.append(f"axes.start.weekdays[{index}]: must be one of {', '.join(WEEKDAYS)}, got {day!r}")
    return StartDates(first, last, every, tuple(sorted(set(weekdays))), nth, tuple(dates))


def _lengths(value: object, problems: list[str]) -> list[Length]:
    out = []
    for index, item in enumerate(_list(value, "length", problems)):
        try:
            out.append(length_of(item if isinstance(item, str) else ""))
        except ValueError:
            wanted = "a span such as '1y', '6m', '1y6m', '30d' or Rounds '250r'"
            problems.append(f"axes.length[{index}]: {wanted}, got {item!r}")
    return out


def _models(value: object, problems: list[str]) -> list[ModelAxis]:
    out = []
    for index, item in enumerate(_list(value, "model", problems)):
        where = f"axes.model[{index}]"
        table = _mapping(item, where, problems)
        _unknown(table, _MODEL, f"{where}.", problems)
        name = table.get("name")
        if not isinstance(name, str) or not name:
            problems.append(f"{where}.name: the Model's name, as a Game file's [model] name gives it")
            continue
        params = _mapping(table.get("params"), f"{where}.params", problems)
        grid = _mapping(table.get("grid"), f"{where}.grid", problems)
        values: dict[str, tuple[object, ...]] = {}
        for key, options in grid.items():
            if not isinstance(options, list) or not options:
                problems.append(f"{where}.grid.{key}: give a list of at least one value, got {options!r}")
            elif key in params:
                problems.append(f"{where}.grid.{key}: is also in params; give it in one place")
            else:
                values[key] = tuple(options)
        out.append(ModelAxis(name, dict(params), values))
    return out


def _values(value: object, key: str, kinds: tuple[type, ...], problems: list[str]) -> list[object]:
    out = []
    for index, item in enumerate(_list(value, key, problems)):
        if isinstance(item, kinds):
            out.append(item)
        else:
            wanted = " or ".join("a table" if kind is Mapping else "a name" for kind in kinds)
            problems.append(f"axes.{key}[{index}]: must be {wanted}, got {item!r}")
    return out


def _funds(value: object, problems: list[str]) -> list[Decimal]:
    out = []
    for index, item in enumerate(_list(value, "start_fund", problems)):
        try:
            if isinstance(item, bool) or not isinstance(item, str | int):
                raise InvalidOperation
            out.append(Decimal(str(item)))
        except InvalidOperation:
            problems.append(f'axes.start_fund[{index}]: an amount such as "100000", got {item!r}')
    return out


def _list(value: object, key: str, problems: list[str]) -> list[object]:
    if value is None:
        return []
    if not isinstance(value, list):
        problems.append(f"axes.{key}: must be a list of values, got {value!r}")
        return []
    return value


def _hours(value: object, problems: list[str]) -> list[int]:
    out: list[int] = []
    for index, item in enumerate(_list(value, "hour", problems)):
        if isinstance(item, int) and not isinstance(item, bool) and 0 <= item <= 23:
            out.append(item)
        else:
            problems.append(f"axes.hour[{index}]: an hour of the day from 0 to 23 (UTC), got {item!r}")
    if len(set(out)) < len(out):
        problems.append("axes.hour: an hour is given twice")
    return out


def read_universes(value: object, problems: list[str]) -> list[UniverseFilter]:
    """The ``[[axes.universe]]`` tables as ``UniverseFilter`` values, their problems added."""
    out, names = [], set()
    for index, item in enumerate(_list(value, "universe", problems)):
        where = f"axes.universe[{index}]"
        table = _mapping(item, where, problems)
        _unknown(table, _UNIVERSE, f"{where}.", problems)
        name = table.get("name", f"universe-{index + 1}")
        if not isinstance(name, str) or not name or name in names:
            problems.append(f"{where}.name: a name of its own for the universe, got {name!r}")
        names.add(str(name))
        window = table.get("window", 20)
        if not isinstance(window, int) or isinstance(window, bool) or window < 1:
            problems.append(f"{where}.window: a number of sessions of at least 1, got {window!r}")
            window = 20
        if "window" in table and "traded_value" not in table:
            problems.append(f"{where}.window: only used with traded_value")
        out.append(
            UniverseFilter(
                str(name),
                _band(table.get("price"), f"{where}.price", problems),
                _band(table.get("traded_value"), f"{where}.traded_value", problems),
                window,
                *(_names(table.get(key), f"{where}.{key}", problems) for key in _UNIVERSE[4:]),
            )
        )
    return out


def _band(value: object, where: str, problems: list[str]) -> tuple[Decimal, Decimal] | None:
    if value is None:
        return None
    try:
        if not isinstance(value, list) or len(value) != 2 or any(isinstance(v, bool | float) for v in value):
            raise InvalidOperation
        low, high = (Decimal(str(v)) for v in value)
        if not (low.is_finite() and high.is_finite()) or low < 0:
            raise InvalidOperation
    except InvalidOperation:
        problems.append(f'{where}: a band [low, high] of two amounts at least 0, such as ["5", "50"], got {value!r}')
        return None
    if low >= high:
        problems.append(f"{where}: the band [{low}, {high}] is empty; low must be below high")
        return None
    return low, high


def _names(value: object, where: str, problems: list[str]) -> tuple[str, ...]:
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    if not items or not all(isinstance(item, str) and item.strip() for item in items):
        problems.append(f"{where}: a list of names, got {value!r}")
        return ()
    return tuple(str(item).strip() for item in items)
