"""Experiment results: one row per experiment, one row per Game of it, the rows of a batch of
finished Games written in one transaction (all of them or none).

The Game's id within its experiment is the column ``game_key`` (text: the hash of its
coordinates), not ``game_id``: every table with a ``game_id`` column holds rows of a stored Game
(``games.id``), which deleting and exporting a Game rely on.

``experiments`` keeps what an experiment was (its id, name, definition as JSON: the base Game
document and the axes, and the folder its Models are found from); ``experiment_games`` one row per
finished Game: its id within the experiment (the hash of its coordinates), the coordinates and
seed, how it ended, the Score's parts and the key metrics. The primary key (experiment, game)
makes a Game impossible to count twice; a rerun asks ``finished_games`` first and plays the rest.

``traded_value`` (exact money, the start currency), ``turnover`` and ``capped_fills`` say how much
the Game traded and how often the volume cap cut a fill (migration 0006; NULL in rows stored
before it). ``decay`` (migration 0009) is a trainable Model's decay curve: its versions' mean
out-of-sample return by month since training (``engine.training_records.decay_points``; NULL for
a Model that does not train). ``stored_game_id`` (migration 0007) names the stored Game (``games.id``) holding the
Game's full books, for a run with ``--keep-books``: a result carrying a ``KeptGame`` under
``"books"`` is written as ``tradegame play`` records a Game (its ``games`` row, finished, and every
ledger row) in the same transaction as its experiment row, so a row and its books are stored
together or not at all, and the primary key refuses both a second time. The tables live on the
store's ``schema.metadata`` (migrations 0005 to 0007 and 0009 build them). Imports SQLAlchemy and the
store's own modules only.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from sqlalchemy import Column, Connection, Double, ForeignKey, Integer, Table, Text, insert, select, update

from tradegame.store.coltypes import ExactDecimal, JsonValue, UtcDateTime
from tradegame.store.database import Database, new_game_values
from tradegame.store.errors import StoreError
from tradegame.store.recorder import KeptBooks, insert_books
from tradegame.store.schema import metadata

__all__ = [
    "MONEY_COLUMNS",
    "RESULT_COLUMNS",
    "ExperimentNotFoundError",
    "GameRow",
    "KeptGame",
    "experiment_games",
    "experiment_rows",
    "experiments",
    "finished_games",
    "load_experiment_record",
    "record_experiment_game",
    "record_experiment_games",
    "save_experiment",
    "unkept_games",
]

_JSON = JsonValue()

MONEY_COLUMNS: Final = (
    "start_capital", "final_value", "gross_profit", "fees", "running_costs", "taxes", "score", "traded_value",
)  # fmt: skip
METRIC_COLUMNS: Final = ("total_return", "cagr", "max_drawdown", "sharpe", "turnover")
RESULT_COLUMNS: Final = (
    "outcome", "outcome_round", "rounds", "trades", *MONEY_COLUMNS, *METRIC_COLUMNS, "capped_fills", "error",
    "decay",
)  # fmt: skip

experiments = Table(
    "experiments",
    metadata,
    Column("id", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("definition", _JSON, nullable=False),  # {"base": Game document, "axes": ..., "seed": ...}
    Column("folder", Text),  # where its Models named by file or module are looked for
    Column("game_count", Integer, nullable=False),
)

experiment_games = Table(
    "experiment_games",
    metadata,
    Column("experiment_id", Text, ForeignKey("experiments.id", ondelete="CASCADE"), primary_key=True),
    Column("game_key", Text, primary_key=True),  # the Game's id in the experiment (not a games.id)
    Column("coordinates", _JSON, nullable=False),
    Column("seed", Integer, nullable=False),
    Column("outcome", Text, nullable=False),  # completed, catastrophic, perfect, model_exit or error
    Column("outcome_round", Integer),
    Column("rounds", Integer),
    Column("trades", Integer),
    *(Column(name, ExactDecimal) for name in MONEY_COLUMNS),
    *(Column(name, Double) for name in METRIC_COLUMNS),
    Column("error", Text),
    Column("finished_at", UtcDateTime, nullable=False),
    Column("capped_fills", Integer),  # the columns of migrations 0006 and 0007 come last, where they add them
    Column("stored_game_id", Integer),  # the games.id of its books, if kept (no key: store.deletion unlinks)
    Column("decay", _JSON),  # a trainable Model's decay curve (training_records.decay_points); 0009
)


class ExperimentNotFoundError(StoreError):
    """No experiment of that id in the database."""


def save_experiment(
    db: Database, experiment_id: str, name: str, definition: Mapping[str, object], folder: str, game_count: int
) -> None:
    """Store the experiment's record unless it is there already (a rerun keeps the first)."""
    with db.write() as connection:
        found = connection.execute(select(experiments.c.id).where(experiments.c.id == experiment_id)).first()
        if found is None:
            connection.execute(
                insert(experiments).values(
                    id=experiment_id,
                    name=name,
                    created_at=db.now(),
                    definition=dict(definition),
                    folder=folder,
                    game_count=game_count,
                )
            )


def load_experiment_record(db: Database, experiment_id: str) -> dict[str, object]:
    """The stored record of an experiment (``id``, ``name``, ``definition``, ``folder``, ...)."""
    with db.read() as connection:
        row = connection.execute(select(experiments).where(experiments.c.id == experiment_id)).mappings().first()
        if row is None:
            known = connection.execute(select(experiments.c.id).order_by(experiments.c.created_at)).scalars().all()
    if row is None:
        hint = f"; stored: {', '.join(known[-5:])}" if known else "; none is stored"
        raise ExperimentNotFoundError(f"no experiment {experiment_id!r} in {db.where}{hint}")
    return dict(row)


def finished_games(db: Database, experiment_id: str) -> set[str]:
    """The ids of the experiment's Games that have a row (a rerun skips them)."""
    query = select(experiment_games.c.game_key).where(experiment_games.c.experiment_id == experiment_id)
    with db.read() as connection:
        return set(connection.execute(query).scalars())


def unkept_games(db: Database, experiment_id: str) -> set[str]:
    """The ids of the experiment's Games with a row but no stored books (played without
    ``--keep-books``); a Game that ended in an error has none to keep and is not one."""
    games = experiment_games.c
    query = select(games.game_key).where(
        games.experiment_id == experiment_id, games.stored_game_id.is_(None), games.outcome != "error"
    )
    with db.read() as connection:
        return set(connection.execute(query).scalars())


@dataclass(frozen=True)
class KeptGame:
    """A finished Game's full books with what its ``games`` row says of it (as ``app.play.record``
    stores a Game: its definition, Model and where it came from, data version)."""

    name: str
    definition_text: str
    model: str
    model_params: Mapping[str, object]
    data_hash: str
    round_count: int
    model_kind: str | None
    model_ref: str | None
    model_path: str | None
    model_sha256: str | None
    books: KeptBooks


GameRow = tuple[str, Mapping[str, object], int, Mapping[str, object]]  # (game id, coordinates, seed, result)


def record_experiment_game(
    db: Database, experiment_id: str, game_id: str, coordinates: Mapping[str, object], seed: int,
    result: Mapping[str, object],
) -> None:  # fmt: skip
    """One finished Game's row, in one transaction of its own."""
    record_experiment_games(db, experiment_id, [(game_id, coordinates, seed, result)])


def record_experiment_games(
    db: Database, experiment_id: str, games: Iterable[GameRow], relink: Collection[str] = ()
) -> int:
    """The rows of finished Games (each its id, coordinates, seed and result) in one transaction:
    all of them or, if one is refused (a Game with a row already), none. How many were written.

    A result with a ``KeptGame`` under ``"books"`` is stored with its books, its row naming them.
    A Game of ``relink`` has a row already, without books: its books are stored and its row
    names them (refused, and nothing written, if it has none or names books already)."""
    now = db.now()
    rows, kept = [], []
    for game_id, coordinates, seed, result in games:
        values = {name: result.get(name) for name in RESULT_COLUMNS}
        for name in MONEY_COLUMNS:
            if values[name] is not None:
                values[name] = Decimal(str(values[name]))
        books = result.get("books")
        if isinstance(books, KeptGame):
            kept.append((game_id, books))
        if game_id not in relink:
            rows.append(
                {"experiment_id": experiment_id, "game_key": game_id, "coordinates": dict(coordinates), "seed": seed,
                 "finished_at": now, **values}
            )  # fmt: skip
    if not rows and not kept:
        return 0
    with db.write() as connection:
        stored = {game_id: _insert_game(db, connection, game) for game_id, game in kept}
        insert_books(connection, [(stored[game_id], game.books) for game_id, game in kept])
        for row in rows:
            row["stored_game_id"] = stored.get(str(row["game_key"]))
        if rows:
            connection.execute(insert(experiment_games), rows)
        for game_id, stored_id in stored.items():
            if game_id in relink:
                _link(connection, experiment_id, game_id, stored_id)
    return len(rows)


def _insert_game(db: Database, connection: Connection, game: KeptGame) -> int:
    """``game``'s ``games`` row, finished, in the caller's transaction (its books follow)."""
    values = new_game_values(
        game.name, game.definition_text, game.model, game.model_params, game.data_hash, round_count=game.round_count,
        model_kind=game.model_kind, model_ref=game.model_ref, model_path=game.model_path,
        model_sha256=game.model_sha256,
    )  # fmt: skip
    finish = {**values, **game.books.finish, "finished_at": db.now()}
    return db.insert_game(connection, finish, owner=None, status="finished")


def _link(connection: Connection, experiment_id: str, game_id: str, stored_id: int) -> None:
    games = experiment_games.c
    linked = connection.execute(
        update(experiment_games)
        .where(games.experiment_id == experiment_id, games.game_key == game_id, games.stored_game_id.is_(None))
        .values(stored_game_id=stored_id)
    )
    if linked.rowcount != 1:
        raise StoreError(f"experiment {experiment_id} game {game_id}: no row without books to link its books to")


def experiment_rows(db: Database, experiment_id: str) -> list[dict[str, object]]:
    """Every stored Game row of the experiment, by Game id."""
    query = (
        select(experiment_games)
        .where(experiment_games.c.experiment_id == experiment_id)
        .order_by(experiment_games.c.game_key)
    )
    with db.read() as connection:
        return [dict(row) for row in connection.execute(query).mappings()]
