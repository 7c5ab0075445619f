"""Appointment files sent to the bot, between preview and import. Queries take a session
and never commit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import ImportStatus, PendingImport


async def keep(session: AsyncSession, staff_user_id: int, file_name: str, contents: str,
               encoding: str, now: datetime) -> int:
    pending = PendingImport(staff_user_id=staff_user_id, file_name=file_name[:200],
                            contents=contents, encoding=encoding, status=ImportStatus.READY,
                            created_at=now)
    session.add(pending)
    await session.flush()
    return pending.id


async def take(session: AsyncSession, import_id: int, staff_user_id: int,
               to: ImportStatus, not_before: datetime) -> PendingImport | None:
    """Move a previewed file on (to RUNNING or CANCELLED), once: None if it was taken
    already, is another staff member's, or was previewed before `not_before`."""
    row = await session.scalar(
        update(PendingImport)
        .where(PendingImport.id == import_id, PendingImport.staff_user_id == staff_user_id,
               PendingImport.status == ImportStatus.READY,
               PendingImport.created_at >= not_before)
        .values(status=to)
        .returning(PendingImport))
    return row


async def finish(session: AsyncSession, import_id: int, status: ImportStatus) -> None:
    """Done or cancelled: the file's contents go."""
    await session.execute(update(PendingImport).where(PendingImport.id == import_id)
                          .values(status=status, contents=""))


async def forget_before(session: AsyncSession, before: datetime) -> None:
    """Files previewed and never imported, and old records."""
    await session.execute(delete(PendingImport).where(PendingImport.created_at < before))
