"""Built-in Models, and the Model protocol they follow.

A Model is any object with a ``name`` and a ``decide(ctx)`` method. Each Round the Game calls
``decide`` with a ``RoundContext`` (the data known at that time, cash, holdings, open Moves) and
the Model answers with a list of Actions (``Move``, ``Cancel``, ``EndGame``) or ``None``. A
decision taken on the close of bar t fills at bar t+1's open by default. A Model reads nothing
but ``ctx``. A new Model fits in about 20 lines, importing only ``tradegame``:

>>> from decimal import Decimal
>>> import tradegame as tg
>>> class BuyTheDip:
...     \"\"\"Buy half the Game's value of ``symbol`` after a fall of ``drop``; sell on a rise.\"\"\"
...
...     name = "buy-the-dip"
...
...     def __init__(self, symbol: str, drop: float = 0.02) -> None:
...         self.symbol, self.drop = symbol, drop
...
...     def decide(self, ctx: tg.RoundContext) -> list[tg.Action] | None:
...         closes = ctx.universe.close([self.symbol], window=2)[:, 0]
...         if len(closes) < 2 or ctx.open_moves:
...             return None
...         change = closes[-1] / closes[-2] - 1
...         held = ctx.quantity(self.symbol)
...         if change < -self.drop and not held:
...             return [tg.Move.target(self.symbol, Decimal("0.5"), reason=f"dip {change:.2%}")]
...         if change > 0 and held:
...             return [tg.Move.sell(self.symbol, sell_all=True, reason="rebound")]
...         return None

Play it on the bundled S&P 500 stocks through the 2020 crash, in code (or name it in a Game file
as ``file.py:BuyTheDip``):

>>> from datetime import date
>>> spec = tg.GameSpec(
...     name="dip-aapl", start=date(2020, 1, 2), end=date(2020, 12, 31), start_fund=Decimal("100000"),
...     data=(tg.DataSpec("skfolio-sp500", symbols=("AAPL",)),),
... )
>>> result = tg.play(tg.load_game(spec, BuyTheDip("AAPL")))
>>> result.outcome, result.score.score
('completed', Decimal('-6113.10'))

Conventions of the built-in Models:

* Parameters are checked in ``__init__``; a bad one raises ``InvalidInputError`` naming it.
  Amounts and weights are ``Decimal`` (an int, a str, or a float from a TOML file, converted
  through its repr); indicator thresholds are floats, since indicators are computed in floats.
* A Model keeps no state between Rounds: everything is derived from ``ctx`` (the Round number,
  the previous Round's time in ``ctx.history``, holdings, open Moves), so one instance can play
  many Games, even at the same time, and a replay decides exactly the same.
* Each Round costs little: a Model that only acts on some Rounds returns at once on the others,
  and indicators are computed on a window slice of the latest rows, never the whole history.
* Buys are ``Move.target`` orders (a weight of the Game's value, settled at the fill); exits
  are ``sell_all``. Every Move carries a short ``reason`` for the decision log.

Trainable Models (``gbm-classifier``, ``regime``) also have ``fit(history)``: the engine hands it
the history up to the Round's time minus a cut-off and keeps every version's record
(engine/training.py; a Game file's ``[model.training]``); ``decide`` reads ``ctx.fitted``.

``REGISTRY`` maps the names a Game file uses to the built-in constructors and ``make_model``
builds one from a name and a parameter table.
"""

from tradegame.engine.context import Model, RoundContext
from tradegame.models.buy_and_hold import BuyAndHold
from tradegame.models.classifier import GbmClassifier
from tradegame.models.crypto import CryptoRotator
from tradegame.models.dca import DollarCostAveraging
from tradegame.models.mean_reversion import MeanReversion, wilder_rsi
from tradegame.models.momentum import MomentumRotation
from tradegame.models.regime import RegimeSwitch
from tradegame.models.registry import REGISTRY, make_model
from tradegame.models.sma import SmaCrossover

__all__ = [
    "REGISTRY",
    "BuyAndHold",
    "CryptoRotator",
    "DollarCostAveraging",
    "GbmClassifier",
    "MeanReversion",
    "Model",
    "MomentumRotation",
    "RegimeSwitch",
    "RoundContext",
    "SmaCrossover",
    "make_model",
    "wilder_rsi",
]
