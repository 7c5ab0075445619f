"""A loopback stand-in for the Telegram Bot API, and a patient's view of a chat with it.

Imports: none (not `db`): it is Telegram, seen from outside."""

from bot.stand_in.chat import Chat
from bot.stand_in.limits import FloodLimits
from bot.stand_in.models import ApiError, BotMessage, User, too_many_requests
from bot.stand_in.server import BOT_USERNAME, TOKEN, TelegramStub
from bot.stand_in.waits import until_polling

__all__ = ["BOT_USERNAME", "TOKEN", "ApiError", "BotMessage", "Chat", "FloodLimits",
           "TelegramStub", "User", "too_many_requests", "until_polling"]
