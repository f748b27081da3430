"""The closing checks of a record validation, once values and conditions are settled.

Refused values (reported only for visible fields), changed values of read-only fields on update
(`field_readonly`), values sent for computed and serial-number fields (`field_not_writable`
unless equal to the current or the newly computed value), missing required values, subtable
row counts and rows, and form validations (false → `validation_failed` at the first blamed
field, or the warning `validation_warning` for a validation of severity `warning`; null is not a
violation). `RecordChecks` is a mixin of the record validator's run state;
this module must not evaluate conditions or change values.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from brickwork.engines.form.compiled import CompiledForm, FieldPlan, RowsPlan
from brickwork.engines.form.evaluation import Evaluator
from brickwork.engines.form.fieldtypes import CoerceContext, Coerced
from brickwork.engines.form.fieldtypes.base import check_count
from brickwork.engines.form.problems import Problem, Words, problem
from brickwork.engines.form.rows import Marks, Row, missing, row_snapshot, same_value, stored


class RecordChecks(Marks):
    """Checks over the state of one validation (the attributes below are set by the run)."""

    __slots__ = ()

    form: CompiledForm
    creating: bool
    base: Mapping[str, Any]
    coerce_context: CoerceContext
    evaluator: Evaluator
    errors: list[Problem]
    warnings: list[Problem]
    given: set[str]
    sent: dict[str, Any]
    reports: dict[str, Coerced]
    locked: dict[str, Any]
    structure: dict[str, list[Problem]]
    rows: dict[str, list[Row]]
    values: dict[str, Any]
    variables: dict[str, Any]

    def check_fields(self) -> None:
        plans = self.form.plans_by_key
        for key, found in self.reports.items():
            pointer = plans[key].pointer
            self.errors.extend(p.under(pointer) for p in found.problems)
            self.warnings.extend(p.under(pointer) for p in found.warnings)
        if self.readonly and not self.creating:
            for key in self.readonly & self.sent.keys():
                plan = plans[key]
                if not self.failed(key):
                    self.check_unchanged(plan, self.sent[key], self.base.get(key), plan.pointer)
        for key, raw in self.locked.items():
            plan = plans[key]
            self.check_locked(plan, raw, self.base.get(key), self.values[key], plan.pointer)
        for plan in self.form.required_plans:
            self.check_required(plan, self.values, plan.pointer, self)
        for key in self.required:
            plan = plans[key]
            if not plan.field.required and plan.rows is None:
                self.check_required(plan, self.values, plan.pointer, self)

    def failed(self, key: str) -> bool:
        report = self.reports.get(key)
        return report is not None and bool(report.problems)

    def check_unchanged(self, plan: FieldPlan, value: Any, before: Any, pointer: str) -> None:
        if not same_value(value, stored(plan, before)):
            self.errors.append(problem("field_readonly", pointer=pointer))

    def check_locked(self, plan: FieldPlan, raw: Any, before: Any, now: Any, pointer: str) -> None:
        found = plan.check(raw, self.coerce_context)
        if type(found) is Coerced:
            if found.problems:
                self.errors.append(problem("field_not_writable", pointer=pointer))
                return
            found = found.value
        if not (same_value(found, stored(plan, before)) or same_value(found, now)):
            self.errors.append(problem("field_not_writable", pointer=pointer))

    def check_required(
        self, plan: FieldPlan, values: Mapping[str, Any], pointer: str, marks: Marks | Row
    ) -> None:
        """`required` when the field is visible, needs a value, has none and none was refused."""
        key = plan.key
        if not plan.writable or key in marks.hidden or not missing(values[key]):
            return
        if not (plan.field.required or key in marks.required):
            return
        if isinstance(marks, Row):
            if marks.failed(key):
                return
        elif self.failed(key):
            return
        self.errors.append(problem("required", pointer=pointer))

    def check_subtables(self) -> None:
        for plan in self.form.subtables:
            assert plan.rows is not None
            if plan.key in self.hidden:
                continue
            self.errors.extend(self.structure.get(plan.key, ()))
            rows = self.rows[plan.key]
            if plan.key in self.readonly and not self.creating and plan.key in self.given:
                self.check_rows_unchanged(plan, plan.rows, rows)
            field = plan.rows.field
            counted = check_count(len(rows), field.min_rows, field.max_rows)
            self.errors.extend(p.under(plan.pointer) for p in counted)
            if not rows and not counted and self.structure.get(plan.key) in (None, []):
                self.check_required(plan, {plan.key: None}, plan.pointer, self)
            for row in rows:
                if not row.broken:
                    self.check_row(plan.rows, row)

    def check_rows_unchanged(self, plan: FieldPlan, rows_plan: RowsPlan, rows: list[Row]) -> None:
        before = self.base.get(plan.key)
        before_rows = before if isinstance(before, list | tuple) else ()
        now = [row_snapshot(rows_plan, row.values) for row in rows if not row.broken]
        then = [row_snapshot(rows_plan, row) for row in before_rows if isinstance(row, Mapping)]
        if not same_value(now, then):
            self.errors.append(problem("field_readonly", pointer=plan.pointer))

    def check_row(self, rows_plan: RowsPlan, row: Row) -> None:
        columns = rows_plan.columns
        for key, found in row.reports.items():
            pointer = row.pointer + columns[key].pointer
            self.errors.extend(p.under(pointer) for p in found.problems)
            self.warnings.extend(p.under(pointer) for p in found.warnings)
        if row.readonly and row.base is not None:
            for key in row.readonly & row.given:
                column = columns[key]
                if column.writable and not row.failed(key):
                    pointer = row.pointer + column.pointer
                    self.check_unchanged(column, row.values[key], row.base.get(key), pointer)
        for key, raw in row.locked.items():
            column = columns[key]
            before = None if row.base is None else row.base.get(key)
            pointer = row.pointer + column.pointer
            self.check_locked(column, raw, before, row.values[key], pointer)
        for column in rows_plan.plans:
            self.check_required(column, row.values, row.pointer + column.pointer, row)

    def check_validations(self) -> None:
        for index, validation in enumerate(self.form.validations):
            name = f"validations/{index}"
            verdict = self.evaluator.evaluate(
                validation.expression, self.variables, validation.pointer, name
            )
            if verdict is False:
                message = Words(validation.zh_cn, validation.en)
                if validation.validation.severity == "warning":
                    found = problem(
                        "validation_warning", pointer=validation.pointer, message=message
                    )
                    self.warnings.append(found)
                else:
                    self.errors.append(
                        problem("validation_failed", pointer=validation.pointer, message=message)
                    )
