"""Getting an experiment ready to run: read its files, check what needs the code and the data,
load the data once, and plan its Games.

``load_experiment`` reads the experiment TOML file and its base Game file (the only file reading
here); ``prepare_experiment`` then checks, gathering every problem before anything is written:

* each Model of the model axis (or the base Game's) is found by name from the experiment's
  folder, and built with every parameter set of its grid (``app.models``: unknown names, unknown
  or mistyped parameters), its ``symbol``/``symbols`` against the data;
* the data the base Game names is read once, all of it (every Game of the experiment plays on
  it), and pinned to its version;
* the start dates are sessions of the data's calendar (a listed date that is not one is refused);
* an hour axis needs intraday data; a universe's asset classes, sectors, markets and currencies
  must be ones the data has (``experiments.universes``), and each Game of a universe gets the
  symbols it picks at its start (a Game whose universe picks none is left out, in ``left_out``);
* the first Game, and the last of each length, are set up as Games (dates against the data's
  range, symbols); a Game between them that still cannot start is a row with outcome ``error``.

Problems are raised as one ``ExperimentFileError`` (exit status 2 at the command line).
"""

from __future__ import annotations

import copy
import tomllib
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from tradegame.app.loading import read_game_data
from tradegame.app.models import FoundModel, find_model
from tradegame.data.calendars import sessions
from tradegame.data.errors import DataError
from tradegame.data.store import MarketStore
from tradegame.domain.errors import InvalidInputError
from tradegame.engine.game import Game
from tradegame.engine.gamefile import draft_game, parse_game
from tradegame.engine.universe import Universe
from tradegame.experiments.plan import PlannedGame, expand, experiment_id, game_document, model_variants, select_starts
from tradegame.experiments.reading import ExperimentFileError, read_experiment
from tradegame.experiments.spec import Experiment, ModelAxis
from tradegame.experiments.universes import filter_problems, profiles, resolve_universes
from tradegame.models.registry import model_symbol_problems

__all__ = ["Prepared", "build_models", "load_experiment", "prepare_experiment"]


@dataclass(frozen=True)
class Prepared:
    """An experiment ready to run: its data pinned in ``experiment.base``, its id, its Games."""

    experiment: Experiment
    experiment_id: str
    games: list[PlannedGame]
    folder: Path
    universe: Universe
    calendar: str
    left_out: tuple[str, ...] = ()  # Games whose universe picked no symbol at their start


def load_experiment(path: Path) -> Experiment:
    """Read an experiment file and the base Game file it names (relative to its folder)."""
    source = str(path)
    document = _toml(Path(path), source, "")
    head = document.get("experiment")
    game = head.get("game") if isinstance(head, dict) else None
    if not isinstance(game, str) or not game:
        raise ExperimentFileError(['experiment.game: the base Game file, e.g. game = "../games/sma.toml"'], source)
    base_path = Path(path).resolve().parent / game
    base = _toml(base_path, source, "experiment.game: ")
    return read_experiment(document, base, source)


def _toml(path: Path, source: str, where: str) -> dict[str, object]:
    try:
        return tomllib.loads(path.read_bytes().decode("utf-8"))
    except OSError as error:
        raise ExperimentFileError([f"{where}cannot read {path}: {error.strerror or error}"], source) from None
    except UnicodeDecodeError as error:
        raise ExperimentFileError([f"{where}{path} is not UTF-8 text ({error.reason})"], source) from None
    except tomllib.TOMLDecodeError as error:
        raise ExperimentFileError([f"{where}{path}: invalid TOML: {error}"], source) from None


def build_models(experiment: Experiment, folder: Path | None, problems: list[str]) -> dict[str, FoundModel]:
    """Every Model of the experiment found by name, each parameter set built once (its problems
    added to ``problems``)."""
    axes = experiment.models or _base_model(experiment)
    found: dict[str, FoundModel] = {}
    for index, axis in enumerate(axes):
        where = f"axes.model[{index}]" if experiment.models else "experiment.game: model"
        try:
            model = find_model(axis.name, folder)
        except InvalidInputError as error:
            problems.append(f"{where}.name: {_one(error)}")
            continue
        found[axis.name] = model
        for variant in _variants(axis):
            try:
                model.build(variant)
            except InvalidInputError as error:
                shown = ", ".join(f"{k}={v!r}" for k, v in sorted(variant.items()) if k in axis.grid)
                problems.append(f"{where}.params{f' ({shown})' if shown else ''}: {_one(error)}")
    return found


def prepare_experiment(experiment: Experiment, store: MarketStore, folder: Path | None = None) -> Prepared:
    """Check and plan ``experiment`` (see the module's docstring); its Models are looked for from
    ``folder`` (default: the current folder)."""
    folder = (folder or Path.cwd()).resolve()
    problems: list[str] = []
    build_models(experiment, folder, problems)
    spec = draft_game(experiment.base, "game").spec
    if spec is None:
        raise ExperimentFileError(["experiment.game: could not be read"], experiment.source)
    data = read_game_data(replace(spec, end=None), store)
    problems += [f"experiment.game: {problem}" for problem in data.problems]
    if data.universe is None or problems:
        raise ExperimentFileError(problems or ["experiment.game: no data"], experiment.source)
    universe = data.universe
    for index, axis in enumerate(experiment.models or _base_model(experiment)):
        for variant in _variants(axis):
            problems += model_symbol_problems(variant, universe.symbols, f"axes.model[{index}].params.")
    base = copy.deepcopy(dict(experiment.base))
    for table, pinned in zip(base.get("data", []), data.spec.data, strict=False):  # type: ignore[call-overload]
        table["hash"] = pinned.content_hash
    pinned_experiment = replace(experiment, base=base)
    starts = _start_dates(pinned_experiment, universe.panel.calendar, problems)
    problems += _axis_problems(pinned_experiment, universe)
    games: list[PlannedGame] = []
    left_out: list[str] = []
    if not problems:
        games, left_out = resolve_universes(pinned_experiment, expand(pinned_experiment, starts), universe, spec.start)
    if not games and not problems:
        problems.append("axes: the experiment has no Game" + (f" ({left_out[0]}, ...)" if left_out else ""))
    if not problems:
        last_of_length = {game.coordinates.get("length"): game for game in games}  # the latest start of each
        problems += _setup_problems(pinned_experiment, [games[0], *last_of_length.values()], universe, folder)
    if problems:
        raise ExperimentFileError(sorted(set(problems), key=problems.index), experiment.source)
    return Prepared(
        pinned_experiment,
        experiment_id(pinned_experiment),
        games,
        folder,
        universe,
        universe.panel.calendar,
        tuple(left_out),
    )


def _axis_problems(experiment: Experiment, universe: Universe) -> list[str]:
    """The hour and universe axes against the data: hours need intraday bars; a universe's
    values must be ones the data has."""
    problems = []
    if experiment.hours and universe.panel.frequency in ("1d", "1w", "1mo"):
        problems.append(
            f"axes.hour: acting at an hour needs intraday data; the base Game's data is {universe.panel.frequency}"
        )
    if experiment.universes:
        data = experiment.base.get("data")
        tables = [t for t in data if isinstance(t, dict)] if isinstance(data, list) else []
        problems += filter_problems(experiment, profiles(universe, tables))
    return problems


def _start_dates(experiment: Experiment, code: str, problems: list[str]) -> list[date]:
    starts = experiment.starts
    if starts is None:
        return []
    days = list(starts.dates) or [d for d in (starts.first, starts.last) if d is not None]
    if not days:
        return []
    try:
        known = [stamp.date() for stamp in sessions(code, min(days), max(days))]
    except DataError as error:
        problems.append(f"axes.start: {error}")
        return []
    for index, day in enumerate(starts.dates):
        if day not in set(known):
            problems.append(f"axes.start.dates[{index}]: {day} is not a session of the {code} calendar")
    chosen = select_starts(starts, known)
    if not chosen and not problems:
        problems.append(f"axes.start: picks no session of the {code} calendar")
    return chosen


def _setup_problems(experiment: Experiment, games: list[PlannedGame], universe: Universe, folder: Path) -> list[str]:
    """Set up ``games`` as Games (not played): their dates and symbols against the data."""
    problems = []
    for game in games:
        where = f"game {game.game_id} (start {game.coordinates.get('start', '-')})"
        try:
            game_file = parse_game(game_document(experiment, game), where)
            model = find_model(game_file.model, folder).build(game_file.model_params)
            Game(game_file.spec, universe, model)
        except (InvalidInputError, DataError) as error:
            problems.append(f"{where}: {_one(error)}")
    return problems


def _base_model(experiment: Experiment) -> tuple[ModelAxis, ...]:
    table = experiment.base.get("model")
    if not isinstance(table, dict) or not isinstance(table.get("name"), str):
        return ()
    params = table.get("params")
    return (ModelAxis(table["name"], dict(params) if isinstance(params, dict) else {}),)


def _variants(axis: ModelAxis) -> list[dict[str, object]]:
    return model_variants(axis)


def _one(error: BaseException) -> str:
    problems = getattr(error, "problems", None)
    lines = [str(p) for p in problems] if isinstance(problems, list) and problems else [str(error)]
    return "; ".join(line.removeprefix("model.name: ").removeprefix("model.params.") for line in lines)
