"""The cost models in a Game TOML file: ``fee_model_from_config`` / ``slippage_model_from_config``
read a ``{"model": ..., ...}`` table, ``fee_model_to_config`` / ``slippage_model_to_config``
write one back. Every problem raises ``InvalidInputError`` starting with the field path.

Standard library and ``tradegame.domain`` only.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Final, cast

from tradegame.domain.errors import InvalidInputError
from tradegame.engine.cost_fields import _FieldError, _show
from tradegame.engine.fee_models import (
    Combined,
    FeeModel,
    Flat,
    MakerTaker,
    NoFee,
    PercentOfNotional,
    PerShare,
    Tiered,
)
from tradegame.engine.slippage_models import FixedBps, NoSlippage, SlippageModel, VolumeImpact

__all__ = [
    "fee_model_from_config",
    "fee_model_to_config",
    "slippage_model_from_config",
    "slippage_model_to_config",
]

_OPEN_BOUND_WORDS: Final = frozenset({"inf", "+inf", "infinity", "+infinity", "none"})


def _toml_decimal(value: object) -> object:
    # TOML has no decimal type: 0.001 arrives as a float. repr() gives the shortest string that
    # round-trips, i.e. what the user typed, so Decimal(repr(0.001)) == Decimal("0.001") exactly.
    if isinstance(value, float):
        return Decimal(repr(value))
    return value


def _toml_tiers(value: object, path: str) -> object:
    if not isinstance(value, list | tuple):
        return value  # Tiered reports the shape
    converted: list[object] = []
    for pair in value:
        if isinstance(pair, list | tuple) and len(pair) == 2:
            upper, rate = pair
            open_bound = (isinstance(upper, str) and upper.strip().lower() in _OPEN_BOUND_WORDS) or (
                isinstance(upper, float) and upper == math.inf
            )
            converted.append((None if open_bound else _toml_decimal(upper), _toml_decimal(rate)))
        else:
            converted.append(pair)
    return tuple(converted)


def _toml_parts(value: object, path: str) -> object:
    if not isinstance(value, list | tuple):
        return value  # Combined reports the shape
    return tuple(fee_model_from_config(part, f"{path}[{index}]") for index, part in enumerate(value))


@dataclass(frozen=True)
class _Shape:
    """How one ``model = "..."`` config maps to a class: its keys and their converters."""

    build: Callable[..., object]
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    convert: Mapping[str, Callable[[object, str], object]] | None = None


def _fee_number(value: object, path: str) -> object:
    return _toml_decimal(value)


def _same(value: object, path: str) -> object:
    return value


_FEE_SHAPES: Final[Mapping[str, _Shape]] = {
    "none": _Shape(NoFee, ()),
    "per_share": _Shape(PerShare, ("rate",), ("minimum", "maximum_pct")),
    "percent": _Shape(PercentOfNotional, ("rate",), ("minimum",)),
    "flat": _Shape(Flat, ("amount",)),
    "tiered": _Shape(Tiered, ("tiers",), ("minimum",), {"tiers": _toml_tiers}),
    "maker_taker": _Shape(MakerTaker, ("maker_rate", "taker_rate"), ("minimum",)),
    "combined": _Shape(Combined, ("parts",), (), {"parts": _toml_parts}),
}

_SLIPPAGE_SHAPES: Final[Mapping[str, _Shape]] = {
    "none": _Shape(NoSlippage, ()),
    "fixed_bps": _Shape(FixedBps, ("bps",)),
    "volume_impact": _Shape(VolumeImpact, ("coefficient",), ("exponent", "max_bps")),
}


def _from_config(
    config: object, path: str, kind: str, shapes: Mapping[str, _Shape], number: Callable[[object, str], object]
) -> object:
    names = ", ".join(sorted(shapes))
    if not isinstance(config, Mapping):
        raise InvalidInputError(f"{path}: must be a table with a 'model' key, got {_show(config)}")
    if "model" not in config:
        raise InvalidInputError(f"{path}.model: missing required key (use one of: {names})")
    name = config["model"]
    if not isinstance(name, str) or name not in shapes:
        raise InvalidInputError(f"{path}.model: unknown {kind} model {name!r} (use one of: {names})")
    shape = shapes[name]
    allowed = ("model", *shape.required, *shape.optional)
    for key in config:
        if key not in allowed:
            raise InvalidInputError(
                f"{path}.{key}: unknown key for the {name!r} {kind} model (allowed: {', '.join(allowed)})"
            )
    for key in shape.required:
        if key not in config:
            raise InvalidInputError(f"{path}.{key}: missing required key for the {name!r} {kind} model")
    converters = shape.convert or {}
    arguments = {
        key: converters.get(key, number)(value, f"{path}.{key}") for key, value in config.items() if key != "model"
    }
    try:
        return shape.build(**arguments)
    except _FieldError as error:
        raise InvalidInputError(f"{path}.{error.field}: {error.problem}") from None


def fee_model_from_config(config: Mapping[str, object], field: str = "fees") -> FeeModel:
    """Build a fee model from a Game TOML table; ``field`` is its path, used in error messages.

    Shapes (rates are fractions; numbers may be str, int or float; a float is read through
    ``Decimal(repr(x))``, so TOML's ``0.001`` is exactly ``Decimal("0.001")``; quote numbers to be sure)::

        {"model": "none"}
        {"model": "per_share", "rate": "0.005", "minimum": "1.00", "maximum_pct": "0.01"}
        {"model": "percent", "rate": "0.001", "minimum": "0"}
        {"model": "flat", "amount": "4.95"}
        {"model": "tiered", "tiers": [["10000", "0.002"], ["50000", "0.001"], ["inf", "0.0005"]], "minimum": "0"}
        {"model": "maker_taker", "maker_rate": "-0.0001", "taker_rate": "0.0004", "minimum": "0"}
        {"model": "combined", "parts": [{"model": "per_share", ...}, {"model": "percent", ...}]}

    The open last tier is written ``"inf"`` (or ``inf``, or ``None`` from Python). Raises
    ``InvalidInputError`` starting with the field path, e.g. ``fees.rat: unknown key ...``.
    """
    # Every _FEE_SHAPES builder is a FeeModel class.
    return cast(FeeModel, _from_config(config, field, "fee", _FEE_SHAPES, _fee_number))


def slippage_model_from_config(config: Mapping[str, object], field: str = "slippage") -> SlippageModel:
    """Build a slippage model from a Game TOML table; ``field`` is its path, used in error messages.

    Shapes (plain numbers)::

        {"model": "none"}
        {"model": "fixed_bps", "bps": 5}
        {"model": "volume_impact", "coefficient": 0.1, "exponent": 0.5, "max_bps": 50}
    """
    # Every _SLIPPAGE_SHAPES builder is a SlippageModel class.
    return cast(SlippageModel, _from_config(config, field, "slippage", _SLIPPAGE_SHAPES, _same))


def fee_model_to_config(model: FeeModel) -> dict[str, object]:
    """The config table for a built-in fee model (Decimals as exact strings, the open tier as ``"inf"``).

    ``fee_model_from_config(fee_model_to_config(model)) == model``. A custom model raises ``TypeError``.
    """
    if isinstance(model, NoFee):
        return {"model": "none"}
    if isinstance(model, PerShare):
        config: dict[str, object] = {"model": "per_share", "rate": str(model.rate), "minimum": str(model.minimum)}
        if model.maximum_pct is not None:
            config["maximum_pct"] = str(model.maximum_pct)
        return config
    if isinstance(model, PercentOfNotional):
        return {"model": "percent", "rate": str(model.rate), "minimum": str(model.minimum)}
    if isinstance(model, Flat):
        return {"model": "flat", "amount": str(model.amount)}
    if isinstance(model, Tiered):
        tiers = [["inf" if upper is None else str(upper), str(rate)] for upper, rate in model.tiers]
        return {"model": "tiered", "tiers": tiers, "minimum": str(model.minimum)}
    if isinstance(model, MakerTaker):
        return {
            "model": "maker_taker",
            "maker_rate": str(model.maker_rate),
            "taker_rate": str(model.taker_rate),
            "minimum": str(model.minimum),
        }
    if isinstance(model, Combined):
        return {"model": "combined", "parts": [fee_model_to_config(part) for part in model.parts]}
    raise TypeError(f"{type(model).__name__} is not a built-in fee model and has no config form")


def slippage_model_to_config(model: SlippageModel) -> dict[str, object]:
    """The config table for a built-in slippage model; a custom model raises ``TypeError``."""
    if isinstance(model, NoSlippage):
        return {"model": "none"}
    if isinstance(model, FixedBps):
        return {"model": "fixed_bps", "bps": model.bps}
    if isinstance(model, VolumeImpact):
        config: dict[str, object] = {
            "model": "volume_impact",
            "coefficient": model.coefficient,
            "exponent": model.exponent,
        }
        if model.max_bps is not None:
            config["max_bps"] = model.max_bps
        return config
    raise TypeError(f"{type(model).__name__} is not a built-in slippage model and has no config form")
