"""The store's read queries: the summary of every Game, and one Game with all its rows.

Functions of an open connection (``Database`` opens the transaction); SQLAlchemy Core only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from sqlalchemy import Connection, Table, func, select

from tradegame.store import schema
from tradegame.store.members import MemberValueRow
from tradegame.store.rows import (
    CostRow,
    DecisionRow,
    DisposalRow,
    EntryRow,
    EventRow,
    GameRow,
    GameSummaryRow,
    OpenLotRow,
    PostingRow,
    RoundRow,
    StoredGame,
    TaxRow,
)

__all__ = ["game_summaries", "stored_game"]

R = TypeVar("R")


def game_summaries(connection: Connection) -> list[GameSummaryRow]:
    """Every stored Game, oldest first, with its last committed Round (its status as stored)."""
    games = schema.games
    last = (
        select(schema.rounds.c.game_id, func.max(schema.rounds.c.round).label("last_round"))
        .group_by(schema.rounds.c.game_id)
        .subquery()
    )
    query = (
        select(
            games.c.id,
            games.c.name,
            games.c.status,
            games.c.model,
            games.c.created_at,
            games.c.round_count,
            last.c.last_round,
            games.c.outcome,
            games.c.score,
            games.c.error,
            games.c.engine_rules,
            games.c.owner,
            games.c.heartbeat_at,
        )
        .select_from(games.outerjoin(last, last.c.game_id == games.c.id))
        .order_by(games.c.id)
    )
    return [GameSummaryRow._make(row) for row in connection.execute(query)]


def stored_game(connection: Connection, game: GameRow) -> StoredGame:
    """``game`` with every ledger and log of it."""
    game_id = game.id
    return StoredGame(
        game=game,
        rounds=_rows(connection, schema.rounds, game_id, RoundRow, RoundRow._fields),
        events=[
            row._replace(op_ids=tuple(row.op_ids))
            for row in _rows(connection, schema.events, game_id, EventRow, EventRow._fields)
        ],
        entries=_rows(connection, schema.journal_entries, game_id, EntryRow, EntryRow._fields),
        postings=_rows(connection, schema.postings, game_id, PostingRow, PostingRow._fields),
        cost_ledger=_rows(connection, schema.cost_ledger, game_id, CostRow, CostRow._fields),
        tax_ledger=_rows(connection, schema.tax_ledger, game_id, TaxRow, TaxRow._fields),
        decisions=_rows(connection, schema.decisions, game_id, DecisionRow, DecisionRow._fields),
        disposals=_rows(connection, schema.disposals, game_id, DisposalRow, DisposalRow._fields),
        open_lots=_rows(connection, schema.open_lots, game_id, OpenLotRow, OpenLotRow._fields),
        member_values=_rows(connection, schema.member_values, game_id, MemberValueRow, MemberValueRow._fields),
    )


def _rows(connection: Connection, table: Table, game_id: int, make: Callable[..., R], fields: Sequence[str]) -> list[R]:
    """Rows of ``table`` for ``game_id`` as ``make(*columns)``, in primary-key order."""
    order = [column for column in table.primary_key.columns if column.name != "game_id"]
    query = select(*(table.c[name] for name in fields)).where(table.c.game_id == game_id).order_by(*order)
    return [make(*row) for row in connection.execute(query)]
