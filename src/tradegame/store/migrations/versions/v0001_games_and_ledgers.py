"""Games, Rounds, the decision log, the journal and every ledger.

Revision ID: 0001
Revises:
Create Date: 2026-05-20
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from tradegame.store.coltypes import ExactDecimal, UtcDateTime

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _game_id(table: str) -> sa.Column[int]:
    return sa.Column(
        "game_id",
        sa.Integer,
        sa.ForeignKey("games.id", name=f"fk_{table}_game_id_games", ondelete="CASCADE"),
        primary_key=True,
    )


def upgrade() -> None:
    _create_games()
    _create_rounds()
    _create_events()
    _create_journal_entries()
    _create_postings()
    _create_cost_ledger()
    _create_tax_ledger()
    _create_decisions()
    _create_disposals()
    _create_open_lots()


def _create_games() -> None:
    """The Games: definition, status, outcome and the Score's parts."""
    op.create_table(
        "games",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("round_count", sa.Integer),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("definition_text", sa.Text, nullable=False),
        sa.Column("model", sa.Text, nullable=False),
        sa.Column("model_params", _JSON, nullable=False),
        sa.Column("data_hash", sa.Text, nullable=False),
        sa.Column("outcome", sa.Text),
        sa.Column("outcome_round", sa.Integer),
        sa.Column("outcome_reason", sa.Text),
        sa.Column("start_capital", ExactDecimal),
        sa.Column("final_value", ExactDecimal),
        sa.Column("gross_profit", ExactDecimal),
        sa.Column("fees", ExactDecimal),
        sa.Column("running_costs", ExactDecimal),
        sa.Column("taxes", ExactDecimal),
        sa.Column("score", ExactDecimal),
        sa.Column("error", sa.Text),
        sa.Column("finished_at", UtcDateTime),
        sa.CheckConstraint("status IN ('running', 'finished', 'failed')", name="ck_games_status"),
        sa.PrimaryKeyConstraint("id", name="pk_games"),
    )


def _create_rounds() -> None:
    """Each Round's time and value."""
    op.create_table(
        "rounds",
        _game_id("rounds"),
        sa.Column("round", sa.Integer, primary_key=True),
        sa.Column("ts", UtcDateTime, nullable=False),
        sa.Column("value", sa.Double),
        sa.PrimaryKeyConstraint("game_id", "round", name="pk_rounds"),
    )


def _create_events() -> None:
    """The decision log's events."""
    op.create_table(
        "events",
        _game_id("events"),
        sa.Column("seq", sa.Integer, primary_key=True),
        sa.Column("round", sa.Integer, nullable=False),
        sa.Column("ts", UtcDateTime, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("move_id", sa.Text),
        sa.Column("account", sa.Text),
        sa.Column("symbol", sa.Text),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("op_ids", _JSON, nullable=False),
        sa.PrimaryKeyConstraint("game_id", "seq", name="pk_events"),
    )


def _create_journal_entries() -> None:
    """The journal's entries."""
    op.create_table(
        "journal_entries",
        _game_id("journal_entries"),
        sa.Column("seq", sa.Integer, primary_key=True),
        sa.Column("round", sa.Integer, nullable=False),
        sa.Column("op_id", sa.Text, nullable=False),
        sa.Column("ts", UtcDateTime, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("narration", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("game_id", "seq", name="pk_journal_entries"),
    )


def _create_postings() -> None:
    """The legs of the journal's entries."""
    op.create_table(
        "postings",
        sa.Column("game_id", sa.Integer, primary_key=True),
        sa.Column("entry_seq", sa.Integer, primary_key=True),
        sa.Column("leg", sa.Integer, primary_key=True),
        sa.Column("account", sa.Text, nullable=False),
        sa.Column("commodity", sa.Text, nullable=False),
        sa.Column("units", ExactDecimal, nullable=False),
        sa.Column("value", ExactDecimal),
        sa.Column("value_currency", sa.Text),
        sa.ForeignKeyConstraint(
            ["game_id", "entry_seq"],
            ["journal_entries.game_id", "journal_entries.seq"],
            name="fk_postings_entry_journal_entries",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("game_id", "entry_seq", "leg", name="pk_postings"),
    )


def _create_cost_ledger() -> None:
    """The cost ledger: each trade's notional and fee."""
    op.create_table(
        "cost_ledger",
        _game_id("cost_ledger"),
        sa.Column("line", sa.Integer, primary_key=True),
        sa.Column("round", sa.Integer, nullable=False),
        sa.Column("op_id", sa.Text, nullable=False),
        sa.Column("ts", UtcDateTime, nullable=False),
        sa.Column("account", sa.Text, nullable=False),
        sa.Column("symbol", sa.Text, nullable=False),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("quantity", ExactDecimal, nullable=False),
        sa.Column("notional", ExactDecimal, nullable=False),
        sa.Column("notional_currency", sa.Text, nullable=False),
        sa.Column("fee", ExactDecimal, nullable=False),
        sa.Column("fee_currency", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("game_id", "line", name="pk_cost_ledger"),
    )


def _create_tax_ledger() -> None:
    """The tax ledger: disposals, adjustments and each year's tax."""
    op.create_table(
        "tax_ledger",
        _game_id("tax_ledger"),
        sa.Column("line", sa.Integer, primary_key=True),
        sa.Column("round", sa.Integer, nullable=False),
        sa.Column("op_id", sa.Text, nullable=False),
        sa.Column("ts", UtcDateTime, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("amount", ExactDecimal, nullable=False),
        sa.Column("currency", sa.Text, nullable=False),
        sa.Column("account", sa.Text),
        sa.Column("symbol", sa.Text),
        sa.Column("term", sa.Text),
        sa.Column("lot_id", sa.Text),
        sa.Column("linked_op_id", sa.Text),
        sa.Column("detail", sa.Text),
        sa.PrimaryKeyConstraint("game_id", "line", name="pk_tax_ledger"),
    )


def _create_decisions() -> None:
    """The books' decision lines."""
    op.create_table(
        "decisions",
        _game_id("decisions"),
        sa.Column("line", sa.Integer, primary_key=True),
        sa.Column("round", sa.Integer, nullable=False),
        sa.Column("op_id", sa.Text, nullable=False),
        sa.Column("ts", UtcDateTime, nullable=False),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("account", sa.Text),
        sa.Column("subject", sa.Text),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("game", sa.Text),
        sa.PrimaryKeyConstraint("game_id", "line", name="pk_decisions"),
    )


def _create_disposals() -> None:
    """The Game's disposals (Form 8949 lines)."""
    op.create_table(
        "disposals",
        _game_id("disposals"),
        sa.Column("line", sa.Integer, primary_key=True),
        sa.Column("account", sa.Text, nullable=False),
        sa.Column("symbol", sa.Text, nullable=False),
        sa.Column("lot_id", sa.Text, nullable=False),
        sa.Column("quantity", ExactDecimal, nullable=False),
        sa.Column("date_acquired", sa.Date, nullable=False),
        sa.Column("date_acquired_actual", sa.Date, nullable=False),
        sa.Column("date_sold", sa.Date, nullable=False),
        sa.Column("proceeds", ExactDecimal, nullable=False),
        sa.Column("cost_basis", ExactDecimal, nullable=False),
        sa.Column("adjustment_code", sa.Text, nullable=False),
        sa.Column("adjustment_amount", ExactDecimal, nullable=False),
        sa.Column("asset_class", sa.Text, nullable=False),
        sa.Column("sale_id", sa.Text, nullable=False),
        sa.Column("game", sa.Text),
        sa.Column("lot_game", sa.Text),
        sa.PrimaryKeyConstraint("game_id", "line", name="pk_disposals"),
    )


def _create_open_lots() -> None:
    """The lots open at the end of the Game."""
    op.create_table(
        "open_lots",
        _game_id("open_lots"),
        sa.Column("line", sa.Integer, primary_key=True),
        sa.Column("account", sa.Text, nullable=False),
        sa.Column("symbol", sa.Text, nullable=False),
        sa.Column("lot_id", sa.Text, nullable=False),
        sa.Column("quantity", ExactDecimal, nullable=False),
        sa.Column("cost_basis", ExactDecimal, nullable=False),
        sa.Column("date_acquired", sa.Date, nullable=False),
        sa.Column("date_acquired_actual", sa.Date, nullable=False),
        sa.Column("asset_class", sa.Text, nullable=False),
        sa.Column("game", sa.Text),
        sa.PrimaryKeyConstraint("game_id", "line", name="pk_open_lots"),
    )


def downgrade() -> None:
    for table in (
        "open_lots",
        "disposals",
        "decisions",
        "tax_ledger",
        "cost_ledger",
        "postings",
        "journal_entries",
        "events",
        "rounds",
        "games",
    ):
        op.drop_table(table)
