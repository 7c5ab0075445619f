"""What the stand-in's chats hold: users, the bot's messages, and Bot API errors."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any


class ApiError(Exception):
    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code, self.description, self.retry_after = code, description, retry_after

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": False, "error_code": self.code,
                                "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def too_many_requests(retry_after: int) -> ApiError:
    return ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after)


BLOCKED = ApiError(403, "Forbidden: bot was blocked by the user")
CHAT_NOT_FOUND = ApiError(400, "Bad Request: chat not found")
NOT_MODIFIED = ApiError(400, "Bad Request: message is not modified: specified new message "
                        "content and reply markup are exactly the same as a current content "
                        "and reply markup of the message")


@dataclass
class User:
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = "en"

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        return data

    def private_chat(self) -> dict[str, Any]:
        chat: dict[str, Any] = {"id": self.id, "type": "private", "first_name": self.first_name}
        if self.username:
            chat["username"] = self.username
        return chat


@dataclass
class BotMessage:
    """A message the bot sent, as the chat now shows it (edits update it in place)."""

    chat_id: int
    message_id: int
    text: str
    plain: str
    parse_mode: str | None
    reply_markup: dict[str, Any] | None
    method: str = "sendMessage"
    edits: int = 0
    sent_at: float = field(default_factory=time.monotonic)
    document: dict[str, Any] | None = None
    # forwardMessage: the user's message it carries, as the user sent it.
    forwarded: dict[str, Any] | None = None

    def buttons(self) -> list[dict[str, Any]]:
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [button for row in rows for button in row]

    def button_data(self) -> list[str]:
        return [button["callback_data"] for button in self.buttons() if "callback_data" in button]

    def keyboard_buttons(self) -> list[dict[str, Any]]:
        """The reply keyboard's buttons (under the text box), e.g. the contact button."""
        rows = (self.reply_markup or {}).get("keyboard", [])
        return [{"text": b} if isinstance(b, str) else b for row in rows for b in row]

    def button_labels(self) -> list[str]:
        return [button["text"] for button in self.buttons()]
