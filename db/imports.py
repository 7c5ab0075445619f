"""Appointment files sent to the bot, between preview and import: the record, and the
file's bytes in parts of about a megabyte, written and read a part at a time. Queries
take a session and never commit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import ImportStatus, PendingImport, PendingImportPart


async def keep(session: AsyncSession, staff_user_id: int, file_name: str, encoding: str,
               now: datetime) -> int:
    pending = PendingImport(staff_user_id=staff_user_id, file_name=file_name[:200],
                            encoding=encoding, status=ImportStatus.READY, created_at=now)
    session.add(pending)
    await session.flush()
    return pending.id


async def add_part(session: AsyncSession, import_id: int, number: int, data: bytes) -> None:
    # A plain INSERT: an ORM object would stay in the session, its megabyte with it, until
    # the transaction ends.
    await session.execute(insert(PendingImportPart).values(import_id=import_id,
                                                           number=number, data=data))


async def part_count(session: AsyncSession, import_id: int) -> int:
    return await session.scalar(select(func.count()).select_from(PendingImportPart)
                                .where(PendingImportPart.import_id == import_id)) or 0


async def part(session: AsyncSession, import_id: int, number: int) -> bytes:
    data = await session.scalar(select(PendingImportPart.data).where(
        PendingImportPart.import_id == import_id, PendingImportPart.number == number))
    return data or b""


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
    await session.execute(delete(PendingImportPart)
                          .where(PendingImportPart.import_id == import_id))
    await session.execute(update(PendingImport).where(PendingImport.id == import_id)
                          .values(status=status))


async def forget_before(session: AsyncSession, before: datetime) -> None:
    """Files previewed and never imported, and old records."""
    old = select(PendingImport.id).where(PendingImport.created_at < before)
    await session.execute(delete(PendingImportPart)
                          .where(PendingImportPart.import_id.in_(old)))
    await session.execute(delete(PendingImport).where(PendingImport.created_at < before))
