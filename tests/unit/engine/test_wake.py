"""Skipping quiet Rounds changes nothing: the same Games, with and without ``wake``, byte for byte."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from tradegame.data.datasets import load_dataset
from tradegame.data.panel import Panel
from tradegame.domain.money import KRW, USD, Money
from tradegame.domain.running_costs import Monthly, RunningCost, Yearly
from tradegame.domain.tax import TaxProfile
from tradegame.engine.context import Model, RoundContext
from tradegame.engine.costs import FixedBps, PercentOfNotional, PerShare
from tradegame.engine.game import Game, GameResult
from tradegame.engine.moves import Action
from tradegame.engine.spec import AccountSpec, DataSpec, ExitRules, GameSpec
from tradegame.engine.universe import Universe
from tradegame.engine.wake import Signals
from tradegame.models import BuyAndHold, SmaCrossover


@pytest.fixture(scope="module")
def spx() -> Universe:
    bars = load_dataset("arch-sp500").bars
    panel = Panel.from_bars(bars, frequency="1d", calendar="XNYS", currency="USD")
    return Universe.from_panel(panel, currency=USD)


class Awake:
    """The same Model without ``wake``: the engine calls it every Round."""

    def __init__(self, model: Model) -> None:
        self.model = model
        self.name = model.name

    def decide(self, ctx: RoundContext) -> Iterable[Action] | None:
        return self.model.decide(ctx)


class Counted:
    """Counts the Rounds the engine asks ``model`` about (``wake`` passed through when it has one)."""

    def __init__(self, model: Model) -> None:
        self.model = model
        self.name = model.name
        self.calls = 0
        if hasattr(model, "wake"):
            self.wake = model.wake

    def decide(self, ctx: RoundContext) -> Iterable[Action] | None:
        self.calls += 1
        return self.model.decide(ctx)


class Rounds:
    """Records every Round an observer is told about, as the database's ``rounds`` table would."""

    def __init__(self) -> None:
        self.rows: list[tuple[int, float]] = []

    def round_done(self, game: Game, round_index: int, value: float) -> None:
        self.rows.append((round_index, value))

    def game_done(self, game: Game, result: GameResult) -> None:
        pass


def both(spec: GameSpec, universe: Universe, fast: int, slow: int) -> tuple[GameResult, GameResult]:
    quiet = Game(spec, universe, SmaCrossover("SPX", fast, slow)).run()
    every = Game(spec, universe, Awake(SmaCrossover("SPX", fast, slow))).run()
    return quiet, every


def assert_identical(spec: GameSpec, universe: Universe, make: Callable[[], Model]) -> tuple[GameResult, int]:
    """Play ``spec`` with the Model skipping quiet Rounds and with it called every Round: every log,
    ledger, Round value (the result's and the observer's) and the score byte for byte the same, and
    again when the quiet Game has no observer (a sleeping Round then leaves its value to the stretch
    after it when no exit rule reads it). Returns the quiet Game's result and how many Rounds its
    Model was asked about."""
    quiet_model = Counted(make())
    quiet_rounds, every_rounds = Rounds(), Rounds()
    quiet = Game(spec, universe, quiet_model).run(quiet_rounds)
    every = Game(spec, universe, Awake(make())).run(every_rounds)  # type: ignore[arg-type]
    assert quiet.events_jsonl() == every.events_jsonl()
    assert quiet.ledger_jsonl() == every.ledger_jsonl()
    assert quiet.books.tax_ledger == every.books.tax_ledger
    assert (quiet.outcome, quiet.outcome_round, quiet.outcome_reason) == (
        every.outcome,
        every.outcome_round,
        every.outcome_reason,
    )
    assert quiet.score == every.score
    assert quiet.values.tobytes() == every.values.tobytes()
    assert quiet.times.tobytes() == every.times.tobytes()
    assert quiet_rounds.rows == every_rounds.rows
    assert len(quiet_rounds.rows) >= len(quiet.times) - 1  # an exit's Round is not reported (either way)
    unobserved = Game(spec, universe, make()).run()
    assert unobserved.values.tobytes() == every.values.tobytes()
    assert unobserved.ledger_jsonl() == every.ledger_jsonl() and unobserved.events_jsonl() == every.events_jsonl()
    return quiet, quiet_model.calls


@pytest.mark.parametrize(
    ("fast", "slow", "fill_at", "fee", "taxed"),
    [(50, 200, "next_open", "0", False), (10, 30, "close", "0.001", True), (5, 20, "next_open", "0.001", True)],
)
def test_quiet_rounds_give_identical_logs_ledgers_and_values(
    spx: Universe, fast: int, slow: int, fill_at: str, fee: str, taxed: bool
) -> None:
    spec = GameSpec(
        "wake",
        date(2001, 1, 2),
        Decimal(100000),
        end=date(2012, 12, 31),
        data=(DataSpec("arch-sp500"),),
        fill_at=fill_at,  # type: ignore[arg-type]
        accounts=(AccountSpec("main", fees=PercentOfNotional(Decimal(fee))),),
        tax=TaxProfile.flat("0.3", "0.15") if taxed else None,
    )
    quiet, every = both(spec, spx, fast, slow)
    assert quiet.events_jsonl() == every.events_jsonl()
    assert quiet.ledger_jsonl() == every.ledger_jsonl()
    assert quiet.score == every.score
    np.testing.assert_array_equal(quiet.values, every.values)
    assert len([e for e in quiet.events if e.kind == "filled"]) > 10


def test_sma_signals_use_only_earlier_rows(spx: Universe) -> None:
    full = Signals(spx).sma("SPX", 50)
    bars = load_dataset("arch-sp500").bars.iloc[:1000]
    short = Universe.from_panel(Panel.from_bars(bars, frequency="1d", calendar="XNYS", currency="USD"), currency=USD)
    np.testing.assert_array_equal(Signals(short).sma("SPX", 50), full[:1000])  # nothing from later rows
    closes = spx.panel.fields["close"][:, 0]
    assert full[99] == pytest.approx(closes[50:100].mean(), rel=1e-12)
    assert np.isnan(full[48]) and not np.isnan(full[49])


def test_buy_and_hold_skips_every_round_after_the_first(spx: Universe) -> None:
    from tradegame.models import BuyAndHold

    class Always:
        name = "buy-and-hold"

        def decide(self, ctx: RoundContext) -> list[Action] | None:
            return BuyAndHold(["SPX"]).decide(ctx)

    spec = GameSpec("hold", date(2007, 10, 9), Decimal(100000), end=date(2009, 3, 9), data=(DataSpec("arch-sp500"),))
    quiet = Game(spec, spx, BuyAndHold(["SPX"])).run()
    every = Game(spec, spx, Always()).run()
    assert quiet.ledger_jsonl() == every.ledger_jsonl() and quiet.events_jsonl() == every.events_jsonl()
    np.testing.assert_array_equal(quiet.values, every.values)


# -- quiet Rounds in Games with running costs, exits, FX, dividends and splits, tax (issue 15) --

D = Decimal
FEED = RunningCost("data-feed", Money(D("250.00"), USD), Monthly(date(2001, 1, 31)))
LICENCE = RunningCost("licence", Money(D("1200.00"), USD), Yearly(date(2001, 3, 1)))
TAXED = TaxProfile.flat("0.24", "0.15")


def spx_spec(start: date, end: date, **changes: object) -> GameSpec:
    fields: dict[str, object] = {"data": (DataSpec("arch-sp500"),), "end": end}
    fields.update(changes)
    return GameSpec("quiet", start, D(100000), **fields)  # type: ignore[arg-type]


def test_running_costs_on_credit_and_tax_are_booked_on_the_same_rounds(spx: Universe) -> None:
    # Fully invested, so a charge while holding cannot be paid: owed, then paid when a sale brings cash.
    spec = spx_spec(
        date(2001, 1, 2), date(2012, 12, 31), running_costs=(("main", FEED), ("main", LICENCE)), tax=TAXED,
        accounts=(AccountSpec("main", fees=PercentOfNotional(D("0.001"))),),
    )  # fmt: skip
    result, calls = assert_identical(spec, spx, lambda: SmaCrossover("SPX", 50, 200))
    kinds = {e.kind for e in result.events}
    assert {"running-cost", "on-credit", "debt-paid", "filled"} <= kinds
    assert calls < len(result.times) // 5


def test_the_shipped_sma_2008_game_skips_quiet_rounds(spx: Universe) -> None:
    # examples/games/sma-2008.toml over 20 years: per-share fees, slippage, a volume cap, exits, tax.
    account = AccountSpec(
        "ibkr", "ibkr", fees=PerShare(D("0.005"), minimum=D("1.00"), maximum_pct=D("0.01")),
        slippage=FixedBps(D(2)), volume_cap=D("0.1"),
    )  # fmt: skip
    exits = ExitRules(min_value_fraction=D("0.5"), max_drawdown=D("0.4"))
    spec = spx_spec(date(1999, 1, 4), date(2018, 12, 31), accounts=(account,), exits=exits, tax=TAXED)
    result, calls = assert_identical(spec, spx, lambda: SmaCrossover("SPX", 50, 200))
    assert result.outcome == "completed" and calls < len(result.times) // 5


@pytest.mark.parametrize(
    ("start", "exits", "outcome"),
    [
        (date(2007, 10, 9), ExitRules(min_value_fraction=D("0.7")), "catastrophic_exit"),
        (date(2007, 10, 9), ExitRules(max_drawdown=D("0.25")), "catastrophic_exit"),
        (date(2007, 10, 9), ExitRules(max_losing_rounds=7), "catastrophic_exit"),
        (date(2009, 3, 9), ExitRules(target_return=D("0.5")), "perfect_exit"),
        (date(2009, 3, 9), ExitRules(min_value_fraction=D("0.5"), target_return=D("0.3")), "perfect_exit"),
        (date(2007, 10, 9), ExitRules(min_value_fraction=D("0.5"), max_drawdown=D("0.45")), "catastrophic_exit"),
    ],
)
def test_an_exit_on_a_quiet_round_ends_the_game_on_that_round(
    spx: Universe, start: date, exits: ExitRules, outcome: str
) -> None:
    spec = spx_spec(start, date(2011, 12, 30), exits=exits, running_costs=(("main", FEED),), tax=TAXED)
    result, calls = assert_identical(spec, spx, lambda: BuyAndHold(["SPX"]))
    assert result.outcome == outcome
    new_years = len({t.year for t in pd.DatetimeIndex(result.times)}) - 1  # a new tax year wakes the Model
    # Called on the first Round and each new tax year: not on the next, where its Move fills (no Move
    # is open once the fill is booked), nor on the Round the exit fired on.
    assert result.outcome_round > 3 and calls == 1 + new_years


@pytest.mark.parametrize("exits", [ExitRules(max_drawdown=D("0.07")), ExitRules(target_return=D("0.05"))])
def test_exits_while_a_crossover_sleeps(spx: Universe, exits: ExitRules) -> None:
    spec = spx_spec(date(2002, 1, 2), date(2011, 12, 30), exits=exits, running_costs=(("main", FEED),), tax=TAXED)
    result, calls = assert_identical(spec, spx, lambda: SmaCrossover("SPX", 20, 60))
    assert result.outcome != "completed" and calls < result.outcome_round


def krw_universe(spx: Universe, *, series: bool) -> Universe:
    """SPX (USD) and SAMS (KRW: SPX x 40, split 3-for-2 in June 2006, a dividend each quarter), SPX
    paying a dividend each quarter too; with ``series`` a USDKRW series (a seeded random walk)."""
    panel = spx.panel
    days = pd.DatetimeIndex(panel.labels, tz="UTC")
    keep = (days >= pd.Timestamp("2003-01-01", tz="UTC")) & (days < pd.Timestamp("2011-01-01", tz="UTC"))
    days = days[keep]
    fields = {name: panel.fields[name][keep, 0] for name in ("open", "high", "low", "close", "volume")}
    split_at = int(np.searchsorted(days, pd.Timestamp("2006-06-01", tz="UTC")))
    scale = np.where(np.arange(len(days)) < split_at, 40.0, 40.0 / 1.5)
    frames = []

    def frame(symbol: str, factor: np.ndarray | float) -> pd.DataFrame:
        prices = {name: np.round(fields[name] * factor) for name in ("open", "high", "low", "close")}
        return pd.DataFrame({"symbol": symbol, "ts": days, **prices, "volume": fields["volume"], "adj_close": np.nan})

    frames = [frame("SPX", 1.0), frame("SAMS", scale)]
    if series:
        walk = 1150 * np.exp(np.cumsum(np.random.default_rng(15).normal(0, 0.004, len(days))))
        frames.append(
            pd.DataFrame({"symbol": "USDKRW", "ts": days, "open": walk, "high": walk, "low": walk, "close": walk,
                          "volume": 1e9, "adj_close": np.nan})
        )  # fmt: skip
    bars = pd.concat(frames, ignore_index=True)
    quarterly = days[::63][1:]
    dividends = pd.concat(
        [
            pd.DataFrame({"symbol": "SAMS", "ts": quarterly, "amount": 350.0}),
            pd.DataFrame({"symbol": "SPX", "ts": quarterly[::2] + pd.Timedelta(days=7), "amount": 4.25}),
        ]
    )
    splits = pd.DataFrame({"symbol": ["SAMS"], "ts": [days[split_at]], "ratio": [1.5]})
    built = Panel.from_bars(bars, frequency="1d", calendar="XNYS", currency="USD", content_hash="krw")
    return Universe.from_panel(
        built, currency=USD, dividends=dividends, splits=splits, currencies={"SAMS": KRW, "USDKRW": KRW}
    )


@pytest.mark.parametrize("series", [True, False])
@pytest.mark.parametrize("model", ["sma", "hold"])
def test_fx_dividends_and_splits_on_quiet_rounds(spx: Universe, series: bool, model: str) -> None:
    universe = krw_universe(spx, series=series)
    krw_feed = RunningCost("kr-feed", Money(D("90000"), KRW), Monthly(date(2003, 1, 20)))
    spec = GameSpec(
        "krw", date(2003, 6, 2), D(100000), end=date(2010, 12, 30), data=(DataSpec("krw"),),
        symbols=("SAMS", "SPX"), fx_rates=() if series else (("KRW", D("0.00087")),),
        accounts=(AccountSpec("main", fees=PercentOfNotional(D("0.001"))),),
        running_costs=(("main", FEED), ("main", krw_feed)), tax=TAXED,
        exits=ExitRules(max_losing_rounds=40),
    )  # fmt: skip
    make: Callable[[], Model] = (
        (lambda: SmaCrossover("SAMS", 20, 60))
        if model == "sma"
        else (lambda: BuyAndHold(["SAMS", "SPX"], ["0.5", "0.5"]))
    )
    result, calls = assert_identical(spec, universe, make)
    kinds = {e.kind for e in result.events}
    assert "dividend" in kinds and kinds & {"running-cost", "on-credit"}
    if model == "hold":
        assert "split" in kinds and calls == 9  # Round 0 and each new tax year (not Round 1: its fills booked)
        assert series or "cash-in-lieu" in kinds
    assert calls < len(result.times) // 3


def rotation_universe(spx: Universe) -> Universe:
    """Six symbols: SPX times a seeded random walk each, 2003-2008."""
    panel = spx.panel
    days = pd.DatetimeIndex(panel.labels, tz="UTC")
    keep = (days >= pd.Timestamp("2003-01-01", tz="UTC")) & (days < pd.Timestamp("2009-01-01", tz="UTC"))
    rng = np.random.default_rng(7)
    frames = []
    for index in range(6):
        walk = np.exp(np.cumsum(rng.normal(0, 0.01, int(keep.sum()))))
        prices = {name: np.round(panel.fields[name][keep, 0] * walk, 2) for name in ("open", "high", "low", "close")}
        frames.append(pd.DataFrame({"symbol": f"S{index}", "ts": days[keep], **prices,
                                    "volume": panel.fields["volume"][keep, 0], "adj_close": np.nan}))  # fmt: skip
    built = Panel.from_bars(pd.concat(frames, ignore_index=True), frequency="1d", calendar="XNYS", currency="USD")
    return Universe.from_panel(built, currency=USD)


@pytest.mark.parametrize("rebalance", ["monthly", "weekly", 7])
def test_a_momentum_rotation_sleeps_between_rebalances(spx: Universe, rebalance: str | int) -> None:
    from tradegame.models import MomentumRotation

    spec = spx_spec(
        date(2004, 1, 2), date(2008, 12, 31), data=(DataSpec("rotation"),), running_costs=(("main", FEED),),
        tax=TAXED, accounts=(AccountSpec("main", fees=PercentOfNotional(D("0.0005"))),),
    )  # fmt: skip
    make = lambda: MomentumRotation(top_n=2, lookback=60, rebalance=rebalance)  # noqa: E731
    result, calls = assert_identical(spec, rotation_universe(spx), make)
    assert len([e for e in result.events if e.kind == "filled"]) > 20
    assert calls < len(result.times) // 2


def test_a_momentum_rotation_on_weekly_rounds_values_its_quiet_stretches_as_the_loop(spx: Universe) -> None:
    # Weekly Rounds on daily rows: a quiet stretch's Rounds know rows five apart (read by their indices).
    from tradegame.models import MomentumRotation

    spec = spx_spec(date(2004, 1, 2), date(2008, 12, 31), data=(DataSpec("rotation"),), schedule="weekly")
    result, calls = assert_identical(spec, rotation_universe(spx), lambda: MomentumRotation(top_n=3, lookback=20))
    assert len([e for e in result.events if e.kind == "filled"]) > 20
    assert calls < len(result.times) // 2


def test_a_quiet_plan_knows_the_stretches_whose_rounds_know_consecutive_rows() -> None:
    from tradegame.engine.quiet import QuietPlan

    none = np.array([], dtype=np.int64)
    plan = QuietPlan(none, none, none, np.array([-1, 0, 1, 1, 2, 5, 6]), frozenset())
    stretches = [(0, 3), (2, 4), (3, 5), (4, 6), (5, 7), (4, 5), (1, 6)]
    assert [plan.consecutive(first, stop) for first, stop in stretches] == [True, False, True, False, True, True, False]
