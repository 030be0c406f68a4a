"""An experiment row keeps its Game's decay curve (``decay``, JSON): for a trainable Model, the
mean out-of-sample return of its versions by month since training (engine/training_records.py,
``decay_points``), so the experiment report can average it over the Games. NULL for a Game whose
Model does not train, and in rows stored before this revision.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("experiment_games") as table:
        table.add_column(sa.Column("decay", _JSON))


def downgrade() -> None:
    with op.batch_alter_table("experiment_games") as table:
        table.drop_column("decay")
