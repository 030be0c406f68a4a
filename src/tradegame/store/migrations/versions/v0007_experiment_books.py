"""An experiment row names the stored Game that holds its full books (``stored_game_id``, a
``games.id``), for a run with ``--keep-books``; NULL without them and in rows stored before this
revision. No foreign key: the row does not hang off the Game (deleting the stored Game keeps
the experiment's row); ``store.deletion`` sets the link back to NULL when it deletes the Game.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("experiment_games") as table:
        table.add_column(sa.Column("stored_game_id", sa.Integer))


def downgrade() -> None:
    with op.batch_alter_table("experiment_games") as table:
        table.drop_column("stored_game_id")
