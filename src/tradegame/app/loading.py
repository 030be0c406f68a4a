"""Build a Game's Universe from the market-data store, pinned to exact dataset versions.

A tick dataset (trades) is played on minute bars made from its trades as it is loaded
(``data.resample.ticks_to_bars``); the Game stays pinned to the tick dataset's hash.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

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

__all__ = ["load_game_data", "load_universe", "pin_data"]


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
    frames, dividends, splits = [], [], []
    infos = []
    currencies: dict[str, Currency] = {}  # each symbol keeps its own dataset's currency
    for data in spec.data:
        dataset = store.get(data.dataset, data.content_hash)
        infos.append(dataset.info)
        symbols = list(data.symbols) if data.symbols else None
        end = pd.Timestamp(spec.end, tz="UTC") + pd.Timedelta(days=7) if spec.end else None
        frame = store.bars(data.dataset, symbols, None, end, data.content_hash)
        frames.append(ticks_to_bars(frame) if dataset.info.frequency == "tick" else frame)
        currencies.update(dict.fromkeys(map(str, frame["symbol"].unique()), currency_of(dataset.info.currency)))
        dividends.append(store.dividends(data.dataset, symbols, data.content_hash))
        splits.append(store.splits(data.dataset, symbols, data.content_hash))
    frequencies = {TICK_BAR_FREQUENCY if info.frequency == "tick" else info.frequency for info in infos}
    if len(frequencies) > 1:
        raise DataError(f"data: datasets of different frequencies cannot be mixed ({', '.join(sorted(frequencies))})")
    bars = pd.concat(frames, ignore_index=True)
    if bars.duplicated(["symbol", "ts"]).any():
        raise DataError("data: two datasets hold the same symbol; choose symbols = [...] per dataset")
    first = infos[0]
    panel = Panel.from_bars(
        bars,
        frequency=frequencies.pop(),
        calendar=spec.calendar or first.calendar,
        currency=first.currency,
        content_hash="+".join(info.content_hash for info in infos),
    )
    return Universe.from_panel(
        panel,
        currency=currency_of(first.currency),
        dividends=pd.concat(dividends, ignore_index=True),
        splits=pd.concat(splits, ignore_index=True),
        fx_rates=dict(spec.fx_rates),
        currencies=currencies,
    )
