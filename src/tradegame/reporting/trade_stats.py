"""Statistics of a Game's round trips (``round_trips``): win rate, profit factor, expectancy, SQN.

From the trips' P&L ``p`` (in the Game currency) and returns ``r`` (P&L over entry notional):

* **Win rate**: the share of trips with ``p > 0`` (breaking even is no win), as the metrics'.
* **Profit factor**: gross wins / gross losses, ``sum(p > 0) / |sum(p < 0)|``; ``inf`` when no
  trip lost (and some won), NaN when none did either. (backtesting.py's "Profit Factor" divides
  the returns instead; the oracle test compares ours with its trades' P&L.)
* **Expectancy**: the mean P&L per trip, and the mean return per trip (backtesting.py's
  "Expectancy [%]").
* **SQN** (Van Tharp's system quality number): ``sqrt(N) * mean(p) / std(p)`` with the sample
  standard deviation (ddof=1); NaN with fewer than two trips or when every P&L is the same.
* **Best and worst trade**: the highest and lowest return, with their P&L.

Floats (analytics, as ``metrics``). Imports numpy only; reads and writes nothing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

import numpy as np

__all__ = ["TradeStats", "trade_stats"]


@dataclass(frozen=True)
class TradeStats:
    """The statistics of N round trips (see the module docstring); None of no trips."""

    trades: int
    wins: int
    losses: int
    win_rate: float
    gross_wins: float
    gross_losses: float  # positive
    profit_factor: float
    expectancy: float  # mean P&L
    mean_return: float
    sqn: float
    best_return: float
    best_pnl: float
    worst_return: float
    worst_pnl: float
    mean_holding: timedelta
    longest_holding: timedelta


def trade_stats(pnls: Sequence[float], returns: Sequence[float], holdings: Sequence[timedelta]) -> TradeStats | None:
    """The statistics of trips with P&L ``pnls``, returns ``returns`` and holding times ``holdings``
    (one each per trip); None when there are none. Raises ``ValueError`` when the lengths differ."""
    if not len(pnls) == len(returns) == len(holdings):
        raise ValueError(f"one P&L, return and holding time per trip: {len(pnls)}, {len(returns)}, {len(holdings)}")
    if not pnls:
        return None
    pnl = np.asarray(pnls, dtype=np.float64)
    ret = np.asarray(returns, dtype=np.float64)
    gross_wins = float(pnl[pnl > 0].sum())
    gross_losses = float(-pnl[pnl < 0].sum())
    profit_factor = gross_wins / gross_losses if gross_losses else (math.inf if gross_wins else math.nan)
    std = float(pnl.std(ddof=1)) if len(pnl) > 1 else 0.0
    sqn = math.sqrt(len(pnl)) * float(pnl.mean()) / std if std > 0 else math.nan
    measured = bool(np.isfinite(ret).any())  # a trip bought for nothing has no return
    best = int(np.nanargmax(ret)) if measured else 0
    worst = int(np.nanargmin(ret)) if measured else 0
    return TradeStats(
        trades=len(pnl),
        wins=int((pnl > 0).sum()),
        losses=int((pnl < 0).sum()),
        win_rate=float((pnl > 0).mean()),
        gross_wins=gross_wins,
        gross_losses=gross_losses,
        profit_factor=profit_factor,
        expectancy=float(pnl.mean()),
        mean_return=float(np.nanmean(ret)) if measured else math.nan,
        sqn=sqn,
        best_return=float(ret[best]),
        best_pnl=float(pnl[best]),
        worst_return=float(ret[worst]),
        worst_pnl=float(pnl[worst]),
        mean_holding=sum(holdings, timedelta()) / len(holdings),
        longest_holding=max(holdings),
    )
