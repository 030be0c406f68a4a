"""MomentumRotation picks the top N by trailing return and rebalances on its schedule only."""

from __future__ import annotations

import warnings
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from tests.unit.models.kit import FakeContext, Untouchable, bars, day_of, nyse_days, of_kind, run, universe
from tradegame.domain.errors import InvalidInputError
from tradegame.engine.context import RoundRecord
from tradegame.engine.moves import Cancel, Move, MoveState, Side
from tradegame.engine.universe import UniverseView
from tradegame.models import MomentumRotation

# Daily growth by the month of the bar: December ranks B > C > A > D, January A > B > C > D,
# February C > B > D > A.
RATES = {
    12: {"A": 0.0, "B": 0.01, "C": 0.005, "D": -0.01},
    1: {"A": 0.01, "B": 0.005, "C": 0.0, "D": -0.005},
    2: {"A": -0.01, "B": 0.005, "C": 0.01, "D": 0.0},
    3: {"A": 0.0, "B": 0.0, "C": 0.0, "D": 0.0},
}


def trending_bars() -> tuple[pd.DataFrame, pd.DatetimeIndex]:
    days = nyse_days("2023-12-01", 70)  # to early March 2024
    closes: dict[str, list[float]] = {s: [100.0] for s in "ABCD"}
    for day in days[1:]:
        for symbol, series in closes.items():
            series.append(series[-1] * (1 + RATES[day.month][symbol]))
    return bars(closes, days), days


def pandas_top(frame: pd.DataFrame, day: pd.Timestamp, lookback: int, top_n: int) -> list[str]:
    """Independent ranking: pct_change over ``lookback`` rows at ``day``."""
    wide = frame.pivot(index="ts", columns="symbol", values="close")
    trailing = pd.Series(wide.pct_change(lookback).loc[day]).dropna()
    return list(trailing.sort_values(ascending=False, kind="stable").index[:top_n])


def test_picks_the_top_n_and_rebalances_on_the_first_round_of_each_month() -> None:
    frame, days = trending_bars()
    start = pd.Timestamp("2024-01-02", tz="UTC")
    result = run(MomentumRotation(top_n=2, lookback=5), frame, start=start.date())

    placed = of_kind(result, "placed")
    assert sorted({day_of(e) for e in placed}) == ["2024-01-02", "2024-02-01", "2024-03-01"]

    def targets(day: str) -> list[str]:
        return [e.symbol for e in placed if day_of(e) == day and "target weight" in e.detail]  # type: ignore[misc]

    def sells(day: str) -> list[str]:
        return [e.symbol for e in placed if day_of(e) == day and "sell all" in e.detail]  # type: ignore[misc]

    assert targets("2024-01-02") == ["B", "C"] == pandas_top(frame, start, 5, 2)
    assert targets("2024-02-01") == ["A", "B"] == pandas_top(frame, pd.Timestamp("2024-02-01", tz="UTC"), 5, 2)
    assert sells("2024-02-01") == ["C"]
    assert targets("2024-03-01") == ["C", "B"] == pandas_top(frame, pd.Timestamp("2024-03-01", tz="UTC"), 5, 2)
    assert sells("2024-03-01") == ["A"]
    # Sells come first in the list the model returned (placed in that order).
    for day in ("2024-02-01", "2024-03-01"):
        kinds = ["sell" if "sell all" in e.detail else "target" for e in placed if day_of(e) == day]
        assert kinds == sorted(kinds, key=lambda k: k != "sell")
    assert "target weight 0.5 " in placed[0].detail
    assert of_kind(result, "rejected") == []
    # Each target is half the value; after the first rebalance the two positions hold nearly all of it.
    first_fills = [e for e in of_kind(result, "filled") if e.round == 1]
    assert {e.symbol for e in first_fills} == {"B", "C"}
    assert days[0] < start


def fake(round_index: int, now: str, before: str | None, **options: object) -> FakeContext:
    history = [] if before is None else [RoundRecord(round_index - 1, pd.Timestamp(before, tz="UTC").value, 0.0)]
    return FakeContext(round_index, pd.Timestamp(now, tz="UTC"), Untouchable(), history, **options)  # type: ignore[arg-type]


def test_returns_at_once_between_rebalances_without_reading_data() -> None:
    monthly = MomentumRotation(top_n=2, lookback=5)
    assert monthly.decide(fake(7, "2024-01-11 21:00", "2024-01-10 21:00")) is None  # type: ignore[arg-type]
    weekly = MomentumRotation(top_n=2, lookback=5, rebalance="weekly")
    assert weekly.decide(fake(3, "2024-01-05 21:00", "2024-01-04 21:00")) is None  # type: ignore[arg-type]
    every_ten = MomentumRotation(top_n=2, lookback=5, rebalance=10)
    assert every_ten.decide(fake(11, "2024-01-05 21:00", "2024-01-04 21:00")) is None  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("rebalance", "round_index", "now", "before", "expected"),
    [
        ("monthly", 0, "2024-01-02", None, True),
        ("monthly", 5, "2024-02-01", "2024-01-31", True),
        ("monthly", 5, "2024-01-31", "2024-01-30", False),
        ("monthly", 5, "2025-01-02", "2024-01-31", True),  # same month number, another year
        ("weekly", 5, "2024-01-08", "2024-01-05", True),  # Monday after Friday
        ("weekly", 5, "2024-01-09", "2024-01-08", False),
        ("weekly", 5, "2025-01-06", "2024-01-08", True),  # same ISO week number, another year
        (10, 20, "2024-01-09", "2024-01-08", True),
        (10, 21, "2024-01-09", "2024-01-08", False),
    ],
)
def test_rebalance_schedule(
    rebalance: str | int, round_index: int, now: str, before: str | None, expected: bool
) -> None:
    model = MomentumRotation(rebalance=rebalance)
    assert model.is_rebalance_round(fake(round_index, now, before)) is expected  # type: ignore[arg-type]


def test_symbols_without_enough_history_are_not_eligible() -> None:
    days = nyse_days("2024-01-02", 8)
    late = [np.nan, np.nan, np.nan, 1.0, 2.0, 4.0, 8.0, 16.0]  # the best by far, but too short
    frame = bars({"OLD": [100.0 + i for i in range(8)], "LATE": late, "FLAT": [50.0] * 8}, days)
    view = universe(frame).panel.as_of(pd.Timestamp(days[-1]) + pd.Timedelta(hours=23))
    ctx = FakeContext(0, pd.Timestamp(days[-1]), UniverseView(universe(frame), view))
    model = MomentumRotation(top_n=5, lookback=5)
    assert [s for s, _ in model.ranking(ctx)] == ["OLD", "FLAT"]  # type: ignore[arg-type]
    assert [s for s, _ in MomentumRotation(lookback=3).ranking(ctx)] == ["LATE", "OLD", "FLAT"]  # type: ignore[arg-type]
    assert MomentumRotation(lookback=8).ranking(ctx) == []  # type: ignore[arg-type]


def test_skip_recent_and_cash_buffer_and_cancels() -> None:
    days = nyse_days("2024-01-02", 8)
    # UP rises then crashes on the last day; DOWN falls then jumps on the last day.
    frame = bars({"UP": [10, 11, 12, 13, 14, 15, 16, 1], "DOWN": [20, 19, 18, 17, 16, 15, 14, 40]}, days)
    u = universe(frame)
    view = UniverseView(u, u.panel.as_of(pd.Timestamp(days[-1]) + pd.Timedelta(hours=23)))
    stale = MoveState("m00007", Move.buy("DOWN", 1), "main", 3, 0, Decimal(1), Side.BUY)
    ctx = FakeContext(0, pd.Timestamp(days[-1]), view, open_moves=(stale,), held={"DOWN": Decimal(5)})
    model = MomentumRotation(top_n=2, lookback=4, skip_recent=1, cash_buffer="0.1", symbols=["UP", "DOWN"])
    assert [s for s, _ in model.ranking(ctx)] == ["UP", "DOWN"]  # type: ignore[arg-type]
    actions = model.decide(ctx)  # type: ignore[arg-type]
    assert actions is not None
    assert actions[0] == Cancel("m00007", "rebalance")
    assert [(a.symbol, a.target_weight) for a in actions[1:]] == [("UP", Decimal("0.45")), ("DOWN", Decimal("0.45"))]  # type: ignore[union-attr]
    # Without skipping the last row, DOWN's jump wins: it is held, so it is only re-targeted.
    latest = MomentumRotation(top_n=1, lookback=4, symbols=["UP", "DOWN"]).decide(ctx)  # type: ignore[arg-type]
    assert latest is not None
    assert [(a.symbol, a.side, a.sell_all) for a in latest[1:]] == [("DOWN", Side.BUY, False)]  # type: ignore[union-attr]
    # Skipping it, UP wins: DOWN is sold first, then UP targeted.
    skipped = MomentumRotation(top_n=1, lookback=4, skip_recent=1, symbols=["UP", "DOWN"]).decide(ctx)  # type: ignore[arg-type]
    assert skipped is not None
    assert skipped[0] == Cancel("m00007", "rebalance")
    assert [(a.symbol, a.side, a.sell_all) for a in skipped[1:]] == [  # type: ignore[union-attr]
        ("DOWN", Side.SELL, True),
        ("UP", Side.BUY, False),
    ]


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"top_n": 0}, "top_n"),
        ({"lookback": -1}, "lookback"),
        ({"rebalance": "daily"}, "rebalance"),
        ({"rebalance": 0}, "rebalance"),
        ({"skip_recent": -1}, "skip_recent"),
        ({"cash_buffer": 1}, "cash_buffer"),
        ({"cash_buffer": "-0.1"}, "cash_buffer"),
        ({"symbols": "SPY"}, "symbols"),
    ],
)
def test_bad_parameters_are_named(kwargs: dict[str, object], named: str) -> None:
    with pytest.raises(InvalidInputError, match=named):
        MomentumRotation(**kwargs)  # type: ignore[arg-type]


class _Closes:
    """A universe view of two rows of closes (first and last of the window) per symbol."""

    def __init__(self, symbols: tuple[str, ...], first: np.ndarray, last: np.ndarray) -> None:
        self.symbols, self._rows = symbols, np.vstack([first, last])

    def close(self, symbols: object, window: int) -> np.ndarray:
        return self._rows


@pytest.mark.parametrize("seed", range(6))
def test_the_top_n_is_the_head_of_the_whole_ranking_ties_by_name(seed: int) -> None:
    rng = np.random.default_rng(seed)
    count = 60
    symbols = tuple(f"S{i:02d}" for i in rng.permutation(count))  # not in name order
    last = rng.integers(90, 110, count).astype(float)  # few distinct returns: many ties, at every cut
    last[rng.choice(count, 5, replace=False)] = np.nan  # no bar: not eligible
    ctx = FakeContext(0, pd.Timestamp("2024-01-02", tz="UTC"), _Closes(symbols, np.full(count, 100.0), last))  # type: ignore[arg-type]
    expected = sorted(
        ((s, float(c) / 100.0 - 1.0) for s, c in zip(symbols, last, strict=True) if not np.isnan(c)),
        key=lambda pair: (-pair[1], pair[0]),
    )
    model = MomentumRotation(lookback=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a NaN close (no bar) is left out quietly
        assert model.ranking(ctx) == expected  # type: ignore[arg-type]
        for limit in (1, 2, 7, 20, 54, 55, 80):
            assert model.ranking(ctx, limit=limit) == expected[:limit]  # type: ignore[arg-type]
