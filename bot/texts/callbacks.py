"""Callback data: named prefixes, built and matched in one place.

A button carries a verb and at most one id, well under Telegram's 64-byte limit. Anything
else that arrives (old buttons, forged data) matches no pattern and is answered politely.
"""

from __future__ import annotations

import re

FAQ_TOPIC = "faq"  # faq:<topic id>
FAQ_MENU = "faqmenu"  # the topic list, in place of the message tapped
FAQ_OPEN = "faqopen"  # the topic list, as a new message
RISKS = "risks"  # the /risks answer, as a new message
GIVE_CONSENT = "consent"
NOT_HELPFUL = "nohelp"  # nohelp:<question id>
CONFIRM = "apconfirm"  # apconfirm:<appointment id>
RESCHEDULE = "apmove"  # apmove:<appointment id>
CANCEL = "apcancel"  # apcancel:<appointment id>: asks "are you sure?"
CANCEL_SURE = "apcancelyes"  # apcancelyes:<appointment id>
KEEP = "apkeep"  # apkeep:<appointment id>: back to the reminder's buttons
SHOW_APPOINTMENT = "apshow"  # apshow:<appointment id>: its details and actions
ALL_APPOINTMENTS = "apall"  # back to the /appointments list
CALENDAR = "apics"  # apics:<appointment id>: its .ics file
BOOK_DAY = "bkday"  # bkday:<YYYYMMDD>, in the guided /book
BOOK_TIME = "bktime"  # bktime:<HHMM>
BOOK_LENGTH = "bkmin"  # bkmin:<minutes>
BOOK_WHO = "bkwho"  # bkwho:<index of a recent practitioner> or bkwho:any
BOOK_YES = "bkyes"
BOOK_STOP = "bkstop"
BROADCAST_AUDIENCE = "bcaud"  # bcaud:<broadcast id>_<a | w | p<practitioner index>>
BROADCAST_SEND = "bcsend"  # bcsend:<broadcast id>
BROADCAST_CANCEL = "bccancel"  # bccancel:<broadcast id>
SORENESS = "cksore"  # cksore:<check-in message id>_<score 0-10>
BETTER = "ckbetter"  # ckbetter:<check-in message id>
SAME = "cksame"  # cksame:<check-in message id>
WORSE = "ckworse"  # ckworse:<check-in message id>
SETTING = "set"  # set:<r | c | u>: turn reminders, check-ins or updates the other way
FORGET_SURE = "forgetyes"
FORGET_KEEP = "forgetno"
IMPORT_GO = "impgo"  # impgo:<pending import id>
HAPPENING_NOW = "nowyes"  # nowyes:<safety alert id>: "yes, it is happening now"
NOT_NOW = "nowno"  # nowno:<safety alert id>
IMPORT_STOP = "impno"  # impno:<pending import id>
LANGUAGE = "lang"  # lang:<language code>: read the bot in that language

_ARGUMENT = r"[a-z0-9_]{1,20}"


def data(prefix: str, argument: str | int | None = None) -> str:
    return prefix if argument is None else f"{prefix}:{argument}"


def pattern(prefix: str, *, with_argument: bool) -> re.Pattern[str]:
    """An anchored pattern; group 1 is the argument when there is one."""
    if with_argument:
        return re.compile(rf"^{re.escape(prefix)}:({_ARGUMENT})$")
    return re.compile(rf"^{re.escape(prefix)}$")


def int_argument(match: re.Match[str] | None) -> int | None:
    if match is None or not match.group(1).isdigit():
        return None
    value = int(match.group(1))
    return value if value < 2**63 else None


def int_pair_argument(match: re.Match[str] | None) -> tuple[int, int] | None:
    """Two ids joined by "_", as in cksore:<message id>_<score>."""
    if match is None:
        return None
    first, _, second = match.group(1).partition("_")
    if not (first.isdigit() and second.isdigit() and int(first) < 2**63):
        return None
    return int(first), int(second)
