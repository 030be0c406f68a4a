"""What the store offers: its own datasets plus the bundled ones, copied in on first use.

The bundled datasets (``datasets.py``) are read from installed packages; ``sync_bundled``
stores each available one once (again only when the package's version, and so the dataset's
description, changes), so every Game reads through the same store and records a content hash.
Bundled history is stored as published, gaps and inconsistent bars included (real vendor data
has both); ``data show`` reports the gaps.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

import pandas as pd

from tradegame.data.bars import DatasetInfo
from tradegame.data.checks import check_bars
from tradegame.data.datasets import CATALOG
from tradegame.data.errors import DatasetNotFoundError
from tradegame.data.store import MarketStore, StoredDataset

__all__ = ["SymbolSummary", "summarize_symbol", "sync_bundled"]


def sync_bundled(store: MarketStore, names: Iterable[str] | None = None) -> list[StoredDataset]:
    """Store every installed bundled dataset (or those in ``names``) not yet stored in this version."""
    added = []
    stored = set(store.names())
    wanted = None if names is None else set(names)
    for name, bundled in sorted(CATALOG.items()):
        if wanted is not None and name not in wanted:
            continue
        info = replace(bundled.info, content_hash="")
        if _stored(store, info, stored) or not bundled.available():  # stored: no need to find its package
            continue
        with store.lock(info.name):  # another process storing it first: wait, then find it stored
            if _stored(store, info, set(store.names())):
                continue
            added.append(store.write(info, bundled.load(), allow_gaps=True, allow_inconsistent=True))
    return added


def _stored(store: MarketStore, info: DatasetInfo, names: set[str]) -> bool:
    return info.name in names and replace(store.get(info.name).info, content_hash="") == info


@dataclass(frozen=True)
class SymbolSummary:
    """One symbol in one dataset: its range, bar count, gaps and corporate actions."""

    dataset: StoredDataset
    symbol: str
    start: pd.Timestamp
    end: pd.Timestamp
    bars: int
    gaps: pd.DatetimeIndex
    dividends: int
    splits: int

    def as_json(self) -> dict[str, object]:
        info = self.dataset.info
        return {
            "dataset": info.name,
            "symbol": self.symbol,
            "frequency": info.frequency,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "bars": self.bars,
            "gaps": len(self.gaps),
            "first_gaps": [g.date().isoformat() for g in self.gaps[:10]],
            "dividends": self.dividends,
            "splits": self.splits,
            "currency": info.currency,
            "calendar": info.calendar,
            "source": info.source,
            "license": info.license,
            "hash": info.content_hash,
        }


def summarize_symbol(store: MarketStore, symbol: str) -> list[SymbolSummary]:
    """``symbol`` in every current dataset that holds it; refuses an unknown symbol."""
    holders = store.find_symbol(symbol)
    if not holders:
        raise DatasetNotFoundError(f"no dataset holds symbol {symbol!r}; see `tradegame data list`")
    out = []
    for dataset in holders:
        name = dataset.info.name
        bars = store.bars(name, [symbol])
        report = check_bars(bars, frequency=dataset.info.frequency, calendar=dataset.info.calendar)
        stamps = pd.DatetimeIndex(bars["ts"])
        out.append(
            SymbolSummary(
                dataset,
                symbol,
                stamps.min(),
                stamps.max(),
                len(bars),
                report.gaps.get(symbol, pd.DatetimeIndex([], tz="UTC")),
                len(store.dividends(name, [symbol])),
                len(store.splits(name, [symbol])),
            )
        )
    return out
