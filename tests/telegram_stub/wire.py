"""The Bot API's request format: parameters as a form (JSON-encoded where not plain
strings, as python-telegram-bot sends them), multipart, or a JSON body."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

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
