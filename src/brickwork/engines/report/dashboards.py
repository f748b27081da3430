"""Dashboards (kind `dashboard`): a grid of published reports with shared parameters and
cross-filters, compiled against the app's reports with every problem and its pointer.

- The grid has 12 columns; items may not overlap.
- `parameters` are the dashboard's own (typed like a report's); each item maps report parameter
  keys to dashboard parameter keys of the same type.
- A cross-filter `{"from": "by_tier", "dimension": "tier", "to": ["detail"], "parameter": "tier"}`
  means: a click on a value of dimension `tier` in item `by_tier` sets parameter `tier` of the
  `to` items to that value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from brickwork.engines.bilingual import NONE, listing
from brickwork.engines.report.compiler import ReportDefinitionError, json_pointer, parameter_of
from brickwork.engines.report.definition import Key, Label, ParameterSpec
from brickwork.engines.report.environment import ReportEnvironment
from brickwork.engines.report.plan import Parameter
from brickwork.engines.report.problems import ReportProblem, kind, problem, schema_zh

COLUMNS = 12

ItemId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,62}$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class ItemSpec(_Strict):
    id: ItemId
    report: Key
    x: int = Field(ge=0, le=COLUMNS - 1)
    y: int = Field(ge=0, le=1000)
    w: int = Field(ge=1, le=COLUMNS)
    h: int = Field(ge=1, le=100)
    parameters: dict[Key, Key] = Field(default_factory=dict)


class CrossFilterSpec(_Strict):
    from_: ItemId = Field(alias="from")
    dimension: Key
    to: list[ItemId] = Field(min_length=1)
    parameter: Key


class DashboardSpec(_Strict):
    schema_version: int = Field(default=1, ge=1, le=1)
    title: Label | None = None
    parameters: list[ParameterSpec] = Field(default_factory=list, max_length=20)
    items: list[ItemSpec] = Field(min_length=1, max_length=40)
    cross_filters: list[CrossFilterSpec] = Field(default_factory=list, max_length=40)


@dataclass(frozen=True, slots=True)
class DashboardItem:
    id: str
    report: str
    x: int
    y: int
    w: int
    h: int
    parameters: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CrossFilter:
    source: str
    dimension: str
    targets: tuple[str, ...]
    parameter: str


@dataclass(frozen=True, slots=True)
class DashboardPlan:
    key: str
    title: Any
    parameters: tuple[Parameter, ...]
    items: tuple[DashboardItem, ...]
    cross_filters: tuple[CrossFilter, ...] = ()

    def item_parameters(
        self, given: Mapping[str, Any], clicks: Mapping[str, Mapping[str, Any]]
    ) -> dict[str, dict[str, Any]]:
        """Each item's report parameters: the dashboard's values through the item's mapping,
        then what cross-filters set from `clicks` (item id -> {dimension: clicked value})."""
        found: dict[str, dict[str, Any]] = {}
        for item in self.items:
            found[item.id] = {
                target: given[source]
                for target, source in item.parameters.items()
                if source in given
            }
        for cross in self.cross_filters:
            clicked = clicks.get(cross.source, {})
            if cross.dimension in clicked:
                for target in cross.targets:
                    found[target][cross.parameter] = clicked[cross.dimension]
        return found


def compile_dashboard(
    spec: Mapping[str, Any], env: ReportEnvironment, *, key: str = "dashboard", title: Any = None
) -> DashboardPlan:
    """The plan of a dashboard, or `ReportDefinitionError` with every problem."""
    try:
        parsed = DashboardSpec.model_validate(spec)
    except ValidationError as exc:
        raise ReportDefinitionError(
            [
                ReportProblem(json_pointer(e["loc"]), "E_DASHBOARD_SCHEMA", e["msg"], schema_zh(e))
                for e in exc.errors()
            ]
        ) from None
    compiler = _Compiler(env)
    parameters = compiler.parameters(parsed.parameters)
    items = compiler.items(parsed.items)
    crosses = compiler.crosses(parsed.cross_filters, {item.id: item.report for item in items})
    if compiler.problems:
        raise ReportDefinitionError(compiler.problems)
    return DashboardPlan(
        key,
        parsed.title if parsed.title is not None else (title or key),
        parameters,
        items,
        crosses,
    )


class _Compiler:
    def __init__(self, env: ReportEnvironment) -> None:
        self.env = env
        self.problems: list[ReportProblem] = []
        self.types: dict[str, str] = {}

    def problem(self, pointer: str, code: str, key: str, /, **params: object) -> None:
        """Note the problem `key` of the catalog (`problems.PROBLEMS`) at `pointer`."""
        self.problems.append(problem(pointer, code, key, **params))

    def parameters(self, given: Sequence[ParameterSpec]) -> tuple[Parameter, ...]:
        found = []
        for index, spec in enumerate(given):
            pointer = f"/parameters/{index}"
            parameter, problems = parameter_of(spec, pointer, "E_DASHBOARD_PARAMETER")
            self.problems.extend(problems)
            if spec.key in self.types:
                self.problem(
                    f"{pointer}/key", "E_DASHBOARD_PARAMETER", "parameter_again", key=spec.key
                )
            self.types[spec.key] = spec.type
            found.append(parameter)
        return tuple(found)

    def items(self, given: Sequence[ItemSpec]) -> tuple[DashboardItem, ...]:
        items: list[DashboardItem] = []
        for index, spec in enumerate(given):
            pointer = f"/items/{index}"
            if any(item.id == spec.id for item in items):
                self.problem(f"{pointer}/id", "E_DASHBOARD_DUPLICATE_ID", "item_again", id=spec.id)
            if spec.x + spec.w > COLUMNS:
                self.problem(pointer, "E_DASHBOARD_GRID", "item_grid", columns=COLUMNS)
            for other in items:
                if _overlap(spec, other):
                    self.problem(pointer, "E_DASHBOARD_OVERLAP", "item_overlap", item=other.id)
            self.mapping(spec, pointer)
            items.append(
                DashboardItem(
                    spec.id, spec.report, spec.x, spec.y, spec.w, spec.h, dict(spec.parameters)
                )
            )
        return tuple(items)

    def mapping(self, spec: ItemSpec, pointer: str) -> None:
        signature = self.env.reports.get(spec.report)
        if signature is None:
            self.problem(
                f"{pointer}/report",
                "E_DASHBOARD_UNKNOWN_REPORT",
                "item_no_report",
                report=spec.report,
                known=listing(sorted(self.env.reports), empty=NONE),
            )
            return
        for target, source in spec.parameters.items():
            where = f"{pointer}/parameters/{target}"
            wanted = signature.parameters.get(target)
            if wanted is None:
                self.problem(
                    where,
                    "E_DASHBOARD_PARAMETER",
                    "report_no_parameter",
                    report=spec.report,
                    parameter=target,
                )
            elif source not in self.types:
                self.problem(
                    where, "E_DASHBOARD_PARAMETER", "dashboard_no_parameter", parameter=source
                )
            elif self.types[source] != wanted:
                self.problem(
                    where,
                    "E_DASHBOARD_PARAMETER",
                    "parameter_types",
                    source=source,
                    given=kind(self.types[source]),
                    target=target,
                    wanted=kind(wanted),
                )

    def crosses(
        self, given: Sequence[CrossFilterSpec], reports: Mapping[str, str]
    ) -> tuple[CrossFilter, ...]:
        found = []
        for index, cross in enumerate(given):
            pointer = f"/cross_filters/{index}"
            source = reports.get(cross.from_)
            signature = None if source is None else self.env.reports.get(source)
            if source is None:
                self.problem(
                    f"{pointer}/from", "E_DASHBOARD_CROSS_FILTER", "no_item", item=cross.from_
                )
            elif signature is not None and cross.dimension not in signature.dimensions:
                self.problem(
                    f"{pointer}/dimension",
                    "E_DASHBOARD_CROSS_FILTER",
                    "report_no_dimension",
                    report=source,
                    dimension=cross.dimension,
                )
            for position, target in enumerate(cross.to):
                report = reports.get(target)
                target_signature = None if report is None else self.env.reports.get(report)
                if report is None:
                    self.problem(
                        f"{pointer}/to/{position}",
                        "E_DASHBOARD_CROSS_FILTER",
                        "no_item",
                        item=target,
                    )
                elif (
                    target_signature is not None
                    and cross.parameter not in target_signature.parameters
                ):
                    self.problem(
                        f"{pointer}/parameter",
                        "E_DASHBOARD_CROSS_FILTER",
                        "item_no_parameter",
                        report=report,
                        item=target,
                        parameter=cross.parameter,
                    )
            found.append(
                CrossFilter(cross.from_, cross.dimension, tuple(cross.to), cross.parameter)
            )
        return tuple(found)


def _overlap(a: ItemSpec, b: DashboardItem) -> bool:
    return bool(a.x < b.x + b.w and b.x < a.x + a.w and a.y < b.y + b.h and b.y < a.y + a.h)
