"""ASGI middleware that refuses request bodies above a configured size before reading them all.

The limit depends on the path: a small table gives upload and import paths their own limits, and
every other body gets ``BRICKWORK_MAX_BODY_BYTES``. It must not parse or keep bodies.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from brickwork.platform.api.errors import PROBLEM_MEDIA_TYPE, PROBLEM_TYPE_PREFIX
from brickwork.platform.errors import PayloadTooLarge
from brickwork.settings import Settings

DEFAULT_SETTING = "BRICKWORK_MAX_BODY_BYTES"


class _TooLarge(PayloadTooLarge):
    """Raised while streaming; the problem handler answers 413 (or this middleware does)."""


FORM_ALONGSIDE = 256 * 1024
"""Room for the other fields of a record form posted with an attachment."""


@dataclass(frozen=True, slots=True)
class PathLimit:
    """Bodies sent to paths that fully match ``pattern`` (trailing ``/`` ignored) may be up to
    ``max_bytes`` long; ``setting`` names the variable that sets it, for the 413 message."""

    pattern: re.Pattern[str]
    max_bytes: int
    setting: str

    @classmethod
    def of(cls, pattern: str, max_bytes: int, setting: str) -> PathLimit:
        return cls(re.compile(pattern), max_bytes, setting)


def body_limits(settings: Settings) -> tuple[PathLimit, ...]:
    """The paths whose bodies may differ from ``BRICKWORK_MAX_BODY_BYTES``; the first match wins."""
    return (
        # the API's imports and the import page's upload
        PathLimit.of(r".*/imports?", settings.max_import_bytes, "BRICKWORK_MAX_IMPORT_BYTES"),
        PathLimit.of(r"/api/v1/files", settings.max_upload_bytes, "BRICKWORK_MAX_UPLOAD_BYTES"),
        # a record page's upload of an attachment: one file and the form's other fields
        PathLimit.of(
            r"/apps/[a-z0-9_]+/forms/[a-z0-9_]+(/records/[0-9a-f-]+)?/attachments/[a-z0-9_]+",
            settings.max_upload_bytes + FORM_ALONGSIDE,
            "BRICKWORK_MAX_UPLOAD_BYTES",
        ),
    )


class BodySizeLimit:
    """``max_bytes`` for every body, except on paths that one of ``rules`` matches."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, rules: Sequence[PathLimit] = ()) -> None:
        self.app = app
        self.default = PathLimit.of(r".*", max_bytes, DEFAULT_SETTING)
        self.rules = tuple(rules)

    def limit_for(self, path: str) -> PathLimit:
        trimmed = path.rstrip("/")
        for rule in self.rules:
            if rule.pattern.fullmatch(trimmed):
                return rule
        return self.default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self._limited(scope, receive, send, self.limit_for(scope.get("path", "")))

    async def _limited(self, scope: Scope, receive: Receive, send: Send, rule: PathLimit) -> None:
        limit = rule.max_bytes
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await self._refuse(send, rule)
            return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _TooLarge(_too_large(rule))
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
                await self._refuse(send, rule)

    async def _refuse(self, send: Send, rule: PathLimit) -> None:
        body: dict[str, Any] = {
            "type": PROBLEM_TYPE_PREFIX + "body_too_large",
            "title": "The request body is too large",
            "status": 413,
            "detail": _too_large(rule),
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


def _too_large(rule: PathLimit) -> str:
    return (
        f"the body exceeds the limit of {rule.max_bytes} bytes ({rule.setting}); nothing was saved"
    )


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
