"""Field types holding text: text, textarea, rich_text, email, phone and url.

Text is NFC-normalised and trimmed; control characters are refused (textarea allows newlines and
tabs); rich text is sanitised to an allow-list, never refused for its markup. Regex patterns are
matched whole, against values already bounded by `max_length`, and were checked for size and
nested repetition when the definition was validated. Must not look up anything outside.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from brickwork.engines.form.definition import (
    EmailField,
    PhoneField,
    RichTextField,
    TextareaField,
    TextField,
    UrlField,
)
from brickwork.engines.form.elements import Sensitivity
from brickwork.engines.form.fieldtypes.base import (
    CoerceContext,
    Coerced,
    DisplayContext,
    FieldType,
    JsonSchema,
    Storage,
    StorageKind,
    accept,
    as_text,
    check_length,
    fixed,
    from_identifier,
    no_constraints,
    refuse,
)
from brickwork.engines.form.problems import Problem, Words, problem, wrong_type
from brickwork.engines.form.richtext import html_to_text, sanitize_html
from brickwork.engines.identifiers.contact import (
    EMAIL_MAX_LENGTH,
    URL_MAX_LENGTH,
    check_cn_mobile,
    check_e164,
    check_email,
    check_url,
)

RAW_LIMIT_FACTOR = 4
"""Raw input longer than this many times `max_length` is refused before any processing."""

MULTILINE_ALLOWED = frozenset("\n\t")


@lru_cache(maxsize=512)
def compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _control_chars(text: str, allowed: frozenset[str]) -> bool:
    return any(unicodedata.category(c) == "Cc" and c not in allowed for c in text)


def _raw_text(raw: object, max_length: int) -> str | Problem:
    if not isinstance(raw, str):
        return wrong_type("string")
    if len(raw) > max_length * RAW_LIMIT_FACTOR + 1000:
        return problem("too_long", limit=max_length)
    return unicodedata.normalize("NFC", raw)


# ---------------------------------------------------------------- text, textarea


def coerce_text(raw: object, field: TextField, context: CoerceContext) -> Coerced:
    text = _raw_text(raw, field.max_length)
    if isinstance(text, Problem):
        return refuse(text)
    text = text.strip()
    if any(c in text for c in "\n\r\u2028\u2029"):
        return refuse(problem("text_single_line"))
    if _control_chars(text, frozenset()):
        return refuse(problem("text_control_chars"))
    return accept(text)


def validate_text(value: str, field: TextField) -> tuple[Problem, ...]:
    found = check_length(value, field.min_length, field.max_length)
    if not found and field.pattern is not None and not compiled(field.pattern).fullmatch(value):
        found = (problem("text_pattern"),)
    return found


def coerce_textarea(raw: object, field: TextareaField, context: CoerceContext) -> Coerced:
    text = _raw_text(raw, field.max_length)
    if isinstance(text, Problem):
        return refuse(text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if _control_chars(text, MULTILINE_ALLOWED):
        return refuse(problem("text_control_chars"))
    return accept(text)


def validate_textarea(value: str, field: TextareaField) -> tuple[Problem, ...]:
    return check_length(value, field.min_length, field.max_length)


def text_schema(field: TextField | TextareaField) -> JsonSchema:
    schema: JsonSchema = {"type": "string", "maxLength": field.max_length}
    if field.min_length:
        schema["minLength"] = field.min_length
    return schema


# ---------------------------------------------------------------- rich text


def coerce_rich_text(raw: object, field: RichTextField, context: CoerceContext) -> Coerced:
    if not isinstance(raw, str):
        return refuse(problem("rich_text_format"))
    text = _raw_text(raw, field.max_length)
    if isinstance(text, Problem):
        return refuse(text)
    cleaned = sanitize_html(text).strip()
    return accept(cleaned or None)


def validate_rich_text(value: str, field: RichTextField) -> tuple[Problem, ...]:
    return check_length(value, None, field.max_length)


def display_rich_text(value: str, field: RichTextField, context: DisplayContext) -> str:
    return html_to_text(value)


# ---------------------------------------------------------------- checked text


_checked = from_identifier


def coerce_email(raw: object, field: EmailField, context: CoerceContext) -> Coerced:
    return refuse(wrong_type("string")) if not isinstance(raw, str) else _checked(check_email(raw))


def coerce_url(raw: object, field: UrlField, context: CoerceContext) -> Coerced:
    return refuse(wrong_type("string")) if not isinstance(raw, str) else _checked(check_url(raw))


def coerce_phone(raw: object, field: PhoneField, context: CoerceContext) -> Coerced:
    if not isinstance(raw, str):
        return refuse(wrong_type("string"))
    match field.phone_kind:
        case "cn_mobile":
            return _checked(check_cn_mobile(raw))
        case "e164":
            return _checked(check_e164(raw))
        case "any":
            mobile = check_cn_mobile(raw)
            return _checked(mobile) if mobile.ok else _checked(check_e164(raw))


ENTRIES: tuple[FieldType[TextField] | FieldType[TextareaField] | FieldType[RichTextField], ...]
ENTRIES = (
    FieldType[TextField](
        name="text",
        summary=Words("单行文本", "single-line text"),
        storage=lambda field: Storage(kind=StorageKind.TEXT, max_length=field.max_length),
        coerce=coerce_text,
        validate=validate_text,
        display=as_text,
        schema=text_schema,
        mask="none",
        sensitivity=Sensitivity.C1,
    ),
    FieldType[TextareaField](
        name="textarea",
        summary=Words("多行文本", "multi-line text"),
        storage=lambda field: Storage(kind=StorageKind.TEXT, max_length=field.max_length),
        coerce=coerce_textarea,
        validate=validate_textarea,
        display=as_text,
        schema=text_schema,
        mask="none",
        sensitivity=Sensitivity.C1,
    ),
    FieldType[RichTextField](
        name="rich_text",
        summary=Words("富文本 (净化后的 HTML)", "rich text (sanitised HTML)"),
        storage=lambda field: Storage(kind=StorageKind.TEXT, max_length=field.max_length),
        coerce=coerce_rich_text,
        validate=validate_rich_text,
        display=display_rich_text,
        schema=lambda field: {"type": "string", "contentMediaType": "text/html"},
        mask="none",
        sensitivity=Sensitivity.C1,
    ),
)

CONTACT_ENTRIES: tuple[FieldType[EmailField] | FieldType[PhoneField] | FieldType[UrlField], ...]
CONTACT_ENTRIES = (
    FieldType[EmailField](
        name="email",
        summary=Words("电子邮箱", "e-mail address"),
        storage=fixed(Storage(kind=StorageKind.TEXT, max_length=EMAIL_MAX_LENGTH)),
        coerce=coerce_email,
        validate=no_constraints,
        display=as_text,
        schema=lambda field: {"type": "string", "format": "email", "maxLength": 320},
        mask="email",
        sensitivity=Sensitivity.C2,
    ),
    FieldType[PhoneField](
        name="phone",
        summary=Words("电话 (中国大陆手机号或 E.164)", "phone (mainland mobile or E.164)"),
        storage=fixed(Storage(kind=StorageKind.TEXT, max_length=16)),
        coerce=coerce_phone,
        validate=no_constraints,
        display=as_text,
        schema=lambda field: {"type": "string", "minLength": 7, "maxLength": 40},
        mask="mobile",
        sensitivity=Sensitivity.C2,
    ),
    FieldType[UrlField](
        name="url",
        summary=Words("网址 (http 或 https)", "web address (http/https)"),
        storage=fixed(Storage(kind=StorageKind.TEXT, max_length=URL_MAX_LENGTH)),
        coerce=coerce_url,
        validate=no_constraints,
        display=as_text,
        schema=lambda field: {"type": "string", "format": "uri", "maxLength": URL_MAX_LENGTH},
        mask="none",
        sensitivity=Sensitivity.C1,
    ),
)
