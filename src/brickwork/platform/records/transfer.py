"""Moving records in and out in bulk: file imports (all or nothing) and exports."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from sqlalchemy.orm import Session

from brickwork.engines.form.definition import DateField, DatetimeField, MoneyField, SubtableField
from brickwork.engines.form.elements import FieldBase
from brickwork.platform.auth.actor import Actor
from brickwork.platform.records import kept_warnings
from brickwork.platform.records.exports import (
    export_cell,
    export_day,
    export_instant,
    xlsx_money,
)
from brickwork.platform.records.imports import (
    ImportReport,
    formula_errors,
    map_headers,
    read_sheet,
    row_data,
    row_errors,
)
from brickwork.platform.records.service import (
    PEOPLE,
    RecordService,
    people_named,
    people_texts,
)


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
    formulas = {
        index: found
        for index, row in enumerate(sheet.rows)
        if (found := formula_errors(index + 2, sheet.headers, row, mapped, actor.locale))
    }
    kept = [index for index in range(len(sheet.rows)) if index not in formulas]
    # A row whose value is unknown is a bad row: without `partial`, nothing is written.
    blocked = bool(formulas) and not partial
    outcome = service.create_many(
        session,
        actor,
        app_key,
        form_key,
        [row_data(sheet.rows[index], mapped) for index in kept],
        action="import",
        dry_run=dry_run or blocked,
        partial=partial,
        progress=progress,
    )
    failures = {kept[position]: problems for position, problems in outcome.failures.items()}
    for index in sorted({*formulas, *failures}):
        report.errors.extend(formulas.get(index, ()))
        if index in failures:
            report.errors.extend(
                row_errors(
                    index + 2,
                    sheet.headers,
                    sheet.rows[index],
                    mapped,
                    failures[index],
                    actor.locale,
                )
            )
    for position, problems in sorted(outcome.warnings.items()):
        index = kept[position]
        shown = kept_warnings.visible(form, problems, access.levels)
        report.warnings.extend(
            row_errors(index + 2, sheet.headers, sheet.rows[index], mapped, shown, actor.locale)
        )
    report.created = 0 if blocked else len(outcome.created_ids)
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
        total="none",
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
    cells = [_cell_writer(f, format_) for f in fields]
    for index, item in enumerate(fields):
        if item.type in PEOPLE:  # user names and department keys, as an import reads them
            given = {v for row in page.items for v in people_texts(row.get(item.key))}
            names = service.repo.names_of_ids(session, item.type, sorted(given))
            cells[index] = partial(_named, names=names)
    rows = [
        [
            item["id"],
            *(write(item.get(f.key)) for f, write in zip(fields, cells, strict=True)),
            export_instant(item["created_at"]),
            export_instant(item["updated_at"]),
        ]
        for item in page.items
    ]
    return header, rows


def _named(value: Any, names: dict[str, str]) -> Any:
    """A member or department value's cell: each id as its user name or key."""
    return export_cell(people_named(value, names))


def _cell_writer(item: FieldBase, format_: str) -> Callable[[Any], Any]:
    """How a field's values become cells: a fixed-currency money field is a number in XLSX,
    a date a day and a date-time the business's wall time (see `exports`)."""
    if format_ == "xlsx" and isinstance(item, MoneyField) and item.currency is not None:
        return partial(xlsx_money, currency=item.currency)
    if isinstance(item, DateField):
        return export_day
    if isinstance(item, DatetimeField):
        return export_instant
    return export_cell
