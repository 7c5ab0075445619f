"""Which process holds a planned message, and when a message's request to Telegram began:
after a crash only what was on the wire is in doubt, the rest is sent again.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("planned_messages") as batch_op:
        batch_op.add_column(sa.Column("claimed_by", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("on_wire_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("broadcast_recipients") as batch_op:
        batch_op.add_column(sa.Column("on_wire_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("broadcast_recipients") as batch_op:
        batch_op.drop_column("on_wire_at")
    with op.batch_alter_table("planned_messages") as batch_op:
        batch_op.drop_column("on_wire_at")
        batch_op.drop_column("claimed_by")
