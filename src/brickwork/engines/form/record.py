"""Record validation: one call turns submitted data into typed values plus every problem at once.

`validate_record(form, data, *, context, current=None)` works on a `CompiledForm`. With
`current=None` it validates a new record; with `current` (the typed values of the stored record)
`data` is a partial update and absent keys keep their current values. Pointers in problems are
relative to the record: `/amount`, `/guarantors/0/amount`, and "" for the record as a whole.

Order of work, and the policies it implements:

1. Keys of `data` that are not field keys → error `unknown_field` (so are keys starting with `_`;
   only rows may carry `_id`, the id of an existing row). Every other value is coerced by the
   field registry; its problems are held back until visibility is known (step 4).
2. Starting values: what was sent; else, on create, the static default; on update, the current
   value. Computed fields, fields with a `default_expression` (on create, for absent keys; in
   rows, for absent cells of new rows) and subtables whose rows have such fields are then
   evaluated in dependency order (`CompiledForm.steps`). Results take the field's type: money in
   the field's currency, decimal/money/percent/integer rounded half-up at their scale. A run-time
   expression problem (type error, division by zero, ...) gives null and the warning
   `expression_failed`, never an exception; a result the field refuses gives `computed_invalid`
   (computed) or `default_invalid` (default).
3. Conditions are evaluated once, on those values: `visible_when`, `required_when`,
   `readonly_when`. **A null result means "not applied"** (visible, not required, not read-only),
   so incomplete input never hides a field; a non-boolean result counts as null with an
   `expression_failed` warning. Expressions see money as its amount, files and locations as
   contexts, subtables as lists of row contexts.
4. **Hidden fields**: a value sent for a hidden field is dropped with the warning
   `field_hidden_ignored` (silently when it is blank: null, "", []: forms send every key), as
   if its key had not been sent (default on create, None without one; current value on
   update), and its coercion problems are not reported. Values already held by hidden fields
   are kept, not cleared. When a value changed this way, computed values are evaluated again
   (conditions are not). Hidden fields are never required.
5. **Read-only**: on update, a changed value for a field whose `readonly_when` is true → error
   `field_readonly` (on create the value is accepted). Computed and serial-number fields are
   never writable: a value sent for one → `field_not_writable`, unless it equals the current or
   the newly computed value (so echoing a whole record back passes). Serial numbers are left to
   the platform (None on create). `RecordResult.readonly` lists both kinds.
6. Visible fields that are `required` (or whose `required_when` is true) and have no value (None,
   or an empty list) → error `required`, unless the value sent was refused already.
7. **Subtables**: a sent list replaces the rows. A row whose `_id` names a current row is a
   partial update of that row (absent cells keep their values; read-only cells are compared
   with it); an `_id` that names no current row → `row_id_unknown`; rows without `_id` are new.
   `min_rows`/`max_rows` and every row's cells are checked the same way as fields, with row
   pointers. **Row scope**: a row's expressions see the row's fields first, then the parent's
   fields (row keys shadow parent keys); a parent expression sees the subtable as a list.
8. Form validations run last: false → error `validation_failed` with the validation's message
   at its first blamed field ("" when it blames none); **null means "not violated"**.

New records of forms without computed values, subtables or form validations first take a short
path (`shortcut`) that only succeeds when nothing needs reporting; it gives the same result as
the general path (`validate_in_full`), which handles everything else.

Dates of coercion (e.g. "birth date in the future") use `context.now.date()`. This module must
not read the clock, touch storage or raise on bad input: everything comes back as data.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from brickwork.engines.expr import EvaluationContext
from brickwork.engines.expr.environment import ParameterSource
from brickwork.engines.form.checks import RecordChecks
from brickwork.engines.form.compiled import CompiledForm, FieldPlan, RowsPlan
from brickwork.engines.form.evaluation import Evaluator
from brickwork.engines.form.fieldtypes import CoerceContext, Coerced, is_blank
from brickwork.engines.form.problems import Problem, pointer_token, problem, wrong_type
from brickwork.engines.form.rows import (
    Marks,
    Row,
    initial_cell,
    initial_rows,
    missing,
    read_rows,
    same_value,
    stored,
)
from brickwork.engines.form.scope import in_zone

NOTHING: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class RecordContext:
    """What a validation may know about the world: the injected clock, the acting user and the
    parameter tables of the app."""

    now: datetime
    user: Mapping[str, Any] | None = None
    parameters: ParameterSource | None = None
    coercion: CoerceContext = field(init=False, repr=False, compare=False)
    """Derived once: what value coercion needs (`today` is `now.date()`)."""
    evaluation: EvaluationContext = field(init=False, repr=False, compare=False)
    """Derived once: what expressions see (`$now`, `$today`, `$user`)."""

    def __post_init__(self) -> None:
        if self.now.utcoffset() is None:
            raise ValueError("RecordContext.now must be timezone-aware")
        # Frozen: the derived contexts are set once here, then shared by every validation.
        object.__setattr__(self, "coercion", CoerceContext(today=self.now.date()))
        evaluation = EvaluationContext(now=self.now, user=self.user, parameters=self.parameters)
        object.__setattr__(self, "evaluation", evaluation)


@dataclass(frozen=True)
class RecordResult:
    # Not slotted: a clean record's result (`validate_record`) sets only `values`, `hidden` and
    # `readonly`; the fields that are always empty then read their class-level values (below).
    values: dict[str, Any]
    """Every field by key, typed; a subtable is a list of row dicts (with `_id` when known)."""
    errors: tuple[Problem, ...]
    warnings: tuple[Problem, ...]
    hidden: frozenset[str]
    """Keys of fields hidden for this record."""
    readonly: frozenset[str]
    """Keys of fields read-only for this record (by `readonly_when`, or computed/serial)."""
    hidden_cells: frozenset[str] = frozenset()
    """Pointers of hidden row cells (`/guarantors/0/note`)."""
    readonly_cells: frozenset[str] = frozenset()
    """Pointers of row cells made read-only by `readonly_when`."""

    @property
    def ok(self) -> bool:
        return not self.errors


# Class-level values of the two fields without a default, read by clean results, which leave
# them unset (the other two are class-level already: their defaults). `__init__` still needs
# them: every other result sets all seven.
type.__setattr__(RecordResult, "errors", ())
type.__setattr__(RecordResult, "warnings", ())


def validate_record(
    form: CompiledForm,
    data: Mapping[str, Any],
    *,
    context: RecordContext,
    current: Mapping[str, Any] | None = None,
) -> RecordResult:
    """Coerce, compute and check a record; all errors at once (see the module docstring)."""
    shortcut = form.shortcut
    if shortcut is not None and current is None and type(data) is dict:
        clean = shortcut.run(data, context.coercion, context.evaluation)
        if clean is not None:
            # The result of a record with nothing to report, built in its `__dict__`: a frozen
            # dataclass's `__init__` goes through `object.__setattr__` per field (twice the
            # cost). The always-empty fields are left to their class-level values.
            result: RecordResult = _new_result(RecordResult)
            state = result.__dict__
            state["values"], state["hidden"], state["readonly"] = clean
            return result
    return validate_in_full(form, data, context=context, current=current)


def validate_in_full(
    form: CompiledForm,
    data: Mapping[str, Any],
    *,
    context: RecordContext,
    current: Mapping[str, Any] | None = None,
) -> RecordResult:
    """`validate_record` without the short path for clean new records (`shortcut`)."""
    run = _Run(form, context, current)
    run.read(data)
    run.start()
    if form.uses_expressions:
        run.compute()
        run.conditions()
        if run.drop_hidden() and form.steps:
            run.compute()
    run.check_fields()
    if form.subtables:
        run.check_subtables()
    if form.validations:
        run.check_validations()
    return run.result()


_new_result = object.__new__


class _Run(RecordChecks):
    """The state of one `validate_record` call."""

    __slots__ = (
        "base",
        "coerce_context",
        "creating",
        "errors",
        "evaluator",
        "form",
        "given",
        "locked",
        "reports",
        "rows",
        "sent",
        "structure",
        "values",
        "variables",
        "warnings",
        "zone",
    )

    def __init__(
        self, form: CompiledForm, context: RecordContext, current: Mapping[str, Any] | None
    ) -> None:
        super().__init__()
        self.form = form
        self.coerce_context = context.coercion
        self.creating = current is None
        self.base: Mapping[str, Any] = {} if current is None else current
        self.errors: list[Problem] = []
        self.warnings: list[Problem] = []
        self.evaluator = Evaluator(context.evaluation, self.coerce_context, self.warnings)
        self.given: set[str] = set()
        self.sent: dict[str, Any] = {}
        self.reports: dict[str, Coerced] = {}
        self.locked: dict[str, Any] = {}
        self.structure: dict[str, list[Problem]] = {}
        self.rows: dict[str, list[Row]] = {}
        self.values: dict[str, Any] = {}
        self.variables: dict[str, Any] = {}
        self.zone = context.now.tzinfo
        """Expressions read date-times in the zone of the clock they are given (its `now`):
        a date-time field's `hour`, `day` and `date` are those of that zone."""

    # ------------------------------------------------------------ reading and values

    def read(self, data: Mapping[str, Any]) -> None:
        if not isinstance(data, Mapping):
            self.errors.append(wrong_type("object"))
            return
        plans = self.form.plans_by_key
        context = self.coerce_context
        sent = self.sent
        self.given = set(data)  # unknown keys in it are harmless: only field keys are asked
        for key, raw in data.items():
            plan = plans.get(key)
            if plan is None:
                self.errors.append(problem("unknown_field", pointer=pointer_token(str(key))))
                continue
            if plan.rows is not None:
                problems = self.structure.setdefault(key, [])
                rows = read_rows(plan, raw, self.base.get(key), context, problems)
                if rows is not None:
                    self.rows[key] = rows
            elif plan.writable:
                found = plan.check(raw, context)
                if type(found) is Coerced:
                    self.reports[key] = found
                    found = found.value
                sent[key] = found
            else:
                self.locked[key] = raw

    def start(self) -> None:
        form = self.form
        if self.creating:
            values = {**form.defaults}
        else:
            base = self.base
            values = {key: base.get(key) for key in form.defaults}
            for key in form.multiple_keys:
                if isinstance(values[key], list):
                    values[key] = tuple(values[key])
        values.update(self.sent)
        self.values = values
        for plan in form.subtables:
            if plan.key not in self.rows:
                self.rows[plan.key] = self.initial_rows(plan)
        if form.uses_expressions:
            for key in form.expression_keys:
                plan = form.plans_by_key[key]
                if plan.rows is None:
                    value = values[key]
                    self.variables[key] = None if value is None else self.variable(plan, value)
            for plan in form.subtables:
                self.publish_rows(plan)

    def initial(self, plan: FieldPlan) -> Any:
        """The value of a field that was not sent (or was dropped)."""
        if self.creating:
            return plan.default
        return stored(plan, self.base.get(plan.key))

    def initial_rows(self, plan: FieldPlan) -> list[Row]:
        if self.creating:
            return initial_rows(plan, plan.default, new=True)
        return initial_rows(plan, self.base.get(plan.key), new=False)

    def set_value(self, plan: FieldPlan, value: Any) -> None:
        self.values[plan.key] = value
        if plan.key in self.form.expression_keys:
            self.variables[plan.key] = None if value is None else self.variable(plan, value)

    def variable(self, plan: FieldPlan, value: Any) -> Any:
        """A field's non-null value as expressions see it (date-times in `zone`)."""
        return in_zone(plan.convert(value), self.zone)

    def publish_rows(self, plan: FieldPlan) -> None:
        """Build the rows' expression contexts and expose the subtable to parent expressions."""
        assert plan.rows is not None
        rows = [row for row in self.rows[plan.key] if not row.broken]
        columns = plan.rows.plans
        for row in rows:
            cells = row.values
            row.context = {
                c.key: None if (v := cells[c.key]) is None else self.variable(c, v) for c in columns
            }
        if plan.key in self.form.expression_keys:
            self.variables[plan.key] = [row.context for row in rows]

    # ------------------------------------------------------------ expressions

    def compute(self) -> None:
        self.evaluator.computed_warnings = []
        for plan in self.form.steps:
            if plan.rows is not None:
                self.compute_rows(plan, plan.rows)
            elif plan.computed is not None:
                self.set_value(plan, self.evaluator.computed(plan, self.variables, plan.pointer))
            elif self.creating and plan.key not in self.given:
                self.set_value(plan, self.evaluator.defaulted(plan, self.variables, plan.pointer))

    def compute_rows(self, plan: FieldPlan, rows_plan: RowsPlan) -> None:
        for row in self.rows[plan.key]:
            if row.broken:
                continue
            scope = {**self.variables, **row.context}
            for step in rows_plan.steps:
                pointer = row.pointer + step.pointer
                if step.computed is not None:
                    value = self.evaluator.computed(step, scope, pointer)
                elif row.base is None and step.key not in row.given:
                    value = self.evaluator.defaulted(step, scope, pointer)
                else:
                    continue
                row.values[step.key] = value
                converted = None if value is None else step.convert(value)
                row.context[step.key] = scope[step.key] = converted

    # ------------------------------------------------------------ conditions

    def conditions(self) -> None:
        for plan in self.form.conditional:
            self.apply_conditions(plan, self.variables, plan.pointer, self)
        for plan in self.form.subtables:
            assert plan.rows is not None
            if plan.key in self.hidden or not plan.rows.conditional:
                continue
            for row in self.rows[plan.key]:
                if row.broken:
                    continue
                scope = {**self.variables, **row.context}
                for column in plan.rows.conditional:
                    self.apply_conditions(column, scope, row.pointer + column.pointer, row)

    def apply_conditions(
        self, plan: FieldPlan, variables: Mapping[str, Any], pointer: str, marks: Marks
    ) -> None:
        test = self.evaluator.test
        if (
            plan.visible is not None
            and test(plan.visible, variables, pointer, "visible_when") is False
        ):
            marks.hidden.add(plan.key)
            return
        if plan.required is not None and test(plan.required, variables, pointer, "required_when"):
            marks.required.add(plan.key)
        if plan.readonly is not None and test(plan.readonly, variables, pointer, "readonly_when"):
            marks.readonly.add(plan.key)

    def drop_hidden(self) -> bool:
        """Forget what was sent for hidden fields and cells; True when a value changed.

        Blank values (null, "", an empty list) for a hidden field are dropped without a warning:
        forms send every key.
        """
        changed = False
        for plan in self.form.conditional:
            key = plan.key
            if key not in self.hidden or key not in self.given:
                continue
            if self.sent_something(plan):
                self.warnings.append(problem("field_hidden_ignored", pointer=plan.pointer))
            self.given.discard(key)
            self.reports.pop(key, None)
            self.locked.pop(key, None)
            self.structure.pop(key, None)
            if plan.rows is not None:
                self.rows[key] = self.initial_rows(plan)
                self.publish_rows(plan)
                changed = True
                continue
            before = self.values[key]
            self.sent.pop(key, None)
            self.set_value(plan, self.initial(plan))
            if not same_value(before, self.values[key]) or plan.default_expression is not None:
                changed = True
        for plan in self.form.subtables:
            if plan.key not in self.hidden and self.drop_hidden_cells(plan):
                changed = True
        return changed

    def sent_something(self, plan: FieldPlan) -> bool:
        key = plan.key
        if plan.rows is not None:
            return bool(self.rows.get(key) or self.structure.get(key))
        if key in self.locked:
            return _not_blank(self.locked[key])
        return key in self.reports or not missing(self.sent.get(key))

    def drop_hidden_cells(self, plan: FieldPlan) -> bool:
        assert plan.rows is not None
        dropped = False
        for row in self.rows[plan.key]:
            for key in [k for k in row.given if k in row.hidden]:
                column = plan.rows.columns[key]
                if _sent_cell(row, key):
                    pointer = row.pointer + column.pointer
                    self.warnings.append(problem("field_hidden_ignored", pointer=pointer))
                row.given.discard(key)
                row.reports.pop(key, None)
                row.locked.pop(key, None)
                row.values[key] = initial_cell(column, row)
                dropped = True
        if dropped:
            self.publish_rows(plan)
        return dropped

    # ------------------------------------------------------------ result

    def result(self) -> RecordResult:
        values = self.values
        hidden_cells: set[str] = set()
        readonly_cells: set[str] = set()
        for plan in self.form.subtables:
            assert plan.rows is not None
            rows = [row for row in self.rows[plan.key] if not row.broken]
            values[plan.key] = [row.values for row in rows]
            for row in rows:
                columns = plan.rows.columns
                hidden_cells.update(row.pointer + columns[k].pointer for k in row.hidden)
                readonly_cells.update(row.pointer + columns[k].pointer for k in row.readonly)
        readonly = self.form.system_keys
        return RecordResult(
            values=values,
            errors=tuple(self.errors),
            warnings=(*self.evaluator.computed_warnings, *self.warnings),
            hidden=frozenset(self.hidden) if self.hidden else NOTHING,
            readonly=readonly | self.readonly if self.readonly else readonly,
            hidden_cells=frozenset(hidden_cells) if hidden_cells else NOTHING,
            readonly_cells=frozenset(readonly_cells) if readonly_cells else NOTHING,
        )


def _not_blank(raw: Any) -> bool:
    return not is_blank(raw) and raw != [] and raw != ()


def _sent_cell(row: Row, key: str) -> bool:
    """Whether a value (not a blank) was sent for the cell `key` of `row`."""
    if key in row.locked:
        return _not_blank(row.locked[key])
    return key in row.reports or not missing(row.values[key])
