"""Record values as cells of CSV and XLSX exports: readable text for structured values (money
with its currency, attachment names with sizes, lists joined by ``; ``), never a Python repr.
Writing the file, and neutralising formulas, is `brickwork.platform.spreadsheets`'s. Imports
read money and option lists back in these forms (`records/imports.py`)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from brickwork.engines.form.money import CURRENCY_SCALES
from brickwork.jsonio import canonical_dumps, to_jsonable
from brickwork.platform import spreadsheets
from brickwork.platform.clock import business_time

SEPARATOR = "; "
FILE_KEYS = frozenset({"id", "name", "size", "content_type"})
UNITS = ((1024**3, "GB"), (1024**2, "MB"), (1024, "KB"))
MONEY_TEXT = re.compile(r"(?P<amount>\S+) +(?P<currency>[A-Z]{3})")


def export_cell(value: Any) -> Any:
    """A record value (in its JSON form, masked where the reader sees it masked) as a cell."""
    if isinstance(value, list):
        return SEPARATOR.join(str(export_cell(item)) for item in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping):
        return _mapping_text(value)
    return value


DAY_FORMAT = "yyyy-mm-dd"
INSTANT_FORMAT = "yyyy-mm-dd hh:mm:ss"


def export_day(value: Any) -> Any:
    """A date value (``2026-12-07``) as a day: a date cell in XLSX, the same text in CSV; a value
    that is no date (masked) as its text."""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            return export_cell(value)
    if isinstance(value, date) and not isinstance(value, datetime):
        return spreadsheets.Shown(value, DAY_FORMAT)
    return export_cell(value)


def export_instant(value: Any) -> Any:
    """A date-time value (the API writes instants in UTC) as the business's wall time,
    Shanghai's, as the web pages show it: ``2026-12-07T09:30:00+08:00`` in CSV, a date-time cell
    ``2026-12-07 09:30:00`` in XLSX (which keeps no offset; imports read such a cell as
    Shanghai's time, so a file exported and imported again keeps its instants). A value that is
    no instant (masked) is its text."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return export_cell(value)
    if isinstance(value, datetime) and value.tzinfo is not None:
        return spreadsheets.Shown(business_time(value), INSTANT_FORMAT)
    return export_cell(value)


def xlsx_money(value: Any, currency: str) -> Any:
    """A value of a money field with the fixed ``currency`` as an XLSX number shown with it
    (``1,234.50 "CNY"``), which a spreadsheet adds up and imports read back as the amount; as
    ``1234.50 CNY`` text when it is masked or has more digits than a spreadsheet keeps."""
    if isinstance(value, Mapping) and value.get("currency") == currency:
        try:
            amount = Decimal(str(value.get("amount")))
        except InvalidOperation:
            return export_cell(value)
        if amount.is_finite() and spreadsheets.kept_exactly(amount):
            places = CURRENCY_SCALES.get(currency, 2)
            digits = "#,##0." + "0" * places if places else "#,##0"
            return spreadsheets.Shown(amount, f'{digits} "{currency}"')
    return export_cell(value)


def money_of_text(text: str) -> dict[str, str] | None:
    """The amount and currency of ``12.50 CNY`` (a money cell as exported); None for other
    text."""
    found = MONEY_TEXT.fullmatch(text.strip())
    return None if found is None else {"amount": found["amount"], "currency": found["currency"]}


def _mapping_text(value: Mapping[str, Any]) -> str:
    if set(value) == {"amount", "currency"}:
        return f"{value['amount']} {value['currency']}"
    if set(value) == FILE_KEYS:
        return f"{value['name']} ({file_size(value['size'])})"
    if set(value) == {"lat", "lng"}:
        return f"{value['lat']}, {value['lng']}"
    return canonical_dumps(to_jsonable(value))


def file_size(size: Any) -> str:
    """``512 B``, ``12 KB``, ``3.4 MB``: whole kilobytes, one decimal above (half up)."""
    if not isinstance(size, int) or isinstance(size, bool):
        return str(size)
    for factor, unit in UNITS:
        if size >= factor:
            digits = Decimal(1) if unit == "KB" else Decimal("0.1")
            amount = (Decimal(size) / factor).quantize(digits, rounding=ROUND_HALF_UP)
            return f"{amount} {unit}"
    return f"{size} B"


def export_file(format_: str, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> bytes:
    """The rows as a CSV (UTF-8 with BOM, every field quoted) or XLSX file."""
    if format_ == "xlsx":
        return spreadsheets.xlsx_bytes(header, rows, title="records")
    return spreadsheets.csv_bytes(header, rows)
