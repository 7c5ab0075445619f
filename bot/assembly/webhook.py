"""Webhook mode: Telegram calls us (`BOT_MODE=webhook` or `python -m bot run --webhook`).

An aiohttp server listens on WEBHOOK_LISTEN:WEBHOOK_PORT and serves:

- `POST WEBHOOK_PATH`: an update. A request without the right
  `X-Telegram-Bot-Api-Secret-Token` header gets 403 and is ignored; a body that is not an
  update gets 400. An update is kept in the database and answered 200 at once, then
  handled (`bot/assembly/inbox.py`): a chat's flood comes to the bot, whose per-chat bound
  applies, instead of waiting at Telegram; one Telegram sends again, or that reaches two
  instances, is handled once; one whose process dies is handled by another, or at the
  next start.
- `GET /healthz`: 200 when the database answers and the scheduler runs, else 503.

At start the webhook is registered with `setWebhook` (with the secret). At stop it is
left in place: other instances may still be serving it.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from datetime import timedelta
from typing import Any

from aiohttp import web
from telegram import Update

from bot.assembly.app import ALLOWED_UPDATES
from bot.assembly.inbox import REPLAY_EVERY, REPLAY_JOB, Inbox, replay
from bot.assembly.startup import stop_signal
from bot.core.settings import Settings
from bot.services.context import BotData, ClinicApp
from db.models import utcnow
from db.updates import forget_before

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram stops retrying an update within a day; its record can go after that.
REMEMBER_UPDATES = timedelta(days=2)
PRUNE_JOB = "updates:prune"


def make_web_app(application: ClinicApp, settings: Settings, inbox: Inbox
                 ) -> web.Application:
    assert settings.webhook_secret is not None
    secret = settings.webhook_secret.get_secret_value().encode()

    async def receive_update(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, secret):
            logger.warning("Webhook call without the right secret from %s refused",
                           request.remote)
            return web.Response(status=403)
        try:
            body = (await request.read()).decode("utf-8")
        except UnicodeDecodeError:  # Telegram sends UTF-8; anything else is no update
            logger.warning("Webhook body refused: not UTF-8")
            return web.Response(status=400)
        update = _update_in(body, application)
        if update is None:
            return web.Response(status=400)
        await inbox.keep(update, body)
        return web.Response()

    async def health(_: web.Request) -> web.Response:
        state = await health_report(application)
        healthy = all(value == "ok" for value in state.values())
        return web.json_response(state, status=200 if healthy else 503)

    app = web.Application(client_max_size=1024 * 1024)
    app.router.add_post(settings.webhook_path, receive_update)
    app.router.add_get("/healthz", health)
    return app


def _update_in(body: str, application: ClinicApp) -> Update | None:
    """The update a POST carries; None, with a one-line warning, for a body that is not
    one (not JSON, not an object, no usable update_id, fields of the wrong kind)."""
    try:
        data = json.loads(body)
        if not isinstance(data, dict):
            raise TypeError("not a JSON object")
        update_id = data.get("update_id")
        if type(update_id) is not int or not 0 <= update_id < 2 ** 63:
            raise TypeError("no usable update_id")
        update = Update.de_json(data, application.bot)
        if update is None:
            raise TypeError("empty")
        return update
    except Exception as error:  # whatever the body held (deep nesting: RecursionError)
        logger.warning("Webhook body refused: not an update (%s)", type(error).__name__)
        return None


async def health_report(application: ClinicApp) -> dict[str, str]:
    data: BotData = application.bot_data
    state = {"database": "ok", "scheduler": "ok"}
    try:
        await asyncio.wait_for(data.services.database.ping(), 5)
    except Exception:  # any failure means unhealthy; the reason is logged
        logger.warning("Health check: the database does not answer", exc_info=True)
        state["database"] = "unreachable"
    job_queue = application.job_queue
    if job_queue is None or not job_queue.scheduler.running:
        state["scheduler"] = "stopped"
    return state


async def _prune(context: Any) -> None:
    async with context.bot_data.services.database.transaction() as session:
        await forget_before(session, utcnow() - REMEMBER_UPDATES)


async def serve(application: ClinicApp, settings: Settings,
                stop: asyncio.Event | None = None) -> None:
    """Run until SIGTERM or SIGINT (or until `stop` is set, when given: a test runs the
    server in its own process), in the order run_polling uses for its hooks."""
    assert settings.webhook_url is not None
    assert settings.webhook_secret is not None
    stop = stop or stop_signal()
    await application.initialize()
    runner: web.AppRunner | None = None
    inbox = Inbox(application)
    try:
        assert application.post_init is not None
        assert application.job_queue is not None
        await application.post_init(application)
        application.job_queue.run_repeating(_prune, interval=3600, first=60, name=PRUNE_JOB)
        application.job_queue.run_repeating(replay, interval=REPLAY_EVERY, first=0,
                                            name=REPLAY_JOB, data=inbox)
        runner = web.AppRunner(make_web_app(application, settings, inbox),
                               handle_signals=False)
        await runner.setup()
        await web.TCPSite(runner, settings.webhook_listen, settings.webhook_port).start()
        await application.bot.set_webhook(
            settings.webhook_url, secret_token=settings.webhook_secret.get_secret_value(),
            allowed_updates=ALLOWED_UPDATES)
        await application.start()
        logger.info("Serving the webhook on %s:%d%s", settings.webhook_listen,
                    settings.webhook_port, settings.webhook_path)
        await stop.wait()
    finally:
        if runner is not None:
            await runner.cleanup()
        await inbox.drain()
        if application.running:
            await application.stop()
        if application.post_stop is not None:
            await application.post_stop(application)
        await application.shutdown()
        if application.post_shutdown is not None:
            await application.post_shutdown(application)
