"""Patients' answers to the soreness check-in, and the key that makes a CSV import
idempotent.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "checkin_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("planned_message_id", sa.Integer(), nullable=False),
        sa.Column("appointment_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("trend", sa.String(length=16), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["appointment_id"], ["appointments.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["planned_message_id"], ["planned_messages.id"],
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("planned_message_id"),
    )
    op.create_index("ix_checkin_answers_appointment_id", "checkin_answers",
                    ["appointment_id"])
    with op.batch_alter_table("appointments") as batch_op:
        batch_op.add_column(sa.Column("import_key", sa.String(length=200), nullable=True))
        batch_op.create_index("ix_appointments_import_key", ["import_key"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("appointments") as batch_op:
        batch_op.drop_index("ix_appointments_import_key")
        batch_op.drop_column("import_key")
    op.drop_index("ix_checkin_answers_appointment_id", table_name="checkin_answers")
    op.drop_table("checkin_answers")
