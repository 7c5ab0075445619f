"""Queries about broadcasts and their recipients. They take a session and never commit.

A broadcast goes draft -> sending (once: a conditional UPDATE, so a second Send does
nothing) -> done. Starting it writes one row per recipient; each row goes pending ->
sending (claimed just before its send) -> delivered | blocked | failed.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, exists, func, insert, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import (
    Appointment,
    AppointmentStatus,
    Audience,
    Broadcast,
    BroadcastRecipient,
    BroadcastStatus,
    Patient,
    RecipientStatus,
)

WEEK = timedelta(days=7)


def _reachable() -> ColumnElement[bool]:
    """Patients a broadcast may go to: agreed to updates, on Telegram, not blocked, not
    /stopped."""
    return and_(Patient.messages_consent_at.is_not(None), Patient.chat_id.is_not(None),
                Patient.unreachable_at.is_(None), Patient.updates_stopped_at.is_(None))


def _has_appointment(now: datetime, until: datetime | None = None,
                     practitioner: str | None = None) -> ColumnElement[bool]:
    conditions = [Appointment.patient_id == Patient.id,
                  Appointment.status == AppointmentStatus.BOOKED, Appointment.starts_at > now]
    if until is not None:
        conditions.append(Appointment.starts_at <= until)
    if practitioner is not None:
        conditions.append(Appointment.practitioner == practitioner)
    return exists().where(*conditions)


def audience_condition(audience: Audience, practitioner: str | None, now: datetime
                       ) -> ColumnElement[bool]:
    if audience == Audience.WEEK:
        return and_(_reachable(), _has_appointment(now, now + WEEK))
    if audience == Audience.PRACTITIONER:
        return and_(_reachable(), _has_appointment(now, practitioner=practitioner))
    return _reachable()


async def audience_size(session: AsyncSession, audience: Audience, practitioner: str | None,
                        now: datetime) -> int:
    count = await session.scalar(select(func.count()).select_from(Patient).where(
        audience_condition(audience, practitioner, now)))
    return int(count or 0)


async def upcoming_practitioners(session: AsyncSession, now: datetime, limit: int
                                 ) -> list[str]:
    rows = await session.scalars(
        select(Appointment.practitioner).distinct()
        .where(Appointment.practitioner.is_not(None),
               Appointment.status == AppointmentStatus.BOOKED, Appointment.starts_at > now)
        .order_by(Appointment.practitioner).limit(limit))
    return [name for name in rows if name]


async def by_id(session: AsyncSession, broadcast_id: int) -> Broadcast | None:
    return await session.get(Broadcast, broadcast_id)


async def create_draft(session: AsyncSession, text: str, staff_id: int, now: datetime
                       ) -> Broadcast:
    broadcast = Broadcast(text=text, audience=Audience.ALL, status=BroadcastStatus.DRAFT,
                          created_by=staff_id, created_at=now)
    session.add(broadcast)
    await session.flush()
    return broadcast


async def choose_audience(session: AsyncSession, broadcast_id: int, audience: Audience,
                          practitioner: str | None) -> bool:
    result = await session.execute(
        update(Broadcast)
        .where(Broadcast.id == broadcast_id, Broadcast.status == BroadcastStatus.DRAFT)
        .values(audience=audience, practitioner=practitioner)
        .returning(Broadcast.id))
    return result.first() is not None


async def cancel_draft(session: AsyncSession, broadcast_id: int) -> bool:
    result = await session.execute(
        update(Broadcast)
        .where(Broadcast.id == broadcast_id, Broadcast.status == BroadcastStatus.DRAFT)
        .values(status=BroadcastStatus.CANCELLED)
        .returning(Broadcast.id))
    return result.first() is not None


async def start(session: AsyncSession, broadcast_id: int, staff_id: int, now: datetime,
                report_chat_id: int, report_message_id: int, *,
                audience_at: datetime | None = None) -> int | None:
    """Draft -> sending, once, with one pending row per recipient; their number, or None
    if the broadcast was not a draft (already sent, or cancelled). `audience_at`: the
    clinic's time, for "a session in the next 7 days" (`now` unless given)."""
    broadcast: Broadcast | None = await session.scalar(
        update(Broadcast)
        .where(Broadcast.id == broadcast_id, Broadcast.status == BroadcastStatus.DRAFT)
        .values(status=BroadcastStatus.SENDING, started_by=staff_id, started_at=now,
                report_chat_id=report_chat_id,
                report_message_id=report_message_id)
        .returning(Broadcast))
    if broadcast is None:
        return None
    condition = audience_condition(Audience(broadcast.audience), broadcast.practitioner,
                                   audience_at or now)
    recipients = (select(literal(broadcast_id), Patient.id, Patient.chat_id,
                         literal(RecipientStatus.PENDING.value), literal(0))
                  .where(condition))
    await session.execute(insert(BroadcastRecipient).from_select(
        ["broadcast_id", "patient_id", "chat_id", "status", "attempts"], recipients))
    return await recipient_count(session, broadcast_id)


async def recipient_count(session: AsyncSession, broadcast_id: int) -> int:
    count = await session.scalar(select(func.count()).select_from(BroadcastRecipient)
                                 .where(BroadcastRecipient.broadcast_id == broadcast_id))
    return int(count or 0)


async def claim_next(session: AsyncSession, broadcast_id: int, now: datetime,
                     instance: str | None = None) -> tuple[int, int, int] | None:
    """Take one pending recipient for sending, not one waiting to retry: (row id, chat id,
    attempts so far). On PostgreSQL, rows another sender is claiming right now are skipped
    (FOR UPDATE SKIP LOCKED), so concurrent senders each get their own instead of queueing
    for one; SQLite has one writer at a time and needs nothing. Either way the status
    condition in the UPDATE makes a claim happen once."""
    candidate = (select(BroadcastRecipient.id)
                 .where(BroadcastRecipient.broadcast_id == broadcast_id,
                        BroadcastRecipient.status == RecipientStatus.PENDING,
                        or_(BroadcastRecipient.retry_at.is_(None),
                            BroadcastRecipient.retry_at <= now))
                 .order_by(BroadcastRecipient.id).limit(1)
                 .with_for_update(skip_locked=True).scalar_subquery())
    row = (await session.execute(
        update(BroadcastRecipient)
        .where(BroadcastRecipient.id == candidate,
               BroadcastRecipient.status == RecipientStatus.PENDING)
        .values(status=RecipientStatus.SENDING, claimed_at=now, claimed_by=instance,
                on_wire_at=None, attempts=BroadcastRecipient.attempts + 1)
        .returning(BroadcastRecipient.id, BroadcastRecipient.chat_id,
                   BroadcastRecipient.attempts))).first()
    return (row[0], row[1], row[2]) if row else None


async def any_recipient(session: AsyncSession, broadcast_id: int, status: RecipientStatus
                        ) -> bool:
    """Whether any copy of this broadcast, from any instance, has this status: PENDING
    (still to send) or SENDING (on its way)."""
    found = await session.scalar(
        select(BroadcastRecipient.id)
        .where(BroadcastRecipient.broadcast_id == broadcast_id,
               BroadcastRecipient.status == status)
        .limit(1))
    return found is not None


async def finish_recipient(session: AsyncSession, recipient_id: int, status: RecipientStatus,
                           now: datetime, *, message_id: int | None = None,
                           error: str | None = None) -> None:
    values: dict[str, object] = {"status": status, "error": error}
    if status == RecipientStatus.DELIVERED:
        values |= {"sent_at": now, "telegram_message_id": message_id}
    await session.execute(update(BroadcastRecipient)
                          .where(BroadcastRecipient.id == recipient_id).values(**values))


async def release_recipient(session: AsyncSession, recipient_id: int, retry_at: datetime
                            ) -> None:
    """Back to pending after a passing failure, to be tried again from `retry_at`."""
    await session.execute(
        update(BroadcastRecipient)
        .where(BroadcastRecipient.id == recipient_id,
               BroadcastRecipient.status == RecipientStatus.SENDING)
        .values(status=RecipientStatus.PENDING, retry_at=retry_at, on_wire_at=None))


async def mark_on_wire(session: AsyncSession, recipient_id: int, at: datetime) -> None:
    """Its request to Telegram begins now: from here a crash leaves the copy in doubt."""
    await session.execute(
        update(BroadcastRecipient)
        .where(BroadcastRecipient.id == recipient_id,
               BroadcastRecipient.status == RecipientStatus.SENDING)
        .values(on_wire_at=at))


async def claimers_in_flight(session: AsyncSession) -> set[str | None]:
    """The instances with broadcast copies on their way to Telegram right now."""
    rows = await session.scalars(
        select(BroadcastRecipient.claimed_by).distinct()
        .join(Broadcast, Broadcast.id == BroadcastRecipient.broadcast_id)
        .where(Broadcast.status == BroadcastStatus.SENDING,
               BroadcastRecipient.status == RecipientStatus.SENDING))
    return set(rows)


async def recover_claimed_by(session: AsyncSession, instances: set[str | None]
                            ) -> tuple[int, int]:
    """Copies a dead instance held: those whose request never began go back to pending
    (sent again); those on the wire may have arrived, so they are not sent again (a
    duplicate is worse than a rare loss) and the report counts them. A claim from before
    claims were named (`claimed_by` empty) is in doubt. (resent, in doubt)."""
    named = {instance for instance in instances if instance is not None}
    whose = [BroadcastRecipient.claimed_by.in_(named)] if named else []
    if None in instances:
        whose.append(BroadcastRecipient.claimed_by.is_(None))
    if not whose:
        return 0, 0
    resent = await session.execute(
        update(BroadcastRecipient)
        .where(BroadcastRecipient.status == RecipientStatus.SENDING, or_(*whose),
               BroadcastRecipient.on_wire_at.is_(None),
               BroadcastRecipient.claimed_by.is_not(None))
        .values(status=RecipientStatus.PENDING, claimed_by=None)
        .returning(BroadcastRecipient.id))
    in_doubt = await session.execute(
        update(BroadcastRecipient)
        .where(BroadcastRecipient.status == RecipientStatus.SENDING, or_(*whose))
        .values(status=RecipientStatus.FAILED, error=INTERRUPTED)
        .returning(BroadcastRecipient.id))
    return len(resent.all()), len(in_doubt.all())


INTERRUPTED = "interrupted by a restart; may have arrived"


async def tally(session: AsyncSession, broadcast_id: int
                ) -> tuple[Counter[str], Counter[str]]:
    """(recipients by status, failed ones by reason)."""
    statuses: Counter[str] = Counter()
    for status, count in await session.execute(
            select(BroadcastRecipient.status, func.count())
            .where(BroadcastRecipient.broadcast_id == broadcast_id)
            .group_by(BroadcastRecipient.status)):
        statuses[status] = count
    reasons: Counter[str] = Counter()
    for error, count in await session.execute(
            select(BroadcastRecipient.error, func.count())
            .where(BroadcastRecipient.broadcast_id == broadcast_id,
                   BroadcastRecipient.status == RecipientStatus.FAILED)
            .group_by(BroadcastRecipient.error)):
        reasons[error or "unknown"] = count
    return statuses, reasons


async def finish(session: AsyncSession, broadcast_id: int, now: datetime) -> bool:
    """Sending -> done, once; True for the one call that did it (it shows the report)."""
    done = await session.scalar(
        update(Broadcast)
        .where(Broadcast.id == broadcast_id, Broadcast.status == BroadcastStatus.SENDING)
        .values(status=BroadcastStatus.DONE, finished_at=now)
        .returning(Broadcast.id))
    return done is not None


async def is_done(session: AsyncSession, broadcast_id: int) -> bool:
    status = await session.scalar(select(Broadcast.status).where(Broadcast.id == broadcast_id))
    return status == BroadcastStatus.DONE


async def sending_now(session: AsyncSession) -> list[Broadcast]:
    return list(await session.scalars(
        select(Broadcast).where(Broadcast.status == BroadcastStatus.SENDING)))


async def recent(session: AsyncSession, limit: int) -> list[Broadcast]:
    return list(await session.scalars(
        select(Broadcast).where(Broadcast.status.in_((BroadcastStatus.SENDING,
                                                      BroadcastStatus.DONE)))
        .order_by(Broadcast.id.desc()).limit(limit)))
