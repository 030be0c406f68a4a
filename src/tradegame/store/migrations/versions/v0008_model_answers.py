"""A Model's stored answers (``model_answers``): the replies a language-model Model got, by the
content hash of its request, kept with the Game that asked, so that a ``resume``, a ``replay`` or
a Game played again calls nobody and gets the same answers.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "model_answers",
        sa.Column(
            "game_id",
            sa.Integer,
            sa.ForeignKey("games.id", name="fk_model_answers_game_id_games", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("tokens_in", sa.Integer, nullable=False),
        sa.Column("tokens_out", sa.Integer, nullable=False),
        sa.Column("call_id", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("game_id", "key", name="pk_model_answers"),
    )
    op.create_index("ix_model_answers_key", "model_answers", ["key"])


def downgrade() -> None:
    op.drop_index("ix_model_answers_key", table_name="model_answers")
    op.drop_table("model_answers")
