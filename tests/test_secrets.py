"""The bot token never leaves the bot in clear (issue 27). A Bot API, or a proxy in front of
it, that answers with the request path echoed back puts the token in its error text, in
one of many shapes; `check` printed it whole, while `run` redacted only the exact string.
Here a loopback server answers every request in one such shape, and neither `check` nor
`run` (at DEBUG, the most it writes) may show the token, its secret half, or either in
another case or URL-encoded, in anything it prints or logs."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from urllib.parse import quote

import pytest
from aiohttp import web

from bot.core.redaction import REDACTED, redact
from bot.stand_in import TelegramStub
from tests.support.bots import bot_environment
from tests.support.processes import python_module, spawn
from tests.support.web_servers import serving

pytestmark = pytest.mark.slow(seconds=4)

# Shaped like a real token: the bot's id, a colon, 35 letters.
TOKEN = "7123456789:AAH3kZ9xQ_vL2mN8pR4tY6wE1sD5fG7hJ0k"
HALF = TOKEN.partition(":")[2]


def _json(status: int, description: str) -> web.Response:
    return web.json_response({"ok": False, "error_code": status, "description": description},
                             status=status)


def _page(status: int, text: str, kind: str = "text/html") -> web.Response:
    return web.Response(status=status, text=text, content_type=kind)


# How an API or a proxy echoes the request: (name, answer from the request path and URL).
SHAPES: dict[str, Callable[[web.Request], web.Response]] = {
    "json, the path": lambda request: _json(404, f"Not Found: {request.path}"),
    "json, the path URL-encoded": lambda request: _json(
        404, f"Not Found: {quote(request.path, safe='/')}"),
    "json, a query string": lambda request: _json(
        400, f"Bad Request: unknown parameter ?token={quote(TOKEN, safe='')}"),
    "json, the secret half alone": lambda request: _json(
        401, f"Unauthorized: secret {HALF} does not match"),
    "json, lowercased by a proxy": lambda request: _json(404, f"Not Found: {request.path}"
                                                          .lower()),
    "html 404 page": lambda request: _page(
        404, f"<html><body><h1>Not Found</h1><p>The requested URL {request.path} was not "
             "found on this server.</p></body></html>"),
    "html 502 page with the whole URL": lambda request: _page(
        502, f"<html><body><h1>502 Bad Gateway</h1><p>upstream {request.url} failed</p>"
             "</body></html>"),
    "plain text, upper case": lambda request: _page(
        500, f"INTERNAL ERROR AT {request.path.upper()}", "text/plain"),
    "json, a traceback's repr": lambda request: _json(
        500, f"Internal: ClientError({str(request.url)!r}, token={TOKEN!r})"),
    "a result that is not a user": lambda request: web.json_response(
        {"ok": True, "result": f"{request.path} {TOKEN}"}),
}


@pytest.fixture(params=list(SHAPES))
async def echoing_api(request: pytest.FixtureRequest) -> AsyncIterator[str]:
    """A Bot API address that answers everything in one echoing shape."""
    answer = SHAPES[request.param]

    async def handle(incoming: web.Request) -> web.Response:
        return answer(incoming)

    async with serving(handle) as address:
        yield f"http://{address}"


def assert_no_token(said: str) -> None:
    folded = said.lower()
    for form in (TOKEN, HALF, quote(TOKEN, safe="")):
        assert form.lower() not in folded, said


async def test_a_token_the_api_echoes_is_never_printed_or_logged(
    echoing_api: str, telegram: TelegramStub, tmp_path: Path,
) -> None:
    """`check` and `run` in turn, at DEBUG, against one echoing shape."""
    env = bot_environment(telegram, f"sqlite:///{tmp_path}/clinic.db", TOKEN) | {
        "TELEGRAM_API_BASE_URL": echoing_api, "LOG_LEVEL": "DEBUG"}
    for command in ("check", "run"):
        process = await spawn(python_module("bot", command), env=env, cwd=tmp_path)
        out, err = await asyncio.wait_for(process.communicate(), 60)
        said = out.decode() + err.decode()

        assert process.returncode != 0, said  # the API was not usable
        assert_no_token(said)
        assert said.strip(), "something was said about it"


@pytest.mark.parametrize("text", [
    TOKEN, TOKEN.lower(), TOKEN.upper(), quote(TOKEN, safe=""), HALF,
    json.dumps({"url": f"/bot{TOKEN}/getMe"}), f"'{TOKEN}'",
    "8123456789:AAZZ9xQ_vL2mN8pR4tY6wE1sD5fG7hJ0kq (a token that is not ours)",
])
def test_every_form_of_a_token_is_redacted(text: str) -> None:
    redacted = redact(f"before {text} after", [TOKEN])

    assert REDACTED in redacted
    assert_no_token(redacted)
    assert "8123456789:AAZZ" not in redacted
    assert redacted.startswith("before ") and redacted.endswith(" after")
