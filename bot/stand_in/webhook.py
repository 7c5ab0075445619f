"""The stand-in's webhook side, as Telegram behaves: setWebhook stores the address and
secret, each update is POSTed there with the X-Telegram-Bot-Api-Secret-Token header, over
up to `max_connections` connections at once (40 unless setWebhook says otherwise): one
chat's updates one after another, each only once the one before was answered, different
chats' side by side (as grammY's deployment guide describes Telegram's delivery); each
is tried again after a pause while the answer is not 2xx;
getUpdates is refused with 409 while a webhook is set. `targets` lets a test put several instances
behind the one address, as a load balancer would (each update goes to the next)."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from typing import Any

import aiohttp

from bot.stand_in.models import ApiError

RETRY_PAUSE = 0.5
MAX_CONNECTIONS = 40  # Telegram's default for setWebhook
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
WEBHOOK_ACTIVE = ApiError(409, "Conflict: can't use getUpdates method while webhook is active; "
                               "use deleteWebhook to delete the webhook first")


class WebhookDelivery:
    def __init__(self) -> None:
        self.url = ""
        self.secret: str | None = None
        self.allowed_updates: list[str] | None = None
        self.targets: list[str] = []  # instead of `url`, in turn, when set by a test
        # (update_id, address, HTTP status) of every delivery attempt.
        self.attempts: list[tuple[int, str, int]] = []
        self._attempted = asyncio.Condition()
        self.updates: list[dict[str, Any]] = []  # every update, as first posted
        self._waiting: list[dict[str, Any]] = []  # not yet delivered, in arrival order
        self._busy_chats: set[int | None] = set()  # with a delivery under way
        self._ready = asyncio.Condition()
        self._workers: list[asyncio.Task[None]] = []
        self._turn = itertools.count()
        self._session: aiohttp.ClientSession | None = None

    @property
    def active(self) -> bool:
        return bool(self.url)

    async def set(self, params: dict[str, Any]) -> bool:
        url = str(params.get("url") or "")
        if url and not url.startswith(("https://", "http://")):
            raise ApiError(400, "Bad Request: bad webhook: invalid URL")
        self.url = url
        self.secret = params.get("secret_token")
        self.allowed_updates = params.get("allowed_updates")
        connections = int(params.get("max_connections") or MAX_CONNECTIONS)
        if not 1 <= connections <= 100:
            raise ApiError(400, "Bad Request: bad webhook: invalid max_connections")
        if url and not self._workers:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=connections + 8))
            self._workers = [asyncio.create_task(self._deliver_in_order())
                             for _ in range(connections)]
        return True

    async def delete(self, params: dict[str, Any]) -> bool:
        self.url = ""
        return True

    @property
    def idle(self) -> bool:
        """No update waiting to be posted, and none being posted."""
        return not self._waiting and not self._busy_chats

    def info(self, pending: int) -> dict[str, Any]:
        return {"url": self.url, "has_custom_certificate": False,
                "pending_update_count": pending + len(self._waiting)}

    def enqueue(self, update: dict[str, Any]) -> None:
        self._waiting.append(update)
        self.updates.append(update)
        asyncio.get_running_loop().create_task(self._wake())

    async def _wake(self) -> None:
        async with self._ready:
            self._ready.notify_all()

    def _next_deliverable(self) -> dict[str, Any] | None:
        for index, update in enumerate(self._waiting):
            if _chat_of(update) not in self._busy_chats:
                return self._waiting.pop(index)
        return None

    async def post(self, update: dict[str, Any], secret: str | None, target: str = "") -> int:
        """One POST as Telegram makes it (or a forged one, with another secret); the status."""
        assert self._session is not None, "no webhook was set"
        headers = {SECRET_HEADER: secret} if secret is not None else {}
        address = target or self.url
        async with self._session.post(address, json=update, headers=headers) as response:
            self.attempts.append((update["update_id"], address, response.status))
        async with self._attempted:
            self._attempted.notify_all()
        return response.status

    async def answered(self, update_id: int, timeout: float = 10.0) -> None:
        """Wait until a delivery of this update was answered with 2xx."""
        async with asyncio.timeout(timeout), self._attempted:
            await self._attempted.wait_for(lambda: any(
                seen == update_id and 200 <= status < 300
                for seen, _, status in self.attempts))

    async def _deliver_in_order(self) -> None:
        """One connection's loop: the first update whose chat has nothing under way."""
        while True:
            async with self._ready:
                update = await self._ready.wait_for(self._next_deliverable)
                assert update is not None
                chat = _chat_of(update)
                self._busy_chats.add(chat)
            try:
                await self._deliver(update)
            finally:
                async with self._ready:
                    self._busy_chats.discard(chat)
                    self._ready.notify_all()

    async def _deliver(self, update: dict[str, Any]) -> None:
        while True:
            target = (self.targets[next(self._turn) % len(self.targets)]
                      if self.targets else self.url)
            try:
                status = await self.post(update, self.secret, target)
            except aiohttp.ClientError:
                status = 0  # the instance is down: try again, maybe at another
            if 200 <= status < 300:
                return
            await asyncio.sleep(RETRY_PAUSE)

    async def stop(self) -> None:
        for worker in self._workers:
            worker.cancel()
        for worker in self._workers:
            with contextlib.suppress(asyncio.CancelledError):
                await worker
        if self._session is not None:
            await self._session.close()


def _chat_of(update: dict[str, Any]) -> int | None:
    """The chat an update belongs to (its sender's, for one without a chat)."""
    for kind in ("message", "edited_message", "my_chat_member", "callback_query"):
        body = update.get(kind)
        if isinstance(body, dict):
            chat = body.get("chat") or (body.get("message") or {}).get("chat") or {}
            sender = body.get("from") or {}
            found = chat.get("id", sender.get("id"))
            return found if isinstance(found, int) else None
    return None
