"""ASGI middleware that puts the protective headers on every response, errors included.

``X-Content-Type-Options: nosniff``, ``X-Frame-Options: DENY`` and a Content-Security-Policy with
``frame-ancestors 'none'`` go on every response; every response except the packaged static assets
also gets ``Cache-Control: no-store``, so no proxy or browser cache keeps business data. A header
a route set itself (the API reference page's own policy) is kept.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

STATIC_PREFIX = "/static/"
DEFAULT_POLICY = "default-src 'none'; frame-ancestors 'none'"
PROTECTIVE: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", DEFAULT_POLICY.encode()),
)
NO_STORE = (b"cache-control", b"no-store")


def protective_headers(*, cacheable: bool = False) -> dict[str, str]:
    """The same headers as a plain mapping, for responses written outside the middleware."""
    pairs = PROTECTIVE if cacheable else (*PROTECTIVE, NO_STORE)
    return {name.decode(): value.decode() for name, value in pairs}


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cacheable = str(scope.get("path", "")).startswith(STATIC_PREFIX)
        wanted = PROTECTIVE if cacheable else (*PROTECTIVE, NO_STORE)

        async def send_protected(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers.extend(pair for pair in wanted if pair[0] not in present)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_protected)
