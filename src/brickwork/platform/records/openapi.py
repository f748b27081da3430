"""The OpenAPI document of one app: record endpoints of each published form, typed by its schema.

Each form's JSON Schema (2020-12, compiled by the form engine) becomes a component; the paths are
the generic record endpoints of ``records/endpoints.py`` with request and response bodies that
refer to it, so generated clients see real field names and types.
"""

from __future__ import annotations

from typing import Any

from brickwork import __version__
from brickwork.engines.form.definition import SubtableField
from brickwork.engines.form.elements import FieldBase
from brickwork.engines.form.schemas import form_schema
from brickwork.platform.records.published import PublishedForm
from brickwork.platform.records.rows import SYSTEM_FIELDS

PROBLEM = {"$ref": "#/components/schemas/Problem"}
PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status", "code", "errors"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "code": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["pointer", "code", "message"],
                "properties": {
                    "pointer": {"type": "string"},
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                },
            },
        },
    },
}
SYSTEM_SCHEMA: dict[str, Any] = {
    "id": {"type": "string", "readOnly": True},
    "version": {"type": "integer", "readOnly": True},
    "form_version": {"type": "integer", "readOnly": True},
    "created_at": {"type": "string", "format": "date-time", "readOnly": True},
    "created_by": {"type": "string", "readOnly": True},
    "updated_at": {"type": "string", "format": "date-time", "readOnly": True},
    "updated_by": {"type": "string", "readOnly": True},
    "owner": {"type": "string", "readOnly": True},
    "department": {"type": ["string", "null"], "readOnly": True},
    "flow_status": {"type": ["string", "null"], "readOnly": True},
    "deleted_at": {"type": ["string", "null"], "format": "date-time", "readOnly": True},
}
assert set(SYSTEM_SCHEMA) == set(SYSTEM_FIELDS)
WARNINGS_SCHEMA: dict[str, Any] = {
    "type": "array",
    "readOnly": True,
    "description": "What the last save warned about (never blocking), as the reader may see "
    "it: warnings about fields hidden from the reader are left out. Sent with single records "
    "(create, read, update), not in lists.",
    "items": {
        "type": "object",
        "required": ["code", "message", "pointer"],
        "properties": {
            "code": {"type": "string"},
            "message": {"type": "string"},
            "pointer": {"type": "string", "description": "JSON pointer into the record"},
        },
    },
}
DECIMAL_OUT: dict[str, Any] = {
    "type": "string",
    "format": "decimal",
    "pattern": r"^-?[0-9]+(\.[0-9]+)?$",
    "description": "An exact decimal as a string of digits (no JSON number: no rounding).",
    "examples": ["12345678901234567.89"],
}
MONEY_OUT: dict[str, Any] = {
    "type": "object",
    "required": ["amount", "currency"],
    "properties": {"amount": DECIMAL_OUT, "currency": {"type": "string"}},
}
DECIMAL_TYPES = frozenset({"decimal", "percent"})
NULL = {"type": "null"}
ANNOTATIONS = frozenset({"title", "description", "readOnly", "x-brickwork-type"})


def output_property(field: FieldBase, schema: dict[str, Any]) -> dict[str, Any]:
    """How a field's value is written in responses, given the schema of its input: decimals and
    money amounts go out as strings (inputs may be numbers or strings)."""
    kind = getattr(field, "result_type", None) if field.type == "computed" else field.type
    inner, nullable = _without_null(schema)
    body: dict[str, Any]
    if kind in DECIMAL_TYPES:
        body = dict(DECIMAL_OUT)
    elif kind == "money":
        body = dict(MONEY_OUT)
    elif isinstance(field, SubtableField):
        cells = dict(inner["items"]["properties"])
        for column in field.fields:
            cells[column.key] = output_property(column, cells[column.key])
        body = {**inner, "items": {**inner["items"], "properties": cells}}
    else:
        return schema
    notes = {key: value for key, value in schema.items() if key in ANNOTATIONS}
    notes.update({key: value for key, value in inner.items() if key == "readOnly"})
    return {"anyOf": [body, NULL], **notes} if nullable else {**body, **notes}


def _without_null(schema: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """``{"anyOf": [S, {"type": "null"}], ...}`` → ``(S, True)``; anything else unchanged."""
    branches = schema.get("anyOf", [])
    if len(branches) == 2 and NULL in branches:
        inner: dict[str, Any] = branches[0] if branches[1] == NULL else branches[1]
        return inner, True
    return schema, False


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


def _problems(*statuses: int) -> dict[str, Any]:
    return {
        str(status): {
            "description": "Problem",
            "content": {"application/problem+json": {"schema": PROBLEM}},
        }
        for status in statuses
    }


def _form_paths(app_key: str, form: PublishedForm) -> dict[str, Any]:
    name = form.form_key
    input_ref = {"$ref": f"#/components/schemas/{name}_input"}
    patch_ref = {"$ref": f"#/components/schemas/{name}_patch"}
    record_ref = {"$ref": f"#/components/schemas/{name}_record"}
    base = f"/api/v1/apps/{app_key}/forms/{name}/records"
    record_id = [
        {"name": "record_id", "in": "path", "required": True, "schema": {"type": "string"}}
    ]
    page = {
        "type": "object",
        "properties": {
            "items": {"type": "array", "items": record_ref},
            "total": {
                "type": ["integer", "null"],
                "description": "Matching records (see the `total` parameter); null when not"
                " counted",
            },
            "total_exact": {
                "type": "boolean",
                "description": "False when `total` is a lower bound or an estimate",
            },
            "has_more": {"type": "boolean", "description": "More records follow this page"},
            "limit": {"type": "integer"},
            "offset": {"type": "integer"},
        },
    }
    tag = [name]
    return {
        base: {
            "get": {
                "operationId": f"list_{name}",
                "tags": tag,
                "parameters": [
                    {"name": "filter", "in": "query", "schema": {"type": "string"}},
                    {"name": "sort", "in": "query", "schema": {"type": "string"}},
                    {"name": "limit", "in": "query", "schema": {"type": "integer"}},
                    {"name": "offset", "in": "query", "schema": {"type": "integer"}},
                    {
                        "name": "total",
                        "in": "query",
                        "description": "auto (default: exact up to 10,000), true (exact),"
                        " estimate, false (no count)",
                        "schema": {
                            "type": "string",
                            "enum": ["auto", "true", "false", "estimate"],
                            "default": "auto",
                        },
                    },
                ],
                "responses": {
                    "200": {"description": "A page", **_json(page)},
                    **_problems(404, 422),
                },
            },
            "post": {
                "operationId": f"create_{name}",
                "tags": tag,
                "requestBody": {"required": True, **_json(input_ref)},
                "responses": {
                    "201": {"description": "Created", **_json(record_ref)},
                    **_problems(404, 409, 422),
                },
            },
        },
        f"{base}/{{record_id}}": {
            "parameters": record_id,
            "get": {
                "operationId": f"get_{name}",
                "tags": tag,
                "responses": {
                    "200": {"description": "The record", **_json(record_ref)},
                    **_problems(404),
                },
            },
            "patch": {
                "operationId": f"update_{name}",
                "tags": tag,
                "requestBody": {"required": True, **_json(patch_ref)},
                "responses": {
                    "200": {"description": "Updated", **_json(record_ref)},
                    **_problems(404, 409, 422),
                },
            },
            "delete": {
                "operationId": f"delete_{name}",
                "tags": tag,
                "responses": {
                    "200": {"description": "Deleted", **_json(record_ref)},
                    **_problems(404, 409),
                },
            },
        },
    }


def app_openapi(app_key: str, title: str, forms: list[PublishedForm]) -> dict[str, Any]:
    schemas: dict[str, Any] = {"Problem": PROBLEM_SCHEMA, "Warnings": WARNINGS_SCHEMA}
    paths: dict[str, Any] = {}
    for form in forms:
        schema = form_schema(form.definition, title=form.form_key)
        schema.pop("$schema", None)
        schemas[f"{form.form_key}_input"] = schema
        schemas[f"{form.form_key}_patch"] = {**schema, "required": []}
        properties = schema.get("properties", {})
        schemas[f"{form.form_key}_record"] = {
            "type": "object",
            "properties": {
                **SYSTEM_SCHEMA,
                "warnings": {"$ref": "#/components/schemas/Warnings"},
                **{
                    field.key: output_property(field, properties[field.key])
                    for field in form.definition.fields
                },
            },
        }
        paths.update(_form_paths(app_key, form))
    return {
        "openapi": "3.1.0",
        "info": {"title": f"{title} (Brickwork app {app_key})", "version": __version__},
        "paths": paths,
        "components": {"schemas": schemas},
    }
