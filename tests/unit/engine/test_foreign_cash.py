"""Cash and debts in another currency are valued at the rate known at each Round, not at the rate
of the last booking (rules 3). Worked by hand on a USD Game holding won while USDKRW moves."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import numpy as np
import pytest

from tradegame.data.panel import Panel
from tradegame.domain.money import KRW, USD, Money
from tradegame.domain.running_costs import OneOff, RunningCost
from tradegame.engine.context import RoundContext
from tradegame.engine.game import Game, GameResult, play
from tradegame.engine.moves import Action, Move
from tradegame.engine.spec import ExitRules
from tradegame.engine.universe import Universe
from tradegame.engine.wake import Signals, Wake

from .game_kit import Script, at_round, bars_from, spec

D = Decimal
# USDKRW closes (won per dollar): the won is worth 1/1000, 1/1000, 1/1250, 1/800, 1/1600 ... dollars.
USDKRW = (1000, 1000, 1250, 800, 1600, 1600, 1600, 1600)


def flat_bar(price: float) -> tuple[float, float, float, float, float]:
    return (price, price, price, price, 1e6)


def krw_market(rates: tuple[float, ...] = USDKRW) -> Universe:
    """SAMS at a flat 50,000 KRW; USDKRW closing at ``rates``."""
    rows = {"SAMS": [flat_bar(50000)] * len(rates), "USDKRW": [flat_bar(r) for r in rates]}
    panel = Panel.from_bars(bars_from(rows), frequency="1d", calendar="XNYS", currency="USD", content_hash="t")
    return Universe.from_panel(panel, currency=USD, currencies={"SAMS": KRW, "USDKRW": KRW})


SELL_AT_ROUND_1 = {0: [Move.buy("SAMS", 10)], 1: [Move.sell("SAMS", 10)]}


def test_won_proceeds_are_valued_at_each_rounds_rate() -> None:
    seen: list[float] = []

    def plan(ctx: RoundContext) -> list[Action]:
        seen.append(ctx.value)
        return at_round(SELL_AT_ROUND_1)(ctx)

    result = play(spec(symbols=("SAMS",), rounds=6), krw_market(), Script(plan))
    # Round 0 buys 10 SAMS: filled at the second open, 500,000 KRW converted from 500.00 USD at 1000.
    # Round 1 sells them: filled at the third open for 500,000 KRW, kept as won. Cash from then on:
    # 9,500 USD + 500,000 KRW / USDKRW at each Round's close.
    fills = [e.detail.split(" (")[0] for e in result.events if e.kind == "filled"]
    assert fills == ["buy 10 @ 50000 KRW fee 0", "sell 10 @ 50000 KRW fee 0"]
    assert [e.detail for e in result.events if e.kind == "converted"][-1] == "500000 KRW -> 312.50 USD"
    expected = [10000.0, 9500 + 500 / 1, 9500 + 500000 / 1250, 9500 + 500000 / 800, 9500 + 500000 / 1600]
    assert list(result.values[:5]) == pytest.approx(expected, abs=1e-9)  # today: 9900.0 from Round 2 on
    assert seen[:5] == list(result.values[:5])  # ctx.value: what the Model is told
    assert seen[3] == pytest.approx(10125.0, abs=1e-9)
    # The end converts the won at the rate known then (1600): 312.50 USD.
    assert result.score.final_value == D("9812.50")


class SellOnceAndSleep:
    """Buys SAMS at Round 0, sells it when holding; flat afterwards, asleep until the last Round."""

    name = "sell-once"

    def wake(self, signals: Signals) -> Wake:
        first = np.zeros(signals.rows, dtype=bool)
        first[0] = True
        return Wake(first, np.ones(signals.rows, dtype=bool))

    def decide(self, ctx: RoundContext) -> list[Action]:
        if ctx.round == 0:
            return [Move.buy("SAMS", 10)]
        return [Move.sell("SAMS", 10)] if ctx.quantity("SAMS") else []


class Awake:
    """The same Model without ``wake``: the engine calls it every Round."""

    name = "sell-once"

    def decide(self, ctx: RoundContext) -> list[Action]:
        return SellOnceAndSleep().decide(ctx)


def walk_market(rows: int) -> Universe:
    rates = tuple(float(r) for r in np.round(1150 * np.exp(np.cumsum(np.random.default_rng(3).normal(0, 0.01, rows)))))
    return krw_market(rates)


def both(rows: int, **changes: object) -> tuple[GameResult, GameResult, int]:
    calls = 0

    class Counted(SellOnceAndSleep):
        def decide(self, ctx: RoundContext) -> list[Action]:
            nonlocal calls
            calls += 1
            return super().decide(ctx)

    game_spec = spec(symbols=("SAMS",), rounds=rows - 2, **changes)
    quiet = Game(game_spec, walk_market(rows), Counted()).run()
    every = Game(game_spec, walk_market(rows), Awake()).run()
    return quiet, every, calls


def test_quiet_rounds_value_foreign_cash_at_each_rounds_rate_byte_for_byte() -> None:
    quiet, every, calls = both(60)
    assert calls < 5 and len(quiet.times) == 58  # asleep through the stretch holding won
    assert quiet.events_jsonl() == every.events_jsonl()
    assert quiet.ledger_jsonl() == every.ledger_jsonl()
    assert quiet.values.tobytes() == every.values.tobytes()
    universe = walk_market(60)
    rates = universe.filled_close[:, universe.panel.column("USDKRW")]
    rows = np.searchsorted(universe.panel.available, quiet.times, side="right") - 1
    (bought, _) = [e.detail for e in quiet.events if e.kind == "converted"]  # USD for the buy, then the end's won
    usd, krw = 10000 - float(bought.split(" ")[0]), float(bought.split(" ")[-2])  # "give USD -> get KRW"
    by_hand = usd + krw / rates[rows[2:-1]]  # the buy spent 500,000 KRW of it, the sale brought them back
    assert quiet.values[2:-1] == pytest.approx(by_hand, abs=1e-9)  # not one stale rate
    assert len(set(quiet.values[2:-1])) > 20


@pytest.mark.parametrize("sleeping", [True, False])
def test_an_exit_fired_by_the_rate_alone_fires_on_that_round(sleeping: bool) -> None:
    # The floor is 9,850: Round 2 is worth 9,900, Round 3 10,125, Round 4 9,812.50 (the won at 1600).
    exits = ExitRules(min_value_fraction=D("0.985"))
    game_spec = spec(symbols=("SAMS",), rounds=6, exits=exits)
    model = SellOnceAndSleep() if sleeping else Script(at_round(SELL_AT_ROUND_1))
    result = Game(game_spec, krw_market(), model).run()  # type: ignore[arg-type]
    assert (result.outcome, result.outcome_round) == ("catastrophic_exit", 4)  # today: completed
    assert result.outcome_reason.startswith("value 9,812.50 below 98.5% of the start fund")


def test_a_debt_in_won_is_valued_at_each_rounds_rate() -> None:
    cost = RunningCost("kr-feed", Money(D(100000), KRW), OneOff(date(2024, 1, 3)))
    result = play(spec(running_costs=(("main", cost),)), krw_market(), Script(lambda ctx: None))
    # No won to pay with: 100,000 KRW owed from Round 1 (Jan 3) on, worth 100,000 / USDKRW dollars.
    assert [e.kind for e in result.events if e.kind == "on-credit"] == ["on-credit"]
    expected = [10000.0, 10000 - 100000 / 1000, 10000 - 100000 / 1250, 10000 - 100000 / 800]
    assert list(result.values[:4]) == pytest.approx(expected, abs=1e-9)  # today: 9900.0 on every Round
    assert result.score.final_value == D("9937.50")  # owed at the end, at 1600


def test_the_reports_cash_band_is_the_won_at_each_rounds_rate() -> None:
    from tradegame.reporting.html_report import _Facts

    universe = krw_market()
    result = play(spec(symbols=("SAMS",), rounds=6), universe, Script(at_round(SELL_AT_ROUND_1)))
    facts = _Facts.of(result, universe, None)
    # Round 1 holds 10 SAMS (500 USD at 1000) and 9,500 USD; from Round 2 on only cash: USD and won.
    cash = [10000.0, 9500.0, 9500 + 500000 / 1250, 9500 + 500000 / 800, 9500 + 500000 / 1600, 9812.5]
    np.testing.assert_allclose(facts.cash, cash, rtol=0, atol=1e-9)
    assert facts.metrics is not None
    assert facts.metrics.max_drawdown == pytest.approx(-(10125.0 - 9812.5) / 10125.0)  # the FX move is a drawdown


def test_a_sweep_keeps_only_game_currency_cash() -> None:
    # The sweep's arrays value cash as one Game-currency amount: it refuses any Game that could hold
    # another currency (a symbol quoted in won, a running cost in won), so no stale rate can enter.
    from tradegame.domain.errors import InvalidInputError
    from tradegame.engine.sweep import sweep

    universe = krw_market()
    signals = np.ones((universe.panel.rows, 1), dtype=bool)
    with pytest.raises(InvalidInputError, match="SAMS quoted in another currency than USD"):
        sweep(spec(symbols=("SAMS",)), universe, "SAMS", signals, ~signals)
    cost = RunningCost("kr-feed", Money(D(100000), KRW), OneOff(date(2024, 1, 3)))
    usd = krw_market()
    with pytest.raises(InvalidInputError, match="running costs charged to another account or in another currency"):
        sweep(spec(running_costs=(("main", cost),)), usd, "USDKRW", signals, ~signals)


def test_a_target_weight_counts_the_won_at_the_rate_of_its_fill() -> None:
    plan = {**SELL_AT_ROUND_1, 3: [Move.target("SAMS", D("0.5"))]}
    result = play(spec(symbols=("SAMS",), rounds=6), krw_market(), Script(at_round(plan)))
    # Filled at the fifth open, USDKRW 800 known: 9,500 USD + 500,000 KRW / 800 = 10,125; half of it
    # is 5,062.50 USD = 4,050,000 KRW = 81 SAMS at 50,000 (today: the won at 1250, 79 shares).
    fills = [e.detail.split(" (")[0] for e in result.events if e.kind == "filled"]
    assert fills[-2] == "buy 81 @ 50000 KRW fee 0"
