"""Updates that came by webhook: each is handled once, whichever instance Telegram (or a
retry of it) reaches. Queries take a session and never commit."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.dialect import insert_for
from db.models import ReceivedUpdate


class Arrival(StrEnum):
    NEW = "new"  # handle it
    DONE = "done"  # handled already: a repeat
    BUSY = "busy"  # being handled elsewhere right now: Telegram should try again later


async def receive(session: AsyncSession, update_id: int, now: datetime,
                  stale_before: datetime) -> Arrival:
    """Take the update for handling, unless it was handled or is being handled. One taken
    before `stale_before` and never finished (its process died) is taken over."""
    taken = await session.scalar(
        insert_for(session, ReceivedUpdate)
        .values(update_id=update_id, received_at=now)
        .on_conflict_do_nothing(index_elements=[ReceivedUpdate.update_id])
        .returning(ReceivedUpdate.update_id))
    if taken is not None:
        return Arrival.NEW
    retaken = await session.scalar(
        update(ReceivedUpdate)
        .where(ReceivedUpdate.update_id == update_id, ReceivedUpdate.handled_at.is_(None),
               ReceivedUpdate.received_at < stale_before)
        .values(received_at=now)
        .returning(ReceivedUpdate.update_id))
    if retaken is not None:
        return Arrival.NEW
    handled = await session.scalar(
        select(ReceivedUpdate.handled_at).where(ReceivedUpdate.update_id == update_id))
    return Arrival.DONE if handled is not None else Arrival.BUSY


async def mark_handled(session: AsyncSession, update_id: int, now: datetime) -> None:
    await session.execute(update(ReceivedUpdate)
                          .where(ReceivedUpdate.update_id == update_id)
                          .values(handled_at=now))


async def forget_before(session: AsyncSession, before: datetime) -> int:
    """Drop records older than Telegram keeps retrying (a day): ids never come back."""
    result = await session.execute(delete(ReceivedUpdate)
                                   .where(ReceivedUpdate.received_at < before)
                                   .returning(ReceivedUpdate.update_id))
    return len(result.all())
