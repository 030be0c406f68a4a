"""The array sweep plays the same Games as the Round loop: fills and Score equal, column by column."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import numpy as np
import pytest

from tradegame.data.datasets import load_dataset
from tradegame.data.panel import Panel
from tradegame.domain.errors import InvalidInputError
from tradegame.domain.instruments import LotMethod
from tradegame.domain.money import USD, Money
from tradegame.domain.positions import TaxKind
from tradegame.domain.running_costs import Monthly, RunningCost
from tradegame.domain.tax import TaxProfile
from tradegame.engine.context import RoundContext
from tradegame.engine.costs import FixedBps, PercentOfNotional, PerShare
from tradegame.engine.game import Game, GameResult, play
from tradegame.engine.moves import Action
from tradegame.engine.spec import AccountSpec, DataSpec, ExitRules, GameSpec, InitialPosition
from tradegame.engine.sweep import SignalFollower, SweepColumn, sweep
from tradegame.engine.universe import Universe
from tradegame.models import SmaCrossover
from tradegame.models.sma import crossover_signals

D = Decimal


@pytest.fixture(scope="module")
def spx() -> Universe:
    bars = load_dataset("arch-sp500").bars
    panel = Panel.from_bars(bars, frequency="1d", calendar="XNYS", currency="USD")
    return Universe.from_panel(panel, currency=USD)


def spec_of(**changes: object) -> GameSpec:
    base = GameSpec("sweep", date(2002, 1, 2), D(100000), end=date(2011, 12, 30), data=(DataSpec("arch-sp500"),))
    return replace(base, **changes)  # type: ignore[arg-type]


def flipping_signals(rows: int, columns: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Random runs of "enter" and "leave" (a few rows to a few weeks each): many fills, some at a loss
    bought back within 30 days (wash sales), some Rounds with neither signal."""
    rng = np.random.default_rng(seed)
    enter = np.zeros((rows, columns), dtype=bool)
    leave = np.zeros((rows, columns), dtype=bool)
    for column in range(columns):
        row = 0
        while row < rows:
            length = int(rng.integers(1, 25))
            kind = rng.integers(0, 3)  # 0 enter, 1 leave, 2 neither
            if kind == 0:
                enter[row : row + length, column] = True
            elif kind == 1:
                leave[row : row + length, column] = True
            row += length
    return enter, leave


def fills_of(result: GameResult) -> list[tuple[int, str, Decimal, Decimal, Decimal]]:
    return [
        (
            int(entry.timestamp.timestamp() * 1_000_000_000),
            entry.action,
            entry.quantity,
            entry.notional.amount / entry.quantity,
            entry.fee.amount,
        )
        for entry in result.books.cost_ledger
    ]


def assert_same(column: SweepColumn, game: GameResult) -> None:
    ours = [(f.time_ns, f.side, f.quantity, f.price, f.fee) for f in column.fills]
    assert ours == fills_of(game)
    assert column.score == game.score
    assert (column.outcome, column.outcome_round) == (game.outcome, game.outcome_round)
    assert column.values.tobytes() == game.values.tobytes()  # the value after each Round, bit for bit


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"fill_at": "close", "tax": TaxProfile.flat("0.35", "0.15")},
        {
            "accounts": (AccountSpec("main", fees=PercentOfNotional(D("0.001")), slippage=FixedBps(5.0)),),
            "tax": TaxProfile.flat("0.30", "0.15"),
        },
        {
            "schedule": "weekly",
            "accounts": (AccountSpec("main", fees=PerShare(D("0.005"), minimum=D("1.00"))),),
            "start_fund": D("2500.00"),
        },
        {
            "accounts": (AccountSpec("main", lot_method=LotMethod.SPECIFIC, fees=PercentOfNotional(D("0.002"))),),
            "tax": TaxProfile.flat("0.25", "0.15"),
        },
        {"running_costs": (("main", RunningCost("feed", Money(D("49.99"), USD), Monthly(date(2002, 1, 31)))),)},
        {
            "running_costs": (
                ("main", RunningCost("feed", Money(D("29.99"), USD), Monthly(date(2001, 6, 2)))),
                ("main", RunningCost("cloud", Money(D("400.00"), USD), Monthly(date(2002, 3, 1)))),
            ),
            "exits": ExitRules(min_value_fraction=D("0.9")),
            "fill_at": "close",
        },
        {
            "schedule": "hourly",
            "end": date(2003, 6, 30),
            "tax": TaxProfile.flat("0.3", "0.15"),
            "running_costs": (("main", RunningCost("feed", Money(D("19.99"), USD), Monthly(date(2002, 1, 31)))),),
        },
        {
            "schedule": "hourly",
            "end": date(2003, 6, 30),
            "exits": ExitRules(max_drawdown=D("0.08")),
        },
        {"exits": ExitRules(max_drawdown=D("0.12"))},
        {"exits": ExitRules(max_losing_rounds=7)},
        {"exits": ExitRules(target_return=D("0.15")), "fill_at": "close"},
        {"exits": ExitRules(min_value_fraction=D("0.93")), "tax": TaxProfile.flat("0.3", "0.15")},
    ],
    ids=[
        "next-open",
        "close-taxed",
        "fee-slippage-taxed",
        "weekly-per-share",
        "specific-lots-taxed",
        "running-costs",
        "running-costs-exit-close",
        "hourly-taxed-costs",
        "hourly-exit",
        "drawdown-exit",
        "losing-rounds-exit",
        "perfect-exit-close",
        "min-value-exit-taxed",
    ],
)
def test_every_column_equals_its_game(spx: Universe, changes: dict[str, object]) -> None:
    spec = spec_of(**changes)
    enter, leave = flipping_signals(spx.panel.rows, 4, seed=len(changes))
    if not changes:
        enter, leave = enter[:, 0], leave[:, 0]  # one column, as 1-d arrays
    weight = D("0.6") if changes.get("fill_at") == "close" else D(1)
    result = sweep(spec, spx, "SPX", enter, leave, weight=weight)
    enter, leave = result.enter, result.leave
    trades = 0
    for index, column in enumerate(result.columns):
        game = play(spec, spx, SignalFollower("SPX", enter[:, index], leave[:, index], weight))
        assert_same(column, game)
        assert result.game(index).score == game.score
        trades += len(column.fills)
    assert trades > (4 if spec.exits.active else 20)  # the comparison is about fills, not none
    if spec.exits.active:  # and these rules do end some of the Games early
        assert any(column.outcome != "completed" for column in result.columns)
    if spec.running_costs:  # some charges are paid, some owed (on credit) while the cash is invested
        games = [result.game(index) for index in range(len(result.columns))]
        assert any(g.score.running_costs for g in games)
        if weight == 1:  # all in: the cash left over runs out
            assert any(e.kind == "on-credit" for g in games for e in g.events)


def test_washed_losses_change_the_tax_as_in_the_books(spx: Universe) -> None:
    spec = spec_of(tax=TaxProfile.flat("0.40", "0.20"))
    enter, leave = flipping_signals(spx.panel.rows, 3, seed=11)
    result = sweep(spec, spx, "SPX", enter, leave)
    for index, column in enumerate(result.columns):
        game = result.game(index)
        washes = [line for line in game.books.tax_ledger if line.kind is TaxKind.WASH_ADJUSTMENT]
        assert washes, "the signals should sell at a loss and buy back within 30 days"
        assert column.score.taxes == game.score.taxes


def test_sma_signals_play_the_sma_crossover(spx: Universe) -> None:
    pairs = [(5, 20), (10, 60), (50, 200), (3, 4)]
    spec = spec_of(
        accounts=(AccountSpec("main", fees=PercentOfNotional(D("0.0005"))),), tax=TaxProfile.flat("0.3", "0.15")
    )
    enter, leave = crossover_signals(spx, "SPX", pairs)
    result = sweep(spec, spx, "SPX", enter, leave, labels=pairs)
    assert result.labels == tuple(pairs)
    for column, (fast, slow) in zip(result.columns, pairs, strict=True):
        assert_same(column, play(spec, spx, SmaCrossover("SPX", fast, slow)))


def test_sma_signals_of_a_row_use_no_later_row(spx: Universe) -> None:
    bars = load_dataset("arch-sp500").bars.iloc[:1500]
    short = Universe.from_panel(Panel.from_bars(bars, frequency="1d", calendar="XNYS", currency="USD"), currency=USD)
    pairs = [(5, 20), (20, 100)]
    full_enter, full_leave = crossover_signals(spx, "SPX", pairs)
    enter, leave = crossover_signals(short, "SPX", pairs)
    np.testing.assert_array_equal(enter, full_enter[:1500])
    np.testing.assert_array_equal(leave, full_leave[:1500])


def test_near_ties_are_decided_with_the_models_arithmetic() -> None:
    # Closes where SMA(2) and SMA(4) are equal in exact arithmetic: the prefix-sum means may differ
    # in the last bit; the signal must say "neither", as decide does.
    closes = np.array([0.1, 0.7, 0.3, 0.5, 0.2, 0.6, 0.4, 0.4] * 40) + 1000.0
    import pandas as pd

    times = pd.bdate_range("2020-01-01", periods=len(closes), tz="UTC")
    bars = pd.DataFrame(
        {
            "symbol": "TIE",
            "ts": times,
            "open": closes,
            "high": closes,
            "low": closes,
            "close": closes,
            "volume": 1e6,
            "adj_close": np.nan,
        }
    )
    universe = Universe.from_panel(Panel.from_bars(bars, frequency="1d", calendar="XNYS", currency="USD"), currency=USD)
    enter, leave = crossover_signals(universe, "TIE", [(2, 4)])
    column = universe.panel.fields["close"][:, 0]
    for row in range(3, len(column)):
        window = column[row - 3 : row + 1]
        fast, slow = float(window[-2:].sum()) / 2, float(window.sum()) / 4
        assert enter[row, 0] == (fast > slow)
        assert leave[row, 0] == (fast < slow)


class Awake:
    """SignalFollower without ``wake``: called every Round."""

    def __init__(self, model: SignalFollower) -> None:
        self.model, self.name = model, model.name

    def decide(self, ctx: RoundContext) -> list[Action] | None:
        return self.model.decide(ctx)


def test_signal_follower_skips_quiet_rounds_without_changing_anything(spx: Universe) -> None:
    spec = spec_of(tax=TaxProfile.flat("0.3", "0.15"))
    enter, leave = flipping_signals(spx.panel.rows, 1, seed=5)
    model = SignalFollower("SPX", enter[:, 0], leave[:, 0])
    quiet, every = Game(spec, spx, model).run(), Game(spec, spx, Awake(model)).run()
    assert quiet.events_jsonl() == every.events_jsonl()
    assert quiet.ledger_jsonl() == every.ledger_jsonl()


# -- what a sweep refuses ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        (
            {
                "accounts": (AccountSpec("main"), AccountSpec("other")),
                "running_costs": (("other", RunningCost("feed", Money(D(10), USD), Monthly(date(2002, 1, 15)))),),
            },
            "running costs charged to another account",
        ),
        ({"accounts": (AccountSpec("main", volume_cap=D("0.1")),)}, "volume_cap"),
        ({"schedule": "hourly", "end": date(2003, 6, 30), "fill_at": "close"}, "fills at the close on Rounds inside"),
        (
            {"initial_positions": (InitialPosition("SPX", D(1), D(1000), date(2001, 1, 2), "main"),)},
            "initial_positions",
        ),
    ],
)
def test_a_spec_the_sweep_cannot_reproduce_is_refused_by_name(
    spx: Universe, changes: dict[str, object], named: str
) -> None:
    enter, leave = flipping_signals(spx.panel.rows, 1, seed=1)
    with pytest.raises(InvalidInputError, match=named):
        sweep(spec_of(**changes), spx, "SPX", enter, leave)


def test_corporate_actions_before_the_start_do_not_stop_a_sweep(spx: Universe) -> None:
    import pandas as pd

    # A split and a dividend in 2001 are history for a Game that starts in 2002: the sweep plays it
    # (and equals its Game); the same split inside the Game is refused by name.
    def with_actions(day: str) -> Universe:
        splits = pd.DataFrame({"symbol": ["SPX"], "ts": [pd.Timestamp(day)], "ratio": ["2"]})
        dividends = pd.DataFrame({"symbol": ["SPX"], "ts": [pd.Timestamp(day)], "amount": ["1.50"]})
        return Universe.from_panel(spx.panel, currency=USD, splits=splits, dividends=dividends)

    spec = spec_of(end=date(2003, 6, 30))
    enter, leave = flipping_signals(spx.panel.rows, 2, seed=7)
    before = with_actions("2001-06-01")
    result = sweep(spec, before, "SPX", enter, leave)
    for index, column in enumerate(result.columns):
        assert_same(column, result.game(index))
    with pytest.raises(InvalidInputError, match="corporate actions on SPX"):
        sweep(spec, with_actions("2002-06-03"), "SPX", enter, leave)


def test_bad_signals_are_refused(spx: Universe) -> None:
    rows = spx.panel.rows
    enter, leave = flipping_signals(rows, 2, seed=2)
    with pytest.raises(InvalidInputError, match="rows x n columns"):
        sweep(spec_of(), spx, "SPX", enter[:-1], leave[:-1])
    with pytest.raises(InvalidInputError, match="rows x n columns"):
        sweep(spec_of(), spx, "SPX", enter, leave[:, :1])
    with pytest.raises(InvalidInputError, match="2 columns"):
        sweep(spec_of(), spx, "SPX", enter, leave, labels=["only one"])
    with pytest.raises(InvalidInputError, match="weight"):
        sweep(spec_of(), spx, "SPX", enter, leave, weight=D(2))
    with pytest.raises(InvalidInputError, match="weight must be a number"):
        sweep(spec_of(), spx, "SPX", enter, leave, weight="half")
    two_accounts = spec_of(accounts=(AccountSpec("cash"), AccountSpec("broker", symbols=("SPX",))))
    with pytest.raises(InvalidInputError, match="outside the first account"):
        sweep(two_accounts, spx, "SPX", enter, leave)
    with pytest.raises(InvalidInputError, match="unknown symbol"):
        crossover_signals(spx, "NOPE", [(5, 20)])
    with pytest.raises(InvalidInputError, match="fast must be shorter"):
        crossover_signals(spx, "SPX", [(20, 5)])


def test_signals_on_rows_without_a_bar_and_gaps_are_refused() -> None:
    import pandas as pd

    times = pd.bdate_range("2020-01-01", periods=60, tz="UTC")
    closes = np.linspace(100, 130, 60)
    frames = [
        pd.DataFrame(
            {
                "symbol": "LATE",
                "ts": times[10:],
                "open": closes[10:],
                "high": closes[10:],
                "low": closes[10:],
                "close": closes[10:],
                "volume": 1e6,
                "adj_close": np.nan,
            }
        ),
        pd.DataFrame(
            {
                "symbol": "GAPPY",
                "ts": times.delete(30),
                "open": 1.0,
                "high": 1.0,
                "low": 1.0,
                "close": 1.0,
                "volume": 1e6,
                "adj_close": np.nan,
            }
        ),
    ]
    bars = pd.concat(frames, ignore_index=True)
    universe = Universe.from_panel(Panel.from_bars(bars, frequency="1d", calendar="XNYS", currency="USD"), currency=USD)
    spec = GameSpec("refuse", date(2020, 1, 2), D(1000), end=date(2020, 3, 20), data=(DataSpec("x"),))
    rows = universe.panel.rows
    enter, leave = np.ones((rows, 1), dtype=bool), np.zeros((rows, 1), dtype=bool)
    with pytest.raises(InvalidInputError, match="enter is set on row 0, where LATE has no bar"):
        sweep(spec, universe, "LATE", enter, leave)
    known = ~np.isnan(universe.panel.fields["close"][:, universe.panel.column("GAPPY")])
    with pytest.raises(InvalidInputError, match="GAPPY has gaps"):
        sweep(spec, universe, "GAPPY", known[:, None], leave)
