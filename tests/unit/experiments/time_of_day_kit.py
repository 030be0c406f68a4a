"""Synthetic time-of-day results: one-month Games started every 5th session of a year, acting at
each hour; what one day adds to a Game's score is the market's move (the same at every hour)
plus noise that neighbouring hours share, and ``effect`` more at 13:00-16:00 when planted."""

from __future__ import annotations

import numpy as np
import pandas as pd

PLANTED_HOURS = (13, 14, 15, 16)


def hourly_rows(
    seed: int, effect: float = 0.0, days: int = 250, every: int = 5, length: int = 21
) -> list[dict[str, object]]:
    """Stored-row-shaped Games (see the module's docstring)."""
    rng = np.random.default_rng(seed)
    market = rng.normal(0.0, 1.0, days + length)
    noise = rng.normal(0.0, 0.5, (days + length, 24))
    shared = (noise + np.roll(noise, 1, axis=1) + np.roll(noise, -1, axis=1)) / 3  # 23:00 and 0:00 too
    daily = market[:, None] + shared
    daily[:, list(PLANTED_HOURS)] += effect
    sessions = pd.bdate_range("2017-01-02", periods=days + length)
    rows: list[dict[str, object]] = []
    for first in range(0, days, every):
        for hour in range(24):
            score = float(daily[first : first + length, hour].sum())
            coordinates = {"start": sessions[first].date().isoformat(), "length": "1m", "hour": hour}
            rows.append({"game_id": f"{first}-{hour}", "coordinates": coordinates, "outcome": "completed",
                         "score": score, "total_return": score / 1000})  # fmt: skip
    return rows
