"""The import wizard: upload a CSV or XLSX file, see how its columns map to the form's fields
and every row's problems (a dry run: nothing written), then import it in the background and
follow its progress. The same import as the API's (`import_file`): the same mapping of
headers, checks, permissions (`import`) and audit; one bad row and nothing is written, unless
the user chose to write the good rows and skip the bad.

The uploaded file is kept as the user's own file between the check and the import.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from brickwork.platform.api.deps import SessionDep
from brickwork.platform.errors import Invalid, NotFound
from brickwork.platform.records.endpoints import start_import_job
from brickwork.platform.records.imports import XLSX_TYPE
from brickwork.platform.records.transfer import import_file
from brickwork.platform.vocabulary import KEY_PATTERN
from brickwork.platform.web.i18n import translations
from brickwork.platform.web.params import FormListsDep, first
from brickwork.platform.web.records import navigation, published_label
from brickwork.platform.web.views import render, text_in, viewer_of

router = APIRouter(include_in_schema=False)
AppKey = Annotated[str, Path(pattern=KEY_PATTERN)]
FormKey = Annotated[str, Path(pattern=KEY_PATTERN)]
TYPES = {".csv": "text/csv", ".xlsx": XLSX_TYPE}
SHOWN_ERRORS = 200


@router.get("/apps/{app}/forms/{form}/import", response_model=None)
def import_page(request: Request, session: SessionDep, app: AppKey, form: FormKey) -> Response:
    viewer = viewer_of(request, session)
    records = request.app.state.records
    published = records.form(session, app, form)
    records.access(session, viewer.actor, published, "import")
    return render(
        request,
        "imports/start.html",
        {
            "app": app,
            "form": form,
            "form_label": published_label(request, session, app, form),
            "nav": navigation(request, session, viewer, app),
        },
        viewer=viewer,
    )


@router.post("/apps/{app}/forms/{form}/import", response_model=None)
def check_file(
    request: Request,
    session: SessionDep,
    app: AppKey,
    form: FormKey,
    file: UploadFile | None = None,
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    partial: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Keep the file, and check every row of it without writing anything."""
    viewer = viewer_of(request, session, csrf=csrf_token)
    name = (file.filename if file is not None else None) or "import.csv"
    media_type = TYPES.get(name[name.rfind(".") :].lower() if "." in name else "")
    if file is None or media_type is None:
        said = translations(viewer.language).gettext("choose a .csv or .xlsx file")
        raise Invalid(said, code="import_file_type", zh_cn="请选择 .csv 或 .xlsx 文件")
    content = file.file.read()
    state = request.app.state
    records = state.records
    published = records.form(session, app, form)
    records.access(session, viewer.actor, published, "import")
    stored = state.files.upload(session, viewer.actor, content, name=name, content_type=media_type)
    report = import_file(
        records,
        session,
        viewer.actor,
        app,
        form,
        content,
        media_type,
        dry_run=True,
        max_rows=state.settings.max_import_rows,
        partial=partial == "yes",
    )
    labels = {
        item.key: text_in(item.label, viewer.language) for item in published.definition.fields
    }
    return render(
        request,
        "imports/check.html",
        {
            "app": app,
            "form": form,
            "form_label": published_label(request, session, app, form),
            "file_id": stored.id,
            "file_name": name,
            "partial": partial == "yes",
            "total": report.total_rows,
            "columns": [
                {"column": column, "field": labels.get(key, key)}
                for column, key in report.columns.items()
            ],
            "errors": [error.as_dict() for error in report.errors[:SHOWN_ERRORS]],
            "error_count": len(report.errors),
            "bad_rows": len({error.row for error in report.errors}),
            "warnings": [warning.as_dict() for warning in report.warnings[:SHOWN_ERRORS]],
            "warning_count": len(report.warnings),
            "nav": navigation(request, session, viewer, app),
        },
        viewer=viewer,
    )


@router.post("/apps/{app}/forms/{form}/import/run", response_model=None)
def run_import(
    request: Request, session: SessionDep, app: AppKey, form: FormKey, sent: FormListsDep
) -> Response:
    """Import the checked file in the background; then its progress page."""
    viewer = viewer_of(request, session, csrf=first(sent, "csrf_token"))
    state = request.app.state
    stored, path = state.files.download(session, viewer.actor, first(sent, "file", ""))
    content = path.read_bytes()
    job = start_import_job(
        request,
        viewer.actor,
        app,
        form,
        content,
        stored.content_type,
        dry_run=False,
        partial=first(sent, "partial") == "yes",
    )
    return RedirectResponse(f"/apps/{app}/forms/{form}/import/{job.id}", status_code=303)


@router.get("/apps/{app}/forms/{form}/import/{job_id}", response_model=None)
def import_progress(
    request: Request,
    session: SessionDep,
    app: AppKey,
    form: FormKey,
    job_id: Annotated[str, Path(max_length=64)],
) -> Response:
    """How far the import got; once it ended, what it wrote (or why it wrote nothing)."""
    viewer = viewer_of(request, session)
    job = request.app.state.jobs.get(job_id)
    if job.owner != viewer.username:
        raise NotFound(
            f"there is no import {job_id!r} of yours",
            code="job_not_found",
            zh_cn=f"您没有导入任务 {job_id}",
        )
    found: dict[str, Any] = job.as_dict()
    total = found["total"] or 0
    context = {
        "app": app,
        "form": form,
        "form_label": published_label(request, session, app, form),
        "job": found,
        "percent": int(found["processed"] * 100 / total) if total else 0,
        "done": found["status"] in ("done", "failed"),
        "result": found["result"] or {},
        "nav": navigation(request, session, viewer, app),
    }
    partial = request.headers.get("hx-request") == "true"
    return render(
        request,
        "imports/_progress.html" if partial else "imports/progress.html",
        context,
        viewer=viewer,
    )
