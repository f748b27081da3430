"""The shape of a field-type registry entry, and the small helpers entries share.

A `FieldType` bundles what the engine and the platform need to know about one type: its storage
kind (which the platform maps to SQL column types), strict input coercion, per-field constraint
checks, display text, a JSON Schema fragment, and the default mask and sensitivity class. This
module must not import the platform or any SQL library; storage is described, never created.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, tzinfo
from enum import StrEnum
from typing import Any, Generic, Protocol, TypeVar

from brickwork.engines.form.elements import FieldBase, Sensitivity
from brickwork.engines.form.problems import Locale, Problem, Words, problem
from brickwork.engines.identifiers import Fault, IdentifierResult

F = TypeVar("F", bound=FieldBase)
JsonSchema = dict[str, Any]


class StorageKind(StrEnum):
    """Kinds of storage; the platform maps each to a column type per database."""

    TEXT = "text"
    INTEGER = "integer"
    DECIMAL = "decimal"
    MONEY = "money"
    """An exact amount (DECIMAL(precision, scale)) plus a currency code (CHAR(3))."""
    BOOLEAN = "boolean"
    DATE = "date"
    DATETIME = "datetime"
    """An instant, stored in UTC."""
    TIME = "time"
    JSON = "json"
    REFERENCE = "reference"
    """Id(s) of another record, user or department (`Storage.target`)."""
    NONE = "none"
    """No column of its own (a subtable is a child table)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Storage:
    kind: StorageKind
    max_length: int | None = None
    precision: int | None = None
    scale: int | None = None
    target: str | None = None
    """For references: `form:<key>`, `form:<app>/<key>`, `user` or `department`."""
    multiple: bool = False


@dataclass(frozen=True, slots=True)
class CoerceContext:
    """What coercion needs from the outside world; the platform builds it per request."""

    today: date


@dataclass(frozen=True, slots=True)
class DisplayContext:
    """Who reads: the language and the time zone to show instants in."""

    locale: Locale = "zh-CN"
    zone: tzinfo = UTC


@dataclass(frozen=True, slots=True)
class Coerced:
    """The typed value (None when absent or refused), its problems and warnings."""

    value: Any
    problems: tuple[Problem, ...] = ()
    warnings: tuple[Problem, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems


def accept(value: object, *, warnings: tuple[Problem, ...] = ()) -> Coerced:
    return Coerced(value, (), warnings)


def refuse(*problems: Problem) -> Coerced:
    return Coerced(None, problems)


FAULT_WORDS: dict[str | int, Words] = {
    "digits": Words("数字", "digits"),
    "letters": Words("大写字母", "capital letters"),
    "letters or digits": Words("数字或大写字母", "digits or capital letters"),
}
"""Message parameters of identifier faults that read differently by language."""


def problem_of(found: Fault) -> Problem:
    """The form engine's problem (both messages) for a fault an identifier check found."""
    params = {name: FAULT_WORDS.get(value, value) for name, value in found.params}
    return problem(found.code, pointer=found.pointer, **params)


def from_identifier(result: IdentifierResult) -> Coerced:
    """The outcome of an identifier check as a coercion: the normalised text, or its problems."""
    warnings = tuple(problem_of(found) for found in result.warnings)
    if result.problems:
        return Coerced(None, tuple(problem_of(found) for found in result.problems), warnings)
    return accept(result.normalized, warnings=warnings)


@dataclass(frozen=True, kw_only=True)  # no slots: `FieldType[X](...)` sets __orig_class__
class FieldType(Generic[F]):
    """One registry entry. Functions receive values already coerced by `coerce` (never None)."""

    name: str
    summary: Words
    storage: Callable[[F], Storage]
    coerce: Callable[[object, F, CoerceContext], Coerced]
    validate: Callable[[Any, F], tuple[Problem, ...]]
    display: Callable[[Any, F, DisplayContext], str]
    schema: Callable[[F], JsonSchema]
    mask: str
    sensitivity: Sensitivity
    to_json: Callable[[Any, F], Any] = lambda value, field: value
    """The JSON-ready form of a coerced value (Decimals, dates and times stay as they are)."""


# ---------------------------------------------------------------- shared helpers


def is_blank(raw: object) -> bool:
    """No value: None, or a string of white space only (what empty inputs and CSV cells send)."""
    return raw is None or (isinstance(raw, str) and not raw.strip())


def coerce_with(
    entry: FieldType[Any], raw: object, field: FieldBase, context: CoerceContext
) -> Coerced:
    """Coerce through `entry`, treating blank input as no value (required is the caller's job)."""
    if is_blank(raw):
        return Coerced(None)
    return entry.coerce(raw, field, context)


def fixed(storage: Storage) -> Callable[[Any], Storage]:
    return lambda field: storage


def no_constraints(value: object, field: FieldBase) -> tuple[Problem, ...]:
    return ()


def as_text(value: object, field: FieldBase, context: DisplayContext) -> str:
    return str(value)


class Comparable(Protocol):
    def __lt__(self, other: Any, /) -> bool: ...


C = TypeVar("C", bound=Comparable)


def check_range(
    value: C, minimum: C | None, maximum: C | None, *, show: Callable[[C], str] = str
) -> tuple[Problem, ...]:
    """`below_minimum` / `above_maximum` against inclusive bounds."""
    if minimum is not None and value < minimum:
        return (problem("below_minimum", limit=show(minimum)),)
    if maximum is not None and maximum < value:
        return (problem("above_maximum", limit=show(maximum)),)
    return ()


def check_length(text: str, min_length: int | None, max_length: int | None) -> tuple[Problem, ...]:
    """`too_short` / `too_long`, counted in characters (code points)."""
    if min_length is not None and len(text) < min_length:
        return (problem("too_short", limit=min_length),)
    if max_length is not None and len(text) > max_length:
        return (problem("too_long", limit=max_length),)
    return ()


def check_count(count: int, min_items: int | None, max_items: int | None) -> tuple[Problem, ...]:
    """`too_few` / `too_many` items (selected options, rows, files, references)."""
    if min_items is not None and count < min_items:
        return (problem("too_few", limit=min_items),)
    if max_items is not None and count > max_items:
        return (problem("too_many", limit=max_items),)
    return ()


def joined(parts: list[str], context: DisplayContext) -> str:
    return ("、" if context.locale == "zh-CN" else ", ").join(parts)
