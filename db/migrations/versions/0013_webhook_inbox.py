"""Webhook updates are kept until handled: Telegram is answered as soon as an update is
stored, and one a process took but never finished (it died) is handled by another.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("received_updates") as batch_op:
        batch_op.add_column(sa.Column("chat_id", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("taken_by", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("payload", sa.Text(), nullable=True))
        batch_op.create_index("ix_received_updates_waiting", ["handled_at", "chat_id"])


def downgrade() -> None:
    with op.batch_alter_table("received_updates") as batch_op:
        batch_op.drop_index("ix_received_updates_waiting")
        batch_op.drop_column("payload")
        batch_op.drop_column("taken_by")
        batch_op.drop_column("chat_id")
