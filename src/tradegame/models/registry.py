"""The built-in Models by name, and ``make_model`` that builds one from a Game file's ``[model]``.

A Game TOML file says ``[model] name = "sma-crossover"``, ``params = {symbol = "SPY", fast = 20,
slow = 100}``; ``make_model("sma-crossover", {...})`` checks the name and the parameter names
against the constructor before calling it, and every problem is an ``InvalidInputError`` that
names the model and the parameter; ``check_model_symbols`` then checks the symbols the
parameters name (``symbol``, ``symbols``) against the Game's data, before anything is played
or recorded. The registry is a read-only mapping: nothing is registered
by side effect (a Model of your own is passed to ``play`` as an instance).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType

from tradegame.domain.errors import InvalidInputError
from tradegame.engine.context import Model
from tradegame.models.buy_and_hold import BuyAndHold
from tradegame.models.crypto import CryptoRotator
from tradegame.models.dca import DollarCostAveraging
from tradegame.models.mean_reversion import MeanReversion
from tradegame.models.momentum import MomentumRotation
from tradegame.models.sma import SmaCrossover

__all__ = ["REGISTRY", "check_model_symbols", "make_model"]

REGISTRY: Mapping[str, Callable[..., Model]] = MappingProxyType(
    {
        "buy-and-hold": BuyAndHold,
        "dca": DollarCostAveraging,
        "sma-crossover": SmaCrossover,
        "momentum-rotation": MomentumRotation,
        "mean-reversion": MeanReversion,
        "crypto-rotator": CryptoRotator,
    }
)


def make_model(name: str, params: Mapping[str, object]) -> Model:
    """The built-in Model called ``name``, built with ``params`` (keyword arguments)."""
    try:
        constructor = REGISTRY[name]
    except (KeyError, TypeError):
        raise InvalidInputError(f"model: unknown model {name!r}; use one of {', '.join(REGISTRY)}") from None
    if not isinstance(params, Mapping):
        raise InvalidInputError(f"model {name}: params must be a table of parameters, got {params!r}")
    accepted = {
        p.name: p
        for p in inspect.signature(constructor).parameters.values()
        if p.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    }
    for key in params:
        if key not in accepted:
            raise InvalidInputError(
                f"model {name}: unknown parameter {key!r}; it takes {', '.join(accepted) or 'no parameters'}"
            )
    missing = [p for p, spec in accepted.items() if spec.default is inspect.Parameter.empty and p not in params]
    if missing:
        raise InvalidInputError(f"model {name}: missing parameter(s) {', '.join(missing)}")
    return constructor(**params)


_SYMBOL_PARAMS = ("symbol", "symbols")  # the built-in Models' names for the instruments they trade


def check_model_symbols(name: str, params: Mapping[str, object], known: Sequence[str]) -> None:
    """Refuse a ``symbol``/``symbols`` parameter naming an instrument the Game's data does not
    hold (a data symbol such as ``BTC/USD``, or the asset of a pair, ``BTC``)."""
    assets = set(known) | {symbol.split("/", 1)[0] for symbol in known}
    for key in _SYMBOL_PARAMS:
        value = params.get(key)
        named = [value] if isinstance(value, str) else list(value) if isinstance(value, list | tuple) else []
        unknown = [str(symbol) for symbol in named if symbol not in assets]
        if unknown:
            shown_known = ", ".join(list(known)[:10]) + (", ..." if len(known) > 10 else "")
            listed = ", ".join(map(repr, unknown))
            raise InvalidInputError(f"model {name}: {key}: unknown symbol {listed} (the Game's data has {shown_known})")
