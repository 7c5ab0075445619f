"""The bot's Bot API transport, on aiohttp, behind PTB's `BaseRequest` (the default,
`TELEGRAM_TRANSPORT=aiohttp`; PTB's own httpx transport is the fallback,
`TELEGRAM_TRANSPORT=httpx`). Under load it costs a third less CPU per reply than httpx
(bench/README.md).

One `ClientSession` per transport, with a connection pool, through the proxy the
environment names (`HTTPS_PROXY`, `HTTP_PROXY`, `NO_PROXY`, as for httpx; looked up once
for the Bot API's address, not on every request as aiohttp's `trust_env` does, which
costs two trips to a thread per reply); PTB's four timeouts map onto
aiohttp's (`connect`, the socket read, and the pool wait; aiohttp has no write timeout,
so a request's whole time is capped at their sum). Files go as multipart form data, as
PTB's httpx transport sends them; other requests as a JSON body, which the Bot API takes
too and which costs a tenth of the CPU of a form.

What a failure means matters to the bot (`bot/sending/delivery.py`): only a request whose
answer did not come in time may have reached Telegram, and it is raised as `TimedOut`
from `AnswerTimedOut`, as httpx's `ReadTimeout`. A connection that could not be made,
or a pool that had no free connection, never sent anything.
"""

from __future__ import annotations

import asyncio
import json
import re
import ssl
from contextlib import suppress
from typing import Any, BinaryIO
from urllib.parse import urlsplit

import aiohttp
from aiohttp.helpers import get_env_proxy_for_url
from telegram._utils.defaultvalue import DefaultValue  # PTB's "not given" marker
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData
from yarl import URL

from bot.sending.delivery import AnswerTimedOut

USER_AGENT = BaseRequest.USER_AGENT
JSON_HEADERS = {"Content-Type": "application/json"}
_TOKEN_IN_URL = re.compile(r"/bot[^/\s]+/")
_DOWNLOAD_CHUNK = 1 << 16


class AiohttpRequest(BaseRequest):
    def __init__(self, *, connection_pool_size: int = 256, read_timeout: float | None = 5.0,
                 connect_timeout: float | None = 5.0, pool_timeout: float | None = 1.0,
                 write_timeout: float | None = 5.0,
                 ssl_context: ssl.SSLContext | None = None) -> None:
        self._pool_size = connection_pool_size
        self._timeouts = {"read": read_timeout, "connect": connect_timeout,
                          "pool": pool_timeout, "write": write_timeout}
        self._ssl = ssl_context
        self._session: aiohttp.ClientSession | None = None
        self._connector: aiohttp.TCPConnector | None = None
        # For each scheme and host asked: the proxy the environment names, or None.
        self._proxies: dict[tuple[str, str], URL | None] = {}

    @property
    def read_timeout(self) -> float | None:
        return self._timeouts["read"]

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            # The connector is this object's, not the session's: when PTB's start-up fails
            # (the Bot API unreachable) it never shuts the transport down, and a session
            # owning its connector would then complain at exit of being left open.
            self._connector = aiohttp.TCPConnector(limit=self._pool_size,
                                                   ssl=self._ssl if self._ssl else True)
            self._session = aiohttp.ClientSession(connector=self._connector,
                                                  connector_owner=False,
                                                  headers={"User-Agent": USER_AGENT})

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        if self._connector is not None and not self._connector.closed:
            await self._connector.close()

    async def do_request(
        self, url: str, method: str, request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            # PTB's start-up shuts the transport down between its retries: opened again
            # here, so the retry meets the real cause, not "not initialized".
            await self.initialize()
        assert self._session is not None
        read = self._given(read_timeout, "read")
        connect = self._given(connect_timeout, "connect")
        pool = self._given(pool_timeout, "pool")
        write = self._given(write_timeout, "write")
        parts = [value for value in (read, connect, pool, write) if value is not None]
        timeout = aiohttp.ClientTimeout(
            total=sum(parts) if len(parts) == 4 else None,
            sock_connect=connect, sock_read=read,
            connect=None if connect is None or pool is None else connect + pool)
        body, headers = self._body(request_data)
        proxy = await self._proxy_for(url)
        try:
            async with self._session.request(method, url, data=body, headers=headers,
                                              timeout=timeout, proxy=proxy) as response:
                answer = await response.read()
                if "/file/bot" not in url and not answer.lstrip().startswith(b"{"):
                    raise NetworkError(_not_the_bot_api(response.status,
                                                        response.content_type))
                return response.status, answer
        except aiohttp.ConnectionTimeoutError as error:
            raise TimedOut("Could not connect to the Bot API in time; the request was "
                           "not sent") from error
        except (TimeoutError, aiohttp.SocketTimeoutError) as error:
            raise TimedOut() from AnswerTimedOut(str(error) or "no answer in time")
        except aiohttp.ClientError as error:
            raise NetworkError(_cause(error)) from error

    async def download(self, url: str, out: BinaryIO, *, most_bytes: int) -> int:
        """The file at `url` (the Bot API's file address) written to `out` as it arrives, so
        a 20 MB file is never held whole; the bytes written. More than `most_bytes` is
        refused (a `NetworkError` saying "too big")."""
        if self._session is None or self._session.closed:
            await self.initialize()
        assert self._session is not None
        read, connect = self._timeouts["read"], self._timeouts["connect"]
        timeout = aiohttp.ClientTimeout(sock_connect=connect, sock_read=read)
        written = 0
        try:
            async with self._session.get(url, timeout=timeout,
                                         proxy=await self._proxy_for(url)) as response:
                if response.status != 200:
                    raise NetworkError(f"the file could not be downloaded: HTTP "
                                       f"{response.status}")
                async for chunk in response.content.iter_chunked(_DOWNLOAD_CHUNK):
                    written += len(chunk)
                    if written > most_bytes:
                        raise NetworkError(f"the file is too big (over {most_bytes} bytes)")
                    out.write(chunk)
        except (TimeoutError, aiohttp.SocketTimeoutError) as error:
            raise TimedOut("The file did not arrive in time") from error
        except aiohttp.ClientError as error:
            raise NetworkError(_cause(error)) from error
        return written

    async def _proxy_for(self, url: str) -> URL | None:
        """The proxy for this address, as aiohttp's `trust_env` would choose it (the
        environment's proxies, NO_PROXY, a proxy's login in its address or in ~/.netrc),
        read once per scheme and host: the environment does not change under a running
        bot. A login travels in the proxy's address, which aiohttp turns into a
        Proxy-Authorization header for plain and tunnelled (HTTPS) requests alike."""
        parts = urlsplit(url)
        origin = (parts.scheme, parts.hostname or "")
        if origin not in self._proxies:
            proxy: URL | None = None
            with suppress(LookupError):  # no proxy for this address
                # It may read ~/.netrc: off the event loop, as aiohttp does.
                named, login = await asyncio.to_thread(get_env_proxy_for_url, URL(url))
                proxy = named if login is None else (
                    named.with_user(login.login).with_password(login.password))
            self._proxies[origin] = proxy
        return self._proxies[origin]

    def _given(self, value: Any, name: str) -> float | None:
        if isinstance(value, DefaultValue):
            return self._timeouts[name]
        return value  # type: ignore[no-any-return]

    @staticmethod
    def _body(request_data: RequestData | None
              ) -> tuple[aiohttp.FormData | bytes | None, dict[str, str] | None]:
        """Files as multipart form data; anything else as one JSON body, which the Bot API
        takes as well (json.dumps is C; a form is quoted a character at a time)."""
        if request_data is None:
            return None, None
        files = request_data.multipart_data
        if not files:
            if not request_data.parameters:
                return None, None
            return json.dumps(request_data.parameters).encode(), JSON_HEADERS
        form = aiohttp.FormData(quote_fields=False)
        for name, value in request_data.json_parameters.items():
            form.add_field(name, value)
        for name, (file_name, content, mime_type) in files.items():
            form.add_field(name, content, filename=file_name, content_type=mime_type)
        return form, None


def _not_the_bot_api(status: int, content_type: str) -> str:
    """An answer that is not the Bot API's JSON: a web server or a proxy's error page."""
    kind = content_type or "no content type"
    gateway = " (a proxy in front of it could not reach it)" if status in (502, 503, 504) \
        else ""
    return (f"the address answered HTTP {status} with {kind}, not the Bot API's JSON"
            f"{gateway}")


def _cause(error: aiohttp.ClientError) -> str:
    """What went wrong on the way, in words an operator acts on (and never the URL, which
    holds the token)."""
    if isinstance(error, aiohttp.ClientConnectorDNSError):
        return "the host name is not known (DNS)"
    if isinstance(error, aiohttp.ClientConnectorCertificateError):
        return "TLS: its certificate was not accepted"
    if isinstance(error, aiohttp.ClientSSLError):
        return "TLS: the secure connection could not be made (is it HTTPS?)"
    if isinstance(error, aiohttp.ClientConnectorError):
        if isinstance(error.os_error, ConnectionRefusedError):
            return "the connection was refused (nothing listens there)"
        return f"could not connect ({error.os_error.strerror or type(error.os_error).__name__})"
    if isinstance(error, aiohttp.ServerDisconnectedError):
        return "the server closed the connection without an answer"
    said = _TOKEN_IN_URL.sub("/bot<token>/", str(error))
    return f"aiohttp.{type(error).__name__}: {said}"
