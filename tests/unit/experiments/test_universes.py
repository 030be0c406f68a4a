"""Universes by filter, worked by hand on four symbols of five sessions: each filter alone, the
point-in-time rule (nothing on or after the start day counts), and the checks of the values."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import numpy as np

from tests.unit.engine.game_kit import bars_from, spec, universe_of
from tradegame.domain.instruments import AssetClass
from tradegame.domain.money import Currency
from tradegame.engine.spec import DataSpec
from tradegame.engine.universe import Universe
from tradegame.experiments.plan import PlannedGame, expand, game_document
from tradegame.experiments.spec import Experiment, UniverseFilter
from tradegame.experiments.universes import (
    filter_problems,
    game_symbols,
    pick_symbols,
    profiles,
    resolve_universes,
    restricted,
    visible_data,
)

D = Decimal
NAN = float("nan")
START = date(2024, 1, 9)  # the 6th session from 2024-01-02: five sessions are known before it


def bar(price: float, volume: float) -> tuple[float, float, float, float, float]:
    return (price, price, price, price, volume)


def small_universe(late: float = 10.0, last_volume: float = 41_000.0) -> Universe:
    """CHEAP at 10 (traded 10,000 a session, 410,000 on the last before the start), MID at 60
    (60,000; an ETF), BIG at 200 (2,000,000; sector Technology), NOVOL at 30 (no volume; quoted in
    EUR). From the start day on, CHEAP trades at ``late``."""
    rows = {
        "CHEAP": [bar(10, 1000)] * 4 + [bar(10, last_volume)] + [bar(late, 1000)] * 3,
        "MID": [bar(60, 1000)] * 8,
        "BIG": [bar(200, 10_000)] * 8,
        "NOVOL": [bar(30, NAN)] * 8,
    }
    universe = universe_of(bars_from(rows))
    instruments = universe.instruments
    instruments["MID"] = replace(instruments["MID"], asset_class=AssetClass.ETF)
    instruments["BIG"] = replace(instruments["BIG"], sector="Technology", industry="Software")
    instruments["NOVOL"] = replace(instruments["NOVOL"], quote_currency=Currency("EUR", 2))
    return universe


def pick(wanted: UniverseFilter, universe: Universe | None = None, start: date = START) -> list[str]:
    universe = universe or small_universe()
    return sorted(pick_symbols(universe, wanted, start, profiles(universe, [])))


def test_each_filter_alone() -> None:
    assert pick(UniverseFilter("all")) == ["BIG", "CHEAP", "MID", "NOVOL"]
    assert pick(UniverseFilter("cheap", price=(D(0), D(50)))) == ["CHEAP", "NOVOL"]
    assert pick(UniverseFilter("dear", price=(D(60), D(1000)))) == ["BIG", "MID"]  # bands are inclusive
    # CHEAP's last 5 sessions: 4 x 10,000 and 410,000, a mean of 90,000; NOVOL has no volume: out.
    assert pick(UniverseFilter("thin", traded_value=(D(0), D(100_000)), window=5)) == ["CHEAP", "MID"]
    assert pick(UniverseFilter("thin", traded_value=(D(0), D(100_000)), window=1)) == ["MID"]  # 410,000 alone
    assert pick(UniverseFilter("etf", asset_classes=("etf",))) == ["MID"]
    assert pick(UniverseFilter("tech", sectors=("Technology",))) == ["BIG"]
    assert pick(UniverseFilter("nyse", markets=("XNYS",))) == ["BIG", "CHEAP", "MID", "NOVOL"]
    assert pick(UniverseFilter("euro", currencies=("EUR",))) == ["NOVOL"]
    assert pick(UniverseFilter("both", price=(D(0), D(100)), currencies=("USD",))) == ["CHEAP", "MID"]


def test_nothing_on_or_after_the_start_day_counts() -> None:
    band = UniverseFilter("cheap", price=(D(0), D(50)))
    assert pick(band, small_universe(late=1000.0)) == pick(band, small_universe(late=10.0)) == ["CHEAP", "NOVOL"]
    thin = UniverseFilter("thin", traded_value=(D(0), D(100_000)), window=5)
    assert pick(thin, small_universe(late=1e6)) == ["CHEAP", "MID"]  # the start day's traded value is not known
    assert pick(thin, small_universe(last_volume=1e7)) == ["MID"]  # the last session before it is
    assert pick(UniverseFilter("all"), start=date(2024, 1, 2)) == []  # nothing is known before the first session
    jumps = small_universe(late=1000.0)  # CHEAP's 1,000 on 2024-01-09 is known from its close
    assert pick(band, jumps, start=date(2024, 1, 9)) == ["CHEAP", "NOVOL"]
    assert pick(band, jumps, start=date(2024, 1, 10)) == ["NOVOL"]


def test_unknown_values_are_named_with_the_known_ones() -> None:
    universe = small_universe()
    experiment = Experiment(
        "e",
        {},
        universes=(
            UniverseFilter("a", sectors=("Tech",)),
            UniverseFilter("b", asset_classes=("stock",), markets=("XLON",), currencies=("JPY",)),
        ),
    )
    assert filter_problems(experiment, profiles(universe, [])) == [
        "axes.universe[0].sector: unknown sector 'Tech'; this data has Technology",
        "axes.universe[1].asset_class: unknown asset_class 'stock'; this data has "
        "equity, etf, fund, crypto, forex, commodity, cash",
        "axes.universe[1].market: unknown market 'XLON'; this data has XNYS",
        "axes.universe[1].currency: unknown currency 'JPY'; this data has EUR, USD",
    ]
    plain = universe_of(bars_from({"A": [bar(1, 1)] * 3}))
    no_sectors = Experiment("e", {}, universes=(UniverseFilter("a", sectors=("Technology",)),))
    assert filter_problems(no_sectors, profiles(plain, [])) == [
        "axes.universe[0].sector: no symbol of this data has a sector (no bundled dataset says)"
    ]


def test_each_game_gets_its_universe_at_its_start_and_its_model_gets_the_symbols() -> None:
    base = {"game": {"name": "g", "start": "2024-01-03", "end": "2024-01-12", "symbols": ["CHEAP", "MID", "BIG"]},
            "model": {"name": "buy-and-hold"}}  # fmt: skip
    experiment = Experiment("e", base, universes=(UniverseFilter("cheap", price=(D(0), D(50))),))
    games = expand(experiment)
    kept, left_out = resolve_universes(experiment, games, small_universe(), date(2024, 1, 12))
    assert [game.coordinates["symbols"] for game in kept] == [["CHEAP"]]  # NOVOL is not among the base's symbols
    assert kept[0].game_id == games[0].game_id  # the symbols picked are not part of the id
    document = game_document(experiment, kept[0])
    assert document["game"]["symbols"] == ["CHEAP"]  # type: ignore[index]
    assert document["model"] == {"name": "buy-and-hold", "params": {"symbols": ["CHEAP"]}}
    named = {**base, "model": {"name": "sma-crossover", "params": {"symbol": "MID"}}}
    assert game_document(replace(experiment, base=named), kept[0])["model"]["params"] == {"symbol": "MID"}  # type: ignore[index]
    none, left_out = resolve_universes(experiment, games, small_universe(), date(2024, 1, 2))
    assert none == [] and left_out == [f"game {games[0].game_id} (start 2024-01-02): universe 'cheap' picks no symbol"]


def test_an_hour_becomes_one_round_a_weekday_at_that_hour() -> None:
    base = {"game": {"name": "g", "start": "2017-01-05", "end": "2017-01-10", "schedule": "daily"}}
    game = PlannedGame("x", 1, {"hour": 13})
    table = game_document(Experiment("e", base), game)["game"]
    assert table["round_times"] == [  # type: ignore[index]
        "2017-01-05T13:00:00+00:00", "2017-01-06T13:00:00+00:00", "2017-01-09T13:00:00+00:00",
    ]  # fmt: skip
    assert "schedule" not in table  # type: ignore[operator]
    by_rounds = {"game": {"name": "g", "start": "2017-01-06", "rounds": 2}}
    assert game_document(Experiment("e", by_rounds), game)["game"]["round_times"] == [  # type: ignore[index]
        "2017-01-06T13:00:00+00:00", "2017-01-09T13:00:00+00:00",
    ]  # fmt: skip


def test_a_sub_universe_keeps_the_picked_columns_and_what_the_rates_need() -> None:
    rows = {"CHEAP": [bar(10, 1000)] * 8, "NOVOL": [bar(30, NAN)] * 8, "BIG": [bar(200, 1)] * 8,
            "EURUSD": [bar(1.1, NAN)] * 8, "GBPUSD": [bar(1.3, NAN)] * 8}  # fmt: skip
    universe = universe_of(bars_from(rows))
    universe.instruments["NOVOL"] = replace(universe.instruments["NOVOL"], quote_currency=Currency("EUR", 2))
    assert game_symbols(universe, spec(), ["CHEAP"]) == ("CHEAP",)
    needed = game_symbols(universe, spec(), ["NOVOL", "CHEAP"])  # a euro symbol: the EURUSD series too
    assert needed == ("CHEAP", "EURUSD", "NOVOL")
    sub = restricted(universe, needed)
    assert sub.symbols == needed and set(sub.instruments) == set(needed)
    assert (sub.panel.labels == universe.panel.labels).all() and (sub.fill_times == universe.fill_times).all()
    for symbol in needed:
        for name, grid in universe.panel.fields.items():
            mine = sub.panel.fields[name][:, sub.panel.column(symbol)]
            assert np.array_equal(mine, grid[:, universe.panel.column(symbol)], equal_nan=True)
    assert sub.panel.content_hash == universe.panel.content_hash and not sub.panel.fields["close"].flags.writeable


def test_a_universe_game_s_data_tables_name_only_what_it_saw() -> None:
    rows = {"CHEAP": [bar(10, 1000)] * 8, "NOVOL": [bar(30, NAN)] * 8, "BIG": [bar(200, 1)] * 8,
            "EURUSD": [bar(1.1, NAN)] * 8}  # fmt: skip
    universe = universe_of(bars_from(rows))
    universe.instruments["NOVOL"] = replace(universe.instruments["NOVOL"], quote_currency=Currency("EUR", 2))
    one = visible_data(spec(symbols=("NOVOL",)), universe)  # one table, no list: what it saw
    assert [table.symbols for table in one.data] == [("EURUSD", "NOVOL")]
    stocks, forex = DataSpec("stocks", "h1", ("CHEAP", "NOVOL", "BIG")), DataSpec("forex", "h2")
    two = visible_data(spec(symbols=("NOVOL",), data=(stocks, forex)), universe)  # a list, and the rest
    assert two.data == (DataSpec("stocks", "h1", ("NOVOL",)), DataSpec("forex", "h2", ("EURUSD",)))
    unseen = visible_data(spec(symbols=("CHEAP",), data=(stocks, forex)), universe)  # nothing of forex: kept
    assert unseen.data == (DataSpec("stocks", "h1", ("CHEAP",)), forex)
    both_open = (DataSpec("stocks"), DataSpec("forex"))  # which holds which is not known: left as they are
    assert visible_data(spec(symbols=("NOVOL",), data=both_open), universe).data == both_open
