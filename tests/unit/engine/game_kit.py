"""Small hand-made markets and scripted models for the engine's tests."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date
from decimal import Decimal

import numpy as np
import pandas as pd

from tradegame.data.calendars import sessions
from tradegame.data.panel import Panel
from tradegame.domain.money import USD
from tradegame.engine.context import RoundContext
from tradegame.engine.moves import Action
from tradegame.engine.spec import DataSpec, GameSpec
from tradegame.engine.universe import Universe

START = date(2024, 1, 2)


def bars_from(
    rows: dict[str, Sequence[tuple[float, float, float, float, float]]], start: str = "2024-01-02"
) -> pd.DataFrame:
    """Bars on consecutive NYSE sessions from ``start``: per symbol a list of (open, high, low, close, volume)."""
    length = max(len(r) for r in rows.values())
    days = sessions("XNYS", start, pd.Timestamp(start) + pd.Timedelta(days=length * 2 + 10))[:length]
    frames = []
    for symbol, series in rows.items():
        values = np.array(series, dtype=float)
        frames.append(
            pd.DataFrame(
                {
                    "symbol": symbol,
                    "ts": days[: len(values)],
                    "open": values[:, 0],
                    "high": values[:, 1],
                    "low": values[:, 2],
                    "close": values[:, 3],
                    "volume": values[:, 4],
                    "adj_close": np.nan,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def flat(price: float, n: int, volume: float = 1_000_000.0) -> list[tuple[float, float, float, float, float]]:
    return [(price, price, price, price, volume)] * n


def universe_of(bars: pd.DataFrame, fx_rates: dict[str, Decimal] | None = None) -> Universe:
    panel = Panel.from_bars(bars, frequency="1d", calendar="XNYS", currency="USD", content_hash="test")
    return Universe.from_panel(panel, currency=USD, fx_rates=fx_rates)


def spec(**changes: object) -> GameSpec:
    base: dict[str, object] = {
        "name": "test",
        "start": START,
        "start_fund": Decimal("10000"),
        "data": (DataSpec("test"),),
    }
    base.update(changes)
    if "end" not in base and "rounds" not in base:
        base["rounds"] = 5
    return GameSpec(**base)  # type: ignore[arg-type]


class Script:
    """A Model that returns, at Round i, what ``plan(ctx)`` says (and remembers every context it saw)."""

    name = "script"

    def __init__(self, plan: Callable[[RoundContext], Iterable[Action] | None]) -> None:
        self.plan = plan
        self.seen: list[tuple[int, pd.Timestamp, int, float]] = []

    def decide(self, ctx: RoundContext) -> Iterable[Action] | None:
        times = ctx.universe.times
        self.seen.append((ctx.round, ctx.time, ctx.universe.rows, float(times[-1].value) if len(times) else np.nan))
        return self.plan(ctx)


def at_round(schedule: dict[int, list[Action]]) -> Callable[[RoundContext], list[Action]]:
    return lambda ctx: schedule.get(ctx.round, [])
