"""Safety alerts: warning signs in a patient's words, told to the staff chat once per
worrying moment. Queries take a session and never commit."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Appointment, AppointmentStatus, Patient, SafetyAlert

# An alert keeps this many of the patient's messages, each cut to this length.
MAX_QUOTES = 20
MAX_QUOTE_CHARS = 1000


@dataclass(frozen=True)
class Quote:
    """One message of the patient's in an alert; `media` names a photo, a voice note or
    the like, which the staff chat gets forwarded (`forwarded` once it has)."""

    at: str  # ISO time
    text: str
    message_id: int
    media: str = ""
    forwarded: bool = False


def quotes_of(alert: SafetyAlert) -> list[Quote]:
    return [Quote(**item) for item in json.loads(alert.words)]


async def open_alert(session: AsyncSession, patient_id: int, since: datetime
                     ) -> SafetyAlert | None:
    """The patient's alert still open for more messages (its last one after `since`),
    locked so that two messages at once add to it one after the other."""
    found: SafetyAlert | None = await session.scalar(
        select(SafetyAlert)
        .where(SafetyAlert.patient_id == patient_id, SafetyAlert.last_at >= since)
        .order_by(SafetyAlert.last_at.desc()).limit(1).with_for_update())
    return found


async def start_alert(session: AsyncSession, patient_id: int, tier: str, signs: list[str],
                      quote: Quote, now: datetime, *, crisis: bool = False) -> SafetyAlert:
    alert = SafetyAlert(patient_id=patient_id, tier=tier, signs="\n".join(signs),
                        words=_dump([quote]), first_at=now, last_at=now, crisis=crisis)
    session.add(alert)
    await session.flush()
    return alert


async def add_to_alert(session: AsyncSession, alert: SafetyAlert, tier: str,
                       signs: list[str], quote: Quote, now: datetime, *,
                       crisis: bool = False) -> None:
    """Another message for an open alert: its signs joined, the tier given (the caller
    keeps the more urgent one)."""
    known = alert.signs.split("\n")
    alert.signs = "\n".join([*known, *(sign for sign in signs if sign not in known)])
    alert.tier = tier
    alert.crisis = alert.crisis or crisis
    alert.words = _dump([*quotes_of(alert), quote][-MAX_QUOTES:])
    alert.last_at = now
    await session.flush()


async def answer_happening_now(session: AsyncSession, alert_id: int, patient_user_id: int,
                               answer: str, tier: str | None, now: datetime) -> bool:
    """Record the patient's answer to "is this happening now?" on their own alert, and
    make `tier` the alert's (None: keep it); False when it is not theirs, is gone, or
    was answered (the first answer stands)."""
    alert: SafetyAlert | None = await session.scalar(
        select(SafetyAlert).join(Patient, Patient.id == SafetyAlert.patient_id)
        .where(SafetyAlert.id == alert_id, Patient.telegram_user_id == patient_user_id)
        .with_for_update())
    if alert is None or alert.happening_now is not None:
        return False
    alert.happening_now = answer
    alert.tier = tier or alert.tier
    alert.last_at = now
    await session.flush()
    return True


async def record_forwarded(session: AsyncSession, alert_id: int, message_ids: list[int]
                           ) -> None:
    """The staff chat has these of the patient's messages (photos, voice notes) now."""
    alert = await session.get(SafetyAlert, alert_id, with_for_update=True)
    if alert is None:
        return
    alert.words = _dump([replace(item, forwarded=True) if item.message_id in message_ids
                         else item for item in quotes_of(alert)])
    await session.flush()


async def record_staff_told(session: AsyncSession, alert_id: int, shown: datetime,
                            chat_id: int, message_id: int) -> None:
    """The staff chat's message `message_id` now shows the alert as it stood at `shown`
    (its `last_at` then)."""
    await session.execute(
        update(SafetyAlert).where(SafetyAlert.id == alert_id)
        .values(staff_chat_id=chat_id, staff_message_id=message_id, staff_told_at=shown))


async def alert_with_patient(session: AsyncSession, alert_id: int
                             ) -> tuple[SafetyAlert, Patient] | None:
    row = (await session.execute(
        select(SafetyAlert, Patient).join(Patient, Patient.id == SafetyAlert.patient_id)
        .where(SafetyAlert.id == alert_id))).first()
    return (row[0], row[1]) if row else None


async def alerts_in_message(session: AsyncSession, chat_id: int, message_id: int
                            ) -> list[tuple[SafetyAlert, Patient]]:
    """The alerts one staff chat message shows, oldest first."""
    rows = await session.execute(
        select(SafetyAlert, Patient).join(Patient, Patient.id == SafetyAlert.patient_id)
        .where(SafetyAlert.staff_chat_id == chat_id, SafetyAlert.staff_message_id == message_id)
        .order_by(SafetyAlert.id))
    return [(alert, patient) for alert, patient in rows.all()]


async def alerts_not_told(session: AsyncSession, since: datetime) -> list[int]:
    """Alerts since `since` whose latest words the staff chat has not seen."""
    return list(await session.scalars(
        select(SafetyAlert.id)
        .where(SafetyAlert.last_at >= since,
               or_(SafetyAlert.staff_told_at.is_(None),
                   SafetyAlert.staff_told_at < SafetyAlert.last_at))
        .order_by(SafetyAlert.id)))


async def visits_around(session: AsyncSession, patient_id: int, now: datetime
                        ) -> tuple[Appointment | None, Appointment | None]:
    """The patient's latest session that has started and their next booked one."""
    last: Appointment | None = await session.scalar(
        select(Appointment)
        .where(Appointment.patient_id == patient_id, Appointment.starts_at <= now,
               Appointment.status == AppointmentStatus.BOOKED)
        .order_by(Appointment.starts_at.desc()).limit(1))
    upcoming: Appointment | None = await session.scalar(
        select(Appointment)
        .where(Appointment.patient_id == patient_id, Appointment.starts_at > now,
               Appointment.status == AppointmentStatus.BOOKED)
        .order_by(Appointment.starts_at).limit(1))
    return last, upcoming


def quote(text: str, message_id: int, now: datetime, media: str = "") -> Quote:
    cut = text if len(text) <= MAX_QUOTE_CHARS else text[:MAX_QUOTE_CHARS] + "…"
    return Quote(at=now.isoformat(), text=cut, message_id=message_id, media=media)


def _dump(quotes: list[Quote]) -> str:
    return json.dumps([asdict(item) for item in quotes], ensure_ascii=False)
