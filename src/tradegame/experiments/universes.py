"""Universes by filter: which symbols a Game of an experiment trades, picked at its start from what
was known before it.

A ``UniverseFilter`` (``experiments.spec``) keeps the symbols of the data (of the base Game's
``symbols`` when it names some) that pass every filter it sets:

* ``price``: the last close known before the start day (00:00 UTC) is within the band;
* ``traded_value``: the mean of close x volume over the last ``window`` bars known before the
  start is within the band (bars without a volume do not count; a symbol with none in the
  window is left out: nothing says it trades enough);
* ``asset_class``, ``sector``, ``market`` (the calendar of the dataset it comes from, e.g.
  XNYS) and ``currency`` (its quote currency): one of the values given.

A symbol with no close known before the start (not listed yet) is in no universe. Only rows
whose ``available`` time is before the start are read, so a universe never depends on prices
the Game's first Round could not see. Bands are in each symbol's quote currency.

Sectors and industries are the instruments' own, else what ``data.datasets.SYMBOL_FACTS`` says
of a bundled dataset's symbol: no bundled dataset carries either, so a sector filter refuses
to run on them rather than pick nothing (``filter_problems``). Imports numpy, the data's
catalog, the engine's Universe and the experiment's plan; no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date

import numpy as np
import pandas as pd

from tradegame.data.datasets import CATALOG, SYMBOL_FACTS
from tradegame.domain.instruments import AssetClass
from tradegame.engine.spec import GameSpec
from tradegame.engine.universe import Universe, fx_series
from tradegame.experiments.plan import PlannedGame, canonical, universe_table
from tradegame.experiments.spec import Experiment, UniverseFilter

__all__ = [
    "SymbolProfile",
    "filter_problems",
    "game_symbols",
    "pick_symbols",
    "picked_universe",
    "profiles",
    "resolve_universes",
    "restricted",
    "visible_data",
]


@dataclass(frozen=True)
class SymbolProfile:
    """What the filters read of a symbol besides its prices."""

    asset_class: str
    currency: str
    market: str
    sector: str = ""
    industry: str = ""
    listed: date | None = None


def profiles(universe: Universe, datasets: Sequence[Mapping[str, object]]) -> dict[str, SymbolProfile]:
    """Each symbol's profile: its instrument, and the bundled dataset it comes from (``datasets``:
    the base Game's ``[[data]]`` tables) for its market and what its source says of it."""
    origin: dict[str, str] = {}
    for table in datasets:
        name = str(table.get("dataset", ""))
        listed = table.get("symbols")
        for symbol in listed if isinstance(listed, list) and listed else universe.symbols:
            origin.setdefault(str(symbol), name)
    found = {}
    for symbol in universe.symbols:
        instrument = universe.instruments[symbol]
        dataset = CATALOG.get(origin.get(symbol, ""))
        facts = SYMBOL_FACTS.get(origin.get(symbol, ""), {}).get(symbol)
        found[symbol] = SymbolProfile(
            str(instrument.asset_class),
            instrument.quote_currency.code,
            dataset.info.calendar if dataset is not None else universe.panel.calendar,
            instrument.sector or (facts.sector if facts else ""),
            instrument.industry or (facts.industry if facts else ""),
            instrument.listed or (facts.listed if facts else None),
        )
    return found


def filter_problems(experiment: Experiment, known: Mapping[str, SymbolProfile]) -> list[str]:
    """Each universe's values that no symbol of the data has (an unknown sector, a misspelt
    asset class), one problem each naming the field and the values known."""
    problems = []
    classes = [str(kind) for kind in AssetClass]
    for index, universe in enumerate(experiment.universes):
        where = f"axes.universe[{index}]"
        for key, wanted, have in (
            ("asset_class", universe.asset_classes, classes),
            ("sector", universe.sectors, sorted({p.sector for p in known.values() if p.sector})),
            ("market", universe.markets, sorted({p.market for p in known.values()})),
            ("currency", universe.currencies, sorted({p.currency for p in known.values()})),
        ):
            for value in wanted:
                if value in have:
                    continue
                if not have:
                    problems.append(f"{where}.{key}: no symbol of this data has a {key} (no bundled dataset says)")
                else:
                    problems.append(f"{where}.{key}: unknown {key} {value!r}; this data has {', '.join(have)}")
    return problems


def pick_symbols(
    universe: Universe, wanted: UniverseFilter, start: date, profile: Mapping[str, SymbolProfile],
    candidates: Sequence[str] = (),
) -> list[str]:  # fmt: skip
    """The symbols of ``candidates`` (default: all) that pass ``wanted`` at ``start`` (see the module)."""
    panel = universe.panel
    known = int(np.searchsorted(panel.available, pd.Timestamp(start, tz="UTC").value, side="left"))  # rows before
    picked = []
    for symbol in candidates or panel.symbols:
        facts = profile[symbol]
        if not _listed_values(wanted, facts):
            continue
        column = panel.column(symbol)
        closes = panel.fields["close"][:known, column]
        seen = closes[np.isfinite(closes)]
        if not len(seen) or (facts.listed is not None and facts.listed >= start):
            continue  # not listed yet: no price known before the start
        if wanted.price is not None and not _within(float(seen[-1]), wanted.price):
            continue
        if wanted.traded_value is not None:
            first = max(0, known - wanted.window)
            traded = closes[first:] * panel.fields["volume"][first:known, column]
            traded = traded[np.isfinite(traded)]
            if not len(traded) or not _within(float(traded.mean()), wanted.traded_value):
                continue
        picked.append(symbol)
    return picked


def _listed_values(wanted: UniverseFilter, facts: SymbolProfile) -> bool:
    return all(
        not values or value in values
        for values, value in (
            (wanted.asset_classes, facts.asset_class),
            (wanted.sectors, facts.sector),
            (wanted.markets, facts.market),
            (wanted.currencies, facts.currency),
        )
    )


def _within(value: float, band: tuple[object, object]) -> bool:
    return float(str(band[0])) <= value <= float(str(band[1]))


def resolve_universes(
    experiment: Experiment, games: Sequence[PlannedGame], universe: Universe, base_start: date | None
) -> tuple[list[PlannedGame], list[str]]:
    """Each Game of a universe with the ``symbols`` its universe picks at its start; Games whose
    universe picks nothing are left out, each named in the second list."""
    if not experiment.universes:
        return list(games), []
    game_table = experiment.base.get("game")
    base_symbols = game_table.get("symbols") if isinstance(game_table, Mapping) else None
    candidates = [str(s) for s in base_symbols] if isinstance(base_symbols, list) else []
    data = experiment.base.get("data")
    profile = profiles(universe, [t for t in data if isinstance(t, Mapping)] if isinstance(data, list) else [])
    by_table = {canonical(universe_table(u)): u for u in experiment.universes}
    kept, dropped = [], []
    for game in games:
        wanted = by_table[canonical(game.coordinates["universe"])]
        start = date.fromisoformat(str(game.coordinates["start"])) if "start" in game.coordinates else base_start
        if start is None:
            dropped.append(f"game {game.game_id}: no start date to pick the universe {wanted.name!r} at")
            continue
        symbols = pick_symbols(universe, wanted, start, profile, candidates)
        if symbols:
            kept.append(replace(game, coordinates={**game.coordinates, "symbols": symbols}))
        else:
            dropped.append(f"game {game.game_id} (start {start}): universe {wanted.name!r} picks no symbol")
    return kept, dropped


def game_symbols(universe: Universe, spec: GameSpec, picked: Sequence[str]) -> tuple[str, ...]:
    """What a Game of a universe reads of the data: the ``picked`` symbols, those its initial
    Positions and accounts name, and the forex series between its currencies (for its rates);
    in the data's order."""
    named = {*picked, *(p.symbol for p in spec.initial_positions), *(s for a in spec.accounts for s in a.symbols)}
    named &= set(universe.instruments)
    codes = {spec.currency, *(a.currency for a in spec.accounts)}
    codes |= {universe.instruments[symbol].quote_currency.code for symbol in named}
    series = {s for a in codes for b in codes if a != b for s, _ in fx_series(a, b)}
    return tuple(s for s in universe.symbols if s in named or s in series)


def restricted(universe: Universe, symbols: Sequence[str]) -> Universe:
    """``universe`` with only ``symbols`` (its rows, times, FX rates and data hash kept)."""
    kept = tuple(s for s in universe.symbols if s in set(symbols))
    panel = universe.panel
    columns = [panel.column(symbol) for symbol in kept]
    fields = {}
    for name, grid in panel.fields.items():
        fields[name] = grid[:, columns]
        fields[name].flags.writeable = False
    actions = {}
    for row, found in universe.actions.items():
        mine = [action for action in found if action.symbol in kept]
        if mine:
            actions[row] = mine
    return Universe(
        replace(panel, symbols=kept, fields=fields),
        {symbol: universe.instruments[symbol] for symbol in kept},
        actions,
        dict(universe.fx_rates),
    )


def visible_data(spec: GameSpec, universe: Universe) -> GameSpec:
    """``spec`` (a Game of a universe) whose ``[[data]]`` tables read only what it sees of
    ``universe`` (``game_symbols``: the symbols it picked, its Positions' and accounts', the forex
    series for its rates), so that its stored definition replays it on the data it played on.

    Each table gets the symbols of its own dataset: those its ``symbols`` list names, or, for the
    one table without a list, the rest of ``universe``. Left as it is: a table of which the Game
    sees nothing (an empty list would read all of it), and every table when several have no list
    (which dataset holds a symbol is not known here)."""
    visible = game_symbols(universe, spec, spec.symbols)
    unlisted = [table for table in spec.data if not table.symbols]
    listed = {symbol for table in spec.data for symbol in table.symbols or ()}
    tables = []
    for table in spec.data:
        if table.symbols or len(unlisted) == 1:
            members = set(table.symbols) if table.symbols else set(universe.symbols) - listed
            mine = tuple(symbol for symbol in visible if symbol in members)
            table = replace(table, symbols=mine) if mine else table
        tables.append(table)
    return replace(spec, data=tuple(tables))


def picked_universe(universe: Universe, spec: GameSpec) -> Universe:
    """What a Game of a universe (``[[axes.universe]]``) plays on, in a run and in a replay:
    ``universe`` narrowed to the symbols the Game picked and what it needs (``game_symbols``)."""
    return restricted(universe, game_symbols(universe, spec, spec.symbols))
