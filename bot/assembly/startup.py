"""What went wrong when a command could not start, in one sentence for the operator.

`python -m bot run`, `migrate`, `check` and `import-appointments` turn the failures an
operator can fix (the database server down or missing, a file that cannot be written,
the Bot API unreachable, the token refused) into one line and exit status 2; the
traceback is logged only at LOG_LEVEL=DEBUG. Nothing here prints a password.
"""

from __future__ import annotations

import asyncio
import errno
import signal
import socket
import sqlite3
from collections.abc import Iterator

from telegram.error import InvalidToken, NetworkError

from bot.core.settings import redact_url

_UNREACHABLE = {errno.ECONNREFUSED, errno.EHOSTUNREACH, errno.ENETUNREACH, errno.ETIMEDOUT,
                errno.ECONNRESET}


def causes(error: BaseException) -> Iterator[BaseException]:
    """The error and what it wraps (SQLAlchemy's `.orig`, `__cause__`, `__context__`)."""
    seen: set[int] = set()
    queue: list[BaseException | None] = [error]
    while queue:
        current = queue.pop(0)
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        queue += [getattr(current, "orig", None), current.__cause__, current.__context__]
        queue += [inner for inner in getattr(current, "exceptions", ())
                  if isinstance(inner, BaseException)]


def database_problem(error: BaseException, database_url: str) -> str | None:
    """One line for a database that cannot be used; None if the error is not one."""
    where = redact_url(database_url)
    for cause in causes(error):
        name = type(cause).__name__
        if name == "InvalidCatalogNameError":
            return (f"The database named in DATABASE_URL does not exist on the server "
                    f"({where}). Create it (for example: createdb NAME) or correct the name.")
        if name in {"InvalidPasswordError", "InvalidAuthorizationSpecificationError"}:
            return (f"The database server refused the user or password in DATABASE_URL "
                    f"({where}).")
        if isinstance(cause, socket.gaierror):
            return (f"The database server's host name in DATABASE_URL is not known "
                    f"({where}).")
        if isinstance(cause, OSError) and cause.filename:  # the SQLite file or its folder
            return (f"Cannot create or write {cause.filename} for the database in "
                    f"DATABASE_URL ({cause.strerror}). Choose a writable path.")
        if isinstance(cause, sqlite3.OperationalError) and "unable to open" in str(cause):
            return (f"Cannot open the SQLite file in DATABASE_URL ({where}): its folder must "
                    f"exist and be writable.")
        if isinstance(cause, ConnectionRefusedError) or (
                isinstance(cause, OSError) and cause.errno in _UNREACHABLE):
            return (f"Could not reach the database server in DATABASE_URL ({where}). Is "
                    f"PostgreSQL running, and are the host and port right?")
        if isinstance(cause, TimeoutError):
            return f"The database server in DATABASE_URL did not answer in time ({where})."
    return None


def telegram_problem(error: BaseException, api_url: str) -> str | None:
    """One line for a Bot API that cannot be used; None if the error is not one."""
    for cause in causes(error):
        if isinstance(cause, InvalidToken):
            return ("Telegram refused TELEGRAM_BOT_TOKEN. Copy the token from @BotFather "
                    "again into .env.")
        if isinstance(cause, NetworkError):
            return (f"Could not reach the Bot API at {redact_url(api_url)} ({cause}). Is "
                    f"this machine online, and is TELEGRAM_API_BASE_URL right?")
    return None


def stop_signal() -> asyncio.Event:
    """An event SIGINT or SIGTERM sets: how a server run from the command line (the
    webhook server, the demo) knows to stop. Call it inside the running event loop."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    return stop
