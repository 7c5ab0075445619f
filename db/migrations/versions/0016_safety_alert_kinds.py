"""Safety alerts of every kind the reader decides (issue 26): besides emergency and
same-day, "possible emergency, asked with one tap" and "please look"; whether the alert
is about thoughts of suicide or self-harm, and the patient's answer to "is this happening
now?".

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("safety_alerts") as batch:
        batch.add_column(sa.Column("crisis", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
        batch.add_column(sa.Column("happening_now", sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("safety_alerts") as batch:
        batch.drop_column("happening_now")
        batch.drop_column("crisis")
