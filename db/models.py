"""Tables, in SQLAlchemy 2.0 style. Every datetime is timezone-aware and stored in UTC."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base as Base
from db.base import UTCDateTime as UTCDateTime
from db.base import utcnow as utcnow

# Tables in modules of their own, named here too so `Base.metadata` has every table.
from db.import_models import ImportStatus as ImportStatus
from db.import_models import PendingImport as PendingImport
from db.import_models import PendingImportPart as PendingImportPart


class Patient(Base):
    """A patient: a Telegram user who has talked to the bot, or a clinic record (from a CSV
    import or an invite) waiting to be linked to one by an invite link or a shared phone."""

    __tablename__ = "patients"
    __table_args__ = (Index("ix_patients_phone", "phone", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Both None until the record is linked to a Telegram account.
    telegram_user_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    # E.164, from Telegram's contact button, an invite or the clinic's records.
    phone: Mapped[str | None] = mapped_column(String(16))
    first_name: Mapped[str] = mapped_column(String(128))
    last_name: Mapped[str | None] = mapped_column(String(128))
    username: Mapped[str | None] = mapped_column(String(64))
    # Telegram's setting for the user, refreshed with each update; `language` is the one
    # they chose with /language (None until they do).
    language_code: Mapped[str | None] = mapped_column(String(16))
    language: Mapped[str | None] = mapped_column(String(8))
    first_seen_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    # When the patient agreed to receive messages they did not ask for (reminders, updates).
    messages_consent_at: Mapped[datetime | None]
    # Set when Telegram says the patient blocked the bot; cleared when they write again.
    unreachable_at: Mapped[datetime | None]
    # Set by /stop or /settings: no broadcasts (their own appointment messages still come);
    # /start or /settings clears it.
    updates_stopped_at: Mapped[datetime | None]
    # Set in /settings: no guide or reminder before a session / no check-in after one.
    reminders_off_at: Mapped[datetime | None]
    checkins_off_at: Mapped[datetime | None]


class Invite(Base):
    """A single-use deep link that links a Telegram account to a patient record. Only a
    hash of the token is kept, so the table cannot be read back into working links."""

    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"),
                                            index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    created_by: Mapped[int] = mapped_column(BigInteger)
    used_at: Mapped[datetime | None]


class QuestionStatus(StrEnum):
    ANSWERED = "answered"
    NO_MATCH = "no_match"
    UNHELPFUL = "unhelpful"


class PatientQuestion(Base):
    """A question a patient typed, kept so staff can answer it and improve the FAQ."""

    __tablename__ = "patient_questions"
    __table_args__ = (
        Index("ix_patient_questions_staff_message", "staff_chat_id", "staff_message_id"),
        Index("ix_patient_questions_status_normalized", "status", "normalized"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"),
                                            index=True)
    text: Mapped[str] = mapped_column(Text)
    normalized: Mapped[str] = mapped_column(String(500))
    matched_topic: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    asked_at: Mapped[datetime]
    # Set when the question was handed to the staff chat, so a second tap does nothing.
    escalated_at: Mapped[datetime | None]
    staff_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    staff_message_id: Mapped[int | None] = mapped_column(BigInteger)
    staff_replied_at: Mapped[datetime | None]


class AppointmentStatus(StrEnum):
    BOOKED = "booked"
    CANCELLED = "cancelled"


class Appointment(Base):
    """A session booked for a patient; times are UTC, shown in the clinic's zone."""

    __tablename__ = "appointments"
    __table_args__ = (Index("ix_appointments_import_key", "import_key", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"),
                                            index=True)
    starts_at: Mapped[datetime] = mapped_column(index=True)
    duration_minutes: Mapped[int]
    practitioner: Mapped[str | None] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    confirmed_at: Mapped[datetime | None]
    reschedule_requested_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    # For appointments from a CSV import: what identifies the row across re-imports.
    import_key: Mapped[str | None] = mapped_column(String(200))
    # What the patient was last told (None: nothing yet), so a change notice says only
    # what changed, and a change undone before the notice went says nothing.
    notified_status: Mapped[str | None] = mapped_column(String(16))
    notified_starts_at: Mapped[datetime | None]


class MessageKind(StrEnum):
    GUIDE = "guide"
    REMINDER = "reminder"
    CHECKIN = "checkin"
    # A second check-in, planned when the first one's answer was a moderate soreness.
    FOLLOWUP = "followup"
    # "Booked / moved / cancelled", sent CHANGE_NOTICE_DELAY after the latest change.
    NOTICE = "notice"


CHECKIN_KINDS = frozenset({MessageKind.CHECKIN, MessageKind.FOLLOWUP})


class MessageStatus(StrEnum):
    PENDING = "pending"
    # Claimed by a sender; left here by a crash between claim and the outcome.
    SENDING = "sending"
    SENT = "sent"
    SKIPPED = "skipped"
    FAILED = "failed"


class PlannedMessage(Base):
    """A message the bot will send at `due_at`: the record of truth, whatever the scheduler
    holds in memory."""

    __tablename__ = "planned_messages"
    __table_args__ = (
        UniqueConstraint("appointment_id", "kind", name="uq_planned_messages_appointment_kind"),
        Index("ix_planned_messages_status_due", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    appointment_id: Mapped[int] = mapped_column(
        ForeignKey("appointments.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    due_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(default=0)
    claimed_at: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(64))  # the instance sending it
    # When its request to Telegram began (real time); set only while it is being sent.
    on_wire_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger)
    # Why a message was skipped or failed, for staff and logs (never the patient's words).
    outcome: Mapped[str | None] = mapped_column(String(200))


class Trend(StrEnum):
    BETTER = "better"
    SAME = "same"
    WORSE = "worse"


class CheckinAnswer(Base):
    """A patient's answer to one check-in message: soreness 0-10, then better/same/worse."""

    __tablename__ = "checkin_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    planned_message_id: Mapped[int] = mapped_column(
        ForeignKey("planned_messages.id", ondelete="CASCADE"), unique=True)
    appointment_id: Mapped[int] = mapped_column(
        ForeignKey("appointments.id", ondelete="CASCADE"), index=True)
    score: Mapped[int]
    trend: Mapped[str | None] = mapped_column(String(16))
    answered_at: Mapped[datetime]
    # Set once the staff chat was told, so a worrying answer alerts them exactly once.
    escalated_at: Mapped[datetime | None]
    staff_chat_id: Mapped[int | None] = mapped_column(BigInteger)  # its staff alert, edited
    staff_message_id: Mapped[int | None] = mapped_column(BigInteger)


class SafetyAlert(Base):
    """A warning sign in a patient's words, told to the staff chat. Further signs from the
    same patient within a few minutes are added to the same alert (and its staff message
    is edited), so staff get one alert per worrying moment, not one per message."""

    __tablename__ = "safety_alerts"
    __table_args__ = (Index("ix_safety_alerts_patient_last", "patient_id", "last_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    # The most urgent so far, an outcome of bot/understanding/policy.py: EMERGENCY,
    # CONFIRM (asked "is this happening now?"), SAME_DAY or LOOK (please look).
    tier: Mapped[str] = mapped_column(String(16))
    # Sign names, or why staff should look, one a line.
    signs: Mapped[str] = mapped_column(Text)
    crisis: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The patient's answer to "is this happening now?": "yes", "no", or None.
    happening_now: Mapped[str | None] = mapped_column(String(8))
    # The patient's words, as JSON: [{"at": ISO time, "text": ..., "message_id": ...}].
    words: Mapped[str] = mapped_column(Text)
    first_at: Mapped[datetime]
    last_at: Mapped[datetime]
    # The staff chat's message, once it went out; None while the staff chat was not told.
    staff_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    staff_message_id: Mapped[int | None] = mapped_column(BigInteger)
    # When the staff message last showed the alert as it stood (None: never); behind
    # `last_at`, the staff chat has yet to see the latest words.
    staff_told_at: Mapped[datetime | None]


class BroadcastStatus(StrEnum):
    DRAFT = "draft"  # previewed, not sent
    SENDING = "sending"
    DONE = "done"
    CANCELLED = "cancelled"


class Audience(StrEnum):
    ALL = "all"  # everyone who accepts updates
    WEEK = "week"  # ... with an appointment in the next 7 days
    PRACTITIONER = "practitioner"  # ... with an upcoming appointment with one practitioner


class Broadcast(Base):
    """An update from staff to many patients, and who sent it when."""

    __tablename__ = "broadcasts"

    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(Text)  # Telegram HTML, as previewed
    audience: Mapped[str] = mapped_column(String(16))
    practitioner: Mapped[str | None] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16))
    created_by: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime]
    started_by: Mapped[int | None] = mapped_column(BigInteger)  # who tapped Send
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    # Where the live progress and the final report are shown.
    report_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    report_message_id: Mapped[int | None] = mapped_column(BigInteger)


class RecipientStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    DELIVERED = "delivered"
    BLOCKED = "blocked"
    FAILED = "failed"


class BroadcastRecipient(Base):
    """One patient's copy of a broadcast: sent at most once."""

    __tablename__ = "broadcast_recipients"
    __table_args__ = (
        UniqueConstraint("broadcast_id", "patient_id",
                         name="uq_broadcast_recipients_broadcast_patient"),
        Index("ix_broadcast_recipients_broadcast_status", "broadcast_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    broadcast_id: Mapped[int] = mapped_column(ForeignKey("broadcasts.id", ondelete="CASCADE"))
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    chat_id: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(default=0)
    claimed_at: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(64))  # the instance sending it
    # When its request to Telegram began (real time); set only while it is being sent.
    on_wire_at: Mapped[datetime | None]
    # After a passing failure (network, 5xx), not tried again before this.
    retry_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger)
    error: Mapped[str | None] = mapped_column(String(200))


class ReceivedUpdate(Base):
    """An update that came by webhook: kept (with its body) from the moment Telegram is
    answered until it is handled, so one whose process dies is handled by another, and
    one Telegram sends again (or that reaches two instances) is handled once."""

    __tablename__ = "received_updates"
    __table_args__ = (Index("ix_received_updates_waiting", "handled_at", "chat_id"),)

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    received_at: Mapped[datetime]
    handled_at: Mapped[datetime | None]
    # The chat it belongs to (its order among that chat's updates), the process handling
    # it, and the update as Telegram sent it: cleared once handled (patients' words).
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    taken_by: Mapped[str | None] = mapped_column(String(64))
    payload: Mapped[str | None] = mapped_column(Text)


class Marker(Base):
    """When something one process does for others last happened (an import changing the
    schedule, which running bots then plan at once)."""

    __tablename__ = "markers"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    changed_at: Mapped[datetime]


class Lease(Base):
    """A named role one process holds at a time (the long poller), until it expires."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime]


class DialogState(Base):
    """Where a staff member is in a dialog (the guided /book, /broadcast then the text),
    kept here because with several bot processes the next message may reach another."""

    __tablename__ = "dialog_states"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    state: Mapped[int]
    data: Mapped[str] = mapped_column(Text)  # the dialog's draft, as JSON
    expires_at: Mapped[datetime]

