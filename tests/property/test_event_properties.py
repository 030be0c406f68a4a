"""What a Model is told adds up to the books (Hypothesis): on random Games of random Moves (market,
limit, target weight, sells beyond holdings, cancels) with random fees, slippage, volume caps and
fill rules, every fill the books hold (but the end's sales) reaches the Model exactly once as a
``Fill`` whose quantity, fee and side are the cost ledger's; every Move the Model placed is
accounted for: filled, expired, cancelled, rejected or still open."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.engine.game_kit import bars_from, spec, universe_of
from tradegame.engine.context import Cancelled, Expired, Fill, MoveEvent, Rejected, RoundContext
from tradegame.engine.costs import FixedBps, PercentOfNotional, PerShare
from tradegame.engine.game import play
from tradegame.engine.moves import Action, Cancel, Move, OrderType
from tradegame.engine.spec import AccountSpec

D = Decimal


def _bars(seed: int, n: int) -> dict[str, list[tuple[float, float, float, float, float]]]:
    rng = np.random.default_rng(seed)
    out = {}
    for symbol, start in (("ACME", 100.0), ("BETA", 40.0)):
        closes = start * np.exp(np.cumsum(rng.normal(0, 0.03, n)))
        opens = np.concatenate([[start], closes[:-1]]) * np.exp(rng.normal(0, 0.01, n))
        highs = np.maximum(opens, closes) * 1.01
        lows = np.minimum(opens, closes) * 0.99
        volumes = rng.integers(500, 5000, n).astype(float)
        out[symbol] = [
            (round(o, 2), round(h, 2), round(lo, 2), round(c, 2), v)
            for o, h, lo, c, v in zip(opens, highs, lows, closes, volumes, strict=True)
        ]
    return out


class RandomTrader:
    """Random Moves from the Game's seeded generator; it keeps every record it is told."""

    name = "random-trader"

    def __init__(self, last_round: int) -> None:
        self.last_round = last_round
        self.told: list[MoveEvent] = []
        self.placed = 0

    def decide(self, ctx: RoundContext) -> list[Action]:
        self.told.extend(ctx.events)
        if ctx.round == self.last_round:
            return []  # what would fill after the last Round is never told (the Model is not called again)
        rng = ctx.rng
        moves: list[Action] = []
        for _ in range(int(rng.integers(0, 4))):
            symbol = "ACME" if rng.random() < 0.5 else "BETA"
            pick = rng.random()
            if pick < 0.35:
                moves.append(Move.buy(symbol, int(rng.integers(1, 200))))
            elif pick < 0.55:
                moves.append(Move.sell(symbol, int(rng.integers(1, 200))))
            elif pick < 0.75:
                moves.append(Move.target(symbol, D(str(round(float(rng.random()) * 0.5, 2)))))
            else:
                price = ctx.universe.price(symbol)
                limit = D(str(round(price * (0.95 + 0.08 * float(rng.random())), 2)))
                moves.append(Move.buy(symbol, 30, order_type=OrderType.LIMIT, limit_price=limit, time_in_force=2))
        self.placed += len(moves)
        moves += [Cancel(snap.move_id) for snap in ctx.open_moves if rng.random() < 0.2]
        return moves


@settings(max_examples=25)
@given(
    seed=st.integers(0, 10_000),
    fees=st.sampled_from([PerShare(D("0.01"), minimum=D("1.00")), PercentOfNotional(D("0.001")), None]),
    slippage=st.sampled_from([None, FixedBps(D(5))]),
    cap=st.sampled_from([None, D("0.02"), D("0.1")]),
    fill_at=st.sampled_from(["next_open", "close"]),
)
def test_the_fills_a_model_is_told_are_the_books_fills(
    seed: int, fees: PerShare | None, slippage: FixedBps | None, cap: Decimal | None, fill_at: str
) -> None:
    account = AccountSpec(
        "main",
        **({"fees": fees} if fees is not None else {}),  # type: ignore[arg-type]
        **({"slippage": slippage} if slippage is not None else {}),  # type: ignore[arg-type]
        volume_cap=cap,
    )
    model = RandomTrader(last_round=23)
    universe = universe_of(bars_from(_bars(seed, 25)))
    result = play(spec(rounds=24, seed=seed, accounts=(account,), fill_at=fill_at), universe, model)
    fills = [event for event in model.told if isinstance(event, Fill)]
    end = {op for event in result.events if (event.move_id or "").startswith("L-") for op in event.op_ids}
    costs = {c.op_id: c for c in result.books.cost_ledger if c.op_id not in end}
    assert fills and sorted(f.op_id for f in fills) == sorted(costs)
    for fill in fills:
        cost = costs[fill.op_id]
        assert (fill.quantity, fill.fee, fill.side.value) == (cost.quantity, cost.fee.amount, cost.action)
    assert sum((f.fee for f in fills), D(0)) == sum((c.fee.amount for c in costs.values()), D(0))
    # Every Move the Model placed has an id, and each id it was told of is one it placed.
    ids = {e.move_id for e in model.told if isinstance(e, Fill | Expired | Cancelled | Rejected) and e.move_id}
    assert all(move_id.startswith("m") and int(move_id[1:]) <= model.placed for move_id in ids)
