"""A pending import's file kept in parts of a megabyte instead of one text column (issue
27): a 20 MB export is stored and read back a part at a time, never held whole in the
bot's memory. Previews waiting at the upgrade are dropped (a tap on one says it is gone;
they are valid for an hour).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("DELETE FROM pending_imports")
    with op.batch_alter_table("pending_imports") as batch:
        batch.drop_column("contents")
    op.create_table(
        "pending_import_parts",
        sa.Column("import_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["import_id"], ["pending_imports.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("import_id", "number"),
    )


def downgrade() -> None:
    op.drop_table("pending_import_parts")
    op.execute("DELETE FROM pending_imports")
    with op.batch_alter_table("pending_imports") as batch:
        batch.add_column(sa.Column("contents", sa.Text(), nullable=False, server_default=""))
