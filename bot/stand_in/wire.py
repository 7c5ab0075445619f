"""The Bot API's wire format: parameters as a form (JSON-encoded where not plain strings,
as python-telegram-bot sends them), multipart, or a JSON body; Message objects back."""

from __future__ import annotations

import json
import time
from typing import Any

from aiohttp import web

from bot.stand_in.markup import utf16_length
from bot.stand_in.models import BotMessage, User

JSON_FIELDS = {"reply_markup", "commands", "scope", "allowed_updates", "entities",
               "link_preview_options", "reply_parameters", "caption_entities"}
INT_FIELDS = {"chat_id", "message_id", "offset", "limit", "timeout", "from_chat_id",
              "cache_time", "message_thread_id"}
BOOL_FIELDS = {"show_alert", "drop_pending_updates", "disable_notification"}


async def read_parameters(request: web.Request) -> dict[str, Any]:
    raw: dict[str, Any]
    if request.content_type == "application/json":
        raw = await request.json()
    elif request.method == "POST":
        raw = dict(await request.post())
    else:
        raw = dict(request.query)
    return {key: _decode(key, value) for key, value in raw.items()}


def _decode(key: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    if key in JSON_FIELDS:
        return json.loads(value)
    if key in INT_FIELDS and value.lstrip("-").isdigit():
        return int(value)
    if key in BOOL_FIELDS:
        return value.lower() == "true"
    return value


def bot_json(bot_id: int, username: str) -> dict[str, Any]:
    """The bot as getMe describes it."""
    return {"id": bot_id, "is_bot": True, "first_name": "Clinic Test Bot", "username": username,
            "can_join_groups": True, "can_read_all_group_messages": False,
            "supports_inline_queries": False}


def member_json(user_id: int) -> dict[str, Any]:
    """A member of a chat, as getChatMember describes one."""
    return {"status": "member", "user": {"id": user_id, "is_bot": True, "first_name": "bot"}}


def message_json(message: BotMessage, bot_id: int, bot_username: str,
                 chat: dict[str, Any]) -> dict[str, Any]:
    """The Message object Telegram returns for what the bot sent."""
    data: dict[str, Any] = {
        "message_id": message.message_id,
        "from": {"id": bot_id, "is_bot": True, "first_name": "Clinic Test Bot",
                 "username": bot_username},
        "chat": chat,
        "date": int(time.time()),
        "text": message.plain,
    }
    # Like Telegram, a message only ever shows its inline keyboard; a reply keyboard
    # (under the text box) or its removal is not part of the Message object.
    if message.document is not None:
        data.pop("text")
        file = {"file_id": f"doc{message.chat_id}_{message.message_id}",
                "file_unique_id": f"u{message.chat_id}_{message.message_id}",
                "file_size": len(message.document["contents"])}
        if message.method == "sendPhoto":  # the sizes Telegram made of it
            data["photo"] = [file | {"width": 1, "height": 1}]
        else:
            data["document"] = file | {"file_name": message.document["file_name"],
                                       "mime_type": message.document["mime_type"]}
        if message.text:
            data["caption"] = message.text
    if message.reply_markup and "inline_keyboard" in message.reply_markup:
        data["reply_markup"] = message.reply_markup
    return data


def user_message(user: User, chat: dict[str, Any], message_id: int, text: str | None,
                 fields: dict[str, Any]) -> dict[str, Any]:
    """A user's message as Telegram delivers it: a command gets its bot_command entity."""
    message: dict[str, Any] = {"message_id": message_id, "from": user.as_json(),
                               "chat": chat, "date": int(time.time()), **fields}
    if text is not None:
        message["text"] = text
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0,
                                    "length": utf16_length(command)},
                                   *fields.get("entities", [])]
    return message
