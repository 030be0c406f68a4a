"""The ``[activator]`` table of a Game file, read into an ``ActivatorConfig`` with every problem named.

An Activator plays a Game over several Models: each session it decides which of them run and
with what share of the capital (``models/activator.py``). Its table::

    [activator]
    rule = "trend-vol"          # or "always-on"
    index = "SPX"               # trend-vol: the index series of the Universe it reads
    trend_days = 200            # the index against its N-session simple moving average
    vol_days = 20               # realised volatility of the index over N sessions, annualised (252)
    vol_max = "30%"             # calm: index at or above its SMA and vol at or below vol_max
    calm = { sma = "100%" }     # shares when calm (Models not named get 0%)
    stressed = { hold = "50%" } # shares otherwise; the rest of the capital stays in cash
    off_months = [9]            # optional: in these calendar months the stressed shares apply
    hold_days = 5               # optional: shares, once changed, stay for at least 5 sessions
    record_days = 60            # optional: a Model whose sub-book lost more than record_floor
    record_floor = "-15%"       #   over its last record_days sessions is switched off
    shares = { sma = "60%", hold = "40%" }   # always-on: fixed shares, every session

    [[activator.models]]        # two or more; "as" names the Model's sub-book
    as = "sma"
    name = "sma-crossover"      # a built-in Model, an entry point, module:Class or file.py:Class
    params = { symbol = "SPX", fast = 50, slow = 200 }
    training = { length = "2y", cutoff = "5d", every = "quarterly" }  # optional: a trainable Model's
                                # walk-forward fits, as in [model.training] (engine/gamefile_training.py)

Shares are fractions or percentages; each rule's shares sum to at most 100%. Every problem is one
``activator.FIELD: problem`` line; ``read_activator`` collects them all (the caller raises one
``InvalidGameError``). Standard library and the Game file's value readers only.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Final, TypeVar

from tradegame.engine.gamefile_training import TableReading, read_training
from tradegame.engine.gamefile_values import (
    BadValueError,
    did_you_mean,
    show_value,
    to_fraction,
    to_integer,
    to_params,
    to_text,
)
from tradegame.engine.training_spec import TrainingSpec

__all__ = ["ACTIVATOR", "RULES", "ActivatorConfig", "Member", "read_activator"]

ACTIVATOR: Final = "activator"  # the Model name a Game file's [activator] plays under
RULES: Final = ("always-on", "trend-vol")
_KEYS: Final = (
    "rule",
    "models",
    "shares",
    "index",
    "trend_days",
    "vol_days",
    "vol_max",
    "calm",
    "stressed",
    "off_months",
    "record_days",
    "record_floor",
    "hold_days",
)
_MEMBER_KEYS: Final = ("as", "name", "params", "training")
_ALIAS = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,23}$")
T = TypeVar("T")


@dataclass(frozen=True)
class Member:
    """One Model under the Activator: its sub-book's name (``alias``), the Model's name and
    parameters, and how the engine trains it (``training``, for a trainable Model)."""

    alias: str
    model: str
    params: dict[str, object] = field(default_factory=dict)
    training: TrainingSpec | None = None


@dataclass(frozen=True)
class ActivatorConfig:
    """An ``[activator]`` table as read (see the module docstring for each field)."""

    members: tuple[Member, ...]
    rule: str = "always-on"
    shares: dict[str, Decimal] = field(default_factory=dict)
    index: str | None = None
    trend_days: int = 200
    vol_days: int = 20
    vol_max: Decimal = Decimal("0.3")
    calm: dict[str, Decimal] = field(default_factory=dict)
    stressed: dict[str, Decimal] = field(default_factory=dict)
    off_months: tuple[int, ...] = ()
    record_days: int | None = None
    record_floor: Decimal | None = None
    hold_days: int = 1

    @property
    def aliases(self) -> tuple[str, ...]:
        return tuple(member.alias for member in self.members)


class _Reader:
    """Collects ``activator.FIELD: problem`` lines while reading the table."""

    def __init__(self, table: Mapping[str, object]) -> None:
        self.table = table
        self.problems: list[str] = []

    def report(self, where: str, problem: str) -> None:
        self.problems.append(f"activator.{where}: {problem}")

    def training(self, entry: Mapping[str, object], where: str) -> TrainingSpec | None:
        """A Model's ``training`` table, as ``[model.training]`` is read (None when it has none)."""
        if "training" not in entry:
            return None
        path = f"{where}.training"
        spec = read_training(_Nested(self.report), entry["training"], None, path)
        if spec is not None:
            payer = () if spec.account is None else (spec.account,)  # the account is checked as the Game starts
            for problem in spec.problems(payer):
                field_name, _, text = problem.partition(": ")
                self.report(f"{where}.{field_name}", text)
        return spec

    def get(self, key: str, convert: Callable[[object], T], default: T) -> T:
        if key not in self.table:
            return default
        try:
            return convert(self.table[key])
        except BadValueError as error:
            self.report(key, str(error))
            return default

    def positive(self, key: str, default: int) -> int:
        value = self.get(key, to_integer, default)
        if value < 1:
            self.report(key, f"must be a whole number of sessions >= 1, got {value}")
            return default
        return value

    def shares(self, key: str, aliases: tuple[str, ...]) -> dict[str, Decimal]:
        value = self.table.get(key, {})
        if not isinstance(value, Mapping):
            self.report(key, f'must be a table of shares by Model (as), e.g. {{ a = "60%" }}, got {show_value(value)}')
            return {}
        shares: dict[str, Decimal] = {}
        for alias, text in value.items():
            if alias not in aliases:
                self.report(f"{key}.{alias}", f"no Model is named {alias!r}{did_you_mean(alias, aliases)}")
                continue
            try:
                share = to_fraction(text)
            except BadValueError as error:
                self.report(f"{key}.{alias}", str(error))
                continue
            if not Decimal(0) <= share <= Decimal(1):
                self.report(f"{key}.{alias}", f"must be within 0% and 100%, got {show_value(text)}")
                continue
            shares[alias] = share
        if sum(shares.values(), Decimal(0)) > 1:
            self.report(key, f"the shares sum to {sum(shares.values()):%}, more than 100%")
        return shares

    def members(self) -> tuple[Member, ...]:
        entries = self.table.get("models")
        if not isinstance(entries, list) or len(entries) < 2:
            self.report("models", "must list two or more Models ([[activator.models]] with as, name, params)")
            return ()
        members: list[Member] = []
        for index, entry in enumerate(entries):
            where = f"models[{index}]"
            if not isinstance(entry, Mapping):
                self.report(where, f"must be a table, got {show_value(entry)}")
                continue
            for key in entry:
                if key not in _MEMBER_KEYS:
                    self.report(f"{where}.{key}", f"unknown key{did_you_mean(str(key), _MEMBER_KEYS)}")
            alias, name = entry.get("as"), entry.get("name")
            if not isinstance(alias, str) or not _ALIAS.match(alias):
                wanted = "a short name (a letter, then letters, digits, - or _)"
                self.report(f"{where}.as", f"must be {wanted}, got {show_value(alias)}")
                continue
            if alias in {m.alias for m in members}:
                self.report(f"{where}.as", f"{alias!r} names two Models")
                continue
            if not isinstance(name, str) or not name.strip():
                self.report(f"{where}.name", f"must name a Model, got {show_value(name)}")
                continue
            if name == ACTIVATOR:
                self.report(f"{where}.name", "an Activator cannot play under an Activator")
                continue
            try:
                params = to_params(entry.get("params", {}))
            except BadValueError as error:
                self.report(f"{where}.params", str(error))
                continue
            members.append(Member(alias, name, params, self.training(entry, where)))
        return tuple(members)


class _Nested(TableReading):
    """Reads a table inside the Activator's (a Model's ``training``) as the Game file reader does."""

    def __init__(self, report: Callable[[str, str], None]) -> None:
        self._report = report

    def report(self, where: str, problem: str) -> None:
        self._report(where, problem)


def read_activator(table: object) -> tuple[ActivatorConfig | None, list[str]]:
    """The ``ActivatorConfig`` of an ``[activator]`` table and every problem (``None`` when any)."""
    if not isinstance(table, Mapping):
        return None, [f"activator: must be a table, got {show_value(table)}"]
    reader = _Reader(table)
    for key in table:
        if key not in _KEYS:
            reader.report(str(key), f"unknown key{did_you_mean(str(key), _KEYS)}")
    rule = reader.get("rule", to_text, "always-on")
    if rule not in RULES:
        reader.report("rule", f"unknown rule {rule!r}; use one of {', '.join(RULES)}{did_you_mean(rule, RULES)}")
    members = reader.members()
    aliases = tuple(member.alias for member in members)
    config = ActivatorConfig(
        members,
        rule,
        reader.shares("shares", aliases),
        reader.get("index", to_text, None),
        reader.positive("trend_days", 200),
        reader.positive("vol_days", 20),
        reader.get("vol_max", to_fraction, Decimal("0.3")),
        reader.shares("calm", aliases),
        reader.shares("stressed", aliases),
        _months(reader),
        reader.positive("record_days", 1) if "record_days" in table else None,
        reader.get("record_floor", to_fraction, None),
        reader.positive("hold_days", 1),
    )
    _rule_problems(reader, config)
    return (None if reader.problems else config), reader.problems


def _months(reader: _Reader) -> tuple[int, ...]:
    value = reader.table.get("off_months", [])
    if not isinstance(value, list) or not all(type(m) is int and 1 <= m <= 12 for m in value):
        reader.report("off_months", f"must be a list of months 1..12, got {show_value(value)}")
        return ()
    return tuple(sorted(set(value)))


def _rule_problems(reader: _Reader, config: ActivatorConfig) -> None:
    """What a rule needs that the table leaves out (or gives to the other rule)."""
    table = reader.table
    if config.rule == "always-on":
        if "shares" not in table:
            reader.report("shares", 'missing: always-on needs the fixed shares, e.g. shares = { a = "50%", b = "50%" }')
        wrong = [key for key in ("index", "calm", "stressed", "off_months") if key in table]
        for key in wrong:
            reader.report(key, "is a trend-vol setting; always-on takes shares")
    elif config.rule == "trend-vol":
        if config.index is None:
            reader.report("index", 'missing: trend-vol reads an index series of the Universe, e.g. index = "SPX"')
        for key in ("calm", "stressed"):
            if key not in table:
                reader.report(key, f'missing: trend-vol needs the {key} shares, e.g. {key} = {{ a = "100%" }}')
        if "shares" in table:
            reader.report("shares", "is an always-on setting; trend-vol takes calm and stressed")
        if config.vol_max <= 0:
            reader.report("vol_max", f"must be positive, got {config.vol_max}")
    if (config.record_days is None) != (config.record_floor is None):
        reader.report("record_floor" if config.record_floor is None else "record_days",
                      "record_days and record_floor go together")  # fmt: skip
