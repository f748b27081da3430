"""Cells for files that people open in spreadsheet programs: CSV and XLSX exports.

Every file the platform writes for a spreadsheet (record exports, audit exports, import problem
sheets) goes through this module, so one rule neutralises formula injection (OWASP "CSV
injection"): a text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
gets a leading single quote, so no program runs it as a formula or a DDE command. CSV files quote
every field; XLSX files never hold a formula cell: text is written as an inline string (type
``s``), numbers as numbers (a negative number stays a number, it is not text), truth values as
booleans. A number with more significant digits than a spreadsheet program keeps (15: it reads
numbers as binary doubles) is written as text, so opening the file cannot round it. This module
knows nothing about records or events: callers pass plain values.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from brickwork.jsonio import canonical_dumps, to_jsonable

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet program read a text cell as a formula."""
ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
"""Control characters XML 1.0 cannot carry (an XLSX cell would be unreadable)."""
BOM = "\ufeff"
Cell = str | int | Decimal | bool | None
SPREADSHEET_DIGITS = 15
"""Significant digits a spreadsheet program keeps of a number (Excel, LibreOffice: doubles)."""


@dataclass(frozen=True, slots=True)
class Shown:
    """A number, a day or a time of day with the format an XLSX cell shows it in
    (``#,##0.00 "CNY"``, ``yyyy-mm-dd hh:mm:ss``): the cell stays a number or a date a
    spreadsheet can add up, sort and filter. CSV has no formats: there it is the value alone
    (an instant in ISO 8601 with its UTC offset; XLSX keeps no offset, so it shows the wall
    time of the offset given)."""

    value: Decimal | date | datetime
    number_format: str


def safe_text(text: str) -> str:
    """``text``, with a leading ``'`` when a spreadsheet would take it for a formula."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def unguarded(text: str) -> str:
    """``text`` as it was before ``safe_text``: an import reads back what an export wrote. A
    leading ``'`` before a formula character is taken for the guard, as spreadsheet programs
    take it for a text marker (a value that itself began so reads back without it)."""
    guarded = text.startswith("'") and text[1:].startswith(FORMULA_TRIGGERS)
    return text[1:] if guarded else text


def cell(value: Any) -> Cell:
    """A value as an XLSX cell: numbers and truth values keep their type, everything else is
    text (instants and dates in ISO 8601, mappings and lists as canonical JSON), neutralised."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, float):
        value = Decimal(repr(value))
    if isinstance(value, int | Decimal):
        return value if kept_exactly(value) else safe_text(str(value))
    if isinstance(value, datetime | date | time):
        return safe_text(value.isoformat())
    if isinstance(value, Mapping | list | tuple):
        return safe_text(canonical_dumps(to_jsonable(value)))
    return safe_text(str(value))


def kept_exactly(number: int | Decimal) -> bool:
    """A spreadsheet program shows ``number`` as it is (at most 15 significant digits)."""
    exact = Decimal(number)
    if not exact.is_finite():
        return False
    return len(exact.normalize().as_tuple().digits) <= SPREADSHEET_DIGITS


def csv_cell(value: Any) -> str:
    """A value as a CSV field (an empty field is a null; truth values as ``true``/``false``)."""
    found = cell(value.value if isinstance(value, Shown) else value)
    if found is None:
        return ""
    if isinstance(found, bool):
        return "true" if found else "false"
    return str(found)


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """UTF-8 with a byte order mark (Excel then reads it right), every field quoted."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL)
    writer.writerow([csv_cell(name) for name in header])
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
    return (BOM + buffer.getvalue()).encode("utf-8")


def xlsx_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]], *, title: str) -> bytes:
    """One sheet named ``title``: the header row, then the rows; no cell is a formula."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title)

    def xlsx_cell(value: Any) -> Any:
        if isinstance(value, Shown) and isinstance(value.value, date):  # a datetime is a date
            shown = value.value
            if isinstance(shown, datetime):
                shown = shown.replace(tzinfo=None)  # the wall time: XLSX keeps no offset
            day = WriteOnlyCell(sheet, value=shown)  # type: ignore[arg-type]  # a date is fine
            day.number_format = value.number_format
            return day
        if (
            isinstance(value, Shown)
            and isinstance(value.value, Decimal)
            and kept_exactly(value.value)
        ):
            number = WriteOnlyCell(sheet, value=value.value)  # type: ignore[arg-type]
            number.number_format = value.number_format
            return number
        found = cell(value.value if isinstance(value, Shown) else value)
        if isinstance(found, str):
            written = WriteOnlyCell(sheet, value=ILLEGAL_XML.sub("\ufffd", found))
            written.data_type = "s"  # never "f", whatever the text
            return written
        return WriteOnlyCell(sheet, value=found)  # type: ignore[arg-type]  # numbers, booleans

    sheet.append([xlsx_cell(name) for name in header])
    for row in rows:
        sheet.append([xlsx_cell(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
