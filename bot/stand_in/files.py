"""Files users send, as the Bot API serves them: a document in a message carries a
file_id; `getFile` gives its file_path (refused past the 20 MB a bot may download), and
GET /file/bot<token>/<file_path> gives its bytes."""

from __future__ import annotations

import itertools
from typing import Any

from aiohttp import web

from bot.stand_in.models import ApiError

DOWNLOAD_LIMIT = 20 * 1024 * 1024  # bytes a bot may download (getFile)


class Files:
    def __init__(self, token: str) -> None:
        self.token = token
        self._contents: dict[str, bytes] = {}
        self._numbers = itertools.count(1)

    def document(self, contents: bytes, file_name: str, mime_type: str) -> dict[str, Any]:
        """A user's upload: the `document` field of their message."""
        number = next(self._numbers)
        file_id = f"BQACAgIAAxkBAAI{number:08}"
        self._contents[file_id] = contents
        return {"file_id": file_id, "file_unique_id": f"AgAD{number:08}",
                "file_name": file_name, "mime_type": mime_type, "file_size": len(contents)}

    async def get_file(self, params: dict[str, Any]) -> dict[str, Any]:
        file_id = str(params.get("file_id", ""))
        contents = self._contents.get(file_id)
        if contents is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        if len(contents) > DOWNLOAD_LIMIT:
            raise ApiError(400, "Bad Request: file is too big")
        return {"file_id": file_id, "file_unique_id": file_id[-12:],
                "file_size": len(contents), "file_path": f"documents/{file_id}.bin"}

    async def download(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.Response(status=401)
        path = request.match_info["path"]
        file_id = path.removeprefix("documents/").removesuffix(".bin")
        contents = self._contents.get(file_id)
        if contents is None:
            return web.Response(status=404)
        return web.Response(body=contents, content_type="application/octet-stream")
