"""A summary report as ONE SQL statement (SQLAlchemy Core), aggregation in the database.

The viewer's permissions go in through the records permission layer, as in record lists:

- the base form's row scope (`FormAccess.rows("read")`) is in the WHERE clause;
- a field hidden or masked for the viewer cannot be grouped, aggregated or filtered by
  (403 `field_not_readable`, pointing at the definition); a field readable on some rows only
  counts as empty (NULL) on the others;
- a joined form (left join along a lookup) shows its fields only on the rows of it the viewer
  may read there: elsewhere they are NULL. Viewers without read access to it cannot use it;
- a dataset over subtable rows reads the subtable's child table inner-joined to its (live)
  records, with the form's row scope; the subtable is one field of the form in grants: hidden
  or masked, the report is refused (`/dataset/subtable`); readable on some records only, its
  columns are NULL on the rows of the others. The parent's fields (`parent.<field>`) follow
  the form's field levels like the fields of a form dataset.

Values are exact: sums and extremes come back through the columns' exact types, averages are
sum / count in `Decimal`, percentiles (and the median) are continuous interpolations between
the two ranked values the database picks with window functions, computed in `Decimal` — the
same result on SQLite and PostgreSQL. Dates are cut to their grain in the database (weeks
start on Monday); a date-time is first moved to the report's time zone (PostgreSQL with the
zone's rules; SQLite, which has no zone data, with the zone's offset at the time of the run:
the same unless the zone changes its offset, which Asia/Shanghai does not).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_CEILING, Decimal
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.sql import ColumnElement, FromClause, Select
from sqlalchemy.sql.util import ClauseAdapter

from brickwork.engines.report.plan import PARENT, Dimension, FieldRef, Join, Measure, ReportPlan
from brickwork.engines.report.post import text_of
from brickwork.platform.auth.actor import Actor
from brickwork.platform.db.base import UtcDateTime
from brickwork.platform.errors import Conflict, ErrorItem, Forbidden
from brickwork.platform.query.sql_expr import ExactNumber, render
from brickwork.platform.records.access import FormAccess
from brickwork.platform.records.layout import ENCRYPTED, ColumnLayout
from brickwork.platform.records.published import PublishedForm
from brickwork.platform.records.query import SORTABLE_SYSTEM, RecordQuery, natural_units
from brickwork.platform.records.rows import ChildShape

SYSTEM = frozenset({*SORTABLE_SYSTEM, "updated_at", "created_by", "department", "flow_status"})
PARTIAL = frozenset({"count", "sum", "min", "max", "avg"})
"""Measures that can be computed from partial aggregates."""


@dataclass
class Source:
    """One form of the dataset: its (aliased) table and the viewer's access to it. With
    `child`, the rows of that subtable of `form` (`table` is its child table): a subtable is
    one field of its form in grants, so `access` and `query` are the form's."""

    form: PublishedForm
    access: FormAccess
    query: RecordQuery
    table: FromClause
    adapter: ClauseAdapter | None = None
    rows: ColumnElement[bool] | None = None
    """For a joined form: the rows of it the viewer may read (adapted to its alias)."""
    child: ChildShape | None = None

    def adapt(self, expression: ColumnElement[Any]) -> ColumnElement[Any]:
        return expression if self.adapter is None else self.adapter.traverse(expression)

    @property
    def columns(self) -> Mapping[str, ColumnLayout]:
        """Field key -> stored column (of the subtable's columns, for subtable rows)."""
        if self.child is None:
            return self.query.columns
        return {item.key: column for item, column in self.child.columns}


@dataclass
class Built:
    statement: Select[Any]
    dimensions: list[Dimension]
    measures: list[Measure]
    percentiles: dict[str, tuple[int, int]] = field(default_factory=dict)
    """Measure key -> (numerator, denominator) of its percentile as a fraction of 1."""


class SummaryQuery:
    def __init__(
        self,
        plan: ReportPlan,
        sources: Mapping[str, Source],
        *,
        dialect: str,
        parameters: Mapping[str, Any],
        actor: Actor,
        today: date,
        now: datetime,
        locale: str,
    ) -> None:
        self.plan = plan
        self.sources = sources
        self.dialect = dialect
        self.parameters = parameters
        self.actor = actor
        self.today = today
        self.now = now
        self.locale = locale

    # ------------------------------------------------------------ fields

    def column(self, ref: FieldRef, pointer: str, *, natural: bool = False) -> ColumnElement[Any]:
        """A field's stored value as the viewer may read it (NULL elsewhere)."""
        source = self.sources[ref.source]
        key = ref.field
        query = source.query
        if source.child is not None:
            return self.child_column(source, source.child, key, pointer, natural=natural)
        if key not in SYSTEM and key in query.closed:
            raise Forbidden(
                f"{key!r} is hidden or masked for you: this report cannot group, sum or filter "
                "by it",
                code="field_not_readable",
                errors=[
                    ErrorItem(
                        pointer, "field_not_readable", f"{key} is not readable", f"{key} 对您不可读"
                    )
                ],
                zh_cn=f"字段 {key!r} 对您隐藏或脱敏显示：此报表不能按它分组、汇总或筛选",
            )
        if key in SYSTEM:
            value: ColumnElement[Any] = source.form.table.c[key]
        elif key not in query.columns:
            raise broken(source, key, pointer)
        else:
            value = query.column(key, natural=natural)
        condition = query.partial.get(key)
        if condition is not None:
            value = sa.case((condition, value), else_=sa.null())
        value = source.adapt(value)
        if source.rows is not None:
            value = sa.case((source.rows, value), else_=sa.null())
        return value

    def child_column(
        self, source: Source, child: ChildShape, key: str, pointer: str, *, natural: bool
    ) -> ColumnElement[Any]:
        """A column of subtable rows: NULL on the rows whose record does not let the viewer
        read the subtable (whether it is readable at all is checked once, in `rows`)."""
        layout = source.columns.get(key)
        if layout is None or layout.type_key == ENCRYPTED:
            raise broken(source, key, pointer)
        value: ColumnElement[Any] = child.table.c[layout.column]
        if natural:
            value = natural_units(value, layout, self.dialect)
        condition = source.query.partial.get(child.field.key)
        if condition is not None:
            value = sa.case((condition, value), else_=sa.null())
        return value

    def scale(self, ref: FieldRef) -> int:
        layout = self.sources[ref.source].columns.get(ref.field)
        if layout is None or ":" not in layout.type_key:
            return 0
        return int(layout.type_key.split(":")[1])

    # ------------------------------------------------------------ the statement

    def rows(self) -> tuple[FromClause, list[ColumnElement[bool]]]:
        """The dataset's rows: the live records of the form in the viewer's row scope, or the
        rows of the subtable of those records (refused when the subtable is hidden or masked
        for the viewer: even the count of its rows would say what it holds)."""
        base = self.sources[""]
        if base.child is None:
            return base.table, [base.form.table.c.deleted_at.is_(None), *base.access.rows("read")]
        parent = self.sources[PARENT]
        key = base.child.field.key
        if key in base.query.closed:
            raise Forbidden(
                f"subtable {key!r} is hidden or masked for you: this report cannot read its rows",
                code="field_not_readable",
                errors=[
                    ErrorItem(
                        "/dataset/subtable",
                        "field_not_readable",
                        f"{key} is not readable",
                        f"{key} 对您不可读",
                    )
                ],
                zh_cn=f"子表 {key!r} 对您隐藏或脱敏显示：此报表不能读取它的行",
            )
        joined = base.table.join(parent.table, parent.table.c.id == base.table.c.parent_id)
        return joined, [parent.table.c.deleted_at.is_(None), *parent.access.rows("read")]

    def build(self, *, order: bool, limit: int | None) -> Built:
        if self.aggregates_before_joining():
            return self.build_preaggregated(order=order, limit=limit)
        plan = self.plan
        joined, where = self.rows()
        for join in plan.dataset.joins:
            target = self.sources[join.alias]
            lookup = self.lookup_of(join)
            joined = joined.join(
                target.table,
                sa.and_(
                    target.table.c.id == lookup,
                    target.table.c.deleted_at.is_(None),
                ),
                isouter=True,
            )
        where.extend(self.filter(item.ir, item.pointer) for item in plan.filters)
        inner_columns: list[ColumnElement[Any]] = []
        for index, dimension in enumerate(plan.dimensions):
            inner_columns.append(self.dimension(dimension).label(f"d{index}"))
        percentiles: dict[str, tuple[int, int]] = {}
        for index, measure in enumerate(plan.measures):
            if measure.ref is None:
                continue
            value = self.column(measure.ref, f"{measure.pointer}/field")
            inner_columns.append(value.label(f"m{index}"))
            if measure.percentile is not None:
                dims = [self.dimension(d) for d in plan.dimensions]
                inner_columns.append(
                    sa.func.row_number()
                    .over(partition_by=dims or None, order_by=(value.is_(None), value))
                    .label(f"r{index}")
                )
                inner_columns.append(
                    sa.func.count(value).over(partition_by=dims or None).label(f"c{index}")
                )
                fraction = (measure.percentile / 100).as_integer_ratio()
                percentiles[measure.key] = fraction
        if not inner_columns:
            inner_columns.append(sa.literal(1).label("one"))
        inner = sa.select(*inner_columns).select_from(joined).where(*where).subquery("r")
        groups = [inner.c[f"d{i}"] for i in range(len(plan.dimensions))]
        outer: list[ColumnElement[Any]] = list(groups)
        for index, measure in enumerate(plan.measures):
            outer.extend(self.aggregate(inner, index, measure, percentiles.get(measure.key)))
        statement = sa.select(*outer).select_from(inner)
        if groups:
            statement = statement.group_by(*groups)
        if order:
            statement = statement.order_by(*self.order(groups))
        if limit is not None:
            statement = statement.limit(limit)
        return Built(statement, list(plan.dimensions), list(plan.measures), percentiles)

    # ------------------------------------------------------------ aggregating before joining

    def aggregates_before_joining(self) -> bool:
        """Whether the base form's rows can be summed up per joined row first: measures of the
        base form only, each made of partial aggregates (count, sum, min, max, avg), and
        filters on the base form only. Each lookup names one joined row, so a joined form's
        fields are the same on all base rows of a partial group: grouping by them after the
        join gives the same result from a few partial rows instead of every base row (a
        million customers of twelve branches are twelve joins, not a million)."""
        plan = self.plan
        if not plan.dataset.joins or plan.dataset.subtable is not None:
            return False
        for measure in plan.measures:
            if measure.ref is not None and measure.ref.source:
                return False
            if measure.ref is not None and measure.function not in PARTIAL:
                return False
        return not any(self.names_a_join(item.ir) for item in plan.filters)

    def names_a_join(self, ir: Any) -> bool:
        named = False

        def resolve(path: tuple[str, ...]) -> ColumnElement[Any]:
            nonlocal named
            if path[0] in self.sources and path[0] and len(path) == 2:
                named = True
            return sa.null()

        render(ir, resolve)
        return named

    def build_preaggregated(self, *, order: bool, limit: int | None) -> Built:
        plan = self.plan
        base = self.sources[""]
        where = [
            base.form.table.c.deleted_at.is_(None),
            *base.access.rows("read"),
            *(self.filter(item.ir, item.pointer) for item in plan.filters),
        ]
        own = [d for d in plan.dimensions if not d.ref.source]
        roots = [join for join in plan.dataset.joins if not join.source]
        rows: list[ColumnElement[Any]] = [
            *(self.dimension(d).label(f"d{plan.dimensions.index(d)}") for d in own),
            *(self.lookup_of(j).label(f"k{n}") for n, j in enumerate(roots)),
        ]
        for index, measure in enumerate(plan.measures):
            if measure.ref is not None:
                rows.append(self.column(measure.ref, f"{measure.pointer}/field").label(f"m{index}"))
        if not rows:
            rows.append(sa.literal(1).label("one"))
        inner = sa.select(*rows).select_from(base.table).where(*where).subquery("r")
        keys = [inner.c[f"d{plan.dimensions.index(d)}"] for d in own]
        keys += [inner.c[f"k{n}"] for n in range(len(roots))]
        partials: list[ColumnElement[Any]] = list(keys)
        for index, measure in enumerate(plan.measures):
            partials.extend(self.aggregate(inner, index, measure, None))
        grouped = sa.select(*partials).select_from(inner)
        if keys:
            grouped = grouped.group_by(*keys)
        part = grouped.subquery("p")
        joined: FromClause = part
        for join in plan.dataset.joins:
            target = self.sources[join.alias]
            lookup = part.c[f"k{roots.index(join)}"] if not join.source else self.lookup_of(join)
            joined = joined.join(
                target.table,
                sa.and_(target.table.c.id == lookup, target.table.c.deleted_at.is_(None)),
                isouter=True,
            )
        groups = [
            part.c[f"d{index}"] if not d.ref.source else self.dimension(d)
            for index, d in enumerate(plan.dimensions)
        ]
        outer: list[ColumnElement[Any]] = [g.label(f"d{i}") for i, g in enumerate(groups)]
        for index, measure in enumerate(plan.measures):
            outer.extend(self.reaggregate(part, index, measure))
        statement = sa.select(*outer).select_from(joined)
        if groups:
            statement = statement.group_by(*groups)
        if order:
            statement = statement.order_by(*self.order(groups))
        if limit is not None:
            statement = statement.limit(limit)
        return Built(statement, list(plan.dimensions), list(plan.measures))

    def reaggregate(self, part: Any, index: int, measure: Measure) -> list[ColumnElement[Any]]:
        """The measure from its partial aggregates: counts and sums add up, extremes are
        extremes of extremes, an average is its summed sum over its summed count."""
        if measure.ref is None or measure.function in ("count", "sum"):
            return [sa.func.sum(part.c[f"a{index}"]).label(f"a{index}")]
        if measure.function == "avg":
            return [
                sa.func.sum(part.c[f"a{index}"]).label(f"a{index}"),
                sa.func.sum(part.c[f"n{index}"]).label(f"n{index}"),
            ]
        function = getattr(sa.func, measure.function)  # min or max
        return [function(part.c[f"a{index}"]).label(f"a{index}")]

    def lookup_of(self, join: Join) -> ColumnElement[Any]:
        """The lookup a join follows, as the viewer may read it: a lookup hidden or masked for
        them cannot be followed (403, pointing at the join); where it is readable on some rows
        only, the others join nothing."""
        ref = FieldRef(join.source, join.lookup, "text")  # a lookup holds the id (text)
        return self.column(ref, f"{join.pointer}/lookup")

    def aggregate(
        self,
        inner: Any,
        index: int,
        measure: Measure,
        percentile: tuple[int, int] | None,
    ) -> list[ColumnElement[Any]]:
        function = measure.function
        if measure.ref is None:
            return [sa.func.count().label(f"a{index}")]
        value = inner.c[f"m{index}"]
        if function == "count":
            return [sa.func.count(value).label(f"a{index}")]
        if function == "count_distinct":
            return [sa.func.count(sa.distinct(value)).label(f"a{index}")]
        if function == "avg":
            return [sa.func.sum(value).label(f"a{index}"), sa.func.count(value).label(f"n{index}")]
        if function in ("sum", "min", "max"):
            return [getattr(sa.func, function)(value).label(f"a{index}")]
        assert percentile is not None
        numerator, denominator = percentile
        rank, count = inner.c[f"r{index}"], inner.c[f"c{index}"]
        low = (count - 1) * numerator // denominator + 1
        high = ((count - 1) * numerator + denominator - 1) // denominator + 1
        return [
            sa.func.max(count).label(f"n{index}"),
            sa.func.max(sa.case((rank == sa.cast(low, sa.Integer), value))).label(f"a{index}"),
            sa.func.max(sa.case((rank == sa.cast(high, sa.Integer), value))).label(f"b{index}"),
        ]

    def order(self, groups: Sequence[Any]) -> list[ColumnElement[Any]]:
        """The report's sort where it names dimensions or plain measures, then the dimensions."""
        keys = {d.key: groups[i] for i, d in enumerate(self.plan.dimensions)}
        labels: dict[str, ColumnElement[Any]] = {}
        for index, measure in enumerate(self.plan.measures):
            if measure.function in ("count", "sum", "min", "max", "count_distinct"):
                labels[measure.key] = sa.literal_column(f"a{index}")
        clauses: list[ColumnElement[Any]] = []
        for item in self.plan.sort:
            if item.key in labels:
                # A result column's name stands alone in ORDER BY on PostgreSQL (no `a0 IS
                # NULL`): empty values go last by NULLS LAST instead.
                label = labels[item.key]
                clauses.append((label.desc() if item.descending else label.asc()).nulls_last())
                continue
            found = keys.get(item.key)
            if found is not None:
                clauses.append(found.is_(None))
                clauses.append(found.desc() if item.descending else found.asc())
        clauses.extend(group.is_(None) for group in groups)
        clauses.extend(groups)
        return clauses

    # ------------------------------------------------------------ dimensions

    def dimension(self, dimension: Dimension) -> ColumnElement[Any]:
        value = self.column(dimension.ref, f"{dimension.pointer}/field")
        if dimension.grain is not None:
            return self.truncated(value, dimension.ref.type, dimension.grain)
        if dimension.buckets is not None:
            scale = self.scale(dimension.ref)
            unit = Decimal(1).scaleb(-scale)
            whens = [
                (
                    value < bound.quantize(unit, rounding=ROUND_CEILING),
                    sa.literal(text_of(label, self.locale)),
                )
                for bound, label in zip(
                    dimension.buckets.bounds, dimension.buckets.labels, strict=False
                )
            ]
            last = text_of(dimension.buckets.labels[-1], self.locale)
            return sa.case((value.is_(None), sa.null()), *whens, else_=sa.literal(last))
        return value

    def truncated(self, value: ColumnElement[Any], kind: str, grain: str) -> ColumnElement[Any]:
        zone = self.plan.timezone
        if self.dialect == "postgresql":
            local = value if kind == "date" else sa.func.timezone(zone, value)
            if grain == "day":
                return sa.cast(local, sa.Date)
            return sa.cast(sa.func.date_trunc(grain, local), sa.Date)
        if kind == "date":
            local = value
        else:
            offset = ZoneInfo(zone).utcoffset(self.now.replace(tzinfo=None))
            minutes = 0 if offset is None else int(offset.total_seconds() // 60)
            local = sa.func.datetime(value, f"{minutes:+d} minutes")
        if grain == "day":
            found = sa.func.date(local)
        elif grain == "week":
            found = sa.func.date(local, "weekday 0", "-6 days")
        elif grain == "month":
            found = sa.func.date(local, "start of month")
        elif grain == "year":
            found = sa.func.date(local, "start of year")
        else:
            back = (sa.cast(sa.func.strftime("%m", local), sa.Integer) - 1) % 3
            found = sa.func.date(
                local,
                "start of month",
                sa.literal("-", sa.String) + sa.cast(back, sa.String) + sa.literal(" months"),
            )
        return sa.type_coerce(found, sa.Date)

    # ------------------------------------------------------------ filters

    def filter(self, ir: Any, pointer: str) -> ColumnElement[bool]:
        def resolve(path: tuple[str, ...]) -> ColumnElement[Any]:
            head = path[0]
            if head == "$params":
                value: Any = self.parameters.get(path[1])
                for part in path[2:]:
                    value = value.get(part) if isinstance(value, Mapping) else None
                return literal(value)
            if head == "$today":
                return literal(self.today)
            if head == "$now":
                return literal(self.now)
            if head == "$user":
                return literal(self.actor.username if path[1:] == ("username",) else None)
            if head in self.sources and head and len(path) == 2:
                ref = FieldRef(head, path[1], "text")
            else:
                ref = FieldRef("", head, "text")
            return self.column(ref, pointer, natural=True)

        return render(ir, resolve)


def broken(source: Source, key: str, pointer: str) -> Conflict:
    """A plan compiled before the form changed (in another process): refused, never guessed."""
    where = f"form {source.form.form_key!r}"
    where_zh = f"表单 {source.form.form_key!r}"
    if source.child is not None:
        where = f"subtable {source.child.field.key!r} of {where}"
        where_zh = f"{where_zh} 的子表 {source.child.field.key!r}"
    return Conflict(
        f"the report names {key!r}, which {where} no longer has as a usable field; run it "
        "again, or publish a fixed version",
        code="report_definition_broken",
        errors=[ErrorItem(pointer, "E_REPORT_UNKNOWN_FIELD", f"no field {key}", f"没有字段 {key}")],
        zh_cn=f"报表用到的 {key!r} 已不是{where_zh}中可用的字段：请重新运行，或发布修正后的版本",
    )


def literal(value: Any) -> ColumnElement[Any]:
    """A value bound with the type its comparisons need."""
    if value is None:
        return sa.null()
    if isinstance(value, bool):
        return sa.literal(value, sa.Boolean)
    if isinstance(value, datetime):
        return sa.literal(value, UtcDateTime())
    if isinstance(value, date):
        return sa.literal(value, sa.Date)
    if isinstance(value, Decimal | int):
        return sa.literal(Decimal(value), ExactNumber())
    return sa.literal(str(value), sa.String)


def percentile_value(count: Any, low: Any, high: Any, fraction: tuple[int, int]) -> Any:
    """The continuous percentile between the two ranked values (exact)."""
    if not count or low is None:
        return None
    numerator, denominator = fraction
    weight = Decimal((int(count) - 1) * numerator % denominator) / denominator
    if weight == 0 or high is None:
        return low
    return low + (high - low) * weight
