"""What a Round's message to the language model holds, and masking.

The message is one JSON object: ``now`` (the date, or ``day N`` masked), the Game's ``value`` and
``cash``, ``market`` (each symbol's last close, 5- and 20-Round returns, 20-Round volatility and
the words ``up-20d``/``down-20d``, ``high-vol``/``calm``), ``positions`` (weight and gain of each),
``memory`` (recollections, see ``memory``) and, under the ``summary`` policy, ``memo``. Masked, the
symbols become ``S1``, ``S2``... (in sorted order) and each close is rebased to 100 at the first close
the Model saw, so neither a ticker, a date nor a price level tells a model that read about 2008 where
it is.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from tradegame.llm.answer import SCHEMA

__all__ = ["SYSTEM", "MarketRow", "market_rows", "market_words", "shown_names", "user_message"]

SYSTEM = (
    "You manage a portfolio in a trading game, one turn per Round. Each turn you receive a JSON object: the "
    "market (last close, 5- and 20-Round returns, 20-Round volatility per symbol), your positions, your cash "
    "and value, and memories of your past decisions with what followed. Answer with one JSON object only, "
    "following this JSON schema: " + json.dumps(SCHEMA, separators=(",", ":")) + ". target_weight is the share "
    "of the portfolio's value to hold in the symbol after the move (0 sells it all); list only symbols you want "
    "to change. memo is a short note to your future self."
)

MarketRow = dict[str, Any]
HIGH_VOL = 0.25  # annualised 20-Round volatility above which a symbol is "high-vol"


def shown_names(symbols: Sequence[str], mask: bool) -> dict[str, str]:
    """Each symbol's name in the prompt: itself, or ``S1``, ``S2``... in sorted order when masked."""
    ordered = sorted(symbols)
    return {s: (f"S{i + 1}" if mask else s) for i, s in enumerate(ordered)}


def _ret(closes: np.ndarray, periods: int) -> float | None:
    if len(closes) <= periods or not closes[-1 - periods] > 0:
        return None
    return float(closes[-1] / closes[-1 - periods] - 1)


def market_rows(
    closes: np.ndarray, symbols: Sequence[str], names: Mapping[str, str], bases: Mapping[str, float] | None
) -> list[MarketRow]:
    """One row per symbol with a close (``closes``: rows oldest first, a column per symbol); with
    ``bases`` (masked) each close is shown rebased to 100 at its base."""
    rows = []
    for column, symbol in enumerate(symbols):
        series = closes[:, column]
        series = series[np.isfinite(series)]
        if not len(series):
            continue
        last = float(series[-1])
        shown = last if bases is None else 100 * last / bases[symbol]
        r5, r20 = _ret(series, 5), _ret(series, 20)
        steps = np.diff(np.log(series[-21:])) if len(series) > 2 else np.array([])
        vol = float(np.std(steps, ddof=1) * math.sqrt(252)) if len(steps) > 1 else None
        rows.append({
            "symbol": names[symbol],
            "close": round(shown, 4),
            "return_5": None if r5 is None else round(r5, 4),
            "return_20": None if r20 is None else round(r20, 4),
            "volatility_20": None if vol is None else round(vol, 4),
        })  # fmt: skip
    return rows


def market_words(rows: Sequence[MarketRow]) -> str:
    """The words BM25 matches decisions on: each symbol's trend and volatility."""
    words = []
    for row in rows:
        trend = row["return_20"]
        vol = row["volatility_20"]
        words.append(row["symbol"])
        words.append("flat-20d" if trend is None else ("up-20d" if trend >= 0 else "down-20d"))
        words.append("vol-unknown" if vol is None else ("high-vol" if vol > HIGH_VOL else "calm"))
    return " ".join(words)


def user_message(
    now: str,
    value: float,
    cash: float,
    rows: Sequence[MarketRow],
    positions: Sequence[Mapping[str, Any]],
    memory: Sequence[str],
    memo: str | None,
) -> str:
    """The Round's message: one JSON object (keys sorted, so equal Rounds give equal bytes)."""
    body: dict[str, Any] = {
        "now": now,
        "value": round(value, 2),
        "cash": round(cash, 2),
        "market": list(rows),
        "positions": list(positions),
        "memory": list(memory),
    }
    if memo is not None:
        body["memo"] = memo
    return json.dumps(body, sort_keys=True, separators=(",", ":"))
