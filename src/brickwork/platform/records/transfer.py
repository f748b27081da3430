"""Moving records in and out in bulk: file imports (all or nothing) and exports."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement
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
    sheet = read_sheet(content, media_type, max_rows=max_rows)
    mapped = map_headers(sheet.headers, form.definition.fields)
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
    app_key: str,
    form_key: str,
    *,
    where: Sequence[ColumnElement[bool]] = (),
    order_by: Sequence[Any] = (),
    limit: int = 100_000,
) -> tuple[list[str], list[list[Any]]]:
    """Header (field keys) and rows of cell values for CSV/XLSX exports."""
    form = service.form(session, app_key, form_key)
    page = service.search(
        session,
        app_key,
        form_key,
        where=where,
        order_by=order_by,
        limit=limit,
        with_total=False,
    )
    fields = [f for f in form.definition.fields if not isinstance(f, SubtableField)]
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
