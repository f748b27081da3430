"""The one place where exceptions become HTTP responses (``application/problem+json``).

Body: ``{type, title, status, detail, code, errors: [{pointer, code, message}]}``. ``code`` values
are stable and listed in docs/api-errors.md; ``tests/meta`` keeps that list complete.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from brickwork.engines.bilingual import schema_zh
from brickwork.platform.api.deps import preferred_locale
from brickwork.platform.api.headers import protective_headers
from brickwork.platform.api.responses import ExactJSONResponse
from brickwork.platform.errors import (
    PYDANTIC_CODES,
    BadRequest,
    Conflict,
    ErrorItem,
    Forbidden,
    HiddenNotFound,
    Invalid,
    Locked,
    NotFound,
    PayloadTooLarge,
    PlatformError,
    ServerFault,
    TooManyRequests,
    Unauthorized,
    UnsupportedMediaType,
    pointer_of,
)

log = logging.getLogger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_PREFIX = "urn:brickwork:problem:"

STATUS_BY_ERROR: dict[type[PlatformError], int] = {
    BadRequest: 400,
    Unauthorized: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    PayloadTooLarge: 413,
    UnsupportedMediaType: 415,
    Invalid: 422,
    Locked: 423,
    TooManyRequests: 429,
    ServerFault: 500,
}
REFUSALS = frozenset({401, 403})
Refusals = Callable[[Request, PlatformError, int], Awaitable[None]]
"""Called for each refused request (401, 403, a 404 hiding a row of another scope)."""
REQUEST_ZH = "请求的内容不符合要求：{detail}"
"""What a request's shape problem without a Chinese template of its own says, before pydantic's
English."""
HTTP_CODES = {
    404: ("not_found", "Not found"),
    405: ("method_not_allowed", "Method not allowed"),
    406: ("not_acceptable", "Not acceptable"),
}


def problem_body(
    status: int,
    code: str,
    title: str,
    detail: str,
    errors: tuple[ErrorItem, ...] | list[ErrorItem] = (),
    locale: str | None = None,
) -> dict[str, Any]:
    return {
        "type": PROBLEM_TYPE_PREFIX + code,
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
        "errors": [item.as_dict(locale) for item in errors],
    }


def problem(
    status: int,
    code: str,
    title: str,
    detail: str,
    errors: tuple[ErrorItem, ...] | list[ErrorItem] = (),
    headers: Mapping[str, str] | None = None,
    locale: str | None = None,
) -> JSONResponse:
    body = problem_body(status, code, title, detail, errors, locale)
    return JSONResponse(
        body,
        status_code=status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=dict(headers) if headers else None,
    )


def status_of(error: PlatformError) -> int:
    for cls in type(error).__mro__:
        if cls in STATUS_BY_ERROR:
            return STATUS_BY_ERROR[cls]
    return 400


async def platform_error(request: Request, exc: Exception) -> JSONResponse:
    """The problem+json of a refusal; `detail` and each item's message in the language the
    client prefers (`Accept-Language`; English unless it asks for Chinese and the text has a
    Chinese version)."""
    assert isinstance(exc, PlatformError)
    headers = None
    if isinstance(exc, TooManyRequests):
        headers = {"Retry-After": str(exc.retry_after)}
    status = status_of(exc)
    asked = request.headers.get("accept-language")
    locale = preferred_locale(asked) if asked else None
    detail = exc.text(locale) if locale else exc.message
    extra = getattr(exc, "extra", None)
    if extra:  # members a refusal adds to the problem (a refused flow command: `current`)
        body = {**problem_body(status, exc.code, exc.title, detail, exc.errors, locale), **extra}
        return ExactJSONResponse(
            body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers
        )
    return problem(status, exc.code, exc.title, detail, exc.errors, headers, locale)


def pydantic_items(errors: list[Any], *, skip_prefix: int = 0) -> list[ErrorItem]:
    """Pydantic/FastAPI error entries as pointer + stable code + message."""
    items: list[ErrorItem] = []
    for error in errors:
        loc = [part for part in error.get("loc", ())[skip_prefix:] if not _is_union_tag(part)]
        code = PYDANTIC_CODES.get(error.get("type", ""), "invalid_value")
        if loc and loc[-1] == "kind" and code == "invalid_choice":
            code = "unknown_kind"
        message = str(error.get("msg", "invalid value"))
        items.append(ErrorItem(pointer_of(loc), code, message, schema_zh(error, other=REQUEST_ZH)))
    return items


def _is_union_tag(part: Any) -> bool:
    # pydantic names union branches in loc ("str", "I18nText", "function-after[...]"); drop them.
    return isinstance(part, str) and (part[:1].isupper() or part == "str" or "[" in part)


async def request_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    items = pydantic_items(list(exc.errors()))
    asked = request.headers.get("accept-language")
    locale = preferred_locale(asked) if asked else None
    detail = "请求的参数无效" if locale == "zh-CN" else "the request's parameters are invalid"
    return problem(422, "validation_failed", Invalid.title, detail, items, locale=locale)


async def http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code, title = HTTP_CODES.get(exc.status_code, ("http_error", "Request failed"))
    return problem(exc.status_code, code, title, str(exc.detail), headers=exc.headers)


async def unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    # Starlette answers this one outside every middleware, so it carries the headers itself.
    return problem(
        500,
        "internal_error",
        "Internal error",
        "the server failed unexpectedly; nothing was saved. The incident is logged.",
        headers=protective_headers(),
    )


def is_refusal(error: PlatformError, status: int) -> bool:
    return status in REFUSALS or isinstance(error, HiddenNotFound)


PageErrors = Callable[[Request, PlatformError, int], Response | None]
"""A refusal or failure on a web page as a page (None: not a page, answer problem+json)."""


def install(
    app: FastAPI, *, refusals: Refusals | None = None, pages: PageErrors | None = None
) -> None:
    """Register the handlers; ``refusals`` (the audit of denials) hears of every refusal;
    ``pages`` answers on behalf of the web pages."""

    async def refused_or_failed(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, PlatformError)
        status = status_of(exc)
        if refusals is not None and is_refusal(exc, status):
            await refusals(request, exc, status)
        if pages is not None:
            page = pages(request, exc, status)
            if page is not None:
                return page
        return await platform_error(request, exc)

    app.add_exception_handler(PlatformError, refused_or_failed)
    app.add_exception_handler(RequestValidationError, request_validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(Exception, unexpected_error)
