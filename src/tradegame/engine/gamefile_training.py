"""The Game file's ``[model.training]`` table read into a ``TrainingSpec`` (engine/training_spec.py).

Internal to the Game file readers (``gamefile_fields.py``; ``activator_config.py`` for an
``[[activator.models]]`` entry's ``training``): every bad value is reported under its field
(``model.training.length: must be a span such as "2y" ...``) and left at its default, so the
rest of the file is still checked. Standard library, the domain and the engine's spec modules only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TypeVar

from tradegame.engine.gamefile_values import (
    BadValueError,
    currency_for,
    did_you_mean,
    join_path,
    show_value,
    to_amount,
    to_fraction,
    to_integer,
    to_text,
)
from tradegame.engine.spec import GameSpec
from tradegame.engine.training_spec import TRAINING_KEYS, TrainingSpec, parse_every, parse_span

__all__ = ["TableReading", "read_training"]

T = TypeVar("T")
D = TypeVar("D")
_PATH = "model.training"


class TableReading:
    """``table`` and ``optional`` over a ``report``: the Game file reader's, and the Activator's
    for a Model's ``training``."""

    def report(self, where: str, problem: str) -> None:
        raise NotImplementedError

    def table(self, value: object, path: str, allowed: Sequence[str]) -> Mapping[str, object] | None:
        """``value`` as a table, after reporting each key that is not ``allowed``."""
        if not isinstance(value, Mapping):
            self.report(path, f"must be a table, got {show_value(value)}")
            return None
        for key in value:
            if key not in allowed:
                hint = did_you_mean(key, allowed) or f" (expected one of: {', '.join(allowed)})"
                self.report(join_path(path, key), f"unknown key{hint}")
        return value

    def optional(
        self, table: Mapping[str, object], key: str, path: str, convert: Callable[[object], T], default: D
    ) -> T | D:
        if key not in table:
            return default
        try:
            return convert(table[key])
        except BadValueError as error:
            self.report(join_path(path, key), str(error))
            return default


def _checked(parse: Callable[[object], T]) -> Callable[[object], T]:
    """``parse`` with its ``ValueError`` turned into the reader's ``BadValueError``."""

    def convert(value: object) -> T:
        try:
            return parse(value)
        except ValueError as error:
            raise BadValueError(str(error)) from None

    return convert


def read_training(reader: TableReading, value: object, spec: GameSpec | None, path: str = _PATH) -> TrainingSpec | None:
    """The ``TrainingSpec`` of a ``[model.training]`` table (at ``path``); its problems go to
    ``reader``. Without the Game's ``spec`` the price's minor units are checked when the Game starts."""
    table = reader.table(value, path, TRAINING_KEYS)
    if table is None:
        return None
    default = TrainingSpec()
    length = reader.optional(table, "length", path, _checked(lambda v: parse_span(v, allow_all=True)), default.length)
    cutoff = reader.optional(table, "cutoff", path, _checked(parse_span), default.cutoff)
    training = TrainingSpec(
        length=length,
        cutoff=default.cutoff if cutoff is None else cutoff,
        every=reader.optional(table, "every", path, _checked(parse_every), default.every),
        cost_per_fit=reader.optional(table, "cost_per_fit", path, to_amount, None),
        account=reader.optional(table, "account", path, to_text, None),
        expire_below=reader.optional(table, "expire_below", path, to_fraction, None),
        expire_months=reader.optional(table, "expire_months", path, to_integer, None),
    )
    if spec is not None:
        _check_minor_units(reader, table, training, spec)
    return training


def _check_minor_units(
    reader: TableReading, table: Mapping[str, object], training: TrainingSpec, spec: GameSpec
) -> None:
    """A priced fit is charged in whole minor units of the paying account's currency."""
    cost = training.cost_per_fit
    if cost is None or cost <= 0:
        return  # missing, or reported by TrainingSpec.problems
    payer = training.account or (spec.accounts[0].name if spec.accounts else None)
    code = next((account.currency for account in spec.accounts if account.name == payer), spec.currency)
    currency = currency_for(code)
    if currency.round(cost) != cost:
        shown = show_value(table.get("cost_per_fit", str(cost)))
        reader.report(f"{_PATH}.cost_per_fit", f"must be in whole {code} minor units, got {shown}")
