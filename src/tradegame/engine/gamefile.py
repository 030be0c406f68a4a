"""Game definitions as TOML files: ``load_game`` and ``parse_game`` read them, ``dump_game`` writes them.

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

Standard library, ``tradegame.domain`` and ``tradegame.engine.spec``/``costs`` only: no pandas,
and not ``engine.game`` (which pulls in the data stack).
"""

from __future__ import annotations

import difflib
import math
import re
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Final, TypeVar

from tradegame.domain.errors import InvalidInputError
from tradegame.domain.instruments import AssetClass, LotMethod
from tradegame.domain.limits import amount_problem, shown
from tradegame.domain.money import Currency, Money
from tradegame.domain.running_costs import EveryNDays, Monthly, OneOff, RunningCost, Yearly
from tradegame.domain.tax import TaxProfile, TaxRates
from tradegame.engine.costs import (
    fee_model_from_config,
    fee_model_to_config,
    slippage_model_from_config,
    slippage_model_to_config,
)
from tradegame.engine.spec import (
    AccountSpec,
    DataSpec,
    ExitRules,
    FillAt,
    GameSpec,
    InitialPosition,
    InvalidGameError,
    Schedule,
    TransferRule,
)

__all__ = ["GameDraft", "GameFile", "GameFileError", "draft_game", "dump_game", "load_game", "parse_game", "read_game"]

T = TypeVar("T")
D = TypeVar("D")

_TOP_KEYS: Final = (
    "game",
    "data",
    "accounts",
    "transfers",
    "initial_positions",
    "exits",
    "running_costs",
    "tax",
    "fx_rates",
    "model",
)
_GAME_KEYS: Final = (
    "name",
    "start",
    "end",
    "rounds",
    "schedule",
    "round_times",
    "round_intervals",
    "round_interval_days",
    "round_growth",
    "start_fund",
    "currency",
    "seed",
    "fill_at",
    "calendar",
    "symbols",
    "asset_classes",
    "allow_extreme_costs",
)
_DATA_KEYS: Final = ("dataset", "hash", "symbols")
_ACCOUNT_KEYS: Final = ("name", "venue", "currency", "lot_method", "volume_cap", "symbols", "fees", "slippage")
_TRANSFER_KEYS: Final = ("source", "target", "fee", "delay_rounds")
_POSITION_KEYS: Final = ("symbol", "quantity", "cost_basis", "acquired", "account")
_EXIT_KEYS: Final = ("min_value", "max_drawdown", "max_losing_rounds", "target_return")
_RUNNING_COST_KEYS: Final = ("name", "account", "amount", "currency", "schedule", "anchor", "days", "on")
_TAX_KEYS: Final = ("short_term", "long_term", "loss_deduction_limit", "currency", "years")
_TAX_YEAR_KEYS: Final = ("short_term", "long_term")
_MODEL_KEYS: Final = ("name", "params")

_SCHEDULES: Final[Mapping[str, Schedule]] = {
    "hourly": "hourly",
    "daily": "daily",
    "weekly": "weekly",
    "monthly": "monthly",
}
_FILL_AT: Final[Mapping[str, FillAt]] = {"next_open": "next_open", "close": "close"}
_COST_SCHEDULES: Final = ("monthly", "yearly", "every_n_days", "once")
# The same table as engine.game.currency_of; copied so that reading a file needs no pandas.
_MINOR_UNITS: Final[Mapping[str, int]] = {"JPY": 0, "KRW": 0, "BTC": 8, "ETH": 8}
# Fields of GameSpec.problems() that live in the [game] table, and the ones renamed in the file.
_IN_GAME_TABLE: Final = frozenset(_GAME_KEYS)
_RENAMED: Final[Mapping[str, str]] = {"exits.min_value_fraction": "exits.min_value"}
_TOML_ERROR_AT: Final = re.compile(r"^(?P<message>.*) \(at line (?P<line>\d+), column (?P<column>\d+)\)$", re.DOTALL)
_BARE_KEY: Final = re.compile(r"^[A-Za-z0-9_-]+$")


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


# ---------------------------------------------------------------------------------------------
# Reading


def load_game(path: Path) -> GameFile:
    """Read a Game TOML file; raises ``InvalidGameError`` (a ``GameFileError``) listing every problem.

    A TOML syntax error is reported with the file name, line and column.
    """
    return read_game(path).game_file()


def read_game(path: Path) -> GameDraft:
    """A Game TOML file read as far as it can be, with every problem of its fields (``GameDraft``)."""
    source = str(path)
    try:
        text = Path(path).read_bytes().decode("utf-8")
    except OSError as error:
        return GameDraft(source, (f"{source}: cannot read the file: {error.strerror or error}",))
    except UnicodeDecodeError as error:
        return GameDraft(source, (f"{source}: not UTF-8 text ({error.reason} at byte {error.start})",))
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        return GameDraft(source, (_syntax_problem(source, str(error)),))
    return draft_game(document, source)


def _syntax_problem(source: str, message: str) -> str:
    found = _TOML_ERROR_AT.match(message)
    if found is None:
        return f"{source}: invalid TOML: {message}"
    return f"{source}, line {found['line']}, column {found['column']}: invalid TOML: {found['message']}"


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
    reader = _Reader()
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
        where = _RENAMED.get(where, where)
        if not any(_related(where, seen) for seen in reported):
            out.append(f"{where}: {what}")
    return out


def _related(one: str, other: str) -> bool:
    """Whether one field path is the other or lies inside it (``a.b`` is inside ``a``)."""
    shorter, longer = sorted((one, other), key=len)
    return longer == shorter or longer.startswith((f"{shorter}.", f"{shorter}["))


class _BadValueError(Exception):
    """A value that does not fit its field; the reader records it under the field's path."""


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _show(value: object) -> str:
    if isinstance(value, date | time):
        return value.isoformat()
    return shown(value)


# Converters: a TOML value in, a spec value out, or _BadValueError with what was expected.


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise _BadValueError(f"must be a string, got {_show(value)}")
    return value


def _boolean(value: object) -> bool:
    if not isinstance(value, bool):
        raise _BadValueError(f"must be true or false, got {_show(value)}")
    return value


def _integer(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _BadValueError(f"must be a whole number, got {_show(value)}")
    return value


def _number(value: object, expected: str = 'an amount such as "100.50"') -> Decimal:
    if isinstance(value, bool):
        raise _BadValueError(f"must be {expected}, got {_show(value)}")
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        # TOML has no decimal type; repr() is the shortest string that round-trips: what was typed.
        number = Decimal(repr(value))
    elif isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            raise _BadValueError(f"must be {expected}, got {value!r}") from None
    else:
        raise _BadValueError(f"must be {expected}, got {_show(value)}")
    problem = amount_problem(number)
    if problem is not None:
        raise _BadValueError(problem)
    return number


def _amount(value: object) -> Decimal:
    return _number(value)


def _days(value: object) -> Decimal:
    return _number(value, 'a number of days such as 7 or "1.5"')


def _factor(value: object) -> Decimal:
    return _number(value, 'a factor such as 2 or "0.5"')


def _fraction(value: object) -> Decimal:
    expected = 'a fraction such as "0.3" or a percentage such as "30%"'
    if isinstance(value, str) and value.strip().endswith("%"):
        try:
            return _number(value.strip()[:-1], expected) / 100
        except _BadValueError:
            raise _BadValueError(f"must be {expected}, got {value!r}") from None
    return _number(value, expected)


def _rate(value: object) -> Decimal:
    rate = _fraction(value)
    if not Decimal(0) <= rate <= Decimal(1):
        raise _BadValueError(f"must be within 0% and 100%, got {_show(value)}")
    return rate


def _non_negative(value: object) -> Decimal:
    amount = _amount(value)
    if amount < 0:
        raise _BadValueError(f"must not be negative, got {_show(value)}")
    return amount


def _day(value: object) -> date:
    if isinstance(value, datetime):
        raise _BadValueError(f"must be a date without a time of day, got {value.isoformat()}")
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise _BadValueError(f"must be a date such as 2007-01-03, got {_show(value)}")


def _instant(value: object) -> str:
    # Kept as ISO text (GameSpec.round_times); a time without an offset is UTC.
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, str):
        try:
            datetime.fromisoformat(value.strip())
        except ValueError:
            pass
        else:
            return value.strip()
    raise _BadValueError(f"must be a date-time such as 2020-01-02T15:00:00Z, got {_show(value)}")


def _code(value: object) -> str:
    code = _text(value)
    if not code or not code.isalnum() or not code.isupper():
        raise _BadValueError(f"must be a currency code such as USD, got {code!r}")
    return code


def _list_of(item: Callable[[object], T]) -> Callable[[object], tuple[T, ...]]:
    def convert(value: object) -> tuple[T, ...]:
        if not isinstance(value, list | tuple):
            raise _BadValueError(f"must be a list, got {_show(value)}")
        items: list[T] = []
        for index, element in enumerate(value):
            try:
                items.append(item(element))
            except _BadValueError as error:
                raise _BadValueError(f"item {index}: {error}") from None
        return tuple(items)

    return convert


def _one_of(choices: Mapping[str, T]) -> Callable[[object], T]:
    def convert(value: object) -> T:
        if isinstance(value, str) and value in choices:
            return choices[value]
        hint = _did_you_mean(value, choices) if isinstance(value, str) else ""
        raise _BadValueError(f"must be one of {', '.join(choices)}, got {_show(value)}{hint}")

    return convert


def _did_you_mean(word: str, choices: Sequence[str] | Mapping[str, object]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


_texts = _list_of(_text)
_schedule = _one_of(_SCHEDULES)
_fill_at = _one_of(_FILL_AT)
_lot_method = _one_of({method.value: method for method in LotMethod})
_asset_classes = _list_of(_one_of({asset_class.value: asset_class for asset_class in AssetClass}))


def _currency(code: str) -> Currency:
    return Currency(code, _MINOR_UNITS.get(code, 2))


class _Reader:
    """Walks a TOML document, building the Game and recording every problem on the way."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.reported: set[str] = set()
        self.spec: GameSpec | None = None

    def report(self, where: str, problem: str) -> None:
        self.problems.append(f"{where}: {problem}")
        self.reported.add(where)

    # -- shapes --------------------------------------------------------------------------

    def table(self, value: object, path: str, allowed: Sequence[str]) -> Mapping[str, object] | None:
        """``value`` as a table, after reporting each key that is not ``allowed``."""
        if not isinstance(value, Mapping):
            self.report(path, f"must be a table, got {_show(value)}")
            return None
        for key in value:
            if key not in allowed:
                hint = _did_you_mean(key, allowed) or f" (expected one of: {', '.join(allowed)})"
                self.report(_join(path, key), f"unknown key{hint}")
        return value

    def tables(self, value: object, path: str, allowed: Sequence[str]) -> list[tuple[str, Mapping[str, object]]]:
        """An array of tables (``[[path]]``) as ``(path[i], table)`` pairs; bad entries are reported."""
        if not isinstance(value, list):
            self.report(path, f"must be an array of tables ([[{path}]]), got {_show(value)}")
            return []
        out: list[tuple[str, Mapping[str, object]]] = []
        for index, entry in enumerate(value):
            where = f"{path}[{index}]"
            checked = self.table(entry, where, allowed)
            if checked is not None:
                out.append((where, checked))
        return out

    def optional(
        self, table: Mapping[str, object], key: str, path: str, convert: Callable[[object], T], default: D
    ) -> T | D:
        if key not in table:
            return default
        try:
            return convert(table[key])
        except _BadValueError as error:
            self.report(_join(path, key), str(error))
            return default

    def required(self, table: Mapping[str, object], key: str, path: str, convert: Callable[[object], T]) -> T | None:
        if key not in table:
            self.report(_join(path, key), "missing")
            return None
        return self.optional(table, key, path, convert, None)

    # -- the document --------------------------------------------------------------------

    def game_file(self, document: object) -> tuple[str, dict[str, object]] | None:
        """Read ``document`` into ``self.spec``; returns the Model's name and parameters, if readable."""
        top = self.table(document, "", _TOP_KEYS)
        if top is None:
            return None
        # A missing [game] reads as an empty one, so each missing required key is named.
        game = self.table(top["game"], "game", _GAME_KEYS) if "game" in top else {}
        self.spec = self.game_spec(top, game)
        return self.model(top)

    def game_spec(self, top: Mapping[str, object], game: Mapping[str, object] | None) -> GameSpec | None:
        path = "game"
        table = game or {}
        name = self.required(table, "name", path, _text) if game is not None else None
        start = self.required(table, "start", path, _day) if game is not None else None
        start_fund = self.required(table, "start_fund", path, _amount) if game is not None else None
        currency = self.optional(table, "currency", path, _code, "USD")
        end = self.optional(table, "end", path, _day, None)
        rounds = self.optional(table, "rounds", path, _integer, None)
        round_times = self.optional(table, "round_times", path, _list_of(_instant), ())
        round_intervals = self.optional(table, "round_intervals", path, _list_of(_integer), ())
        round_interval_days = self.optional(table, "round_interval_days", path, _days, None)
        round_growth = self.optional(table, "round_growth", path, _factor, None)
        # An irregular schedule means no default one; one with a bad value (reported) does not count,
        # so its problem is not followed by a second one about the missing schedule.
        irregular = [key for key in ("round_times", "round_intervals", "round_interval_days") if key in table]
        given = any(_join(path, key) not in self.reported for key in irregular)
        regular: Schedule | None = None if given else "daily"
        schedule = self.optional(table, "schedule", path, _schedule, regular)
        calendar = self.optional(table, "calendar", path, _text, None)
        asset_classes = self.optional(table, "asset_classes", path, _asset_classes, ())
        symbols = self.optional(table, "symbols", path, _texts, ())
        seed = self.optional(table, "seed", path, _integer, 0)
        fill_at: FillAt = self.optional(table, "fill_at", path, _fill_at, "next_open")
        allow_extreme_costs = self.optional(table, "allow_extreme_costs", path, _boolean, False)
        if start_fund is not None:
            minor = _currency(currency).minor_units
            problem = amount_problem(start_fund, minor, currency)
            if problem is not None:
                self.report("game.start_fund", problem)
                start_fund = None

        accounts = self.accounts(top, currency)
        first_account = accounts[0].name if accounts else "main"
        data = [self.data_spec(where, entry) for where, entry in self.tables(top.get("data", []), "data", _DATA_KEYS)]
        transfers = [
            self.transfer(where, entry)
            for where, entry in self.tables(top.get("transfers", []), "transfers", _TRANSFER_KEYS)
        ]
        positions = [
            self.position(where, entry, first_account)
            for where, entry in self.tables(top.get("initial_positions", []), "initial_positions", _POSITION_KEYS)
        ]
        exits = self.exits(top["exits"]) if "exits" in top else ExitRules()
        running_costs = self.running_costs(top, accounts, currency, start)
        tax = self.tax(top["tax"], currency) if "tax" in top else None
        fx_rates = self.fx_rates(top["fx_rates"]) if "fx_rates" in top else ()
        if start is None:
            return None  # nothing for GameSpec.problems() and the data to check the rest against
        return GameSpec(
            name="?" if name is None else name,  # placeholders for reported fields (GameDraft)
            start=start,
            start_fund=Decimal(1) if start_fund is None else start_fund,
            currency=currency,
            end=end,
            rounds=rounds,
            schedule=schedule,
            round_times=round_times,
            round_intervals=round_intervals,
            round_interval_days=round_interval_days,
            round_growth=round_growth,
            calendar=calendar,
            accounts=accounts,
            transfers=tuple(rule for rule in transfers if rule is not None),
            initial_positions=tuple(position for position in positions if position is not None),
            asset_classes=asset_classes,
            symbols=symbols,
            exits=exits,
            running_costs=running_costs,
            tax=tax,
            seed=seed,
            data=tuple(spec for spec in data if spec is not None),
            fill_at=fill_at,
            fx_rates=fx_rates,
            allow_extreme_costs=allow_extreme_costs,
        )

    def data_spec(self, where: str, entry: Mapping[str, object]) -> DataSpec | None:
        dataset = self.required(entry, "dataset", where, _text)
        content_hash = self.optional(entry, "hash", where, _text, None)
        symbols = self.optional(entry, "symbols", where, _texts, None)
        return None if dataset is None else DataSpec(dataset, content_hash, symbols)

    def accounts(self, top: Mapping[str, object], game_currency: str) -> tuple[AccountSpec, ...]:
        if "accounts" not in top:
            return (AccountSpec("main", currency=game_currency),)
        accounts: list[AccountSpec] = []
        for where, entry in self.tables(top["accounts"], "accounts", _ACCOUNT_KEYS):
            name = self.required(entry, "name", where, _text)
            if name is None:
                continue
            account = AccountSpec(
                name,
                venue=self.optional(entry, "venue", where, _text, "sim"),
                currency=self.optional(entry, "currency", where, _code, game_currency),
                lot_method=self.optional(entry, "lot_method", where, _lot_method, LotMethod.FIFO),
                volume_cap=self.optional(entry, "volume_cap", where, _fraction, None),
                symbols=self.optional(entry, "symbols", where, _texts, ()),
            )
            if "fees" in entry:
                fees = self.cost_model(entry["fees"], f"{where}.fees", fee_model_from_config)
                account = account if fees is None else replace(account, fees=fees)
            if "slippage" in entry:
                slippage = self.cost_model(entry["slippage"], f"{where}.slippage", slippage_model_from_config)
                account = account if slippage is None else replace(account, slippage=slippage)
            accounts.append(account)
        return tuple(accounts)

    def cost_model(self, config: object, where: str, build: Callable[[Mapping[str, object], str], T]) -> T | None:
        if not isinstance(config, Mapping):
            self.report(where, f"must be a table with a 'model' key, got {_show(config)}")
            return None
        try:
            return build(config, where)
        except InvalidInputError as error:
            # The cost parsers' messages start with the field's full path already.
            field_path, _, problem = str(error).partition(": ")
            self.report(field_path, problem)
            return None

    def transfer(self, where: str, entry: Mapping[str, object]) -> TransferRule | None:
        source = self.required(entry, "source", where, _text)
        target = self.required(entry, "target", where, _text)
        fee = self.optional(entry, "fee", where, _amount, Decimal(0))
        delay = self.optional(entry, "delay_rounds", where, _integer, 0)
        if source is None or target is None:
            return None
        return TransferRule(source, target, fee, delay)

    def position(self, where: str, entry: Mapping[str, object], first_account: str) -> InitialPosition | None:
        symbol = self.required(entry, "symbol", where, _text)
        quantity = self.required(entry, "quantity", where, _amount)
        cost_basis = self.required(entry, "cost_basis", where, _amount)
        acquired = self.required(entry, "acquired", where, _day)
        account = self.optional(entry, "account", where, _text, first_account)
        if symbol is None or quantity is None or cost_basis is None or acquired is None:
            return None
        return InitialPosition(symbol, quantity, cost_basis, acquired, account)

    def exits(self, value: object) -> ExitRules:
        table = self.table(value, "exits", _EXIT_KEYS)
        if table is None:
            return ExitRules()
        return ExitRules(
            min_value_fraction=self.optional(table, "min_value", "exits", _fraction, None),
            max_drawdown=self.optional(table, "max_drawdown", "exits", _fraction, None),
            max_losing_rounds=self.optional(table, "max_losing_rounds", "exits", _integer, None),
            target_return=self.optional(table, "target_return", "exits", _fraction, None),
        )

    def running_costs(
        self, top: Mapping[str, object], accounts: Sequence[AccountSpec], game_currency: str, start: date | None
    ) -> tuple[tuple[str, RunningCost], ...]:
        currencies = {account.name: account.currency for account in accounts}
        first_account = accounts[0].name if accounts else "main"
        out: list[tuple[str, RunningCost]] = []
        for where, entry in self.tables(top.get("running_costs", []), "running_costs", _RUNNING_COST_KEYS):
            name = self.required(entry, "name", where, _text)
            account = self.optional(entry, "account", where, _text, first_account)
            code = self.optional(entry, "currency", where, _code, currencies.get(account, game_currency))
            amount = self.required(entry, "amount", where, _amount)
            schedule = self.cost_schedule(where, entry, start)
            if name is not None and (not name or ":" in name or any(c.isspace() for c in name)):
                self.report(f"{where}.name", f"must be non-empty, without spaces or ':', got {name!r}")
                name = None
            money: Money | None = None
            if amount is not None:
                currency = _currency(code)
                if amount <= 0 or currency.round(amount) != amount:
                    shown = _show(entry["amount"])
                    self.report(f"{where}.amount", f"must be positive, in whole {code} minor units, got {shown}")
                else:
                    money = Money(amount, currency)
            if name is None or money is None or schedule is None:
                continue
            try:
                out.append((account, RunningCost(name, money, schedule)))
            except InvalidInputError as error:
                self.report(where, str(error))
        return tuple(out)

    def cost_schedule(
        self, where: str, entry: Mapping[str, object], start: date | None
    ) -> Monthly | Yearly | EveryNDays | OneOff | None:
        kind = self.required(entry, "schedule", where, _one_of({name: name for name in _COST_SCHEDULES}))
        if kind is None:
            return None
        uses = {"monthly": ("anchor",), "yearly": ("anchor",), "every_n_days": ("anchor", "days"), "once": ("on",)}
        for key in ("anchor", "days", "on"):
            if key in entry and key not in uses[kind]:
                users = " or ".join(repr(name) for name, keys in uses.items() if key in keys)
                self.report(f"{where}.{key}", f"only used with schedule = {users}, not {kind!r}")
        if kind == "once":
            on = self.required(entry, "on", where, _day)
            return None if on is None else OneOff(on)
        anchor = self.optional(entry, "anchor", where, _day, start)
        if kind == "every_n_days":
            days = self.required(entry, "days", where, _integer)
            if days is not None and days < 1:
                self.report(f"{where}.days", f"must be at least 1, got {days}")
                days = None
            return None if anchor is None or days is None else EveryNDays(anchor, days)
        if anchor is None:
            return None
        return Monthly(anchor) if kind == "monthly" else Yearly(anchor)

    def tax(self, value: object, game_currency: str) -> TaxProfile | None:
        table = self.table(value, "tax", _TAX_KEYS)
        if table is None:
            return None
        short_term = self.required(table, "short_term", "tax", _rate)
        long_term = self.required(table, "long_term", "tax", _rate)
        limit = self.optional(table, "loss_deduction_limit", "tax", _non_negative, Decimal(3000))
        code = self.optional(table, "currency", "tax", _code, game_currency)
        overrides: dict[int, TaxRates] = {}
        years = table.get("years", {})
        if not isinstance(years, Mapping):
            self.report("tax.years", f"must be a table of [tax.years.YYYY] tables, got {_show(years)}")
            years = {}
        for key, year_value in years.items():
            where = f"tax.years.{key}"
            if not str(key).isdigit() or len(str(key)) != 4:
                self.report(where, "must be a year such as 2008")
                continue
            year_table = self.table(year_value, where, _TAX_YEAR_KEYS)
            if year_table is None:
                continue
            year_short = self.optional(year_table, "short_term", where, _rate, short_term)
            year_long = self.optional(year_table, "long_term", where, _rate, long_term)
            if year_short is None or year_long is None:
                continue
            overrides[int(key)] = TaxRates(year_short, year_long)
        if short_term is None or long_term is None:
            return None
        return TaxProfile(TaxRates(short_term, long_term), overrides, limit, _currency(code))

    def fx_rates(self, value: object) -> tuple[tuple[str, Decimal], ...]:
        if not isinstance(value, Mapping):
            self.report("fx_rates", f"must be a table of CODE = rate, got {_show(value)}")
            return ()
        rates: list[tuple[str, Decimal]] = []
        for code, rate in value.items():
            where = f"fx_rates.{code}"
            try:
                rates.append((_code(code), _amount(rate)))
            except _BadValueError as error:
                self.report(where, str(error))
        return tuple(rates)

    def model(self, top: Mapping[str, object]) -> tuple[str, dict[str, object]] | None:
        if "model" not in top:
            self.report(
                "model.name", "missing (a [model] table naming a built-in model, module:Class or file.py:Class)"
            )
            return None
        table = self.table(top["model"], "model", _MODEL_KEYS)
        if table is None:
            return None
        name = self.required(table, "name", "model", _text)
        if name is not None and not name.strip():
            self.report("model.name", "must not be empty")
            name = None
        params = self.optional(table, "params", "model", _params, {})
        return None if name is None else (name, params)


def _params(value: object) -> dict[str, object]:
    if not isinstance(value, Mapping):
        raise _BadValueError(f"must be a table, got {_show(value)}")
    return dict(value)


# ---------------------------------------------------------------------------------------------
# Writing


def dump_game(game: GameFile) -> str:
    """The TOML text of ``game``; ``parse_game(tomllib.loads(dump_game(game))) == game``.

    Raises ``TypeError`` for what TOML cannot hold: a custom fee or slippage model, or a model
    parameter that is not a TOML value (``None``, a ``Decimal``: pass it as a string).
    """
    spec = game.spec
    sections: list[list[str]] = []

    lines = ["[game]", _line("name", spec.name), _line("start", spec.start)]
    if spec.end is not None:
        lines.append(_line("end", spec.end))
    if spec.rounds is not None:
        lines.append(_line("rounds", spec.rounds))
    if spec.schedule is not None:
        lines.append(_line("schedule", spec.schedule))
    if spec.round_times:
        lines.append(_line("round_times", list(spec.round_times)))
    if spec.round_intervals:
        lines.append(_line("round_intervals", list(spec.round_intervals)))
    if spec.round_interval_days is not None:
        lines.append(_line("round_interval_days", _exact(spec.round_interval_days)))
    if spec.round_growth is not None:
        lines.append(_line("round_growth", _exact(spec.round_growth)))
    lines += [
        _line("start_fund", _exact(spec.start_fund)),
        _line("currency", spec.currency),
        _line("seed", spec.seed),
        _line("fill_at", spec.fill_at),
    ]
    if spec.calendar is not None:
        lines.append(_line("calendar", spec.calendar))
    if spec.symbols:
        lines.append(_line("symbols", list(spec.symbols)))
    if spec.asset_classes:
        lines.append(_line("asset_classes", [asset_class.value for asset_class in spec.asset_classes]))
    if spec.allow_extreme_costs:
        lines.append(_line("allow_extreme_costs", True))
    sections.append(lines)

    for data in spec.data:
        lines = ["[[data]]", _line("dataset", data.dataset)]
        if data.content_hash is not None:
            lines.append(_line("hash", data.content_hash))
        if data.symbols is not None:
            lines.append(_line("symbols", list(data.symbols)))
        sections.append(lines)

    for account in spec.accounts:
        lines = [
            "[[accounts]]",
            _line("name", account.name),
            _line("venue", account.venue),
            _line("currency", account.currency),
            _line("lot_method", account.lot_method.value),
        ]
        if account.volume_cap is not None:
            lines.append(_line("volume_cap", _percent(account.volume_cap)))
        if account.symbols:
            lines.append(_line("symbols", list(account.symbols)))
        lines.append(_line("fees", fee_model_to_config(account.fees)))
        lines.append(_line("slippage", slippage_model_to_config(account.slippage)))
        sections.append(lines)

    for rule in spec.transfers:
        sections.append(
            [
                "[[transfers]]",
                _line("source", rule.source),
                _line("target", rule.target),
                _line("fee", _exact(rule.fee)),
                _line("delay_rounds", rule.delay_rounds),
            ]
        )

    for position in spec.initial_positions:
        sections.append(
            [
                "[[initial_positions]]",
                _line("symbol", position.symbol),
                _line("quantity", _exact(position.quantity)),
                _line("cost_basis", _exact(position.cost_basis)),
                _line("acquired", position.acquired),
                _line("account", position.account),
            ]
        )

    exits = spec.exits
    exit_lines = [
        _line(key, value)
        for key, value in (
            ("min_value", _percent(exits.min_value_fraction)),
            ("max_drawdown", _percent(exits.max_drawdown)),
            ("max_losing_rounds", exits.max_losing_rounds),
            ("target_return", _percent(exits.target_return)),
        )
        if value is not None
    ]
    if exit_lines:
        sections.append(["[exits]", *exit_lines])

    for account_name, cost in spec.running_costs:
        lines = [
            "[[running_costs]]",
            _line("name", cost.name),
            _line("account", account_name),
            _line("amount", _exact(cost.amount.amount)),
            _line("currency", cost.amount.currency.code),
        ]
        schedule = cost.schedule
        if isinstance(schedule, OneOff):
            lines += [_line("schedule", "once"), _line("on", schedule.on)]
        elif isinstance(schedule, EveryNDays):
            lines += [_line("schedule", "every_n_days"), _line("days", schedule.days), _line("anchor", schedule.anchor)]
        else:
            kind = "monthly" if isinstance(schedule, Monthly) else "yearly"
            lines += [_line("schedule", kind), _line("anchor", schedule.anchor)]
        sections.append(lines)

    if spec.tax is not None:
        tax = spec.tax
        sections.append(
            [
                "[tax]",
                _line("short_term", _percent(tax.rates.short_term)),
                _line("long_term", _percent(tax.rates.long_term)),
                _line("loss_deduction_limit", _exact(tax.loss_deduction_limit)),
                _line("currency", tax.currency.code),
            ]
        )
        for year in sorted(tax.year_overrides):
            rates = tax.year_overrides[year]
            sections.append(
                [
                    f"[tax.years.{year}]",
                    _line("short_term", _percent(rates.short_term)),
                    _line("long_term", _percent(rates.long_term)),
                ]
            )

    if spec.fx_rates:
        sections.append(["[fx_rates]", *(_line(code, _exact(rate)) for code, rate in spec.fx_rates)])

    sections.append(["[model]", _line("name", game.model)])
    if game.model_params:
        sections.append(["[model.params]", *(_line(key, value) for key, value in game.model_params.items())])

    return "\n\n".join("\n".join(lines) for lines in sections) + "\n"


def _exact(number: Decimal) -> str:
    """A Decimal as plain text without an exponent (``1E+5`` -> ``100000``), all digits kept."""
    return format(number, "f")


def _percent(fraction: Decimal | None) -> str | None:
    if fraction is None:
        return None
    text = format(fraction * 100, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text}%"


def _line(key: str, value: object) -> str:
    return f"{_key(key)} = {_value(value)}"


def _key(key: str) -> str:
    return key if _BARE_KEY.match(key) else _string(key)


def _string(text: str) -> str:
    escaped: list[str] = []
    for char in text:
        if char in '"\\':
            escaped.append("\\" + char)
        elif char == "\n":
            escaped.append("\\n")
        elif char == "\t":
            escaped.append("\\t")
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            escaped.append(f"\\u{ord(char):04X}")
        else:
            escaped.append(char)
    return '"' + "".join(escaped) + '"'


def _value(value: object) -> str:
    """A TOML value (strings, numbers, dates and times, arrays, inline tables)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(item) for item in value) + "]"
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{_key(str(key))} = {_value(item)}" for key, item in value.items()) + " }"
    raise TypeError(f"{type(value).__name__} {value!r} has no TOML form (use a string, number, date, list or table)")
