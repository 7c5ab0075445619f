"""The demo: the real bot against the stand-in, on a clock the page moves, and the page.

The web server listens on 127.0.0.1 only. Its JSON API is what the page uses: `GET
/api/state` (every chat as Telegram would show it, the clinic's time and the next planned
messages), `POST /api/say`, `/api/tap`, `/api/contact` (a person types, taps a button or
shares their phone), `POST /api/clock` (skip ahead by some minutes, or to the next
planned message), `POST /api/reload` (read `content/` again) and `GET /api/file/...`
(a document the bot sent). The bot's database is a file of its own in a temporary
folder, removed at exit unless `--keep`; the demo never reads `.env`.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import os
import shutil
import sys
import tempfile
import time
import webbrowser
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from bot.assembly.app import build_application, polling, publish_commands, readers
from bot.assembly.startup import stop_signal
from bot.core.clock import ManualClock
from bot.demo.seed import PATIENTS, STAFF, STAFF_GROUP, STAFF_GROUP_ID, demo_settings, seed
from bot.services.context import ClinicApp
from bot.stand_in import Chat, FloodLimits, TelegramStub, User
from bot.texts.content import ContentError
from bot.texts.translations import contents_for
from db.migrate import upgrade_database_async
from db.models import utcnow
from db.planned import next_due_after, upcoming
from db.session import Database

logger = logging.getLogger(__name__)

SHOWN_UPCOMING = 8
LONGEST_SKIP = timedelta(days=14)


@dataclass
class Said:
    """Something a person typed (the stand-in keeps only what the bot sent)."""

    chat_id: int
    text: str
    at: float = field(default_factory=time.monotonic)


class Demo:
    def __init__(self, telegram: TelegramStub, application: ClinicApp) -> None:
        self.telegram = telegram
        self.application = application
        self.said: list[Said] = []
        self.toasts: dict[int, str] = {}  # the last button answer shown, by chat
        # The language a patient's Telegram is set to, when switched on the page.
        self.languages: dict[int, str] = {}

    @property
    def clock(self) -> ManualClock:
        clock = self.application.bot_data.services.clock
        assert isinstance(clock, ManualClock)
        return clock

    def chats(self) -> list[tuple[int, str, User, dict[str, Any]]]:
        """(chat id, title, who types there, the chat) for every chat on the page."""
        rows = [(p.user.id, p.user.first_name, p.user, p.user.private_chat())
                for p in PATIENTS]
        rows.append((STAFF.id, f"{STAFF.first_name} (staff, private)", STAFF,
                     STAFF.private_chat()))
        rows.append((STAFF_GROUP_ID, "Clinic staff (group)", STAFF, STAFF_GROUP))
        return rows

    def _chat(self, chat_id: int) -> tuple[User, dict[str, Any]]:
        for known, _, user, chat in self.chats():
            if known == chat_id:
                if chat_id in self.languages:
                    user = dataclasses.replace(user, language_code=self.languages[chat_id])
                return user, chat
        raise web.HTTPNotFound(text="no such chat")

    def switch_language(self, chat_id: int, language: str) -> None:
        """Set a patient's Telegram to `language`, as the patient would in Telegram's
        settings: the bot writes in it from their next message (unless they chose
        another with /language)."""
        user, _ = self._chat(chat_id)
        contents = self.application.bot_data.services.contents
        if chat_id < 0 or self.application.bot_data.settings.is_staff(user.id) \
                or not contents.offers(language):
            raise web.HTTPBadRequest(text="not a patient, or not a language offered")
        self.languages[chat_id] = language

    async def state(self) -> dict[str, Any]:
        zone = self.application.bot_data.settings.timezone
        now = self.clock.now()
        async with self.application.bot_data.services.database.transaction() as session:
            coming = await upcoming(session, now, SHOWN_UPCOMING)
        return {
            "now": f"{now.astimezone(zone):%a %d %b %Y, %H:%M}",
            "upcoming": [{"due": f"{due.astimezone(zone):%a %d %b %H:%M}", "kind": kind,
                          "patient": name} for due, kind, name in coming],
            "chats": [self._chat_state(chat_id, title) for chat_id, title, _, _
                      in self.chats()],
        }

    def _chat_state(self, chat_id: int, title: str) -> dict[str, Any]:
        shown: list[tuple[float, dict[str, Any]]] = []
        contact = False
        for message in self.telegram.messages_to(chat_id):
            buttons = [[{"text": button["text"], "data": button.get("callback_data"),
                         "url": button.get("url")} for button in row]
                       for row in (message.reply_markup or {}).get("inline_keyboard", [])]
            contact = any(button.get("request_contact")
                          for button in message.keyboard_buttons()) or (
                contact and not (message.reply_markup or {}).get("remove_keyboard"))
            document = None
            if message.document is not None:
                document = {"name": message.document["file_name"],
                            "url": f"/api/file/{chat_id}/{message.message_id}"}
            shown.append((message.sent_at, {
                "from": "bot", "id": message.message_id, "html": message.text,
                "buttons": buttons, "edited": message.edits > 0, "document": document}))
        for said in self.said:
            if said.chat_id == chat_id:
                shown.append((said.at, {"from": "you", "text": said.text}))
        user, _ = self._chat(chat_id)
        language = user.language_code or ""
        menu = (self.telegram.commands.get(f"chat:{chat_id}")
                or self.telegram.commands.get(f"default:@{language}")
                or self.telegram.commands.get("default:", []))
        contents = self.application.bot_data.services.contents
        patient = chat_id > 0 and not self.application.bot_data.settings.is_staff(user.id)
        return {"id": chat_id, "title": title, "contact": contact, "language": language,
                "languages": [[code, contents.name(code)] for code in contents.offered]
                if patient else [],
                "toast": self.toasts.get(chat_id, ""),
                "commands": [command["command"] for command in menu],
                "messages": [entry for _, entry in sorted(shown, key=lambda pair: pair[0])]}

    async def say(self, chat_id: int, text: str, reply_to: int | None = None) -> None:
        """`text` from the chat's user; with `reply_to`, as Telegram's Reply to that bot
        message (how staff answer a question the bot handed over)."""
        user, chat = self._chat(chat_id)
        fields: dict[str, Any] = {}
        if reply_to is not None:
            if not any(message.message_id == reply_to
                       for message in self.telegram.messages_to(chat_id)):
                raise web.HTTPBadRequest(text="no such message")
            fields["reply_to_message"] = {"message_id": reply_to, "chat": chat, "date": 0}
        self.said.append(Said(chat_id, ("↩ " if reply_to is not None else "") + text))
        await self.telegram.user_sends(user, text, chat=chat, **fields)

    async def tap(self, chat_id: int, message_id: int, data: str) -> None:
        user, _ = self._chat(chat_id)
        message = next((m for m in self.telegram.messages_to(chat_id)
                        if m.message_id == message_id), None)
        if message is None or data not in message.button_data():
            raise web.HTTPBadRequest(text="no such button")
        query = await self.telegram.user_taps(user, message, data)
        asyncio.get_running_loop().create_task(self._toast(chat_id, query))

    async def _toast(self, chat_id: int, query: str) -> None:
        with contextlib.suppress(AssertionError):
            answer: dict[str, Any] = await self.telegram.wait_for(
                lambda: self.telegram.callback_answers.get(query) or {}, timeout=10)
            self.toasts[chat_id] = str(answer.get("text") or "")

    async def share_contact(self, chat_id: int) -> None:
        user, chat = self._chat(chat_id)
        self.said.append(Said(chat_id, "📞 (shared their phone number)"))
        await Chat(self.telegram, user, chat).share_contact(f"+4477009{user.id:05}")

    async def skip(self, minutes: float | None) -> None:
        now = self.clock.now()
        if minutes is None:
            async with self.application.bot_data.services.database.transaction() as session:
                due = await next_due_after(session, now)
            if due is None:
                return
            self.clock.advance_to(due)
        else:
            self.clock.advance(min(timedelta(minutes=minutes), LONGEST_SKIP))

    async def reload(self) -> str:
        """Read the content files again; the problems, if an edit broke something."""
        data = self.application.bot_data
        settings = data.settings
        try:
            contents = contents_for(settings)
        except ContentError as error:
            return str(error)
        # The services are built once; the demo's edit-and-reload builds the two that
        # depend on the texts again.
        data.services = dataclasses.replace(data.services, contents=contents,
                                            reader=readers(contents.reading, contents.read_too))
        await publish_commands(self.application)
        return ""

    def document(self, chat_id: int, message_id: int) -> tuple[str, bytes]:
        for message in self.telegram.messages_to(chat_id):
            if message.message_id == message_id and message.document is not None:
                return message.document["file_name"], message.document["contents"]
        raise web.HTTPNotFound(text="no such file")


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def only_this_page(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The demo answers its own page only: a Host other than this machine (DNS
    rebinding), a post from another site's page (its Origin), or a post that is not JSON
    (a form, which a browser sends cross-site without asking) is refused."""
    local = {"127.0.0.1", "localhost", "[::1]"}
    host = request.host.rsplit(":", 1)[0] if not request.host.endswith("]") else request.host
    if host not in local:
        raise web.HTTPForbidden(text="the demo answers only at 127.0.0.1 or localhost")
    if request.method == "POST":
        origin = request.headers.get("Origin")
        if origin is not None and urlsplit(origin).hostname not in {"127.0.0.1", "localhost",
                                                                     "::1"}:
            raise web.HTTPForbidden(text="posts come from the demo's own page only")
        if request.content_type != "application/json":
            raise web.HTTPUnsupportedMediaType(text="the demo takes JSON only")
    return await handler(request)


def web_app(demo: Demo) -> web.Application:
    page = resources.files("bot.demo").joinpath("page.html").read_text(encoding="utf-8")

    async def index(_: web.Request) -> web.Response:
        return web.Response(text=page, content_type="text/html")

    async def state(_: web.Request) -> web.Response:
        return web.json_response(await demo.state())

    async def action(request: web.Request) -> web.Response:
        try:
            body = await request.json()
            name = request.match_info["action"]
            chat = int(body.get("chat", 0))
            reply_to = body.get("reply_to")
            reply_to = None if reply_to is None else int(reply_to)
        except (ValueError, TypeError, AttributeError):
            raise web.HTTPBadRequest(text="expected a JSON object") from None
        if name == "say" and str(body.get("text", "")).strip():
            await demo.say(chat, str(body["text"])[:4096], reply_to)
        elif name == "tap":
            await demo.tap(chat, int(body["message"]), str(body["data"]))
        elif name == "contact":
            await demo.share_contact(chat)
        elif name == "clock":
            minutes = body.get("minutes")
            await demo.skip(None if minutes is None else float(minutes))
        elif name == "language":
            demo.switch_language(chat, str(body.get("language", "")))
        elif name == "reload":
            return web.json_response({"problems": await demo.reload()})
        return web.json_response({"ok": True})

    async def document(request: web.Request) -> web.Response:
        name, contents = demo.document(int(request.match_info["chat"]),
                                       int(request.match_info["message"]))
        return web.Response(body=contents, content_type="application/octet-stream",
                            headers={"Content-Disposition": f'attachment; filename="{name}"'})

    app = web.Application(middlewares=[only_this_page])
    app.router.add_get("/", index)
    app.router.add_get("/api/state", state)
    app.router.add_post("/api/{action}", action)
    app.router.add_get("/api/file/{chat}/{message}", document)
    return app


async def run_demo(port: int, *, empty: bool, keep: bool, open_browser: bool,
                   content_dir: Path | None = None, stop: asyncio.Event | None = None
                   ) -> None:
    folder = Path(tempfile.mkdtemp(prefix="clinic-demo-"))
    telegram = TelegramStub(limits=FloodLimits())
    await telegram.start()
    runner: web.AppRunner | None = None
    try:
        settings = demo_settings(telegram, folder / "demo.db", content_dir)
        await upgrade_database_async(settings.database_url)
        clock = ManualClock(utcnow().replace(second=0, microsecond=0))
        if not empty:
            database = Database(settings.database_url)
            try:
                await seed(database, telegram, settings, clock.now())
            finally:
                await database.dispose()
        application = build_application(settings, contents_for(settings), clock)
        async with polling(application):
            demo = Demo(telegram, application)
            runner = web.AppRunner(web_app(demo), handle_signals=False)
            await runner.setup()
            await web.TCPSite(runner, "127.0.0.1", port).start()
            address = f"http://127.0.0.1:{port}/"
            print(f"The demo is at {address} (Ctrl-C stops it)", flush=True)
            if open_browser and _has_screen():
                with contextlib.suppress(Exception):
                    webbrowser.open(address)
            await (stop or stop_signal()).wait()
    finally:
        if runner is not None:
            await runner.cleanup()
        await telegram.stop()
        if keep:
            print(f"The demo's database is kept in {folder}", flush=True)
        else:
            shutil.rmtree(folder, ignore_errors=True)


def _has_screen() -> bool:
    """Whether a graphical browser can open: on a server over SSH, `webbrowser` would
    start a text browser in the terminal instead."""
    return sys.platform in ("darwin", "win32") or bool(
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
