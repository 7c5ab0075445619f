"""Telegram having a bad day: a fifth of the bot's sends meet a 429 (retry_after 1 or 2
s), a 500, a 502, a connection reset before Telegram reads the request, or an answer that
comes back only after the bot's read timeout (the message was delivered). Guides,
reminders, a broadcast and replies still reach every patient exactly once."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from aiohttp import ClientSession, encode_basic_auth, web

from bot.appointments import booking
from bot.appointments.timers import schedule_soon
from bot.assembly.app import transport as app_transport
from bot.core.clock import ManualClock
from bot.stand_in import Chat, TelegramStub, User, until_polling
from bot.stand_in.faults import KINDS, FaultPlan
from db.appointments import patient_by_reference
from tests.support.bots import (
    Clinic,
    SettingsFactory,
    bot_environment,
    clinic_with,
    running_bot,
    start_bot,
    stop_bot,
)
from tests.support.factories import NEWS_PLAIN, seed_patients

# Tens of seconds each: started first, so no worker is left finishing one alone.
pytestmark = pytest.mark.slow(seconds=25)

PATIENTS = 30
KINDS_SENT = {"guide": "Getting ready for your session", "reminder": "Reminder: your session",
              "news": NEWS_PLAIN, "risks": "bruising"}


@pytest.fixture
async def shaky_clinic(telegram: TelegramStub, make_settings: SettingsFactory,
                       clock: ManualClock) -> AsyncIterator[Clinic]:
    # The booking notices wait past the sessions: this test counts the other kinds.
    # A send that failed goes back to the queue for the next top-up: every second here.
    # The read timeout is shorter than production's 10 s, so the "answered too late" fault
    # costs less; not so short that a busy machine's own slowness (the stand-in runs in
    # the test's process, and was seen to stall over 2 s with a core busy and eight
    # workers) makes requests the stand-in never read look delivered.
    settings = make_settings(change_notice_delay="30d", telegram_read_timeout=5.0,
                             scheduler_topup_interval="1s")
    async with clinic_with(telegram, settings, clock) as clinic:
        yield clinic


def kind_of(text: str) -> str:
    for kind, marker in KINDS_SENT.items():
        if marker in text:
            return kind
    return "other"


@pytest.mark.timeout(180)
async def test_every_message_arrives_once_through_telegrams_faults(
    shaky_clinic: Clinic,
) -> None:
    clinic, telegram = shaky_clinic, shaky_clinic.telegram
    app = clinic.application
    users = await seed_patients(app.bot_data.services.database, telegram, PATIENTS)
    now = clinic.now()
    starts = now + timedelta(days=3)
    async with app.bot_data.services.database.transaction() as session:
        for n, user in enumerate(users):
            patient = await patient_by_reference(session, str(user.id))
            assert patient is not None
            _, _, planned = await booking.book(
                session, app.bot_data.settings, patient_id=patient.id,
                starts_at=starts + timedelta(minutes=n % 5), minutes=30,
                practitioner="Dr Chen", now=now)
            assert app.job_queue is not None
            schedule_soon(app.job_queue, app.bot_data, planned)
    staff = clinic.staff_member()
    await staff.ask(f"/broadcast {NEWS_PLAIN}")
    control = await staff.next_message()

    telegram.chaos = FaultPlan(share=0.2, seed=7, slow_for=6.0)
    await staff.tap(control, "Send")
    for user in users:
        await Chat(telegram, user).say("/risks")
    # The sessions start over five minutes: the guides' times, then the reminders'.
    clinic.clock.advance_to(starts - timedelta(hours=24) + timedelta(minutes=5))
    clinic.clock.advance_to(starts - timedelta(hours=2) + timedelta(minutes=5))

    def received() -> Counter[tuple[int, str]]:
        return Counter((m.chat_id, kind_of(m.plain)) for m in telegram.sent
                       if m.chat_id in {user.id for user in users})
    expected = {(user.id, kind) for user in users for kind in KINDS_SENT}
    try:
        await telegram.wait_for(
            lambda: set(received()) >= expected and "done" in control.plain,
            timeout=120, what="every message, and the broadcast's report")
    except AssertionError as timed_out:
        missing = sorted(expected - set(received()))
        raise AssertionError(f"{timed_out}; missing {missing[:10]} ({len(missing)}), "
                             f"report: {control.plain!r}") from None
    await clinic.quiet()  # a duplicate would be sent by now

    counts = received()
    assert set(counts) == expected, sorted(set(counts) ^ expected)[:10]
    assert set(counts.values()) == {1}, [key for key, n in counts.items() if n > 1][:10]
    assert telegram.chaos is not None and set(telegram.chaos.applied) == set(KINDS)
    assert f"✅ {PATIENTS} delivered" in control.plain and "⚠️ 0 failed" in control.plain


@pytest.mark.parametrize("transport", ["httpx", "aiohttp"])
async def test_either_transport_answers_a_patient(
    telegram: TelegramStub, make_settings: SettingsFactory, transport: str
) -> None:
    """TELEGRAM_TRANSPORT picks the HTTP client; the bot answers the same on both (the
    whole suite runs on one or the other with TEST_TELEGRAM_TRANSPORT)."""
    async with running_bot(make_settings(telegram_transport=transport)) as application:
        answer = await Chat(telegram, User(4242, "Ann")).ask("does it hurt?")
        chosen = type(application.bot.request).__name__

    assert chosen == {"httpx": "ReopeningHTTPXRequest", "aiohttp": "AiohttpRequest"}[transport]
    assert "pinch" in answer.plain or "tingl" in answer.plain


class ForwardProxy:
    """An HTTP proxy on loopback, as a clinic's network may require: forwards each request
    it is asked for to the stand-in, and counts them by Bot API method; with `login`, only
    requests that log in with it (Proxy-Authorization), refusing the rest with 407."""

    def __init__(self, telegram: TelegramStub, login: str | None = None) -> None:
        self.telegram = telegram
        self.login = login
        self.refused = 0
        self.methods: Counter[str] = Counter()
        self.runner: web.AppRunner | None = None
        self.url = ""

    async def __aenter__(self) -> ForwardProxy:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._forward)
        self.runner = web.AppRunner(app, handle_signals=False)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert isinstance(server, asyncio.Server)
        self.url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
        self.client = ClientSession()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.client.close()
        assert self.runner is not None
        await self.runner.cleanup()

    async def _forward(self, request: web.Request) -> web.StreamResponse:
        if self.login is not None:
            user, password = self.login.split(":")
            if request.headers.get("Proxy-Authorization") != encode_basic_auth(user, password):
                self.refused += 1
                return web.Response(status=407)
        self.methods[request.path.rsplit("/", 1)[-1]] += 1
        headers = {"Content-Type": request.headers.get("Content-Type", "")}
        async with self.client.request(request.method, self.telegram.base_url + request.path_qs,
                                       data=await request.read(), headers=headers) as answer:
            return web.Response(status=answer.status, body=await answer.read(),
                                content_type=answer.content_type)


@pytest.mark.parametrize("transport", ["httpx", "aiohttp"])
async def test_either_transport_goes_through_the_proxy_the_environment_names(
    telegram: TelegramStub, tmp_path: Path, transport: str
) -> None:
    """A clinic behind a proxy sets HTTPS_PROXY (HTTP_PROXY for a plain-http Bot API
    server); the bot's every call goes through it, on either transport."""
    env = bot_environment(telegram, f"sqlite+aiosqlite:///{tmp_path}/clinic.db")
    async with ForwardProxy(telegram) as proxy:
        env |= {"TELEGRAM_TRANSPORT": transport, "HTTP_PROXY": proxy.url,
                "HTTPS_PROXY": proxy.url, "NO_PROXY": ""}
        process = await start_bot(env, tmp_path)
        try:
            await until_polling(telegram, within=60)
            answer = await Chat(telegram, User(4242, "Ann")).ask("does it hurt?")
        finally:
            logs = await stop_bot(process)

    assert "pinch" in answer.plain or "tingl" in answer.plain, logs
    assert proxy.methods["getMe"] >= 1 and proxy.methods["getUpdates"] >= 1
    assert proxy.methods["sendMessage"] >= 1
    assert sum(proxy.methods.values()) == len(telegram.calls)  # every call, none around it


@pytest.mark.parametrize("transport", ["httpx", "aiohttp"])
async def test_a_proxy_login_and_no_proxy_are_honoured(
    telegram: TelegramStub, make_settings: SettingsFactory, transport: str,
    monkeypatch: pytest.MonkeyPatch
) -> None:
    """A proxy that wants a login gets the one written in its address; an address NO_PROXY
    names is reached directly. Each transport reads the environment once (httpx when it
    is built, aiohttp on its first request to an address), not at every send."""
    settings = make_settings(telegram_transport=transport)
    url = f"{telegram.base_url}/bot{settings.telegram_bot_token.get_secret_value()}/getMe"
    async with ForwardProxy(telegram, login="clinic:s3cret") as proxy:
        address = proxy.url.replace("http://", "http://clinic:s3cret@")
        for no_proxy, through_proxy in (("", True), ("127.0.0.1", False)):
            monkeypatch.setenv("HTTP_PROXY", address)
            monkeypatch.setenv("NO_PROXY", no_proxy)
            request = app_transport(settings, connection_pool_size=2, read_timeout=5.0)
            await request.initialize()
            try:
                before = telegram.calls.copy()
                for _ in range(3):
                    await request.post(url)
                monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # read already
                await request.post(url)
            finally:
                await request.shutdown()
            assert len(telegram.calls) - len(before) == 4
            assert proxy.methods["getMe"] == (4 if through_proxy else 0)
            proxy.methods.clear()
    assert proxy.refused == 0
