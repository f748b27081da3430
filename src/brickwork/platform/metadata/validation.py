"""Design-time validation of definitions: the envelope's JSON Schema, then the kind's validators.

Kind validators are registered per kind; later areas (forms, flows, rules, reports) plug theirs in
with ``register_kind_validator``. Every problem comes back with a JSON pointer into the definition.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import cache, partial
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from brickwork.jsonio import escape_pointer
from brickwork.platform.errors import ErrorItem, pointer_of
from brickwork.platform.metadata.schemas import Kind

KindValidator = Callable[[Mapping[str, Any]], Iterable[ErrorItem]]
"""Checks a definition's ``spec``; pointers it returns are relative to ``/spec``."""

ENVELOPE_SCHEMA_FILE = "definition.schema.json"
BUNDLE_SCHEMA_FILE = "bundle.schema.json"

KEYWORD_CODES = {
    "required": "required",
    "additionalProperties": "unknown_property",
    "pattern": "pattern_mismatch",
    "type": "wrong_type",
    "enum": "invalid_choice",
    "const": "invalid_choice",
    "maxLength": "too_long",
    "minLength": "too_short",
    "minimum": "too_small",
    "maximum": "too_large",
    "anyOf": "invalid_value",
    "oneOf": "invalid_value",
    "format": "invalid_format",
}


@cache
def load_schema(name: str) -> dict[str, Any]:
    text = resources.files("brickwork.schemas").joinpath(name).read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@cache
def _validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(load_schema(name))


def _schema_problem(error: ValidationError) -> ErrorItem:
    path = list(error.absolute_path)
    code = KEYWORD_CODES.get(str(error.validator), "invalid_value")
    message = error.message
    if error.validator == "required" and isinstance(error.instance, Mapping):
        required: list[str] = list(error.validator_value or ())  # type: ignore[arg-type]
        missing = [k for k in required if k not in error.instance]
        if missing:
            path.append(missing[0])
            message = f"'{missing[0]}' is required"
    elif error.validator == "additionalProperties" and isinstance(error.instance, Mapping):
        schema = error.schema if isinstance(error.schema, Mapping) else {}
        allowed = set(schema.get("properties", {}))
        extra = sorted(k for k in error.instance if k not in allowed)
        if extra:
            path.append(extra[0])
            message = f"'{extra[0]}' is not a known property here; allowed: {sorted(allowed)}"
    if path == ["kind"] and code == "invalid_choice":
        code = "unknown_kind"
        message = f"unknown kind {error.instance!r}; use one of {[k.value for k in Kind]}"
    return ErrorItem(pointer_of(path), code, message)


def schema_problems(document: Any, schema_name: str) -> list[ErrorItem]:
    """All JSON Schema problems of a document, most specific first, in document order."""
    errors = sorted(
        _validator(schema_name).iter_errors(document),
        key=lambda e: (list(map(str, e.absolute_path)), str(e.validator)),
    )
    return [_schema_problem(_most_specific(error)) for error in errors]


def _most_specific(error: ValidationError) -> ValidationError:
    # For a union (label: string or object) report the branch that got furthest.
    if error.context:
        return max(error.context, key=lambda e: (len(e.absolute_path), e.validator != "type"))
    return error


_KIND_VALIDATORS: dict[Kind, list[KindValidator]] = {}


def register_kind_validator(kind: Kind, validator: KindValidator) -> None:
    """Add a validator for one kind's ``spec`` (called once at import by the owning area)."""
    validators = _KIND_VALIDATORS.setdefault(kind, [])
    if validator not in validators:
        validators.append(validator)


_ELEMENT_ID_PATTERNS: dict[Kind, str] = {}


def register_element_id_pattern(kind: Kind, pattern: str) -> None:
    """Element ids of `kind` follow `pattern` instead of ``ELEMENT_ID_PATTERN`` (decision models
    keep the ids DMN tools give them)."""
    _ELEMENT_ID_PATTERNS[kind] = pattern


def kind_validators(kind: Kind) -> tuple[KindValidator, ...]:
    pattern = _ELEMENT_ID_PATTERNS.get(kind, ELEMENT_ID_PATTERN)
    return (partial(check_element_ids, pattern=pattern), *_KIND_VALIDATORS.get(kind, ()))


def validate_definition(body: Any) -> list[ErrorItem]:
    """Every problem that stops this body from being published (empty when it may be)."""
    problems = schema_problems(body, ENVELOPE_SCHEMA_FILE)
    if problems:
        return problems
    kind = Kind(body["kind"])
    spec = body.get("spec", {})
    seen: set[str] = set()
    for validator in kind_validators(kind):
        for item in validator(spec):
            pointer = f"/spec{item.pointer}"
            if pointer not in seen:  # one problem per place: the most general check speaks
                seen.add(pointer)
                problems.append(ErrorItem(pointer, item.code, item.message, item.zh_cn))
    return problems


ELEMENT_ID_PATTERN = r"^[A-Za-z][A-Za-z0-9_-]{0,63}$"


def check_element_ids(
    spec: Mapping[str, Any], pattern: str = ELEMENT_ID_PATTERN
) -> Iterator[ErrorItem]:
    """Elements (fields, nodes, rows: objects in a list that carry ``id``) need unique ids."""
    matcher = re.compile(pattern)
    seen: dict[str, str] = {}

    def walk(value: Any, pointer: str) -> Iterator[ErrorItem]:
        if isinstance(value, Mapping):
            for key, item in value.items():
                yield from walk(item, f"{pointer}/{escape_pointer(str(key))}")
        elif isinstance(value, list):
            for index, item in enumerate(value):
                here = f"{pointer}/{index}"
                if isinstance(item, Mapping) and "id" in item:
                    yield from check_one(item["id"], f"{here}/id")
                yield from walk(item, here)

    def check_one(element_id: Any, pointer: str) -> Iterator[ErrorItem]:
        if not isinstance(element_id, str) or not matcher.match(element_id):
            yield ErrorItem(
                pointer,
                "invalid_element_id",
                f"element id {element_id!r} must match {pattern}",
                f"元素 id {element_id!r} 须符合 {pattern}",
            )
        elif element_id in seen:
            yield ErrorItem(
                pointer,
                "duplicate_element_id",
                f"element id {element_id!r} is already used at /spec{seen[element_id]}",
                f"元素 id {element_id!r} 已在 /spec{seen[element_id]} 使用",
            )
        else:
            seen[element_id] = pointer

    yield from walk(spec, "")
