"""``data fetch``: download bars from a provider into the store, reusing what is already there.

A symbol whose stored bars already cover the asked range is not fetched again (the store is the
cache). New bars replace the stored bars of their symbol inside the fetched range and keep the
rest, as a new version of the dataset. All symbols are fetched before anything is written, so a
failure stores nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

import pandas as pd

from tradegame.data.bars import DatasetInfo, MarketFrames
from tradegame.data.store import MarketStore, StoredDataset

__all__ = ["FetchReport", "fetch_into_store"]

Fetcher = Callable[[Sequence[str], date, date, str], MarketFrames]


@dataclass(frozen=True)
class FetchReport:
    dataset: StoredDataset | None
    fetched: tuple[str, ...]
    cached: tuple[str, ...]


def _covered(store: MarketStore, name: str, symbol: str, start: date, end: date) -> bool:
    if name not in store.names() or symbol not in store.get(name).symbols:
        return False
    stamps = pd.DatetimeIndex(store.bars(name, [symbol])["ts"])
    return bool(stamps.min().date() <= start and stamps.max().date() >= end)


def fetch_into_store(
    store: MarketStore,
    fetcher: Fetcher,
    info: DatasetInfo,
    symbols: Sequence[str],
    start: date,
    end: date,
    interval: str,
) -> FetchReport:
    """Fetch the ``symbols`` the store lacks for [start, end] and store them in dataset ``info.name``."""
    wanted = [s.strip().upper() for s in symbols if s.strip()]
    missing = [s for s in wanted if not _covered(store, info.name, s, start, end)]
    cached = tuple(s for s in wanted if s not in missing)
    if not missing:
        return FetchReport(store.get(info.name) if info.name in store.names() else None, (), cached)
    new = fetcher(missing, start, end, interval)
    with store.lock(info.name):  # merged with the version current now, not the one seen before fetching
        if info.name in store.names():
            old = store.frames(info.name)
            low, high = pd.Timestamp(start, tz="UTC"), pd.Timestamp(end, tz="UTC") + pd.Timedelta(days=1)
            inside = old.bars["symbol"].isin(missing) & (old.bars["ts"] >= low) & (old.bars["ts"] < high)
            refreshed = set(missing)
            frames = MarketFrames(
                pd.concat([old.bars[~inside], new.bars], ignore_index=True).sort_values(
                    ["symbol", "ts"], kind="stable"
                ),
                pd.concat([old.dividends[~old.dividends["symbol"].isin(refreshed)], new.dividends], ignore_index=True),
                pd.concat([old.splits[~old.splits["symbol"].isin(refreshed)], new.splits], ignore_index=True),
            )
        else:
            frames = new
        stored = store.write(info, frames, allow_gaps=True, allow_inconsistent=True)
    return FetchReport(stored, tuple(missing), cached)
