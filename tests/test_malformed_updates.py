"""Updates Telegram could not have sent (issue 27): a message without its chat and a tap
without its sender each logged an error with a traceback from inside a filter. They are
passed over with one warning line, and the bot goes on."""

from __future__ import annotations

import logging

import pytest

from tests.support.bots import Clinic


async def test_a_message_without_a_chat_or_a_tap_without_a_sender_is_one_line(
    clinic: Clinic, caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    await clinic.telegram.push_update({"message": {
        "message_id": 5, "date": 1_700_000_000, "text": "hi",
        "from": {"id": 555, "is_bot": False, "first_name": "X"}}})
    await clinic.telegram.push_update({"callback_query": {
        "id": "q9", "chat_instance": "c", "data": "faq:1"}})

    risks = await clinic.patient("Nell").ask("/risks")  # after both: the bot goes on

    assert "bruising" in risks.plain
    passed_over = [record for record in caplog.records if "passed over" in record.message]
    assert [record.getMessage().split(": ", 1)[1] for record in passed_over] == [
        "a message without its chat", "a button tap without its sender"]
    assert all(record.levelname == "WARNING" and record.exc_info is None
               for record in passed_over)
    assert not [record for record in caplog.records
                if record.levelno >= logging.ERROR or record.exc_info]
