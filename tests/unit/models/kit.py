"""Builders for the Model tests: bars from hand-made closes, a Universe, one played Game."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import numpy as np
import pandas as pd

from tradegame.data.calendars import sessions
from tradegame.data.panel import Panel
from tradegame.domain.money import USD
from tradegame.engine.context import Model, RoundRecord
from tradegame.engine.game import GameEvent, GameResult, play
from tradegame.engine.moves import MoveState
from tradegame.engine.spec import AccountSpec, DataSpec, GameSpec
from tradegame.engine.universe import Universe, UniverseView

OPEN_BELOW_CLOSE = 0.25  # every bar opens this much below its close, so a fill at the open is recognisable


def nyse_days(start: str, count: int) -> pd.DatetimeIndex:
    """The first ``count`` NYSE sessions from ``start`` (UTC midnight labels)."""
    days = sessions("XNYS", start, pd.Timestamp(start) + pd.Timedelta(days=2 * count + 10))
    return days[:count]


def bars(closes: Mapping[str, Sequence[float]], days: pd.DatetimeIndex) -> pd.DataFrame:
    """Bars with the given closes (NaN: no bar); open = close - 0.25, high = close + 1, low = close - 1
    (half the close for a close of 1 or less)."""
    frames = []
    for symbol, values in closes.items():
        close = np.asarray(values, dtype=np.float64)
        frame = pd.DataFrame(
            {
                "symbol": symbol,
                "ts": days[: len(close)],
                "open": close - OPEN_BELOW_CLOSE,
                "high": close + 1.0,
                "low": np.where(close > 1.0, close - 1.0, close / 2),  # a low stays a price (above zero)
                "close": close,
                "volume": 1_000_000.0,
                "adj_close": np.nan,
            }
        )
        frames.append(frame[~np.isnan(close)])
    return pd.concat(frames, ignore_index=True)


def universe(frame: pd.DataFrame, calendar: str = "XNYS") -> Universe:
    panel = Panel.from_bars(frame, frequency="1d", calendar=calendar, currency="USD")
    return Universe.from_panel(panel, currency=USD)


def run(
    model: Model,
    frame: pd.DataFrame,
    *,
    start: date | None = None,
    end: date | None = None,
    fund: str = "10000",
    calendar: str = "XNYS",
    account: AccountSpec | None = None,
) -> GameResult:
    """Play ``model`` on ``frame`` from its first to its last day (or ``start``..``end``)."""
    days = pd.DatetimeIndex(frame["ts"]).sort_values()
    spec = GameSpec(
        name="model-test",
        start=start or days[0].date(),
        start_fund=Decimal(fund),
        end=end or days[-1].date(),
        data=(DataSpec("test"),),
        accounts=(account or AccountSpec("main"),),
    )
    return play(spec, universe(frame, calendar), model)


def of_kind(result: GameResult, kind: str, symbol: str | None = None) -> list[GameEvent]:
    return [e for e in result.events if e.kind == kind and (symbol is None or e.symbol == symbol)]


def fill_parts(event: GameEvent) -> tuple[str, Decimal, Decimal]:
    """(side, quantity, price) of a 'filled' event: ``"buy 49 @ 100.5 fee 0.00 (49/49)"``."""
    side, quantity, _, price = event.detail.split()[:4]
    return side, Decimal(quantity), Decimal(price)


def day_of(event: GameEvent) -> str:
    return event.time[:10]


@dataclass
class FakeContext:
    """A hand-written stand-in for ``RoundContext`` for unit checks of a single decision."""

    round: int
    time: pd.Timestamp
    universe: UniverseView | None = None
    history: list[RoundRecord] = field(default_factory=list)
    open_moves: tuple[MoveState, ...] = ()
    held: dict[str, Decimal] = field(default_factory=dict)
    cash_amount: Decimal = Decimal(0)

    @property
    def ns(self) -> int:  # as ``RoundContext.ns``: the Round's time in ns since the epoch (UTC)
        return int(self.time.value)

    @property
    def holdings(self) -> dict[str, Decimal]:
        return {s: q for s, q in self.held.items() if q}

    def quantity(self, symbol: str, account: str | None = None) -> Decimal:
        return self.held.get(symbol, Decimal(0))

    def cash(self, account: str | None = None, currency: str | None = None) -> Decimal:
        return self.cash_amount


class Untouchable:
    """A universe view that fails the test if a Model reads it."""

    def __getattr__(self, name: str) -> object:
        raise AssertionError(f"the model read universe.{name} on a Round where it should not")
