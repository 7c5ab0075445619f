"""Queries about patients. They take a session and never commit."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.dialect import insert_for
from db.models import Patient


@dataclass(frozen=True)
class TelegramProfile:
    """What Telegram tells us about a user in a private chat."""

    user_id: int
    chat_id: int
    first_name: str
    last_name: str | None
    username: str | None
    language_code: str | None


async def register_patient(
    session: AsyncSession, profile: TelegramProfile, now: datetime
) -> Patient:
    """Create the patient, or refresh their names if we know them.

    One statement, so two updates from the same new user cannot create two records.
    """
    patient: Patient = (await session.scalars(
        _upsert(session, Patient).values(_row(profile, now)).returning(Patient))).one()
    return patient


async def register_patient_ids(
    session: AsyncSession, seen: list[tuple[TelegramProfile, datetime]]
) -> dict[int, int]:
    """`register_patient` for many users at once (each at most once), for callers that
    need only the ids: Telegram user id to patient id.

    One statement, compiled once whatever the number: the rows go as parameters, and
    SQLAlchemy sends them as one multi-row INSERT ("insertmanyvalues").
    """
    patients = Patient.__table__
    connection = await session.connection()
    result = await connection.execute(
        _upsert(session, patients).returning(patients.c.telegram_user_id, patients.c.id),
        [_row(profile, now) for profile, now in seen])
    return {user_id: patient_id for user_id, patient_id in result.all()}


def _row(profile: TelegramProfile, now: datetime) -> dict[str, Any]:
    return {
        "telegram_user_id": profile.user_id,
        "first_seen_at": now,
        "chat_id": profile.chat_id,
        "first_name": profile.first_name[:128],
        "last_name": profile.last_name[:128] if profile.last_name else None,
        "username": profile.username,
        "language_code": profile.language_code,
        "last_seen_at": now,
        # Whoever writes to the bot has not blocked it.
        "unreachable_at": None,
    }


# What a known patient's row takes from a new update; first_seen_at stays as it was.
_REFRESHED = ("chat_id", "first_name", "last_name", "username", "language_code",
              "last_seen_at", "unreachable_at")


def _upsert(session: AsyncSession, table: Any) -> Any:
    """INSERT ... ON CONFLICT for this database, built once: building it (the `excluded`
    columns) cost more CPU than running it, on every message a patient sends."""
    key = (session.get_bind().dialect.name, table)
    statement = _UPSERTS.get(key)
    if statement is None:
        insert = insert_for(session, table)
        statement = _UPSERTS[key] = insert.on_conflict_do_update(
            index_elements=["telegram_user_id"],
            set_={name: insert.excluded[name] for name in _REFRESHED})
    return statement


_UPSERTS: dict[tuple[str, Any], Any] = {}


async def refresh_profile(session: AsyncSession, user_id: int, first_name: str,
                          last_name: str | None, username: str | None) -> None:
    """A known patient's name and username as Telegram gives them now (nothing for a user
    with no record); the username is taken off any other record that still has it."""
    await session.execute(
        update(Patient).where(Patient.telegram_user_id == user_id)
        .values(first_name=first_name[:128], last_name=last_name[:128] if last_name else None,
                username=username))
    if username:
        await session.execute(
            update(Patient).where(func.lower(Patient.username) == username.lower(),
                                  Patient.telegram_user_id != user_id)
            .values(username=None))


async def chosen_language(session: AsyncSession, user_id: int) -> str | None:
    """The language the patient chose with /language, if they have."""
    chosen: str | None = await session.scalar(
        select(Patient.language).where(Patient.telegram_user_id == user_id))
    return chosen


async def choose_language(session: AsyncSession, user_id: int, language: str) -> None:
    await session.execute(update(Patient).where(Patient.telegram_user_id == user_id)
                          .values(language=language))


async def record_messages_consent(session: AsyncSession, user_id: int, now: datetime) -> bool:
    """Record consent if not yet given. True when this call recorded it."""
    result = await session.execute(
        update(Patient)
        .where(Patient.telegram_user_id == user_id, Patient.messages_consent_at.is_(None))
        .values(messages_consent_at=now)
        .returning(Patient.id)
    )
    return result.first() is not None


async def set_unreachable(session: AsyncSession, user_id: int, when: datetime | None) -> None:
    """Record that the patient blocked the bot (`when`), or unblocked it (None)."""
    await session.execute(
        update(Patient).where(Patient.telegram_user_id == user_id).values(unreachable_at=when))


async def set_unreachable_chat(session: AsyncSession, chat_id: int, when: datetime) -> None:
    """The patient whose private chat this is blocked the bot."""
    await session.execute(
        update(Patient).where(Patient.chat_id == chat_id).values(unreachable_at=when))


async def stop_updates(session: AsyncSession, user_id: int, when: datetime | None) -> bool:
    """/stop (a time) or /start again (None) for broadcasts; True if it changed anything."""
    condition = (Patient.updates_stopped_at.is_(None) if when is not None
                 else Patient.updates_stopped_at.is_not(None))
    result = await session.execute(
        update(Patient).where(Patient.telegram_user_id == user_id, condition)
        .values(updates_stopped_at=when).returning(Patient.id))
    return result.first() is not None


async def patients_by_telegram_id(session: AsyncSession, ids: Collection[int]
                                  ) -> dict[int, Patient]:
    found = await session.scalars(select(Patient).where(Patient.telegram_user_id.in_(ids)))
    return {patient.telegram_user_id: patient for patient in found
            if patient.telegram_user_id is not None}


async def patients_by_phone(session: AsyncSession, phones: Collection[str]
                            ) -> dict[str, Patient]:
    found = await session.scalars(select(Patient).where(Patient.phone.in_(phones)))
    return {patient.phone: patient for patient in found if patient.phone is not None}


async def add_patients(session: AsyncSession, people: list[tuple[str, str]], now: datetime
                       ) -> dict[str, int]:
    """Records for people the clinic knows by name and phone, not yet on Telegram (an
    import), in one statement; their ids by phone. (The ids are looked up by the unique
    phone afterwards: RETURNING in order makes SQLite insert one row a statement.)"""
    if not people:
        return {}
    await session.execute(insert(Patient), [
        {"first_name": name, "phone": phone, "first_seen_at": now, "last_seen_at": now}
        for name, phone in people])
    found = await session.execute(select(Patient.phone, Patient.id).where(
        Patient.phone.in_([phone for _, phone in people])))
    return {phone: patient_id for phone, patient_id in found if phone is not None}


async def add_patient_by_phone(session: AsyncSession, first_name: str, phone: str,
                               now: datetime) -> Patient:
    """A record for someone the clinic knows by name and phone, not yet on Telegram (an
    invite)."""
    patient = Patient(first_name=first_name, phone=phone, first_seen_at=now, last_seen_at=now)
    session.add(patient)
    await session.flush()
    return patient
