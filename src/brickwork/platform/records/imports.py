"""Importing records from CSV and XLSX files, and exporting them.

A file is read whole into rows of cells (CSV as UTF-8 with or without BOM, falling back to
GB 18030 which Chinese spreadsheet tools write; XLSX through python-calamine after a zip-bomb
check). Header cells are matched to field keys or labels (zh-CN/en). Every row goes through the
form engine; the report lists each problem as ``{row, column, value, code, message}`` with the
spreadsheet's own row number (the header is row 1). By default the import is all or nothing:
one bad row and nothing is written. Subtable fields cannot be imported from a flat sheet.
Cells are read back in the forms exports write them (``row_data``), so an exported file's
columns import again.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from brickwork.engines.form.definition import (
    DateField,
    DatetimeField,
    DecimalField,
    IntegerField,
    MoneyField,
    MultiSelectField,
    PercentField,
    SubtableField,
)
from brickwork.engines.form.elements import FieldBase, I18nText
from brickwork.engines.form.fieldtypes.temporal import DATETIME_TEXT
from brickwork.engines.form.scope import REFERENCE_TYPES
from brickwork.platform import spreadsheets
from brickwork.platform.clock import wall_time
from brickwork.platform.errors import BadRequest, ErrorItem, Invalid, PayloadTooLarge
from brickwork.platform.records.exports import money_of_text

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
    warnings: list[RowError] = field(default_factory=list)
    """What the rows warn about (never blocking; kept with the records written)."""
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
            "warning_count": len(self.warnings),
            "warnings": [w.as_dict() for w in self.warnings],
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
        zh_cn=f"导入文件须为 CSV（{sorted(CSV_TYPES)[1]}）或 XLSX（{XLSX_TYPE}），"
        f"收到的是 {media_type!r}",
    )


def _decode(content: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise BadRequest(
        "the CSV file is neither UTF-8 nor GB 18030 text",
        code="import_encoding",
        zh_cn="CSV 文件的编码既不是 UTF-8 也不是 GB 18030",
    )


def _read_csv(content: bytes, *, max_rows: int) -> Sheet:
    reader = csv.reader(io.StringIO(_decode(content), newline=""))
    try:
        rows = []
        for number, row in enumerate(reader):
            if number > max_rows:
                raise PayloadTooLarge(
                    f"the file has more than {max_rows} rows",
                    code="import_too_many_rows",
                    zh_cn=f"文件超过 {max_rows} 行",
                )
            rows.append(tuple(row))
    except csv.Error as exc:
        raise BadRequest(
            f"the CSV file cannot be read: {exc}",
            code="import_format",
            zh_cn=f"无法读取 CSV 文件：{exc}",
        ) from exc
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
                        zh_cn="XLSX 文件解压后数据过多（可能是压缩炸弹）：已拒绝",
                    )
    except zipfile.BadZipFile as exc:
        raise BadRequest(
            "the XLSX file is not a valid workbook",
            code="import_format",
            zh_cn="XLSX 文件不是有效的工作簿",
        ) from exc


def _read_xlsx(content: bytes, *, max_rows: int) -> Sheet:
    _check_zip(content)
    from python_calamine import CalamineError, load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content))
        sheet = workbook.get_sheet_by_index(0)
        rows: list[tuple[Any, ...]] = []
        for number, row in enumerate(sheet.iter_rows()):
            if number > max_rows:
                raise PayloadTooLarge(
                    f"the file has more than {max_rows} rows",
                    code="import_too_many_rows",
                    zh_cn=f"文件超过 {max_rows} 行",
                )
            rows.append(tuple(_cell(value) for value in row))
    except CalamineError as exc:
        raise BadRequest(
            f"the XLSX file cannot be read: {exc}",
            code="import_format",
            zh_cn=f"无法读取 XLSX 文件：{exc}",
        ) from exc
    _mark_formulas(rows, _formulas_without_value(content), first_column=(sheet.start or (0, 0))[1])
    return _sheet(rows)


@dataclass(frozen=True, slots=True)
class Formula:
    """A cell holding a formula whose result the file does not carry (written by a program that
    does not calculate, such as a script): its value is unknown, so its row cannot be imported.
    Formulas with a saved result are read as that result."""

    text: str

    def __str__(self) -> str:
        return self.text


SHEET_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
RELATION_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
RELATIONS_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
CELL_REFERENCE = re.compile(r"([A-Z]{1,3})([0-9]{1,7})")


def _formulas_without_value(content: bytes) -> dict[tuple[int, int], str]:
    """(row, column) from 0 of each formula cell of the first sheet that has no saved value."""
    from xml.etree.ElementTree import ParseError, fromstring, iterparse

    found: dict[tuple[int, int], str] = {}
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            workbook = fromstring(archive.read("xl/workbook.xml"))
            first = workbook.find(f"{SHEET_NS}sheets/{SHEET_NS}sheet")
            relations = fromstring(archive.read("xl/_rels/workbook.xml.rels"))
            target = next(
                (
                    item.get("Target", "")
                    for item in relations.iter(f"{RELATIONS_NS}Relationship")
                    if first is not None and item.get("Id") == first.get(RELATION_ID)
                ),
                "",
            )
            path = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            with archive.open(path) as stream:
                row, column = -1, -1
                for event, element in iterparse(stream, events=("start", "end")):
                    if event == "start" and element.tag == f"{SHEET_NS}row":
                        row = int(element.get("r", row + 2)) - 1
                        column = -1
                    elif event == "end" and element.tag == f"{SHEET_NS}c":
                        column = _column(element.get("r"), column + 1)
                        formula = element.find(f"{SHEET_NS}f")
                        saved = element.find(f"{SHEET_NS}v")
                        if formula is not None and (saved is None or not saved.text):
                            found[(row, column)] = "=" + (formula.text or "")
                        element.clear()
    except (KeyError, ParseError, ValueError, zipfile.BadZipFile) as exc:
        raise BadRequest(
            f"the XLSX file cannot be read: {exc}",
            code="import_format",
            zh_cn=f"无法读取 XLSX 文件：{exc}",
        ) from exc
    return found


def _column(reference: str | None, default: int) -> int:
    match = CELL_REFERENCE.fullmatch(reference or "")
    if match is None:
        return default
    index = 0
    for letter in match.group(1):
        index = index * 26 + ord(letter) - ord("A") + 1
    return index - 1


def _mark_formulas(
    rows: list[tuple[Any, ...]], formulas: Mapping[tuple[int, int], str], *, first_column: int
) -> None:
    """Put a `Formula` where calamine read an empty cell, adding the rows it left out."""
    width = max((len(row) for row in rows), default=0)
    for (row, column), text in sorted(formulas.items()):
        index = column - first_column
        if index < 0:
            continue
        while len(rows) <= row:
            rows.append(("",) * width)
        cells = list(rows[row]) + [""] * (index + 1 - len(rows[row]))
        cells[index] = Formula(text)
        rows[row] = tuple(cells)


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
            "the file is empty; the first row must name the columns",
            code="import_empty",
            zh_cn="文件是空的：第一行须为各列的名称",
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


EXPORT_SYSTEM_COLUMNS = frozenset({"id", "created_at", "updated_at"})
"""Columns a record export writes besides the fields (`transfer.export_rows`)."""


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
        if item is None and header.lower() in EXPORT_SYSTEM_COLUMNS:
            problems.append(
                ErrorItem(
                    f"/columns/{index}",
                    "import_system_column",
                    f"column {header!r} is written by exports and set by Brickwork; an import "
                    "adds new records and cannot set it: remove the column",
                )
            )
            continue
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
            zh_cn="标题行与表单不符：未导入任何内容",
            errors=problems,
        )
    return mapped


def row_data(row: Sequence[Any], mapped: Mapping[int, FieldBase]) -> dict[str, Any]:
    """A row as API input, each cell read back in the forms exports write (``_read_back``)."""
    return {
        item.key: _read_back(row[index], item)
        for index, item in mapped.items()
        if index < len(row) and not _blank(row[index])
    }


SHEET_DAY = r"(?P<year>[0-9]{4}) *[-/.年] *(?P<month>[0-9]{1,2}) *[-/.月] *(?P<day>[0-9]{1,2}) *日?"
SHEET_DATE = re.compile(SHEET_DAY)
SHEET_DATETIME = re.compile(
    SHEET_DAY + r" +(?P<hour>[0-9]{1,2}):(?P<minute>[0-9]{2})(?::(?P<second>[0-9]{2}))?"
)
"""Dates as spreadsheet programs write them in CSV files (`2026/1/9`, `2026-1-9`, `2026.1.9`,
`2026年1月9日`; a Chinese Excel saves `2026/1/9 7:30`): year first, so never ambiguous."""
GROUPED_NUMBER = re.compile(r"[+-]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?")
"""A number with thousands separators as spreadsheets show it (`1,234,567.89`)."""
NUMBER_FIELDS = (IntegerField, DecimalField, MoneyField, PercentField)
MIDNIGHT = re.compile(r"(?<=^[0-9]{4}-[0-9]{2}-[0-9]{2})T00:00:00$")
"""What a date cell of a spreadsheet reads as after its day (a cell's date is a date-time)."""


def _read_back(cell: Any, item: FieldBase) -> Any:
    """A text cell as exports (or spreadsheet programs) write it, back to its value: without
    the leading ``'`` that guards text starting like a formula, money ``12.50 CNY`` as its
    amount and currency, the options of a multiple choice joined by ``;`` as a list (a cell
    naming one option as it is), the people, departments or records of a field taking several
    joined by ``;`` as a list, a date-time without an offset (any date-time cell of a
    spreadsheet, which keeps none) as the business's time, Shanghai's, as the web's forms read
    it; a date cell (a date-time at midnight) as its day; numbers with thousands separators
    (``1,234.50``) and year-first dates with slashes, dots or 年月日 (``2026/1/9``) as the API
    writes them. Anything else goes to the form engine
    unchanged, which checks it as any API input."""
    if not isinstance(cell, str):
        return cell
    text = spreadsheets.unguarded(cell)
    if isinstance(item, DatetimeField):
        return _zoned(_sheet_datetime(text))
    if isinstance(item, DateField):
        return _sheet_date(MIDNIGHT.sub("", text))
    if isinstance(item, NUMBER_FIELDS):
        text = ungrouped_number(text)
    if isinstance(item, MoneyField):
        money = money_of_text(text)
        if money is not None:
            money["amount"] = ungrouped_number(money["amount"])
        return text if money is None else money
    if isinstance(item, MultiSelectField):
        whole = text.strip()
        if whole in item.option_values():
            return [whole]
        return [part.strip() for part in whole.split(";") if part.strip()]
    if item.type in REFERENCE_TYPES and getattr(item, "multiple", False):
        return [part.strip() for part in text.split(";") if part.strip()]
    return text


def ungrouped_number(text: str) -> str:
    """``1,234.50`` as ``1234.50``; other text as it is (people type and paste numbers so;
    the API itself takes plain numbers only)."""
    found = GROUPED_NUMBER.fullmatch(text.strip())
    return text if found is None else found.group().replace(",", "")


def _sheet_date(text: str) -> str:
    """``2026/1/9`` (and the other forms of `SHEET_DATE`) as ``2026-01-09``; other text as it
    is (an impossible day such as ``2026/2/30`` is then refused as the API refuses it)."""
    found = SHEET_DATE.fullmatch(text.strip())
    return text if found is None else _iso_day(found)


def _sheet_datetime(text: str) -> str:
    """``2026/1/9 7:30`` as ``2026-01-09 07:30:00``; other text as it is."""
    found = SHEET_DATETIME.fullmatch(text.strip())
    if found is None:
        return text
    return f"{_iso_day(found)} {int(found['hour']):02d}:{found['minute']}:{found['second'] or '00'}"


def _iso_day(found: re.Match[str]) -> str:
    return f"{found['year']}-{int(found['month']):02d}-{int(found['day']):02d}"


def _zoned(text: str) -> str:
    """An ISO date-time without an offset as Shanghai's time; anything else as it is."""
    found = DATETIME_TEXT.fullmatch(text.strip().upper())
    if found is None or found.group("offset") is not None:
        return text
    local = f"{found['date']}T{found['time']}"
    try:
        moment = datetime.fromisoformat(local)
    except ValueError:
        return f"{local}Z"  # with an offset, so the form engine says the date-time is invalid
    return wall_time(moment).isoformat()


FORMULA_MESSAGES = {
    "zh-CN": "单元格是没有计算结果的公式；请在电子表格程序中重新计算并保存，或粘贴为数值",
    "en": "the cell holds a formula without a saved result; recalculate and save the file "
    "in a spreadsheet program, or paste the values",
}


def formula_errors(
    number: int,
    headers: Sequence[str],
    row: Sequence[Any],
    mapped: Mapping[int, FieldBase],
    locale: str,
) -> list[RowError]:
    """One problem per imported column of ``row`` whose cell is a `Formula` without a value."""
    message = FORMULA_MESSAGES["zh-CN" if locale == "zh-CN" else "en"]
    return [
        RowError(number, headers[index], str(row[index]), "import_formula_without_value", message)
        for index in sorted(mapped)
        if index < len(row) and isinstance(row[index], Formula)
    ]


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
    """The problems as an XLSX sheet people can fix their file from (cell values as text: a
    formula someone typed is shown, never run)."""
    return spreadsheets.xlsx_bytes(
        ["row", "column", "value", "code", "message"],
        ([e.row, e.column, e.value, e.code, e.message] for e in report.errors),
        title="errors",
    )
