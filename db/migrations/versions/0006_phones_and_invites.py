"""Patient records not yet linked to Telegram (from an import or an invite), their phone
numbers, single-use invite links, and what each patient was last told about a booking.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("patients") as batch_op:
        batch_op.alter_column("telegram_user_id", existing_type=sa.BigInteger(), nullable=True)
        batch_op.alter_column("chat_id", existing_type=sa.BigInteger(), nullable=True)
        batch_op.add_column(sa.Column("phone", sa.String(length=16), nullable=True))
        batch_op.create_index("ix_patients_phone", ["phone"], unique=True)
    op.create_table(
        "invites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["patient_id"], ["patients.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index("ix_invites_patient_id", "invites", ["patient_id"])
    with op.batch_alter_table("appointments") as batch_op:
        batch_op.add_column(sa.Column("notified_status", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("notified_starts_at", sa.DateTime(timezone=True),
                                      nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("appointments") as batch_op:
        batch_op.drop_column("notified_starts_at")
        batch_op.drop_column("notified_status")
    op.drop_index("ix_invites_patient_id", table_name="invites")
    op.drop_table("invites")
    op.execute("DELETE FROM patients WHERE telegram_user_id IS NULL")
    with op.batch_alter_table("patients") as batch_op:
        batch_op.drop_index("ix_patients_phone")
        batch_op.drop_column("phone")
        batch_op.alter_column("chat_id", existing_type=sa.BigInteger(), nullable=False)
        batch_op.alter_column("telegram_user_id", existing_type=sa.BigInteger(),
                              nullable=False)
