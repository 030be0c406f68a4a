"""tradegame: play, test and run trading strategies as games, with exact books.

``import tradegame as tg`` is the public face: a Model answers each Round's ``tg.RoundContext``
with ``tg.Move``\\ s (and ``tg.Cancel``, ``tg.EndGame``, ``tg.Transfer``, ``tg.Convert``,
``tg.Expense``, ``tg.Note``); a ``tg.GameSpec`` (accounts, fees, exits, tax, data) defines a Game;
``tg.universe`` reads a dataset or a DataFrame; ``tg.load_game`` and ``tg.play`` load and play a Game file or a Game
built in code, and ``tg.GameResult`` holds the score, the books and the decision log.

>>> import tradegame as tg
>>> from datetime import date
>>> from decimal import Decimal
>>> class Dip:
...     name = "dip"
...     def decide(self, ctx: tg.RoundContext) -> list[tg.Action] | None:
...         closes = ctx.universe.close(["SPX"], window=2)[:, 0]
...         if len(closes) == 2 and closes[1] < closes[0] * 0.97 and not ctx.quantity("SPX"):
...             return [tg.Move.target("SPX", Decimal("0.9"), reason="a 3% fall")]
...         return None
>>> spec = tg.GameSpec(
...     name="dip-2008", start=date(2008, 1, 2), end=date(2008, 12, 31), start_fund=Decimal("100000"),
...     accounts=(tg.AccountSpec("broker", fees=tg.PerShare(Decimal("0.005"), minimum=Decimal("1.00"))),),
...     data=(tg.DataSpec("arch-sp500", symbols=("SPX",)),),
... )
>>> result = tg.play(tg.load_game(spec, Dip()))
>>> result.outcome, result.score.score
('completed', Decimal('-29246.83'))

The names are imported on first use, so ``import tradegame`` (and the ``tradegame`` command)
stays fast; ``__all__`` lists them all.
"""

from __future__ import annotations

import importlib

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (mypy reads any TYPE_CHECKING as true)

__version__ = "0.1.0"

# The module that defines each public name; __all__ and the TYPE_CHECKING block list the same names
# (tests/unit/test_public_face.py checks that they agree).
_MODULES: dict[str, tuple[str, ...]] = {
    "engine.moves": ("Action", "Cancel", "EndGame", "Expense", "Move", "MoveStatus", "Note", "OrderType", "Side"),
    "engine.game": (
        "Convert", "Game", "GameEvent", "GameResult", "ModelError", "Outcome", "RoundObserver", "Score", "Transfer",
    ),
    "engine.context": ("Model", "PositionInfo", "RoundContext", "RoundRecord"),
    "engine.spec": (
        "AccountSpec", "DataSpec", "ExitRules", "GameSpec", "InitialPosition", "InvalidGameError", "TransferRule",
    ),
    "engine.costs": (
        "Combined", "FixedBps", "Flat", "MakerTaker", "NoFee", "NoSlippage", "PerShare", "PercentOfNotional",
        "Tiered", "VolumeImpact",
    ),
    "engine.universe": ("Universe", "UniverseView"),
    "engine.training": ("MonthScore", "TrainableModel", "TrainedVersion", "TrainingHistory"),
    "engine.training_spec": ("Span", "TrainingSpec"),
    "domain.instruments": ("AssetClass", "LotMethod"),
    "domain.running_costs": ("EveryNDays", "Monthly", "OneOff", "RunningCost", "Yearly"),
    "domain.money": ("Money",),
    "domain.tax": ("TaxProfile",),
    "domain.errors": ("InvalidInputError", "TradegameError"),
    "data.errors": ("DataError",),
    "app.api": ("load_game", "play", "universe"),
}  # fmt: skip
_EXPORTS = {name: module for module, names in _MODULES.items() for name in names}
_SUBMODULES = ("models",)

__all__ = [
    "AccountSpec",
    "Action",
    "AssetClass",
    "Cancel",
    "Combined",
    "Convert",
    "DataError",
    "DataSpec",
    "EndGame",
    "EveryNDays",
    "ExitRules",
    "Expense",
    "FixedBps",
    "Flat",
    "Game",
    "GameEvent",
    "GameResult",
    "GameSpec",
    "InitialPosition",
    "InvalidGameError",
    "InvalidInputError",
    "LotMethod",
    "MakerTaker",
    "Model",
    "ModelError",
    "Money",
    "MonthScore",
    "Monthly",
    "Move",
    "MoveStatus",
    "NoFee",
    "NoSlippage",
    "Note",
    "OneOff",
    "OrderType",
    "Outcome",
    "PerShare",
    "PercentOfNotional",
    "PositionInfo",
    "RoundContext",
    "RoundObserver",
    "RoundRecord",
    "RunningCost",
    "Score",
    "Side",
    "Span",
    "TaxProfile",
    "Tiered",
    "TradegameError",
    "TrainableModel",
    "TrainedVersion",
    "TrainingHistory",
    "TrainingSpec",
    "Transfer",
    "TransferRule",
    "Universe",
    "UniverseView",
    "VolumeImpact",
    "Yearly",
    "__version__",
    "load_game",
    "models",
    "play",
    "universe",
]

if TYPE_CHECKING:
    from tradegame import models
    from tradegame.app.api import load_game, play, universe
    from tradegame.data.errors import DataError
    from tradegame.domain.errors import InvalidInputError, TradegameError
    from tradegame.domain.instruments import AssetClass, LotMethod
    from tradegame.domain.money import Money
    from tradegame.domain.running_costs import EveryNDays, Monthly, OneOff, RunningCost, Yearly
    from tradegame.domain.tax import TaxProfile
    from tradegame.engine.context import Model, PositionInfo, RoundContext, RoundRecord
    from tradegame.engine.costs import (
        Combined,
        FixedBps,
        Flat,
        MakerTaker,
        NoFee,
        NoSlippage,
        PercentOfNotional,
        PerShare,
        Tiered,
        VolumeImpact,
    )
    from tradegame.engine.game import (
        Convert,
        Game,
        GameEvent,
        GameResult,
        ModelError,
        Outcome,
        RoundObserver,
        Score,
        Transfer,
    )
    from tradegame.engine.moves import Action, Cancel, EndGame, Expense, Move, MoveStatus, Note, OrderType, Side
    from tradegame.engine.spec import (
        AccountSpec,
        DataSpec,
        ExitRules,
        GameSpec,
        InitialPosition,
        InvalidGameError,
        TransferRule,
    )
    from tradegame.engine.training import MonthScore, TrainableModel, TrainedVersion, TrainingHistory
    from tradegame.engine.training_spec import Span, TrainingSpec
    from tradegame.engine.universe import Universe, UniverseView


def __getattr__(name: str) -> object:
    """Import a public name on first use (and keep it, so later lookups skip this)."""
    if name in _SUBMODULES:
        value: object = importlib.import_module(f"{__name__}.{name}")
    elif name in _EXPORTS:
        value = getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
