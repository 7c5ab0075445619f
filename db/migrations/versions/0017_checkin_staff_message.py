"""The staff chat's message for a worrying check-in (issue 27), so the alert is edited when
the patient then says better, the same or worse, instead of saying "not said yet" for
good.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("checkin_answers") as batch:
        batch.add_column(sa.Column("staff_chat_id", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("staff_message_id", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("checkin_answers") as batch:
        batch.drop_column("staff_message_id")
        batch.drop_column("staff_chat_id")
