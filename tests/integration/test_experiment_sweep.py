"""An experiment's SMA Games go through the sweep engine, the rest through the Round loop, and every
field of every row is the same as the Round loop gives (the Round loop is the oracle)."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from tradegame.data.store import MarketStore
from tradegame.experiments import Experiment, Length, ModelAxis, PlannedGame, Prepared, StartDates, prepare_experiment
from tradegame.experiments.runner import local_worker
from tradegame.experiments.sweeping import SweepGroup, SweepSignals, sweep_group
from tradegame.experiments.worker import Row, batches

ROOT = Path(__file__).resolve().parents[2]
SWEEP_BASE = tomllib.loads((ROOT / "examples" / "games" / "sma-sweep.toml").read_text())  # costs, exits, tax
STARTS = (date(2000, 3, 1), date(2002, 6, 3), date(2007, 10, 1), date(2008, 9, 2), date(2011, 7, 1), date(2015, 4, 1))
FEES = (
    {"model": "per_share", "rate": "0.005", "minimum": "1.00", "maximum_pct": "0.01"},
    {"model": "percent", "rate": "0.001"},
)
SMA = ModelAxis("sma-crossover", {"symbol": "SPX"}, {"fast": (5, 20), "slow": (30, 60)})


def experiment(base: dict[str, object], **changes: object) -> Experiment:
    options: dict[str, object] = {
        "starts": StartDates(dates=STARTS),
        "lengths": (Length(years=1),),
        "models": (SMA, ModelAxis("buy-and-hold", {"symbols": ["SPX"]})),
        "fees": FEES,
        "schedules": ("daily", "weekly"),
        **changes,
    }
    return Experiment("swept", base, 3, **options)  # type: ignore[arg-type]


def with_exits(base: dict[str, object], exits: dict[str, object]) -> dict[str, object]:
    return {**base, "exits": exits}


@pytest.fixture(scope="module")
def prepared() -> Prepared:
    base = with_exits(SWEEP_BASE, {"max_drawdown": "12%", "max_losing_rounds": 10, "target_return": "18%"})
    return prepare_experiment(experiment(base), MarketStore(None), ROOT)


Rows = dict[str, dict[str, object]]


def both_ways(prepared: Prepared, monkeypatch: pytest.MonkeyPatch) -> tuple[Rows, Rows, set[str]]:
    """Every Game's row through the Round loop (``Worker.play``), and through ``play_many`` in the
    runner's batches (the sweep where it fits), and the ids of the Games the sweep played."""
    swept: set[str] = set()

    def counted(group: SweepGroup, signals: SweepSignals) -> list[Row]:
        rows = sweep_group(group, signals)
        swept.update(game.game_id for game, _ in rows)
        return rows

    monkeypatch.setattr("tradegame.experiments.worker.sweep_group", counted)
    loop = {game.game_id: local_worker(prepared).play(game) for game in prepared.games}
    worker = local_worker(prepared)
    routed = {game.game_id: row for part in batches(prepared.games, 8) for game, row in worker.play_many(part)}
    return loop, routed, swept


def assert_rows_equal(loop: Rows, routed: Rows) -> None:
    assert routed.keys() == loop.keys()
    for game_id, expected in loop.items():
        assert routed[game_id].keys() == expected.keys(), game_id
        unequal = {
            key: (value, routed[game_id][key]) for key, value in expected.items() if routed[game_id][key] != value
        }
        assert not unequal, f"{game_id}: {unequal}"


def test_every_field_of_every_row_is_the_round_loops(prepared: Prepared, monkeypatch: pytest.MonkeyPatch) -> None:
    loop, routed, swept = both_ways(prepared, monkeypatch)
    assert_rows_equal(loop, routed)
    sma = {game.game_id for game in prepared.games if game.coordinates["model"] == "sma-crossover"}
    assert swept == sma  # every SMA Game went through the sweep, no other
    assert len(sma) == len(STARTS) * 4 * len(FEES) * 2 and len(loop) > len(sma)
    rows = [loop[game_id] for game_id in sma]
    outcomes = {row["outcome"] for row in rows}
    assert {"completed", "catastrophic_exit", "perfect_exit"} <= outcomes  # the exits end some Games early
    assert any(Decimal(str(row["taxes"])) > 0 for row in rows) and all(row["trades"] for row in rows)
    assert all(Decimal(str(row["running_costs"])) > 0 for row in rows)
    assert all(row["sharpe"] is not None for row in rows if row["outcome"] == "completed")


def test_games_the_sweep_refuses_go_through_the_round_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    account = dict(SWEEP_BASE["accounts"][0])
    capped = {**SWEEP_BASE, "accounts": [{**account, "volume_cap": "10%"}]}
    two = experiment(capped, starts=StartDates(dates=STARTS[:2]), models=(SMA,), fees=FEES[:1], schedules=())
    prepared = prepare_experiment(two, MarketStore(None), ROOT)
    loop, routed, swept = both_ways(prepared, monkeypatch)
    assert_rows_equal(loop, routed)
    assert not swept and len(loop) == 8


def planned(count: int, start: Callable[[int], str]) -> list[PlannedGame]:
    return [PlannedGame(f"g{i}", i, {"start": start(i), "params": {"fast": i}}) for i in range(count)]


def test_batches_keep_the_games_one_sweep_plays_together() -> None:
    games = planned(22, lambda i: f"2001-01-{1 + i % 6:02d}")  # six starts, interleaved
    parts = batches(list(reversed(games)), 8)
    assert sorted(g.game_id for part in parts for g in part) == sorted(g.game_id for g in games)
    assert all(len(part) <= 8 for part in parts)
    for part in parts:  # a start's Games (differing only in their params) share a batch
        starts = [g.coordinates["start"] for g in part]
        assert all(starts.count(start) == sum(g.coordinates["start"] == start for g in games) for start in starts)
    big = batches(planned(10, lambda i: "2001-01-02"), 4)  # one start: a group larger than a batch is cut
    assert [len(part) for part in big] == [4, 4, 2]
