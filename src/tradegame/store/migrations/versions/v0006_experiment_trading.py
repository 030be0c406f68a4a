"""Experiment rows say how much each Game traded: ``traded_value`` (the money every fill moved,
in the Game's start currency), ``turnover`` (that over the start capital) and ``capped_fills``
(fills the volume cap cut). Rows stored before this revision keep NULL in all three.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from tradegame.store.coltypes import ExactDecimal

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("experiment_games") as table:
        table.add_column(sa.Column("traded_value", ExactDecimal))
        table.add_column(sa.Column("turnover", sa.Double))
        table.add_column(sa.Column("capped_fills", sa.Integer))


def downgrade() -> None:
    with op.batch_alter_table("experiment_games") as table:
        table.drop_column("capped_fills")
        table.drop_column("turnover")
        table.drop_column("traded_value")
