"""Parameter tables: regulatory and business values as dated, sourced data.

A parameter table holds rows of `key`, `value`, `effective_from`, optional `effective_to` and
`source`. A row is in force on every day `d` with `effective_from <= d` and, when
`effective_to` is given, `d <= effective_to` (both ends inclusive). Periods of the same key may
not overlap, so on any day a key has at most one value; gaps are allowed (no value then).
Rules and formulas read values through the expression functions `parameter`, `parameters` and
`convert currency`, which call the `ParameterSource` the platform puts into
`EvaluationContext(parameters=...)`; a bank changes a threshold by publishing a new version of
the table (a new row from a date), never by editing rules, and a past case is re-evaluated with
the values in force on its own date.

Pure data and lookups: no I/O, no clock.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from brickwork.engines.expr import parse
from brickwork.engines.expr.diagnostics import ExprSyntaxError
from brickwork.engines.expr.library.parameters import EXCHANGE_RATES
from brickwork.engines.expr.syntax import Call, String

ParameterKey = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_./-]{0,99}$"),
    Field(description="Letters, digits and `_ . / -` (max 100), e.g. `cash_cny`, `USD/CNY`."),
]
ValueType = Literal["number", "text", "boolean", "date", "list", "context", "any"]
Source = Annotated[str, StringConstraints(min_length=1, max_length=500)]


class ParameterRow(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    key: ParameterKey
    value: Any = Field(description="The value; its kind must match the table's `value_type`.")
    effective_from: date
    effective_to: date | None = Field(
        default=None, description="Last day in force (inclusive); absent: open-ended."
    )
    source: Source | None = Field(
        default=None, description="Where the value comes from; absent: the table's `source`."
    )
    note: str | None = Field(default=None, max_length=2000)


class ParameterTableSpec(BaseModel):
    """The `spec` of a `parameter_table` definition."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    value_type: ValueType = "any"
    unit: str | None = Field(default=None, min_length=1, max_length=50)
    source: Source | None = Field(
        default=None, description="The regulation, circular or policy the values come from."
    )
    description: str | None = Field(default=None, max_length=4000)
    rows: tuple[ParameterRow, ...] = Field(max_length=10_000, description="At least one.")


@dataclass(frozen=True, slots=True)
class ParameterProblem:
    pointer: str
    """JSON pointer relative to the spec, e.g. `/rows/3/effective_to`."""
    code: str
    message: str
    zh_cn: str | None = None
    """The message in Simplified Chinese."""


class ParameterTableError(ValueError):
    def __init__(self, problems: list[ParameterProblem]) -> None:
        super().__init__("; ".join(f"{p.pointer}: {p.message}" for p in problems))
        self.problems = problems


class ParameterLookupError(LookupError):
    """No such table or key, or no value in force on the day asked; carries a stable code."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


def _kind_problem(value: Any, value_type: ValueType) -> str | None:
    if value is None:
        return "a value is required"
    if value_type == "number":
        ok = isinstance(value, int | Decimal) and not isinstance(value, bool)
        return None if ok else "must be a number"
    if value_type == "text":
        return None if isinstance(value, str) else "must be a text"
    if value_type == "boolean":
        return None if isinstance(value, bool) else "must be true or false"
    if value_type == "date":
        if isinstance(value, str):
            try:
                date.fromisoformat(value)
            except ValueError:
                pass
            else:
                return None if len(value) == 10 else "must be a date written YYYY-MM-DD"
        return "must be a date written YYYY-MM-DD"
    if value_type == "list":
        return None if isinstance(value, list) else "must be a list"
    if value_type == "context":
        return None if isinstance(value, dict) else "must be an object"
    return None


def _no_floats(value: Any) -> bool:
    if isinstance(value, float):
        return False
    if isinstance(value, list):
        return all(_no_floats(item) for item in value)
    if isinstance(value, dict):
        return all(_no_floats(item) for item in value.values())
    return True


KIND_PROBLEMS_ZH = {
    "a value is required": "须填写",
    "must be a number": "须为数字",
    "must be a text": "须为文本",
    "must be true or false": "须为 true 或 false",
    "must be a date written YYYY-MM-DD": "须为 YYYY-MM-DD 格式的日期",
    "must be a list": "须为列表",
    "must be an object": "须为对象",
}
"""What `_kind_problem` says, in Chinese."""


def check_table(spec: Mapping[str, Any]) -> Iterator[ParameterProblem]:
    """Every problem of a table spec, with pointers: shape, value kinds, periods, overlaps."""
    try:
        table = ParameterTableSpec.model_validate(spec)
    except ValidationError as exc:
        for error in exc.errors():
            pointer = "".join(f"/{part}" for part in error["loc"])
            detail = error["msg"]
            yield ParameterProblem(
                pointer, "E_PARAM_SCHEMA", detail, f"参数表的结构不符合要求：{detail}"
            )
        return
    if not table.rows:
        yield ParameterProblem(
            "/rows", "E_PARAM_SCHEMA", "a table needs at least one row", "参数表至少需要一行"
        )
    by_key: dict[str, list[tuple[int, ParameterRow]]] = {}
    for index, row in enumerate(table.rows):
        found = list(_row_problems(f"/rows/{index}", row, table))
        yield from found
        if not any(p.code == "E_PARAM_PERIOD" for p in found):
            by_key.setdefault(row.key, []).append((index, row))
    for key, rows in by_key.items():
        yield from _overlaps(key, rows)


def _row_problems(
    at: str, row: ParameterRow, table: ParameterTableSpec
) -> Iterator[ParameterProblem]:
    kind_problem = _kind_problem(row.value, table.value_type)
    if kind_problem:
        yield ParameterProblem(
            f"{at}/value",
            "E_PARAM_VALUE_TYPE",
            f"the value of {row.key!r} {kind_problem} (the table's value_type is "
            f"{table.value_type})",
            f"{row.key!r} 的值{KIND_PROBLEMS_ZH[kind_problem]}（参数表的 value_type 为 "
            f"{table.value_type}）",
        )
    elif not _no_floats(row.value):
        yield ParameterProblem(
            f"{at}/value",
            "E_PARAM_VALUE_TYPE",
            "numbers must be exact",
            "数字须为精确的十进制数（不接受二进制浮点数）",
        )
    if row.effective_to is not None and row.effective_to < row.effective_from:
        yield ParameterProblem(
            f"{at}/effective_to",
            "E_PARAM_PERIOD",
            f"{row.key!r} ends on {row.effective_to} before it starts on {row.effective_from}",
            f"{row.key!r} 的失效日 {row.effective_to} 早于生效日 {row.effective_from}",
        )
    elif row.source is None and table.source is None:
        yield ParameterProblem(
            f"{at}/source",
            "E_PARAM_SOURCE",
            f"{row.key!r} has no source: give the row or the table a `source`",
            f"{row.key!r} 没有出处：请为该行或整张参数表填写 `source`",
        )


def _overlaps(key: str, rows: list[tuple[int, ParameterRow]]) -> Iterator[ParameterProblem]:
    rows = sorted(rows, key=lambda item: item[1].effective_from)
    reach_index, reach = rows[0]  # the row whose period reaches furthest so far
    for index, row in rows[1:]:
        if reach.effective_to is None or reach.effective_to >= row.effective_from:
            until = f"to {reach.effective_to}" if reach.effective_to else "open-ended"
            until_zh = f"至 {reach.effective_to}" if reach.effective_to else "无截止日"
            yield ParameterProblem(
                f"/rows/{index}/effective_from",
                "E_PARAM_OVERLAP",
                f"{key!r} from {row.effective_from} overlaps the row at /rows/{reach_index} "
                f"(from {reach.effective_from}, {until}): end that row the day before",
                f"{key!r} 自 {row.effective_from} 起与 /rows/{reach_index} 的行（自 "
                f"{reach.effective_from}，{until_zh}）重叠：请让那一行在此前一天结束",
            )
        if reach.effective_to is not None and (
            row.effective_to is None or row.effective_to > reach.effective_to
        ):
            reach_index, reach = index, row


def _convert(value: Any, value_type: ValueType) -> Any:
    if value_type == "date":
        return date.fromisoformat(value)
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, list):
        return [_convert(item, "any") for item in value]
    if isinstance(value, dict):
        return {str(k): _convert(item, "any") for k, item in value.items()}
    return value


@dataclass(frozen=True, slots=True)
class _Period:
    start: date
    end: date | None
    value: Any


class ParameterTable:
    """A checked table, ready for lookups by key and day."""

    __slots__ = ("_periods", "_starts", "name", "spec")

    def __init__(self, name: str, spec: Mapping[str, Any] | ParameterTableSpec) -> None:
        raw = spec.model_dump() if isinstance(spec, ParameterTableSpec) else spec
        problems = list(check_table(raw))
        if problems:
            raise ParameterTableError(problems)
        self.name = name
        self.spec = ParameterTableSpec.model_validate(raw)
        periods: dict[str, list[_Period]] = {}
        for row in self.spec.rows:
            periods.setdefault(row.key, []).append(
                _Period(
                    row.effective_from, row.effective_to, _convert(row.value, self.spec.value_type)
                )
            )
        for rows in periods.values():
            rows.sort(key=lambda period: period.start)
        self._periods = periods
        self._starts = {key: [p.start for p in rows] for key, rows in periods.items()}

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(self._periods)

    def value(self, key: str, day: date) -> Any:
        periods = self._periods.get(key)
        if periods is None:
            raise ParameterLookupError(
                f"parameter table {self.name!r} has no key {key!r}", "E_PARAM_UNKNOWN_KEY"
            )
        found = self._in_force(key, periods, day)
        if found is None:
            raise ParameterLookupError(
                f"{self.name}.{key} has no value in force on {day.isoformat()}",
                "E_PARAM_NOT_IN_FORCE",
            )
        return found.value

    def values(self, day: date) -> dict[str, Any]:
        """Every key with a value in force on `day`."""
        result: dict[str, Any] = {}
        for key, periods in self._periods.items():
            found = self._in_force(key, periods, day)
            if found is not None:
                result[key] = found.value
        return result

    def _in_force(self, key: str, periods: list[_Period], day: date) -> _Period | None:
        index = bisect_right(self._starts[key], day) - 1
        if index < 0:
            return None
        period = periods[index]
        return period if period.end is None or day <= period.end else None


class ParameterSet:
    """Tables by name: what the platform hands to an evaluation as its parameter source.

    `resolve` (optional) is asked for names not given up front (e.g. a table of another app,
    loaded on first use); it returns None for an unknown name."""

    __slots__ = ("_resolve", "_tables")

    def __init__(
        self,
        tables: Mapping[str, ParameterTable] | None = None,
        resolve: Any = None,
    ) -> None:
        self._tables: dict[str, ParameterTable | None] = dict(tables or {})
        self._resolve = resolve

    def table(self, name: str) -> ParameterTable:
        if name not in self._tables:
            self._tables[name] = self._resolve(name) if self._resolve is not None else None
        found = self._tables[name]
        if found is None:
            raise ParameterLookupError(
                f"there is no published parameter table {name!r}", "E_PARAM_UNKNOWN_TABLE"
            )
        return found

    def parameter(self, table: str, key: str, day: date) -> Any:
        return self.table(table).value(key, day)

    def parameters(self, table: str, day: date) -> dict[str, Any]:
        return self.table(table).values(day)


# ---------------------------------------------------------------- references in expressions

PARAMETER_FUNCTIONS = frozenset({"parameter", "parameters", "convert currency"})


@dataclass(frozen=True, slots=True)
class ParameterCall:
    """A call of a parameter function whose table (and key) are written as literal texts."""

    function: str
    table: str
    key: str | None
    line: int
    column: int


def parameter_calls(source: str) -> list[ParameterCall]:
    """The parameter-function calls of an expression that name their table literally (a table
    or key computed at run time is checked then). Text that does not parse yields none: the
    definition's own checks report it."""
    if not any(name in source for name in ("parameter", "convert currency")):
        return []
    try:
        tree = parse(source)
    except ExprSyntaxError:
        return []
    return list(_calls(tree))


def _calls(node: Any) -> Iterator[ParameterCall]:
    if isinstance(node, Call) and node.function in PARAMETER_FUNCTIONS:
        args = [arg.value for arg in node.args if arg.name is None]
        named = {arg.name: arg.value for arg in node.args if arg.name is not None}
        table_at, key_at = (4, None) if node.function == "convert currency" else (0, 1)
        table = named.get("rates" if table_at == 4 else "table")
        if table is None and len(args) > table_at:
            table = args[table_at]
        elif table is None and node.function == "convert currency":
            table = String(EXCHANGE_RATES)
        key = named.get("key") if key_at is not None else None
        if key is None and key_at is not None and node.function == "parameter" and len(args) > 1:
            key = args[key_at]
        if isinstance(table, String):
            yield ParameterCall(
                node.function,
                table.value,
                key.value if isinstance(key, String) else None,
                node.span.line,
                node.span.column,
            )
    if hasattr(node, "__dataclass_fields__"):
        for name in node.__dataclass_fields__:
            if name != "span":
                yield from _calls(getattr(node, name))
    elif isinstance(node, tuple | list):
        for item in node:
            yield from _calls(item)
