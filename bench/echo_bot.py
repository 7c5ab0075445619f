"""A bare python-telegram-bot echo bot, the yardstick for bench/throughput.py: the same
library, polling the same way as the clinic's bot (`python -m bot run`), and nothing else.
Reads TELEGRAM_BOT_TOKEN, TELEGRAM_API_BASE_URL and POLLING_TIMEOUT from the environment.

`--clinic-sized`: instead of the patient's own words, each reply is one of the clinic's
FAQ answers (HTML, with its buttons), in turn: replies the size of the clinic bot's, with
none of its work, to tell the cost of the replies' size from the cost of the work."""

from __future__ import annotations

import itertools
import os
import sys

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import Application, ContextTypes, MessageHandler, filters


async def echo(update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None
    assert update.message.text is not None
    await update.message.reply_text(update.message.text)


def clinic_sized_replies() -> MessageHandler[ContextTypes.DEFAULT_TYPE, None]:
    # Imported here, so that the bare echo bot loads nothing of the clinic's.
    from bot.texts import keyboards
    from bot.texts.content import load_content

    content = load_content(clinic_name="Lotus & Pine Clinic", clinic_contact="")
    topics = itertools.cycle(content.topics)

    async def reply(update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        topic = next(topics)
        await update.message.reply_text(content.answer(topic), parse_mode=ParseMode.HTML,
                                        reply_markup=keyboards.after_answer(content, topic))

    return MessageHandler(filters.TEXT, reply)


def main() -> None:
    application = (Application.builder()
                   .token(os.environ["TELEGRAM_BOT_TOKEN"])
                   .base_url(f"{os.environ['TELEGRAM_API_BASE_URL']}/bot")
                   .build())
    if "--clinic-sized" in sys.argv[1:]:
        application.add_handler(clinic_sized_replies())
    else:
        application.add_handler(MessageHandler(filters.TEXT, echo))
    application.run_polling(timeout=int(os.environ.get("POLLING_TIMEOUT", "10")),
                            allowed_updates=["message"])


if __name__ == "__main__":
    main()
