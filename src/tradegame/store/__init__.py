"""Persistence of Games: their Rounds, decision logs, journals and ledgers, in SQLite or PostgreSQL.

A Game is created, then recorded Round by Round, each Round in one transaction (or, with
``GameRecorder(..., commit_every=COMMIT_EVERY)`` as ``tradegame play`` does, the whole Rounds of
each 0.25 s of play in one)::

    db = open_database()                          # $TRADEGAME_DB or ~/.local/share/tradegame/games.sqlite
    game_id = db.create_game("sma", definition_text, "sma-crossover", {"fast": 20}, data_hash)
    result = Game(spec, universe, model).run(observer=GameRecorder(db, game_id))
    db.list_games(); db.load_game(game_id); db.export(game_id, "out", format="parquet")
    delete_game(db, game_id)                      # the Game and every row of it, in one transaction

After a crash, the same Game is played again from the start with ``ResumingRecorder(db,
game_id)``: it checks the stored Rounds and records the rest (see ``recorder.py``).

Each Game records the engine rules it is played under (``tradegame.engine.rules.ENGINE_RULES``;
1 for Games stored before the store recorded them). A Game of other rules than the running
engine's is never replayed or resumed: ``GameRow.other_rules`` says so, and the recorders raise
``OtherRulesError``.

The process recording a Game holds its lease (``store.lease``): a Game whose process died is
shown ``interrupted``, and a Game whose process still runs cannot be resumed (``GameBusyError``).

Built on SQLAlchemy 2 (Core) and Alembic; the migrations ship inside this package. The engine
never imports this package; the CLI and the application layer do.
"""

from tradegame.store import experiments as experiments  # its tables join schema.metadata
from tradegame.store.database import Database, alembic_config, default_url, open_database, redact, resolve_url
from tradegame.store.deletion import delete_game
from tradegame.store.errors import (
    DatabaseError,
    GameBusyError,
    GameNotFoundError,
    GameRunningError,
    LeaseLostError,
    OtherRulesError,
    ResumeMismatchError,
    StoreError,
)
from tradegame.store.recorder import COMMIT_EVERY, GameRecorder, ResumingRecorder
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

__all__ = [
    "COMMIT_EVERY",
    "CostRow",
    "Database",
    "DatabaseError",
    "DecisionRow",
    "DisposalRow",
    "EntryRow",
    "EventRow",
    "GameBusyError",
    "GameNotFoundError",
    "GameRecorder",
    "GameRow",
    "GameRunningError",
    "GameSummaryRow",
    "LeaseLostError",
    "OpenLotRow",
    "OtherRulesError",
    "PostingRow",
    "ResumeMismatchError",
    "ResumingRecorder",
    "RoundRow",
    "StoreError",
    "StoredGame",
    "TaxRow",
    "alembic_config",
    "default_url",
    "delete_game",
    "open_database",
    "redact",
    "resolve_url",
]
