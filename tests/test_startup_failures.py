"""Every start-up failure an operator can fix is one clear line and exit status 2, from
`run`, `migrate`, `check` and the import: the Bot API unreachable, the token refused, the
database server down, a database that does not exist, a driver the bot does not use, a
path it cannot write. No traceback below LOG_LEVEL=DEBUG, and no secret (the token, a
password in a URL) in anything printed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from sqlalchemy.engine import make_url

from bot.stand_in import TOKEN, TelegramStub
from tests.support.bots import TRANSPORT, bot_environment
from tests.support.databases import postgres_server
from tests.support.processes import python_module, spawn
from tests.support.web_servers import serving

pytestmark = pytest.mark.slow(seconds=4)

PASSWORD = "hunter2-Secret"
CLOSED_PORT_URL = "http://operator:api-Pa55@127.0.0.1:9"  # nothing listens on port 9


def postgres(database: str, *, port: int | None = None, driver: str = "postgresql+asyncpg"
             ) -> str:
    server = postgres_server()
    if server is None:
        pytest.skip("needs TEST_POSTGRES_URL")
    url = make_url(server).set(drivername=driver, database=database, password=PASSWORD)
    if port is not None:
        url = url.set(port=port)
    return url.render_as_string(hide_password=False)


async def outcome(env: dict[str, str], cwd: Path, *command: str) -> tuple[int, str]:
    process = await spawn(python_module("bot", *command), env=env, cwd=cwd)
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, out.decode() + err.decode()


def assert_one_clear_line(code: int, said: str, expected: str) -> None:
    assert code == 2, said
    assert expected in said, said
    assert "Traceback" not in said, said
    for secret in (TOKEN.partition(":")[2], PASSWORD, "api-Pa55"):
        assert secret not in said, said


async def test_the_bot_api_unreachable(telegram: TelegramStub, tmp_path: Path) -> None:
    env = bot_environment(telegram, f"sqlite:///{tmp_path}/c.db") | {
        "LOG_LEVEL": "INFO", "TELEGRAM_API_BASE_URL": CLOSED_PORT_URL}
    code, said = await outcome(env, tmp_path, "run")
    assert_one_clear_line(code, said, "Could not reach the Bot API at http://operator:***@")
    assert len(said.strip().splitlines()) <= 3, said  # the line, and PTB's retry notes


@pytest.mark.parametrize("command", ["run", "migrate", "import-appointments", "check"])
async def test_the_database_server_down(telegram: TelegramStub, tmp_path: Path,
                                        command: str) -> None:
    env = bot_environment(telegram, postgres("clinic", port=9)) | {"LOG_LEVEL": "INFO"}
    (tmp_path / "a.csv").write_text("starts_at,name\n")
    code, said = await outcome(env, tmp_path, command,
                               *(["a.csv"] if command == "import-appointments" else []))
    assert_one_clear_line(code, said, "Could not reach the database server in DATABASE_URL")
    if command == "check":
        assert "Bot API: reachable, token accepted" in said


@pytest.mark.parametrize("driver", ["postgresql", "postgresql+asyncpg"])
async def test_a_database_that_does_not_exist(telegram: TelegramStub, tmp_path: Path,
                                              driver: str) -> None:
    """`postgresql://`, as hosting providers write it, means the same as with +asyncpg."""
    env = bot_environment(telegram, postgres("no_such_clinic_db", driver=driver)) | {
        "LOG_LEVEL": "INFO"}
    code, said = await outcome(env, tmp_path, "run" if driver == "postgresql" else "migrate")
    assert_one_clear_line(code, said, "The database named in DATABASE_URL does not exist")


async def test_a_driver_the_bot_does_not_use(telegram: TelegramStub, tmp_path: Path) -> None:
    env = bot_environment(telegram, f"mysql://root:{PASSWORD}@db/clinic") | {"LOG_LEVEL": "INFO"}
    for command in ("run", "migrate"):
        code, said = await outcome(env, tmp_path, command)
        assert_one_clear_line(code, said, "names the driver 'mysql'")


async def test_a_path_that_cannot_be_written(telegram: TelegramStub, tmp_path: Path) -> None:
    blocker = tmp_path / "backups"
    blocker.write_text("a file where the database's folder would go")  # even root is stuck
    env = bot_environment(telegram, f"sqlite+aiosqlite:///{blocker}/data/c.db") | {
        "LOG_LEVEL": "INFO"}
    for command in ("run", "migrate"):
        code, said = await outcome(env, tmp_path, command)
        assert_one_clear_line(code, said, f"Cannot create or write {blocker}")


async def test_at_debug_the_details_are_logged_still_without_secrets(
    telegram: TelegramStub, tmp_path: Path
) -> None:
    env = bot_environment(telegram, f"sqlite:///{tmp_path}/c.db") | {
        "LOG_LEVEL": "DEBUG", "TELEGRAM_API_BASE_URL": CLOSED_PORT_URL}
    code, said = await outcome(env, tmp_path, "run")
    assert code == 2
    assert "Traceback" in said and "Could not reach the Bot API" in said
    assert "api-Pa55" not in said and TOKEN.partition(":")[2] not in said


@pytest.fixture
async def web_page_server() -> AsyncIterator[str]:
    """An address that answers everything with a web page: /404 a 404 page, /502 a proxy's
    Bad Gateway page (the bot's requests go to {address}/{status}/bot<token>/...)."""
    async def handle(request: web.Request) -> web.Response:
        status = int(request.path.split("/")[1])
        return web.Response(status=status, text=f"<html><body>{status}</body></html>",
                            content_type="text/html")

    async with serving(handle) as address:
        yield address


@pytest.mark.parametrize(("address", "cause"), [
    ("http://{pages}/404", "answered HTTP 404 with text/html, not the Bot API's JSON"),
    ("http://{pages}/502", "(a proxy in front of it could not reach it)"),
    ("http://no-such-host.invalid", "the host name is not known (DNS)"),
    ("https://{pages}/200", "TLS: the secure connection could not be made"),
    ("http://127.0.0.1:9", "the connection was refused"),
], ids=["a web page", "a proxy's 502", "DNS", "TLS", "refused"])
@pytest.mark.skipif(TRANSPORT != "aiohttp", reason="the causes are worded by the bot's own "
                    "transport; PTB's httpx fallback words them itself")
async def test_an_unusable_bot_api_address_is_one_line_naming_the_cause(
    telegram: TelegramStub, tmp_path: Path, web_page_server: str, address: str, cause: str,
) -> None:
    """They said "RuntimeError('This AiohttpRequest is not initialized!')", and a web page
    gave a 13-line traceback and blamed the token."""
    env = bot_environment(telegram, f"sqlite:///{tmp_path}/c.db") | {
        "LOG_LEVEL": "INFO", "TELEGRAM_API_BASE_URL": address.format(pages=web_page_server)}

    code, said = await outcome(env, tmp_path, "run")

    assert_one_clear_line(code, said, cause)
    assert "not initialized" not in said and "token" not in said.lower(), said
    assert len(said.strip().splitlines()) <= 3, said
