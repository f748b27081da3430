"""Report exports: CSV, XLSX and PDF of what the viewer may see, audited.

- CSV: UTF-8 with BOM, labels in the viewer's locale, exact decimals as text, every text cell
  neutralised against formula injection (the record exports' rules).
- XLSX: a bold, frozen header; number formats from the columns' formats (money and decimals
  with their places, percents, dates); subtotal and total rows in bold; numbers stored as
  numbers, text never as a formula.
- PDF (reportlab, no browser): the title, the parameters, the table with its header repeated
  on every page and totals in bold, and the chart drawn from the same data (bar, stacked bar,
  line, area, pie; other charts are shown as the table only). Chinese text uses the built-in
  CID font STSong-Light, so no font file is needed.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from brickwork.engines.report import text_of
from brickwork.engines.report.plan import Format
from brickwork.platform import spreadsheets
from brickwork.platform.auth.actor import Actor
from brickwork.platform.reports.formatting import choice_names, display_parameters, display_rows
from brickwork.platform.reports.service import ReportRun, ReportService

EXPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}
EXPORT_ROWS = 100_000
"""A detail report exports at most this many rows (pages of the record list)."""
EXPORT_PAGE = 500


Progress = Callable[[dict[str, Any]], None]
"""Told how far an export got: ``{"stage": "reading" | "writing", "rows": n, "total": m}``."""


def export_report(
    service: ReportService,
    session: Session,
    actor: Actor,
    app_key: str,
    key: str,
    format_: str,
    parameters: Mapping[str, Any],
) -> bytes:
    """The export, made now and audited in the caller's transaction."""
    run, content = produce(service, session, actor, app_key, key, format_, parameters)
    audit_export(service, session, actor, app_key, key, format_, run)
    return content


def produce(
    service: ReportService,
    session: Session,
    actor: Actor,
    app_key: str,
    key: str,
    format_: str,
    parameters: Mapping[str, Any],
    *,
    progress: Progress | None = None,
) -> tuple[ReportRun, bytes]:
    """Run the report for `actor` (every page of a detail report, up to `EXPORT_ROWS`) and
    write it in `format_`."""
    tell = progress or (lambda _value: None)
    tell({"stage": "reading", "rows": 0, "total": None})
    count = None if progress is None else EXPORT_ROWS
    run = service.run(
        session,
        actor,
        app_key,
        key,
        parameters=parameters,
        size=EXPORT_PAGE,
        count=count,
        action="export",
    )
    if run.plan.kind == "detail":
        run = _all_pages(service, session, actor, app_key, key, parameters, run, tell)
    rows = len(run.table.rows)
    tell({"stage": "writing", "rows": rows, "total": rows})
    locale = actor.locale or "zh-CN"
    if format_ == "csv":
        content = spreadsheets.csv_bytes(*_grid(run, locale))
    elif format_ == "xlsx":
        content = xlsx_bytes(run, locale)
    else:
        content = pdf_bytes(run, locale, service.clock())
    return run, content


def audit_export(
    service: ReportService,
    session: Session,
    actor: Actor,
    app_key: str,
    key: str,
    format_: str,
    run: ReportRun,
    **more: Any,
) -> None:
    service.audit.record(
        session,
        actor,
        "report.export",
        object_type="report",
        object_id=f"{app_key}/{key}",
        details={
            "version": run.version,
            "format": format_,
            "rows": len(run.table.rows),
            "parameters": {k: _text(v) for k, v in run.parameters.items()},
            **more,
        },
    )


def _all_pages(
    service: ReportService,
    session: Session,
    actor: Actor,
    app_key: str,
    key: str,
    parameters: Mapping[str, Any],
    first: ReportRun,
    tell: Progress,
) -> ReportRun:
    rows = list(first.table.rows)
    total = None if first.total is None else min(first.total, EXPORT_ROWS)
    page, run = 0, first
    while run.has_more and len(rows) < EXPORT_ROWS:
        tell({"stage": "reading", "rows": len(rows), "total": total})
        page += 1
        run = service.run(
            session,
            actor,
            app_key,
            key,
            parameters=parameters,
            page=page,
            size=EXPORT_PAGE,
            action="export",
        )
        rows.extend(run.table.rows)

    table = replace(
        first.table, rows=tuple(rows[:EXPORT_ROWS]), kinds=tuple("data" for _ in rows[:EXPORT_ROWS])
    )
    return replace(first, table=table, has_more=run.has_more)


def _text(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _text(v) for k, v in value.items()}
    if isinstance(value, date | datetime | Decimal):
        return str(value)
    return value


def _header(run: ReportRun, locale: str) -> list[str]:
    return [
        " / ".join((*column.path[:-1], text_of(column.label, locale)))
        if len(column.path) > 1
        else text_of(column.label, locale)
        for column in run.table.columns
    ]


def _grid(run: ReportRun, locale: str) -> tuple[list[str], list[list[Any]]]:
    header = _header(run, locale)
    named = _named(run, locale)
    rows = []
    for row, kind in zip(run.table.rows, run.table.kinds, strict=True):
        values = [_cell(name(value)) for value, name in zip(row, named, strict=True)]
        if kind != "data" and values and values[0] in (None, ""):
            values[0] = "合计" if locale == "zh-CN" else "Total"
        rows.append(values)
    return header, rows


def _named(run: ReportRun, locale: str) -> list[Any]:
    """Per column, what a value is written as: a choice's label, a user name or department key
    (a member or department field holds their ids), or the value itself."""
    names = choice_names(run.choices, locale)

    def of(labels: Mapping[str, str]) -> Any:
        return lambda value: labels.get(value, value) if isinstance(value, str) else value

    return [of(names.get(column.key, {})) for column in run.table.columns]


def _cell(value: Any) -> Any:
    if isinstance(value, Mapping) and "amount" in value:  # a money field of a detail report
        return _cell(value["amount"])
    if isinstance(value, list | tuple):  # several choices
        return ", ".join(str(_cell(item)) for item in value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


NUMBER_FORMATS = {"percent": "0.00%", "date": "yyyy-mm-dd", "datetime": "yyyy-mm-dd hh:mm"}


def _number_format(found: Format | None, kind: str) -> str | None:
    style = found.style if found is not None else kind
    decimals = found.decimals if found is not None else None
    if style in ("money", "number"):
        places = 2 if decimals is None and style == "money" else decimals
        return (
            "#,##0" + ("." + "0" * places if places else "")
            if places is not None
            else "#,##0.##########"
        )
    return NUMBER_FORMATS.get(style)


def xlsx_bytes(run: ReportRun, locale: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(text_of(run.plan.title, locale)[:31] or "report")
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for name in _header(run, locale):
        found = WriteOnlyCell(sheet, value=spreadsheets.safe_text(name))
        found.data_type = "s"
        found.font = bold
        header.append(found)
    sheet.append(header)
    formats = [_number_format(c.format, c.type) for c in run.table.columns]
    named = _named(run, locale)
    for row, kind in zip(run.table.rows, run.table.kinds, strict=True):
        cells = []
        for index, value in enumerate(row):
            shown = named[index](value)
            if index == 0 and kind != "data" and value is None:
                shown = "合计" if locale == "zh-CN" else "Total"
            number_format = formats[index]
            if _numeric_cell(shown):
                written = WriteOnlyCell(sheet, value=shown)
                if number_format is not None:
                    written.number_format = number_format
            elif shown is None:
                written = WriteOnlyCell(sheet, value=None)
            else:
                text = spreadsheets.cell(shown)
                written = WriteOnlyCell(sheet, value=text)  # type: ignore[arg-type]
                if isinstance(text, str):
                    written.data_type = "s"  # never a formula
            if kind != "data":
                written.font = bold
            cells.append(written)
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _numeric_cell(shown: Any) -> bool:
    """A date, or a number a spreadsheet keeps exactly (a longer one is written as text)."""
    if isinstance(shown, bool):
        return False
    if isinstance(shown, Decimal | int):
        return spreadsheets.kept_exactly(shown)
    return isinstance(shown, date)


def pdf_bytes(run: ReportRun, locale: str, now: datetime) -> bytes:
    title = text_of(run.plan.title, locale)
    return _pdf(title, run.parameters, locale, now, _report_flowables(run, locale))


@dataclass(frozen=True, slots=True)
class Panel:
    """One item of a dashboard as exported: its title, and its run or why it is missing."""

    title: str
    run: ReportRun | None
    error: str | None = None


def dashboard_pdf_bytes(
    title: str,
    parameters: Mapping[str, Any],
    panels: Sequence[Panel],
    locale: str,
    now: datetime,
) -> bytes:
    """A dashboard as one PDF: each item's title, then its chart and table, in grid order (or
    the reason the viewer cannot see it)."""
    from reportlab.platypus import CondPageBreak, Paragraph, Spacer

    styles = _pdf_styles()
    story: list[Any] = []
    for panel in panels:
        story.extend([CondPageBreak(180), Paragraph(_escape(panel.title), styles["Heading2"])])
        if panel.run is None:
            story.append(Paragraph(_escape(panel.error or ""), styles["Italic"]))
        else:
            story.extend(_report_flowables(panel.run, locale))
        story.append(Spacer(1, 12))
    return _pdf(title, parameters, locale, now, story)


def _pdf_styles() -> Any:
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    styles = getSampleStyleSheet()
    for style in styles.byName.values():
        style.fontName = "STSong-Light"
    return styles


def _pdf(
    title: str,
    parameters: Mapping[str, Any],
    locale: str,
    now: datetime,
    body: Sequence[Any],
) -> bytes:
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    styles = _pdf_styles()
    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=landscape(A4), title=title)
    shown = display_parameters(parameters, locale)
    used = ", ".join(f"{k}: {v}" for k, v in shown.items() if v is not None)
    generated = "生成时间" if locale == "zh-CN" else "Generated"
    story: list[Any] = [
        Paragraph(_escape(title), styles["Title"]),
        Paragraph(
            _escape(f"{generated}: {now.isoformat(timespec='minutes')}  {used}"), styles["Normal"]
        ),
        Spacer(1, 8),
        *body,
    ]
    document.build(story)
    return buffer.getvalue()


def _report_flowables(run: ReportRun, locale: str) -> list[Any]:
    """A report's chart (when it has one that can be drawn) and its table."""
    from reportlab.lib import colors
    from reportlab.platypus import Spacer, Table, TableStyle

    story: list[Any] = []
    drawing = _chart(run, locale)
    if drawing is not None:
        story.extend([drawing, Spacer(1, 8)])
    header = _header(run, locale)
    total = "合计" if locale == "zh-CN" else "Total"
    rows = display_rows(run.plan, run.table, locale, choice_names(run.choices, locale))
    data = [header]
    for row, kind in zip(rows, run.table.kinds, strict=True):
        cells = ["" if v is None else v for v in row]
        if kind != "data" and cells and cells[0] == "":
            cells[0] = total
        data.append(cells)
    table = Table(data, repeatRows=1)
    commands: list[Any] = [
        ("FONT", (0, 0), (-1, -1), "STSong-Light", 8),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef6")),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
    ]
    for index, kind in enumerate(run.table.kinds, start=1):
        if kind != "data":
            commands.append(("BACKGROUND", (0, index), (-1, index), colors.HexColor("#f3f3f3")))
    for index, column in enumerate(run.table.columns):
        if column.role == "measure":
            commands.append(("ALIGN", (index, 1), (index, -1), "RIGHT"))
    table.setStyle(TableStyle(commands))
    story.append(table)
    return story


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _chart(run: ReportRun, locale: str) -> Any:
    """The report's chart drawn with reportlab graphics (None for charts shown as tables)."""
    chart = run.plan.chart
    if chart is None or chart.type not in ("bar", "stacked_bar", "line", "area", "pie"):
        return None
    from reportlab.graphics.charts.barcharts import VerticalBarChart
    from reportlab.graphics.charts.linecharts import HorizontalLineChart
    from reportlab.graphics.charts.piecharts import Pie
    from reportlab.graphics.shapes import Drawing

    table = run.table
    position = {c.key: i for i, c in enumerate(table.columns)}
    data_rows = [row for row, kind in zip(table.rows, table.kinds, strict=True) if kind == "data"]
    if not data_rows or chart.x is None:
        return None
    names = [_label(row[position[chart.x]]) for row in data_rows][:40]
    series = [
        [float(row[position[key]] or 0) for row in data_rows][:40]  # drawing only, not data
        for key in chart.y
    ]
    drawing = Drawing(700, 220)
    if chart.type == "pie":
        pie = Pie()
        pie.x, pie.y, pie.width, pie.height = 250, 10, 200, 200
        pie.data = series[0]
        pie.labels = names
        pie.sideLabels = True
        drawing.add(pie)
        return drawing
    plot: Any = HorizontalLineChart() if chart.type in ("line", "area") else VerticalBarChart()
    plot.x, plot.y, plot.width, plot.height = 50, 30, 620, 170
    plot.data = series
    plot.categoryAxis.categoryNames = names
    plot.categoryAxis.labels.fontName = "STSong-Light"
    plot.categoryAxis.labels.fontSize = 7
    plot.valueAxis.labels.fontSize = 7
    if chart.type == "stacked_bar":
        plot.categoryAxis.style = "stacked"
    drawing.add(plot)
    return drawing


def _label(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
