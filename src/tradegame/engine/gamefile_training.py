"""The Game file's ``[model.training]`` table read into a ``TrainingSpec`` (engine/training_spec.py).

Internal to the Game file reader (``gamefile_fields.py``): every bad value is reported under its
field (``model.training.length: must be a span such as "2y" ...``) and left at its default, so the
rest of the file is still checked. Standard library, the domain and the engine's spec modules only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, TypeVar

from tradegame.engine.gamefile_values import (
    BadValueError,
    currency_for,
    show_value,
    to_amount,
    to_fraction,
    to_integer,
    to_text,
)
from tradegame.engine.spec import GameSpec
from tradegame.engine.training_spec import TRAINING_KEYS, TrainingSpec, parse_every, parse_span

if TYPE_CHECKING:
    from tradegame.engine.gamefile_fields import FieldReader

__all__ = ["read_training"]

T = TypeVar("T")
_PATH = "model.training"


def _checked(parse: Callable[[object], T]) -> Callable[[object], T]:
    """``parse`` with its ``ValueError`` turned into the reader's ``BadValueError``."""

    def convert(value: object) -> T:
        try:
            return parse(value)
        except ValueError as error:
            raise BadValueError(str(error)) from None

    return convert


def read_training(reader: FieldReader, value: object, spec: GameSpec) -> TrainingSpec | None:
    """The ``TrainingSpec`` of a ``[model.training]`` table; its problems go to ``reader``."""
    table = reader.table(value, _PATH, TRAINING_KEYS)
    if table is None:
        return None
    default = TrainingSpec()
    length = reader.optional(table, "length", _PATH, _checked(lambda v: parse_span(v, allow_all=True)), default.length)
    cutoff = reader.optional(table, "cutoff", _PATH, _checked(parse_span), default.cutoff)
    training = TrainingSpec(
        length=length,
        cutoff=default.cutoff if cutoff is None else cutoff,
        every=reader.optional(table, "every", _PATH, _checked(parse_every), default.every),
        cost_per_fit=reader.optional(table, "cost_per_fit", _PATH, to_amount, None),
        account=reader.optional(table, "account", _PATH, to_text, None),
        expire_below=reader.optional(table, "expire_below", _PATH, to_fraction, None),
        expire_months=reader.optional(table, "expire_months", _PATH, to_integer, None),
    )
    _check_minor_units(reader, table, training, spec)
    return training


def _check_minor_units(
    reader: FieldReader, table: Mapping[str, object], training: TrainingSpec, spec: GameSpec
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
