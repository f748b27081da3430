"""Field types for truth values and time: boolean, date, datetime and time.

Strict ISO 8601 input: dates YYYY-MM-DD; date-times must carry an offset (Z or ±HH:MM) and are
normalised to UTC; times are wall-clock HH:MM[:SS[.ffffff]] without a zone. Booleans are JSON
true/false or the strings "true"/"false", nothing else ("yes", 1 and "是" are refused). This
module must not read the clock or the local time zone.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime, time

from brickwork.engines.form.definition import BooleanField, DateField, DatetimeField, TimeField
from brickwork.engines.form.elements import Sensitivity
from brickwork.engines.form.fieldtypes.base import (
    CoerceContext,
    Coerced,
    DisplayContext,
    FieldType,
    Storage,
    StorageKind,
    accept,
    check_range,
    fixed,
    no_constraints,
    refuse,
)
from brickwork.engines.form.problems import Problem, Words, problem

DATE_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
TIME_TEXT = re.compile(r"[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?")
DATETIME_TEXT = re.compile(
    r"(?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2})[T ]"
    r"(?P<time>[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?)"
    r"(?P<offset>Z|[+-][0-9]{2}:[0-9]{2})?"
)
BOOLEAN_TEXT = {"true": True, "false": False}
MAX_TEMPORAL_TEXT = 64


def _text(raw: object) -> str | None:
    if not isinstance(raw, str) or len(raw) > MAX_TEMPORAL_TEXT:
        return None
    return unicodedata.normalize("NFKC", raw).strip()


# ---------------------------------------------------------------- boolean


def coerce_boolean(raw: object, field: BooleanField, context: CoerceContext) -> Coerced:
    if isinstance(raw, bool):
        return accept(raw)
    text = _text(raw)
    if text is not None and text.lower() in BOOLEAN_TEXT:
        return accept(BOOLEAN_TEXT[text.lower()])
    return refuse(problem("boolean_format"))


def display_boolean(value: bool, field: BooleanField, context: DisplayContext) -> str:
    if context.locale == "zh-CN":
        return "是" if value else "否"
    return "Yes" if value else "No"


# ---------------------------------------------------------------- date


def coerce_date(raw: object, field: DateField, context: CoerceContext) -> Coerced:
    if isinstance(raw, date) and not isinstance(raw, datetime):
        return accept(raw)
    text = _text(raw)
    if text is None or not DATE_TEXT.fullmatch(text):
        return refuse(problem("date_format"))
    try:
        return accept(date.fromisoformat(text))
    except ValueError:
        return refuse(problem("date_invalid"))


def validate_date(value: date, field: DateField) -> tuple[Problem, ...]:
    return check_range(value, field.minimum, field.maximum, show=date.isoformat)


def display_date(value: date, field: DateField, context: DisplayContext) -> str:
    return value.isoformat()


# ---------------------------------------------------------------- datetime


def coerce_datetime(raw: object, field: DatetimeField, context: CoerceContext) -> Coerced:
    if isinstance(raw, datetime):
        if raw.utcoffset() is None:
            return refuse(problem("datetime_offset"))
        return accept(raw.astimezone(UTC))
    text = _text(raw)
    found = DATETIME_TEXT.fullmatch(text.upper()) if text is not None else None
    if found is None:
        return refuse(problem("datetime_format"))
    if found.group("offset") is None:
        return refuse(problem("datetime_offset"))
    try:
        parsed = datetime.fromisoformat(f"{found['date']}T{found['time']}{found['offset']}")
        return accept(parsed.astimezone(UTC))
    except (ValueError, OverflowError):
        return refuse(problem("datetime_invalid"))


def _iso(value: datetime) -> str:
    return value.isoformat()


def validate_datetime(value: datetime, field: DatetimeField) -> tuple[Problem, ...]:
    return check_range(value, field.minimum, field.maximum, show=_iso)


def display_datetime(value: datetime, field: DatetimeField, context: DisplayContext) -> str:
    local = value.astimezone(context.zone)
    offset = local.strftime("%z")
    return f"{local:%Y-%m-%d %H:%M:%S} {offset[:3]}:{offset[3:]}"


# ---------------------------------------------------------------- time


def coerce_time(raw: object, field: TimeField, context: CoerceContext) -> Coerced:
    if isinstance(raw, time):
        return accept(raw) if raw.tzinfo is None else refuse(problem("time_format"))
    text = _text(raw)
    if text is None or not TIME_TEXT.fullmatch(text):
        return refuse(problem("time_format"))
    try:
        return accept(time.fromisoformat(text))
    except ValueError:
        return refuse(problem("time_format"))


def validate_time(value: time, field: TimeField) -> tuple[Problem, ...]:
    return check_range(value, field.minimum, field.maximum, show=time.isoformat)


def display_time(value: time, field: TimeField, context: DisplayContext) -> str:
    return value.isoformat()


ENTRIES = (
    FieldType[BooleanField](
        name="boolean",
        summary=Words("是/否", "yes/no"),
        storage=fixed(Storage(kind=StorageKind.BOOLEAN)),
        coerce=coerce_boolean,
        validate=no_constraints,
        display=display_boolean,
        schema=lambda field: {"anyOf": [{"type": "boolean"}, {"enum": ["true", "false"]}]},
        mask="none",
        sensitivity=Sensitivity.C1,
    ),
    FieldType[DateField](
        name="date",
        summary=Words("日期", "date"),
        storage=fixed(Storage(kind=StorageKind.DATE)),
        coerce=coerce_date,
        validate=validate_date,
        display=display_date,
        schema=lambda field: {"type": "string", "format": "date"},
        mask="none",
        sensitivity=Sensitivity.C1,
    ),
    FieldType[DatetimeField](
        name="datetime",
        summary=Words("日期时间", "date and time"),
        storage=fixed(Storage(kind=StorageKind.DATETIME)),
        coerce=coerce_datetime,
        validate=validate_datetime,
        display=display_datetime,
        schema=lambda field: {"type": "string", "format": "date-time"},
        mask="none",
        sensitivity=Sensitivity.C1,
    ),
    FieldType[TimeField](
        name="time",
        summary=Words("时间", "time of day"),
        storage=fixed(Storage(kind=StorageKind.TIME)),
        coerce=coerce_time,
        validate=validate_time,
        display=display_time,
        schema=lambda field: {
            "type": "string",
            "pattern": r"^\s*[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?\s*$",
        },
        mask="none",
        sensitivity=Sensitivity.C1,
    ),
)
