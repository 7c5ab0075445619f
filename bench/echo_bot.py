"""A bare python-telegram-bot echo bot, the yardstick for bench/throughput.py: the same
library, polling the same way as the clinic's bot (`python -m bot run`), and nothing else.
Reads TELEGRAM_BOT_TOKEN, TELEGRAM_API_BASE_URL and POLLING_TIMEOUT from the environment."""

from __future__ import annotations

import os

from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters


async def echo(update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None
    assert update.message.text is not None
    await update.message.reply_text(update.message.text)


def main() -> None:
    application = (Application.builder()
                   .token(os.environ["TELEGRAM_BOT_TOKEN"])
                   .base_url(f"{os.environ['TELEGRAM_API_BASE_URL']}/bot")
                   .build())
    application.add_handler(MessageHandler(filters.TEXT, echo))
    application.run_polling(timeout=int(os.environ.get("POLLING_TIMEOUT", "10")),
                            allowed_updates=["message"])


if __name__ == "__main__":
    main()
