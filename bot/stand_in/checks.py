"""What Telegram refuses in a message before sending it: empty or over-long text, broken
HTML, empty button labels and callback data outside 1-64 bytes, malformed command lists
(all 400s)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.stand_in.markup import EntityError, parse_html, utf16_length
from bot.stand_in.models import ApiError

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
MAX_UPLOAD_BYTES = 50 * 1024 * 1024


def checked_text(text: str, parse_mode: object) -> str:
    """The text as the user will read it (markup parsed), or the 400 Telegram gives."""
    if not text.strip():
        raise ApiError(400, "Bad Request: message text is empty")
    plain = text
    if str(parse_mode).upper() == "HTML":
        try:
            plain = parse_html(text)
        except EntityError as error:
            raise ApiError(400, f"Bad Request: {error}") from None
    if utf16_length(plain) > MAX_TEXT:
        raise ApiError(400, "Bad Request: message is too long")
    if not plain.strip():
        raise ApiError(400, "Bad Request: message text is empty")
    return plain


def checked_markup(markup: object) -> dict[str, Any] | None:
    """An inline or reply keyboard, or the 400 Telegram gives for a bad one."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
    for row in markup.get("keyboard", []):
        for button in row:
            label = button if isinstance(button, str) else button.get("text", "")
            if not str(label).strip():
                raise ApiError(400, "Bad Request: BUTTON_TEXT_EMPTY")
    for row in markup.get("inline_keyboard", []):
        for button in row:
            if not str(button.get("text", "")).strip():
                raise ApiError(400, "Bad Request: BUTTON_TEXT_EMPTY")
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= MAX_CALLBACK_DATA:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
    return markup


def checked_commands(commands: object) -> list[dict[str, Any]]:
    """A command menu as setMyCommands accepts it: up to 100 lowercase names of 1-32
    letters, digits or underscores, each with a description of 1-256 characters."""
    if not isinstance(commands, list) or len(commands) > 100:
        raise ApiError(400, "Bad Request: commands must be an array of up to 100 items")
    for command in commands:
        name, description = command.get("command", ""), command.get("description", "")
        if not (1 <= len(name) <= 32 and name.replace("_", "").isalnum()
                and name == name.lower()):
            raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
        if not 1 <= len(description) <= 256:
            raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
    return commands


def checked_upload(params: dict[str, Any], field: str = "document"
                   ) -> tuple[web.FileField, bytes, str]:
    """A sendDocument's (or sendPhoto's) file, its bytes and its caption, as Telegram
    accepts them."""
    upload = params.get(field)
    if not isinstance(upload, web.FileField):
        raise ApiError(400, f"Bad Request: there is no {field} in the request")
    contents = upload.file.read()
    if not contents:
        raise ApiError(400, "Bad Request: file must be non-empty")
    if len(contents) > MAX_UPLOAD_BYTES:
        raise ApiError(413, "Request Entity Too Large")
    caption = str(params.get("caption", ""))
    if utf16_length(caption) > MAX_CAPTION:
        raise ApiError(400, "Bad Request: message caption is too long")
    return upload, contents, caption
