"""Deleting a stored Game and every row that hangs off it, in one transaction.

Every table of the schema with a ``game_id`` column holds rows of one Game; they are deleted,
children before parents, and then the ``games`` row. Deleting explicitly (rather than relying
on ``ON DELETE CASCADE``) works the same on SQLite, whose foreign keys are enforced only with
``PRAGMA foreign_keys = ON`` (set on every connection, see ``database.py``), and on PostgreSQL.

Imports SQLAlchemy and the store's own modules.
"""

from __future__ import annotations

from sqlalchemy import Table, delete, select, update

from tradegame.store import experiments, schema
from tradegame.store.database import Database
from tradegame.store.errors import GameNotFoundError, GameRunningError
from tradegame.store.lease import shown_status

__all__ = ["check_deletable", "delete_game", "game_tables"]


def game_tables() -> list[Table]:
    """The tables holding a Game's rows, in the order they are deleted: ``games`` last."""
    children = [table for table in reversed(schema.metadata.sorted_tables) if "game_id" in table.c]
    return [*children, schema.games]


def check_deletable(game_id: int, name: str, status: str, *, force: bool = False) -> None:
    """Refuse a Game a live process plays (``status`` as shown: ``running``), even with ``force``,
    and an ``interrupted`` one unless ``force``."""
    if status == "running":
        raise GameRunningError(
            f"game {game_id} ({name}) is being played by a live process; nothing was deleted "
            "(stop that process first: the Game is then shown interrupted)"
        )
    if status == "interrupted" and not force:
        raise GameRunningError(
            f"game {game_id} ({name}) was interrupted (`tradegame resume {game_id}` finishes it); "
            "nothing was deleted (--force deletes it anyway)"
        )


def delete_game(db: Database, game_id: int, *, force: bool = False) -> dict[str, int]:
    """Delete ``game_id`` and all of its rows; returns the rows deleted per table.

    ``GameNotFoundError`` for an unknown id; ``GameRunningError`` for a Game a live process plays
    (it holds the lease), or an interrupted one without ``force``; either way nothing is changed.
    """
    games = schema.games
    with db.write() as connection:
        found = connection.execute(
            select(games.c.name, games.c.status, games.c.owner, games.c.heartbeat_at)
            .where(games.c.id == game_id)
            .with_for_update()
        ).one_or_none()
        if found is None:
            raise GameNotFoundError(f"no game {game_id} in {db.where}")
        shown = shown_status(found.status, found.owner, found.heartbeat_at, db.now())
        check_deletable(game_id, found.name, shown, force=force)
        deleted = {}
        # An experiment's row that names this Game as its books keeps its row, not the link.
        kept = experiments.experiment_games
        connection.execute(update(kept).where(kept.c.stored_game_id == game_id).values(stored_game_id=None))
        for table in game_tables():
            key = table.c.id if table is games else table.c.game_id
            deleted[table.name] = connection.execute(delete(table).where(key == game_id)).rowcount
    return deleted
