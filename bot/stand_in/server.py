"""A loopback stand-in for the Telegram Bot API, over real HTTP.

It speaks the Bot API's wire format (form-encoded or JSON parameters, `{"ok": ...}`
answers, Telegram's error codes and wording) for the methods the bot uses, keeps the
chats' messages so tests can read and tap them, and enforces Telegram's limits:
flood control (429 with retry_after), blocked users (403), unknown chats, message
length, HTML parse errors and callback data size (400).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any, TypeVar

from aiohttp import web

from bot.stand_in.checks import checked_markup, checked_text, checked_upload
from bot.stand_in.faults import RESET, SLOW, FaultPlan
from bot.stand_in.files import Files
from bot.stand_in.limits import FloodControl, FloodLimits
from bot.stand_in.menus import CommandMenus
from bot.stand_in.models import (
    BLOCKED,
    CHAT_NOT_FOUND,
    NOT_MODIFIED,
    ApiError,
    BotMessage,
    User,
)
from bot.stand_in.quiet import Quiet
from bot.stand_in.webhook import WEBHOOK_ACTIVE, WebhookDelivery
from bot.stand_in.wire import bot_json, member_json, message_json, read_parameters, user_message

# How long a test waits for the bot by default. Generous: a wait ends as soon as what it
# waits for happens, so only a test that is failing anyway spends it, and a machine busy
# with other work must not turn a slow step into a failure.
DEADLINE = 30.0

TOKEN = "123456789:AAStandInForTelegramLoopbackTests_0123456"
BOT_USERNAME = "ClinicTestBot"

# Methods that deliver a message and so count toward flood control.
_SENDING = {"sendmessage", "senddocument", "sendphoto", "copymessage", "forwardmessage"}

T = TypeVar("T")


class TelegramStub:
    """Start with `await stub.start()`; point the bot at `stub.base_url`."""

    def __init__(self, token: str = TOKEN, limits: FloodLimits | None = None,
                 latency: float = 0.0) -> None:
        self.token = token
        # Seconds each answer takes, as a round trip to Telegram would (the benchmark's).
        self.latency = latency
        self.bot_id = int(token.split(":", 1)[0])
        self.flood = FloodControl(limits or FloodLimits())
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.sent: list[BotMessage] = []
        self.rejections: list[tuple[str, int, str]] = []
        self.callback_answers: dict[str, dict[str, Any] | None] = {}
        self.chats: dict[int, dict[str, Any]] = {}
        self.commands = CommandMenus(self.chats)
        self.blocked: set[int] = set()
        self._faults: dict[str, deque[ApiError]] = defaultdict(deque)
        self.chaos: FaultPlan | None = None  # random faults on a share of calls
        # While set, answers wait: the message is delivered, the bot does not hear so.
        self._answers_flow = asyncio.Event()
        self._answers_flow.set()
        self._messages: dict[tuple[int, int], BotMessage] = {}
        # What users sent, by chat and message id, for forwardMessage.
        self._user_messages: dict[tuple[int, int], dict[str, Any]] = {}
        self._next_message_id: dict[int, int] = defaultdict(lambda: 1)
        self.held: list[dict[str, Any]] = []  # for a polling bot, until it confirms them
        self._next_update_id = 1
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self._closing = False
        self.base_url = ""
        self.webhook = WebhookDelivery()
        self.quiet = Quiet(self)
        self.files = Files(token)
        self._methods: dict[str, Callable[[dict[str, Any]], Awaitable[Any]]] = {
            "getme": self._get_me,
            "getupdates": self._get_updates,
            "setwebhook": self.webhook.set,
            "deletewebhook": self.webhook.delete,
            "getwebhookinfo": self._webhook_info,
            "sendmessage": self._send_message,
            "senddocument": partial(self._send_file, field="document", method="sendDocument"),
            "sendphoto": partial(self._send_file, field="photo", method="sendPhoto"),
            "forwardmessage": self._forward_message,
            "editmessagetext": self._edit_message_text,
            "editmessagereplymarkup": self._edit_reply_markup,
            "answercallbackquery": self._answer_callback_query,
            "setmycommands": self.commands.set_commands,
            "getmycommands": self.commands.get_commands,
            "deletemycommands": self._true,
            "sendchataction": self._true,
            "getfile": self.files.get_file,
            "getchatmember": self._get_chat_member,
        }

    # --- lifecycle -------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(middlewares=[self.quiet.counting])
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self.files.download)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None and server.sockets  # type: ignore[attr-defined]
        port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        self.base_url = f"http://127.0.0.1:{port}"
        Quiet.serving[self.base_url] = self

    async def stop(self) -> None:
        # Answer long polls still waiting (their client may be gone) so shutdown is quick.
        async with self._changed:
            self._closing = True
            self._changed.notify_all()
        await self.webhook.stop()
        if self._runner is not None:
            await self._runner.cleanup()

    # --- what tests look at ------------------------------------------------------------

    @property
    def too_many_requests(self) -> int:
        return sum(1 for _, code, _ in self.rejections if code == 429)

    def messages_to(self, chat_id: int) -> list[BotMessage]:
        return [message for message in self.sent if message.chat_id == chat_id]

    def hold_answers(self) -> None:
        """Deliver what the bot sends, but keep it waiting for the answers (a dropped line)."""
        self._answers_flow.clear()

    def release_answers(self) -> None:
        self._answers_flow.set()

    def fail_next(self, method: str, error: ApiError, times: int = 1) -> None:
        """Answer the next `times` calls of `method` with `error` (429, 5xx, ...)."""
        self._faults[method.lower()].extend([error] * times)

    async def wait_for(
        self, condition: Callable[[], T], timeout: float = DEADLINE, what: str = "the bot"
    ) -> T:
        """Wait until `condition()` is truthy (re-checked on every change); return it."""
        deadline = time.monotonic() + timeout
        async with self._changed:
            while not (result := condition()):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"timed out after {timeout}s waiting for {what}")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), remaining)
            return result

    # --- what users do -----------------------------------------------------------------

    def add_chat(self, chat: dict[str, Any]) -> None:
        self.chats[chat["id"]] = chat

    def block(self, user: User) -> None:
        self.blocked.add(user.id)

    async def user_sends(
        self, user: User, text: str | None = None, *, chat: dict[str, Any] | None = None,
        **fields: Any,
    ) -> dict[str, Any]:
        """A new message from `user` (in their private chat unless `chat` is given)."""
        chat = chat or user.private_chat()
        self.add_chat(chat)
        message = user_message(user, chat, self._take_message_id(chat["id"]), text, fields)
        self._user_messages[(chat["id"], message["message_id"])] = message
        await self.push_update({"message": message})
        return message

    async def user_taps(self, user: User, message: BotMessage, data: str) -> str:
        """A tap on a button; like a real client, only data the message offers is sent."""
        assert data in message.button_data(), f"{data!r} is not a button of that message"
        return await self.forged_tap(user, message.chat_id, message.message_id, data)

    async def forged_tap(self, user: User, chat_id: int, message_id: int, data: str) -> str:
        """Callback data as a modified client could send it: anything, for any message."""
        known = self._messages.get((chat_id, message_id))
        message = self._message_json(known) if known else {
            "message_id": message_id, "chat": self.chats.get(chat_id, user.private_chat()),
            "date": int(time.time()), "text": "old message"}
        query_id = f"q{len(self.callback_answers) + 1}"
        self.callback_answers[query_id] = None
        await self.push_update({"callback_query": {
            "id": query_id, "from": user.as_json(), "message": message,
            "chat_instance": str(chat_id), "data": data}})
        return query_id

    async def push_update(self, update: dict[str, Any]) -> int:
        async with self._changed:
            update_id = self._next_update_id
            self._next_update_id += 1
            if self.webhook.active:
                self.webhook.enqueue({"update_id": update_id, **update})
            else:
                self.held.append({"update_id": update_id, **update})
            self._changed.notify_all()
        return update_id

    # --- HTTP ----------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401,
                                      "description": "Unauthorized"}, status=401)
        method = request.match_info["method"]
        params = await read_parameters(request)
        async with self._changed:
            self.calls.append((method, params))
            self._changed.notify_all()
        handler = self._methods.get(method.lower())
        if handler is None:
            return web.json_response({"ok": False, "error_code": 404,
                                      "description": "Not Found: method not found"}, status=404)
        try:
            faults = self._faults.get(method.lower())
            if faults:
                raise faults.popleft()
            fault = self.chaos.before(method, request, str(params.get("chat_id"))) \
                if self.chaos else None
            if fault == RESET:
                return web.Response()  # to a connection already reset
            if self.latency:
                await asyncio.sleep(self.latency / 2)  # the request on its way in
            result = await handler(params)
            if method.lower() in _SENDING:
                await self._answers_flow.wait()
            if self.latency:
                await asyncio.sleep(self.latency / 2)  # and the answer on its way back
            if fault == SLOW and self.chaos:
                await asyncio.sleep(self.chaos.slow_for)  # carried out, answered too late
        except ApiError as error:
            self.rejections.append((method, error.code, error.description))
            return web.json_response(error.body(), status=error.code)
        return web.json_response({"ok": True, "result": result})

    # --- methods -------------------------------------------------------------------------

    async def _true(self, params: dict[str, Any]) -> bool:
        return True

    async def _get_me(self, params: dict[str, Any]) -> dict[str, Any]:
        return bot_json(self.bot_id, BOT_USERNAME)

    async def _webhook_info(self, params: dict[str, Any]) -> dict[str, Any]:
        return self.webhook.info(len(self.held))

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        if self.webhook.active:
            raise WEBHOOK_ACTIVE
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        timeout = float(params.get("timeout") or 0)
        async with self._changed:
            # Asking from an offset confirms every update before it, as Telegram does.
            self.held = [u for u in self.held if u["update_id"] >= offset]
            if not self.held and timeout > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(
                        self._changed.wait_for(lambda: bool(self.held) or self._closing),
                        timeout)
            return self.held[:limit]

    async def _send_message(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._deliverable_chat(params)
        text = str(params.get("text", ""))
        plain = checked_text(text, params.get("parse_mode"))
        markup = checked_markup(params.get("reply_markup"))
        self.flood.take(chat_id)
        message = BotMessage(chat_id=chat_id, message_id=self._take_message_id(chat_id),
                             text=text, plain=plain, parse_mode=params.get("parse_mode"),
                             reply_markup=markup)
        await self._record(message)
        return self._message_json(message)

    async def _send_file(self, params: dict[str, Any], field: str, method: str
                         ) -> dict[str, Any]:
        chat_id = self._deliverable_chat(params)
        upload, contents, caption = checked_upload(params, field)
        self.flood.take(chat_id)
        message = BotMessage(
            chat_id=chat_id, message_id=self._take_message_id(chat_id), text=caption,
            plain=checked_text(caption, params.get("parse_mode")) if caption else caption,
            parse_mode=params.get("parse_mode"),
            reply_markup=checked_markup(params.get("reply_markup")), method=method,
            document={"file_name": upload.filename, "mime_type": upload.content_type,
                      "contents": contents})
        await self._record(message)
        return self._message_json(message)

    async def _forward_message(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._deliverable_chat(params)
        try:
            source = self._user_messages[(int(params["from_chat_id"]),
                                          int(params["message_id"]))]
        except (KeyError, TypeError, ValueError):
            raise ApiError(400, "Bad Request: message to forward not found") from None
        self.flood.take(chat_id)
        said = str(source.get("text") or source.get("caption") or "")
        message = BotMessage(chat_id=chat_id, message_id=self._take_message_id(chat_id),
                             text=said, plain=said, parse_mode=None, reply_markup=None,
                             method="forwardMessage", forwarded=source)
        await self._record(message)
        return self._message_json(message)

    async def _edit_message_text(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._editable(params)
        text = str(params.get("text", ""))
        plain = checked_text(text, params.get("parse_mode"))
        markup = checked_markup(params.get("reply_markup"))
        if text == message.text and markup == message.reply_markup:
            raise NOT_MODIFIED
        message.text, message.plain, message.reply_markup = text, plain, markup
        message.parse_mode = params.get("parse_mode")
        await self._record_edit(message)
        return self._message_json(message)

    async def _edit_reply_markup(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._editable(params)
        markup = checked_markup(params.get("reply_markup"))
        if markup == message.reply_markup:
            raise NOT_MODIFIED
        message.reply_markup = markup
        await self._record_edit(message)
        return self._message_json(message)

    async def _get_chat_member(self, params: dict[str, Any]) -> dict[str, Any]:
        """The bot is a member of every group it knows; a user, of their own chat."""
        chat_id = int(params.get("chat_id", 0))
        if chat_id not in self.chats:
            raise CHAT_NOT_FOUND
        return member_json(int(params.get("user_id", 0)))

    async def _answer_callback_query(self, params: dict[str, Any]) -> bool:
        query_id = str(params.get("callback_query_id", ""))
        if query_id not in self.callback_answers or self.callback_answers[query_id] is not None:
            raise ApiError(400, "Bad Request: query is too old and response timeout expired "
                           "or query ID is invalid")
        if len(str(params.get("text", ""))) > 200:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        async with self._changed:
            self.callback_answers[query_id] = params
            self._changed.notify_all()
        return True

    # --- rules -----------------------------------------------------------------------------

    def _deliverable_chat(self, params: dict[str, Any]) -> int:
        chat_id = params.get("chat_id")
        if not isinstance(chat_id, int) or chat_id not in self.chats:
            raise CHAT_NOT_FOUND
        if chat_id in self.blocked:
            raise BLOCKED
        return chat_id

    def _editable(self, params: dict[str, Any]) -> BotMessage:
        key = (params.get("chat_id"), params.get("message_id"))
        message = self._messages.get(key)  # type: ignore[arg-type]
        if message is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        return message

    def _take_message_id(self, chat_id: int) -> int:
        message_id = self._next_message_id[chat_id]
        self._next_message_id[chat_id] += 1
        return message_id

    async def _record(self, message: BotMessage) -> None:
        async with self._changed:
            self.sent.append(message)
            self._messages[(message.chat_id, message.message_id)] = message
            self._changed.notify_all()

    async def _record_edit(self, message: BotMessage) -> None:
        # Counted with the change, before any wait: whoever sees the new text sees the count.
        message.edits += 1
        async with self._changed:
            self._changed.notify_all()

    def _message_json(self, message: BotMessage) -> dict[str, Any]:
        chat = self.chats.get(message.chat_id, {"id": message.chat_id, "type": "private"})
        return message_json(message, self.bot_id, BOT_USERNAME, chat)
