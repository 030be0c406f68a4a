"""The Round loop's promises, each on a small market worked out by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import numpy as np
import pytest

from tradegame.domain.errors import InvalidInputError
from tradegame.domain.instruments import AssetClass, Instrument
from tradegame.domain.money import KRW
from tradegame.domain.positions import replay
from tradegame.engine.context import RoundContext, RoundRecord
from tradegame.engine.costs import PercentOfNotional, PerShare
from tradegame.engine.game import Convert, ModelError, Transfer, play
from tradegame.engine.moves import Action, Cancel, EndGame, Move, OrderType
from tradegame.engine.spec import AccountSpec, ExitRules, InitialPosition, InvalidGameError, TransferRule

from .game_kit import START, Script, at_round, bars_from, flat, spec, universe_of

D = Decimal
ACME = [
    (100.0, 101.0, 99.0, 100.0, 1e6),
    (101.0, 102.0, 100.0, 101.0, 1e6),
    (102.0, 104.0, 101.0, 103.0, 1e6),
    (104.0, 105.0, 103.0, 104.0, 1e6),
    (105.0, 107.0, 104.0, 106.0, 1e6),
]


def kinds(result: object) -> list[str]:
    return [e.kind for e in result.events]  # type: ignore[attr-defined]


def test_hand_worked_round_trip_with_fees() -> None:
    universe = universe_of(bars_from({"ACME": ACME}))
    fees = PerShare(D("0.01"), minimum=D("1.00"))
    model = Script(at_round({0: [Move.buy("ACME", 10)], 2: [Move.sell("ACME", 10)]}))
    result = play(spec(accounts=(AccountSpec("main", fees=fees),)), universe, model)
    # Buy 10 at the next open 101 (fee 1.00), sell 10 at the open of day 4, 104 (fee 1.00).
    score = result.score
    assert score.final_value == D("10028.00")
    assert (score.gross_profit, score.fees, score.taxes, score.score) == (D("30.00"), D("2.00"), D(0), D("28.00"))
    (sale,) = result.books.disposals()
    assert (sale.proceeds, sale.cost_basis, sale.gain) == (D("1039.00"), D("1011.00"), D("28.00"))
    fills = [e for e in result.events if e.kind == "filled"]
    assert [e.time[:16] for e in fills] == ["2024-01-03T14:30", "2024-01-05T14:30"]  # NYSE opens, UTC
    assert all(e.op_ids for e in fills)


def test_a_result_kept_does_not_keep_its_game_alive() -> None:
    import gc
    import weakref

    from tradegame.engine.game import Game

    model = Script(at_round({0: [Move.buy("ACME", 10)]}))
    game = Game(spec(), universe_of(bars_from({"ACME": ACME})), model)
    result, gone = game.run(), weakref.ref(game)
    del game, model
    gc.collect()
    assert gone() is None  # the books (in the result) do not hold the Game: its rooms and Moves are freed
    assert result.books.disposals() and result.score.final_value > 0


class _Learner(Script):
    """A trainable Script: its fit learns nothing (the Game then keeps a training room)."""

    def fit(self, history: object) -> object:
        return "learned"


@pytest.mark.parametrize("trains", [False, True], ids=["model", "trainable-model"])
def test_a_played_game_is_freed_by_reference_counting_without_the_collector(trains: bool) -> None:
    import gc
    import weakref

    from tradegame.engine.context import RoundHistory
    from tradegame.engine.game import Game

    kept: list[tuple[RoundContext, RoundHistory]] = []  # kept by the Model: they must not keep the Game
    scripted = at_round({0: [Move.buy("ACME", 10)], 2: [Move.sell("ACME", 10)]})

    def plan(ctx: RoundContext) -> list[Action]:
        kept.append((ctx, ctx.history))
        return scripted(ctx)

    universe = universe_of(bars_from({"ACME": ACME}))
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        game = Game(spec(), universe, (_Learner if trains else Script)(plan))
        assert (game.training is not None) is trains
        result, gone = game.run(), weakref.ref(game)
        del game
        assert gone() is None  # freed when the last reference went: no cycle through its rooms
        assert result.score.final_value == D("10030.00")  # 10 bought at the open 101, sold at 104 (no fees)
        del result
        assert gc.collect() == 0  # nothing of the Game, its result, books or events waited for the collector
    finally:
        if was_enabled:
            gc.enable()
    ctx, history = kept[0]
    with pytest.raises(ReferenceError):  # a context kept past its Game fails clearly, never a stale answer
        ctx.cash()
    with pytest.raises(ReferenceError):
        history[0]


def test_no_model_sees_a_bar_before_it_is_known() -> None:
    universe = universe_of(bars_from({"ACME": ACME}))
    model = Script(lambda ctx: None)
    play(spec(), universe, model)
    available = universe.panel.available
    for round_index, time, rows, _ in model.seen:
        assert rows == round_index + 1  # one new daily bar per daily Round
        assert available[rows - 1] <= time.value  # the newest bar it saw was closed
        if rows < len(available):
            assert available[rows] > time.value  # and the next one was not


def test_a_peeking_model_fails() -> None:
    universe = universe_of(bars_from({"ACME": ACME}))

    def peek(ctx: object) -> list[Move]:
        tomorrow = ctx.universe.close()[ctx.universe.rows, 0]  # type: ignore[attr-defined]
        return [Move.buy("ACME", 1)] if tomorrow > 0 else []

    with pytest.raises(ModelError, match="failed at round 0"):
        play(spec(), universe, Script(peek))


def test_same_game_twice_gives_identical_logs_and_ledgers() -> None:
    universe = universe_of(bars_from({"ACME": ACME, "BETA": flat(50.0, 5)}))

    def plan(ctx: object) -> list[Move]:
        rng = ctx.rng  # type: ignore[attr-defined]
        symbol = "ACME" if rng.random() < 0.5 else "BETA"
        return [Move.target(symbol, D("0.4"))]

    runs = [play(spec(seed=3), universe, Script(plan)) for _ in range(2)]
    assert runs[0].events_jsonl() == runs[1].events_jsonl()
    assert runs[0].ledger_jsonl() == runs[1].ledger_jsonl()
    assert runs[0].score == runs[1].score


def test_the_log_read_during_and_after_the_game_gives_the_same_events() -> None:
    import copy

    from tradegame.engine.events import GameEvent
    from tradegame.engine.game import Game

    seen: list[list[GameEvent]] = []

    class Reader:  # reads the log after each Round, as an observer (the recorder) does
        def round_done(self, game: Game, round_index: int, value: float) -> None:
            seen.append(list(game.events))

        def game_done(self, game: Game, result: object) -> None:
            seen.append(list(game.events))

    model = Script(at_round({0: [Move.buy("ACME", 10)], 2: [Move.sell("ACME", 10)]}))
    result = Game(spec(), universe_of(bars_from({"ACME": ACME})), model).run(Reader())
    events = result.events
    assert type(events) is list and result.events is events  # built once, on the first read
    assert [e.seq for e in events] == list(range(1, len(events) + 1)) and len(events) > len(seen[0]) > 0
    for earlier in seen:  # each read is the start of the last one, the same records
        assert all(a is b for a, b in zip(earlier, events, strict=False)) and len(earlier) <= len(events)
    assert all(type(e) is GameEvent for e in events) and kinds(result).count("filled") == 2
    again = copy.deepcopy(result)
    assert again.events == events and again.events is not events


def test_money_is_conserved_to_the_cent() -> None:
    universe = universe_of(bars_from({"ACME": ACME, "BETA": flat(50.0, 5)}))
    fees = PerShare(D("0.013"), minimum=D("1.00"))
    plan = at_round(
        {0: [Move.target("ACME", D("0.5")), Move.target("BETA", D("0.3"))], 2: [Move.target("ACME", D("0.1"))]}
    )
    result = play(spec(accounts=(AccountSpec("main", fees=fees),)), universe, Script(plan))
    books = result.books
    assert replay(books.entries) == books.state()
    for entry in books.entries:
        totals: dict[str, Decimal] = {}
        for p in entry.postings:
            key = p.value_currency or p.commodity
            totals[key] = totals.get(key, D(0)) + (p.value if p.value is not None else p.units)
        assert all(v == 0 for v in totals.values()), entry
    # Cash from the cost ledger alone: buys pay notional + fee, sells get notional - fee.
    cash = D("10000")
    for cost in books.cost_ledger:
        cash += (
            -(cost.notional.amount + cost.fee.amount)
            if cost.action == "buy"
            else cost.notional.amount - cost.fee.amount
        )
    assert cash == result.score.final_value


def test_partial_fills_continue_then_cancel() -> None:
    thin = [(o, h, low, c, 1000.0) for o, h, low, c, _ in ACME]
    universe = universe_of(bars_from({"ACME": thin}))
    account = AccountSpec("main", volume_cap=D("0.1"))  # at most 100 shares a bar

    def plan(ctx: object) -> list[object]:
        if ctx.round == 0:  # type: ignore[attr-defined]
            return [Move.buy("ACME", 300)]
        open_moves = ctx.open_moves  # type: ignore[attr-defined]
        if ctx.round == 2 and open_moves:  # type: ignore[attr-defined]
            return [Cancel(open_moves[0].move_id, "enough")]
        return []

    result = play(spec(accounts=(account,), start_fund=D(100000)), universe, Script(plan))
    log = [(e.kind, e.round) for e in result.events if e.move_id == "m00001"]
    assert log == [("placed", 0), ("partial", 1), ("continued", 1), ("partial", 2), ("cancelled", 2)]
    assert result.books.open_lots() == ()  # liquidated at the end
    bought = sum(c.quantity for c in result.books.cost_ledger if c.action == "buy")
    assert bought == D(200)


def test_chained_moves_pass_the_actual_proceeds() -> None:
    universe = universe_of(bars_from({"ACME": ACME, "BETA": flat(50.0, 5)}))
    fees = PerShare(D("0.01"), minimum=D("1.00"))
    chain = Move.sell("ACME", sell_all=True).chain(Move.buy("BETA", notional=1))
    plan = at_round({0: [Move.buy("ACME", 10)], 2: [chain]})
    result = play(spec(accounts=(AccountSpec("main", fees=fees),)), universe, Script(plan))
    fills = [e for e in result.events if e.kind == "filled"]
    assert [f.detail.split(" (")[0] for f in fills[:3]] == [
        "buy 10 @ 101.00 fee 1.00",
        "sell 10 @ 104.00 fee 1.00",  # delivers 1039.00
        "buy 20 @ 50.00 fee 1.00",  # notional 1039.00 at 50: 20 shares (1000.00 + 1.00)
    ]
    assert fills[1].time == fills[2].time  # the next leg trades on the same bar


def test_a_failed_leg_stops_the_chain() -> None:
    universe = universe_of(bars_from({"ACME": ACME, "BETA": flat(50.0, 5)}))
    chain = Move.sell("ACME", sell_all=True).chain(Move.buy("BETA", notional=1))
    result = play(spec(), universe, Script(at_round({1: [chain]})))
    assert kinds(result)[1:3] == ["rejected", "chain-stopped"]
    rejected, stopped = result.events[1:3]
    assert "holds none" in rejected.detail
    assert stopped.symbol == "BETA" and "leg ACME ended rejected with nothing filled" in stopped.detail
    assert not any(e.kind == "placed" and e.symbol == "BETA" for e in result.events)


@pytest.mark.parametrize(
    ("rules", "outcome", "exit_round"),
    [
        (ExitRules(min_value_fraction=D("0.5")), "catastrophic_exit", 3),  # 45 * 100 = 4500 < 5000
        (ExitRules(max_drawdown=D("0.15")), "catastrophic_exit", 2),  # 10000 -> 8000: 20%
        (ExitRules(max_losing_rounds=2), "catastrophic_exit", 3),
        (ExitRules(min_value_fraction=D("0.3"), max_drawdown=D("0.5")), "catastrophic_exit", 3),
    ],
)
def test_exits_trigger_on_the_right_round(rules: ExitRules, outcome: str, exit_round: int) -> None:
    falling = [(100.0, 100.0, 100.0, 100.0, 1e6)] * 2 + [
        (80.0,) * 4 + (1e6,),
        (45.0,) * 4 + (1e6,),
        (40.0,) * 4 + (1e6,),
    ]
    universe = universe_of(bars_from({"ACME": falling}))
    result = play(spec(exits=rules), universe, Script(at_round({0: [Move.buy("ACME", 100)]})))
    assert (result.outcome, result.outcome_round) == (outcome, exit_round)
    assert result.books.open_lots() == ()


def test_perfect_exit_and_model_end() -> None:
    rising = [(100.0,) * 4 + (1e6,)] * 2 + [(120.0,) * 4 + (1e6,)] * 3
    universe = universe_of(bars_from({"ACME": rising}))
    result = play(
        spec(exits=ExitRules(target_return=D("0.15"))), universe, Script(at_round({0: [Move.buy("ACME", 100)]}))
    )
    assert (result.outcome, result.outcome_round) == ("perfect_exit", 2)
    assert result.score.final_value == D("12000.00")
    ended = play(spec(), universe, Script(at_round({1: [EndGame("bored")]})))
    assert (ended.outcome, ended.outcome_round, ended.outcome_reason) == ("ended_by_model", 1, "bored")


@pytest.mark.parametrize(
    ("rules", "reason"),
    [
        (ExitRules(min_value_fraction=D("0.5")), "value 4,500.00 below 50% of the start fund (5,000.00)"),
        (ExitRules(max_drawdown=D("0.15")), "drawdown 20.00% over the 15% limit"),
        (ExitRules(max_drawdown=D("0.125")), "drawdown 20.00% over the 12.5% limit"),
    ],
)
def test_an_exit_names_its_limit_as_a_percentage(rules: ExitRules, reason: str) -> None:
    falling = [(100.0,) * 4 + (1e6,)] * 2 + [(80.0,) * 4 + (1e6,)] + [(45.0,) * 4 + (1e6,)] * 2
    universe = universe_of(bars_from({"ACME": falling}))
    result = play(spec(exits=rules), universe, Script(at_round({0: [Move.buy("ACME", 100)]})))
    assert result.outcome_reason == reason
    rising = [(100.0,) * 4 + (1e6,)] * 2 + [(120.0,) * 4 + (1e6,)] * 3
    target = spec(exits=ExitRules(target_return=D("0.15")))
    won = play(target, universe_of(bars_from({"ACME": rising})), Script(at_round({0: [Move.buy("ACME", 100)]})))
    assert won.outcome_reason == "return 20.00% reached the 15% target"


def test_moves_beyond_cash_or_holdings_are_rejected_and_the_game_goes_on() -> None:
    universe = universe_of(bars_from({"ACME": ACME}))
    plan = at_round({0: [Move.sell("ACME", 5), Move.buy("ZZZ", 1), Move.buy("ACME", 1000)], 1: [Move.buy("ACME", 1)]})
    result = play(spec(), universe, Script(plan))
    rejected = [e.detail for e in result.events if e.kind == "rejected"]
    assert "holds 0" in rejected[0] and "unknown symbol 'ZZZ'" in rejected[1]
    # 1000 at 101 is beyond 10000 cash: the affordable 99 fill, the rest is not invented.
    fills = [e.detail for e in result.events if e.kind in ("filled", "partial")]
    assert fills[0].startswith("buy 99 @ 101.00")
    assert result.outcome == "completed"


def test_liquidation_converts_everything_to_the_start_currency() -> None:
    bars = bars_from({"SSNLF": flat(50000.0, 5), "ACME": ACME})
    universe = universe_of(bars, fx_rates={"KRW": D("0.00075")})
    universe.instruments["SSNLF"] = Instrument("SSNLF", AssetClass.EQUITY, KRW, tick_size=D(1))
    initial = InitialPosition("SSNLF", D(10), D(450000), START, "main")
    plan = at_round({1: [Convert("main", "USD", "KRW", D("1000"))]})
    result = play(spec(initial_positions=(initial,), fx_rates=(("KRW", D("0.00075")),)), universe, Script(plan))
    cash = result.books.cash_balances()
    assert set(cash) == {("main", "USD")}  # no KRW left, no positions
    assert result.books.open_lots() == ()
    # 10 x 50000 KRW = 500000 KRW -> 375.00 USD; the 1000 USD converted and back is 1000.00 again.
    assert cash[("main", "USD")] == D("10375.00")
    assert result.score.start_capital == D("10337.50")  # 10000 + 450000 KRW at 0.00075


def test_transfers_arrive_after_their_delay() -> None:
    universe = universe_of(bars_from({"ACME": ACME}))
    accounts = (AccountSpec("a"), AccountSpec("b"))
    rule = TransferRule("a", "b", fee=D("5"), delay_rounds=2)
    seen: list[Decimal] = []

    def plan(ctx: object) -> list[object]:
        seen.append(ctx.cash("b"))  # type: ignore[attr-defined]
        return [Transfer("a", "b", D("1000"))] if ctx.round == 0 else []  # type: ignore[attr-defined]

    result = play(spec(accounts=accounts, transfers=(rule,)), universe, Script(plan))
    assert seen == [D(0), D(0), D(1000), D(1000), D(1000)]
    assert result.score.final_value == D("9995.00") and result.score.fees == D("5")


def test_invalid_definitions_are_refused_before_anything_runs() -> None:
    universe = universe_of(bars_from({"ACME": ACME}))
    bad = spec(start_fund=D(-1), exits=ExitRules(max_drawdown=D(2)), transfers=(TransferRule("a", "nowhere"),))
    with pytest.raises(InvalidGameError) as caught:
        play(bad, universe, Script(lambda ctx: None))
    assert {p.split(":")[0] for p in caught.value.problems} >= {
        "start_fund",
        "exits.max_drawdown",
        "transfers[0].source",
    }


def test_value_history_matches_marks() -> None:
    universe = universe_of(bars_from({"ACME": ACME}))
    result = play(spec(), universe, Script(at_round({0: [Move.buy("ACME", 10)]})))
    # Cash 10000 - 1010 = 8990, plus 10 shares at each close from day 2.
    np.testing.assert_allclose(result.values, [10000, 8990 + 1010, 8990 + 1030, 8990 + 1040, 8990 + 1060])


def test_running_costs_are_charged_when_due_even_on_the_first_day_and_over_weekends() -> None:
    from datetime import date

    from tradegame.domain.money import USD, Money
    from tradegame.domain.running_costs import EveryNDays, OneOff, RunningCost

    universe = universe_of(bars_from({"ACME": ACME}))
    costs = (
        ("main", RunningCost("setup", Money.of("50.00", USD), OneOff(START))),  # the first day, 2024-01-02
        ("main", RunningCost("server", Money.of("1.25", USD), EveryNDays(date(2024, 1, 3), 2))),  # 3rd, 5th, 7th
    )
    result = play(spec(running_costs=costs), universe, Script(lambda ctx: None))
    charged = [(e.symbol, e.time[:10]) for e in result.events if e.kind == "running-cost"]
    # Rounds end on Jan 2, 3, 4, 5, 8: the Sunday 7th is charged at the Monday Round, dated the 7th.
    assert charged == [
        ("setup", "2024-01-02"),
        ("server", "2024-01-03"),
        ("server", "2024-01-05"),
        ("server", "2024-01-07"),
    ]
    assert result.score.running_costs == D("53.75") and result.score.final_value == D("9946.25")


def test_time_in_force_expires_unfilled_moves() -> None:
    universe = universe_of(bars_from({"ACME": ACME}))
    plan = at_round(
        {
            0: [
                Move.buy("ACME", 1, order_type=OrderType.LIMIT, limit_price=D(90), time_in_force="round"),
                Move.buy("ACME", 1, order_type=OrderType.LIMIT, limit_price=D(90), time_in_force=2),
                Move.buy("ACME", 1, order_type=OrderType.LIMIT, limit_price=D(90)),
            ]
        }
    )
    result = play(spec(), universe, Script(plan))
    expired = {e.move_id: e.round for e in result.events if e.kind == "expired"}
    cancelled = [e.move_id for e in result.events if e.kind == "cancelled"]
    assert expired == {"m00001": 1, "m00002": 2}
    assert cancelled == ["m00003"]  # good till cancelled: open until the game ends


def test_stop_loss_fills_at_the_gap_open_in_a_game() -> None:
    bars = [(100.0, 101.0, 99.0, 100.0, 1e6), (100.0, 101.0, 99.0, 100.0, 1e6), (99.0, 99.5, 97.0, 98.0, 1e6),
            (90.0, 92.0, 88.0, 91.0, 1e6), (91.0, 92.0, 90.0, 91.0, 1e6)]  # fmt: skip
    universe = universe_of(bars_from({"ACME": bars}))
    stop = Move.sell("ACME", 10, order_type=OrderType.STOP, stop_price=D(95))
    result = play(spec(), universe, Script(at_round({0: [Move.buy("ACME", 10)], 1: [stop]})))
    fills = [e.detail.split(" fee")[0] for e in result.events if e.kind == "filled"]
    assert fills[:2] == ["buy 10 @ 100.00", "sell 10 @ 90.00"]  # day 4 opened at 90, through the 95 stop


def test_splits_and_dividends_in_the_data_reach_the_books() -> None:
    import pandas as pd

    from tradegame.engine.universe import Universe

    bars = bars_from({"ACME": [*ACME[:3], (52.0, 53.0, 51.0, 52.0, 1e6), (53.0, 54.0, 52.0, 53.0, 1e6)]})
    day = lambda i: bars["ts"].iloc[i]  # noqa: E731
    splits = pd.DataFrame({"symbol": ["ACME"], "ts": [day(3)], "ratio": ["2"]})
    dividends = pd.DataFrame({"symbol": ["ACME"], "ts": [day(4)], "amount": ["0.25"]})
    base = universe_of(bars)
    universe = Universe.from_panel(
        base.panel, currency=base.instruments["ACME"].quote_currency, splits=splits, dividends=dividends
    )
    seen: list[Decimal] = []

    def plan(ctx: object) -> list[Move]:
        seen.append(ctx.quantity("ACME"))  # type: ignore[attr-defined]
        return [Move.buy("ACME", 10)] if ctx.round == 0 else []  # type: ignore[attr-defined]

    result = play(spec(), universe, Script(plan))
    assert seen == [D(0), D(10), D(10), D(20), D(20)]
    dividend = [e for e in result.events if e.kind == "dividend"]
    assert dividend[0].detail == "5.00 USD"  # 20 shares x 0.25
    # 10 bought at 101 (1010.00), 20 sold at the last close 53 (1060.00), plus the dividend 5.00.
    assert result.score.final_value == D("10055.00")
    (sale,) = result.books.disposals()
    assert (sale.quantity, sale.cost_basis) == (D(20), D("1010.00"))


def test_only_corporate_actions_from_the_start_day_on_reach_initial_positions() -> None:
    import pandas as pd

    from tradegame.engine.universe import Universe

    # Raw prices: 600 before a 2-for-1 split on day 1, 300 until a 3-for-1 split on day 4 (the
    # Game's start), 100 after it. A 1.00 dividend on day 3 (before the start), 0.50 on day 6.
    prices = [600.0, 300.0, 300.0, 300.0, 100.0, 100.0, 100.0, 100.0]
    bars = bars_from({"ACME": [(p, p, p, p, 1e6) for p in prices]})
    day = lambda i: bars["ts"].iloc[i]  # noqa: E731
    splits = pd.DataFrame({"symbol": ["ACME", "ACME"], "ts": [day(1), day(4)], "ratio": ["2", "3"]})
    dividends = pd.DataFrame({"symbol": ["ACME", "ACME"], "ts": [day(3), day(6)], "amount": ["1.00", "0.50"]})
    base = universe_of(bars)
    universe = Universe.from_panel(
        base.panel, currency=base.instruments["ACME"].quote_currency, splits=splits, dividends=dividends
    )
    # 10 shares held going into the Game (bought long before the data), 2,500.00 in all.
    initial = InitialPosition("ACME", D(10), D("2500"), date(2023, 12, 1), "main")
    seen: list[Decimal] = []

    def plan(ctx: object) -> None:
        seen.append(ctx.quantity("ACME"))  # type: ignore[attr-defined]

    start = day(4).date()
    result = play(spec(start=start, rounds=4, initial_positions=(initial,)), universe, Script(plan))
    # Only the split on the start day applies (10 -> 30); only the day-6 dividend is paid (30 x 0.50).
    assert seen == [D(30), D(30), D(30), D(30)]
    assert [e.detail for e in result.events if e.kind == "split"] == ["3 new per old"]
    assert [e.detail for e in result.events if e.kind == "dividend"] == ["15.00 USD"]
    # 10,000.00 cash + 30 sold at the last close 100 (3,000.00) + the dividend 15.00.
    assert result.score.final_value == D("13015.00")
    (sale,) = result.books.disposals()
    assert (sale.quantity, sale.cost_basis) == (D(30), D("2500.00"))


def test_route_moves_turn_one_coin_into_another_through_the_quote_currency() -> None:
    universe = universe_of(bars_from({"BTC": flat(40000.0, 5), "ETH": flat(2000.0, 5)}))
    for symbol in ("BTC", "ETH"):
        universe.instruments[symbol] = Instrument(
            symbol, AssetClass.CRYPTO, universe.instruments[symbol].quote_currency, fractional=True
        )
    fees = PercentOfNotional(D("0.001"))

    def plan(ctx: object) -> list[Move]:
        if ctx.round == 0:  # type: ignore[attr-defined]
            return [Move.buy("BTC", D("0.1"))]
        if ctx.round == 1:  # type: ignore[attr-defined]
            route = ctx.route("BTC", "ETH")  # type: ignore[attr-defined]
            assert [(leg.side, leg.pair.symbol) for leg in route.legs] == [("sell", "BTC"), ("buy", "ETH")]
            return [ctx.route_moves("BTC", "ETH", D("0.1"))]  # type: ignore[attr-defined]
        return []

    result = play(spec(accounts=(AccountSpec("main", fees=fees),)), universe, Script(plan))
    fills = [e.detail.split(" (")[0] for e in result.events if e.kind == "filled"]
    # Sell 0.1 BTC for 4000.00 less the 4.00 fee; the buy leg spends the 3996.00 delivered: 1.998 ETH
    # (its own 4.00 fee comes out of the other cash).
    assert fills[1] == "sell 0.1 @ 40000.00 fee 4.00"
    assert fills[2] == "buy 1.998 @ 2000.00 fee 4.00"


def test_irregular_schedules_growing_intervals_and_explicit_times() -> None:
    import pandas as pd

    bars = bars_from({"ACME": flat(100.0, 30)})
    universe = universe_of(bars)
    growing = play(
        spec(rounds=None, end=date(2024, 2, 9), schedule=None, round_intervals=(1, 2, 4, 8)),
        universe,
        Script(lambda ctx: None),
    )
    days = [pd.Timestamp(t).date().isoformat() for t in growing.times]
    # From Tue Jan 2: +1 day (Wed 3rd), +2 (Fri 5th), +4 (Tue 9th), +8 (Wed 17th), then the last
    # gap repeats (it does not start over at 1): +8 (Thu 25th), +8 (Fri Feb 2nd); Sat Feb 10 is past the end.
    assert days == [
        "2024-01-02",
        "2024-01-03",
        "2024-01-05",
        "2024-01-09",
        "2024-01-17",
        "2024-01-25",
        "2024-02-02",
    ]
    explicit = play(
        spec(rounds=None, schedule=None, round_times=("2024-01-03T21:00:00+00:00", "2024-01-10T15:00:00+00:00")),
        universe,
        Script(lambda ctx: None),
    )
    assert [pd.Timestamp(t, tz="UTC").isoformat() for t in explicit.times] == [
        "2024-01-03T21:00:00+00:00",
        "2024-01-10T15:00:00+00:00",
    ]


def test_round_intervals_that_grow_or_shrink_by_a_factor_per_round() -> None:
    import pandas as pd

    universe = universe_of(bars_from({"ACME": flat(100.0, 30)}))

    def round_days(first: str, growth: str) -> list[str]:
        game = spec(
            rounds=None,
            end=date(2024, 2, 9),
            schedule=None,
            round_interval_days=D(first),
            round_growth=D(growth),
        )
        result = play(game, universe, Script(lambda ctx: None))
        return [pd.Timestamp(t).date().isoformat() for t in result.times]

    # Gaps 1, 2, 4, 8, 16 from Tue Jan 2: Wed 3rd, Fri 5th, Tue 9th, Wed 17th, Fri Feb 2nd (+32: past the end).
    assert round_days("1", "2") == ["2024-01-02", "2024-01-03", "2024-01-05", "2024-01-09", "2024-01-17", "2024-02-02"]
    # Gaps 16, 8, 4, 2, 1, 1, ...: Thu Jan 18, Fri 26th, Tue 30th, Thu Feb 1st, Fri 2nd, then Sat 3rd
    # rolls to Mon 5th and every session after it.
    assert round_days("16", "0.5") == [
        "2024-01-02",
        "2024-01-18",
        "2024-01-26",
        "2024-01-30",
        "2024-02-01",
        "2024-02-02",
        "2024-02-05",
        "2024-02-06",
        "2024-02-07",
        "2024-02-08",
        "2024-02-09",
    ]
    # Gaps 1.5 x 1.5**k rounded half up: 1.5 -> 2, 2.25 -> 2, 3.375 -> 3, 5.0625 -> 5, 7.59375 -> 8,
    # 11.390625 -> 11: Thu Jan 4, Sat 6th -> Mon 8th, Thu 11th, Tue 16th, Wed 24th, Sun Feb 4 -> Mon 5th.
    assert round_days("1.5", "1.5") == [
        "2024-01-02",
        "2024-01-04",
        "2024-01-08",
        "2024-01-11",
        "2024-01-16",
        "2024-01-24",
        "2024-02-05",
    ]


def test_round_gaps_are_exact_rounded_half_up_and_never_below_a_day() -> None:
    from itertools import islice

    def gaps(**changes: object) -> list[int]:
        return list(islice(spec(schedule=None, **changes).round_gaps(), 8))

    assert gaps(round_interval_days=D("1.5"), round_growth=D("1.5")) == [2, 2, 3, 5, 8, 11, 17, 26]
    assert gaps(round_interval_days=D(3), round_growth=D("0.5")) == [3, 2, 1, 1, 1, 1, 1, 1]  # 1.5 -> 2, 0.75 -> 1
    assert gaps(round_interval_days=D(7)) == [7] * 8  # no growth: every 7 days
    assert gaps(round_interval_days=D("2.5"), round_growth=D("1.1")) == [3, 3, 3, 3, 4, 4, 4, 5]
    assert gaps(round_intervals=(1, 2, 4)) == [1, 2, 4, 4, 4, 4, 4, 4]  # once in order, then the last repeats
    # 100 x 0.1**k exactly (a float 0.1 is a hair above a tenth): 100, 10, 1, then 0.1 -> 1 day.
    assert gaps(round_interval_days=D(100), round_growth=D("0.1")) == [100, 10, 1, 1, 1, 1, 1, 1]


def test_bad_growing_intervals_are_refused_naming_the_field() -> None:
    def problems(**changes: object) -> list[str]:
        return spec(**changes).problems()

    assert problems(schedule=None, round_interval_days=D("0.5"), round_growth=D(0)) == [
        "round_interval_days: must be at least 1 day, got 0.5",
        "round_growth: must be a positive factor such as 2 or 0.5, got 0",
    ]
    assert problems(schedule=None, round_interval_days=D(1), round_growth=D(-2)) == [
        "round_growth: must be a positive factor such as 2 or 0.5, got -2"
    ]
    assert problems(schedule=None, round_interval_days=1.5, round_growth=0.5) == [  # floats are not exact
        "round_interval_days: must be an exact number of days (Decimal or int), got 1.5",
        "round_growth: must be an exact factor (Decimal or int), got 0.5",
    ]
    assert problems(round_interval_days=D(2)) == [
        "schedule: leave it out for an irregular schedule (round_times, round_intervals or round_interval_days)"
    ]
    assert problems(schedule=None, round_interval_days=D(2), round_intervals=(1, 2)) == [
        "round_interval_days: give round_interval_days or round_intervals, not both"
    ]
    assert problems(schedule=None, round_interval_days=D(2), round_times=("2024-01-03T21:00:00+00:00",)) == [
        "round_interval_days: give round_interval_days or round_times, not both"
    ]
    assert problems(round_growth=D(2)) == ["round_growth: needs round_interval_days, the first interval it grows from"]


def test_round_times_outside_the_games_days_or_given_twice_are_refused() -> None:
    def problems(*times: str, end: date | None = None) -> list[str]:
        return spec(rounds=None, schedule=None, round_times=times, end=end).problems()

    inside = "2024-01-03T21:00:00+00:00"
    assert problems(inside, "2024-01-10T15:00:00+00:00") == []
    assert problems("2023-12-29T21:00:00+00:00", inside) == ["round_times: 2023-12-29 is before the start 2024-01-02"]
    assert problems(inside, "2024-02-01T21:00:00", end=date(2024, 1, 31)) == [
        "round_times: 2024-02-01 is after the end 2024-01-31"
    ]
    assert problems(inside, inside) == ["round_times: a time is given twice"]


def test_hourly_rounds_on_intraday_fx_data() -> None:
    import pandas as pd

    from tradegame.data.panel import Panel
    from tradegame.domain.money import USD
    from tradegame.engine.universe import Universe

    ts = pd.date_range("2024-01-08 00:00", periods=48, freq="h", tz="UTC")
    price = 1.09 + np.arange(48) * 0.0001
    bars = pd.DataFrame({"symbol": "EURUSD", "ts": ts, "open": price, "high": price + 0.0002, "low": price - 0.0002,
                         "close": price + 0.0001, "volume": np.nan, "adj_close": np.nan})  # fmt: skip
    universe = Universe.from_panel(Panel.from_bars(bars, frequency="1h", calendar="24/5", currency="USD"), currency=USD)
    seen: list[int] = []

    def plan(ctx: object) -> list[Move]:
        seen.append(ctx.universe.rows)  # type: ignore[attr-defined]
        return [Move.buy("EURUSD", 1000)] if ctx.round == 0 else []  # type: ignore[attr-defined]

    result = play(spec(start=date(2024, 1, 8), rounds=10, schedule="hourly"), universe, Script(plan))
    assert len(result.times) == 10
    assert seen == list(range(1, 11))  # one more hourly bar known at each Round
    buy = next(e for e in result.events if e.kind == "filled")
    assert buy.detail.startswith("buy 1000 @ 1.09010")  # the next hour's open


def test_a_leg_with_nothing_to_trade_stops_the_chain_without_harm() -> None:
    universe = universe_of(bars_from({"ACME": ACME, "BETA": flat(50.0, 5)}))
    chain = Move.target("ACME", 0).chain(Move.buy("BETA", notional=1))  # holds no ACME: nothing to sell
    result = play(spec(), universe, Script(at_round({1: [chain]})))
    stopped = [e for e in result.events if e.kind == "chain-stopped"]
    assert len(stopped) == 1 and stopped[0].symbol == "BETA"
    assert result.score.final_value == D("10000")


def test_a_games_static_fx_rates_stay_its_own_on_a_shared_universe() -> None:
    bars = bars_from({"SSNLF": flat(50000.0, 5)})
    universe = universe_of(bars)
    universe.instruments["SSNLF"] = Instrument("SSNLF", AssetClass.EQUITY, KRW, tick_size=D(1))
    finals = []
    for rate in ("0.00075", "0.001"):
        initial = InitialPosition("SSNLF", D(10), D(450000), START, "main")
        game = spec(initial_positions=(initial,), fx_rates=(("KRW", D(rate)),))
        finals.append(play(game, universe, Script(lambda ctx: None)).score.final_value)
    assert finals == [D("10375.00"), D("10500.00")]  # 500,000 KRW at each Game's own rate
    assert universe.fx_rates == {}  # the shared Universe is not changed by a Game


def test_a_move_placed_intraday_on_daily_bars_waits_for_the_next_open() -> None:
    # Hourly Rounds on daily bars: a buy placed at 10:00 New York cannot take that morning's
    # 09:30 open (a price from before it existed); it fills at the next session's open.
    days = [(100.0 + i, 100.5 + i, 99.5 + i, 100.25 + i, 1e6) for i in range(6)]
    universe = universe_of(bars_from({"ACME": days}))
    model = Script(at_round({0: [Move.buy("ACME", 10)]}))
    result = play(spec(schedule="hourly", rounds=14), universe, model)  # through the close of day 2
    assert kinds(result).count("rejected") == 0
    (fill,) = [e for e in result.events if e.kind == "filled" and e.move_id == "m00001"]
    assert fill.time[:16] == "2024-01-03T14:30"  # the next open, not 2024-01-02T14:30
    assert "@ 101" in fill.detail


def test_a_reverse_split_pays_the_fraction_in_cash_and_the_end_sells_the_rest() -> None:
    import pandas as pd

    from tradegame.engine.universe import Universe

    # 15 bought at 101 (1,515.00); a 1-for-10 split on day 4 leaves 1.5 units; 0.5 is paid out at
    # that day's open 1,010.00 (505.00); the last 1 unit is sold at the last close 1,020.00.
    bars = bars_from(
        {"ACME": [*ACME[:3], (1010.0, 1020.0, 1000.0, 1010.0, 1e6), (1020.0, 1030.0, 1010.0, 1020.0, 1e6)]}
    )
    splits = pd.DataFrame({"symbol": ["ACME"], "ts": [bars["ts"].iloc[3]], "ratio": ["0.1"]})
    base = universe_of(bars)
    universe = Universe.from_panel(base.panel, currency=base.instruments["ACME"].quote_currency, splits=splits)
    result = play(spec(), universe, Script(at_round({0: [Move.buy("ACME", 15)]})))
    assert kinds(result).count("rejected") == 0
    (paid,) = [e for e in result.events if e.kind == "cash-in-lieu"]
    assert paid.detail == "0.5 @ 1010.00" and paid.time[:16] == "2024-01-05T14:30"
    assert result.score.final_value == D("10010.00")  # 10,000 - 1,515 + 505 + 1,020: nothing lost
    assert [(d.quantity, d.proceeds) for d in result.books.disposals()] == [
        (D("0.5"), D("505.00")),
        (D(1), D("1020.00")),
    ]
    assert not result.books.open_lots()


def test_a_sell_names_its_lots_and_partial_fills_take_them_in_order() -> None:
    # Lot 1: 10 @ 101 (day 2 open); lot 2: 10 @ 102 (day 3 open). On round 2 the Model sells 15,
    # naming lot 2 first (the higher basis), then 5 of lot 1; a 10-share volume cap splits the sale.
    thin = [(o, h, low, c, 100.0) for o, h, low, c, _ in ACME] + [(106.0, 107.0, 105.0, 106.0, 100.0)] * 2
    universe = universe_of(bars_from({"ACME": thin}))
    account = AccountSpec("main", volume_cap=D("0.1"))
    lots_seen: list[tuple[str, Decimal]] = []

    def plan(ctx: object) -> list[Move]:
        if ctx.round in (0, 1):  # type: ignore[attr-defined]
            return [Move.buy("ACME", 10)]
        if ctx.round == 2:  # type: ignore[attr-defined]
            first, second = ctx.open_lots("ACME")  # type: ignore[attr-defined]
            lots_seen.extend([(first.lot_id, first.cost_basis), (second.lot_id, second.cost_basis)])
            return [Move.sell("ACME", 15, lots=((second.lot_id, D(10)), (first.lot_id, D(5))))]
        return []

    result = play(spec(accounts=(account,), rounds=7), universe, Script(plan))
    (first_id, first_cost), (second_id, second_cost) = lots_seen
    assert (first_cost, second_cost) == (D("1010.00"), D("1020.00"))
    sales = [(d.lot_id, d.quantity, d.cost_basis) for d in result.books.disposals()]
    # The sale's two fills: lot 2 whole, then 5 of lot 1; the end sells the other 5 of lot 1.
    assert sales == [(second_id, D(10), D("1020.00")), (first_id, D(5), D("505.00")), (first_id, D(5), D("505.00"))]
    assert [e.kind for e in result.events if e.move_id == "m00003"] == ["placed", "partial", "continued", "filled"]


def test_an_account_with_specific_identification_sells_the_oldest_lots_unless_told() -> None:
    from tradegame.domain.instruments import LotMethod

    universe = universe_of(bars_from({"ACME": ACME}))
    account = AccountSpec("main", lot_method=LotMethod.SPECIFIC)
    plan = at_round({0: [Move.buy("ACME", 10)], 1: [Move.buy("ACME", 10)], 2: [Move.sell("ACME", 5)]})
    result = play(spec(accounts=(account,)), universe, Script(plan))
    assert kinds(result).count("rejected") == 0  # before: "specific identification needs the lots"
    sales = [(d.quantity, d.cost_basis) for d in result.books.disposals()]
    # 5 from the 101.00 lot (FIFO), then the end sells the other 5 and the 102.00 lot.
    assert sales == [(D(5), D("505.00")), (D(5), D("505.00")), (D(10), D("1020.00"))]
    assert not result.books.open_lots()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"quantity": D(5), "lots": (("op-000002", D(4)),)}, "the lots name 4 units, the quantity is 5"),
        ({"sell_all": True, "lots": (("op-000002", D(4)),)}, "only a sell sized by quantity"),
        ({"quantity": D(5), "lots": (("", D(5)),)}, "each lot is a"),
        ({"quantity": D(5), "lots": (("op-000002", D(-5)),)}, "must be positive"),
    ],
)
def test_bad_lot_lists_are_refused_when_the_move_is_made(options: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        Move.sell("ACME", **options)
    with pytest.raises(InvalidInputError, match="only a sell"):
        Move.buy("ACME", 5, lots=(("op-000002", D(5)),))


def test_a_fill_learned_of_at_a_weekly_round_is_booked_in_time_order_with_the_running_costs() -> None:
    from datetime import date

    from tradegame.domain.money import USD, Money
    from tradegame.domain.running_costs import Monthly, RunningCost

    # Weekly Rounds at the close of each week's first session: Tue 2 Jan, Mon 8 Jan, Tue 16 Jan.
    # The buy placed on 2 Jan fills at the 3 Jan open, but the engine learns of it at the 8 Jan
    # Round, which also charges a cost due on 5 Jan. Booked in time order: the fill, then the
    # charge. (Before, the charge went first and the books refused the earlier fill.)
    days = [(100.0 + i, 101.0 + i, 99.0 + i, 100.5 + i, 1e6) for i in range(12)]
    universe = universe_of(bars_from({"ACME": days}))
    costs = (("main", RunningCost("feed", Money.of("9.99", USD), Monthly(date(2024, 1, 5)))),)
    model = Script(at_round({0: [Move.buy("ACME", 10)]}))
    result = play(spec(schedule="weekly", rounds=3, running_costs=costs), universe, model)
    assert kinds(result).count("rejected") == 0
    log = [(e.kind, e.time[:10]) for e in result.events if e.kind in ("filled", "running-cost")]
    assert log[:2] == [("filled", "2024-01-03"), ("running-cost", "2024-01-05")]
    stamps = [entry.timestamp for entry in result.books.entries]
    assert stamps == sorted(stamps)
    assert result.score.running_costs == D("9.99")


def test_the_years_tax_waits_for_the_fills_of_the_new_years_first_session() -> None:
    from tradegame.domain.tax import TaxProfile

    # Hourly Rounds on daily bars over New Year. A gain in 2023 makes the 2023 tax due; a buy placed
    # at the close of 29 Dec fills at the 2 Jan open, which the engine learns of at the 2 Jan close.
    # The 2023 tax is recorded at that Round, after the fill (before: at 10:00 on 2 Jan, and the
    # books then refused the 09:30 fill as out of time order).
    days = [(100.0 + 5 * i, 101.0 + 5 * i, 99.0 + 5 * i, 100.5 + 5 * i, 1e6) for i in range(6)]
    universe = universe_of(bars_from({"ACME": days}, start="2023-12-27"))
    model = Script(at_round({0: [Move.buy("ACME", 10)], 13: [Move.sell("ACME", 10)], 20: [Move.buy("ACME", 10)]}))
    tax = TaxProfile.flat("0.3", "0.15")
    result = play(spec(start=date(2023, 12, 27), schedule="hourly", rounds=35, tax=tax), universe, model)
    assert kinds(result).count("rejected") == 0
    fills = [e.time[:16] for e in result.events if e.kind == "filled" and e.move_id == "m00003"]
    assert fills == ["2024-01-02T14:30"]
    stamps = [entry.timestamp for entry in result.books.entries]
    assert stamps == sorted(stamps)
    taxes = {line.year: line.amount.amount for line in result.books.tax_ledger if line.kind.value == "tax-due"}
    assert taxes[2023] == D("15.00")  # (110 - 105) x 10 = 50.00 short term at 30%


def test_a_fill_learned_after_an_intraday_operation_is_booked_after_it_at_its_own_price() -> None:
    # Hourly Rounds on daily bars: a buy placed at the 2 Jan close fills at the 3 Jan open (101.00),
    # which the engine learns of at the 3 Jan close; a transfer was booked at the 10:00 Round in
    # between. The fill is booked just after the transfer, at its own price (before: refused).
    universe = universe_of(bars_from({"ACME": ACME}))
    accounts = (AccountSpec("a"), AccountSpec("b"))
    rules = (TransferRule("a", "b"),)
    model = Script(at_round({6: [Move.buy("ACME", 10)], 7: [Transfer("a", "b", D("100"))]}))
    result = play(spec(accounts=accounts, transfers=rules, schedule="hourly", rounds=14), universe, model)
    assert kinds(result).count("rejected") == 0
    (fill,) = [e for e in result.events if e.kind == "filled" and e.move_id == "m00001"]
    assert "@ 101.00" in fill.detail
    (buy,) = [c for c in result.books.cost_ledger if c.action == "buy"]
    assert buy.timestamp.isoformat() == "2024-01-03T15:00:00+00:00"  # the transfer's Round
    stamps = [entry.timestamp for entry in result.books.entries]
    assert stamps == sorted(stamps)


def test_the_history_holds_every_earlier_round_as_the_result_does() -> None:
    read: list[list[RoundRecord]] = []

    def plan(ctx: RoundContext) -> list[Action]:
        history = ctx.history
        read.append([history[i] for i in range(len(history))])
        assert history[-1:] == read[-1][-1:] and history[:] == read[-1]  # negative index and slices agree
        return [Move.buy("ACME", 10)] if ctx.round == 0 else []

    result = play(spec(), universe_of(bars_from({"ACME": ACME})), Script(plan))
    assert [len(records) for records in read] == [0, 1, 2, 3, 4]  # each Round sees the Rounds before it
    records = read[-1]
    assert [r.round for r in records] == [0, 1, 2, 3]
    assert [r.ns for r in records] == [int(t) for t in result.times[:4]]
    assert [r.value for r in records] == [float(v) for v in result.values[:4]]
    # 10 bought at the next open, 101: the Game's value at the closes 101, 103 and 104 (no fees)
    assert [Decimal(str(r.value)) for r in records] == [Decimal(10000), Decimal(10000), Decimal(10020), Decimal(10030)]
    assert all(type(r) is RoundRecord for r in records)


def test_each_move_of_a_batch_is_checked_when_placed_and_the_good_ones_are_placed() -> None:
    universe = universe_of(bars_from({"ACME": ACME, "BETA": ACME}))
    accounts = (AccountSpec("main"), AccountSpec("side", symbols=("BETA",)))
    batch = [
        Move.buy("ACME", 10),  # m00001: placed in main (the first account)
        Move.buy("ACME", 10, account="side"),  # m00002: side does not trade ACME
        Move.buy("ACME", 10, account="side"),  # m00003: nor the second time (a refused pair is not remembered)
        Move.buy("ACME", D("1.5")),  # m00004: not whole units
        Move.sell("ACME", 5),  # m00005: nothing held yet
        Move.sell("BETA", sell_all=True, account="side"),  # m00006: nothing held
        Move.buy("ACME", 10, account="nope"),  # m00007
        Move.buy("ZZZ", 1),  # m00008
        Move.buy("ZZZ", 1),  # m00009: nor the second time
        Move.buy("ACME", 5, account="main"),  # m00010: placed (main, named)
        Move.target("BETA", D("0.1")),  # m00011: placed in side (the account that lists BETA), which has no cash
    ]
    result = play(spec(accounts=accounts), universe, Script(at_round({0: batch})))
    placed = [(e.move_id, e.account) for e in result.events if e.kind == "placed"]
    assert placed == [("m00001", "main"), ("m00010", "main"), ("m00011", "side")]
    rejected = [(e.move_id, e.detail) for e in result.events if e.kind == "rejected"]
    assert rejected == [
        ("m00002", "account side does not trade ACME"),
        ("m00003", "account side does not trade ACME"),
        ("m00004", "ACME: quantity 1.5 is not a multiple of lot size 1"),
        ("m00005", "sell of 5 ACME but main holds 0"),
        ("m00006", "sell_all of BETA: side holds none"),
        ("m00007", "no account 'nope'"),
        ("m00008", "unknown symbol 'ZZZ'"),
        ("m00009", "unknown symbol 'ZZZ'"),
        ("m00011", "buy of BETA: not enough USD in side"),  # at its fill
    ]
    assert [e.kind for e in result.events if e.move_id == "m00001"][:2] == ["placed", "filled"]
