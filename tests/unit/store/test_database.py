"""Opening a store, the Game rows, exact amounts, clear errors and exports (run on SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import importlib.util
import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import insert, inspect, select, text

from tests.unit.store.kit import DEFINITION, create, play_recorded
from tradegame.domain.errors import InvalidInputError
from tradegame.store import (
    DatabaseError,
    GameNotFoundError,
    StoreError,
    open_database,
    schema,
)

TABLES = {
    "games",
    "rounds",
    "events",
    "journal_entries",
    "postings",
    "cost_ledger",
    "tax_ledger",
    "decisions",
    "disposals",
    "open_lots",
    "member_values",
}

# Amounts with many digits, tiny and huge, trailing zeros and negatives: each must come back
# with every digit, as the same Decimal and the same text. (A negative zero reads back as an
# equal zero without its sign on PostgreSQL, see coltypes.py, so it is not in this list.)
EXACT = [
    Decimal("0.00000001"),
    Decimal("123456789.123456789"),
    Decimal("-98765432109876543210.0123456789012345"),
    Decimal("1.10"),
    Decimal("0.000000000000000000000000000001"),
    Decimal("99999999999999999999999999999999.99"),
    Decimal("42"),
]


def test_opening_migrates_once_and_again_is_harmless(make_url: Callable[[], str]) -> None:
    url = make_url()
    with open_database(url) as db:
        names = set(inspect(db.engine).get_table_names())
        assert names >= TABLES | {"alembic_version", "experiments", "experiment_games"}
        game_id = create(db)
    with open_database(url) as db:  # already at head: nothing changes, nothing is lost
        assert [g.id for g in db.list_games()] == [game_id]
        with db.engine.connect() as connection:
            assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == "0010"


def test_create_list_load_and_fail_a_game(make_url: Callable[[], str]) -> None:
    moment = datetime(2026, 5, 20, 12, 0, 0, 123456, tzinfo=UTC)
    with open_database(make_url(), clock=lambda: moment) as db:
        first = db.create_game("alpha", DEFINITION, "sma-crossover", {"fast": 20, "start": date(2024, 1, 2)}, "h1")
        second = db.create_game("beta", "", "buy-and-hold", {}, "h2", round_count=30)
        assert second > first
        rows = db.list_games()
        assert [(g.id, g.name, g.status, g.model, g.round_count, g.last_round) for g in rows] == [
            (first, "alpha", "running", "sma-crossover", None, None),
            (second, "beta", "running", "buy-and-hold", 30, None),
        ]
        assert rows[0].created_at == moment
        game = db.game(first)
        assert game.definition_text == DEFINITION
        assert game.model_params == {"fast": 20, "start": "2024-01-02"}
        assert db.last_committed_round(first) is None
        db.mark_failed(first, "ModelError: failed at round 3")
        failed = db.game(first)
        assert (failed.status, failed.error) == ("failed", "ModelError: failed at round 3")
        stored = db.load_game(second)
        assert stored.game.name == "beta"
        assert (stored.rounds, stored.events, stored.entries) == ([], [], [])


def test_a_missing_game_is_named(make_url: Callable[[], str]) -> None:
    with open_database(make_url()) as db:
        for call in (db.game, db.load_game, db.last_committed_round):
            with pytest.raises(GameNotFoundError, match="no game 999"):
                call(999)
        with pytest.raises(GameNotFoundError, match="no game 999"):
            db.mark_failed(999, "x")


def test_bad_input_writes_nothing(make_url: Callable[[], str]) -> None:
    with open_database(make_url()) as db:
        with pytest.raises(InvalidInputError, match=r"model_params\.when: a object cannot be stored"):
            db.create_game("g", DEFINITION, "m", {"when": object()}, "h")
        with pytest.raises(InvalidInputError, match="name: must be a non-empty string"):
            db.create_game(" ", DEFINITION, "m", {}, "h")
        assert db.list_games() == []


def test_a_finished_game_cannot_be_marked_failed(make_url: Callable[[], str]) -> None:
    with open_database(make_url()) as db:
        game_id, _ = play_recorded(db)
        with pytest.raises(StoreError, match="is finished"):
            db.mark_failed(game_id, "late")
        assert db.game(game_id).status == "finished"


def test_amounts_round_trip_exactly(make_url: Callable[[], str]) -> None:
    ts = datetime(2024, 1, 2, 14, 30, 0, 654321, tzinfo=UTC)
    with open_database(make_url()) as db:
        game_id = create(db)
        with db.write() as connection:
            connection.execute(
                insert(schema.journal_entries),
                [{"game_id": game_id, "seq": 1, "round": 0, "op_id": "op-1", "ts": ts, "kind": "k", "narration": ""}],
            )
            connection.execute(
                insert(schema.postings),
                [
                    {
                        "game_id": game_id,
                        "entry_seq": 1,
                        "leg": leg,
                        "account": "Assets:main:BTC",
                        "commodity": "BTC",
                        "units": amount,
                        "value": amount.copy_negate(),
                        "value_currency": "USD",
                    }
                    for leg, amount in enumerate(EXACT)
                ],
            )
        stored = db.load_game(game_id)
        assert [p.units for p in stored.postings] == EXACT
        assert [str(p.units) for p in stored.postings] == [str(a) for a in EXACT]
        assert [str(p.value) for p in stored.postings] == [str(a.copy_negate()) for a in EXACT]
        assert stored.entries[0].ts == ts
        assert stored.entries[0].ts.tzinfo is not None


def test_floats_and_naive_times_are_refused(make_url: Callable[[], str]) -> None:
    with open_database(make_url()) as db:
        game_id = create(db)
        row = {"game_id": game_id, "seq": 1, "round": 0, "op_id": "op-1", "kind": "k", "narration": ""}
        with pytest.raises(InvalidInputError, match="timezone-aware"), db.write() as connection:
            connection.execute(insert(schema.journal_entries), [{**row, "ts": datetime(2024, 1, 2)}])  # noqa: DTZ001
        with pytest.raises(InvalidInputError, match="exact, finite Decimal"), db.write() as connection:
            connection.execute(schema.games.update().where(schema.games.c.id == game_id).values(score=0.1))
        with db.read() as connection:
            assert connection.execute(select(schema.journal_entries)).all() == []


def test_a_recorded_score_keeps_its_digits(make_url: Callable[[], str]) -> None:
    with open_database(make_url()) as db:
        game_id, result = play_recorded(db)
        game = db.game(game_id)
        score = result.score
        stored = (game.start_capital, game.final_value, game.gross_profit, game.fees, game.running_costs)
        assert stored == (score.start_capital, score.final_value, score.gross_profit, score.fees, score.running_costs)
        assert (str(game.taxes), str(game.score)) == (str(score.taxes), str(score.score))


def test_an_unreachable_server_names_the_host_and_hides_the_password() -> None:
    with pytest.raises(DatabaseError) as caught:
        open_database("postgresql+psycopg://alice:s3cr3t-pw@127.0.0.1:1/games")
    message = str(caught.value)
    assert "127.0.0.1" in message
    assert "port 1" in message
    assert "s3cr3t-pw" not in message
    assert "alice:***@" in message


def test_unusable_urls_get_one_clear_message(tmp_path: Path) -> None:
    with pytest.raises(DatabaseError, match="unsupported backend 'mysql'"):
        open_database("mysql://root:pw@localhost/games")
    if importlib.util.find_spec("psycopg2") is None:
        with pytest.raises(DatabaseError, match=r"driver is not installed.*psycopg 3"):
            open_database("postgresql+psycopg2://u:pw@127.0.0.1:1/games")
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(DatabaseError, match="cannot create the folder"):
        open_database(f"sqlite:///{blocker / 'games.sqlite'}")


def test_export_writes_every_table_exactly(make_url: Callable[[], str], tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    with open_database(make_url()) as db:
        game_id, result = play_recorded(db)
        stored = db.load_game(game_id)
        csv_files = db.export(game_id, tmp_path / "csv")
        parquet_files = db.export(game_id, tmp_path / "parquet", format="parquet")
        with pytest.raises(InvalidInputError, match="format: must be csv or parquet"):
            db.export(game_id, tmp_path / "x", format="xlsx")  # type: ignore[arg-type]
    assert {p.stem for p in csv_files} == {p.stem for p in parquet_files} == TABLES
    with (tmp_path / "csv" / "postings.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["units"] for row in rows] == [str(p.units) for p in stored.postings]
    with (tmp_path / "csv" / "events.csv").open(newline="") as handle:
        events = list(csv.DictReader(handle))
    assert [json.loads(e["op_ids"]) for e in events] == [list(e.op_ids) for e in result.events]
    table = pq.read_table(tmp_path / "parquet" / "postings.parquet")
    assert table.column("units").to_pylist() == [p.units for p in stored.postings]
    games = pq.read_table(tmp_path / "parquet" / "games.parquet").to_pylist()
    assert games[0]["score"] == result.score.score
    assert json.loads(games[0]["model_params"]) == {"fast": 5, "limit": "1.50"}
    assert pq.read_table(tmp_path / "parquet" / "open_lots.parquet").column_names[:3] == ["line", "account", "symbol"]
    frames = stored.frames()
    assert set(frames) == TABLES
    assert list(frames["postings"]["units"]) == [p.units for p in stored.postings]
