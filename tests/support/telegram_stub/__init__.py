"""A loopback stand-in for the Telegram Bot API, and a patient's view of a chat with it."""

from tests.support.telegram_stub.chat import Chat
from tests.support.telegram_stub.limits import FloodLimits
from tests.support.telegram_stub.models import ApiError, BotMessage, User, too_many_requests
from tests.support.telegram_stub.server import BOT_USERNAME, TOKEN, TelegramStub
from tests.support.telegram_stub.waits import until_polling

__all__ = ["BOT_USERNAME", "TOKEN", "ApiError", "BotMessage", "Chat", "FloodLimits",
           "TelegramStub", "User", "too_many_requests", "until_polling"]
