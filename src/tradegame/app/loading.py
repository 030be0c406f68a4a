"""Build a Game's Universe from the market-data store, pinned to exact dataset versions.

``read_game_data`` gathers every dataset, version and symbol that cannot be read, one line each,
and reads the rest (``app.checking`` reports them with the other problems of a Game file).
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
from tradegame.engine.spec import DataSpec, GameSpec, InvalidGameError
from tradegame.engine.universe import Universe

__all__ = ["GameData", "dataset_universe", "load_game_data", "load_universe", "pin_data", "read_game_data"]


@dataclass(frozen=True)
class GameData:
    """A Game's data as far as it could be read (``read_game_data``).

    ``spec`` has every dataset that could be read pinned to the hash of its version; ``universe``
    holds those datasets (None when none could be read); ``problems`` has one line per dataset,
    version or symbol that could not be, and for data that cannot be played together.
    """

    spec: GameSpec
    universe: Universe | None
    problems: tuple[str, ...] = ()

    def checked(self) -> Universe:
        """The Universe, or one ``InvalidGameError`` listing every problem."""
        if self.problems or self.universe is None:
            raise InvalidGameError(list(self.problems) or ["data: name at least one dataset"])
        return self.universe


def read_game_data(spec: GameSpec, store: MarketStore) -> GameData:
    """Store the bundled datasets ``spec`` names, pin their versions and read them up to the
    Game's end, gathering every problem (a dataset or version the store does not have, symbols a
    dataset does not hold) instead of stopping at the first."""
    sync_bundled(store, [d.dataset for d in spec.data])
    end = pd.Timestamp(spec.end, tz="UTC") + pd.Timedelta(days=7) if spec.end else None
    parts: list[_Part] = []
    pinned: list[DataSpec] = []
    problems: list[str] = []
    for index, data in enumerate(spec.data):
        where = f"data[{index}]"
        try:
            dataset = store.get(data.dataset, data.content_hash)
        except DataError as error:
            known = data.content_hash is not None and data.dataset in store.names()
            problems.append(f"{where}.{'hash' if known else 'dataset'}: {error}")
            continue
        symbols = list(data.symbols) if data.symbols else None
        unknown = dataset.unknown_symbols(symbols or ())
        if unknown:
            problems.append(f"{where}.symbols: dataset {data.dataset!r} has no symbol {', '.join(unknown)}")
            symbols = [symbol for symbol in symbols or () if symbol not in unknown]
            if not symbols:
                continue
        version = dataset.info.content_hash
        try:
            parts.append(_read(store, data.dataset, symbols, None, end, version))
        except DataError as error:  # a stored version whose files changed
            problems.append(f"{where}.dataset: {error}")
            continue
        pinned.append(replace(data, content_hash=version))
    universe = None
    if parts:
        try:
            universe = _universe(parts, spec.calendar, dict(spec.fx_rates))
        except DataError as error:
            problems.append(str(error))
    return GameData(replace(spec, data=tuple(pinned)), universe, tuple(problems))


def load_game_data(game_file: GameFile, store: MarketStore) -> tuple[GameFile, Universe]:
    """Check a Game file's definition, store the bundled datasets it names, pin their versions and
    load its Universe: the Game file as it will be played (and recorded) and its data.

    Raises one ``InvalidGameError`` listing every problem of its data (``read_game_data``).
    """
    game_file.spec.check()
    data = read_game_data(game_file.spec, store)
    return replace(game_file, spec=data.spec), data.checked()


def pin_data(spec: GameSpec, store: MarketStore) -> GameSpec:
    """The spec with every dataset pinned to the hash of the version it will play on."""
    pinned = tuple(
        d if d.content_hash else replace(d, content_hash=store.get(d.dataset).info.content_hash) for d in spec.data
    )
    return replace(spec, data=pinned)


def load_universe(spec: GameSpec, store: MarketStore) -> Universe:
    """One Universe over the Game's datasets (same frequency), read up to the Game's end; one
    ``InvalidGameError`` lists every dataset or symbol that cannot be read."""
    return read_game_data(spec, store).checked()


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
    ticks = dataset.info.frequency == "tick"
    frame = store.bars(name, symbols, start, end, content_hash, ordered=ticks)  # bars: the Panel places them
    return _Part(
        dataset.info,
        ticks_to_bars(frame) if ticks else frame,
        store.dividends(name, symbols, content_hash),
        store.splits(name, symbols, content_hash),
    )


def _universe(parts: list[_Part], calendar: str | None, fx_rates: dict[str, Decimal]) -> Universe:
    infos = [part.info for part in parts]
    currencies: dict[str, Currency] = {}  # each symbol keeps its own dataset's currency
    shared = False
    for part in parts:
        names = set(map(str, part.bars["symbol"].unique()))
        shared = shared or not names.isdisjoint(currencies)
        currencies.update(dict.fromkeys(names, currency_of(part.info.currency)))
    frequencies = {TICK_BAR_FREQUENCY if info.frequency == "tick" else info.frequency for info in infos}
    if len(frequencies) > 1:
        raise DataError(f"data: datasets of different frequencies cannot be mixed ({', '.join(sorted(frequencies))})")
    bars = pd.concat([part.bars for part in parts], ignore_index=True) if len(parts) > 1 else parts[0].bars
    if shared and bars.duplicated(["symbol", "ts"]).any():  # only datasets sharing a symbol can clash
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
