"""Deleting a Game: every row of it goes, in one transaction; no other Game's row (run on SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, insert, inspect, select, text

from tests.unit.store.kit import create, play_recorded
from tradegame.store import Database, GameNotFoundError, GameRunningError, delete_game, open_database, schema
from tradegame.store.answers import StoredAnswer, keep_answer
from tradegame.store.deletion import game_tables


def counts(db: Database, game_id: int) -> dict[str, int]:
    """Rows of ``game_id`` per table."""
    with db.read() as connection:
        return {
            table.name: connection.execute(
                select(func.count())
                .select_from(table)
                .where((table.c.id if table.name == "games" else table.c.game_id) == game_id)
            ).scalar_one()
            for table in game_tables()
        }


def add_open_lot(db: Database, game_id: int) -> None:
    """The kit's Game sells everything at its end, asks no language model and has no Activator; give
    it a lot left open, a stored answer and a Model's record, so that every table has rows."""
    keep_answer(db, game_id, "k" * 64, StoredAnswer(game_id, '{"moves": []}', 10, 2, "chatcmpl-1"))
    lot = {"account": "main", "symbol": "ACME", "lot_id": "#1", "quantity": Decimal(3), "cost_basis": Decimal("301.50")}
    day = date(2024, 1, 2)
    with db.write() as connection:
        connection.execute(
            insert(schema.open_lots).values(
                game_id=game_id, line=1, date_acquired=day, date_acquired_actual=day, asset_class="equity", **lot
            )
        )
        connection.execute(
            insert(schema.member_values).values(game_id=game_id, alias="a", session=0, round=0, value=1.0)
        )


def test_deleting_a_game_removes_every_row_of_it_and_nothing_else(make_url: Callable[[], str]) -> None:
    with open_database(make_url()) as db:
        first, _ = play_recorded(db)
        second, _ = play_recorded(db)
        add_open_lot(db, first)
        add_open_lot(db, second)
        before = counts(db, first)
        assert all(before.values()), before  # the kit's Game has rows in every table
        others = counts(db, second)
        assert delete_game(db, first) == before
        assert set(counts(db, first).values()) == {0}
        assert counts(db, second) == others
        assert [g.id for g in db.list_games()] == [second]
        with pytest.raises(GameNotFoundError, match=f"no game {first} in"):
            db.game(first)


def test_an_unknown_id_changes_nothing(make_url: Callable[[], str]) -> None:
    with open_database(make_url()) as db:
        game_id, _ = play_recorded(db)
        before = counts(db, game_id)
        with pytest.raises(GameNotFoundError, match="no game 99 in"):
            delete_game(db, 99)
        assert counts(db, game_id) == before


def test_a_live_game_is_never_deleted_and_an_interrupted_one_only_when_forced(make_url: Callable[[], str]) -> None:
    url = make_url()
    with open_database(url) as db:
        running = create(db, "still-playing")  # this process holds its lease: it is being played
        for force in (False, True):
            with pytest.raises(
                GameRunningError, match=r"game 1 \(still-playing\) is being played .*nothing was deleted"
            ):
                delete_game(db, running, force=force)
        assert db.game(running).status == "running"
    with open_database(url) as db:  # the player's lease was released on close: interrupted
        assert db.game(running).status == "interrupted"
        with pytest.raises(GameRunningError, match=r"was interrupted .*--force deletes it anyway"):
            delete_game(db, running)
        assert delete_game(db, running, force=True)["games"] == 1
        assert db.list_games() == []


def test_every_table_that_hangs_off_games_is_deleted_from(make_url: Callable[[], str]) -> None:
    with open_database(make_url()) as db:
        inspector = inspect(db.engine)
        covered = {table.name for table in game_tables()}
        grown = True
        hanging = {"games"}
        while grown:  # tables referring to games, directly or through another such table
            more = {
                name
                for name in inspector.get_table_names()
                for key in inspector.get_foreign_keys(name)
                if key["referred_table"] in hanging
            }
            grown = not more <= hanging
            hanging |= more
        assert hanging <= covered
        if db.backend == "sqlite":  # ON DELETE CASCADE would need it; the store deletes explicitly anyway
            with db.engine.connect() as connection:
                assert connection.execute(text("PRAGMA foreign_keys")).scalar_one() == 1
