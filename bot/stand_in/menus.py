"""The stand-in's command menus: setMyCommands and getMyCommands, kept per scope and
language, as the Telegram client shows them (the default menu, or one chat's; for users
whose Telegram is set to a language, that language's menu when there is one)."""

from __future__ import annotations

import re
from typing import Any

from bot.stand_in.checks import checked_commands
from bot.stand_in.models import CHAT_NOT_FOUND, ApiError

_LANGUAGE_CODE = re.compile(r"^[a-z]{2}$")  # ISO 639-1, as Telegram asks


class CommandMenus(dict[str, list[dict[str, Any]]]):
    """Each scope's commands, by "type:chat_id" ("default:" for everyone)."""

    def __init__(self, chats: dict[int, dict[str, Any]]) -> None:
        super().__init__()
        self._chats = chats  # the stand-in's known chats: a chat scope must name one

    async def set_commands(self, params: dict[str, Any]) -> bool:
        commands = checked_commands(params.get("commands"))
        scope = params.get("scope") or {"type": "default"}
        if scope.get("type") == "chat" and int(scope["chat_id"]) not in self._chats:
            raise CHAT_NOT_FOUND
        self[_scope_key(scope, params)] = commands
        return True

    async def get_commands(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        return self.get(_scope_key(params.get("scope") or {"type": "default"}, params), [])


def _scope_key(scope: dict[str, Any], params: dict[str, Any]) -> str:
    key = f"{scope.get('type')}:{scope.get('chat_id', '')}"
    language = params.get("language_code") or ""
    if language and not _LANGUAGE_CODE.match(str(language)):
        raise ApiError(400, "Bad Request: invalid language code specified")
    return f"{key}@{language}" if language else key
