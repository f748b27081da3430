"""Exception types of the platform core. Each carries a stable code and, where it can, a location.

They are turned into HTTP responses in exactly one place, ``brickwork.platform.api.errors``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from brickwork.jsonio import escape_pointer

PYDANTIC_CODES = {  # pydantic error type -> stable code
    "missing": "required",
    "extra_forbidden": "unknown_property",
    "string_pattern_mismatch": "pattern_mismatch",
    "string_too_long": "too_long",
    "string_too_short": "too_short",
    "enum": "invalid_choice",
    "literal_error": "invalid_choice",
    "int_parsing": "wrong_type",
    "int_type": "wrong_type",
    "string_type": "wrong_type",
    "dict_type": "wrong_type",
    "model_type": "wrong_type",
    "bool_type": "wrong_type",
    "list_type": "wrong_type",
    "greater_than_equal": "too_small",
    "less_than_equal": "too_large",
}


def pointer_of(path: Iterable[Any]) -> str:
    """The JSON pointer (RFC 6901) of a location given as keys and indexes."""
    return "".join(f"/{escape_pointer(str(token))}" for token in path)


@dataclass(frozen=True, slots=True)
class ErrorItem:
    """One problem: where (JSON pointer), what (stable code) and a sentence for people, in
    English (`message`) and, where given, in Simplified Chinese (`zh_cn`)."""

    pointer: str
    code: str
    message: str
    zh_cn: str | None = None

    def as_dict(self, locale: str | None = None) -> dict[str, str]:
        """The item as the API writes it, its message in `locale` when it has that text."""
        message = self.zh_cn if locale == "zh-CN" and self.zh_cn else self.message
        return {"pointer": self.pointer, "code": self.code, "message": message}


class PlatformError(Exception):
    """Base of every expected failure; ``code`` is stable and documented. ``message`` is
    English; ``zh_cn``, where given, says the same in Simplified Chinese (see ``text``)."""

    code = "platform_error"
    title = "Request failed"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        errors: Iterable[ErrorItem] = (),
        zh_cn: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.errors = tuple(errors)
        self.zh_cn = zh_cn

    def text(self, locale: str | None) -> str:
        """The message in ``locale``: Chinese for "zh-CN" where there is a Chinese text, else
        English."""
        return self.zh_cn if locale == "zh-CN" and self.zh_cn else self.message


class BadRequest(PlatformError):
    code = "bad_request"
    title = "The request could not be read"


class NotFound(PlatformError):
    code = "not_found"
    title = "Not found"


class HiddenNotFound(NotFound):
    """A 404 that hides a row outside the actor's scope: answered like any ``NotFound``, audited
    as a refusal."""


class Conflict(PlatformError):
    code = "conflict"
    title = "Conflicts with the current state"


class Invalid(PlatformError):
    code = "validation_failed"
    title = "The submitted data is invalid"


class PayloadTooLarge(PlatformError):
    code = "body_too_large"
    title = "The request body is too large"


class UnsupportedMediaType(PlatformError):
    code = "unsupported_media_type"
    title = "The request body must be JSON"


class Unauthorized(PlatformError):
    code = "not_authenticated"
    title = "Sign-in required"


class Forbidden(PlatformError):
    code = "forbidden"
    title = "Not allowed"


class Locked(PlatformError):
    code = "account_locked"
    title = "The account is locked"


class TooManyRequests(PlatformError):
    """Refused for now; ``retry_after`` says in how many seconds to try again."""

    code = "too_many_attempts"
    title = "Too many attempts"

    def __init__(
        self,
        message: str,
        *,
        retry_after: int,
        code: str | None = None,
        zh_cn: str | None = None,
    ) -> None:
        super().__init__(message, code=code, zh_cn=zh_cn)
        self.retry_after = retry_after


class ServerFault(PlatformError):
    """The request was fine but the deployment is not (keys, stored data): a 500 with a code."""

    code = "internal_error"
    title = "Internal error"
