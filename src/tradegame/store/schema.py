"""The tables of the Game store, as SQLAlchemy Core metadata (the migrations build the same).

One row in ``games`` per Game; every other table hangs off it by ``game_id`` and is keyed by
the Game's own numbering (event ``seq``, journal ``seq``, ledger ``line``), so a Game's rows
read back in the order the Game made them. The per-Round tables (``rounds``, ``events``,
``journal_entries`` with their ``postings``, ``cost_ledger``, ``tax_ledger``, ``decisions``)
carry ``round``: the Round whose commit wrote the row. Rows written at the end of a Game (the
liquidation, the last tax) carry the last Round played. ``disposals`` and ``open_lots`` are
written once, at the end, because wash sales change disposals after the fact.
``member_values`` holds each Model's time-weighted record under an Activator, one row per session
(its ``round``, like the other per-Round tables, the Round whose commit wrote it), so that a stored
Game gives those Models' versions their monthly scores (engine/training_records.py).
``model_answers`` holds the replies a language-model Model got, by its request's content hash,
written as each reply arrives (``store.answers``).

Money and quantities are ``ExactDecimal``, instants ``UtcDateTime`` (see ``coltypes.py``). The
Game's value after a Round is a float (it is one in the engine); NaN is stored as NULL.

``tests/unit/store/test_migrations.py`` checks that the migrations give exactly this schema.
Imports SQLAlchemy and ``tradegame.store.coltypes`` only.
"""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    Double,
    ForeignKey,
    ForeignKeyConstraint,
    Integer,
    MetaData,
    Table,
    Text,
    text,
)

from tradegame.store.coltypes import ExactDecimal, JsonValue, UtcDateTime

__all__ = [
    "GAME_STATUSES",
    "MODEL_KINDS",
    "cost_ledger",
    "decisions",
    "disposals",
    "events",
    "games",
    "journal_entries",
    "member_values",
    "metadata",
    "model_answers",
    "open_lots",
    "postings",
    "rounds",
    "tax_ledger",
]

GAME_STATUSES = ("running", "finished", "failed")
MODEL_KINDS = ("builtin", "entry_point", "module", "file")

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

JSON_VALUE = JsonValue()


def _game_id() -> Column[int]:
    return Column("game_id", Integer, ForeignKey("games.id", ondelete="CASCADE"), primary_key=True)


games = Table(
    "games",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("round_count", Integer),  # Rounds scheduled; set by the first Round's commit
    Column("status", Text, nullable=False),
    Column("definition_text", Text, nullable=False),
    Column("model", Text, nullable=False),
    Column("model_params", JSON_VALUE, nullable=False),
    Column("data_hash", Text, nullable=False),
    # The engine rules the Game was played under (tradegame.engine.rules); 1 for Games stored
    # before the column existed, which the server default gives them.
    Column("engine_rules", Integer, nullable=False, server_default=text("1")),
    # Where the Model came from (NULL for Games stored before: a built-in Model, by its name):
    # model_kind is builtin, entry_point, module or file; model_ref the registered name,
    # `module:Class` or `/abs/path.py:Class`; model_path and model_sha256 its source file.
    Column("model_kind", Text),
    Column("model_ref", Text),
    Column("model_path", Text),
    Column("model_sha256", Text),
    Column("outcome", Text),
    Column("outcome_round", Integer),
    Column("outcome_reason", Text),
    Column("start_capital", ExactDecimal),
    Column("final_value", ExactDecimal),
    Column("gross_profit", ExactDecimal),
    Column("fees", ExactDecimal),
    Column("running_costs", ExactDecimal),
    Column("taxes", ExactDecimal),
    Column("score", ExactDecimal),
    Column("error", Text),
    Column("finished_at", UtcDateTime),
    # The lease of the process recording the Game (see lease.py): "host:pid:token" and its last
    # heartbeat; NULL when no process holds it.
    Column("owner", Text),
    Column("heartbeat_at", UtcDateTime),
    CheckConstraint("status IN ('running', 'finished', 'failed')", name="status"),
)

rounds = Table(
    "rounds",
    metadata,
    _game_id(),
    Column("round", Integer, primary_key=True),
    Column("ts", UtcDateTime, nullable=False),
    Column("value", Double),
)

events = Table(
    "events",
    metadata,
    _game_id(),
    Column("seq", Integer, primary_key=True),
    Column("round", Integer, nullable=False),
    Column("ts", UtcDateTime, nullable=False),
    Column("kind", Text, nullable=False),
    Column("move_id", Text),
    Column("account", Text),
    Column("symbol", Text),
    Column("detail", Text, nullable=False),
    Column("op_ids", JSON_VALUE, nullable=False),
)

journal_entries = Table(
    "journal_entries",
    metadata,
    _game_id(),
    Column("seq", Integer, primary_key=True),
    Column("round", Integer, nullable=False),
    Column("op_id", Text, nullable=False),
    Column("ts", UtcDateTime, nullable=False),
    Column("kind", Text, nullable=False),
    Column("narration", Text, nullable=False),
)

postings = Table(
    "postings",
    metadata,
    Column("game_id", Integer, primary_key=True),
    Column("entry_seq", Integer, primary_key=True),
    Column("leg", Integer, primary_key=True),
    Column("account", Text, nullable=False),
    Column("commodity", Text, nullable=False),
    Column("units", ExactDecimal, nullable=False),
    Column("value", ExactDecimal),
    Column("value_currency", Text),
    ForeignKeyConstraint(
        ["game_id", "entry_seq"],
        ["journal_entries.game_id", "journal_entries.seq"],
        name="fk_postings_entry_journal_entries",
        ondelete="CASCADE",
    ),
)

cost_ledger = Table(
    "cost_ledger",
    metadata,
    _game_id(),
    Column("line", Integer, primary_key=True),
    Column("round", Integer, nullable=False),
    Column("op_id", Text, nullable=False),
    Column("ts", UtcDateTime, nullable=False),
    Column("account", Text, nullable=False),
    Column("symbol", Text, nullable=False),
    Column("action", Text, nullable=False),
    Column("quantity", ExactDecimal, nullable=False),
    Column("notional", ExactDecimal, nullable=False),
    Column("notional_currency", Text, nullable=False),
    Column("fee", ExactDecimal, nullable=False),
    Column("fee_currency", Text, nullable=False),
)

tax_ledger = Table(
    "tax_ledger",
    metadata,
    _game_id(),
    Column("line", Integer, primary_key=True),
    Column("round", Integer, nullable=False),
    Column("op_id", Text, nullable=False),
    Column("ts", UtcDateTime, nullable=False),
    Column("kind", Text, nullable=False),
    Column("year", Integer, nullable=False),
    Column("amount", ExactDecimal, nullable=False),
    Column("currency", Text, nullable=False),
    Column("account", Text),
    Column("symbol", Text),
    Column("term", Text),
    Column("lot_id", Text),
    Column("linked_op_id", Text),
    Column("detail", Text),  # canonical JSON: the disposal or the year's netting, amounts as strings
)

decisions = Table(
    "decisions",
    metadata,
    _game_id(),
    Column("line", Integer, primary_key=True),
    Column("round", Integer, nullable=False),
    Column("op_id", Text, nullable=False),
    Column("ts", UtcDateTime, nullable=False),
    Column("action", Text, nullable=False),
    Column("account", Text),
    Column("subject", Text),
    Column("reason", Text, nullable=False),
    Column("game", Text),
)

disposals = Table(
    "disposals",
    metadata,
    _game_id(),
    Column("line", Integer, primary_key=True),
    Column("account", Text, nullable=False),
    Column("symbol", Text, nullable=False),
    Column("lot_id", Text, nullable=False),
    Column("quantity", ExactDecimal, nullable=False),
    Column("date_acquired", Date, nullable=False),
    Column("date_acquired_actual", Date, nullable=False),
    Column("date_sold", Date, nullable=False),
    Column("proceeds", ExactDecimal, nullable=False),
    Column("cost_basis", ExactDecimal, nullable=False),
    Column("adjustment_code", Text, nullable=False),
    Column("adjustment_amount", ExactDecimal, nullable=False),
    Column("asset_class", Text, nullable=False),
    Column("sale_id", Text, nullable=False),
    Column("game", Text),
    Column("lot_game", Text),
)

open_lots = Table(
    "open_lots",
    metadata,
    _game_id(),
    Column("line", Integer, primary_key=True),
    Column("account", Text, nullable=False),
    Column("symbol", Text, nullable=False),
    Column("lot_id", Text, nullable=False),
    Column("quantity", ExactDecimal, nullable=False),
    Column("cost_basis", ExactDecimal, nullable=False),
    Column("date_acquired", Date, nullable=False),
    Column("date_acquired_actual", Date, nullable=False),
    Column("asset_class", Text, nullable=False),
    Column("game", Text),
)

member_values = Table(
    "member_values",
    metadata,
    _game_id(),
    Column("alias", Text, primary_key=True),  # the Model's name under the Activator
    Column("session", Integer, primary_key=True),  # 0: the Model's first session (value 1.0)
    Column("round", Integer, nullable=False),
    Column("value", Double),  # NaN is stored as NULL
)

model_answers = Table(
    "model_answers",
    metadata,
    _game_id(),
    Column("key", Text, primary_key=True, index=True),  # the request's content hash
    Column("text", Text, nullable=False),
    Column("tokens_in", Integer, nullable=False),
    Column("tokens_out", Integer, nullable=False),
    Column("call_id", Text, nullable=False),
)
