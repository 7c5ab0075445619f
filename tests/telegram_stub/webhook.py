"""The stand-in's webhook side, as Telegram behaves: setWebhook stores the address and
secret, each update is POSTed there with the X-Telegram-Bot-Api-Secret-Token header, one
at a time, and tried again after a pause while the answer is not 2xx; getUpdates is
refused with 409 while a webhook is set. `targets` lets a test put several instances
behind the one address, as a load balancer would (each update goes to the next)."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from typing import Any

import aiohttp

from tests.telegram_stub.models import ApiError

RETRY_PAUSE = 0.5
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
        self._queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._worker: asyncio.Task[None] | None = None
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
        if url and self._worker is None:
            self._session = aiohttp.ClientSession()
            self._worker = asyncio.create_task(self._deliver_in_order())
        return True

    async def delete(self, params: dict[str, Any]) -> bool:
        self.url = ""
        return True

    def info(self, pending: int) -> dict[str, Any]:
        return {"url": self.url, "has_custom_certificate": False,
                "pending_update_count": pending + self._queue.qsize()}

    def enqueue(self, update: dict[str, Any]) -> None:
        self._queue.put_nowait(update)

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
        while True:
            update = await self._queue.get()
            self.updates.append(update)
            while True:
                target = (self.targets[next(self._turn) % len(self.targets)]
                          if self.targets else self.url)
                try:
                    status = await self.post(update, self.secret, target)
                except aiohttp.ClientError:
                    status = 0  # the instance is down: try again, maybe at another
                if 200 <= status < 300:
                    break
                await asyncio.sleep(RETRY_PAUSE)

    async def stop(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
        if self._session is not None:
            await self._session.close()
