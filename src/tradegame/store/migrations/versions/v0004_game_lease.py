"""A Game's lease: the process recording it (``owner``) and its last heartbeat (``heartbeat_at``).

Games stored before get neither: a ``running`` one among them is shown ``interrupted``.

Revision ID: 0004
Revises: 0003
Create Date: 2026-06-10
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from tradegame.store.coltypes import UtcDateTime

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("games", sa.Column("owner", sa.Text))
    op.add_column("games", sa.Column("heartbeat_at", UtcDateTime))


def downgrade() -> None:
    op.drop_column("games", "heartbeat_at")
    op.drop_column("games", "owner")
