"""Game definitions as TOML documents: ``parse_game`` reads a parsed document, ``dump_game`` writes
the text (``io/gamefile.py`` reads the files: ``load_game``, ``read_game``).

A Game file holds a ``GameSpec`` plus the built-in Model that plays it (its name and
parameters). The format, table by table (``examples/games/*.toml`` are commented examples)::

    [game]               name, start, end | rounds, schedule | round_times | round_intervals |
                         round_interval_days (+ round_growth), start_fund, currency, seed,
                         fill_at, calendar, symbols, asset_classes, allow_extreme_costs
    [[data]]             dataset, hash, symbols
    [[accounts]]         name, venue, currency, lot_method, volume_cap, symbols, fees, slippage
    [[transfers]]        source, target, fee, delay_rounds
    [[initial_positions]] symbol, quantity, cost_basis, acquired, account
    [exits]              min_value, max_drawdown, max_losing_rounds, target_return
    [[running_costs]]    name, account, amount, currency, schedule, anchor, days, on
    [tax]                short_term, long_term, loss_deduction_limit, currency, [tax.years.YYYY]
    [fx_rates]           CODE = rate (units of the Game currency per unit of CODE)
    [model]              name, params (an inline table or a [model.params] table)
    [model.training]     length, cutoff, every, cost_per_fit, account, expire_below, expire_months
                         (a trainable Model's walk-forward fits: engine/training_spec.py)
    [activator]          instead of [model]: several Models switched by a rule (activator_config.py)

Values: dates are TOML dates or ISO strings (``2007-01-03``); money amounts, quantities and rates
are strings or integers (quote them to be exact; a float is read through ``Decimal(repr(x))``, i.e.
as written), bounded by ``domain/limits.py`` (finite, below 10^15, at most 12 decimals; the Start
Fund in whole minor units); fee rates and slippage of 10% or more need ``allow_extreme_costs``;
fractions (exit rules, tax rates, ``volume_cap``) may also be percentages such as
``"30%"``. Defaults: one account ``main`` in the Game currency when there is no ``[[accounts]]``;
a running cost or initial position without ``account`` belongs to the first account; a running
cost's ``currency`` is its account's, its ``anchor`` the Game's start; the tax ``currency`` is the
Game currency.

Errors are collected, not raised one by one: the reader walks the whole document, records a
``"field: problem"`` line for every bad value, missing key and unknown key (with a "did you
mean" hint for typos), then, when the required fields could be read, adds ``GameSpec.problems()``
with their fields renamed to the file's (``start_fund`` -> ``game.start_fund``,
``exits.min_value_fraction`` -> ``exits.min_value``), leaving out a field already reported. Any
problem raises one ``GameFileError`` (an ``InvalidGameError`` that also names the file) listing
them all, so nothing runs on a bad definition. ``[model.params]`` is free-form: the Model checks it.

``dump_game`` writes the canonical form of a ``GameFile`` by hand (TOML output is small and
needs no dependency): every set field, money as exact strings, fractions as percentages, cost
models through ``fee_model_to_config`` / ``slippage_model_to_config``. ``parse_game`` of its
output gives back an equal ``GameFile``.

Where it lives: this module holds ``GameFile``, ``GameDraft`` and the top-level parse;
``gamefile_fields.py`` reads the tables, ``gamefile_values.py`` the values, ``gamefile_dump.py``
writes the text. Standard library, ``tradegame.domain`` and ``tradegame.engine.spec``/``costs`` only:
no file I/O, no pandas, and not ``engine.game`` (which pulls in the data stack).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from tradegame.engine.gamefile_dump import dump_game
from tradegame.engine.gamefile_fields import FieldReader
from tradegame.engine.gamefile_values import GAME_KEYS
from tradegame.engine.spec import GameSpec, InvalidGameError

__all__ = ["GameDraft", "GameFile", "GameFileError", "draft_game", "dump_game", "parse_game"]

# Fields of GameSpec.problems() that live in the [game] table, and the ones renamed in the file.
_IN_GAME_TABLE: Final = frozenset(GAME_KEYS)
_RENAMED: Final[Mapping[str, str]] = {"exits.min_value_fraction": "exits.min_value"}


@dataclass(frozen=True)
class GameFile:
    """A Game definition as stored: the ``GameSpec`` and the built-in Model that plays it."""

    spec: GameSpec
    model: str  # a built-in Model's name ("sma-crossover"), an entry point's, "module:Class" or "file.py:Class"
    model_params: dict[str, object] = field(default_factory=dict)


class GameFileError(InvalidGameError):
    """An ``InvalidGameError`` that also names where the definition came from (a file, or ``<memory>``)."""

    def __init__(self, problems: list[str], source: str) -> None:
        super().__init__(problems)
        self.source = source
        self.args = (f"{source}: {self.args[0]}",)

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.problems, self.source))


def parse_game(data: Mapping[str, object], source: str = "<memory>") -> GameFile:
    """Build a ``GameFile`` from a parsed TOML document (``tomllib.loads`` output).

    Raises one ``InvalidGameError`` (a ``GameFileError`` naming ``source``) listing every problem,
    each ``"field: problem"``, e.g. ``game.start_fund: must be a positive amount, got -5``.
    """
    return draft_game(data, source).game_file()


@dataclass(frozen=True)
class GameDraft:
    """A Game definition read as far as it could be, and every problem of its fields.

    ``spec`` is None without a readable ``game.start``; a bad name or Start Fund is a placeholder
    in it (their problems are listed), so that the checks of later stages (the Model, the data:
    ``app.checking``) can still run. ``model_params`` is the table as written.
    """

    source: str
    problems: tuple[str, ...] = ()
    reported: frozenset[str] = frozenset()  # the fields the problems are about
    spec: GameSpec | None = None
    model: str | None = None
    model_params: dict[str, object] = field(default_factory=dict)

    def game_file(self) -> GameFile:
        """The ``GameFile``, or the ``GameFileError`` listing every problem."""
        if self.problems or self.spec is None or self.model is None:
            raise GameFileError(list(self.problems) or ["game: could not be read"], self.source)
        return GameFile(self.spec, self.model, self.model_params)

    @classmethod
    def of(cls, game_file: GameFile, source: str = "<memory>") -> GameDraft:
        """A ``GameFile`` built in code or read before, with its spec's problems (if any)."""
        problems = _file_problems(game_file.spec.problems(), set())
        fields = frozenset(problem.partition(": ")[0] for problem in problems)
        spec, params = game_file.spec, dict(game_file.model_params)
        return cls(source, tuple(problems), fields, spec, game_file.model, params)

    def later(self, problems: Sequence[str], *, spec_fields: bool = False) -> list[str]:
        """Problems found later (the Model, the data, the engine) minus those about a field already
        reported; ``spec_fields`` renames the engine's fields to the file's (``start`` -> ``game.start``)."""
        if spec_fields:
            return _file_problems(problems, set(self.reported))
        return [p for p in problems if not any(_related(p.partition(": ")[0], seen) for seen in self.reported)]


def draft_game(data: Mapping[str, object], source: str = "<memory>") -> GameDraft:
    """What ``parse_game`` reads of ``data``, without raising: a ``GameDraft``."""
    reader = FieldReader()
    model = reader.game_file(data)
    problems = list(reader.problems)
    if reader.spec is not None:
        problems.extend(_file_problems(reader.spec.problems(), reader.reported))
    name, params = model if model is not None else (None, {})
    return GameDraft(source, tuple(problems), frozenset(reader.reported), reader.spec, name, params)


def _file_problems(problems: Sequence[str], reported: set[str]) -> list[str]:
    """``problems`` with the file's field names, minus fields the reader already reported."""
    out: list[str] = []
    for problem in problems:
        where, separator, what = problem.partition(": ")
        if not separator:
            out.append(problem)
            continue
        head = re.split(r"[.\[]", where, maxsplit=1)[0]
        if head in _IN_GAME_TABLE:
            where = f"game.{where}"
        elif head == "training":
            where = f"model.{where}"
        where = _RENAMED.get(where, where)
        if not any(_related(where, seen) for seen in reported):
            out.append(f"{where}: {what}")
    return out


def _related(one: str, other: str) -> bool:
    """Whether one field path is the other or lies inside it (``a.b`` is inside ``a``)."""
    shorter, longer = sorted((one, other), key=len)
    return longer == shorter or longer.startswith((f"{shorter}.", f"{shorter}["))
