"""Bars on real NYSE sessions with prices anyone can work out by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tradegame.data.calendars import sessions


def daily_bars(
    symbols: tuple[str, ...] = ("AAA", "BBB"), start: str = "2008-09-02", end: str = "2008-12-31"
) -> pd.DataFrame:
    """Bars on every NYSE session; close of symbol k on row i is 100 * (k + 1) + i (easy to check)."""
    days = sessions("XNYS", start, end)
    frames = []
    for k, symbol in enumerate(symbols):
        close = 100.0 * (k + 1) + np.arange(len(days), dtype=np.float64)
        frames.append(
            pd.DataFrame(
                {
                    "symbol": symbol,
                    "ts": days,
                    "open": close - 0.5,
                    "high": close + 1.0,
                    "low": close - 1.0,
                    "close": close,
                    "volume": 1_000.0 + k,
                    "adj_close": np.nan,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)
