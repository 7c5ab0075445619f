"""What the staff's weekly picture counts (/stats): appointments by how patients answered
their reminder, check-ins sent and answered with their scores, and warning-sign alerts,
over a span of clinic weeks. Counts only: no names. Queries take a session and never
commit."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import (
    Appointment,
    AppointmentStatus,
    CheckinAnswer,
    MessageKind,
    MessageStatus,
    PlannedMessage,
    SafetyAlert,
)

ANSWERS = ("confirmed", "cancelled", "asked to reschedule", "no answer")


@dataclass
class Week:
    starts: datetime
    appointments: Counter[str] = field(default_factory=Counter)  # by ANSWERS
    checkins_sent: int = 0
    checkins_answered: int = 0
    alerts: int = 0


@dataclass
class Figures:
    weeks: list[Week]
    scores: Counter[int] = field(default_factory=Counter)  # soreness 0-10, answers
    escalated: int = 0

    @property
    def empty(self) -> bool:
        return not any(sum(week.appointments.values()) or week.checkins_sent or week.alerts
                       for week in self.weeks)


def _answer(appointment: Appointment) -> str:
    if appointment.status == AppointmentStatus.CANCELLED:
        return "cancelled"
    if appointment.reschedule_requested_at is not None:
        return "asked to reschedule"
    if appointment.confirmed_at is not None:
        return "confirmed"
    return "no answer"


async def weekly_figures(session: AsyncSession, week_starts: list[datetime], end: datetime,
                         practitioner: str | None = None) -> Figures:
    """Figures for the weeks beginning at `week_starts` (in order), the last ending at
    `end`; appointments (and their check-ins) of one practitioner when given."""
    figures = Figures([Week(start) for start in week_starts])
    bounds = [*week_starts, end]

    def week_of(moment: datetime) -> Week | None:
        for index, week in enumerate(figures.weeks):
            if bounds[index] <= moment < bounds[index + 1]:
                return week
        return None

    chosen = Appointment.practitioner == practitioner if practitioner else None
    query = select(Appointment).where(Appointment.starts_at >= bounds[0],
                                      Appointment.starts_at < end)
    for appointment in await session.scalars(query if chosen is None else query.where(chosen)):
        week = week_of(appointment.starts_at)
        if week is not None:
            week.appointments[_answer(appointment)] += 1
    sent = (select(PlannedMessage.sent_at)
            .join(Appointment, Appointment.id == PlannedMessage.appointment_id)
            .where(PlannedMessage.kind == MessageKind.CHECKIN,
                   PlannedMessage.status == MessageStatus.SENT,
                   PlannedMessage.sent_at >= bounds[0], PlannedMessage.sent_at < end))
    for (sent_at,) in await session.execute(sent if chosen is None else sent.where(chosen)):
        week = None if sent_at is None else week_of(sent_at)
        if week is not None:
            week.checkins_sent += 1
    answers = (select(CheckinAnswer.answered_at, CheckinAnswer.score,
                      CheckinAnswer.escalated_at)
               .join(Appointment, Appointment.id == CheckinAnswer.appointment_id)
               .where(CheckinAnswer.answered_at >= bounds[0], CheckinAnswer.answered_at < end))
    for answered_at, score, escalated_at in await session.execute(
            answers if chosen is None else answers.where(chosen)):
        week = week_of(answered_at)
        if week is not None:
            week.checkins_answered += 1
            figures.scores[score] += 1
            figures.escalated += escalated_at is not None
    if practitioner is None:  # an alert belongs to a patient, not to one practitioner
        alerts = select(SafetyAlert.first_at).where(SafetyAlert.first_at >= bounds[0],
                                                    SafetyAlert.first_at < end)
        for (first_at,) in await session.execute(alerts):
            week = week_of(first_at)
            if week is not None:
                week.alerts += 1
    return figures
