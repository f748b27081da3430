"""Compile-time checks of rule definitions: every expression, template, cron schedule, field
name and example is checked against the form scopes the platform passes in, and every problem
is listed with a stable `E_RULE_...` code, a JSON pointer into the definition and a hint.

Pure: builds the compiled pieces `eca` evaluates (`CompiledRule`), never evaluates a rule.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from jinja2 import StrictUndefined, Template, TemplateSyntaxError, meta
from jinja2.sandbox import ImmutableSandboxedEnvironment
from pydantic import ValidationError

from brickwork.engines.expr import (
    CompiledExpression,
    ExpressionError,
    ExprType,
    Scope,
    compile_expression,
    to_sql_ir,
)
from brickwork.engines.expr import datatypes as t
from brickwork.engines.expr.sql_ir import SqlExpr
from brickwork.engines.expr.values import YearsMonths, parse_duration
from brickwork.engines.rules.cron import CronError, CronSchedule, parse_cron, time_zone
from brickwork.engines.rules.rule_definition import (
    Action,
    Aggregate,
    Block,
    CallDecision,
    CreateRecord,
    Notify,
    RaiseAlert,
    RuleDefinition,
    ScheduleTrigger,
    SetFields,
    StartFlow,
    UpdateRecords,
)

RESERVED_NAMES = frozenset({"record", "previous", "changed", "event", "params", "it"})
"""Names every rule expression may use; `let` bindings and aggregates may not take them."""
TEMPLATE_NAMES = frozenset({*RESERVED_NAMES - {"it"}, "aggregates", "bindings", "rule"})
"""Names a template may use (besides the `let` bindings and aggregates, also top-level)."""
BEFORE_SAVE_ACTIONS = frozenset({"set_fields", "block", "call_decision"})
TEMPLATES = ImmutableSandboxedEnvironment(undefined=StrictUndefined, autoescape=False)


@dataclass(frozen=True, slots=True)
class RuleProblem:
    """One thing wrong with a rule definition."""

    code: str
    pointer: str
    """JSON pointer into the rule definition (`/actions/0/values/amount`)."""
    message: str
    hint: str | None = None
    rule: str | None = None
    """The rule's key, when known."""


class RuleDefinitionError(Exception):
    """A rule definition (or a set of them) that cannot be compiled; all problems listed."""

    def __init__(self, problems: Sequence[RuleProblem]) -> None:
        self.problems = tuple(problems)
        lines = [f"{p.code} at {p.pointer or '/'}: {p.message}" for p in self.problems]
        super().__init__("\n".join(lines))


@dataclass(frozen=True, slots=True)
class WindowSpec:
    """A compiled window: `field` of the candidate within `within` of the anchor."""

    field: str
    within: timedelta
    direction: Literal["before", "after"]
    relative_to: str
    """A field key of the triggering record, or `$now`."""
    include_start: bool
    include_end: bool
    field_type: Literal["date", "date and time"]


@dataclass(frozen=True, slots=True)
class AggregateSpec:
    """What the platform must compute for one aggregate of one rule (before `evaluate`)."""

    rule: str
    name: str
    form: str
    function: Literal["count", "sum", "min", "max", "avg"]
    field: str | None
    filter_source: str | None
    filter_sql: SqlExpr | None
    """The filter as SQL IR: `SqlColumn(("it", f))` is the candidate's column `f`;
    `("record", f)` and `("params", p)` are values from `AggregateRequest.parameters`."""
    window: WindowSpec | None
    result_type: ExprType


@dataclass(frozen=True, slots=True)
class CompiledTemplate:
    source: str
    template: Template


@dataclass(frozen=True, slots=True)
class CompiledAction:
    action: Action
    pointer: str
    values: Mapping[str, CompiledExpression] = field(default_factory=dict)
    """`values` of set/create/update/alert, `inputs` of call_decision and start_flow."""
    filter_sql: SqlExpr | None = None
    templates: Mapping[str, CompiledTemplate] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CompiledRule:
    definition: RuleDefinition
    schedule: CronSchedule | None
    lets: tuple[tuple[str, CompiledExpression], ...]
    aggregates: tuple[AggregateSpec, ...]
    condition: CompiledExpression | None
    actions: tuple[CompiledAction, ...]
    dedup_key: CompiledExpression | None
    parameter_types: Mapping[str, str]
    record_scope: Scope | None
    """The scope of the trigger's form (None: the trigger has no record)."""

    @property
    def key(self) -> str:
        return self.definition.key


def parse_rule(data: Mapping[str, Any] | RuleDefinition) -> RuleDefinition:
    """Validate raw definition data; raises `RuleDefinitionError` (`E_RULE_DEFINITION`)."""
    if isinstance(data, RuleDefinition):
        return data
    try:
        return RuleDefinition.model_validate(data)
    except ValidationError as exc:
        key = data.get("key") if isinstance(data.get("key"), str) else None
        problems = [
            RuleProblem(
                "E_RULE_DEFINITION",
                _pointer_of(data, error["loc"]),
                error["msg"],
                "see the rule format in docs/rules-eca.md",
                key,
            )
            for error in exc.errors()
        ]
        raise RuleDefinitionError(problems) from None


def _pointer_of(data: object, loc: Sequence[int | str]) -> str:
    """A JSON pointer along `loc`, skipping the union tags pydantic adds to it."""
    parts: list[str] = []
    node = data
    for step in loc:
        found, child = _child(node, step)
        if not found and isinstance(step, str) and step in _UNION_TAGS:
            continue
        parts.append(_esc(str(step)))
        if not found:
            break
        node = child
    return "/" + "/".join(parts) if parts else ""


def _child(node: object, step: int | str) -> tuple[bool, object]:
    if isinstance(node, Mapping):
        return (step in node), node.get(step)
    if isinstance(node, list | tuple) and isinstance(step, int) and 0 <= step < len(node):
        return True, node[step]
    return False, None


_UNION_TAGS = frozenset(
    {"record", "flow", "schedule", "manual", "set_fields", "create_record", "update_records"}
    | {"call_decision", "start_flow", "raise_alert", "notify", "block"}
)


class RuleCompiler:
    """Checks one rule and builds its `CompiledRule`; problems accumulate in `problems`."""

    def __init__(
        self,
        rule: RuleDefinition,
        scopes: Mapping[str, Scope],
        calendars: Sequence[str] | None,
    ) -> None:
        self.rule = rule
        self.scopes = scopes
        self.calendars = calendars
        self.problems: list[RuleProblem] = []

    def problem(self, code: str, pointer: str, message: str, hint: str) -> None:
        self.problems.append(RuleProblem(code, pointer, message, hint, self.rule.key))

    # ------------------------------------------------------------ scopes

    def form_scope(self, form: str, pointer: str) -> Scope | None:
        found = self.scopes.get(form)
        if found is None:
            known = ", ".join(sorted(self.scopes)) or "none"
            self.problem(
                "E_RULE_UNKNOWN_FORM", pointer, f"unknown form `{form}`", f"known: {known}"
            )
        return found

    def field_type(self, scope: Scope, name: str, pointer: str, form: str) -> ExprType | None:
        found = scope.fields.get(name)
        if found is None:
            known = ", ".join(sorted(scope.fields))
            message = f"form `{form}` has no field `{name}`"
            self.problem("E_RULE_UNKNOWN_FIELD", pointer, message, f"fields: {known}")
        return found

    def expression(
        self, source: str, scope: Scope, pointer: str, *, boolean: bool = False
    ) -> CompiledExpression | None:
        try:
            compiled = compile_expression(source, scope)
        except ExpressionError as exc:
            first = exc.diagnostics[0]
            message = f"{first.code} at {first.line}:{first.column}: {first.message}"
            hint = first.hint or "see docs/expressions.md"
            self.problem("E_RULE_EXPRESSION", pointer, message, hint)
            return None
        found = compiled.result_type
        if boolean and t.is_known(found) and found.kind != t.BOOLEAN.kind:
            message = f"a condition (true/false) is needed here, not a {found}"
            self.problem("E_RULE_NOT_BOOLEAN", pointer, message, "compare with =, <, >, ...")
            return None
        return compiled

    def filter_sql(self, source: str, scope: Scope, pointer: str) -> SqlExpr | None:
        if self.expression(source, scope, pointer, boolean=True) is None:
            return None
        try:
            return to_sql_ir(source, scope, predicate=True)
        except ExpressionError as exc:
            first = exc.diagnostics[0]
            message = f"the filter has no SQL form: {first.message}"
            hint = "use comparisons, and/or/not, arithmetic and pushable functions"
            self.problem("E_RULE_FILTER_NOT_PUSHABLE", pointer, message, first.hint or hint)
            return None

    def template(self, source: str, names: frozenset[str], pointer: str) -> CompiledTemplate | None:
        try:
            parsed = TEMPLATES.parse(source)
        except TemplateSyntaxError as exc:
            message = f"template line {exc.lineno}: {exc.message}"
            self.problem("E_RULE_TEMPLATE", pointer, message, "see the Jinja2 template syntax")
            return None
        unknown = sorted(meta.find_undeclared_variables(parsed) - names)
        if unknown:
            message = f"the template uses unknown name `{unknown[0]}`"
            self.problem(
                "E_RULE_TEMPLATE_NAME", pointer, message, f"use: {', '.join(sorted(names))}"
            )
            return None
        return CompiledTemplate(source, TEMPLATES.from_string(source))

    # ------------------------------------------------------------ the rule

    def compile(self) -> CompiledRule:
        rule = self.rule
        record_scope = self._trigger()
        self._phase()
        self._effective()
        parameter_types = self._parameters()
        calendars = self.calendars
        if rule.calendar is not None and calendars is not None and rule.calendar not in calendars:
            self.problem(
                "E_RULE_UNKNOWN_CALENDAR", "/calendar", f"unknown calendar `{rule.calendar}`",
                f"known: {', '.join(sorted(calendars)) or 'none'}",
            )  # fmt: skip
        record_type = t.context_of(record_scope.fields) if record_scope else None
        base: dict[str, ExprType] = {"changed": t.list_of(t.STRING), "event": t.STRING}
        if record_type is not None:
            base |= {"record": record_type, "previous": record_type}
        base["params"] = t.context_of({k: t.as_type(v) for k, v in parameter_types.items()})
        self._names()
        aggregates = tuple(
            spec
            for index, aggregate in enumerate(rule.aggregates)
            if (spec := self._aggregate(index, aggregate, base, record_scope)) is not None
        )
        fields = dict(base) | {a.name: a.result_type for a in aggregates}
        for aggregate in rule.aggregates:  # refused ones still take their name
            fields.setdefault(aggregate.name, t.ANY)
        lets: list[tuple[str, CompiledExpression]] = []
        for index, binding in enumerate(rule.let):
            compiled = self.expression(
                binding.expression, Scope(dict(fields)), f"/let/{index}/expression"
            )
            fields[binding.name] = compiled.result_type if compiled else t.ANY
            if compiled is not None:
                lets.append((binding.name, compiled))
        scope = Scope(fields)
        condition = None
        if rule.condition is not None:
            condition = self.expression(rule.condition, scope, "/condition", boolean=True)
        dedup_key = self._dedup(scope)
        names = TEMPLATE_NAMES | {a.name for a in rule.aggregates} | {b.name for b in rule.let}
        actions = tuple(
            done
            for index, action in enumerate(rule.actions)
            if (done := self._action(index, action, scope, record_scope, names)) is not None
        )
        self._duplicate_ids()
        self._examples(record_scope)
        schedule = self._schedule()
        return CompiledRule(
            rule, schedule, tuple(lets), aggregates, condition, actions, dedup_key,
            parameter_types, record_scope,
        )  # fmt: skip

    def _trigger(self) -> Scope | None:
        trigger = self.rule.trigger
        form = None if isinstance(trigger, ScheduleTrigger) else trigger.form
        if form is None:
            return None
        scope = self.form_scope(form, "/trigger/form")
        if scope is not None and trigger.type == "record":
            for index, name in enumerate(trigger.changed_fields):
                self.field_type(scope, name, f"/trigger/changed_fields/{index}", form)
        return scope

    def _schedule(self) -> CronSchedule | None:
        trigger = self.rule.trigger
        if not isinstance(trigger, ScheduleTrigger):
            return None
        schedule = None
        try:
            schedule = parse_cron(trigger.cron)
        except CronError as exc:
            self.problem("E_RULE_CRON", "/trigger/cron", exc.message, exc.hint)
        try:
            time_zone(trigger.time_zone)
        except CronError as exc:
            self.problem("E_RULE_TIME_ZONE", "/trigger/time_zone", exc.message, exc.hint)
        return schedule

    def _phase(self) -> None:
        rule = self.rule
        if rule.phase == "before_save":
            if rule.trigger.type != "record":
                self.problem(
                    "E_RULE_PHASE", "/phase", "only record triggers can run before save",
                    'use "phase": "after_save"',
                )  # fmt: skip
            if rule.mode == "async":
                self.problem(
                    "E_RULE_PHASE", "/mode", "a before-save rule cannot run asynchronously",
                    'use "mode": "same_transaction" or an after-save rule',
                )  # fmt: skip
        for index, action in enumerate(rule.actions):
            if rule.phase == "before_save" and action.type not in BEFORE_SAVE_ACTIONS:
                self.problem(
                    "E_RULE_PHASE", f"/actions/{index}/type",
                    f"`{action.type}` cannot run before save",
                    "before save: set_fields, block, call_decision; move it to an after-save rule",
                )  # fmt: skip
            if rule.phase == "after_save" and action.type == "block":
                self.problem(
                    "E_RULE_PHASE", f"/actions/{index}/type", "only before-save rules can block",
                    'use "phase": "before_save"',
                )  # fmt: skip

    def _effective(self) -> None:
        start, end = self.rule.effective_from, self.rule.effective_to
        if start is not None and end is not None and end <= start:
            self.problem(
                "E_RULE_EFFECTIVE_RANGE", "/effective_to",
                "`effective_to` must be after `effective_from`", "the range is [from, to)",
            )  # fmt: skip

    def _parameters(self) -> dict[str, str]:
        types: dict[str, str] = {}
        for index, parameter in enumerate(self.rule.parameters):
            types[parameter.name] = parameter.type
            seen: set[datetime] = set()
            for number, version in enumerate(parameter.versions):
                pointer = f"/parameters/{index}/versions/{number}"
                if version.effective_from in seen:
                    self.problem(
                        "E_RULE_PARAMETER", f"{pointer}/effective_from",
                        "two versions take effect at the same time", "give each its own date",
                    )  # fmt: skip
                seen.add(version.effective_from)
                if not _parameter_value_ok(parameter.type, version.value):
                    self.problem(
                        "E_RULE_PARAMETER", f"{pointer}/value",
                        f"the value is not a {parameter.type}",
                        "numbers as decimals, dates as YYYY-MM-DD",
                    )  # fmt: skip
        return types

    def _names(self) -> None:
        rule = self.rule
        parameters: set[str] = set()
        for index, parameter in enumerate(rule.parameters):
            if parameter.name in parameters:
                self.problem(
                    "E_RULE_DUPLICATE_NAME", f"/parameters/{index}/name",
                    f"parameter `{parameter.name}` twice", "give each parameter its own name",
                )  # fmt: skip
            parameters.add(parameter.name)
        named = [(f"/aggregates/{i}/name", a.name) for i, a in enumerate(rule.aggregates)]
        named += [(f"/let/{i}/name", b.name) for i, b in enumerate(rule.let)]
        seen: dict[str, str] = {}
        for pointer, name in named:
            if name in RESERVED_NAMES:
                self.problem(
                    "E_RULE_DUPLICATE_NAME", pointer, f"`{name}` is a reserved name",
                    f"reserved: {', '.join(sorted(RESERVED_NAMES))}",
                )  # fmt: skip
            elif name in seen:
                self.problem(
                    "E_RULE_DUPLICATE_NAME", pointer,
                    f"`{name}` is already defined at {seen[name]}",
                    "give each binding and aggregate its own name",
                )  # fmt: skip
            seen.setdefault(name, pointer)

    def _aggregate(
        self, index: int, aggregate: Aggregate, base: Mapping[str, ExprType], record: Scope | None
    ) -> AggregateSpec | None:
        pointer = f"/aggregates/{index}"
        scope = self.form_scope(aggregate.form, f"{pointer}/form")
        if scope is None:
            return None
        ok = True
        result_type = t.NUMBER
        if aggregate.field is None:
            if aggregate.function != "count":
                self.problem(
                    "E_RULE_AGGREGATE_FIELD", f"{pointer}/field",
                    f"`{aggregate.function}` needs a field", "name the field to aggregate",
                )  # fmt: skip
                ok = False
        else:
            found = self.field_type(scope, aggregate.field, f"{pointer}/field", aggregate.form)
            numeric = aggregate.function in ("sum", "avg")
            if found is None:
                ok = False
            elif numeric and found.kind != t.NUMBER.kind:
                self.problem(
                    "E_RULE_FIELD_TYPE", f"{pointer}/field",
                    f"`{aggregate.function}` needs a number field, `{aggregate.field}` is {found}",
                    "aggregate a number field, or use count/min/max",
                )  # fmt: skip
                ok = False
            elif aggregate.function in ("min", "max"):
                result_type = found
        filter_scope = Scope(
            {"it": t.context_of(scope.fields)} | {k: v for k, v in base.items() if k in
                                                   ("record", "params")}
        )  # fmt: skip
        filter_sql = None
        if aggregate.filter is not None:
            filter_sql = self.filter_sql(aggregate.filter, filter_scope, f"{pointer}/filter")
            ok = ok and filter_sql is not None
        window = self._window(pointer, aggregate, scope, record) if aggregate.window else None
        if aggregate.window is not None and window is None:
            ok = False
        if not ok:
            return None
        return AggregateSpec(
            self.rule.key, aggregate.name, aggregate.form, aggregate.function, aggregate.field,
            aggregate.filter, filter_sql, window, result_type,
        )  # fmt: skip

    def _window(
        self, pointer: str, aggregate: Aggregate, scope: Scope, record: Scope | None
    ) -> WindowSpec | None:
        window = aggregate.window
        assert window is not None
        pointer = f"{pointer}/window"
        temporal = (t.DATE.kind, t.DATETIME.kind)
        found = self.field_type(scope, window.field, f"{pointer}/field", aggregate.form)
        if found is not None and found.kind not in temporal:
            self.problem(
                "E_RULE_FIELD_TYPE", f"{pointer}/field",
                f"a window needs a date or date-and-time field, `{window.field}` is {found}",
                "name a date or date-and-time field of the candidate form",
            )  # fmt: skip
            found = None
        within = _positive_duration(window.within)
        if within is None:
            self.problem(
                "E_RULE_DURATION", f"{pointer}/within",
                f"`{window.within}` is not a positive days-and-time duration", "e.g. P7D or PT24H",
            )  # fmt: skip
        anchor_ok = True
        if window.relative_to != "$now":
            if record is None:
                self.problem(
                    "E_RULE_UNKNOWN_FIELD", f"{pointer}/relative_to",
                    "this trigger has no record to anchor the window on", 'use "$now"',
                )  # fmt: skip
                anchor_ok = False
            else:
                form = self.rule.trigger.form if self.rule.trigger.type != "schedule" else ""
                anchor = self.field_type(record, window.relative_to, f"{pointer}/relative_to",
                                         form or "")  # fmt: skip
                if anchor is None:
                    anchor_ok = False
                elif found is not None and anchor.kind != found.kind:
                    self.problem(
                        "E_RULE_FIELD_TYPE", f"{pointer}/relative_to",
                        f"the anchor is a {anchor} but the window field is a {found}",
                        "anchor a date window on a date field, a date-and-time one on a "
                        "date-and-time field (or on $now)",
                    )  # fmt: skip
                    anchor_ok = False
        if found is None or within is None or not anchor_ok:
            return None
        kind: Literal["date", "date and time"] = "date" if found.kind == t.DATE.kind else (
            "date and time")  # fmt: skip
        return WindowSpec(
            window.field, within, window.direction, window.relative_to, window.include_start,
            window.include_end, kind,
        )  # fmt: skip

    def _dedup(self, scope: Scope) -> CompiledExpression | None:
        dedup = self.rule.dedup
        if dedup is None:
            return None
        if dedup.scope == "window":
            windowed = {a.name for a in self.rule.aggregates if a.window is not None}
            if dedup.window_of not in windowed:
                self.problem(
                    "E_RULE_DEDUP_WINDOW", "/dedup/window_of",
                    "a per-window de-duplication needs the name of an aggregate with a window",
                    f"windowed aggregates: {', '.join(sorted(windowed)) or 'none'}; or use "
                    '"scope": "ever"',
                )  # fmt: skip
        return self.expression(dedup.key, scope, "/dedup/key")

    def _action(
        self, index: int, action: Action, scope: Scope, record: Scope | None, names: frozenset[str]
    ) -> CompiledAction | None:
        pointer = f"/actions/{index}"
        problems = len(self.problems)
        values: dict[str, CompiledExpression | None] = {}
        templates: dict[str, CompiledTemplate | None] = {}
        filter_sql = None
        form = None if self.rule.trigger.type == "schedule" else self.rule.trigger.form
        match action:
            case SetFields():
                values = self._set_fields(action, scope, record, form or "", pointer)
            case CreateRecord():
                target = self.form_scope(action.form, f"{pointer}/form")
                values = self._values(
                    action.values, scope, target, action.form, f"{pointer}/values"
                )
            case UpdateRecords():
                values, filter_sql = self._update(action, scope, pointer)
            case CallDecision():
                values = self._decision(action, scope, record, form or "", pointer)
            case StartFlow():
                for name, source in action.inputs.items():
                    values[name] = self.expression(source, scope, f"{pointer}/inputs/{_esc(name)}")
            case RaiseAlert():
                target = self.form_scope(action.alert_form, f"{pointer}/alert_form")
                values = self._values(
                    action.values, scope, target, action.alert_form, f"{pointer}/values"
                )
                templates["title"] = self.template(action.title, names, f"{pointer}/title")
                templates["message"] = self.template(action.message, names, f"{pointer}/message")
            case Notify():
                templates = self._notify(action, record, form or "", names, pointer)
            case Block():
                if action.field is not None and record is not None:
                    self.field_type(record, action.field, f"{pointer}/field", form or "")
        if len(self.problems) > problems:
            return None
        return CompiledAction(
            action, pointer,
            {k: v for k, v in values.items() if v is not None}, filter_sql,
            {k: v for k, v in templates.items() if v is not None},
        )  # fmt: skip

    def _set_fields(
        self, action: SetFields, scope: Scope, record: Scope | None, form: str, pointer: str
    ) -> dict[str, CompiledExpression | None]:
        if record is None:
            self.problem(
                "E_RULE_UNKNOWN_FORM", f"{pointer}/type", "set_fields needs a trigger with a form",
                "use create_record or update_records",
            )  # fmt: skip
        return self._values(action.values, scope, record, form, f"{pointer}/values")

    def _update(
        self, action: UpdateRecords, scope: Scope, pointer: str
    ) -> tuple[dict[str, CompiledExpression | None], SqlExpr | None]:
        target = self.form_scope(action.form, f"{pointer}/form")
        if target is None:
            return {}, None
        it = {"it": t.context_of(target.fields)}
        inner = Scope(dict(scope.fields) | it)
        shared = {k: v for k, v in scope.fields.items() if k in ("record", "params")}
        filter_sql = self.filter_sql(action.filter, Scope(it | shared), f"{pointer}/filter")
        values = self._values(action.values, inner, target, action.form, f"{pointer}/values")
        return values, filter_sql

    def _decision(
        self, action: CallDecision, scope: Scope, record: Scope | None, form: str, pointer: str
    ) -> dict[str, CompiledExpression | None]:
        values = {
            name: self.expression(source, scope, f"{pointer}/inputs/{_esc(name)}")
            for name, source in action.inputs.items()
        }
        for key in action.outputs:
            if record is None:
                self.problem(
                    "E_RULE_UNKNOWN_FIELD", f"{pointer}/outputs/{key}",
                    "this trigger has no record to copy outputs into", "give the trigger a form",
                )  # fmt: skip
            else:
                self.field_type(record, key, f"{pointer}/outputs/{key}", form)
        return values

    def _notify(
        self, action: Notify, record: Scope | None, form: str, names: frozenset[str], pointer: str
    ) -> dict[str, CompiledTemplate | None]:
        templates = {"body": self.template(action.body, names, f"{pointer}/body")}
        if action.subject is not None:
            templates["subject"] = self.template(action.subject, names, f"{pointer}/subject")
        self._recipients(action, record, form, pointer)
        return templates

    def _values(
        self, values: Mapping[str, str], scope: Scope, target: Scope | None, form: str,
        pointer: str,
    ) -> dict[str, CompiledExpression | None]:  # fmt: skip
        compiled: dict[str, CompiledExpression | None] = {}
        for name, source in values.items():
            if target is not None:
                self.field_type(target, name, f"{pointer}/{name}", form)
            compiled[name] = self.expression(source, scope, f"{pointer}/{name}")
        return compiled

    def _recipients(self, action: Notify, record: Scope | None, form: str, pointer: str) -> None:
        if action.channel == "webhook" and action.endpoint is None:
            self.problem(
                "E_RULE_NOTIFY", f"{pointer}/endpoint", "a webhook needs an endpoint key",
                "name an endpoint configured on the platform",
            )  # fmt: skip
        if action.channel != "webhook" and not action.recipients:
            self.problem(
                "E_RULE_NOTIFY", f"{pointer}/recipients", "a notification needs recipients",
                'e.g. {"kind": "role", "value": "compliance"}',
            )  # fmt: skip
        for number, recipient in enumerate(action.recipients):
            if recipient.kind == "field":
                where = f"{pointer}/recipients/{number}/value"
                if record is None:
                    self.problem("E_RULE_UNKNOWN_FIELD", where, "this trigger has no record",
                                 "use a user or role recipient")  # fmt: skip
                else:
                    self.field_type(record, recipient.value, where, form)

    def _duplicate_ids(self) -> None:
        for group, items in (("actions", self.rule.actions), ("examples", self.rule.examples)):
            seen: set[str] = set()
            for index, item in enumerate(items):
                if item.id in seen:
                    self.problem(
                        "E_RULE_DUPLICATE_ID", f"/{group}/{index}/id",
                        f"id `{item.id}` is used twice",
                        "ids are stable and unique within the rule",
                    )  # fmt: skip
                seen.add(item.id)

    def _examples(self, record: Scope | None) -> None:
        aggregates = {a.name for a in self.rule.aggregates}
        actions = {a.id for a in self.rule.actions}
        for index, example in enumerate(self.rule.examples):
            pointer = f"/examples/{index}"
            for part in ("record", "previous"):
                given = getattr(example.given, part)
                if given is None:
                    continue
                if record is None:
                    self.problem("E_RULE_EXAMPLE", f"{pointer}/given/{part}",
                                 "this trigger has no record", "leave it out")  # fmt: skip
                    continue
                for name in given:
                    if name not in record.fields:
                        self.problem(
                            "E_RULE_EXAMPLE", f"{pointer}/given/{part}/{_esc(name)}",
                            f"the trigger's form has no field `{name}`",
                            f"fields: {', '.join(sorted(record.fields))}",
                        )  # fmt: skip
            for name in example.given.aggregates:
                if name not in aggregates:
                    self.problem(
                        "E_RULE_EXAMPLE", f"{pointer}/given/aggregates/{name}",
                        f"the rule has no aggregate `{name}`",
                        f"aggregates: {', '.join(sorted(aggregates)) or 'none'}",
                    )  # fmt: skip
            for number, expected in enumerate(example.expect.actions):
                if expected.action not in actions:
                    self.problem(
                        "E_RULE_EXAMPLE", f"{pointer}/expect/actions/{number}/action",
                        f"the rule has no action `{expected.action}`",
                        f"actions: {', '.join(sorted(actions))}",
                    )  # fmt: skip


def _esc(name: str) -> str:
    return name.replace("~", "~0").replace("/", "~1")


def _positive_duration(text: str) -> timedelta | None:
    try:
        found = parse_duration(text)
    except ValueError:
        return None
    if isinstance(found, YearsMonths) or found <= timedelta(0):
        return None
    return found


def _parameter_value_ok(kind: str, value: object) -> bool:
    match kind:
        case "number":
            return isinstance(value, Decimal) or _is_decimal_text(value)
        case "string":
            return isinstance(value, str)
        case "boolean":
            return isinstance(value, bool)
        case "date":
            if isinstance(value, date) and not isinstance(value, datetime):
                return True
            return isinstance(value, str) and _is_date_text(value)
    return False


def _is_decimal_text(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        return Decimal(value).is_finite()
    except InvalidOperation:
        return False


def _is_date_text(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True
