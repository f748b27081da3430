"""The expression checker the designers share: `POST /design/expression` checks an expression
against a scope and answers its diagnostics and the completions the scope offers.

The scope is one of: the fields of a form as the designer holds them (`fields`, a draft's
field list, possibly unsaved and incomplete), the fields of a form's saved draft (`app` and
`form`), or names with their types (`names`: `{"amount": "number"}`). Inside a subtable
(`row`), the row's fields come first. The browser never evaluates anything: this answer is all
it shows (the message under the input, a caret at the column, the completion list).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from brickwork.engines.expr import REGISTRY, Diagnostic, ExpressionError, Scope, as_type, check
from brickwork.engines.expr.datatypes import ANY, ExprType, context_of, list_of
from brickwork.engines.form.scope import COMPUTED_TYPES, EXPRESSION_TYPES, REFERENCE_TYPES
from brickwork.platform.api.deps import SessionDep
from brickwork.platform.metadata.schemas import Kind
from brickwork.platform.web.views import PAGE_POLICY, text_in, viewer_of

router = APIRouter(include_in_schema=False)
MAX_BODY = 256 * 1024
MAX_EXPRESSION = 10_000


class BadCheck(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def field_type(field: Mapping[str, Any]) -> ExprType:
    """The static type of one field as a draft holds it (unknown or incomplete: `any`)."""
    kind = field.get("type")
    if kind == "computed":
        return COMPUTED_TYPES.get(str(field.get("result_type")), ANY)
    if kind == "subtable":
        return list_of(context_of(dict(_typed(field.get("fields")))))
    if kind in REFERENCE_TYPES:
        return (
            list_of(EXPRESSION_TYPES["text"]) if field.get("multiple") else EXPRESSION_TYPES["text"]
        )
    return EXPRESSION_TYPES.get(str(kind), ANY)


def _fields(raw: Any) -> Iterable[Mapping[str, Any]]:
    if isinstance(raw, list):
        yield from (f for f in raw if isinstance(f, Mapping) and isinstance(f.get("key"), str))


def _typed(raw: Any) -> Iterable[tuple[str, ExprType]]:
    for field in _fields(raw):
        yield str(field["key"]), field_type(field)


def draft_scope(fields: Any, row: str | None = None) -> Scope:
    """The scope of a draft's fields; inside subtable `row`, its columns shadow the form's."""
    own = dict(_typed(fields))
    if row:
        for field in _fields(fields):
            if field.get("key") == row and field.get("type") == "subtable":
                own.update(_typed(field.get("fields")))
    return Scope(fields=own)


def diagnostic_out(diagnostic: Diagnostic, language: str) -> dict[str, Any]:
    """A diagnostic as the checker answers it: its message and hint in the viewer's language."""
    span = diagnostic.span
    chinese = language == "zh-CN"
    hint = diagnostic.hint_zh_cn if chinese and diagnostic.hint_zh_cn else diagnostic.hint
    return {
        "code": diagnostic.code,
        "message": diagnostic.words().zh_cn if chinese else diagnostic.message,
        "line": span.line,
        "column": span.column,
        "end_line": span.end_line,
        "end_column": span.end_column,
        "hint": hint,
        "severity": str(diagnostic.severity),
    }


def completions(fields: Any, scope: Scope, language: str, row: str | None) -> list[dict[str, Any]]:
    """Field keys with their labels and types, the `$` names, then the function names."""
    found: list[dict[str, Any]] = []
    seen: set[str] = set()
    columns: list[Mapping[str, Any]] = []
    for field in _fields(fields):
        if row and field.get("key") == row:
            columns = list(_fields(field.get("fields")))
    nested = [
        column
        for field in _fields(fields)
        if field.get("type") == "subtable"
        for column in _fields(field.get("fields"))
    ]
    for field in [*columns, *_fields(fields), *nested]:
        key = str(field["key"])
        if key in seen:
            continue
        seen.add(key)
        found.append(
            {
                "label": key,
                "kind": "field",
                "detail": text_in(field.get("label"), language),
                "type": str(field_type(field)),
            }
        )
    for key in scope.fields:
        if key not in seen:
            found.append(
                {"label": key, "kind": "field", "detail": "", "type": str(scope.fields[key])}
            )
    for name in ("$today", "$now", "$user"):
        found.append(
            {"label": name, "kind": "variable", "detail": "", "type": str(scope.lookup(name))}
        )
    for spec in sorted(REGISTRY.specs, key=lambda s: s.name.lower()):
        doc = spec.doc_zh if language == "zh-CN" else spec.doc_en
        for name in spec.names:
            found.append({"label": name, "kind": "function", "detail": doc, "type": spec.category})
    return found


def checked(source: str, scope: Scope) -> tuple[str, list[Diagnostic]]:
    try:
        result = check(source, scope)
    except ExpressionError as exc:
        return "", list(exc.diagnostics)
    return str(result.type), list(result.diagnostics)


def _scope_request(body: Mapping[str, Any], request: Request, session: Any, viewer: Any) -> Any:
    """The fields the scope is made of, after the permission check when a form is named."""
    app, form = body.get("app"), body.get("form")
    if app is not None:
        if not isinstance(app, str):
            raise BadCheck("bad_scope", "`app` is the key of an app")
        request.app.state.metadata.require(session, viewer.actor, "design", app)
    if "fields" in body:
        return body["fields"]
    if form is not None:
        if not isinstance(form, str) or not isinstance(app, str):
            raise BadCheck("bad_scope", "name the form with `app` and `form`")
        row = request.app.state.metadata.definition(session, app, Kind.FORM, form)
        return ((row.draft or {}).get("spec") or {}).get("fields") or []
    return []


def _names(body: Mapping[str, Any]) -> dict[str, ExprType]:
    names = body.get("names") or {}
    if not isinstance(names, Mapping):
        raise BadCheck("bad_scope", '`names` maps names to types: {"amount": "number"}')
    try:
        return {str(k): as_type(v) for k, v in names.items()}
    except (ValueError, TypeError) as exc:
        raise BadCheck("bad_scope", str(exc)) from None


def _answer(content: dict[str, Any], status: int = 200) -> JSONResponse:
    return JSONResponse(content, status, headers={"Content-Security-Policy": PAGE_POLICY})


async def raw_body(request: Request) -> bytes:
    """The request's body, read on the event loop (the handler itself runs in a worker thread,
    as every handler that uses the database session must)."""
    return await request.body()


@router.post("/design/expression", response_model=None)
def check_expression(
    request: Request, session: SessionDep, raw: Annotated[bytes, Depends(raw_body)]
) -> JSONResponse:
    """Check `expression` against the scope of the body (see the module's docstring)."""
    viewer = viewer_of(request, session)
    try:
        if len(raw) > MAX_BODY:
            raise BadCheck("too_large", f"send at most {MAX_BODY} bytes")
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            raise BadCheck("bad_json", "send a JSON object") from None
        if not isinstance(body, dict):
            raise BadCheck("bad_json", "send a JSON object")
        source = body.get("expression", "")
        if not isinstance(source, str) or len(source) > MAX_EXPRESSION:
            raise BadCheck("bad_expression", f"`expression` is text of at most {MAX_EXPRESSION}")
        row = body.get("row") if isinstance(body.get("row"), str) else None
        fields = _scope_request(body, request, session, viewer)
        scope = draft_scope(fields, row)
        scope = Scope(fields={**scope.fields, **_names(body)})
    except BadCheck as exc:
        return _answer({"code": exc.code, "message": exc.message}, 422)
    result_type, diagnostics = checked(source, scope) if source.strip() else ("", [])
    return _answer(
        {
            "ok": not diagnostics,
            "type": result_type,
            "diagnostics": [diagnostic_out(d, viewer.language) for d in diagnostics],
            "completions": completions(fields, scope, viewer.language, row),
        }
    )
