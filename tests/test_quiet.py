"""Silence is proven once the bot and Telegram are quiet, not by sleeping.

The old check slept for a moment and then looked: a reply that came after the moment
passed it. The new one (`Chat.no_reply`, `bot.stand_in.quiet`) looks once the bot has
handled everything it received and sent everything due by now, so the same late reply
fails it. Each late reply here waits for an event the test sets, so what is late is late
by construction, on an idle machine or a loaded one."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from telegram import Update
from telegram.ext import ApplicationHandlerStop, CommandHandler

from bot.services.context import ClinicContext
from bot.stand_in import until_polling
from tests.support.bots import Clinic

LATE = "Sorry, that took a while"


def answers_late(clinic: Clinic) -> asyncio.Event:
    """A /late command whose reply waits for the event returned (before the bot's own
    handlers, which would call it an unknown command)."""
    release = asyncio.Event()

    async def late(update: Update, context: ClinicContext) -> None:
        await release.wait()
        assert update.effective_message is not None
        await update.effective_message.reply_text(LATE)
        raise ApplicationHandlerStop

    clinic.application.add_handler(CommandHandler("late", late), group=-10)
    return release


async def test_sleeping_then_looking_passes_a_reply_that_comes_late(clinic: Clinic) -> None:
    release = answers_late(clinic)
    ann = clinic.patient()
    await ann.say("/late")

    await asyncio.sleep(0.6)  # the old check, as it was: wait a moment, then look
    assert not clinic.telegram.messages_to(ann.chat_id)  # "silence": it passes

    release.set()
    assert (await ann.next_message()).plain == LATE  # and yet the bot did answer


async def test_waiting_for_quiet_fails_the_same_late_reply(clinic: Clinic) -> None:
    release = answers_late(clinic)
    ann = clinic.patient()
    await ann.say("/late")
    asyncio.get_running_loop().call_later(0.6, release.set)

    with pytest.raises(AssertionError, match="expected silence"):
        await ann.no_reply()
    assert [message.plain for message in clinic.telegram.messages_to(ann.chat_id)] == [LATE]


async def test_quiet_waits_for_what_a_moved_clock_made_due(clinic: Clinic) -> None:
    ann = clinic.patient()
    await ann.ask("/start")  # known to the bot: a chat it may write to

    async def remind(context: ClinicContext) -> None:
        await context.bot.send_message(ann.chat_id, "Your reminder")

    assert clinic.application.job_queue is not None
    clinic.application.job_queue.run_once(remind, when=timedelta(hours=2))
    await ann.no_reply()  # not due yet: quiet at once

    clinic.clock.advance(timedelta(hours=2))  # due now, through the production scheduler
    with pytest.raises(AssertionError, match="expected silence"):
        await ann.no_reply()


async def test_a_bot_that_never_goes_quiet_is_named_not_waited_on_forever(
    clinic: Clinic
) -> None:
    release = answers_late(clinic)
    ann = clinic.patient()
    calls = len(clinic.telegram.calls)
    await ann.say("/late")
    # Asking for updates again, the bot has this one: what it is busy with is then named.
    await until_polling(clinic.telegram, since=calls, what="the bot to fetch the update")
    with pytest.raises(AssertionError,
                       match=r"no quiet within 0\.5s: (the bot still had 1 upd|updates not)"):
        await ann.no_reply(within=0.5)
    release.set()
    assert (await ann.next_message()).plain == LATE
