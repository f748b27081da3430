"""Running reports for a viewer: the plan of the latest published version, its parameters,
one SQL statement through the records permission layer, the post steps, a cache.

- Who may run a report: whoever may read its form's records; what they get is what their row
  scope and field levels allow (see `query.py`), so two viewers of one report can see two
  different results, each matching their record list.
- Summary reports return at most `cap` rows (10,000 by default): more is cut and said so
  (`truncated`, with a message), never silently. Detail reports are pages of the record list
  (`page`, `size` up to 500) shown exactly as the list shows them (masked per row).
- Cache: a result is kept for `ttl` seconds under a key made of the report version, the
  parameters, the viewer (name, roles, grants, departments) and a counter of writes to the
  dataset's forms in this process (any save clears it at once; writes made by another
  process show after at most `ttl`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.sql.util import ClauseAdapter

from brickwork.engines.report import (
    ParameterError,
    ReportPlan,
    ResultTable,
    apply_post,
    resolve_parameters,
)
from brickwork.engines.report.drill import bind_parameters
from brickwork.engines.report.plan import PARENT, DetailColumn, Dimension, Label
from brickwork.engines.report.post import shift
from brickwork.engines.report.result import Column
from brickwork.platform.audit.service import AuditLog
from brickwork.platform.auth.actor import Actor
from brickwork.platform.auth.permissions import ACTION_ZH
from brickwork.platform.clock import Clock, system_clock
from brickwork.platform.db.sqlite_sums import sum_value
from brickwork.platform.errors import Conflict, ErrorItem, Forbidden, Invalid
from brickwork.platform.records.listing import LruCache
from brickwork.platform.records.published import PublishedForm
from brickwork.platform.records.query import RecordQuery
from brickwork.platform.records.service import PEOPLE, RecordService
from brickwork.platform.reports.definitions import ReportCompiler
from brickwork.platform.reports.query import Source, SummaryQuery, percentile_value
from brickwork.platform.reports.repository import ReportRepository

SUMMARY_CAP = 10_000
DETAIL_PAGE = 50
DETAIL_PAGE_MAX = 500
CACHE_TTL = 60.0
SQL_ORDERABLE = frozenset({"count", "count_distinct", "sum", "min", "max"})
"""Measures the statement can sort by itself (the others are computed after it)."""


@dataclass(frozen=True, slots=True)
class ReportRun:
    plan: ReportPlan
    version: int
    table: ResultTable
    parameters: Mapping[str, Any]
    message: str | None = None
    page: int | None = None
    has_more: bool = False
    total: int | None = None
    """Detail runs asked to count: how many rows match."""
    choices: Mapping[str, Mapping[str, Label]] = field(default_factory=dict)
    """Per column of a choice field (a dimension or a detail column): each option's value
    and its label, so that a person reads `存款` where the value is `deposits`; per column of
    a member or department field, each id it holds and the user name or department key."""


class ReportService:
    def __init__(
        self,
        *,
        compiler: ReportCompiler,
        records: RecordService,
        audit: AuditLog,
        clock: Clock = system_clock,
        cap: int = SUMMARY_CAP,
        ttl: float = CACHE_TTL,
    ) -> None:
        self.compiler = compiler
        self.records = records
        self.audit = audit
        self.clock = clock
        self.cap = cap
        self.ttl = ttl
        self.repo = ReportRepository()
        self._cache = LruCache(512)
        self._writes: dict[tuple[str, str], int] = {}

    # ------------------------------------------------------------ save hook (cache)

    def before_save(
        self,
        session: Session,
        actor: Actor,
        form: PublishedForm,
        kind: str,
        record: Mapping[str, Any],
        previous: Mapping[str, Any] | None,
    ) -> Mapping[str, Any]:
        return {}  # nothing to change: reports only need to know that a save happened

    def reads_records(self, session: Session, form: PublishedForm) -> bool:
        """New records are not read around their save here (a batch may be saved at once)."""
        return False

    def after_save(
        self,
        session: Session,
        actor: Actor,
        form: PublishedForm,
        kind: str,
        record: Mapping[str, Any],
        previous: Mapping[str, Any] | None,
    ) -> None:
        key = (form.app_key, form.form_key)
        self._writes[key] = self._writes.get(key, 0) + 1

    # ------------------------------------------------------------ running

    def run(
        self,
        session: Session,
        actor: Actor,
        app_key: str,
        key: str,
        *,
        parameters: Mapping[str, Any] | None = None,
        page: int = 0,
        size: int = DETAIL_PAGE,
        count: int | None = None,
        action: str = "read",
    ) -> ReportRun:
        """With `count`, a detail run also says how many rows match (`total`, at most
        `count`). `action` "export" runs it as an export: the viewer needs the export right
        on every form of the dataset, and fields take their export levels."""
        plan, version = self.compiler.plan(session, app_key, key)
        today = report_today(plan, self.clock())
        values = self._parameters(plan, parameters or {}, today)
        if plan.kind == "detail":
            run = self._detail(
                session, actor, app_key, plan, version, values, page, size, count, action
            )
            return replace(run, choices=self._choices(session, app_key, plan, run.table))
        base = self.records.form(session, app_key, plan.dataset.form)
        access = self._access(session, actor, base, action)
        cache_key = (action, *self._cache_key(app_key, plan, version, values, access, actor))
        cached = self._cache.get(cache_key)
        if cached is not None and cached[0] > time.monotonic():
            found: ReportRun = cached[1]
            return found
        run = self._summary(session, actor, app_key, plan, version, values, base, access, action)
        run = replace(run, choices=self._choices(session, app_key, plan, run.table))
        self._cache.put(cache_key, (time.monotonic() + self.ttl, run))
        return run

    def preview(
        self, session: Session, actor: Actor, app_key: str, key: str, body: Mapping[str, Any]
    ) -> ReportRun:
        """A draft run as its published version would run (same compiler, same statement,
        the designer's own row scope and field levels), with its parameters' defaults; never
        cached. Only those who may design the app preview drafts."""
        self.compiler.metadata.require(session, actor, "design", app_key)
        plan = self.compiler.draft_plan(session, app_key, key, body)
        values = self._parameters(plan, {}, report_today(plan, self.clock()))
        if plan.kind == "detail":
            run = self._detail(
                session, actor, app_key, plan, 0, values, 0, DETAIL_PAGE, None, "read"
            )
        else:
            base = self.records.form(session, app_key, plan.dataset.form)
            access = self._access(session, actor, base, "read")
            run = self._summary(session, actor, app_key, plan, 0, values, base, access, "read")
        return replace(run, choices=self._choices(session, app_key, plan, run.table))

    def _choices(
        self, session: Session, app_key: str, plan: ReportPlan, table: ResultTable
    ) -> dict[str, dict[str, Label]]:
        """The text of the values of the columns that show a field as it is (not bucketed nor
        cut to a period): a choice's option labels, and the user names and department keys of
        the users and departments a member or department field holds by id."""
        found: dict[str, dict[str, Label]] = {}
        for item, chosen in self._shown_fields(session, app_key, plan):
            if chosen.type in PEOPLE:
                column = next((i for i, c in enumerate(table.columns) if c.key == item.key), None)
                ids = sorted(
                    {row[column] for row in table.rows if isinstance(row[column], str)}
                    if column is not None
                    else set()
                )
                named = self.records.repo.names_of_ids(session, chosen.type, ids)
                if named:
                    found[item.key] = dict(named)
                continue
            options = getattr(chosen, "options", None) or ()
            labels = {
                option.value: _report_label(option.label)
                for option in options
                if not isinstance(option, str) and option.label is not None
            }
            if labels:
                found[item.key] = labels
        return found

    def _shown_fields(
        self, session: Session, app_key: str, plan: ReportPlan
    ) -> Iterator[tuple[Dimension | DetailColumn, Any]]:
        """The dimensions and columns that show a field of a form as it is, with the field."""
        dataset = plan.dataset
        forms = {"": dataset.form, **{join.alias: join.form for join in dataset.joins}}
        if dataset.subtable is not None:
            forms[PARENT] = dataset.form
        shown: list[Dimension | DetailColumn] = [*plan.dimensions, *plan.columns]
        for item in shown:
            if isinstance(item, Dimension) and (item.grain is not None or item.buckets):
                continue
            form_key = forms.get(item.ref.source)
            if form_key is None:
                continue
            fields = self.records.form(session, app_key, form_key).definition.fields
            if item.ref.source == "" and dataset.subtable is not None:
                table = next((f for f in fields if f.key == dataset.subtable), None)
                fields = getattr(table, "fields", ())
            chosen = next((f for f in fields if f.key == item.ref.field), None)
            if chosen is not None:
                yield item, chosen

    def check(
        self,
        session: Session,
        actor: Actor,
        app_key: str,
        key: str,
        *,
        parameters: Mapping[str, Any] | None = None,
        action: str = "read",
    ) -> ReportPlan:
        """Refuse now what running the report for `actor` would refuse (no published version,
        bad parameters, no read access, a field they may not read) without running it: for
        work queued to run later."""
        plan, _version = self.compiler.plan(session, app_key, key)
        now = self.clock()
        values = self._parameters(plan, parameters or {}, report_today(plan, now))
        base = self.records.form(session, app_key, plan.dataset.form)
        access = self._access(session, actor, base, action)
        sources = self._sources(session, actor, app_key, plan, base, access, action)
        query = SummaryQuery(
            plan,
            sources if plan.kind == "summary" else {"": sources[""]},
            dialect=access.dialect,
            parameters=values,
            actor=actor,
            today=report_today(plan, now),
            now=now,
            locale=actor.locale or "zh-CN",
        )
        if plan.kind == "summary":
            query.build(order=False, limit=None)
        else:
            for item in plan.filters:
                query.filter(item.ir, item.pointer)
        return plan

    def _access(self, session: Session, actor: Actor, form: PublishedForm, action: str) -> Any:
        access = self.records.access(session, actor, form, action)
        return access.for_export() if action == "export" else access

    def _parameters(
        self, plan: ReportPlan, given: Mapping[str, Any], today: date
    ) -> dict[str, Any]:
        try:
            return resolve_parameters(plan, given, today=today)
        except ParameterError as exc:
            raise Invalid(
                f"report {plan.key!r} cannot run with these parameters",
                code="report_parameters_invalid",
                errors=[
                    ErrorItem(pointer, code, message, zh_cn)
                    for pointer, code, message, zh_cn in exc.problems
                ],
                zh_cn=f"报表 {plan.key!r} 无法使用这些参数运行",
            ) from None

    def _cache_key(
        self,
        app_key: str,
        plan: ReportPlan,
        version: int,
        values: Mapping[str, Any],
        access: Any,
        actor: Actor,
    ) -> tuple[Any, ...]:
        principal = access.principal
        forms = [plan.dataset.form, *(join.form for join in plan.dataset.joins)]
        return (
            app_key,
            plan.key,
            version,
            json.dumps(values, sort_keys=True, default=str),
            actor.username,
            actor.roles,
            actor.scopes,
            actor.locale,
            tuple(grant.model_dump_json() for grant in principal.grants),
            principal.departments,
            principal.primary_department,
            tuple(self._writes.get((app_key, form), 0) for form in forms),
            report_today(plan, self.clock()),
        )

    def _sources(
        self,
        session: Session,
        actor: Actor,
        app_key: str,
        plan: ReportPlan,
        base: PublishedForm,
        access: Any,
        action: str,
    ) -> dict[str, Source]:
        sources = self._dataset(plan, base, access, self.records.query(session, access))
        for join in plan.dataset.joins:
            form = self.records.form(session, app_key, join.form)
            try:
                joined_access = self._access(session, actor, form, action)
            except Forbidden:
                raise Forbidden(
                    f"this report joins form {join.form!r}, whose records you may not {action}",
                    code="report_join_not_readable",
                    errors=[
                        ErrorItem(
                            join.pointer,
                            "report_join_not_readable",
                            f"no read on {join.form}",
                            f"无权读取表单 {join.form}",
                        )
                    ],
                    zh_cn=f"此报表关联了表单 {join.form!r}，而您无权"
                    f"{ACTION_ZH.get(action, action)}它的记录",
                ) from None
            table = form.table.alias(f"j_{join.alias}")
            adapter = ClauseAdapter(table)
            rows = joined_access.rows("read")
            condition = adapter.traverse(sa.and_(sa.true(), *rows)) if rows else None
            sources[join.alias] = Source(
                form,
                joined_access,
                self.records.query(session, joined_access),
                table,
                adapter,
                condition,
            )
        return sources

    def _dataset(
        self, plan: ReportPlan, base: PublishedForm, access: Any, query: RecordQuery
    ) -> dict[str, Source]:
        """The form's source, or for a dataset over subtable rows the subtable's rows and the
        form as `parent` (one access: a subtable is one field of its form)."""
        subtable = plan.dataset.subtable
        if subtable is None:
            return {"": Source(base, access, query, base.table)}
        child = next((c for c in base.shape.children if c.field.key == subtable), None)
        if child is None:  # compiled before the form changed, in another process
            raise Conflict(
                f"the report reads subtable {subtable!r}, which form {base.form_key!r} no "
                "longer has; run it again, or publish a fixed version",
                code="report_definition_broken",
                errors=[
                    ErrorItem(
                        "/dataset/subtable",
                        "E_REPORT_UNKNOWN_FIELD",
                        subtable,
                        f"表单中已没有子表 {subtable}",
                    )
                ],
                zh_cn=f"报表读取的子表 {subtable!r} 已不在表单 {base.form_key!r} 中："
                "请重新运行，或发布修正后的版本",
            )
        return {
            "": Source(base, access, query, child.table, child=child),
            PARENT: Source(base, access, query, base.table),
        }

    def _summary(
        self,
        session: Session,
        actor: Actor,
        app_key: str,
        plan: ReportPlan,
        version: int,
        values: Mapping[str, Any],
        base: PublishedForm,
        access: Any,
        action: str,
    ) -> ReportRun:
        sources = self._sources(session, actor, app_key, plan, base, access, action)
        now = self.clock()
        query = SummaryQuery(
            plan,
            sources,
            dialect=access.dialect,
            parameters=values,
            actor=actor,
            today=report_today(plan, now),
            now=now,
            locale=actor.locale or "zh-CN",
        )
        orderable = {d.key for d in plan.dimensions} | {
            m.key for m in plan.measures if m.function in SQL_ORDERABLE
        }
        in_sql = (
            not plan.post
            and not plan.calculated
            and all(item.key in orderable for item in plan.sort)
        )
        limit = plan.limit if in_sql and plan.limit is not None else self.cap + 1
        built = query.build(order=True, limit=min(limit, self.cap + 1))
        found = self.repo.rows(session, built.statement)
        truncated = len(found) > self.cap
        rows = [self._row(plan, row, built.percentiles) for row in found[: self.cap]]
        columns = tuple(
            [
                Column(
                    d.key,
                    d.label,
                    "dimension",
                    "date" if d.grain else "text" if d.buckets else d.ref.type,
                    (d.key,),
                    d.format,
                )
                for d in plan.dimensions
            ]
            + [
                Column(
                    m.key,
                    m.label,
                    "measure",
                    "number"
                    if m.ref is None or m.function in ("count", "count_distinct")
                    else m.ref.type,
                    (m.key,),
                    m.format,
                )
                for m in plan.measures
            ]
        )
        table = ResultTable(
            columns,
            tuple(rows),
            tuple("data" for _ in rows),
            truncated,
            self.cap if truncated else None,
        )
        table = apply_post(plan, table, parameters=values, locale=actor.locale or "zh-CN")
        message = None
        if truncated:
            message = (
                f"more than {self.cap} rows: only the first {self.cap} are shown; narrow the "
                "filters or group by fewer dimensions"
            )
        return ReportRun(plan, version, replace(table, truncated=truncated), values, message)

    def _row(
        self, plan: ReportPlan, row: Any, percentiles: Mapping[str, tuple[int, int]]
    ) -> tuple[Any, ...]:
        mapping = row._mapping
        values: list[Any] = [mapping[f"d{i}"] for i in range(len(plan.dimensions))]
        for index, measure in enumerate(plan.measures):
            first = mapping[f"a{index}"]
            if measure.function in ("count", "count_distinct"):
                values.append(Decimal(first or 0))
            elif measure.function == "avg":
                count = mapping[f"n{index}"]
                values.append(None if not count or first is None else Decimal(first) / count)
            elif measure.function == "sum":
                values.append(sum_value(first))
            elif measure.key in percentiles:
                values.append(
                    percentile_value(
                        mapping[f"n{index}"], first, mapping[f"b{index}"], percentiles[measure.key]
                    )
                )
            else:
                values.append(first)
        return tuple(values)

    # ------------------------------------------------------------ detail reports

    def _detail(
        self,
        session: Session,
        actor: Actor,
        app_key: str,
        plan: ReportPlan,
        version: int,
        values: Mapping[str, Any],
        page: int,
        size: int,
        count: int | None,
        action: str,
    ) -> ReportRun:
        if not 0 <= page <= 100_000 or not 1 <= size <= DETAIL_PAGE_MAX:
            raise Invalid(
                f"page from 0, size from 1 to {DETAIL_PAGE_MAX}",
                code="validation_failed",
                errors=[
                    ErrorItem(
                        "/size",
                        "out_of_range",
                        f"1 to {DETAIL_PAGE_MAX}",
                        f"1 到 {DETAIL_PAGE_MAX}",
                    )
                ],
                zh_cn=f"页码从 0 开始，每页行数须在 1 到 {DETAIL_PAGE_MAX} 之间",
            )
        base = self.records.form(session, app_key, plan.dataset.form)
        access = self._access(session, actor, base, action)
        now = self.clock()
        query = SummaryQuery(
            plan,
            {"": Source(base, access, self.records.query(session, access), base.table)},
            dialect=access.dialect,
            parameters=values,
            actor=actor,
            today=report_today(plan, now),
            now=now,
            locale=actor.locale or "zh-CN",
        )
        conditions = [query.filter(item.ir, item.pointer) for item in plan.filters]
        items, has_more = self.records.page_where(
            session, actor, access, conditions, offset=page * size, limit=size
        )
        columns = tuple(
            Column(c.key, c.label, "detail", c.ref.type, (c.key,), c.format) for c in plan.columns
        )
        rows = tuple(tuple(item.get(c.ref.field) for c in plan.columns) for item in items)
        table = ResultTable(columns, rows, tuple("data" for _ in rows))
        total = None
        if count is not None:
            total = self.records.count_where(session, access, conditions, cap=count)
        return ReportRun(plan, version, table, values, None, page, has_more, total)

    # ------------------------------------------------------------ drill-through

    def drill(
        self,
        session: Session,
        actor: Actor,
        app_key: str,
        key: str,
        *,
        on: str,
        row: Mapping[str, Any],
        parameters: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Where a click on column `on` of a result row leads: a record list of the dataset's
        form filtered to the row (its dimension values, plus the report's filters with the
        parameters written in), or another report with parameters."""
        plan, _version = self.compiler.plan(session, app_key, key)
        link = next((d for d in plan.drill if d.on == on), None)
        if link is None:
            raise Invalid(
                f"report {key!r} has no drill link on {on!r}",
                code="report_drill_unknown",
                errors=[
                    ErrorItem(
                        "/on",
                        "report_drill_unknown",
                        f"links: {[d.on for d in plan.drill]}",
                        f"设有钻取的列：{[d.on for d in plan.drill]}",
                    )
                ],
                zh_cn=f"报表 {key!r} 的 {on!r} 列没有设置钻取",
            )
        values = self._parameters(plan, parameters or {}, report_today(plan, self.clock()))
        if link.kind == "report":
            target = {
                name: row.get(source, values.get(source))
                for name, source in link.parameters.items()
            }
            return {"kind": "report", "report": link.target, "parameters": target}
        parts = []
        for dimension in plan.dimensions:
            if dimension.key not in row or dimension.ref.source:
                continue
            parts.append(self._condition(dimension, row[dimension.key]))
        parts += [f"({bind_parameters(item.source, values)})" for item in plan.filters]
        expression = " and ".join(part for part in parts if part) or None
        return {
            "kind": "list",
            "form": plan.dataset.form,
            "filter": expression,
            "url": f"/api/v1/apps/{app_key}/forms/{plan.dataset.form}/records",
        }

    def _condition(self, dimension: Any, value: Any) -> str:
        name = dimension.ref.field
        if value is None:
            return f"{name} = null"
        if dimension.grain is not None:
            start = date.fromisoformat(str(value)[:10])
            end = shift(start, dimension.grain, -1)  # the next period's first day
            return f'{name} >= @"{start.isoformat()}" and {name} < @"{end.isoformat()}"'
        if dimension.buckets is not None:
            return ""
        return f"{name} = {_literal(value)}"


def report_today(plan: ReportPlan, moment: datetime) -> date:
    """The report's date at `moment`: the day in its time zone (Asia/Shanghai unless it names
    another), from which its periods (`this_month`...) and `today()` in its filters count."""
    return moment.astimezone(ZoneInfo(plan.timezone)).date()


def _literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, date):
        return f'@"{value.isoformat()}"'
    return json.dumps(str(value), ensure_ascii=False)


def _report_label(label: Any) -> Label:
    """A form's label (a string, or zh-CN and en) as reports keep labels."""
    if isinstance(label, str):
        return label
    given = {"zh-CN": label.zh_cn, "en": label.en}
    return {locale: text for locale, text in given.items() if text}
