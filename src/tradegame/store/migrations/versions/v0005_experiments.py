"""Experiments: ``experiments`` (one row per experiment) and ``experiment_games`` (one row per
finished Game of one, keyed by experiment and Game id so that no Game is counted twice).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from tradegame.store.coltypes import ExactDecimal, UtcDateTime

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
_MONEY = ("start_capital", "final_value", "gross_profit", "fees", "running_costs", "taxes", "score")
_METRICS = ("total_return", "cagr", "max_drawdown", "sharpe")


def upgrade() -> None:
    op.create_table(
        "experiments",
        sa.Column("id", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("definition", _JSON, nullable=False),
        sa.Column("folder", sa.Text),
        sa.Column("game_count", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_experiments"),
    )
    op.create_table(
        "experiment_games",
        sa.Column("experiment_id", sa.Text, nullable=False),
        sa.Column("game_key", sa.Text, nullable=False),
        sa.Column("coordinates", _JSON, nullable=False),
        sa.Column("seed", sa.Integer, nullable=False),
        sa.Column("outcome", sa.Text, nullable=False),
        sa.Column("outcome_round", sa.Integer),
        sa.Column("rounds", sa.Integer),
        sa.Column("trades", sa.Integer),
        *(sa.Column(name, ExactDecimal) for name in _MONEY),
        *(sa.Column(name, sa.Double) for name in _METRICS),
        sa.Column("error", sa.Text),
        sa.Column("finished_at", UtcDateTime, nullable=False),
        sa.ForeignKeyConstraint(
            ["experiment_id"],
            ["experiments.id"],
            name="fk_experiment_games_experiment_id_experiments",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("experiment_id", "game_key", name="pk_experiment_games"),
    )


def downgrade() -> None:
    op.drop_table("experiment_games")
    op.drop_table("experiments")
