"""Phone numbers in one form, E.164 (+447700900123), so an import, an invite and Telegram's
contact button all name a patient the same way."""

from __future__ import annotations

import phonenumbers


def normalize_phone(text: str, region: str = "") -> str | None:
    """`text` as E.164, or None if it cannot be a phone number. Without a + (or 00) the
    number is read as one of `region` (ISO country code; empty: refused)."""
    cleaned = text.strip()
    if cleaned.startswith("00"):
        cleaned = "+" + cleaned[2:]
    try:
        number = phonenumbers.parse(cleaned, region or None)
    except phonenumbers.NumberParseException:
        return None
    # "Possible" (the right length for the country), not "valid": clinics and tests use
    # reserved fictional ranges, and a wrong digit is caught by the patient's own phone.
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def telegram_contact_phone(text: str) -> str | None:
    """Telegram's contact button gives the number with or without its +."""
    digits = text.strip()
    return normalize_phone(digits if digits.startswith("+") else f"+{digits}")
