"""Shaping and checking a bundled dataset's frames, the last step of every loader.

``_finish`` puts the columns in the ``bars`` shape, float64 prices, ``ts`` as
``datetime64[ns, UTC]``, drops exact duplicate rows (trades of a tick dataset are kept), sorts by
(symbol, ts), then checks them: a broken file raises ``BadDataError`` rather than loading half
right. Imports nothing above ``tradegame.data``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tradegame.data.bars import BAR_COLUMNS, PRICE_COLUMNS, MarketFrames
from tradegame.data.errors import BadDataError


def _finish(frames: MarketFrames, source: str, *, tick: bool) -> MarketFrames:
    bars = frames.bars
    shaped = pd.DataFrame({"symbol": bars["symbol"].astype(str).str.strip().str.upper().astype(object)})
    shaped["ts"] = _utc_ns(bars["ts"])
    for column in PRICE_COLUMNS:
        shaped[column] = bars[column].astype("float64") if column in bars else np.nan
    if not tick:
        shaped = shaped.drop_duplicates()
    shaped = shaped.sort_values(["symbol", "ts"], kind="stable").reset_index(drop=True)
    _check(shaped, source, tick=tick)
    splits = frames.splits
    if len(splits):
        splits = splits.assign(ts=_utc_ns(splits["ts"]))
        splits = splits.sort_values(["symbol", "ts"], kind="stable").reset_index(drop=True)
    return MarketFrames(bars=shaped[list(BAR_COLUMNS)], dividends=frames.dividends, splits=splits)


def _utc_ns(times: pd.Series) -> pd.Series:
    stamps = pd.to_datetime(times)
    if stamps.dt.tz is None:
        stamps = stamps.dt.tz_localize("UTC")
    return stamps.dt.tz_convert("UTC").astype("datetime64[ns, UTC]")


def _check(bars: pd.DataFrame, source: str, *, tick: bool) -> None:
    problems: list[str] = []
    if not len(bars):
        problems.append("no rows")
    if bars["ts"].isna().any():
        problems.append(f"{int(bars['ts'].isna().sum())} row(s) without a time")
    if bars["close"].isna().any():
        problems.append(f"{int(bars['close'].isna().sum())} row(s) without a close")
    if not tick:
        repeated = bars.duplicated(["symbol", "ts"], keep=False)
        if repeated.any():
            first = bars[repeated].iloc[0]
            problems.append(f"{int(repeated.sum())} rows share a (symbol, ts), first {first['symbol']} {first['ts']}")
    prices = bars[["open", "high", "low", "close", "adj_close"]]
    if (prices <= 0).to_numpy().any():
        problems.append("a price is zero or negative")
    inverted = bars["high"] < bars["low"]
    if inverted.any():
        first = bars[inverted].iloc[0]
        problems.append(f"{int(inverted.sum())} bar(s) with high below low, first {first['symbol']} {first['ts']}")
    if problems:
        raise BadDataError(source, problems)
