"""Linking a Telegram account to the clinic's patient record: by an invite link or by the
phone number the patient shares. They take a session and never commit.

A record made by an import or an invite has no Telegram id. When its patient turns up on
Telegram (and so already has a record from /start), the clinic's record is merged into
theirs: its appointments and invites move over, and it is deleted.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from enum import StrEnum

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Appointment, AppointmentStatus, Invite, Patient, PatientQuestion


class Linked(StrEnum):
    LINKED = "linked"  # a clinic record was merged in
    SAVED = "saved"  # no record had the number; it is now this patient's
    ALREADY = "already"  # nothing to do
    TAKEN = "taken"  # the record belongs to another Telegram account
    INVALID = "invalid"  # unknown or used invite


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create_invite(session: AsyncSession, patient_id: int, token: str, staff_id: int,
                        now: datetime) -> None:
    session.add(Invite(patient_id=patient_id, token_hash=token_hash(token), created_at=now,
                       created_by=staff_id))
    await session.flush()


async def redeem_invite(session: AsyncSession, token: str, patient: Patient, now: datetime
                        ) -> Linked:
    """Use the invite (once) to link its record to `patient`, the Telegram user opening it."""
    invited_id = await session.scalar(
        update(Invite)
        .where(Invite.token_hash == token_hash(token), Invite.used_at.is_(None))
        .values(used_at=now)
        .returning(Invite.patient_id))
    if invited_id is None:
        return Linked.INVALID
    record = await session.get(Patient, invited_id)
    if record is None:
        return Linked.INVALID
    return await _merge(session, patient, record)


async def link_phone(session: AsyncSession, patient: Patient, phone: str) -> Linked:
    """The patient shared `phone` (their own, checked by the caller)."""
    record = await session.scalar(select(Patient).where(Patient.phone == phone))
    if record is None:
        patient.phone = phone
        await session.flush()
        return Linked.SAVED
    return await _merge(session, patient, record)


async def _merge(session: AsyncSession, patient: Patient, record: Patient) -> Linked:
    if record.id == patient.id:
        return Linked.ALREADY
    if record.telegram_user_id is not None:
        return Linked.TAKEN
    for model in (Appointment, Invite, PatientQuestion):
        await session.execute(update(model).where(model.patient_id == record.id)
                              .values(patient_id=patient.id))
    phone = record.phone
    await session.execute(delete(Patient).where(Patient.id == record.id))
    if phone is not None:
        patient.phone = phone
    await session.flush()
    return Linked.LINKED


async def upcoming_count(session: AsyncSession, patient_id: int, now: datetime) -> int:
    count = await session.scalar(
        select(func.count()).select_from(Appointment)
        .where(Appointment.patient_id == patient_id,
               Appointment.status == AppointmentStatus.BOOKED, Appointment.starts_at > now))
    return int(count or 0)
