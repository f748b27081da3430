"""The short path of `validate_record`: new records that need nothing reported, on simple forms.

Most writes create a record whose values are all accepted as sent. For a form without computed
fields, default expressions, subtables or form validations, `Shortcut.run` handles such a record
with the prepared checkers, the conditions and the required checks alone, building no problem
and no run state. The moment anything would be reported (an unknown or system key, a refused
value or a coercion warning, an expression diagnostic or a non-boolean condition, a value sent
for a hidden field, a missing required value) it gives up and returns None, and the general path
validates the record from the start. So every answer it gives is the general path's answer for a
clean record (a property test compares the two). This module must not report problems, hold
rules of its own or keep state between calls.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from brickwork.engines.expr import CompiledExpression, EvaluationContext
from brickwork.engines.form.checkers import Checker, NeedsReport, strict_checker_of
from brickwork.engines.form.fieldtypes import CoerceContext
from brickwork.engines.form.scope import Converter, is_identity

if TYPE_CHECKING:
    from brickwork.engines.form.compiled import FieldPlan

Clean = tuple[dict[str, Any], AbstractSet[str], AbstractSet[str]]
"""What a clean record gives: its values, the keys hidden and the keys made read-only."""


def _unknown(raw: object, context: CoerceContext) -> Any:
    """The checker of a key that is not a writable field's."""
    raise NeedsReport


@dataclass(frozen=True, slots=True)
class _Conditions:
    key: str
    visible: CompiledExpression | None
    required: CompiledExpression | None
    readonly: CompiledExpression | None
    writable: bool


@dataclass(frozen=True, slots=True)
class Shortcut:
    """What the short path needs about a form, prepared once by `compile_form`."""

    checkers: Mapping[str, Checker]
    """The strict checker of each writable field by key (system fields are absent: never sent)."""
    defaults: dict[str, Any]
    """Every key in field order with its static default (the starting values of a new record)."""
    system: frozenset[str]
    """Keys of serial-number fields (the only system fields of a form with a short path)."""
    inputs: tuple[tuple[str, Converter | None], ...]
    """Keys that conditions read, with their converters (None: read as they are)."""
    conditions: tuple[_Conditions, ...]
    required: tuple[str, ...]
    """Keys of writable fields with `required: true`."""

    def run(
        self, data: Mapping[str, Any], coercion: CoerceContext, evaluation: EvaluationContext
    ) -> Clean | None:
        """The values and marks of a new record when it needs nothing reported, else None."""
        try:
            values = self._read(data, coercion)
            if not self.conditions:
                _require(values, self.required, _NO_KEYS)
                return values, _NO_KEYS, _NO_KEYS
            hidden, required, readonly = self._marks(values, evaluation)
            if hidden:
                self._drop_hidden(data, values, hidden)
            _require(values, self.required, hidden)
            if required:
                _require(values, required, hidden)
        except NeedsReport:
            return None
        return values, hidden, readonly

    def _read(self, data: Mapping[str, Any], coercion: CoerceContext) -> dict[str, Any]:
        checkers = self.checkers
        values = self.defaults.copy()
        for key, raw in data.items():
            if raw is not None:
                values[key] = checkers.get(key, _unknown)(raw, coercion)
            elif key in checkers:
                values[key] = None  # every checker takes null to null, as the registry does
            elif key not in self.system:  # null for a serial number changes nothing on create
                raise NeedsReport
        return values

    def _marks(
        self, values: Mapping[str, Any], evaluation: EvaluationContext
    ) -> tuple[set[str], list[str], set[str]]:
        """What the conditions decide, as `validate_record` applies them: the keys hidden, the
        keys `required_when` makes required (writable ones) and the keys made read-only."""
        variables: dict[str, Any] = {}
        for key, convert in self.inputs:
            value = values[key]
            variables[key] = value if convert is None or value is None else convert(value)
        hidden: set[str] = set()
        required: list[str] = []
        readonly: set[str] = set()
        for condition in self.conditions:
            key = condition.key
            visible, needed, locked = condition.visible, condition.required, condition.readonly
            if visible is not None and _test(visible, variables, evaluation) is False:
                hidden.add(key)
                continue
            # Conditions are tested whatever they decide: a diagnostic needs reporting.
            if needed is not None and _test(needed, variables, evaluation) and condition.writable:
                required.append(key)
            if locked is not None and _test(locked, variables, evaluation):
                readonly.add(key)
        return hidden, required, readonly

    def _drop_hidden(
        self, data: Mapping[str, Any], values: dict[str, Any], hidden: set[str]
    ) -> None:
        """Blank values sent for hidden fields fall back to the default; others need a warning."""
        for key in hidden:
            if key in data:
                if not _missing(values[key]):
                    raise NeedsReport
                values[key] = self.defaults[key]


_NO_KEYS: frozenset[str] = frozenset()
_SEQUENCES = (list, tuple)


def _missing(value: Any) -> bool:
    """`rows.missing` (which this module cannot import: `rows` needs `compiled`, which needs us)."""
    return value is None or (isinstance(value, _SEQUENCES) and not value)


def _require(values: Mapping[str, Any], keys: Iterable[str], hidden: AbstractSet[str]) -> None:
    """Give up when a visible field among `keys` has no value (`_missing`, inlined: hot path)."""
    for key in keys:
        value = values[key]
        if (value is None or (isinstance(value, _SEQUENCES) and not value)) and key not in hidden:
            raise NeedsReport


def _test(
    expression: CompiledExpression, variables: Mapping[str, Any], context: EvaluationContext
) -> bool | None:
    found = expression.evaluate(variables, context=context)
    value = found.value
    if found.diagnostics or not (value is None or type(value) is bool):
        raise NeedsReport
    return value


def shortcut_of(
    plans: Sequence[FieldPlan], expression_keys: Iterable[str], *, validations: bool
) -> Shortcut | None:
    """The short path of a form with these field plans, or None when it has no short path."""
    if validations or any(
        plan.rows is not None or plan.computed is not None or plan.default_expression is not None
        for plan in plans
    ):
        return None
    read = set(expression_keys)
    return Shortcut(
        checkers={plan.key: strict_checker_of(plan.field) for plan in plans if plan.writable},
        defaults={plan.key: plan.default for plan in plans},
        system=frozenset(plan.key for plan in plans if not plan.writable),
        inputs=tuple(
            (plan.key, None if is_identity(plan.convert) else plan.convert)
            for plan in plans
            if plan.key in read
        ),
        conditions=tuple(
            _Conditions(plan.key, plan.visible, plan.required, plan.readonly, plan.writable)
            for plan in plans
            if plan.conditional
        ),
        required=tuple(plan.key for plan in plans if plan.writable and plan.field.required),
    )
