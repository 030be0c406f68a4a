"""The built-in Models by name, and ``make_model`` that builds one from a Game file's ``[model]``.

A Game TOML file says ``[model] name = "sma-crossover"``, ``params = {symbol = "SPX", fast = 20,
slow = 100}``; ``make_model("sma-crossover", {...})`` checks the name, and the parameters against the
constructor's signature and type hints (``models.params``) before calling it; every problem is
one line of one ``InvalidGameError`` naming the field (``model.params.fast``). The registry is a
read-only mapping: nothing is registered by side effect. A Model of your own is passed to
``play`` as an instance, or named in a Game file as ``module:Class`` or ``file.py:Class`` or
installed under the ``tradegame.models`` entry-point group (``tradegame.app.models`` finds it).
``model_symbol_problems`` then checks the symbols the parameters name (``symbol``, ``symbols``)
against the Game's data, before anything is played or recorded.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType

from tradegame.domain.errors import InvalidInputError
from tradegame.engine.context import Model
from tradegame.engine.spec import InvalidGameError
from tradegame.models.buy_and_hold import BuyAndHold
from tradegame.models.classifier import GbmClassifier
from tradegame.models.crypto import CryptoRotator
from tradegame.models.dca import DollarCostAveraging
from tradegame.models.mean_reversion import MeanReversion
from tradegame.models.momentum import MomentumRotation
from tradegame.models.params import check_params
from tradegame.models.regime import RegimeSwitch
from tradegame.models.sma import SmaCrossover

__all__ = ["REGISTRY", "build_model", "check_model_symbols", "make_model", "model_symbol_problems"]

REGISTRY: Mapping[str, Callable[..., Model]] = MappingProxyType(
    {
        "buy-and-hold": BuyAndHold,
        "dca": DollarCostAveraging,
        "sma-crossover": SmaCrossover,
        "momentum-rotation": MomentumRotation,
        "mean-reversion": MeanReversion,
        "crypto-rotator": CryptoRotator,
        "gbm-classifier": GbmClassifier,
        "regime": RegimeSwitch,
    }
)


def make_model(name: str, params: Mapping[str, object]) -> Model:
    """The built-in Model called ``name``, built with ``params`` (keyword arguments).

    Models from elsewhere (``module:Class``, ``file.py:Class``, entry points) are found by
    ``tradegame.app.models``, which builds them with ``build_model`` too.
    """
    try:
        constructor = REGISTRY[name]
    except (KeyError, TypeError):
        raise InvalidGameError([f"model.name: unknown model {name!r}; use one of {', '.join(REGISTRY)}"]) from None
    return build_model(name, constructor, params)


def build_model(label: str, constructor: Callable[..., object], params: Mapping[str, object]) -> Model:
    """``constructor(**params)`` once ``params`` fit its signature and type hints (``models.params``).

    Every bad parameter is one line of one ``InvalidGameError``; the constructor is not called then.
    A constructor that fails with anything but ``InvalidInputError`` (its own parameter check) is
    reported as an ``InvalidInputError`` naming ``label``. The result must have a ``decide`` method.
    """
    if not isinstance(params, Mapping):
        raise InvalidGameError([f"model.params: {label}'s params must be a table of parameters, got {params!r}"])
    try:
        kwargs, problems = check_params(label, constructor, params)
    except (TypeError, ValueError) as error:  # no signature to read (a builtin callable)
        raise InvalidInputError(f"model.name: {label} cannot be read as a Model constructor: {error}") from None
    if problems:
        raise InvalidGameError(problems)
    try:
        model = constructor(**kwargs)
    except InvalidInputError:
        raise
    except Exception as error:  # a Model of the user's: its failure is bad input
        raise InvalidInputError(f"model {label}: building it failed: {type(error).__name__}: {error}") from None
    if not callable(getattr(model, "decide", None)):
        raise InvalidInputError(f"model.name: {label} is not a Model (it has no decide(ctx) method)")
    return model  # type: ignore[return-value]


_SYMBOL_PARAMS = ("symbol", "symbols")  # the built-in Models' names for the instruments they trade


def model_symbol_problems(
    params: Mapping[str, object], known: Sequence[str], where: str = "model.params."
) -> list[str]:
    """One line per ``symbol``/``symbols`` parameter naming instruments the Game's data does not hold
    (a data symbol such as ``BTC/USD``, or the asset of a pair, ``BTC``); ``where`` prefixes the key."""
    assets = set(known) | {symbol.split("/", 1)[0] for symbol in known}
    shown_known = ", ".join(list(known)[:10]) + (", ..." if len(known) > 10 else "")
    problems = []
    for key in _SYMBOL_PARAMS:
        value = params.get(key)
        named = [value] if isinstance(value, str) else list(value) if isinstance(value, list | tuple) else []
        unknown = [str(symbol) for symbol in named if symbol not in assets]
        if unknown:
            listed = ", ".join(map(repr, unknown))
            problems.append(f"{where}{key}: unknown symbol {listed} (the Game's data has {shown_known})")
    return problems


def check_model_symbols(params: Mapping[str, object], known: Sequence[str], where: str = "model.params.") -> None:
    """Refuse (``InvalidGameError``) the ``model_symbol_problems`` of ``params``, if any."""
    problems = model_symbol_problems(params, known, where)
    if problems:
        raise InvalidGameError(problems)
