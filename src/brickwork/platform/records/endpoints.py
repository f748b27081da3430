"""HTTP endpoints for records of published forms (thin: parse, call the service, reply)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response
from fastapi.responses import FileResponse
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from brickwork.jsonio import dumps_data, escape_pointer
from brickwork.platform.api.body import json_body, json_document, openapi_body, raw_body
from brickwork.platform.api.deps import SessionDep
from brickwork.platform.api.errors import PROBLEM_MEDIA_TYPE, problem_body
from brickwork.platform.api.responses import (
    ExactJSONResponse,
    reply,
    reply_document,
    reply_encoded,
)
from brickwork.platform.auth.deps import ActorDep
from brickwork.platform.db.session import unit_of_work
from brickwork.platform.errors import BadRequest, ErrorItem, Invalid, NotFound
from brickwork.platform.files.endpoints import download_response
from brickwork.platform.metadata.schemas import Kind
from brickwork.platform.records.exports import export_file
from brickwork.platform.records.imports import XLSX_TYPE, error_workbook
from brickwork.platform.records.jobs import Job, JobRunner
from brickwork.platform.records.openapi import app_openapi
from brickwork.platform.records.published import TotalMode
from brickwork.platform.records.service import RecordService
from brickwork.platform.records.transfer import export_rows, import_file
from brickwork.platform.vocabulary import KEY_PATTERN

router = APIRouter(prefix="/apps/{app}/forms/{form}/records", tags=["records"])
MAX_BATCH = 1000

AppKey = Annotated[str, Path(pattern=KEY_PATTERN, description="The app's key")]
FormKey = Annotated[str, Path(pattern=KEY_PATTERN, description="The form's key")]
RecordId = Annotated[str, Path(min_length=1, max_length=36, description="Record id")]
PROBLEM = {"description": "Problem (application/problem+json)"}
ERRORS: dict[int | str, dict[str, Any]] = {
    400: PROBLEM,
    401: PROBLEM,
    403: PROBLEM,
    404: PROBLEM,
    409: PROBLEM,
    413: PROBLEM,
    415: PROBLEM,
    422: PROBLEM,
}


class UnmaskRequest(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    fields: list[Annotated[str, StringConstraints(pattern=KEY_PATTERN)]] = Field(
        min_length=1, max_length=50, description="Keys of the masked fields to reveal."
    )
    reason: Annotated[str, StringConstraints(max_length=500)] = Field(
        description="Why the clear values are needed (recorded in the audit trail)."
    )


RECORD_BODY = openapi_body(
    schema={"type": "object", "description": "Field values by key (see the app's OpenAPI document)"}
)


async def records(request: Request) -> RecordService:
    service: RecordService = request.app.state.records
    return service


RecordsDep = Annotated[RecordService, Depends(records)]


def _object(document: Any) -> dict[str, Any]:
    if not isinstance(document, dict):
        raise Invalid(
            "the body must be a JSON object of field values",
            code="validation_failed",
            zh_cn="请求内容须为由字段值组成的 JSON 对象",
        )
    return document


def _if_match(value: str | None) -> int | None:
    """The record version a write expects, from ``If-Match: "3"`` (or ``W/"3"``)."""
    if value is None:
        return None
    text = value.strip().removeprefix("W/").strip('"')
    if not (text.isascii() and text.isdigit() and len(text) <= 18):
        raise BadRequest(
            f"If-Match must be the record version, got {value!r}",
            code="invalid_if_match",
            zh_cn=f"If-Match 须为记录的版本号，收到的是 {value!r}",
        )
    return int(text)


def _with_etag(record: dict[str, Any], status: int = 200) -> ExactJSONResponse:
    return reply(record, status, headers={"ETag": f'"{record["version"]}"'})


IfMatch = Annotated[str | None, Header(description='Expected record version, e.g. "3"')]


@router.get("", responses=ERRORS)
def list_records(
    app: AppKey,
    form: FormKey,
    session: SessionDep,
    service: RecordsDep,
    actor: ActorDep,
    filter_: Annotated[
        str | None,
        Query(alias="filter", max_length=4000, description="Expression, e.g. amount > 50000"),
    ] = None,
    sort: Annotated[
        str | None, Query(max_length=500, description="Keys, '-' for descending: -amount,name")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    deleted: bool = False,
    total: Annotated[
        Literal["auto", "true", "false", "estimate"],
        Query(
            description=(
                "How to count the matching records. `auto` (default): exact up to 10,000, "
                "beyond that `total` is 10,000 with `total_exact: false`; `true`: always "
                "exact (slow on large tables); `estimate`: the database's estimate "
                "(PostgreSQL; `auto` on SQLite); `false`: no count (`total: null`). A page "
                "that reaches the end of the list always knows its exact total; page on with "
                "`has_more` without counting."
            )
        ),
    ] = "auto",
) -> ExactJSONResponse:
    page = service.search(
        session,
        actor,
        app,
        form,
        filter_=filter_,
        sort=sort,
        limit=limit,
        offset=offset,
        deleted=deleted,
        total=TOTAL_MODES[total],
    )
    body = {
        "items": page.items,
        "total": page.total,
        "total_exact": page.total_exact,
        "has_more": page.has_more,
        "limit": page.limit,
        "offset": page.offset,
    }
    return reply_encoded(dumps_data(body).encode("utf-8"))


TOTAL_MODES: dict[str, TotalMode] = {
    "auto": "auto",
    "true": "exact",
    "false": "none",
    "estimate": "estimate",
}


@router.get("/summary", responses=ERRORS)
def summarise_records(
    app: AppKey,
    form: FormKey,
    session: SessionDep,
    service: RecordsDep,
    actor: ActorDep,
    sum_: Annotated[list[str] | None, Query(alias="sum", description="Numeric field keys")] = None,
    filter_: Annotated[str | None, Query(alias="filter", max_length=4000)] = None,
) -> ExactJSONResponse:
    return reply(service.summary(session, actor, app, form, filter_=filter_, sums=sum_ or []))


@router.post("", status_code=201, responses=ERRORS, openapi_extra=RECORD_BODY)
def create_record(
    app: AppKey,
    form: FormKey,
    session: SessionDep,
    actor: ActorDep,
    service: RecordsDep,
    document: Annotated[Any, Depends(json_document)],
) -> ExactJSONResponse:
    record = service.create(session, actor, app, form, _object(document), with_warnings=True)
    return _with_etag(record, 201)


@router.post(
    "/batch",
    status_code=201,
    responses=ERRORS,
    openapi_extra=openapi_body(
        schema={
            "type": "object",
            "required": ["records"],
            "properties": {
                "records": {"type": "array", "maxItems": MAX_BATCH, "items": {"type": "object"}}
            },
        }
    ),
)
def create_records(
    app: AppKey,
    form: FormKey,
    session: SessionDep,
    actor: ActorDep,
    service: RecordsDep,
    document: Annotated[Any, Depends(json_document)],
) -> ExactJSONResponse:
    """Create up to 1,000 records at once: all of them, or none when any has a problem."""
    items = _object(document).get("records")
    if (
        not isinstance(items, list)
        or len(items) > MAX_BATCH
        or not all(isinstance(item, dict) for item in items)
    ):
        raise Invalid(
            f'send {{"records": [...]}} with at most {MAX_BATCH} objects',
            code="validation_failed",
            zh_cn=f'请发送 {{"records": [...]}}，其中最多 {MAX_BATCH} 个对象',
            errors=[ErrorItem("/records", "wrong_type", "a list of record objects")],
        )
    outcome = service.create_many(session, actor, app, form, items)
    if outcome.failures:
        errors = [
            ErrorItem(
                f"/records/{index}{p.pointer}", p.code, p.zh_cn if actor.locale == "zh-CN" else p.en
            )
            for index, problems in sorted(outcome.failures.items())
            for p in problems
        ]
        raise Invalid(
            f"{len(outcome.failures)} of {len(items)} records have problems; nothing was saved",
            code="record_invalid",
            zh_cn=f"{len(items)} 条记录中有 {len(outcome.failures)} 条有问题：未保存任何内容",
            errors=errors,
        )
    return reply({"created": len(outcome.created_ids), "ids": list(outcome.created_ids)}, 201)


@router.get("/export", responses=ERRORS)
def export_records(
    app: AppKey,
    form: FormKey,
    session: SessionDep,
    service: RecordsDep,
    actor: ActorDep,
    format_: Annotated[Literal["csv", "xlsx"], Query(alias="format")] = "csv",
    filter_: Annotated[str | None, Query(alias="filter", max_length=4000)] = None,
    sort: Annotated[str | None, Query(max_length=500)] = None,
) -> Response:
    """The records that match the filter, as CSV (UTF-8 with BOM, for Excel) or XLSX."""
    header, rows = export_rows(
        service, session, actor, app, form, filter_=filter_, sort=sort, format_=format_
    )
    name = f"{app}-{form}.{format_}"
    disposition = {"Content-Disposition": f'attachment; filename="{name}"'}
    media_type = XLSX_TYPE if format_ == "xlsx" else "text/csv; charset=utf-8"
    return Response(export_file(format_, header, rows), media_type=media_type, headers=disposition)


@router.get("/{record_id}", responses=ERRORS)
def get_record(
    app: AppKey,
    form: FormKey,
    record_id: RecordId,
    session: SessionDep,
    actor: ActorDep,
    service: RecordsDep,
) -> ExactJSONResponse:
    return _with_etag(service.get(session, actor, app, form, record_id, with_warnings=True))


@router.patch("/{record_id}", responses=ERRORS, openapi_extra=RECORD_BODY)
def update_record(
    app: AppKey,
    form: FormKey,
    record_id: RecordId,
    session: SessionDep,
    actor: ActorDep,
    service: RecordsDep,
    document: Annotated[Any, Depends(json_document)],
    if_match: IfMatch = None,
) -> ExactJSONResponse:
    record = service.update(
        session,
        actor,
        app,
        form,
        record_id,
        _object(document),
        expected_version=_if_match(if_match),
        with_warnings=True,
    )
    return _with_etag(record)


@router.delete("/{record_id}", responses=ERRORS)
def delete_record(
    app: AppKey,
    form: FormKey,
    record_id: RecordId,
    session: SessionDep,
    actor: ActorDep,
    service: RecordsDep,
    if_match: IfMatch = None,
) -> ExactJSONResponse:
    return _with_etag(
        service.delete(session, actor, app, form, record_id, expected_version=_if_match(if_match))
    )


@router.post("/{record_id}/restore", responses=ERRORS)
def restore_record(
    app: AppKey,
    form: FormKey,
    record_id: RecordId,
    session: SessionDep,
    actor: ActorDep,
    service: RecordsDep,
    if_match: IfMatch = None,
) -> ExactJSONResponse:
    return _with_etag(
        service.delete(
            session, actor, app, form, record_id, expected_version=_if_match(if_match), restore=True
        )
    )


@router.get("/{record_id}/history", responses=ERRORS)
def record_history(
    app: AppKey,
    form: FormKey,
    record_id: RecordId,
    session: SessionDep,
    actor: ActorDep,
    service: RecordsDep,
) -> ExactJSONResponse:
    return reply(service.history(session, actor, app, form, record_id))


@router.get(
    "/{record_id}/files/{file_id}",
    response_class=FileResponse,
    responses={
        200: {"content": {"application/octet-stream": {}}, "description": "The file"},
        **ERRORS,
    },
)
def download_attachment(
    app: AppKey,
    form: FormKey,
    record_id: RecordId,
    file_id: Annotated[str, Path(max_length=64, description="The file's id")],
    session: SessionDep,
    actor: ActorDep,
    service: RecordsDep,
) -> FileResponse:
    """A file attached to the record, if the reader may read the record and the field."""
    return download_response(*service.attachment(session, actor, app, form, record_id, file_id))


@router.post(
    "/{record_id}/unmask",
    responses=ERRORS,
    openapi_extra=openapi_body(schema=UnmaskRequest.model_json_schema()),
)
def unmask_record(
    app: AppKey,
    form: FormKey,
    record_id: RecordId,
    session: SessionDep,
    actor: ActorDep,
    service: RecordsDep,
    body: Annotated[UnmaskRequest, Depends(json_body(UnmaskRequest))],
) -> ExactJSONResponse:
    """Clear values of masked fields, for a stated reason; needs the ``unmask`` permission on
    each field and is audited (who, which record, which fields, why)."""
    return reply(
        service.unmask(session, actor, app, form, record_id, fields=body.fields, reason=body.reason)
    )


imports = APIRouter(prefix="/apps/{app}/forms/{form}/imports", tags=["records"])


@imports.post(
    "",
    responses=ERRORS,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}},
            },
        }
    },
)
def import_records(
    app: AppKey,
    form: FormKey,
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    service: RecordsDep,
    content: Annotated[bytes, Depends(raw_body)],
    dry_run: bool = False,
    partial: Annotated[bool, Query(description="Write the good rows, report the bad")] = False,
    background: Annotated[bool, Query(description="Run as a job; poll its progress")] = False,
) -> Response:
    """Import a CSV or XLSX file: every row is checked; one bad row and nothing is written.

    Problems come back as JSON (``rows``: row, column, value, code, message) or, with
    ``Accept: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet``, as a sheet.
    """
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if background:
        job = start_import_job(
            request, actor, app, form, content, media_type, dry_run=dry_run, partial=partial
        )
        location = f"/api/v1/apps/{app}/forms/{form}/imports/{job.id}"
        return reply(job.as_dict(), 202, headers={"Location": location})
    report = import_file(
        service,
        session,
        actor,
        app,
        form,
        content,
        media_type,
        dry_run=dry_run,
        max_rows=request.app.state.settings.max_import_rows,
        partial=partial,
    )
    if report.ok:
        return reply(report.as_dict())
    if XLSX_TYPE in request.headers.get("accept", ""):
        return Response(
            error_workbook(report),
            status_code=422,
            media_type=XLSX_TYPE,
            headers={"Content-Disposition": 'attachment; filename="errors.xlsx"'},
        )
    body = problem_body(
        422,
        "import_invalid",
        "The file has problems",
        f"{len(report.errors)} problem(s) in {report.total_rows} row(s); nothing was imported",
        [
            ErrorItem(f"/rows/{e.row}/{escape_pointer(e.column)}", e.code, e.message)
            for e in report.errors
        ],
    )
    report_body = report.as_dict()
    report_body["rows"] = report_body.pop("errors")
    return reply({**body, **report_body}, 422, media_type=PROBLEM_MEDIA_TYPE)


app_docs = APIRouter(prefix="/apps/{app}", tags=["records"])


@app_docs.get("/openapi.json", responses=ERRORS)
def app_openapi_document(
    app: AppKey, session: SessionDep, actor: ActorDep, service: RecordsDep, request: Request
) -> ExactJSONResponse:
    """The OpenAPI 3.1 document of the app's record endpoints, typed by each form's schema."""
    metadata = request.app.state.metadata
    app_row = metadata.require_visible(session, actor, app)
    forms = [
        form
        for form in service.published_forms(session, app)
        if metadata.definition_visible(actor, app, Kind.FORM, form.form_key)
    ]
    label = (
        app_row.label
        if isinstance(app_row.label, str)
        else (app_row.label.get("en") or app_row.label.get("zh-CN") or app)
    )
    return reply_document(app_openapi(app, label, forms))


def start_import_job(
    request: Request,
    actor: Any,
    app: str,
    form: str,
    content: bytes,
    media_type: str,
    *,
    dry_run: bool,
    partial: bool,
) -> Job:
    """Run the import in its own transaction on a worker thread, reporting progress."""
    state = request.app.state
    service: RecordService = state.records

    def work(progress: Any) -> dict[str, Any]:
        with unit_of_work(state.session_factory) as session:
            report = import_file(
                service,
                session,
                actor,
                app,
                form,
                content,
                media_type,
                dry_run=dry_run,
                max_rows=state.settings.max_import_rows,
                partial=partial,
                progress=progress,
            )
            if not report.ok:
                session.rollback()
        return {**report.as_dict(), "ok": report.ok}

    runner: JobRunner = state.jobs
    return runner.submit("import", actor.username, work)


@imports.get("/{job_id}", responses=ERRORS)
def import_job(
    app: AppKey,
    form: FormKey,
    job_id: Annotated[str, Path(max_length=64)],
    request: Request,
    actor: ActorDep,
) -> ExactJSONResponse:
    """Progress and, once finished, the report of a background import (its starter's only)."""
    runner: JobRunner = request.app.state.jobs
    job = runner.get(job_id)
    if job.owner != actor.username:
        raise NotFound(
            f"there is no job {job_id!r} of yours",
            code="job_not_found",
            zh_cn=f"您没有后台任务 {job_id}",
        )
    return reply(job.as_dict())
