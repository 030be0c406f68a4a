"""Each Game records the engine rules it was played under; Games stored before get rules 1.

Revision ID: 0002
Revises: 0001
Create Date: 2026-06-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The server default fills the Games already stored: they were all played under rules 1.
    # It stays: dropping it would make SQLite copy the games table, and dropping the old table
    # with foreign keys on deletes every row that refers to it. The store always writes the column.
    op.add_column("games", sa.Column("engine_rules", sa.Integer, nullable=False, server_default=sa.text("1")))


def downgrade() -> None:
    op.drop_column("games", "engine_rules")
