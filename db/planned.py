"""Queries about planned messages: finding what is due, and claiming each one once.

A message moves pending -> sending (claimed) -> sent | skipped | failed. The claim is one
conditional UPDATE, so of two senders racing for a row only one gets it back. It names
the process (`claimed_by`); `on_wire_at` is written just before the request to Telegram
begins. A claim whose process is gone is recovered (`recover_claims`): never on the wire,
it is pending again and goes out; on the wire, Telegram may or may not have it and cannot
be asked, so it is not sent again (at most once) and its outcome says so.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import false, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.dialect import insert_for
from db.models import Appointment, MessageKind, MessageStatus, Patient, PlannedMessage


async def pending_due_before(
    session: AsyncSession, until: datetime, limit: int
) -> list[tuple[int, datetime]]:
    rows = await session.execute(
        select(PlannedMessage.id, PlannedMessage.due_at)
        .where(PlannedMessage.status == MessageStatus.PENDING, PlannedMessage.due_at <= until)
        .order_by(PlannedMessage.due_at)
        .limit(limit)
    )
    return [(message_id, due_at) for message_id, due_at in rows]


async def claim_message(
    session: AsyncSession, message_id: int, now: datetime, instance: str
) -> tuple[PlannedMessage, Appointment, Patient] | None:
    """Take a pending message for sending; None if another sender has it or it is done."""
    claimed = await session.scalar(
        update(PlannedMessage)
        .where(PlannedMessage.id == message_id, PlannedMessage.status == MessageStatus.PENDING)
        .values(status=MessageStatus.SENDING, claimed_at=now, claimed_by=instance,
                on_wire_at=None, attempts=PlannedMessage.attempts + 1)
        .returning(PlannedMessage.id)
    )
    if claimed is None:
        return None
    row = (await session.execute(
        select(PlannedMessage, Appointment, Patient)
        .join(Appointment, Appointment.id == PlannedMessage.appointment_id)
        .join(Patient, Patient.id == Appointment.patient_id)
        .where(PlannedMessage.id == message_id)
    )).one()
    return row[0], row[1], row[2]


async def finish_message(
    session: AsyncSession,
    message_id: int,
    status: MessageStatus,
    now: datetime,
    *,
    telegram_message_id: int | None = None,
    outcome: str | None = None,
) -> None:
    values: dict[str, object] = {"status": status, "outcome": outcome}
    if status == MessageStatus.SENT:
        values |= {"sent_at": now, "telegram_message_id": telegram_message_id}
    await session.execute(
        update(PlannedMessage).where(PlannedMessage.id == message_id).values(**values))


async def mark_on_wire(session: AsyncSession, message_id: int, at: datetime) -> None:
    """Its request to Telegram begins now: from here a crash leaves it in doubt."""
    await session.execute(
        update(PlannedMessage)
        .where(PlannedMessage.id == message_id, PlannedMessage.status == MessageStatus.SENDING)
        .values(on_wire_at=at))


async def release_message(session: AsyncSession, message_id: int) -> None:
    """Back to pending: after a passing failure (network), for the next top-up to retry,
    or claimed and then not sent."""
    await session.execute(
        update(PlannedMessage)
        .where(PlannedMessage.id == message_id, PlannedMessage.status == MessageStatus.SENDING)
        .values(status=MessageStatus.PENDING, claimed_by=None, on_wire_at=None))


async def claimers(session: AsyncSession) -> set[str | None]:
    """The processes holding planned messages mid-send (None: a claim from before
    claims were named)."""
    return set(await session.scalars(
        select(PlannedMessage.claimed_by).distinct()
        .where(PlannedMessage.status == MessageStatus.SENDING)))


IN_DOUBT = "interrupted mid-send; Telegram may have it, so not sent again"


async def recover_claims(session: AsyncSession, gone: set[str | None]) -> tuple[int, int]:
    """The claims of processes that are gone: those never on the wire go back to pending
    (sent again), those on the wire are failed as in doubt. (resent, in doubt)."""
    named = [instance for instance in gone if instance is not None]
    held_by_gone = or_(PlannedMessage.claimed_by.in_(named),
                       PlannedMessage.claimed_by.is_(None) if None in gone else false())
    resent = await session.execute(
        update(PlannedMessage)
        .where(PlannedMessage.status == MessageStatus.SENDING, held_by_gone,
               PlannedMessage.on_wire_at.is_(None), PlannedMessage.claimed_by.is_not(None))
        .values(status=MessageStatus.PENDING, claimed_by=None)
        .returning(PlannedMessage.id))
    # What is left was on the wire, or claimed before claims were named (unknowable).
    in_doubt = await session.execute(
        update(PlannedMessage)
        .where(PlannedMessage.status == MessageStatus.SENDING, held_by_gone)
        .values(status=MessageStatus.FAILED, outcome=IN_DOUBT)
        .returning(PlannedMessage.id))
    return len(resent.all()), len(in_doubt.all())


async def replan_message(
    session: AsyncSession, appointment_id: int, kind: MessageKind, due_at: datetime
) -> int | None:
    """Plan `kind` afresh for `due_at`, whatever became of an earlier one (a moved session
    gets a new guide; each change restarts the notice's wait). None while a sender holds
    the row: it is on its way, and the next change will plan again."""
    reset = {"due_at": due_at, "status": MessageStatus.PENDING, "attempts": 0,
             "claimed_at": None, "claimed_by": None, "on_wire_at": None, "sent_at": None,
             "telegram_message_id": None, "outcome": None}
    insert = insert_for(session, PlannedMessage)
    planned: int | None = await session.scalar(
        insert.values(appointment_id=appointment_id, kind=kind, **reset)
        .on_conflict_do_update(
            index_elements=[PlannedMessage.appointment_id, PlannedMessage.kind], set_=reset,
            where=PlannedMessage.status != MessageStatus.SENDING)
        .returning(PlannedMessage.id))
    return planned


async def skip_pending(
    session: AsyncSession, appointment_id: int, kinds: Iterable[MessageKind], outcome: str
) -> None:
    kinds = list(kinds)
    if not kinds:
        # `IN ()` would make SQLite pick the (status) index and read every pending row.
        return
    await session.execute(
        update(PlannedMessage)
        .where(PlannedMessage.appointment_id == appointment_id,
               PlannedMessage.kind.in_(kinds),
               PlannedMessage.status == MessageStatus.PENDING)
        .values(status=MessageStatus.SKIPPED, outcome=outcome))


async def plan_new(session: AsyncSession, messages: list[tuple[int, MessageKind, datetime]]
                   ) -> None:
    """Plan the messages of appointments booked just now (none has any yet), in one
    statement: (appointment id, kind, due)."""
    if messages:
        await session.execute(insert(PlannedMessage), [
            {"appointment_id": appointment_id, "kind": kind, "due_at": due_at,
             "status": MessageStatus.PENDING, "attempts": 0}
            for appointment_id, kind, due_at in messages])


async def upcoming(session: AsyncSession, after: datetime, limit: int
                   ) -> list[tuple[datetime, str, str]]:
    """The next planned messages still to go: (due, kind, the patient's first name)."""
    rows = await session.execute(
        select(PlannedMessage.due_at, PlannedMessage.kind, Patient.first_name)
        .join(Appointment, Appointment.id == PlannedMessage.appointment_id)
        .join(Patient, Patient.id == Appointment.patient_id)
        .where(PlannedMessage.status == MessageStatus.PENDING, PlannedMessage.due_at > after)
        .order_by(PlannedMessage.due_at).limit(limit))
    return [(due_at, kind, name) for due_at, kind, name in rows]


async def next_due_after(session: AsyncSession, after: datetime) -> datetime | None:
    """When the next planned message still to go is due."""
    due: datetime | None = await session.scalar(
        select(PlannedMessage.due_at)
        .where(PlannedMessage.status == MessageStatus.PENDING, PlannedMessage.due_at > after)
        .order_by(PlannedMessage.due_at).limit(1))
    return due
