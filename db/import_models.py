"""The tables of appointment files staff send to the bot, between the preview and the
Import tap (handlers/staff/importing.py, db/imports.py); `db.models` names them with every
other table."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base


class ImportStatus(StrEnum):
    READY = "ready"  # previewed; waiting for Import or Cancel
    RUNNING = "running"
    DONE = "done"
    CANCELLED = "cancelled"


class PendingImport(Base):
    """An appointment file a staff member sent, between its preview and the Import tap; its
    contents (patients' names and phones) are in `PendingImportPart`, deleted once it is
    done or cancelled."""

    __tablename__ = "pending_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_user_id: Mapped[int] = mapped_column(BigInteger)
    file_name: Mapped[str] = mapped_column(String(200))
    encoding: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]


class PendingImportPart(Base):
    """A pending import's file, as sent, a megabyte a part: stored and read back a part at a
    time, so a 20 MB export is never held whole."""

    __tablename__ = "pending_import_parts"

    import_id: Mapped[int] = mapped_column(
        ForeignKey("pending_imports.id", ondelete="CASCADE"), primary_key=True)
    number: Mapped[int] = mapped_column(primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
