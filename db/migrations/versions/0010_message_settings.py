"""Patients choose separately whether they get reminders and check-ins (/settings).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("patients") as batch_op:
        batch_op.add_column(sa.Column("reminders_off_at", sa.DateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column("checkins_off_at", sa.DateTime(timezone=True),
                                      nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("patients") as batch_op:
        batch_op.drop_column("checkins_off_at")
        batch_op.drop_column("reminders_off_at")
