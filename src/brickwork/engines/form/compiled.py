"""A form definition checked and compiled once, ready for `validate_record` to run many times.

`check_form` reports every design-time problem: those of `design.check_definition`, every
expression parsed and type-checked against the form's scope (a row's expressions see the row's
fields first, then the parent's), cycles among the fields whose values come from expressions
(computed fields, `default_expression`, and subtables whose rows have such fields), and
formulas that would mix currencies (`currencies`). `compile_form` raises `FormDesignError` when
there is any but the last kind (a form published before that check keeps compiling), and
otherwise returns a `CompiledForm`: per-field plans (pointers, converters, compiled conditions,
the static default already coerced) and the order in which computed values are produced.
Lookup `where` expressions are only parsed: they speak about another form, which only the
platform knows. This module must not evaluate expressions, read the clock or see records.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from types import MappingProxyType
from typing import Any

from brickwork.engines.expr import CompiledExpression, Scope
from brickwork.engines.expr.choices import (
    foreign_options,
    literal_results,
    names_compared,
    shown,
)
from brickwork.engines.expr.datatypes import BOOLEAN, NUMBER
from brickwork.engines.expr.diagnostics import Span
from brickwork.engines.form.checkers import Checker, checker_of
from brickwork.engines.form.currencies import MoneyReads, result_currency
from brickwork.engines.form.definition import (
    ComputedField,
    FormDefinition,
    FormValidation,
    LookupField,
    SerialNumberField,
    SubtableField,
    choice_options,
    people_fields,
)
from brickwork.engines.form.design import check_definition
from brickwork.engines.form.elements import FieldBase, label_text
from brickwork.engines.form.expressions import Site, compile_site, dependency_order
from brickwork.engines.form.fieldtypes import CoerceContext, FieldType, check_value, entry_of
from brickwork.engines.form.fieldtypes.structured import result_field
from brickwork.engines.form.problems import Problem, pointer_token, problem
from brickwork.engines.form.scope import (
    COMPUTED_TYPES,
    Converter,
    converter_of,
    expression_type,
    form_scope,
    row_scope,
)
from brickwork.engines.form.shortcut import Shortcut, shortcut_of

MULTIPLE_TYPES = frozenset({"multi_select", "attachment"})
"""Types whose values are tuples whatever their options (references: when `multiple`)."""


class FormDesignError(Exception):
    """The definition has design-time problems; each points into the form spec."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        shown = "; ".join(f"{p.pointer or '/'}: {p.en}" for p in self.problems[:5])
        more = len(self.problems) - 5
        super().__init__(shown + (f" (and {more} more)" if more > 0 else ""))


@dataclass(frozen=True, slots=True, kw_only=True)
class FieldPlan:
    """Everything `validate_record` needs about one field, prepared once."""

    key: str
    field: FieldBase
    entry: FieldType[Any]
    pointer: str
    """The field's pointer token in a record (`/amount`); in a row, relative to the row."""
    convert: Converter
    check: Checker
    """`check_value` for this field (a computed field: for its result), see `checkers`."""
    visible: CompiledExpression | None = None
    required: CompiledExpression | None = None
    readonly: CompiledExpression | None = None
    computed: CompiledExpression | None = None
    result: FieldBase | None = None
    """A computed field's result as a field of the result type (scale, currency, half-up)."""
    default: Any = None
    """The static default, coerced (None when there is none)."""
    default_expression: CompiledExpression | None = None
    writable: bool = True
    multiple: bool = False
    rows: RowsPlan | None = None

    @property
    def conditional(self) -> bool:
        return not (self.visible is None and self.required is None and self.readonly is None)

    @property
    def requirable(self) -> bool:
        """Whether `required`/`required_when` apply (not to values the system produces)."""
        return self.writable


@dataclass(frozen=True, slots=True, kw_only=True)
class RowsPlan:
    """The compiled rows of a subtable."""

    field: SubtableField
    scope: Scope
    plans: tuple[FieldPlan, ...]
    columns: Mapping[str, FieldPlan]
    steps: tuple[FieldPlan, ...]
    """Row fields whose values come from expressions, in dependency order."""
    conditional: tuple[FieldPlan, ...]
    computed_order: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class ValidationPlan:
    validation: FormValidation
    expression: CompiledExpression
    pointer: str
    zh_cn: str
    en: str


@dataclass(frozen=True, eq=False, kw_only=True)
class CompiledForm:
    """A checked form definition with its expressions compiled; immutable and shareable."""

    definition: FormDefinition
    fields_by_key: Mapping[str, FieldBase]
    scope: Scope
    computed_order: tuple[str, ...]
    """Keys of the form's computed fields in the order they are evaluated."""
    plans: tuple[FieldPlan, ...]
    plans_by_key: Mapping[str, FieldPlan]
    """Plans by key (a plain dict on the hot path; typed read-only)."""
    steps: tuple[FieldPlan, ...]
    """Fields whose values come from expressions (computed, `default_expression`, subtables
    with such row fields), in dependency order."""
    conditional: tuple[FieldPlan, ...]
    subtables: tuple[FieldPlan, ...]
    validations: tuple[ValidationPlan, ...]
    expression_keys: frozenset[str]
    """Keys that some expression reads: only their values are converted for expressions."""
    system_keys: frozenset[str]
    """Keys of fields the system fills in (computed, serial number): never writable."""
    defaults: Mapping[str, Any]
    """Every key in field order with its coerced static default (None when it has none)."""
    multiple_keys: tuple[str, ...]
    """Keys of fields whose values are tuples (stored lists are turned into tuples)."""
    required_plans: tuple[FieldPlan, ...]
    """Writable non-subtable fields with `required: true`."""
    shortcut: Shortcut | None
    """The short path for new records that need nothing reported (None: the form has none)."""
    computed_reads: Mapping[str, frozenset[str]]
    """For each top-level computed field, the keys of the fields its expression reads."""

    @cached_property
    def uses_expressions(self) -> bool:
        """Whether records of this form need any expression evaluated (rows included)."""
        return bool(
            self.expression_keys
            or self.steps
            or self.conditional
            or self.validations
            or any(plan.rows is not None and plan.rows.conditional for plan in self.subtables)
        )


def check_form(definition: FormDefinition, *, today: date) -> tuple[Problem, ...]:
    """Every design-time problem of `definition`, with pointers into it: what `compile_form`
    refuses, and formulas that mix currencies (refused when a form is published; a version
    published before this check keeps compiling, so its records stay usable)."""
    builder = _Builder(definition, today, money=True)
    problems = builder.build()[0]
    return (*problems, *builder.money_problems)


def computed_sources(compiled: CompiledForm) -> dict[str, frozenset[str]]:
    """For each top-level computed field, the stored (not computed) fields its value derives
    from, through other computed fields too: what it may reveal."""
    reads = compiled.computed_reads
    sources: dict[str, frozenset[str]] = {}
    for key in compiled.computed_order:  # dependencies first
        found: set[str] = set()
        for name in reads.get(key, frozenset()):
            found.update(sources.get(name, {name} if name not in reads else set()))
        sources[key] = frozenset(found)
    return sources


def sketch_form(definition: FormDefinition, *, today: date) -> CompiledForm:
    """`definition` compiled as far as it goes, problems ignored (for design-time tools that
    look at its structure, such as which fields a computed field reads)."""
    return _Builder(definition, today).build()[1]


def _not_an_option(
    code: str, pointer: str, span: Span, value: str, allowed: frozenset[str], **more: object
) -> Problem:
    """Problem `code`: the text `value` at `span` is none of the `allowed` options."""
    return problem(
        code,
        pointer=pointer,
        line=span.line,
        column=span.column,
        value=value,
        options=shown(allowed),
        **more,
    )


def compile_form(definition: FormDefinition, *, today: date) -> CompiledForm:
    """Check and compile `definition`; raises `FormDesignError` when `check_form` finds problems."""
    problems, compiled = _Builder(definition, today).build()
    if problems:
        raise FormDesignError(problems)
    return compiled


class _Builder:
    def __init__(self, definition: FormDefinition, today: date, *, money: bool = False) -> None:
        self.definition = definition
        self.problems = list(check_definition(definition, today=today))
        self.context = CoerceContext(today=today)
        self.scope = form_scope(definition)
        self.read: set[str] = set()
        self.money = MoneyReads(definition.fields) if money else None
        """The currency checks, run when the form is checked (`check_form`), not compiled."""
        self.choices = choice_options(definition.fields)
        """The static options of the choice fields (by key), for the same checks."""
        self.people = people_fields(definition.fields)
        """The member and department fields (they hold ids), for the same checks."""
        self.money_problems: list[Problem] = []
        self.row: SubtableField | None = None
        """The subtable whose row expressions are being compiled, if any."""

    def build(self) -> tuple[tuple[Problem, ...], CompiledForm]:
        plans: list[FieldPlan] = []
        value_reads: dict[str, frozenset[str]] = {}
        pointers: dict[str, str] = {}
        for index, field in enumerate(self.definition.fields):
            where = f"/fields/{index}"
            plan, reads = self.field_plan(field, where, self.scope, own=frozenset())
            plans.append(plan)
            if _produces_value(plan):
                value_reads[plan.key] = reads
                pointers[plan.key] = _value_pointer(plan, where)
        order = self.order(value_reads, pointers, label="")
        by_key = {plan.key: plan for plan in plans}
        if self.definition.graph is not None and self.definition.graph.highlight is not None:
            graph_scope = Scope(fields={**self.scope.fields, "share": NUMBER})
            compile_site(
                self.definition.graph.highlight,
                graph_scope,
                pointer="/graph/highlight",
                expected=BOOLEAN,
                problems=self.problems,
            )
        steps = tuple(by_key[key] for key in order)
        compiled = CompiledForm(
            definition=self.definition,
            fields_by_key=MappingProxyType({p.key: p.field for p in plans}),
            scope=self.scope,
            computed_order=tuple(p.key for p in steps if p.computed is not None),
            plans=tuple(plans),
            plans_by_key=by_key,
            steps=steps,
            conditional=tuple(p for p in plans if p.conditional),
            subtables=tuple(p for p in plans if p.rows is not None),
            validations=self.validations(by_key),
            expression_keys=frozenset(self.read),
            system_keys=frozenset(p.key for p in plans if not p.writable),
            defaults={p.key: p.default for p in plans},
            multiple_keys=tuple(p.key for p in plans if p.multiple),
            required_plans=tuple(
                p for p in plans if p.field.required and p.writable and p.rows is None
            ),
            shortcut=shortcut_of(plans, self.read, validations=bool(self.definition.validations)),
            computed_reads=MappingProxyType(
                {p.key: value_reads[p.key] for p in plans if p.computed is not None}
            ),
        )
        return tuple(self.problems), compiled

    # ------------------------------------------------------------ fields

    def field_plan(
        self, field: FieldBase, where: str, scope: Scope, *, own: frozenset[str]
    ) -> tuple[FieldPlan, frozenset[str]]:
        """The plan of `field` and the names its value-producing expressions read."""
        conditions = {
            name: self.site(getattr(field, name), scope, f"{where}/{name}", BOOLEAN, own)
            for name in ("visible_when", "required_when", "readonly_when")
        }
        currency = result_currency(field)
        default_site = self.site(
            field.default_expression,
            scope,
            f"{where}/default_expression",
            expression_type(field),
            own,
            currency=currency,
        )
        if default_site is not None and self.money is not None:
            self.default_options(field, default_site, f"{where}/default_expression")
        computed_site: Site | None = None
        if isinstance(field, ComputedField):
            expected = COMPUTED_TYPES[field.result_type]
            computed_site = self.site(
                field.expression, scope, f"{where}/expression", expected, own, currency=currency
            )
        if isinstance(field, LookupField) and field.where is not None:
            compile_site(
                field.where, None, pointer=f"{where}/where", expected=None, problems=self.problems
            )
        rows, row_reads = (None, frozenset[str]())
        if isinstance(field, SubtableField):
            rows, row_reads = self.rows_plan(field, where)
        reads = frozenset().union(
            *(site.names for site in (computed_site, default_site) if site is not None),
            row_reads,
        )
        writable = not isinstance(field, ComputedField | SerialNumberField)
        result = result_field(field) if isinstance(field, ComputedField) else None
        plan = FieldPlan(
            key=field.key,
            field=field,
            entry=entry_of(field),
            pointer=pointer_token(field.key),
            convert=converter_of(field),
            check=checker_of(field if result is None else result),
            visible=_expression(conditions["visible_when"]),
            required=_expression(conditions["required_when"]),
            readonly=_expression(conditions["readonly_when"]),
            computed=_expression(computed_site),
            result=result,
            default=self.static_default(field) if writable else None,
            default_expression=_expression(default_site),
            writable=writable,
            multiple=field.type in MULTIPLE_TYPES or bool(getattr(field, "multiple", False)),
            rows=rows,
        )
        return plan, reads

    def site(
        self,
        source: str | None,
        scope: Scope,
        pointer: str,
        expected: Any,
        own: frozenset[str],
        *,
        currency: str | None = None,
    ) -> Site | None:
        """Compile one expression property; `currency`: that of the money it produces."""
        if source is None:
            return None
        found = compile_site(
            source, scope, pointer=pointer, expected=expected, problems=self.problems
        )
        if found is not None:
            self.read.update(found.names - own)
        if found is not None and self.money is not None:
            choices = self.choices
            if self.row is not None:
                choices = {**choices, **choice_options(self.row.fields)}
            self.money_problems.extend(
                _not_an_option(
                    "expression_not_an_option",
                    pointer,
                    foreign.span,
                    foreign.value,
                    choices[foreign.field],
                    field=foreign.field,
                )
                for foreign in foreign_options(found.expression.tree, choices)
            )
            people = self.people
            if self.row is not None:
                people = people | people_fields(self.row.fields)
            self.money_problems.extend(
                problem(
                    "expression_people_by_name",
                    pointer=pointer,
                    line=named.span.line,
                    column=named.span.column,
                    field=named.field,
                    value=named.value,
                )
                for named in names_compared(found.expression.tree, people, ("$user.username",))
            )
            self.money_problems.extend(
                self.money.problems(
                    found.expression.tree,
                    found.names,
                    pointer=pointer,
                    row=self.row,
                    result_currency=currency,
                )
            )
        return found

    def default_options(self, field: FieldBase, site: Site, pointer: str) -> None:
        """Text a choice field's default expression gives must be one of its options: any other
        is refused when a record is made, so the form could not be filled in as designed."""
        allowed = choice_options([field]).get(field.key)
        if allowed is None:
            return
        self.money_problems.extend(
            _not_an_option("default_not_an_option", pointer, literal.span, literal.value, allowed)
            for literal in literal_results(site.expression.tree)
            if literal.value not in allowed
        )

    def static_default(self, field: FieldBase) -> Any:
        if field.default is None:
            return None
        coerced = check_value(field, field.default, context=self.context)
        return coerced.value if coerced.ok else None

    def rows_plan(self, field: SubtableField, where: str) -> tuple[RowsPlan, frozenset[str]]:
        """The rows' plan and the parent names its value-producing row expressions read."""
        scope = row_scope(self.scope, field)
        own = frozenset(column.key for column in field.fields)
        plans: list[FieldPlan] = []
        value_reads: dict[str, frozenset[str]] = {}
        parent_reads: set[str] = set()
        pointers: dict[str, str] = {}
        self.row = field
        for index, column in enumerate(field.fields):
            column_where = f"{where}/fields/{index}"
            plan, reads = self.field_plan(column, column_where, scope, own=own)
            plans.append(plan)
            if _produces_value(plan):
                value_reads[plan.key] = reads & own
                parent_reads.update(reads - own)
                pointers[plan.key] = _value_pointer(plan, column_where)
        self.row = None
        order = self.order(value_reads, pointers, label=f"{field.key}.")
        columns = {plan.key: plan for plan in plans}
        steps = tuple(columns[key] for key in order)
        rows = RowsPlan(
            field=field,
            scope=scope,
            plans=tuple(plans),
            columns=columns,
            steps=steps,
            conditional=tuple(p for p in plans if p.conditional),
            computed_order=tuple(p.key for p in steps if p.computed is not None),
        )
        return rows, frozenset(parent_reads)

    def order(
        self, reads: Mapping[str, frozenset[str]], pointers: Mapping[str, str], *, label: str
    ) -> tuple[str, ...]:
        order, cycles = dependency_order(reads)
        for cycle in cycles:
            named = " → ".join(label + key for key in cycle)
            self.problems.append(problem("computed_cycle", pointer=pointers[cycle[0]], cycle=named))
        return order

    # ------------------------------------------------------------ validations

    def validations(self, by_key: Mapping[str, FieldPlan]) -> tuple[ValidationPlan, ...]:
        plans: list[ValidationPlan] = []
        for index, validation in enumerate(self.definition.validations):
            pointer = f"/validations/{index}/expression"
            site = self.site(validation.expression, self.scope, pointer, BOOLEAN, frozenset())
            if site is None:
                continue
            blamed = by_key.get(validation.fields[0]) if validation.fields else None
            plans.append(
                ValidationPlan(
                    validation=validation,
                    expression=site.expression,
                    pointer=blamed.pointer if blamed is not None else "",
                    zh_cn=label_text(validation.message, "zh-CN"),
                    en=label_text(validation.message, "en"),
                )
            )
        return tuple(plans)


def _expression(site: Site | None) -> CompiledExpression | None:
    return None if site is None else site.expression


def _produces_value(plan: FieldPlan) -> bool:
    rows_steps = plan.rows is not None and bool(plan.rows.steps)
    return plan.computed is not None or plan.default_expression is not None or rows_steps


def _value_pointer(plan: FieldPlan, where: str) -> str:
    if plan.computed is not None:
        return f"{where}/expression"
    if plan.default_expression is not None:
        return f"{where}/default_expression"
    return f"{where}/fields"
