"""Each Game records where its Model came from: kind, reference, source file and its SHA-256.

Revision ID: 0003
Revises: 0002
Create Date: 2026-06-08
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = ("model_kind", "model_ref", "model_path", "model_sha256")


def upgrade() -> None:
    # Nullable: a Game stored before has none of them and played a built-in Model, named by `model`.
    for name in _COLUMNS:
        op.add_column("games", sa.Column(name, sa.Text, nullable=True))


def downgrade() -> None:
    # One column at a time: SQLite (3.35+) drops a column in place, without copying the table.
    for name in reversed(_COLUMNS):
        op.drop_column("games", name)
