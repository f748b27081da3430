"""ASGI middleware that refuses request bodies above a configured size before reading them all."""

from __future__ import annotations

import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from brickwork.platform.api.errors import PROBLEM_MEDIA_TYPE, PROBLEM_TYPE_PREFIX
from brickwork.platform.errors import PayloadTooLarge


class _TooLarge(PayloadTooLarge):
    """Raised while streaming; the problem handler answers 413 (or this middleware does)."""


class BodySizeLimit:
    """``max_bytes`` for every body, ``upload_bytes`` for paths ending in ``upload_suffix``."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_bytes: int,
        upload_bytes: int | None = None,
        upload_suffix: str = "/imports",
    ) -> None:
        self.app = app
        self.default_bytes = max_bytes
        self.upload_bytes = upload_bytes or max_bytes
        self.upload_suffix = upload_suffix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        limit = (
            self.upload_bytes
            if path.rstrip("/").endswith(self.upload_suffix)
            else (self.default_bytes)
        )
        await self._limited(scope, receive, send, limit)

    async def _limited(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await self._refuse(send, limit)
            return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _TooLarge(
                        f"the body exceeds the limit of {limit} bytes"
                        " (BRICKWORK_MAX_BODY_BYTES); nothing was saved"
                    )
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if not started:
                await self._refuse(send, limit)

    async def _refuse(self, send: Send, limit: int) -> None:
        body: dict[str, Any] = {
            "type": PROBLEM_TYPE_PREFIX + "body_too_large",
            "title": "The request body is too large",
            "status": 413,
            "detail": f"the body exceeds the limit of {limit} bytes"
            " (BRICKWORK_MAX_BODY_BYTES); nothing was saved",
            "code": "body_too_large",
            "errors": [],
        }
        payload = json.dumps(body).encode("utf-8")
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
                    (b"content-length", str(len(payload)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": payload})


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
