"""What the patient answered to a reminder: confirmed, asked to reschedule, cancelled.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = ("confirmed_at", "reschedule_requested_at", "cancelled_at")


def upgrade() -> None:
    with op.batch_alter_table("appointments") as batch_op:
        for name in _COLUMNS:
            batch_op.add_column(sa.Column(name, sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("appointments") as batch_op:
        for name in _COLUMNS:
            batch_op.drop_column(name)
