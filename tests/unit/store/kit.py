"""A small deterministic Game that touches every table, and helpers to record and compare it."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from tests.unit.engine.game_kit import START, Script, bars_from, spec, universe_of
from tradegame.domain.money import USD, Money
from tradegame.domain.running_costs import EveryNDays, RunningCost
from tradegame.domain.tax import TaxProfile
from tradegame.engine.context import RoundContext
from tradegame.engine.costs import PerShare
from tradegame.engine.game import Game, GameResult
from tradegame.engine.moves import Action, EndGame, Move
from tradegame.engine.spec import AccountSpec, ExitRules
from tradegame.store import Database, GameRecorder, StoredGame

DEFINITION = '[game]\nname = "store-kit"\n'  # the store keeps the text as given; its content is not read


def prices(n: int, revised_from: int | None = None) -> dict[str, Sequence[tuple[float, float, float, float, float]]]:
    """ACME swings (so sales make gains and losses, and a loss is washed); BETA creeps up.

    ``revised_from``: ACME is 0.50 dearer from that day on (the data changed after a crash).
    """
    acme = [round(100 + 8 * math.sin(i / 2.0), 2) for i in range(n)]
    if revised_from is not None:
        acme = [p + 0.5 if i >= revised_from else p for i, p in enumerate(acme)]
    beta = [round(50 + 0.25 * i, 2) for i in range(n)]
    return {
        "ACME": [(p, p + 1, p - 1, p, 1e6) for p in acme],
        "BETA": [(p, p + 0.5, p - 0.5, p, 1e6) for p in beta],
    }


def plan(ctx: RoundContext) -> list[Action]:
    """Every 6 Rounds: buy ACME, sell it two Rounds later, buy it back, buy some BETA; sell BETA now and then."""
    step = ctx.round % 6
    if step == 0:
        return [Move.buy("ACME", 10), Move.buy("BETA", 3)]
    if step == 2:
        return [Move.sell("ACME", 10)]
    if step == 4:
        return [Move.buy("ACME", 4), Move.sell("BETA", 2)]
    if step == 5:
        return [Move.sell("ACME", 4), Move.sell("BETA", 100)]  # the second is more than held: rejected
    return []


def new_game(
    rounds: int = 14,
    *,
    end_at: int | None = None,
    exits: ExitRules | None = None,
    plan_of: Callable[[RoundContext], list[Action]] = plan,
    revised_from: int | None = None,
) -> Game:
    """A fresh Game (its own Model and books) that plays the same way every time."""

    def decide(ctx: RoundContext) -> list[Action]:
        if end_at is not None and ctx.round == end_at:
            return [EndGame("enough")]
        return plan_of(ctx)

    universe = universe_of(bars_from(prices(rounds + 1, revised_from)))
    fees = PerShare(Decimal("0.01"), minimum=Decimal("1.00"))
    costs = (("main", RunningCost("server", Money.of("1.25", USD), EveryNDays(START, 3))),)
    game_spec = spec(
        rounds=rounds,
        accounts=(AccountSpec("main", fees=fees),),
        running_costs=costs,
        tax=TaxProfile.flat("0.24", "0.15"),
        exits=exits or ExitRules(),
    )
    return Game(game_spec, universe, Script(decide))


def create(db: Database, name: str = "kit") -> int:
    return db.create_game(name, DEFINITION, "script", {"fast": 5, "limit": Decimal("1.50")}, "test")


def play_recorded(db: Database, game: Game | None = None) -> tuple[int, GameResult]:
    """Create a Game row, play ``game`` (default ``new_game()``) with a recorder; return id and result."""
    game_id = create(db)
    result = (game or new_game()).run(GameRecorder(db, game_id))
    return game_id, result


def books_of(stored: StoredGame) -> dict[str, list[Any]]:
    """Every table of a stored Game but ``games`` (whose ids and wall-clock times differ between runs)."""
    return {name: rows for name, (_, rows) in stored.tables().items() if name != "games"}


class CrashAfter(GameRecorder):
    """A recorder that commits Round ``crash_round`` and then raises, as if the process died there."""

    def __init__(self, db: Database, game_id: int, crash_round: int) -> None:
        super().__init__(db, game_id)
        self.crash_round = crash_round

    def round_done(self, game: Game, round_index: int, value: float) -> None:
        super().round_done(game, round_index, value)
        if round_index == self.crash_round:
            raise SimulatedCrashError(f"crashed after Round {round_index}")


class SimulatedCrashError(RuntimeError):
    pass
