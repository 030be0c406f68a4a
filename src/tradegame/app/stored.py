"""Stored Games read as stored: what ``report`` and ``resume`` show for a Game of other engine rules.

A Game played under other engine rules than the running engine's (``tradegame.engine.rules``)
would replay to other books, so it is never replayed: ``stored_books`` turns its stored rows
into the input of ``reporting.stored_report`` (nothing is recomputed, no market data is read),
and ``write_stored_game_report`` writes that report. See ``app.play`` for replaying Games of the
running rules.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from tradegame.domain.instruments import AssetClass
from tradegame.domain.lots import Disposal, OpenLot
from tradegame.engine.events import EventKind
from tradegame.engine.game import GameEvent, Score
from tradegame.engine.training_records import TrainedVersion, stored_records
from tradegame.reporting.stored_report import StoredBooks, StoredFill, write_stored_report
from tradegame.store import Database, DisposalRow, EventRow, GameRow, OpenLotRow, StoredGame
from tradegame.store.members import member_records

__all__ = ["stored_books", "stored_notice", "stored_score", "stored_training", "write_stored_game_report"]


def stored_notice(row: GameRow, why: str | None = None) -> str:
    """The plain sentence for a Game shown as stored, e.g. ``game 12 was played under engine rules 1;
    this tradegame plays rules 3: showing the stored books (not replayed)``; ``why`` overrides the
    reason (e.g. that its Model's source changed)."""
    why = why or row.other_rules or f"game {row.id} is read as stored"
    return f"{why}: showing the stored books (not replayed)"


def stored_score(row: GameRow) -> Score | None:
    """The score stored with a finished Game (``None`` before it finished)."""
    parts = (row.start_capital, row.final_value, row.gross_profit, row.fees, row.running_costs, row.taxes, row.score)
    present = [part for part in parts if part is not None]
    if row.status != "finished" or len(present) != len(parts):
        return None
    return Score(*present)


def stored_books(stored: StoredGame, why: str | None = None) -> StoredBooks:
    """The stored Game as the stored report's input: its rows, turned into the Game's own record types.

    ``why`` is the reason it is not replayed (default: its other engine rules)."""
    game = stored.game
    return StoredBooks(
        game_id=game.id,
        name=game.name,
        model=game.model,
        status=game.status,
        engine_rules=game.engine_rules,
        notice=why or game.other_rules or f"game {game.id} is read as stored",
        definition_text=game.definition_text,
        data_hash=game.data_hash,
        currency=_currency(game.definition_text),
        outcome=game.outcome,
        outcome_round=game.outcome_round,
        outcome_reason=game.outcome_reason,
        score=stored_score(game),
        round_count=game.round_count,
        round_times=[row.ts for row in stored.rounds],
        round_values=[row.value for row in stored.rounds],
        fills=_fills(stored),
        disposals=[_disposal(row) for row in stored.disposals],
        open_lots=[_open_lot(row) for row in stored.open_lots],
        events=[_event(row) for row in stored.events],
        training=stored_training(stored),
    )


def stored_training(stored: StoredGame) -> list[TrainedVersion]:
    """A stored Game's trainable Models' versions, read back from its log;
    under an Activator each is scored on its Model's stored record (``member_values``)."""
    lines = ((e.round, e.ts, e.kind, e.symbol, e.detail) for e in stored.events)
    rounds = ((r.ts, r.value) for r in stored.rounds)
    return stored_records(lines, rounds, stored.game.final_value, member_records(stored.member_values))


def _fills(stored: StoredGame) -> list[StoredFill]:
    """The trades of the cost ledger (buys and sells of a quantity), as the report lists fills."""
    return [
        StoredFill(
            cost.op_id,
            cost.ts,
            cost.account,
            cost.symbol,
            cost.action,
            cost.quantity,
            cost.notional,
            cost.notional_currency,
            cost.fee,
            cost.fee_currency,
        )
        for cost in stored.cost_ledger
        if cost.action in ("buy", "sell") and cost.quantity > 0
    ]


def _disposal(row: DisposalRow) -> Disposal:
    # The row holds the Disposal's fields in order after its line number; the asset class as text.
    return Disposal(*row[1:12], AssetClass(row.asset_class), *row[13:])


def _open_lot(row: OpenLotRow) -> OpenLot:
    # The row holds the OpenLot's fields in order after its line number; the asset class as text.
    return OpenLot(*row[1:8], AssetClass(row.asset_class), row.game)


def _event(e: EventRow) -> GameEvent:
    return GameEvent(
        e.seq, e.round, e.ts.isoformat(), EventKind(e.kind), e.move_id, e.account, e.symbol, e.detail, tuple(e.op_ids)
    )


def write_stored_game_report(db: Database, game_id: int, path: Path, why: str | None = None) -> StoredBooks:
    """Write the report of ``game_id`` from its stored books to ``path`` (nothing is replayed);
    ``why`` is the reason, shown in the report (default: its other engine rules)."""
    books = stored_books(db.load_game(game_id), why)
    write_stored_report(books, path)
    return books


def _currency(definition_text: str) -> str | None:
    """The Game currency the stored definition names; read as plain TOML, since a definition
    stored by older code may no longer parse as a Game file."""
    try:
        game = tomllib.loads(definition_text).get("game", {})
    except tomllib.TOMLDecodeError:
        return None
    currency = game.get("currency") if isinstance(game, dict) else None
    return currency if isinstance(currency, str) and currency else None
