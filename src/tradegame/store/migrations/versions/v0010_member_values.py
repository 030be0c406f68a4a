"""Each Model's time-weighted record under an Activator (``member_values``): one row per Model and
session, with the Round whose commit wrote it, so that ``games show --json`` gives a stored Game's
member versions their monthly out-of-sample scores as the Game just played does. Games stored
before this revision have no rows (their member versions show no months).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "member_values",
        sa.Column(
            "game_id",
            sa.Integer,
            sa.ForeignKey("games.id", name="fk_member_values_game_id_games", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("alias", sa.Text, primary_key=True),
        sa.Column("session", sa.Integer, primary_key=True),
        sa.Column("round", sa.Integer, nullable=False),
        sa.Column("value", sa.Double),
        sa.PrimaryKeyConstraint("game_id", "alias", "session", name="pk_member_values"),
    )


def downgrade() -> None:
    op.drop_table("member_values")
