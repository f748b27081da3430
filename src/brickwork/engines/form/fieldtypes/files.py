"""File field types: attachment (a list of files) and signature (one image).

The platform stores the bytes and hands out ids; a record holds references with the file's
name, size and media type, which this module checks against the field's limits. It must not
read, store or sniff files: the platform verifies that a referenced file exists and matches.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase

from brickwork.engines.form.definition import AttachmentField, SignatureField
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
    check_count,
    joined,
    refuse,
)
from brickwork.engines.form.fieldtypes.references import ID_SCHEMA, REFERENCE_ID
from brickwork.engines.form.problems import Problem, Words, pointer_token, problem, wrong_type

MEDIA_TYPE = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]{0,126}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}")
MAX_NAME_LENGTH = 255
FILE_KEYS = frozenset({"id", "name", "size", "content_type"})
SIGNATURE_TYPES = ("image/png", "image/jpeg", "image/webp")
"""Raster images only: SVG can carry scripts."""


@dataclass(frozen=True, slots=True)
class FileRef:
    file_id: str
    name: str
    size: int
    content_type: str


def _file(raw: object, pointer: str) -> FileRef | Problem:
    if not isinstance(raw, Mapping) or set(raw) != FILE_KEYS:
        return problem("attachment_format", pointer=pointer)
    file_id, name, size, content_type = (raw[k] for k in ("id", "name", "size", "content_type"))
    if not isinstance(file_id, str) or not REFERENCE_ID.fullmatch(file_id):
        return problem("attachment_format", pointer=pointer + "/id")
    if not _good_name(name):
        return problem("attachment_format", pointer=pointer + "/name")
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        return problem("attachment_format", pointer=pointer + "/size")
    if not isinstance(content_type, str) or not MEDIA_TYPE.fullmatch(content_type.lower()):
        return problem("attachment_format", pointer=pointer + "/content_type")
    return FileRef(file_id, unicodedata.normalize("NFC", name), size, content_type.lower())


def _good_name(name: object) -> bool:
    return (
        isinstance(name, str)
        and 0 < len(name) <= MAX_NAME_LENGTH
        and name.strip() == name
        and not any(c in "/\\" or unicodedata.category(c) == "Cc" for c in name)
    )


def _file_problems(
    ref: FileRef, max_size: int, accepted: tuple[str, ...], pointer: str
) -> list[Problem]:
    problems: list[Problem] = []
    if ref.size > max_size:
        problems.append(problem("attachment_too_large", pointer=pointer, limit=max_size))
    if accepted and not any(fnmatchcase(ref.content_type, pattern) for pattern in accepted):
        problems.append(problem("attachment_content_type", pointer=pointer))
    return problems


def file_json(ref: FileRef) -> dict[str, object]:
    return {"id": ref.file_id, "name": ref.name, "size": ref.size, "content_type": ref.content_type}


FILE_SCHEMA: JsonSchema = {
    "type": "object",
    "properties": {
        "id": ID_SCHEMA,
        "name": {"type": "string", "minLength": 1, "maxLength": MAX_NAME_LENGTH},
        "size": {"type": "integer", "minimum": 0},
        "content_type": {"type": "string"},
    },
    "required": sorted(FILE_KEYS),
    "additionalProperties": False,
}


# ---------------------------------------------------------------- attachment


def coerce_attachment(raw: object, field: AttachmentField, context: CoerceContext) -> Coerced:
    if not isinstance(raw, list | tuple):
        return refuse(wrong_type("list"))
    files: list[FileRef] = []
    problems: list[Problem] = []
    for index, item in enumerate(raw):
        found = _file(item, pointer_token(index))
        if isinstance(found, Problem):
            problems.append(found)
        elif any(f.file_id == found.file_id for f in files):
            problems.append(problem("duplicate_item", pointer=pointer_token(index)))
        else:
            files.append(found)
    return refuse(*problems) if problems else accept(tuple(files))


def validate_attachment(value: tuple[FileRef, ...], field: AttachmentField) -> tuple[Problem, ...]:
    accepted = tuple(t.lower() for t in field.content_types)
    problems = [
        p
        for index, ref in enumerate(value)
        for p in _file_problems(ref, field.max_size_bytes, accepted, pointer_token(index))
    ]
    return (*check_count(len(value), None, field.max_files), *problems)


def display_attachment(
    value: tuple[FileRef, ...], field: AttachmentField, context: DisplayContext
) -> str:
    return joined([ref.name for ref in value], context)


# ---------------------------------------------------------------- signature


def coerce_signature(raw: object, field: SignatureField, context: CoerceContext) -> Coerced:
    found = _file(raw, "")
    return refuse(found) if isinstance(found, Problem) else accept(found)


def validate_signature(value: FileRef, field: SignatureField) -> tuple[Problem, ...]:
    return tuple(_file_problems(value, field.max_size_bytes, SIGNATURE_TYPES, ""))


ENTRIES = (
    FieldType[AttachmentField](
        name="attachment",
        summary=Words("附件", "attachments"),
        storage=lambda field: Storage(kind=StorageKind.JSON, multiple=True),
        coerce=coerce_attachment,
        validate=validate_attachment,
        display=display_attachment,
        schema=lambda field: {"type": "array", "items": FILE_SCHEMA, "maxItems": field.max_files},
        mask="none",
        sensitivity=Sensitivity.C1,
        to_json=lambda value, field: [file_json(ref) for ref in value],
    ),
    FieldType[SignatureField](
        name="signature",
        summary=Words("手写签名", "handwritten signature (image)"),
        storage=lambda field: Storage(kind=StorageKind.JSON),
        coerce=coerce_signature,
        validate=validate_signature,
        display=lambda value, field, context: value.name,
        schema=lambda field: FILE_SCHEMA,
        mask="full",
        sensitivity=Sensitivity.C2,
        to_json=lambda value, field: file_json(value),
    ),
)
