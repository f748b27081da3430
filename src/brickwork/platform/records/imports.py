"""Importing records from CSV and XLSX files, and exporting them.

A file is read whole into rows of cells (CSV as UTF-8 with or without BOM, falling back to
GB 18030 which Chinese spreadsheet tools write; XLSX through python-calamine after a zip-bomb
check). Header cells are matched to field keys or labels (zh-CN/en). Every row goes through the
form engine; the report lists each problem as ``{row, column, value, code, message}`` with the
spreadsheet's own row number (the header is row 1). By default the import is all or nothing:
one bad row and nothing is written. Subtable fields cannot be imported from a flat sheet.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from brickwork.engines.form.definition import SubtableField
from brickwork.engines.form.elements import FieldBase, I18nText
from brickwork.platform.errors import BadRequest, ErrorItem, Invalid, PayloadTooLarge

CSV_TYPES = {"text/csv", "application/csv"}
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_UNCOMPRESSED = 200 * 1024 * 1024
MAX_RATIO = 200
Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class Sheet:
    headers: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]


@dataclass(frozen=True, slots=True)
class RowError:
    row: int
    column: str
    value: str | None
    code: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "code": self.code,
            "message": self.message,
        }


@dataclass(slots=True)
class ImportReport:
    total_rows: int
    columns: dict[str, str]
    errors: list[RowError] = field(default_factory=list)
    created: int = 0
    dry_run: bool = False
    partial: bool = False

    @property
    def ok(self) -> bool:
        """Whether the import went through (a partial import goes through despite errors)."""
        return not self.errors or (self.partial and self.created > 0)

    def as_dict(self) -> dict[str, Any]:
        return {
            "total_rows": self.total_rows,
            "created": self.created,
            "dry_run": self.dry_run,
            "partial": self.partial,
            "columns": self.columns,
            "error_count": len(self.errors),
            "errors": [e.as_dict() for e in self.errors],
        }


# ---------------------------------------------------------------- reading


def read_sheet(content: bytes, media_type: str, *, max_rows: int) -> Sheet:
    if media_type in CSV_TYPES:
        return _read_csv(content, max_rows=max_rows)
    if media_type == XLSX_TYPE:
        return _read_xlsx(content, max_rows=max_rows)
    raise BadRequest(
        f"import files must be CSV ({sorted(CSV_TYPES)[1]}) or XLSX ({XLSX_TYPE}),"
        f" got {media_type!r}",
        code="import_format",
    )


def _decode(content: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise BadRequest("the CSV file is neither UTF-8 nor GB 18030 text", code="import_encoding")


def _read_csv(content: bytes, *, max_rows: int) -> Sheet:
    reader = csv.reader(io.StringIO(_decode(content), newline=""))
    try:
        rows = []
        for number, row in enumerate(reader):
            if number > max_rows:
                raise PayloadTooLarge(
                    f"the file has more than {max_rows} rows", code="import_too_many_rows"
                )
            rows.append(tuple(row))
    except csv.Error as exc:
        raise BadRequest(f"the CSV file cannot be read: {exc}", code="import_format") from exc
    return _sheet(rows)


def _check_zip(content: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            total = 0
            for member in archive.infolist():
                total += member.file_size
                ratio = member.file_size / max(member.compress_size, 1)
                if total > MAX_UNCOMPRESSED or ratio > MAX_RATIO:
                    raise PayloadTooLarge(
                        "the XLSX file expands to too much data (a zip bomb?); refused",
                        code="import_bomb",
                    )
    except zipfile.BadZipFile as exc:
        raise BadRequest("the XLSX file is not a valid workbook", code="import_format") from exc


def _read_xlsx(content: bytes, *, max_rows: int) -> Sheet:
    _check_zip(content)
    from python_calamine import CalamineError, load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content))
        sheet = workbook.get_sheet_by_index(0)
        rows = []
        for number, row in enumerate(sheet.iter_rows()):
            if number > max_rows:
                raise PayloadTooLarge(
                    f"the file has more than {max_rows} rows", code="import_too_many_rows"
                )
            rows.append(tuple(_cell(value) for value in row))
    except CalamineError as exc:
        raise BadRequest(f"the XLSX file cannot be read: {exc}", code="import_format") from exc
    return _sheet(rows)


def _cell(value: Any) -> Any:
    """Spreadsheet cells as API input: numbers exact as shown, dates as ISO text."""
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        return Decimal(repr(value))  # the shortest text that reads back as the same double
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return value


def _sheet(rows: list[tuple[Any, ...]]) -> Sheet:
    while rows and all(_blank(c) for c in rows[-1]):
        rows.pop()
    if not rows:
        raise BadRequest(
            "the file is empty; the first row must name the columns", code="import_empty"
        )
    headers = tuple(str(c).strip() if c is not None else "" for c in rows[0])
    return Sheet(headers, tuple(rows[1:]))


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# ---------------------------------------------------------------- mapping


def _names(item: FieldBase) -> Iterable[str]:
    yield item.key
    label = item.label
    if isinstance(label, str):
        yield label
    elif isinstance(label, I18nText):
        yield from (text for text in (label.zh_cn, label.en) if text)


def map_headers(headers: Sequence[str], fields: Sequence[FieldBase]) -> dict[int, FieldBase]:
    """Which field each column feeds; unknown or repeated columns are refused."""
    lookup: dict[str, FieldBase] = {}
    for candidate in fields:
        if isinstance(candidate, SubtableField):
            continue
        for name in _names(candidate):
            lookup.setdefault(name.strip().lower(), candidate)
    mapped: dict[int, FieldBase] = {}
    problems: list[ErrorItem] = []
    seen: dict[str, int] = {}
    for index, header in enumerate(headers):
        item = lookup.get(header.lower())
        if item is None:
            if header:
                problems.append(
                    ErrorItem(
                        f"/columns/{index}",
                        "import_unknown_column",
                        f"column {header!r} matches no field key or label",
                    )
                )
            continue
        if item.key in seen:
            problems.append(
                ErrorItem(
                    f"/columns/{index}",
                    "import_duplicate_column",
                    f"column {header!r} feeds {item.key!r}, as column "
                    f"{seen[item.key] + 1} already does",
                )
            )
            continue
        seen[item.key] = index
        mapped[index] = item
    if problems:
        raise Invalid(
            "the header row does not match the form; nothing was imported",
            code="import_columns",
            errors=problems,
        )
    return mapped


def row_data(row: Sequence[Any], mapped: Mapping[int, FieldBase]) -> dict[str, Any]:
    return {
        item.key: row[index]
        for index, item in mapped.items()
        if index < len(row) and not _blank(row[index])
    }


def row_errors(
    number: int,
    headers: Sequence[str],
    row: Sequence[Any],
    mapped: Mapping[int, FieldBase],
    problems: Iterable[Any],
    locale: str,
) -> list[RowError]:
    columns = {item.key: index for index, item in mapped.items()}
    found = []
    for item in problems:
        key = item.pointer.split("/")[1] if item.pointer.count("/") >= 1 else ""
        index = columns.get(key)
        column = headers[index] if index is not None else key
        value = row[index] if index is not None and index < len(row) else None
        found.append(
            RowError(
                number,
                column,
                None if value is None else str(value),
                item.code,
                item.zh_cn if locale == "zh-CN" else item.en,
            )
        )
    return found


def error_workbook(report: ImportReport) -> bytes:
    """The problems as an XLSX sheet people can fix their file from."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "errors"
    sheet.append(["row", "column", "value", "code", "message"])
    for error in report.errors:
        sheet.append([error.row, error.column, error.value, error.code, error.message])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
