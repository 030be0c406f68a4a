"""A Game's stored answers: the replies a language-model Model got, kept in ``model_answers`` with
the Game, by the request's content hash (``app.answers`` hands them to the Model).

Imports SQLAlchemy and the store's own modules.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from tradegame.store.database import Database
from tradegame.store.schema import model_answers

__all__ = ["StoredAnswer", "find_answer", "keep_answer"]


@dataclass(frozen=True)
class StoredAnswer:
    """A reply as stored: the Game that keeps it, its text and tokens, the call's id."""

    game_id: int
    text: str
    tokens_in: int
    tokens_out: int
    call_id: str


def find_answer(db: Database, game_id: int, key: str) -> StoredAnswer | None:
    """The answer to request ``key``: Game ``game_id``'s own if it has one, else any stored Game's."""
    table = model_answers
    query = (
        select(table.c.game_id, table.c.text, table.c.tokens_in, table.c.tokens_out, table.c.call_id)
        .where(table.c.key == key)
        .order_by(table.c.game_id != game_id, table.c.game_id)
        .limit(1)
    )
    with db.read() as connection:
        row = connection.execute(query).one_or_none()
    return None if row is None else StoredAnswer(row.game_id, row.text, row.tokens_in, row.tokens_out, row.call_id)


def keep_answer(db: Database, game_id: int, key: str, answer: StoredAnswer) -> None:
    """Keep ``answer`` to request ``key`` with Game ``game_id`` (once: a second call changes nothing)."""
    table = model_answers
    with db.write() as connection:
        known = connection.execute(
            select(table.c.key).where(table.c.game_id == game_id, table.c.key == key)
        ).one_or_none()
        if known is None:
            connection.execute(
                table.insert().values(
                    game_id=game_id,
                    key=key,
                    text=answer.text,
                    tokens_in=answer.tokens_in,
                    tokens_out=answer.tokens_out,
                    call_id=answer.call_id,
                )
            )
