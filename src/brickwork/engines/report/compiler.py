"""Compile a report definition against the app: every problem found, each with the JSON
pointer of what is wrong, a stable code and what to do; or the `ReportPlan` the platform runs.

Filters are checked by the expression engine against the dataset's fields (base fields by key,
joined ones as `alias.field`, parameters as `$params.<key>`, `$params.<range>.start` / `.end`)
and turned into SQL IR here: a filter that cannot run inside the database is refused now, not
when someone opens the report.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ValidationError

from brickwork.engines.bilingual import NONE, Words, listing
from brickwork.engines.expr import (
    Diagnostic,
    ExpressionError,
    Scope,
    as_type,
    compile_expression,
    parse,
    to_sql_ir,
)
from brickwork.engines.expr.choices import (
    ForeignOption,
    foreign_options,
    names_compared,
    shown,
)
from brickwork.engines.expr.syntax import Name, Path, read_beyond_null_tests, walk
from brickwork.engines.report import plan as p
from brickwork.engines.report.definition import (
    ChartSpec,
    FormatSpec,
    MeasureSpec,
    ParameterSpec,
    PercentOfTotalSpec,
    PeriodChangeSpec,
    PivotSpec,
    ReportSpec,
    RunningTotalSpec,
    TopNSpec,
)
from brickwork.engines.report.environment import (
    SYSTEM_FIELDS,
    FieldInfo,
    FormInfo,
    ReportEnvironment,
)
from brickwork.engines.report.parameters import unfit_default
from brickwork.engines.report.plan import PARENT
from brickwork.engines.report.problems import (
    CHARTS,
    NUMBERS,
    NUMBERS_AND_DATES,
    OUTPUTS,
    OWN_FIELDS,
    ReportProblem,
    kind,
    problem,
    said,
    schema_zh,
)

VALUE_TYPES: Mapping[str, p.ValueType] = {
    "text": "text",
    "choice": "text",
    "lookup": "text",
    "number": "number",
    "money": "money",
    "date": "date",
    "datetime": "datetime",
    "boolean": "boolean",
    "user": "user",
    "department": "department",
}
EXPR_TYPES: Mapping[p.ValueType, str] = {
    "text": "string",
    "number": "number",
    "money": "number",
    "percent": "number",
    "date": "date",
    "datetime": "date and time",
    "boolean": "boolean",
    "user": "string",
    "department": "string",
}
NUMERIC = frozenset({"number", "money"})
COUNTS = frozenset({"count", "count_distinct"})
ORDERED = frozenset({"number", "money", "date", "datetime"})
PARAMETER_TYPES: Mapping[str, Any] = {
    "date_range": {"start": "date", "end": "date"},
    "date": "date",
    "number": "number",
    "text": "string",
    "user": "string",
    "department": "string",
    "select": "any",
}
CHART_NEEDS: Mapping[str, tuple[bool, int, int]] = {
    # type: (needs x, fewest y, most y)
    "table": (False, 0, 10),
    "pivot": (False, 0, 10),
    "bar": (True, 1, 10),
    "stacked_bar": (True, 1, 10),
    "line": (True, 1, 10),
    "area": (True, 1, 10),
    "pie": (True, 1, 1),
    "funnel": (True, 1, 1),
    "kpi": (False, 1, 1),
    "scatter": (False, 2, 2),
    "heatmap": (True, 1, 1),
}


class ReportDefinitionError(Exception):
    """The definition cannot be compiled; `problems` lists everything found."""

    def __init__(self, problems: Sequence[ReportProblem]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(f"{x.pointer}: {x.message}" for x in self.problems))


def compile_report(
    spec: Mapping[str, Any],
    env: ReportEnvironment,
    *,
    key: str = "report",
    title: p.Label | None = None,
) -> p.ReportPlan:
    """The plan of a report definition, or `ReportDefinitionError` with every problem."""
    try:
        parsed = ReportSpec.model_validate(spec)
    except ValidationError as exc:
        raise ReportDefinitionError(
            [
                ReportProblem(
                    json_pointer(error["loc"]), "E_REPORT_SCHEMA", error["msg"], schema_zh(error)
                )
                for error in exc.errors()
            ]
        ) from None
    compiler = _Compiler(parsed, env)
    built = compiler.build(key, title)
    if compiler.problems:
        raise ReportDefinitionError(compiler.problems)
    assert built is not None
    return built


def json_pointer(loc: Sequence[Any]) -> str:
    """A pydantic error location as a JSON pointer into the definition."""
    parts = []
    for part in loc:
        if isinstance(part, str) and part in {
            "pivot",
            "running_total",
            "percent_of_total",
            "period_change",
            "top_n",
            "str",
            "dict[Literal['zh-CN', 'en'],constrained-str]",
        }:
            continue  # pydantic's union branch names, not places in the document
        parts.append(str(part).replace("~", "~0").replace("/", "~1"))
    return "/" + "/".join(parts) if parts else ""


def parameter_of(
    spec: ParameterSpec, pointer: str, code: str
) -> tuple[p.Parameter, list[ReportProblem]]:
    """A parameter of a report or dashboard, with what is wrong with it (under `code`)."""
    problems = []
    if spec.type == "select" and not spec.options:
        problems.append(problem(f"{pointer}/options", code, "select_options"))
    if spec.multiple and spec.type != "select":
        problems.append(problem(f"{pointer}/multiple", code, "multiple_not_select"))
    parameter = p.Parameter(
        spec.key,
        _label(spec.label, spec.key),
        spec.type,
        pointer,
        spec.required,
        spec.default,
        None if spec.options is None else tuple(spec.options),
        spec.multiple,
    )
    unfit = unfit_default(parameter)
    if unfit is not None:
        problems.append(problem(f"{pointer}/default", code, "default_unfit", detail=unfit))
    return parameter, problems


def _label(given: Any, fallback: p.Label) -> p.Label:
    return cast(p.Label, given) if given is not None else fallback


def _format(spec: FormatSpec | None, info: FieldInfo | None = None) -> p.Format | None:
    """The format given, showing a fixed-currency money field in its currency unless the
    format names another."""
    currency = info.currency if info is not None and info.type == "money" else None
    if spec is None:
        return None if currency is None else p.Format("money", currency=currency)
    return p.Format(spec.style, spec.decimals, spec.currency or currency, spec.pattern)


class _Compiler:
    def __init__(self, spec: ReportSpec, env: ReportEnvironment) -> None:
        self.spec = spec
        self.env = env
        self.problems: list[ReportProblem] = []
        self.sources: dict[str, Mapping[str, FieldInfo]] = {}
        self.keys: dict[str, str] = {}  # output key -> what it is (dimension, measure, ...)

    def problem(self, pointer: str, code: str, key: str, /, **params: object) -> None:
        """Note the problem `key` of the catalog (`problems.PROBLEMS`) at `pointer`."""
        self.problems.append(problem(pointer, code, key, **params))

    # ------------------------------------------------------------ the whole

    def build(self, key: str, title: p.Label | None) -> p.ReportPlan | None:
        spec = self.spec
        dataset = self.dataset()
        try:
            ZoneInfo(spec.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            self.problem("/timezone", "E_REPORT_TIMEZONE", "timezone", zone=spec.timezone)
        self.kind_shape()
        parameters = tuple(self.parameters())
        dimensions = tuple(self.dimensions()) if dataset else ()
        measures, calculated = self.measures() if dataset else ((), ())
        columns = tuple(self.columns()) if dataset else ()
        filters = tuple(self.filters(parameters)) if dataset else ()
        if dataset is None:
            return None  # what names dimensions and measures would only repeat the problem
        post = tuple(self.post_steps(dimensions, measures, calculated))
        sort = tuple(self.sorts())
        drill = tuple(self.drills(dimensions, measures, calculated, parameters))
        chart = self.chart(spec.chart, dimensions)
        return p.ReportPlan(
            key=key,
            title=_label(spec.title, title if title is not None else key),
            kind=spec.kind,
            dataset=dataset,
            dimensions=dimensions,
            measures=measures,
            calculated=calculated,
            columns=columns,
            filters=filters,
            parameters=parameters,
            sort=sort,
            limit=spec.limit,
            post=post,
            drill=drill,
            chart=chart,
            timezone=spec.timezone,
        )

    def kind_shape(self) -> None:
        spec = self.spec
        if spec.kind == "summary":
            if spec.columns:
                self.problem("/columns", "E_REPORT_KIND", "summary_columns")
            if not spec.dimensions and not spec.measures:
                self.problem("/measures", "E_REPORT_EMPTY", "summary_empty")
        else:
            if spec.sort or spec.limit is not None:
                self.problem("/sort" if spec.sort else "/limit", "E_REPORT_KIND", "detail_sort")
            if spec.dimensions or spec.measures or spec.post:
                self.problem(
                    "/dimensions" if spec.dimensions else "/measures" if spec.measures else "/post",
                    "E_REPORT_KIND",
                    "detail_aggregates",
                )
            if not spec.columns:
                self.problem("/columns", "E_REPORT_EMPTY", "detail_empty")

    def claim(self, key: str, what: str, pointer: str) -> None:
        if key in self.keys:
            self.problem(
                pointer,
                "E_REPORT_DUPLICATE_KEY",
                "key_taken",
                key=key,
                what=OUTPUTS[self.keys[key]],
            )
        else:
            self.keys[key] = what

    # ------------------------------------------------------------ dataset

    def dataset(self) -> p.Dataset | None:
        spec = self.spec.dataset
        form = self.env.forms.get(spec.form)
        if form is None:
            self.problem(
                "/dataset/form",
                "E_REPORT_UNKNOWN_FORM",
                "unknown_form",
                form=spec.form,
                known=listing(sorted(self.env.forms), empty=NONE),
            )
            return None
        if spec.subtable is None:
            base: Mapping[str, FieldInfo] = form.fields
            self.sources[""] = {**SYSTEM_FIELDS, **form.fields}
        else:
            columns = self.subtable(form, spec.subtable)
            if columns is None:
                return None
            base = columns
            self.sources[""] = columns
            self.sources[PARENT] = {**SYSTEM_FIELDS, **form.fields}
        joins = []
        for index, join in enumerate(spec.joins):
            found = self.join(join.as_, join.lookup, base, f"/dataset/joins/{index}")
            if found is not None:
                joins.append(found)
        return p.Dataset(spec.form, spec.subtable, tuple(joins))

    def subtable(self, form: FormInfo, key: str) -> Mapping[str, FieldInfo] | None:
        """The columns of subtable `key` of the dataset's form (its rows are the dataset)."""
        pointer = "/dataset/subtable"
        columns = form.subtables.get(key)
        if key not in form.fields:
            self.problem(
                pointer,
                "E_REPORT_UNKNOWN_FIELD",
                "unknown_subtable",
                form=self.spec.dataset.form,
                key=key,
                known=listing(sorted(form.subtables), empty=NONE),
            )
        elif columns is None:
            self.problem(
                pointer,
                "E_REPORT_NOT_A_SUBTABLE",
                "not_a_subtable",
                key=key,
                kind=kind(form.fields[key].type),
            )
        elif self.spec.kind == "detail":
            self.problem(pointer, "E_REPORT_UNSUPPORTED", "detail_over_rows")
        elif PARENT in columns:
            self.problem(
                pointer, "E_REPORT_AMBIGUOUS_JOIN", "column_named_parent", key=key, parent=PARENT
            )
        else:
            return columns
        return None

    def join(
        self, alias: str, lookup: str, base: Mapping[str, FieldInfo], pointer: str
    ) -> p.Join | None:
        if alias in self.sources or alias in base or alias == PARENT:
            self.problem(f"{pointer}/as", "E_REPORT_AMBIGUOUS_JOIN", "alias_taken", alias=alias)
            return None
        source, _, name = lookup.rpartition(".")
        fields = self.sources.get(source)
        if fields is None:
            self.problem(
                f"{pointer}/lookup", "E_REPORT_UNKNOWN_JOIN", "join_not_before", source=source
            )
            return None
        info = fields.get(name)
        if info is None:
            self.problem(
                f"{pointer}/lookup", "E_REPORT_NOT_A_LOOKUP", "join_no_field", lookup=lookup
            )
            return None
        if info.type != "lookup" or info.lookup_form is None:
            self.problem(
                f"{pointer}/lookup",
                "E_REPORT_NOT_A_LOOKUP",
                "join_not_lookup",
                lookup=lookup,
                kind=kind(info.type),
            )
            return None
        target: FormInfo | None = self.env.forms.get(info.lookup_form)
        if target is None:
            self.problem(
                f"{pointer}/lookup",
                "E_REPORT_UNKNOWN_FORM",
                "join_form_unpublished",
                lookup=lookup,
                form=info.lookup_form,
            )
            return None
        self.sources[alias] = {**SYSTEM_FIELDS, **target.fields}
        return p.Join(alias, source, name, info.lookup_form, pointer)

    def field(self, path: str, pointer: str) -> tuple[p.FieldRef, FieldInfo] | None:
        source, _, name = path.rpartition(".")
        fields = self.sources.get(source)
        if fields is None:
            joins = listing(alias or OWN_FIELDS for alias in self.sources)
            self.problem(
                pointer, "E_REPORT_UNKNOWN_FIELD", "unknown_source", source=source, joins=joins
            )
            return None
        info = fields.get(name)
        if info is None:
            of_rows = not source and name in self.sources.get(PARENT, {})
            self.problem(
                pointer,
                "E_REPORT_UNKNOWN_FIELD",
                "no_field_of_rows" if of_rows else "no_field",
                where=self._where(source),
                name=name,
                parent=PARENT,
            )
            return None
        value_type = VALUE_TYPES.get(info.type)
        if value_type is None:
            self.problem(
                pointer,
                "E_REPORT_FIELD_UNUSABLE",
                "subtable_unusable" if info.type == "subtable" else "field_unusable",
                path=path,
                name=name,
            )
            return None
        return p.FieldRef(source, name, value_type), info

    def _where(self, source: str) -> Words:
        subtable = self.spec.dataset.subtable
        if source == PARENT and subtable is not None:
            return said("where_parent", form=self.spec.dataset.form)
        if not source:
            return said("where_form") if subtable is None else said("where_subtable", key=subtable)
        return said("where_join", key=source)

    # ------------------------------------------------------------ rows

    def dimensions(self) -> Iterator[p.Dimension]:
        for index, spec in enumerate(self.spec.dimensions):
            pointer = f"/dimensions/{index}"
            self.claim(spec.key, "dimension", f"{pointer}/key")
            found = self.field(spec.field, f"{pointer}/field")
            if found is None:
                continue
            ref, info = found
            if spec.grain is not None and ref.type not in ("date", "datetime"):
                self.problem(
                    f"{pointer}/grain",
                    "E_REPORT_GRAIN",
                    "grain_type",
                    field=spec.field,
                    kind=kind(ref.type),
                )
            if self.mixed(info):
                self.problem(
                    f"{pointer}/field",
                    "E_REPORT_MIXED_CURRENCIES",
                    "mixed_dimension",
                    field=spec.field,
                )
            buckets = None
            if spec.buckets is not None:
                buckets = self.buckets(spec, ref, pointer)
            yield p.Dimension(
                spec.key,
                _label(spec.label, info.label or spec.key),
                ref,
                pointer,
                spec.grain,
                buckets,
                _format(spec.format, info),
            )

    @staticmethod
    def mixed(info: FieldInfo) -> bool:
        """A money field whose values name their own currencies."""
        return info.type == "money" and info.currency is None

    def buckets(self, spec: Any, ref: p.FieldRef, pointer: str) -> p.Buckets | None:
        given = spec.buckets
        if ref.type not in NUMERIC:
            self.problem(
                f"{pointer}/buckets",
                "E_REPORT_BUCKETS",
                "buckets_type",
                field=spec.field,
                kind=kind(ref.type),
            )
            return None
        if spec.grain is not None:
            self.problem(f"{pointer}/buckets", "E_REPORT_BUCKETS", "grain_or_buckets")
        bounds = list(given.bounds)
        if any(b >= c for b, c in itertools.pairwise(bounds)):
            self.problem(f"{pointer}/buckets/bounds", "E_REPORT_BUCKETS", "bounds_ascending")
        if len(given.labels) != len(bounds) + 1:
            self.problem(
                f"{pointer}/buckets/labels",
                "E_REPORT_BUCKETS",
                "bucket_labels",
                bounds=len(bounds),
                buckets=len(bounds) + 1,
            )
        return p.Buckets(tuple(bounds), tuple(cast(p.Label, x) for x in given.labels))

    def measures(self) -> tuple[tuple[p.Measure, ...], tuple[p.Calculated, ...]]:
        measures: list[p.Measure] = []
        calculated: list[p.Calculated] = []
        for index, spec in enumerate(self.spec.measures):
            pointer = f"/measures/{index}"
            self.claim(spec.key, "measure", f"{pointer}/key")
            if (spec.function is None) == (spec.expression is None):
                self.problem(pointer, "E_REPORT_MEASURE", "measure_shape")
                continue
            if spec.expression is not None:
                known = [m.key for m in measures] + [c.key for c in calculated]
                found = self.calculated(spec, known, pointer)
                if found is not None:
                    calculated.append(found)
                continue
            found_measure = self.measure(spec, pointer)
            if found_measure is not None:
                measures.append(found_measure)
        return tuple(measures), tuple(calculated)

    def measure(self, spec: MeasureSpec, pointer: str) -> p.Measure | None:
        function = spec.function
        assert function is not None
        ref = None
        info: FieldInfo | None = None
        label: p.Label = spec.key
        if spec.field is None:
            if function != "count":
                self.problem(
                    f"{pointer}/field",
                    "E_REPORT_MEASURE",
                    "function_needs_field",
                    function=function,
                )
                return None
        else:
            found = self.field(spec.field, f"{pointer}/field")
            if found is None:
                return None
            ref, info = found
            label = info.label or spec.key
            allowed = (
                NUMERIC
                if function in ("sum", "avg", "median", "percentile")
                else ORDERED
                if function in ("min", "max")
                else None
            )
            if allowed is not None and ref.type not in allowed:
                self.problem(
                    f"{pointer}/function",
                    "E_REPORT_AGGREGATE_TYPE",
                    "aggregate_type",
                    function=function,
                    field=spec.field,
                    kind=kind(ref.type),
                    allowed=NUMBERS if allowed is NUMERIC else NUMBERS_AND_DATES,
                )
            elif allowed is not None and self.mixed(info):
                self.problem(
                    f"{pointer}/function",
                    "E_REPORT_MIXED_CURRENCIES",
                    "mixed_aggregate",
                    function=function,
                    field=spec.field,
                )
        percentile = spec.percentile
        if function == "median":
            percentile = Decimal(50)
        elif function == "percentile":
            if percentile is None or not Decimal(0) < percentile < Decimal(100):
                self.problem(f"{pointer}/percentile", "E_REPORT_PERCENTILE", "percentile_range")
        elif percentile is not None:
            self.problem(f"{pointer}/percentile", "E_REPORT_PERCENTILE", "percentile_alone")
        if function == "count" and spec.label is None:
            label = {"zh-CN": "数量", "en": "Count"} if ref is None else label
        return p.Measure(
            spec.key,
            _label(spec.label, label),
            function,
            ref,
            pointer,
            percentile,
            _format(spec.format, None if function in COUNTS else info),
        )

    def calculated(
        self, spec: MeasureSpec, known: Sequence[str], pointer: str
    ) -> p.Calculated | None:
        source = spec.expression
        assert source is not None
        scope = Scope.of(dict.fromkeys(known, "number"))
        try:
            compile_expression(source, scope)
            tree = parse(source, names=scope.known_names)
        except ExpressionError as exc:
            first = exc.diagnostics[0]
            self.problem(
                f"{pointer}/expression",
                first.code,
                "calculated_expression",
                line=first.line,
                column=first.column,
                detail=_detail(first),
            )
            return None
        depends = tuple(
            dict.fromkeys(n.name for n in walk(tree) if isinstance(n, Name) and n.name in known)
        )
        return p.Calculated(
            spec.key,
            _label(spec.label, spec.key),
            source,
            depends,
            pointer,
            _format(spec.format),
        )

    def columns(self) -> Iterator[p.DetailColumn]:
        for index, spec in enumerate(self.spec.columns):
            pointer = f"/columns/{index}"
            self.claim(spec.key, "column", f"{pointer}/key")
            found = self.field(spec.field, f"{pointer}/field")
            if found is None:
                continue
            ref, info = found
            yield p.DetailColumn(
                spec.key,
                _label(spec.label, info.label or spec.key),
                ref,
                pointer,
                _format(spec.format, info),
            )

    # ------------------------------------------------------------ inputs

    def parameters(self) -> Iterator[p.Parameter]:
        seen: set[str] = set()
        for index, spec in enumerate(self.spec.parameters):
            pointer = f"/parameters/{index}"
            if spec.key in seen:
                self.problem(
                    f"{pointer}/key", "E_REPORT_DUPLICATE_KEY", "parameter_again", key=spec.key
                )
                continue
            seen.add(spec.key)
            parameter, problems = parameter_of(spec, pointer, "E_REPORT_PARAMETER")
            self.problems.extend(problems)
            yield parameter

    def scope(self, parameters: Sequence[p.Parameter]) -> Scope:
        base = self.sources.get("", {})
        fields: dict[str, Any] = {
            name: EXPR_TYPES[VALUE_TYPES[info.type]]
            for name, info in base.items()
            if info.type in VALUE_TYPES
        }
        for alias, joined in self.sources.items():
            if alias:
                fields[alias] = {
                    name: EXPR_TYPES[VALUE_TYPES[info.type]]
                    for name, info in joined.items()
                    if info.type in VALUE_TYPES
                }
        params: dict[str, Any] = {}
        for parameter in parameters:
            kind = PARAMETER_TYPES[parameter.type]
            if parameter.type == "select" and parameter.options:
                first = parameter.options[0]
                kind = "number" if isinstance(first, int | float | Decimal) else "string"
            if parameter.multiple:
                kind = f"list<{kind}>"
            params[parameter.key] = kind
        return Scope.of(fields, extra={"params": as_type(params)})

    def filters(self, parameters: Sequence[p.Parameter]) -> Iterator[p.Filter]:
        scope = self.scope(parameters)
        for index, source in enumerate(self.spec.filters):
            pointer = f"/filters/{index}"
            try:
                ir = to_sql_ir(source, scope, predicate=True)
            except ExpressionError as exc:
                first = exc.diagnostics[0]
                self.problem(
                    pointer,
                    first.code,
                    "filter_expression",
                    line=first.line,
                    column=first.column,
                    detail=_detail(first),
                )
                continue
            for name in self.mixed_reads(source):
                self.problem(pointer, "E_REPORT_MIXED_CURRENCIES", "mixed_filter", field=name)
            choices = {
                name: info.options
                for name, info in self.sources.get("", {}).items()
                if info.options is not None
            }
            tree = parse(source)
            found: list[tuple[ForeignOption, frozenset[str] | None]] = [
                (foreign, choices[foreign.field]) for foreign in foreign_options(tree, choices)
            ]
            found += [(named, None) for named in names_compared(tree, self.people())]
            for where, options in found:  # text none of a choice's options, or a person's name
                self.problem(
                    pointer,
                    "E_REPORT_NOT_AN_OPTION" if options is not None else "E_REPORT_PEOPLE_BY_NAME",
                    "filter_not_an_option" if options is not None else "filter_people_by_name",
                    line=where.span.line,
                    column=where.span.column,
                    value=where.value,
                    field=where.field,
                    **({} if options is None else {"options": shown(options)}),
                )
            yield p.Filter(source, ir, pointer)

    def people(self) -> frozenset[str]:
        """The member and department fields a filter may name (`field` or `join.field`), and
        the record's own `department`: they hold ids (`owner` and `created_by` hold user
        names)."""
        return frozenset(
            name if alias == "" else f"{alias}.{name}"
            for alias, fields in self.sources.items()
            for name, info in fields.items()
            if info.type == "department"
            or (info.type == "user" and SYSTEM_FIELDS.get(name) is not info)
        )

    def mixed_reads(self, source: str) -> list[str]:
        """The money fields whose values name their own currencies that the filter `source`
        reads for their amount (a null test reads none), as `field` or `join.field`."""
        tree = parse(source)
        mixed = {
            (alias, name)
            for alias, fields in self.sources.items()
            for name, info in fields.items()
            if self.mixed(info)
        }
        joined = [
            f"{node.target.name}.{node.key}"
            for node in walk(tree)
            if isinstance(node, Path)
            and isinstance(node.target, Name)
            and (node.target.name, node.key) in mixed
        ]
        base = frozenset(name for alias, name in mixed if not alias)
        return read_beyond_null_tests(tree, base) + joined

    # ------------------------------------------------------------ after aggregation

    def post_steps(
        self,
        dimensions: Sequence[p.Dimension],
        measures: Sequence[p.Measure],
        calculated: Sequence[p.Calculated],
    ) -> Iterator[p.PostStep]:
        dims = {d.key: d for d in dimensions}
        values = {m.key for m in measures} | {c.key for c in calculated}
        for index, spec in enumerate(self.spec.post):
            pointer = f"/post/{index}"
            if isinstance(spec, PivotSpec):
                if index != len(self.spec.post) - 1:
                    self.problem(pointer, "E_REPORT_POST", "pivot_last")
                unknown = [k for k in (*spec.rows, *spec.columns) if k not in dims]
                unknown += [k for k in spec.values if k not in values]
                if unknown:
                    self.problem(pointer, "E_REPORT_POST", "pivot_keys", keys=listing(unknown))
                elif set(spec.rows) | set(spec.columns) != set(dims) or set(spec.rows) & set(
                    spec.columns
                ):
                    self.problem(pointer, "E_REPORT_POST", "pivot_cover")
                yield p.Pivot(
                    tuple(spec.rows),
                    tuple(spec.columns),
                    tuple(spec.values),
                    spec.totals,
                    spec.subtotals,
                    pointer,
                )
            elif isinstance(spec, RunningTotalSpec | PercentOfTotalSpec):
                self.need(spec.measure in values, pointer, "no_measure", key=spec.measure)
                missing = [k for k in spec.partition if k not in dims]
                self.need(not missing, pointer, "not_dimensions", keys=listing(missing))
                self.claim(spec.as_, "post step output", f"{pointer}/as")
                label = _label(spec.label, spec.as_)
                if isinstance(spec, RunningTotalSpec):
                    yield p.RunningTotal(
                        spec.measure, spec.as_, label, pointer, tuple(spec.partition)
                    )
                else:
                    yield p.PercentOfTotal(
                        spec.measure, spec.as_, label, pointer, tuple(spec.partition)
                    )
                values.add(spec.as_)
            elif isinstance(spec, PeriodChangeSpec):
                self.need(spec.measure in values, pointer, "no_measure", key=spec.measure)
                dim = dims.get(spec.dimension)
                self.need(
                    dim is not None and dim.grain is not None,
                    f"{pointer}/dimension",
                    "needs_grain",
                    key=spec.dimension,
                )
                self.claim(spec.as_, "post step output", f"{pointer}/as")
                yield p.PeriodChange(
                    spec.measure,
                    spec.dimension,
                    spec.as_,
                    _label(spec.label, spec.as_),
                    pointer,
                    spec.periods,
                    spec.mode,
                )
                values.add(spec.as_)
            elif isinstance(spec, TopNSpec):
                self.need(spec.dimension in dims, pointer, "no_dimension", key=spec.dimension)
                self.need(spec.measure in values, pointer, "no_measure", key=spec.measure)
                others = {"zh-CN": "其他", "en": "Others"}
                yield p.TopN(
                    spec.dimension,
                    spec.measure,
                    spec.n,
                    pointer,
                    spec.others,
                    _label(spec.others_label, others),
                )

    def need(self, condition: bool, pointer: str, key: str, /, **params: object) -> None:
        if not condition:
            self.problem(pointer, "E_REPORT_POST", key, **params)

    def sorts(self) -> Iterator[p.Sort]:
        for index, spec in enumerate(self.spec.sort):
            if spec.key not in self.keys:
                self.problem(
                    f"/sort/{index}/key",
                    "E_REPORT_UNKNOWN_KEY",
                    "unknown_sort_key",
                    key=spec.key,
                    keys=listing(self.keys),
                )
            yield p.Sort(spec.key, spec.direction == "desc")

    def drills(
        self,
        dimensions: Sequence[p.Dimension],
        measures: Sequence[p.Measure],
        calculated: Sequence[p.Calculated],
        parameters: Sequence[p.Parameter],
    ) -> Iterator[p.DrillLink]:
        dims = {d.key for d in dimensions}
        clickable = dims | {m.key for m in measures} | {c.key for c in calculated}
        clickable |= {c.key for c in self.spec.columns}
        params = {x.key for x in parameters}
        for index, spec in enumerate(self.spec.drill):
            pointer = f"/drill/{index}"
            if spec.on not in clickable:
                self.problem(f"{pointer}/on", "E_REPORT_DRILL", "no_column", key=spec.on)
            if (spec.list is None) == (spec.report is None):
                self.problem(pointer, "E_REPORT_DRILL", "drill_target")
                continue
            if spec.list is not None:
                if spec.list not in self.env.forms:
                    self.problem(
                        f"{pointer}/list", "E_REPORT_DRILL", "drill_no_form", form=spec.list
                    )
                elif self.spec.dataset.subtable is not None:
                    self.problem(f"{pointer}/list", "E_REPORT_DRILL", "drill_rows_to_list")
                elif spec.list != self.spec.dataset.form:
                    self.problem(f"{pointer}/list", "E_REPORT_DRILL", "drill_other_list")
                yield p.DrillLink(spec.on, "list", spec.list, pointer)
                continue
            assert spec.report is not None
            signature = self.env.reports.get(spec.report)
            if signature is None:
                self.problem(
                    f"{pointer}/report", "E_REPORT_DRILL", "drill_no_report", report=spec.report
                )
                continue
            for target, source in spec.parameters.items():
                where = f"{pointer}/parameters/{target}"
                if target not in signature.parameters:
                    self.problem(
                        where,
                        "E_REPORT_DRILL",
                        "report_no_parameter",
                        report=spec.report,
                        parameter=target,
                    )
                if source not in dims and source not in params:
                    self.problem(where, "E_REPORT_DRILL", "drill_source", source=source)
            yield p.DrillLink(spec.on, "report", spec.report, pointer, dict(spec.parameters))

    def chart(self, spec: ChartSpec | None, dimensions: Sequence[p.Dimension]) -> p.Chart | None:
        if spec is None:
            return None
        needs_x, fewest, most = CHART_NEEDS[spec.type]
        dims = {d.key for d in dimensions} | {c.key for c in self.spec.columns}
        numbers = {k for k, what in self.keys.items() if what != "dimension"}
        chart = CHARTS[spec.type]
        if needs_x and spec.x is None:
            self.problem("/chart/x", "E_REPORT_CHART", "chart_needs_x", chart=chart)
        if spec.x is not None and spec.x not in dims:
            self.problem("/chart/x", "E_REPORT_CHART", "no_dimension", key=spec.x)
        if not fewest <= len(spec.y) <= most:
            self.problem(
                "/chart/y",
                "E_REPORT_CHART",
                "chart_y_count" if most == fewest else "chart_y_range",
                chart=chart,
                count=fewest,
                fewest=fewest,
                most=most,
            )
        for index, key in enumerate(spec.y):
            if key not in numbers:
                self.problem(f"/chart/y/{index}", "E_REPORT_CHART", "no_measure", key=key)
        if spec.series is not None and (spec.series not in dims or spec.series == spec.x):
            self.problem("/chart/series", "E_REPORT_CHART", "chart_series")
        if spec.type == "heatmap" and spec.series is None:
            self.problem("/chart/series", "E_REPORT_CHART", "heatmap_series")
        return p.Chart(
            spec.type,
            "/chart",
            spec.x,
            tuple(spec.y),
            spec.series,
            spec.horizontal,
            None if spec.title is None else cast(p.Label, spec.title),
        )


def _detail(diagnostic: Diagnostic) -> Words:
    """An expression diagnostic as a problem quotes it: its message and its hint, in each
    language."""
    return diagnostic.detail()
