"""Build a Game's Universe from the market-data store, pinned to exact dataset versions.

A tick dataset (trades) is played on minute bars made from its trades as it is loaded
(``data.resample.ticks_to_bars``); the Game stays pinned to the tick dataset's hash.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

import pandas as pd

from tradegame.data.bars import DatasetInfo
from tradegame.data.catalog import sync_bundled
from tradegame.data.errors import DataError
from tradegame.data.panel import Panel
from tradegame.data.resample import TICK_BAR_FREQUENCY, ticks_to_bars
from tradegame.data.store import MarketStore
from tradegame.domain.money import Currency
from tradegame.engine.game import currency_of
from tradegame.engine.gamefile import GameFile
from tradegame.engine.spec import GameSpec
from tradegame.engine.universe import Universe

__all__ = ["dataset_universe", "load_game_data", "load_universe", "pin_data"]


def load_game_data(game_file: GameFile, store: MarketStore) -> tuple[GameFile, Universe]:
    """Check a Game file's definition, store the bundled datasets it names, pin their versions and
    load its Universe: the Game file as it will be played (and recorded) and its data."""
    game_file.spec.check()
    sync_bundled(store, [d.dataset for d in game_file.spec.data])
    spec = pin_data(game_file.spec, store)
    return replace(game_file, spec=spec), load_universe(spec, store)


def pin_data(spec: GameSpec, store: MarketStore) -> GameSpec:
    """The spec with every dataset pinned to the hash of the version it will play on."""
    pinned = tuple(
        d if d.content_hash else replace(d, content_hash=store.get(d.dataset).info.content_hash) for d in spec.data
    )
    return replace(spec, data=pinned)


def load_universe(spec: GameSpec, store: MarketStore) -> Universe:
    """One Universe over the Game's datasets (same frequency), read up to the Game's end."""
    end = pd.Timestamp(spec.end, tz="UTC") + pd.Timedelta(days=7) if spec.end else None
    parts = [
        _read(store, d.dataset, list(d.symbols) if d.symbols else None, None, end, d.content_hash) for d in spec.data
    ]
    return _universe(parts, spec.calendar, dict(spec.fx_rates))


def dataset_universe(
    store: MarketStore,
    name: str,
    symbols: Sequence[str] | None = None,
    start: pd.Timestamp | None = None,
    end: pd.Timestamp | None = None,
    calendar: str | None = None,
) -> Universe:
    """A Universe over one stored or bundled dataset (stored first if bundled), with start <= ts <= end."""
    sync_bundled(store, [name])
    return _universe([_read(store, name, list(symbols) if symbols else None, start, end, None)], calendar, {})


@dataclass
class _Part:
    info: DatasetInfo
    bars: pd.DataFrame
    dividends: pd.DataFrame
    splits: pd.DataFrame


def _read(
    store: MarketStore,
    name: str,
    symbols: list[str] | None,
    start: pd.Timestamp | None,
    end: pd.Timestamp | None,
    content_hash: str | None,
) -> _Part:
    dataset = store.get(name, content_hash)
    frame = store.bars(name, symbols, start, end, content_hash)
    return _Part(
        dataset.info,
        ticks_to_bars(frame) if dataset.info.frequency == "tick" else frame,
        store.dividends(name, symbols, content_hash),
        store.splits(name, symbols, content_hash),
    )


def _universe(parts: list[_Part], calendar: str | None, fx_rates: dict[str, Decimal]) -> Universe:
    infos = [part.info for part in parts]
    currencies: dict[str, Currency] = {}  # each symbol keeps its own dataset's currency
    for part in parts:
        currencies.update(dict.fromkeys(map(str, part.bars["symbol"].unique()), currency_of(part.info.currency)))
    frequencies = {TICK_BAR_FREQUENCY if info.frequency == "tick" else info.frequency for info in infos}
    if len(frequencies) > 1:
        raise DataError(f"data: datasets of different frequencies cannot be mixed ({', '.join(sorted(frequencies))})")
    bars = pd.concat([part.bars for part in parts], ignore_index=True)
    if bars.duplicated(["symbol", "ts"]).any():
        raise DataError("data: two datasets hold the same symbol; choose symbols = [...] per dataset")
    first = infos[0]
    panel = Panel.from_bars(
        bars,
        frequency=frequencies.pop(),
        calendar=calendar or first.calendar,
        currency=first.currency,
        content_hash="+".join(info.content_hash for info in infos),
    )
    return Universe.from_panel(
        panel,
        currency=currency_of(first.currency),
        dividends=pd.concat([part.dividends for part in parts], ignore_index=True),
        splits=pd.concat([part.splits for part in parts], ignore_index=True),
        fx_rates=fx_rates,
        currencies=currencies,
    )
