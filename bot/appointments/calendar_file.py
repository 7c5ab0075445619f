"""An appointment as an iCalendar (.ics) file, which every calendar app can add.

RFC 5545: CRLF line ends, long lines folded, text escaped. The UID is the appointment's,
and SEQUENCE grows with each change, so a moved session's new file updates the entry
instead of adding a second one.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from db.models import Appointment

PRODUCT_ID = "-//Clinic bot//Appointments//EN"


def appointment_ics(appointment: Appointment, *, summary: str, description: str,
                    organiser: str, now: datetime) -> bytes:
    ends_at = appointment.starts_at + timedelta(minutes=appointment.duration_minutes)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODUCT_ID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:appointment-{appointment.id}@{_text(organiser).replace(' ', '-').lower()}",
        f"SEQUENCE:{int(appointment.updated_at.timestamp())}",
        f"DTSTAMP:{_utc(now)}",
        f"DTSTART:{_utc(appointment.starts_at)}",
        f"DTEND:{_utc(ends_at)}",
        f"SUMMARY:{_text(summary)}",
        f"DESCRIPTION:{_text(description)}",
        "STATUS:CONFIRMED",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "".join(_fold(line) + "\r\n" for line in lines).encode()


def file_name(appointment: Appointment, zone_name: str) -> str:
    local = appointment.starts_at.astimezone(ZoneInfo(zone_name))
    return f"session-{local:%Y-%m-%d-%H%M}.ics"


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _text(value: str) -> str:
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n"))


def _fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space."""
    encoded = line.encode()
    if len(encoded) <= 75:
        return line
    parts: list[str] = []
    current = b""
    for char in line:
        piece = char.encode()
        if len(current) + len(piece) > (75 if not parts else 74):
            parts.append(current.decode())
            current = b""
        current += piece
    parts.append(current.decode())
    return "\r\n ".join(parts)
