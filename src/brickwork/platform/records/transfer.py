"""Moving records in and out in bulk: file imports (all or nothing) and exports."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy.orm import Session

from brickwork.engines.form.definition import SubtableField
from brickwork.jsonio import canonical_dumps, to_jsonable
from brickwork.platform.auth.actor import Actor
from brickwork.platform.records.imports import (
    ImportReport,
    map_headers,
    read_sheet,
    row_data,
    row_errors,
)
from brickwork.platform.records.service import RecordService


def import_file(
    service: RecordService,
    session: Session,
    actor: Actor,
    app_key: str,
    form_key: str,
    content: bytes,
    media_type: str,
    *,
    dry_run: bool = False,
    max_rows: int = 100_000,
    partial: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Read, map and check every row; write them all, or none when any row fails (unless
    ``partial``: then the good rows are written and the bad ones reported)."""
    form = service.form(session, app_key, form_key)
    access = service.access(session, actor, form, "import")
    sheet = read_sheet(content, media_type, max_rows=max_rows)
    mapped = map_headers(sheet.headers, form.definition.fields)
    access.check_writes({item.key: None for item in mapped.values()}, "/columns", action="import")
    report = ImportReport(
        total_rows=len(sheet.rows),
        dry_run=dry_run,
        partial=partial,
        columns={sheet.headers[i]: f.key for i, f in mapped.items()},
    )
    items = [row_data(row, mapped) for row in sheet.rows]
    outcome = service.create_many(
        session,
        actor,
        app_key,
        form_key,
        items,
        action="import",
        dry_run=dry_run,
        partial=partial,
        progress=progress,
    )
    for index, problems in sorted(outcome.failures.items()):
        report.errors.extend(
            row_errors(index + 2, sheet.headers, sheet.rows[index], mapped, problems, actor.locale)
        )
    report.created = len(outcome.created_ids)
    return report


def export_rows(
    service: RecordService,
    session: Session,
    actor: Actor,
    app_key: str,
    form_key: str,
    *,
    filter_: str | None = None,
    sort: str | None = None,
    format_: str = "csv",
    limit: int = 100_000,
) -> tuple[list[str], list[list[Any]]]:
    """Header (field keys) and rows of cell values for CSV/XLSX exports: the rows and fields
    the actor may export (hidden fields left out, masked ones masked). Audited."""
    form = service.form(session, app_key, form_key)
    page = service.search(
        session,
        actor,
        app_key,
        form_key,
        filter_=filter_,
        sort=sort,
        limit=limit,
        with_total=False,
        action="export",
    )
    service.audit.record(
        session,
        actor,
        "record.export",
        object_type="form",
        object_id=f"{app_key}/{form_key}",
        details={
            "format": format_,
            "rows": len(page.items),
            "filter": filter_,
            "sensitive_fields": page.sensitive,
        },
    )
    # Columns follow the exporter's field levels, not the first row: an empty export must not
    # name hidden fields either.
    fields = [
        f
        for f in form.definition.fields
        if not isinstance(f, SubtableField) and f.key in page.fields
    ]
    header = ["id", *(f.key for f in fields), "created_at", "updated_at"]
    rows = [
        [
            item["id"],
            *(_flat(item.get(f.key)) for f in fields),
            item["created_at"],
            item["updated_at"],
        ]
        for item in page.items
    ]
    return header, rows


def _flat(value: Any) -> Any:
    """A cell for a CSV/XLSX export: money as its amount plus currency, lists joined."""
    if isinstance(value, Mapping) and set(value) == {"amount", "currency"}:
        return f"{value['amount']} {value['currency']}"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, Mapping):
        return canonical_dumps(to_jsonable(value))
    return value
