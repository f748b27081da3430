"""The report definition as JSON (kind `report`): frozen pydantic models, strict about shape.

What needs the app (fields, types, other reports) is checked by `compile_report`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from brickwork.engines.report.plan import ChartType

Key = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,62}$")]
FieldPath = Annotated[
    str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,62}(\.[a-z][a-z0-9_]{0,62})?$")
]
Text = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Label = Text | dict[Literal["zh-CN", "en"], Text]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FormatSpec(Strict):
    style: Literal["number", "money", "percent", "date", "datetime", "text"] = "text"
    decimals: int | None = Field(default=None, ge=0, le=10)
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")] | None = None
    pattern: Annotated[str, StringConstraints(max_length=40)] | None = None


class JoinSpec(Strict):
    as_: Key = Field(alias="as", description="The alias its fields are reached by: `rm.name`")
    lookup: FieldPath = Field(description="A lookup field of the base form or of an earlier join")

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class DatasetSpec(Strict):
    form: Key
    subtable: Key | None = Field(
        default=None,
        description="A subtable field of the form: one dataset row per subtable row (summary "
        "reports); its columns by name, the record's fields as `parent.<field>`",
    )
    joins: list[JoinSpec] = Field(default_factory=list, max_length=8)


class BucketsSpec(Strict):
    bounds: list[Decimal] = Field(min_length=1, max_length=50)
    labels: list[Label]


class DimensionSpec(Strict):
    key: Key
    field: FieldPath
    label: Label | None = None
    grain: Literal["day", "week", "month", "quarter", "year"] | None = None
    buckets: BucketsSpec | None = None
    format: FormatSpec | None = None


class MeasureSpec(Strict):
    key: Key
    label: Label | None = None
    function: (
        Literal["count", "count_distinct", "sum", "avg", "min", "max", "median", "percentile"]
        | None
    ) = None
    field: FieldPath | None = None
    percentile: Decimal | None = None
    expression: Annotated[str, StringConstraints(min_length=1, max_length=2000)] | None = None
    format: FormatSpec | None = None


class ColumnSpec(Strict):
    key: Key
    field: FieldPath
    label: Label | None = None
    format: FormatSpec | None = None


class ParameterSpec(Strict):
    key: Key
    type: Literal["date_range", "date", "select", "user", "department", "number", "text"]
    label: Label | None = None
    required: bool = False
    default: Any = None
    options: list[Any] | None = Field(default=None, max_length=500)
    multiple: bool = False


class SortSpec(Strict):
    key: Key
    direction: Literal["asc", "desc"] = "asc"


class PivotSpec(Strict):
    step: Literal["pivot"]
    rows: list[Key] = Field(min_length=1)
    columns: list[Key] = Field(min_length=1)
    values: list[Key] = Field(min_length=1)
    totals: bool = True
    subtotals: bool = False


class RunningTotalSpec(Strict):
    step: Literal["running_total"]
    measure: Key
    as_: Key = Field(alias="as")
    label: Label | None = None
    partition: list[Key] = Field(default_factory=list)

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class PercentOfTotalSpec(Strict):
    step: Literal["percent_of_total"]
    measure: Key
    as_: Key = Field(alias="as")
    label: Label | None = None
    partition: list[Key] = Field(default_factory=list)

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class PeriodChangeSpec(Strict):
    step: Literal["period_change"]
    measure: Key
    dimension: Key
    as_: Key = Field(alias="as")
    label: Label | None = None
    periods: int = Field(default=1, ge=1, le=60)
    mode: Literal["absolute", "ratio"] = "ratio"

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class TopNSpec(Strict):
    step: Literal["top_n"]
    dimension: Key
    measure: Key
    n: int = Field(ge=1, le=1000)
    others: bool = True
    others_label: Label | None = None


PostSpec = Annotated[
    PivotSpec | RunningTotalSpec | PercentOfTotalSpec | PeriodChangeSpec | TopNSpec,
    Field(discriminator="step"),
]


class DrillSpec(Strict):
    on: Key
    list: Key | None = None
    report: Key | None = None
    parameters: dict[Key, Key] = Field(default_factory=dict)


class ChartSpec(Strict):
    type: ChartType
    x: Key | None = None
    y: list[Key] = Field(default_factory=list, max_length=10)
    series: Key | None = None
    horizontal: bool = False
    title: Label | None = None


class ReportSpec(Strict):
    schema_version: Literal[1] = 1
    title: Label | None = None
    kind: Literal["summary", "detail"] = "summary"
    dataset: DatasetSpec
    dimensions: list[DimensionSpec] = Field(default_factory=list, max_length=8)
    measures: list[MeasureSpec] = Field(default_factory=list, max_length=30)
    columns: list[ColumnSpec] = Field(default_factory=list, max_length=100)
    filters: list[Annotated[str, StringConstraints(min_length=1, max_length=4000)]] = Field(
        default_factory=list, max_length=20
    )
    parameters: list[ParameterSpec] = Field(default_factory=list, max_length=20)
    sort: list[SortSpec] = Field(default_factory=list, max_length=10)
    limit: int | None = Field(default=None, ge=1, le=100_000)
    post: list[PostSpec] = Field(default_factory=list, max_length=10)
    drill: list[DrillSpec] = Field(default_factory=list, max_length=20)
    chart: ChartSpec | None = None
    timezone: Annotated[str, StringConstraints(max_length=64)] = "Asia/Shanghai"


def report_json_schema() -> dict[str, Any]:
    """The JSON Schema of a report definition's `spec`."""
    return ReportSpec.model_json_schema(by_alias=True)
