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
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from brickwork.engines.expr import CompiledExpression, EvaluationContext
from brickwork.engines.expr.direct import UNDECIDED, Direct
from brickwork.engines.form.checkers import Checker, NeedsReport, strict_checker_of
from brickwork.engines.form.fieldtypes import CoerceContext
from brickwork.engines.form.scope import Converter, is_identity

if TYPE_CHECKING:
    from brickwork.engines.form.compiled import FieldPlan

Clean = tuple[dict[str, Any], frozenset[str], frozenset[str]]
"""What a clean record gives: its values, the keys hidden and the keys read-only (made so by
`readonly_when`, or system fields), as `RecordResult` holds them."""


def _undecided(variables: Mapping[str, Any]) -> Any:
    """The direct closure of an expression that has none: always evaluate it."""
    return UNDECIDED


class _Condition(NamedTuple):
    """A condition and its direct closure (`_undecided` when it has none)."""

    direct: Direct
    expression: CompiledExpression


class _Conditions(NamedTuple):
    key: str
    only: frozenset[str]
    """`frozenset({key})`: the keys hidden (or read-only) when this field is the only one."""
    visible_direct: Direct
    """`visible.direct` (`_undecided` when there is none or no `visible`)."""
    visible: _Condition | None
    required: _Condition | None
    readonly: _Condition | None
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
    shared: bool
    """Conditions may read the record's values themselves: every key they read is read as it
    is, and none of those keys can fall back to its default while conditions are tested (none
    has a `visible_when`). Expressions look names up by key, so the other keys go unseen."""

    def run(
        self, data: Mapping[str, Any], coercion: CoerceContext, evaluation: EvaluationContext
    ) -> Clean | None:
        """The values and marks of a new record when it needs nothing reported, else None."""
        checkers = self.checkers
        values = self.defaults.copy()
        try:
            for key, raw in data.items():
                if raw is not None:
                    try:
                        check = checkers[key]
                    except KeyError:  # not a writable field's key
                        return None
                    values[key] = check(raw, coercion)
                elif key in checkers:
                    values[key] = None  # every checker takes null to null, as the registry does
                elif key not in self.system:  # null for a serial number changes nothing on create
                    return None
            if self.conditions:
                hidden, readonly = self._apply_conditions(data, values, evaluation)
            else:
                hidden, readonly = _NO_KEYS, self.system
        except NeedsReport:
            return None
        for key in self.required:  # a value for visible ones (`rows.missing`, inlined: hot path)
            value = values[key]
            missing = value is None or (not value and isinstance(value, _SEQUENCES))
            if missing and key not in hidden:
                return None
        return values, hidden, readonly

    def _apply_conditions(
        self, data: Mapping[str, Any], values: dict[str, Any], evaluation: EvaluationContext
    ) -> tuple[frozenset[str], frozenset[str]]:
        """Apply what the conditions decide as `validate_record` does: the keys hidden and the
        keys read-only. A hidden field falls back to its default when the value sent for it is
        blank; any other value needs a warning (`NeedsReport`, as for a `required_when` field
        without a value)."""
        variables: Mapping[str, Any]
        if self.shared:  # the same values without a copy (see `shared`)
            variables = values
        else:
            variables = {}
            for key, convert in self.inputs:
                value = values[key]
                variables[key] = value if convert is None or value is None else convert(value)
        hidden = readonly = _NO_KEYS
        for key, only, visible_direct, visible, needed, locked, writable in self.conditions:
            if visible is not None:
                # `_decide`, inlined for the commonest condition: the direct answer first.
                shown = visible_direct(variables)
                if shown is UNDECIDED:
                    shown = _decide(visible, variables, evaluation)
                if shown is False:
                    hidden = hidden | only if hidden else only  # usually the only one
                    value = values[key]  # blank (`rows.missing`): back to the default
                    if value is None or (not value and isinstance(value, _SEQUENCES)):
                        values[key] = self.defaults[key]  # (unchanged when it was not sent)
                    elif key in data:  # a value sent for a hidden field needs a warning
                        raise NeedsReport
                    continue
            # Conditions are tested whatever they decide: a diagnostic needs reporting. A field
            # that is not hidden stays so: its value can be checked right away.
            if needed is not None and _decide(needed, variables, evaluation) and writable:
                value = values[key]
                if value is None or (not value and isinstance(value, _SEQUENCES)):
                    raise NeedsReport
            if locked is not None and _decide(locked, variables, evaluation):
                readonly = readonly | only if readonly else only
        return hidden, self.system | readonly if readonly else self.system


_NO_KEYS: frozenset[str] = frozenset()
_SEQUENCES = (list, tuple)


def _decide(
    condition: _Condition, variables: Mapping[str, Any], context: EvaluationContext
) -> bool | None:
    """A condition's value: the direct answer when there is one (True or False, which is what
    `evaluate` gives, without diagnostics), else the evaluation's. Raises `NeedsReport` when
    that would be reported (a diagnostic, or a value that is neither boolean nor null)."""
    direct, expression = condition
    value: bool | None = direct(variables)
    if value is not UNDECIDED:
        return value
    found = expression.evaluate(variables, context=context)
    value = found.value
    if found.diagnostics or not (value is None or type(value) is bool):
        raise NeedsReport
    return value


def _condition(expression: CompiledExpression | None) -> _Condition | None:
    if expression is None:
        return None
    return _Condition(expression.direct or _undecided, expression)


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
    inputs = tuple(
        (plan.key, None if is_identity(plan.convert) else plan.convert)
        for plan in plans
        if plan.key in read
    )
    return Shortcut(
        checkers={plan.key: strict_checker_of(plan.field) for plan in plans if plan.writable},
        defaults={plan.key: plan.default for plan in plans},
        system=frozenset(plan.key for plan in plans if not plan.writable),
        inputs=inputs,
        conditions=tuple(
            _Conditions(
                plan.key,
                frozenset({plan.key}),
                _undecided if plan.visible is None else plan.visible.direct or _undecided,
                _condition(plan.visible),
                _condition(plan.required),
                _condition(plan.readonly),
                plan.writable,
            )
            for plan in plans
            if plan.conditional
        ),
        required=tuple(plan.key for plan in plans if plan.writable and plan.field.required),
        shared=all(convert is None for _, convert in inputs)
        and not any(plan.visible is not None and plan.key in read for plan in plans),
    )
