"""The stand-in's command menus: setMyCommands and getMyCommands, kept per scope, as the
Telegram client shows them (the default menu, or one chat's)."""

from __future__ import annotations

from typing import Any

from bot.stand_in.checks import checked_commands
from bot.stand_in.models import CHAT_NOT_FOUND


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
        self[_scope_key(scope)] = commands
        return True

    async def get_commands(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        return self.get(_scope_key(params.get("scope") or {"type": "default"}), [])


def _scope_key(scope: dict[str, Any]) -> str:
    return f"{scope.get('type')}:{scope.get('chat_id', '')}"
