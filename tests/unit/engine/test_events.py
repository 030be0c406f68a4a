"""What a Model is told about its Moves (issue 14, item 3): typed Fill, Expired, Cancelled and
Rejected records in ``ctx.events`` at its next Round, Moves refused when placed included; frozen,
detached snapshots in ``ctx.open_moves``; tags and stable ids; every rejection reason triggered."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from tradegame.data.panel import Panel
from tradegame.domain.instruments import AssetClass
from tradegame.domain.money import USD
from tradegame.engine.context import (
    Cancelled,
    Expired,
    Fill,
    MoveEvent,
    MoveSnapshot,
    Rejected,
    RejectReason,
    RoundContext,
)
from tradegame.engine.costs import Flat, PerShare
from tradegame.engine.events import EventKind, Told
from tradegame.engine.game import Convert, Transfer, play
from tradegame.engine.moves import Action, Cancel, Move, MoveStatus, OrderType, Side
from tradegame.engine.spec import AccountSpec, DataSpec, GameSpec, TransferRule
from tradegame.engine.universe import Universe

from .game_kit import Script, bars_from, flat, spec, universe_of

D = Decimal
Bars = list[tuple[float, float, float, float, float]]
ACME: Bars = [
    (100.0, 101.0, 99.0, 100.0, 1e6),
    (101.0, 102.0, 100.0, 101.0, 1e6),
    (102.0, 104.0, 101.0, 103.0, 1e6),
    (104.0, 105.0, 103.0, 104.0, 1e6),
    (105.0, 107.0, 104.0, 106.0, 1e6),
]


class Listener:
    """A Model that plays ``plan`` and keeps every record it is told, by Round."""

    name = "listener"

    def __init__(self, plan: Callable[[RoundContext], Sequence[object]]) -> None:
        self.plan = plan
        self.told: dict[int, tuple[MoveEvent, ...]] = {}
        self.open: dict[int, tuple[MoveSnapshot, ...]] = {}

    def decide(self, ctx: RoundContext) -> list[Action]:
        self.told[ctx.round] = ctx.events
        self.open[ctx.round] = ctx.open_moves
        return list(self.plan(ctx))  # type: ignore[arg-type]

    def all(self) -> list[MoveEvent]:
        return [event for round_index in sorted(self.told) for event in self.told[round_index]]


def rounds(schedule: dict[int, list[object]]) -> Callable[[RoundContext], list[object]]:
    return lambda ctx: schedule.get(ctx.round, [])


def listen(schedule: dict[int, list[object]], bars: dict[str, Bars] | None = None, **changes: object) -> Listener:
    model = Listener(rounds(schedule))
    play(spec(**changes), universe_of(bars_from(bars or {"ACME": ACME, "BETA": flat(50.0, 5)})), model)
    return model


def rejection(model: Listener) -> Rejected:
    (only,) = [event for event in model.all() if isinstance(event, Rejected)]
    return only


def test_a_buy_is_told_next_round_with_its_exact_price_fee_and_lot() -> None:
    fees = PerShare(D("0.01"), minimum=D("1.00"))
    model = listen({0: [Move.buy("ACME", 10, tag="entry")]}, accounts=(AccountSpec("main", fees=fees),))
    assert model.told[0] == ()
    (fill,) = model.told[1]
    assert isinstance(fill, Fill)
    assert (fill.move_id, fill.tag, fill.symbol, fill.account, fill.side) == ("m00001", "entry", "ACME", "main", "buy")
    assert (fill.price, fill.quantity, fill.fee, fill.fee_currency) == (D(101), D(10), D("1.00"), "USD")
    assert (fill.partial, fill.filled, fill.remaining) == (False, D(10), D(0))
    assert fill.lots_opened == (fill.op_id,) and fill.lots_sold == () and fill.lot_ids == (fill.op_id,)
    assert fill.time.isoformat() == "2024-01-03T14:30:00+00:00"  # the NYSE open it filled at
    with pytest.raises(dataclasses.FrozenInstanceError):
        fill.price = D(1)  # type: ignore[misc]


def test_a_sale_names_the_lots_it_sold() -> None:
    model = listen({0: [Move.buy("ACME", 10)], 1: [Move.buy("ACME", 5)], 2: [Move.sell("ACME", 12)]})
    bought = [event for event in model.all() if isinstance(event, Fill) and event.side is Side.BUY]
    (sale,) = [event for event in model.all() if isinstance(event, Fill) and event.side is Side.SELL]
    first, second = (fill.lots_opened[0] for fill in bought)
    assert sale.lots_sold == ((first, D(10)), (second, D(2)))  # FIFO
    assert sale.lots_opened == ()


def test_fills_read_after_the_game_are_the_records_read_at_their_round() -> None:
    schedule = {0: [Move.buy("ACME", 10)], 1: [Move.buy("ACME", 5), Move.sell("BETA", 1)], 2: [Move.sell("ACME", 12)]}
    at_once = listen(schedule)  # reads ``ctx.events`` at each Round
    contexts: list[RoundContext] = []

    def keep(ctx: RoundContext) -> list[object]:
        contexts.append(ctx)  # kept unread: its fills are built when read, after the Game
        return rounds(schedule)(ctx)

    play(spec(), universe_of(bars_from({"ACME": ACME, "BETA": flat(50.0, 5)})), Script(keep))  # type: ignore[arg-type]
    assert all(isinstance(ctx._events, Told) for ctx in contexts[2:4])  # fills told, not yet built
    later = {ctx.round: ctx.events for ctx in contexts}
    assert later == at_once.told and any(isinstance(e, Fill) and e.lots_sold for e in at_once.all())
    assert all(ctx.events is ctx.events for ctx in contexts)  # built once


def test_a_partial_fill_under_a_volume_cap_then_the_rest() -> None:
    thin = [(o, h, low, c, 1000.0) for o, h, low, c, _ in ACME]
    account = AccountSpec("main", volume_cap=D("0.1"))  # at most 100 shares a bar
    model = listen({0: [Move.buy("ACME", 200)]}, {"ACME": thin}, accounts=(account,), start_fund=D(100000))
    (first,) = model.told[1]
    (second,) = model.told[2]
    assert isinstance(first, Fill) and isinstance(second, Fill)
    assert (first.quantity, first.partial, first.filled, first.remaining) == (D(100), True, D(100), D(100))
    assert (second.quantity, second.partial, second.filled, second.remaining) == (D(100), False, D(200), D(0))
    assert (first.price, second.price) == (D(101), D(102))
    assert [s.filled for s in model.open[1]] == [D(100)]  # the snapshot at Round 1: open, half filled
    assert model.open[1][0].status is MoveStatus.OPEN and model.open[2] == ()


def test_a_limit_order_that_expires() -> None:
    move = Move.buy("ACME", 10, order_type=OrderType.LIMIT, limit_price=D(50), time_in_force=2, tag="cheap")
    model = listen({0: [move]})
    assert model.told[1] == ()
    (expired,) = model.told[2]
    assert expired == Expired("m00001", "cheap", "ACME", "main", Side.BUY, D(0), D(10), expired.time)
    assert expired.time.isoformat() == "2024-01-04T21:00:00+00:00"  # the Round it ran out at


def test_a_cancel_is_told() -> None:
    limit = Move.buy("ACME", 10, order_type=OrderType.LIMIT, limit_price=D(50))
    model = listen({0: [limit], 1: [Cancel("m00001", "changed my mind")]})
    (cancelled,) = model.told[2]
    assert isinstance(cancelled, Cancelled)
    assert (cancelled.move_id, cancelled.filled, cancelled.remaining) == ("m00001", D(0), D(10))
    assert cancelled.message == "changed my mind; filled 0"


def test_a_sell_of_more_than_held_is_rejected_when_placed_and_told_next_round() -> None:
    model = listen({0: [Move.buy("ACME", 5)], 1: [Move.sell("ACME", 8, tag="too-many")]})
    (refused,) = model.told[2]
    assert isinstance(refused, Rejected)
    assert (refused.move_id, refused.tag, refused.reason) == ("m00002", "too-many", RejectReason.INSUFFICIENT_HOLDINGS)
    assert refused.message == "sell of 8 ACME but main holds 5"
    assert (refused.side, refused.account, refused.symbol) == (Side.SELL, "main", "ACME")


def test_a_buy_beyond_cash_is_cut_and_one_with_no_cash_is_rejected() -> None:
    model = listen({0: [Move.buy("ACME", 200)], 1: [Move.buy("BETA", 10)]}, start_fund=D(1010))
    (cut,) = model.told[1]
    assert isinstance(cut, Fill) and cut.quantity == D(10) and cut.note == "cut from 200 to 10 by the cash available"
    (refused,) = model.told[2]
    assert isinstance(refused, Rejected)
    assert refused.reason is RejectReason.INSUFFICIENT_CASH
    assert refused.message == "buy of BETA: not enough USD in main"


def test_an_unknown_symbol_is_rejected_when_placed_and_told_next_round() -> None:
    model = listen({0: [Move.buy("NOPE", 1)]})
    assert model.told[0] == ()
    (refused,) = model.told[1]
    assert isinstance(refused, Rejected)
    assert (refused.move_id, refused.reason, refused.message) == ("m00001", "unknown_symbol", "unknown symbol 'NOPE'")
    assert model.told[2] == ()  # told once


def test_tags_round_trip_and_appear_in_the_event_log() -> None:
    universe = universe_of(bars_from({"ACME": ACME}))
    model = Listener(rounds({0: [Move.buy("ACME", 10, tag="breakout #1")], 2: [Move.sell("ACME", 10)]}))
    result = play(spec(), universe, model)
    (bought, sold) = [event for event in model.all() if isinstance(event, Fill)]
    assert (bought.tag, sold.tag) == ("breakout #1", "")
    about = [event for event in result.events if event.move_id == "m00001"]
    assert [event.kind for event in about] == ["placed", "filled"]
    assert all(event.detail.endswith(" [tag breakout #1]") for event in about)
    assert not any("[tag" in event.detail for event in result.events if event.move_id == "m00002")
    reasons = [d.reason for d in result.books.decision_log if d.action == "buy"]
    assert reasons == ["m00001 [tag breakout #1]"]


def test_a_tag_must_be_short_and_printable() -> None:
    with pytest.raises(ValueError, match="tag must be a str of at most 64 printable characters"):
        Move.buy("ACME", 1, tag="x" * 65)
    with pytest.raises(ValueError, match="tag"):
        Move.buy("ACME", 1, tag="two\nlines")


def test_ids_are_stable_across_two_runs() -> None:
    def plan(ctx: RoundContext) -> list[object]:
        symbol = "ACME" if ctx.rng.random() < 0.5 else "BETA"
        return [Move.buy(symbol, 1), Move.sell("NOPE", 1)]

    told = []
    for _ in range(2):
        model = Listener(plan)
        play(spec(seed=7), universe_of(bars_from({"ACME": ACME, "BETA": flat(50.0, 5)})), model)
        told.append(model.all())
    assert told[0] == told[1]
    assert [event.move_id for event in told[0]][:3] == ["m00002", "m00001", "m00004"]


def test_open_moves_are_frozen_detached_snapshots() -> None:
    dip: Bars = [
        (100.0, 100.0, 100.0, 100.0, 1e6),
        (100.0, 101.0, 99.5, 100.0, 1e6),  # the limit is not reached
        (97.0, 98.0, 96.0, 97.0, 1e6),  # it opens below the limit: fills at 97
        (97.0, 97.0, 97.0, 97.0, 1e6),
    ]
    kept = Move.buy("ACME", 10, order_type=OrderType.LIMIT, limit_price=D(98), tag="dip")

    def plan(ctx: RoundContext) -> list[object]:
        if ctx.round == 0:
            return [kept]
        if ctx.round == 1:
            (snap,) = ctx.open_moves
            assert ctx.open_moves is ctx.open_moves  # one snapshot per Round
            assert (snap.move_id, snap.tag, snap.quantity, snap.remaining) == ("m00001", "dip", D(10), D(10))
            assert (snap.order_type, snap.limit_price, snap.status, snap.placed_round) == ("limit", D(98), "open", 0)
            assert snap.placed_at.isoformat() == "2024-01-02T21:00:00+00:00"
            with pytest.raises(dataclasses.FrozenInstanceError):
                snap.quantity = D(1000)  # type: ignore[misc]
            # Nothing done to what the Model holds reaches the Game, not even past the frozen guard.
            for move in (kept, snap.move):
                object.__setattr__(move, "quantity", D(1000))
                object.__setattr__(move, "limit_price", D(500))
            object.__setattr__(snap, "quantity", D(1000))
        return []

    model = Listener(plan)
    play(spec(rounds=4), universe_of(bars_from({"ACME": dip})), model)
    (fill,) = model.told[2]
    assert isinstance(fill, Fill) and (fill.quantity, fill.price) == (D(10), D(97))


def test_every_fill_is_told_once_and_adds_up_to_the_cost_ledger() -> None:
    fees = PerShare(D("0.013"), minimum=D("1.00"))
    thin = {"ACME": [(o, h, low, c, 3000.0) for o, h, low, c, _ in ACME * 8], "BETA": flat(50.0, 40, 2000.0)}
    account = AccountSpec("main", fees=fees, volume_cap=D("0.05"))

    def plan(ctx: RoundContext) -> list[object]:
        rng = ctx.rng
        moves: list[object] = []
        for _ in range(int(rng.integers(0, 4))):
            symbol = "ACME" if rng.random() < 0.5 else "BETA"
            pick = rng.random()
            if pick < 0.4:
                moves.append(Move.buy(symbol, int(rng.integers(1, 300))))
            elif pick < 0.6:
                moves.append(Move.sell(symbol, int(rng.integers(1, 300))))
            elif pick < 0.8:
                moves.append(Move.target(symbol, D(str(round(rng.random() * 0.6, 2)))))
            else:
                limit = D(str(round(90 + rng.random() * 20, 2))) if symbol == "ACME" else D(50)
                moves.append(Move.buy(symbol, 50, order_type=OrderType.LIMIT, limit_price=limit, time_in_force=3))
        moves += [Cancel(snap.move_id) for snap in ctx.open_moves if rng.random() < 0.2]
        return moves

    model = Listener(plan)
    result = play(spec(rounds=38, seed=11, accounts=(account,)), universe_of(bars_from(thin)), model)
    fills = [event for event in model.all() if isinstance(event, Fill)]
    assert len(fills) > 20 and any(f.partial for f in fills)
    assert any(isinstance(e, Rejected) for e in model.all()) and any(isinstance(e, Cancelled) for e in model.all())
    end = {op for e in result.events if e.move_id and e.move_id.startswith("L-") for op in e.op_ids}
    costs = {c.op_id: c for c in result.books.cost_ledger if c.op_id not in end}
    assert sorted(f.op_id for f in fills) == sorted(costs)  # each fill told exactly once
    for fill in fills:
        cost = costs[fill.op_id]
        assert (fill.quantity, fill.fee, fill.side.value) == (cost.quantity, cost.fee.amount, cost.action)
    assert sum(f.fee for f in fills) == sum(c.fee.amount for c in costs.values())
    # Per Move, the fills add up to what the log says was filled.
    for move_id in {f.move_id for f in fills}:
        own = [f for f in fills if f.move_id == move_id]
        assert own[-1].filled == sum(f.quantity for f in own)


def test_event_kinds_are_an_enum_of_the_stored_strings() -> None:
    universe = universe_of(bars_from({"ACME": ACME}))
    result = play(spec(), universe, Script(rounds({0: [Move.buy("ACME", 1)]})))
    assert all(isinstance(event.kind, EventKind) for event in result.events)
    assert [str(event.kind) for event in result.events][:3] == ["start", "placed", "filled"]
    assert '"kind": "placed"' in result.events_jsonl()


# -- every reason the engine has for refusing an action ---------------------------------------------


def _crypto(prices: dict[str, list[float | None]]) -> Universe:
    days = pd.date_range("2024-01-01", periods=6, freq="D", tz="UTC")
    frames = []
    for symbol, series in prices.items():
        rows = [(day, price) for day, price in zip(days, series, strict=True) if price is not None]
        values = np.asarray([price for _, price in rows], dtype=float)
        frame = {"symbol": symbol, "ts": [day for day, _ in rows], "volume": 1e9, "adj_close": np.nan}
        frames.append(pd.DataFrame(frame | dict.fromkeys(("open", "high", "low", "close"), values)))
    panel = Panel.from_bars(pd.concat(frames), frequency="1d", calendar="24/7", currency="USD", content_hash="t")
    return Universe.from_panel(panel, currency=USD)


def _crypto_spec(**changes: object) -> GameSpec:
    base: dict[str, object] = {
        "name": "c",
        "start": date(2024, 1, 1),
        "start_fund": D(10000),
        "rounds": 5,
        "data": (DataSpec("t"),),
    }
    return GameSpec(**(base | changes))  # type: ignore[arg-type]


TWO = (AccountSpec("main"), AccountSpec("side", symbols=("BETA",)))
SCENARIOS: dict[RejectReason, tuple[dict[int, list[object]], dict[str, object]]] = {
    RejectReason.UNKNOWN_ACCOUNT: ({0: [Move.buy("ACME", 1, account="nope")]}, {}),
    RejectReason.UNKNOWN_SYMBOL: ({0: [Move.buy("NOPE", 1)]}, {}),
    RejectReason.NOT_ALLOWED_SYMBOL: ({0: [Move.buy("BETA", 1)]}, {"symbols": ("ACME",)}),
    RejectReason.NOT_ALLOWED_ASSET_CLASS: ({0: [Move.buy("BETA", 1)]}, {"asset_classes": (AssetClass.ETF,)}),
    RejectReason.NOT_TRADED_IN_ACCOUNT: ({0: [Move.buy("ACME", 1, account="side")]}, {"accounts": TWO}),
    RejectReason.NOT_LOT_MULTIPLE: ({0: [Move.buy("ACME", D("1.5"))]}, {}),
    RejectReason.BELOW_LOT: ({0: [Move.buy("ACME", notional=50)]}, {}),
    RejectReason.AT_TARGET: ({0: [Move.target("ACME", 0)]}, {}),
    RejectReason.INSUFFICIENT_HOLDINGS: ({0: [Move.sell("ACME", notional=500)]}, {}),  # refused at the fill
    RejectReason.INSUFFICIENT_CASH: ({0: [Transfer("main", "side", D(20000))]}, {"accounts": TWO}),
    RejectReason.UNKNOWN_LOT: ({0: [Move.buy("ACME", 5)], 1: [Move.sell("ACME", 5, lots=(("op-9", 5),))]}, {}),
    RejectReason.FEE_EXCEEDS_VALUE: (
        {0: [Move.buy("ACME", 1)], 1: [Move.sell("ACME", 1)]},
        {"accounts": (AccountSpec("main", fees=Flat(D(200))),)},
    ),
    RejectReason.CHAIN_STOPPED: ({0: [Move.sell("ACME", 5).chain(Move.buy("BETA", notional=1, tag="leg2"))]}, {}),
    RejectReason.NO_OPEN_MOVE: ({0: [Cancel("m00042")]}, {}),
    RejectReason.NO_TRANSFER_RULE: ({0: [Transfer("main", "side", D(10))]}, {"accounts": TWO}),
    RejectReason.NOT_AN_ACTION: ({0: ["buy ACME"]}, {}),
    RejectReason.INVALID: ({0: [Convert("main", "USD", "USD", D(10))]}, {}),
}
TRANSFERS = {"transfers": (TransferRule("main", "side"),)}


@pytest.mark.parametrize("reason", list(SCENARIOS), ids=str)
def test_each_reason_is_told(reason: RejectReason) -> None:
    schedule, changes = SCENARIOS[reason]
    if reason is RejectReason.INSUFFICIENT_CASH:
        changes = changes | TRANSFERS
    model = listen(schedule, **changes)
    refused = [event for event in model.all() if isinstance(event, Rejected)]
    assert [event.reason for event in refused] == (
        [RejectReason.INSUFFICIENT_HOLDINGS, reason] if reason is RejectReason.CHAIN_STOPPED else [reason]
    )
    assert all(event.message for event in refused)


def test_a_stopped_chain_names_the_leg_never_placed() -> None:
    _, stopped = listen(SCENARIOS[RejectReason.CHAIN_STOPPED][0]).told[1]
    assert isinstance(stopped, Rejected)
    assert (stopped.move_id, stopped.tag, stopped.symbol, stopped.side) == (None, "leg2", "BETA", Side.BUY)
    assert stopped.message == "leg ACME ended rejected with nothing filled"


def test_a_trade_worth_less_than_a_cent_is_too_small() -> None:
    prices: dict[str, list[float | None]] = {"ETH/USD": [1000.0] * 6}
    model = Listener(rounds({0: [Move.buy("ETH/USD", D("0.000001"))]}))
    play(_crypto_spec(), _crypto(prices), model)
    assert rejection(model).reason is RejectReason.TOO_SMALL


def test_a_swap_before_its_quote_has_a_price_has_no_price() -> None:
    prices: dict[str, list[float | None]] = {
        "ETH/USD": [1000.0] * 6,
        "ETH/BTC": [0.05] * 6,
        "BTC/USD": [None, None, None, None, 20000.0, 20000.0],  # no BTC price before day 5
    }
    model = Listener(rounds({0: [Move.buy("ETH/USD", 1)], 1: [Move.sell("ETH/BTC", 1)]}))
    play(_crypto_spec(), _crypto(prices), model)
    refused = rejection(model)
    assert (refused.reason, refused.symbol) == (RejectReason.NO_PRICE, "ETH/BTC")


def test_every_reason_has_a_test() -> None:
    elsewhere = {RejectReason.TOO_SMALL, RejectReason.NO_PRICE}
    assert set(SCENARIOS) | elsewhere == set(RejectReason)


def test_the_slot_makers_make_the_same_frozen_records() -> None:
    from datetime import UTC, datetime

    from tradegame.domain.frozen import slot_maker
    from tradegame.engine.events import GameEvent, new_event, new_fill

    made = new_event(3, 1, "2024-01-02T00:00:00+00:00", EventKind.PLACED, "m00001", "main", "ACME", "buy 1")
    plain = GameEvent(3, 1, "2024-01-02T00:00:00+00:00", EventKind.PLACED, "m00001", "main", "ACME", "buy 1")
    assert type(made) is GameEvent and made == plain and hash(made) == hash(plain) and repr(made) == repr(plain)
    assert made.op_ids == () and made.as_json() == plain.as_json()
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.detail = "changed"  # type: ignore[misc]
    when = datetime(2024, 1, 2, tzinfo=UTC)
    fill = new_fill("m1", "", "ACME", "main", Side.BUY, D("10.00"), D(2), D("1.00"), "USD", False, D(2), D(0),
                    ("L1",), (), "op1", when)  # fmt: skip
    assert type(fill) is Fill and fill.note == ""
    assert fill == Fill("m1", "", "ACME", "main", Side.BUY, D("10.00"), D(2), D("1.00"), "USD", False, D(2), D(0),
                        ("L1",), (), "op1", when)  # fmt: skip
    for unfit in (RoundContext, Move, Cancel):  # not a dataclass; a __post_init__; no slots
        with pytest.raises(TypeError, match="slot_maker"):
            slot_maker(unfit)


def test_the_log_writes_each_line_at_its_own_time_when_read() -> None:
    from datetime import UTC, datetime, timedelta, timezone

    from tradegame.engine.clock import GameClock
    from tradegame.engine.log import EventLog

    clock = GameClock(1_704_200_400_000_000_000)  # 2024-01-02 13:00 UTC
    log = EventLog(clock, lambda op: ((), ()))
    noon = datetime(2024, 1, 2, 12, tzinfo=UTC)
    paris = noon.astimezone(timezone(timedelta(hours=1)))  # the same time, another zone
    for when in (None, noon, datetime(2024, 1, 2, 12, tzinfo=UTC), paris, paris, None, noon):
        log.event(EventKind.NOTE, None, None, None, "x", when=when)
        if when is None:
            clock.now_ns += 1000  # the next line at the clock is a microsecond later
    assert [e.time for e in log.events] == [
        "2024-01-02T13:00:00+00:00", *["2024-01-02T12:00:00+00:00"] * 2, *["2024-01-02T13:00:00+01:00"] * 2,
        "2024-01-02T13:00:00.000001+00:00", "2024-01-02T12:00:00+00:00",
    ]  # fmt: skip
    assert [e.seq for e in log.events] == list(range(1, 8))
    log.tag("m2", "dip")
    for move_id, note in (("m1", "cut from 5 by the cash available"), ("m2", "")):  # fills' lines, read later
        log.fill((move_id, "", "ACME", "main", Side.BUY, D("101.5"), D(2), D("1.00"), "USD", note != "", D(2), D(5),
                  "op-1", noon, note), " USD" if note else "")  # fmt: skip
        log.event(EventKind.NOTE, move_id, None, None, "after")
        assert log.events[-1].detail.startswith("after")  # read after each: the next read goes on from there
    assert [(e.seq, e.kind, e.move_id, e.detail, e.op_ids) for e in log.events[7:]] == [
        (8, EventKind.PARTIAL, "m1", "buy 2 @ 101.5 USD fee 1.00 (2/5); cut from 5 by the cash available", ("op-1",)),
        (9, EventKind.NOTE, "m1", "after", ()),
        (10, EventKind.FILLED, "m2", "buy 2 @ 101.5 fee 1.00 (2/5) [tag dip]", ("op-1",)),
        (11, EventKind.NOTE, "m2", "after [tag dip]", ()),
    ]
    assert len(log.inbox) == 2 and log.events[9].time == "2024-01-02T12:00:00+00:00"


def test_a_placed_moves_line_is_written_when_read_as_placed() -> None:
    from tradegame.engine.clock import GameClock
    from tradegame.engine.log import EventLog

    log = EventLog(GameClock(1_704_200_400_000_000_000), lambda op: ((), ()))
    why = ["dip"]  # a reason that is not a str (and changes later) is written when placed
    dip = Move.buy("ACME", 5, order_type=OrderType.LIMIT, limit_price="98.5", reason="dip", tag="d1")
    log.tag("m1", "d1")
    for move_id, move in (("m1", dip), ("m2", Move.sell("ACME", sell_all=True, then=Move.buy("BETA", 1))),
                          ("m3", Move.buy("ACME", notional=100, reason=why))):  # type: ignore[arg-type]  # fmt: skip
        log.placed(move_id, "main", move)
    why[0] = "later"
    assert [(e.seq, e.kind, e.move_id, e.symbol, e.detail, e.op_ids) for e in log.events] == [
        (1, EventKind.PLACED, "m1", "ACME", "buy 5 ACME limit limit 98.5 tif gtc: dip [tag d1]", ()),
        (2, EventKind.PLACED, "m2", "ACME", "sell all ACME market tif gtc then 1 more leg(s)", ()),
        (3, EventKind.PLACED, "m3", "ACME", "buy notional 100 ACME market tif gtc: ['dip']", ()),
    ]
