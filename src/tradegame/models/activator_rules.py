"""The Activator's rules: which Models run this session, with what share, and why.

* ``always-on``: the fixed ``shares``, every session.
* ``trend-vol``: the ``index`` against its ``trend_days`` simple moving average, and its realised
  volatility over ``vol_days`` sessions (standard deviation of daily log returns, times
  sqrt(252)): calm (at or above the SMA and vol at or below ``vol_max``) plays the ``calm`` shares,
  anything else the ``stressed`` shares; so does a session in one of ``off_months``, and a
  session without enough history (warming up).
* Either rule, with ``record_days``/``record_floor``: a Model whose own record (the time-weighted
  return of its sub-book over its last ``record_days`` sessions) is below ``record_floor`` is off.

``decide_shares`` returns the shares and the reasons as one line for the decision log, e.g.
``SPX 20d vol 41.2% > 30.0%: stressed; sma 0%, hold 50%``. Imports numpy and the config only.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from decimal import Decimal

import numpy as np

from tradegame.engine.activator_config import ActivatorConfig
from tradegame.engine.universe import UniverseView

__all__ = ["decide_shares", "market_state"]

_YEAR = 252


def market_state(config: ActivatorConfig, universe: UniverseView, month: int) -> tuple[bool, str]:
    """Whether the market is calm for ``trend-vol``, and why (one clause)."""
    index = config.index or ""
    if month in config.off_months:
        return False, f"month {month} is an off month"
    need = max(config.trend_days, config.vol_days + 1)
    closes = universe.close([index], need)[:, 0]
    closes = closes[~np.isnan(closes)]
    if len(closes) < need:
        return False, f"{index}: {len(closes)} closes known, {need} needed (warming up)"
    last = float(closes[-1])
    sma = float(closes[-config.trend_days :].mean())
    logs = np.diff(np.log(closes[-(config.vol_days + 1) :]))
    vol = float(logs.std(ddof=1)) * math.sqrt(_YEAR) if len(logs) > 1 else 0.0
    limit = float(config.vol_max)
    trend = f"{index} {last:,.2f} {'>=' if last >= sma else '<'} {config.trend_days}d SMA {sma:,.2f}"
    vol_text = f"{index} {config.vol_days}d vol {vol:.1%} {'<=' if vol <= limit else '>'} {limit:.1%}"
    calm = last >= sma and vol <= limit
    return calm, f"{trend}, {vol_text}"


def decide_shares(
    config: ActivatorConfig, universe: UniverseView, month: int, records: Mapping[str, float | None]
) -> tuple[dict[str, Decimal], str]:
    """The share of each Model (by alias) this session, and the reasons."""
    if config.rule == "always-on":
        chosen, why = dict(config.shares), "always on"
    else:
        calm, why = market_state(config, universe, month)
        chosen = dict(config.calm if calm else config.stressed)
        why = f"{why}: {'calm' if calm else 'stressed'}"
    shares = {alias: chosen.get(alias, Decimal(0)) for alias in config.aliases}
    if config.record_floor is not None:
        floor = float(config.record_floor)
        for alias in config.aliases:
            record = records.get(alias)
            if shares[alias] > 0 and record is not None and record < floor:
                shares[alias] = Decimal(0)
                why += f"; {alias} {config.record_days}d record {record:.1%} < {floor:.1%}: off"
    return shares, f"{why}; {_shares_text(shares, config.aliases)}"


def _shares_text(shares: Mapping[str, Decimal], aliases: Sequence[str]) -> str:
    parts = [f"{alias} {shares[alias]:.0%}" if shares[alias] else f"{alias} off" for alias in aliases]
    return ", ".join(parts)
