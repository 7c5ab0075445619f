"""Updates that came by webhook, kept from the moment Telegram is answered until they are
handled: each is handled once, whichever instance Telegram (or a retry of it) reaches,
and one whose process died is handled by another. Queries take a session and never
commit."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from db.dialect import insert_for
from db.models import ReceivedUpdate


class Arrival(StrEnum):
    NEW = "new"  # this process handles it
    KEPT = "kept"  # handled already, or kept by a live process that will: a repeat
    HELD = "held"  # kept by a process that may be gone: decide, then maybe take it over


@dataclass(frozen=True)
class Kept:
    update_id: int
    payload: str


async def receive(session: AsyncSession, update_id: int, chat_id: int | None, payload: str,
                  me: str, now: datetime) -> tuple[Arrival, str | None]:
    """Keep the update for this process to handle. One seen before is a repeat (KEPT), or,
    when unhandled, HELD by the process named (None: an update from before updates were
    kept, whose process never answered Telegram)."""
    taken = await session.scalar(
        insert_for(session, ReceivedUpdate)
        .values(update_id=update_id, received_at=now, chat_id=chat_id, taken_by=me,
                payload=payload)
        .on_conflict_do_nothing(index_elements=[ReceivedUpdate.update_id])
        .returning(ReceivedUpdate.update_id))
    if taken is not None:
        return Arrival.NEW, me
    row = (await session.execute(
        select(ReceivedUpdate.handled_at, ReceivedUpdate.taken_by)
        .where(ReceivedUpdate.update_id == update_id))).one()
    if row.handled_at is not None:
        return Arrival.KEPT, None
    return Arrival.HELD, row.taken_by


async def take_over(session: AsyncSession, update_id: int, holder: str | None, payload: str,
                    me: str, now: datetime) -> bool:
    """Take an unhandled update from a process that is gone; False if another did first."""
    held_by = (ReceivedUpdate.taken_by.is_(None) if holder is None
               else ReceivedUpdate.taken_by == holder)
    taken = await session.scalar(
        update(ReceivedUpdate)
        .where(ReceivedUpdate.update_id == update_id, ReceivedUpdate.handled_at.is_(None),
               held_by)
        .values(taken_by=me, received_at=now, payload=payload)
        .returning(ReceivedUpdate.update_id))
    return taken is not None


async def holders(session: AsyncSession) -> set[str | None]:
    """The processes holding kept updates not yet handled."""
    held = await session.scalars(
        select(ReceivedUpdate.taken_by).distinct()
        .where(ReceivedUpdate.handled_at.is_(None), ReceivedUpdate.payload.is_not(None)))
    return set(held)


async def take_over_from(session: AsyncSession, gone: Collection[str | None], me: str,
                         now: datetime) -> list[Kept]:
    """Take every unhandled update the gone processes kept, oldest first."""
    named = [name for name in gone if name is not None]
    held_by: ColumnElement[bool] = ReceivedUpdate.taken_by.in_(named)
    if None in gone:
        held_by = or_(held_by, ReceivedUpdate.taken_by.is_(None))
    rows = await session.execute(
        update(ReceivedUpdate)
        .where(ReceivedUpdate.handled_at.is_(None), ReceivedUpdate.payload.is_not(None),
               held_by)
        .values(taken_by=me, received_at=now)
        .returning(ReceivedUpdate.update_id, ReceivedUpdate.payload))
    kept = [Kept(row.update_id, row.payload) for row in rows]
    return sorted(kept, key=lambda one: one.update_id)


async def earlier_elsewhere(session: AsyncSession, chat_id: int, update_id: int,
                            me: str) -> bool:
    """Whether another process still has an earlier update of this chat in hand."""
    found = await session.scalar(
        select(ReceivedUpdate.update_id)
        .where(ReceivedUpdate.handled_at.is_(None), ReceivedUpdate.chat_id == chat_id,
               ReceivedUpdate.update_id < update_id, ReceivedUpdate.taken_by != me)
        .limit(1))
    return found is not None


async def mark_handled(session: AsyncSession, update_id: int, now: datetime) -> None:
    """Handled: the body (a patient's words) goes."""
    await session.execute(update(ReceivedUpdate)
                          .where(ReceivedUpdate.update_id == update_id)
                          .values(handled_at=now, payload=None))


async def forget_before(session: AsyncSession, before: datetime) -> int:
    """Drop the records of handled updates older than Telegram keeps retrying (a day): ids
    never come back. One still waiting to be handled stays."""
    result = await session.execute(delete(ReceivedUpdate)
                                   .where(ReceivedUpdate.received_at < before,
                                          ReceivedUpdate.payload.is_(None))
                                   .returning(ReceivedUpdate.update_id))
    return len(result.all())
