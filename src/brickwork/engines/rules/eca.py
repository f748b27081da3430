"""Event-condition-action rules: compile a set of rule definitions, tell the platform which
aggregates an event needs, evaluate the event, and run the embedded examples.

Pure: no database, no clock, no I/O. The platform's part, per event:

1. `ruleset.aggregate_requests(event)` → the windowed aggregates to compute (one SQL query
   each, through the permission layer as the rule's owner);
2. `evaluate(ruleset, event, aggregates)` → an `Outcome`: per triggered rule, in salience
   order, its effects as data plus a trace;
3. apply `outcome.effects` (nothing when `outcome.error` is set; shadow rules never give any),
   and record each `RuleResult` that acted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from jinja2 import TemplateError

from brickwork.engines.expr import CompiledExpression, EvaluationContext, Scope
from brickwork.engines.expr.environment import WorkingCalendar
from brickwork.engines.expr.sql_ir import SqlExpr
from brickwork.engines.expr.values import literal_text
from brickwork.engines.rules.calendar import BusinessCalendar
from brickwork.engines.rules.eca_compile import (
    AggregateSpec,
    CompiledAction,
    CompiledRule,
    RuleCompiler,
    RuleDefinitionError,
    RuleProblem,
    WindowSpec,
    parse_rule,
)
from brickwork.engines.rules.rule_definition import (
    Block,
    CallDecision,
    CreateRecord,
    I18nText,
    Label,
    Notify,
    RaiseAlert,
    RuleDefinition,
    SetFields,
    StartFlow,
    UpdateRecords,
)

__all__ = [
    "DEFAULT_CASCADE_LIMIT",
    "AggregateRequest",
    "AggregateSpec",
    "AlertEffect",
    "BlockEffect",
    "CallDecisionEffect",
    "CascadeLimitExceeded",
    "CreateRecordEffect",
    "DedupKey",
    "Effect",
    "ExampleResult",
    "ExamplesReport",
    "NotifyEffect",
    "Outcome",
    "RuleDefinitionError",
    "RuleProblem",
    "RuleResult",
    "RuleSet",
    "RuleTrace",
    "SetFieldsEffect",
    "StartFlowEffect",
    "TriggerEvent",
    "UpdateRecordsEffect",
    "WindowBounds",
    "check_publishable",
    "compile_rules",
    "evaluate",
    "parse_rule",
    "run_examples",
]

DEFAULT_CASCADE_LIMIT = 5
"""How many rule-caused events may follow one another before evaluation stops with an error."""

EventKind = Literal[
    "created", "updated", "deleted", "started", "node_entered", "approved", "rejected",
    "finished", "schedule", "manual",
]  # fmt: skip
Phase = Literal["before_save", "after_save"]


# ---------------------------------------------------------------- inputs


@dataclass(frozen=True, slots=True)
class TriggerEvent:
    """What happened. Record values are runtime values (`Decimal`, `date`, aware `datetime`)."""

    kind: EventKind
    as_of: datetime
    """The evaluation time: `$now`, effective dating and parameter versions use it."""
    form: str | None = None
    flow: str | None = None
    node: str | None = None
    record: Mapping[str, Any] | None = None
    previous: Mapping[str, Any] | None = None
    changed: frozenset[str] | None = None
    """Changed field keys; None: worked out from `record` and `previous`."""
    actor: Mapping[str, Any] | None = None
    """The acting user (`$user`)."""
    phase: Phase = "after_save"
    """Record events are evaluated twice: before the save and after it."""
    rule: str | None = None
    """Schedule and manual events: the key of the rule that fires (others are not triggered)."""
    cascade: tuple[str, ...] = ()
    """Keys of the rules whose actions led to this event, oldest first (empty: a user did)."""

    def changed_fields(self) -> frozenset[str]:
        if self.changed is not None:
            return self.changed
        if self.record is None or self.previous is None:
            return frozenset(self.record or ())
        keys = set(self.record) | set(self.previous)
        return frozenset(k for k in keys if self.record.get(k) != self.previous.get(k))


@dataclass(frozen=True, slots=True)
class WindowBounds:
    """A window resolved against one event: `field` between `start` and `end`."""

    field: str
    start: date | datetime
    end: date | datetime
    include_start: bool
    include_end: bool
    anchor: date | datetime


@dataclass(frozen=True, slots=True)
class AggregateRequest:
    """One aggregate the platform must compute for one event, window already resolved.

    When `window` is None although `spec.window` is set, the anchor was null: the value is null
    and no query is needed."""

    spec: AggregateSpec
    window: WindowBounds | None
    parameters: Mapping[str, Any]
    """Values for `record.*` and `params.*` columns of `spec.filter_sql`."""

    @property
    def rule(self) -> str:
        return self.spec.rule

    @property
    def name(self) -> str:
        return self.spec.name


# ---------------------------------------------------------------- effects


@dataclass(frozen=True, slots=True)
class DedupKey:
    """Raise the alert unless one with the same `value` exists raised at or after `since`
    (None: ever). Store `at` with the alert: it is the anchor later windows compare with."""

    value: str
    since: date | datetime | None
    at: date | datetime


@dataclass(frozen=True, slots=True)
class SetFieldsEffect:
    rule: str
    action: str
    values: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class CreateRecordEffect:
    rule: str
    action: str
    form: str
    values: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class UpdateRecordsEffect:
    """Update the records of `form` matching `filter_sql`, each with `values_for(it)`."""

    rule: str
    action: str
    form: str
    filter_source: str
    filter_sql: SqlExpr | None
    parameters: Mapping[str, Any]
    """Values for `record.*` and `params.*` in the filter (as for aggregates)."""
    expressions: Mapping[str, CompiledExpression]
    variables: Mapping[str, Any]
    context: EvaluationContext

    def values_for(self, candidate: Mapping[str, Any]) -> dict[str, Any]:
        """The new values for one matching record (`it` = `candidate`)."""
        variables = dict(self.variables) | {"it": dict(candidate)}
        return {
            name: expression.evaluate(variables, context=self.context).value
            for name, expression in self.expressions.items()
        }


@dataclass(frozen=True, slots=True)
class CallDecisionEffect:
    """Evaluate `decision` with `inputs`; copy output `outputs[field]` into each `field`."""

    rule: str
    action: str
    decision: str
    inputs: Mapping[str, Any]
    outputs: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class StartFlowEffect:
    rule: str
    action: str
    flow: str
    inputs: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class AlertEffect:
    rule: str
    action: str
    alert_form: str
    severity: str
    title: str | None
    message: str | None
    values: Mapping[str, Any]
    dedup: DedupKey | None
    trace: RuleTrace


@dataclass(frozen=True, slots=True)
class NotifyEffect:
    rule: str
    action: str
    channel: str
    recipients: tuple[tuple[str, str], ...]
    """(kind, value): `("user", id)` or `("role", key)`; field recipients are resolved to users."""
    endpoint: str | None
    subject: str | None
    body: str | None


@dataclass(frozen=True, slots=True)
class BlockEffect:
    rule: str
    action: str
    message: Label
    pointer: str
    """JSON pointer into the record (`/amount`), or `` for the record as a whole."""

    @property
    def text(self) -> str:
        return _label_text(self.message)


Effect = (
    SetFieldsEffect | CreateRecordEffect | UpdateRecordsEffect | CallDecisionEffect
    | StartFlowEffect | AlertEffect | NotifyEffect | BlockEffect
)  # fmt: skip


# ---------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class RuleTrace:
    """Why a rule did or did not act."""

    parameters: Mapping[str, Any] = field(default_factory=dict)
    aggregates: Mapping[str, Any] = field(default_factory=dict)
    bindings: Mapping[str, Any] = field(default_factory=dict)
    condition: Any = None
    reason: str | None = None
    """For a rule that did not act: why (`condition was false`, `not in effect ...`)."""
    diagnostics: tuple[str, ...] = ()
    """Expression and template problems met while evaluating (`where: CODE message`)."""


@dataclass(frozen=True, slots=True)
class RuleResult:
    rule: str
    status: Literal["matched", "not_matched", "not_effective", "error"]
    shadow: bool
    effects: tuple[Effect, ...]
    trace: RuleTrace
    dedup: DedupKey | None = None


@dataclass(frozen=True, slots=True)
class CascadeLimitExceeded:
    code: str
    message: str
    chain: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Outcome:
    results: tuple[RuleResult, ...]
    """Every triggered rule, by salience (higher first), then key."""
    error: CascadeLimitExceeded | None = None

    @property
    def effects(self) -> tuple[Effect, ...]:
        """What the platform must apply, in order: none on error, none from shadow rules."""
        if self.error is not None:
            return ()
        return tuple(e for r in self.results if not r.shadow for e in r.effects)

    @property
    def blocks(self) -> tuple[BlockEffect, ...]:
        return tuple(e for e in self.effects if isinstance(e, BlockEffect))


# ---------------------------------------------------------------- the rule set


@dataclass(frozen=True, slots=True)
class RuleSet:
    rules: tuple[CompiledRule, ...]
    """Sorted by salience (higher first), then key."""
    scopes: Mapping[str, Scope]
    calendars: Mapping[str, WorkingCalendar]
    cascade_limit: int

    def rule(self, key: str) -> CompiledRule:
        for rule in self.rules:
            if rule.key == key:
                return rule
        raise KeyError(key)

    def triggered(self, event: TriggerEvent) -> tuple[CompiledRule, ...]:
        """The rules this event triggers (in order), effective or not."""
        return tuple(r for r in self.rules if _triggers(r, event))

    def aggregate_specs(self, key: str) -> tuple[AggregateSpec, ...]:
        return self.rule(key).aggregates

    def aggregate_requests(self, event: TriggerEvent) -> tuple[AggregateRequest, ...]:
        """The aggregates the platform must compute before `evaluate(..., event, ...)`: those
        of the triggered rules in effect at `event.as_of`."""
        requests = []
        for rule in self.triggered(event):
            if not _effective(rule.definition, event.as_of):
                continue
            parameters = {
                "record": dict(event.record or {}),
                "params": _parameters(rule, event.as_of),
            }
            for spec in rule.aggregates:
                window = _bounds(spec.window, event) if spec.window else None
                requests.append(AggregateRequest(spec, window, parameters))
        return tuple(requests)


def compile_rules(
    definitions: Iterable[RuleDefinition | Mapping[str, Any]],
    scopes: Mapping[str, Scope],
    *,
    calendars: Mapping[str, WorkingCalendar] | None = None,
    cascade_limit: int = DEFAULT_CASCADE_LIMIT,
) -> RuleSet:
    """Check and compile rules against the form scopes (form key → `Scope` of its fields).

    Raises `RuleDefinitionError` listing every problem of every rule. With `calendars`,
    a rule's `calendar` key must be one of them."""
    problems: list[RuleProblem] = []
    compiled: list[CompiledRule] = []
    seen: set[str] = set()
    for index, data in enumerate(definitions):
        try:
            rule = parse_rule(data)
        except RuleDefinitionError as exc:
            problems += exc.problems
            continue
        if rule.key in seen:
            problems.append(
                RuleProblem("E_RULE_DUPLICATE_KEY", "/key", f"rule `{rule.key}` is defined twice "
                            f"(definition {index})", "give each rule its own key", rule.key)
            )  # fmt: skip
        seen.add(rule.key)
        compiler = RuleCompiler(rule, scopes, None if calendars is None else list(calendars))
        result = compiler.compile()
        problems += compiler.problems
        compiled.append(result)
    if problems:
        raise RuleDefinitionError(problems)
    ordered = tuple(sorted(compiled, key=lambda r: (-r.definition.salience, r.key)))
    return RuleSet(ordered, dict(scopes), dict(calendars or {}), cascade_limit)


# ---------------------------------------------------------------- evaluation


def evaluate(
    ruleset: RuleSet,
    event: TriggerEvent,
    aggregates: Mapping[str, Mapping[str, Any]] | None = None,
) -> Outcome:
    """Evaluate every rule `event` triggers. `aggregates`: rule key → aggregate name → value,
    as computed for `ruleset.aggregate_requests(event)`. Never raises for bad data: problems
    end up in the traces."""
    results: list[RuleResult] = []
    record = dict(event.record) if event.record is not None else None
    for rule in ruleset.triggered(event):
        current = replace(event, record=record) if record is not None else event
        result = _evaluate_rule(ruleset, rule, current, (aggregates or {}).get(rule.key, {}))
        results.append(result)
        if record is not None and event.phase == "before_save" and not result.shadow:
            for effect in result.effects:  # later rules see the fields computed before them
                if isinstance(effect, SetFieldsEffect):
                    record.update(effect.values)
    acting = [r.rule for r in results if r.effects and not r.shadow]
    if acting and len(event.cascade) >= ruleset.cascade_limit:
        chain = (*event.cascade, acting[0])
        message = (
            f"rules triggered each other more than {ruleset.cascade_limit} times: "
            f"{' -> '.join(chain)}; nothing was applied"
        )
        error = CascadeLimitExceeded("E_RULE_CASCADE_LIMIT", message, chain)
        return Outcome(tuple(results), error)
    return Outcome(tuple(results))


def _triggers(rule: CompiledRule, event: TriggerEvent) -> bool:
    trigger = rule.definition.trigger
    if rule.definition.phase != event.phase and trigger.type == "record":
        return False
    match trigger.type:
        case "record":
            if event.form != trigger.form or event.kind not in trigger.events:
                return False
            if event.kind == "updated" and trigger.changed_fields:
                return bool(event.changed_fields() & set(trigger.changed_fields))
            return True
        case "flow":
            if event.flow != trigger.flow or event.kind not in trigger.events:
                return False
            return trigger.node is None or event.node == trigger.node
        case "schedule":
            return event.kind == "schedule" and event.rule == rule.key
        case "manual":
            return event.kind == "manual" and event.rule == rule.key
    return False  # pragma: no cover - the trigger union is closed


def _effective(rule: RuleDefinition, as_of: datetime) -> bool:
    if rule.effective_from is not None and as_of < rule.effective_from:
        return False
    return rule.effective_to is None or as_of < rule.effective_to


def _parameters(rule: CompiledRule, as_of: datetime) -> dict[str, Any]:
    """The value of each parameter in force at `as_of` (null before its first version)."""
    values: dict[str, Any] = {}
    for parameter in rule.definition.parameters:
        in_force = [v for v in parameter.versions if v.effective_from <= as_of]
        latest = max(in_force, key=lambda v: v.effective_from) if in_force else None
        values[parameter.name] = None if latest is None else _coerce(latest.value, parameter.type)
    return values


def _bounds(window: WindowSpec, event: TriggerEvent) -> WindowBounds | None:
    if window.relative_to == "$now":
        anchor: date | datetime | None = event.as_of
    else:
        anchor = (event.record or {}).get(window.relative_to)
    if anchor is None:
        return None
    if window.field_type == "date" and isinstance(anchor, datetime):
        anchor = anchor.date()
    if isinstance(anchor, date) and not isinstance(anchor, datetime):
        within = timedelta(days=window.within.days)
    else:
        within = window.within
    if window.direction == "before":
        start, end = anchor - within, anchor
    else:
        start, end = anchor, anchor + within
    return WindowBounds(window.field, start, end, window.include_start, window.include_end, anchor)


@dataclass(slots=True)
class _Run:
    """Mutable state of one rule's evaluation."""

    rule: CompiledRule
    context: EvaluationContext
    variables: dict[str, Any]
    diagnostics: list[str] = field(default_factory=list)

    def value(self, expression: CompiledExpression, where: str, **more: Any) -> Any:
        variables = self.variables | more if more else self.variables
        result = expression.evaluate(variables, context=self.context)
        for diagnostic in result.diagnostics:
            self.diagnostics.append(f"{where}: {diagnostic.code} {diagnostic.message}")
        return result.value


def _evaluate_rule(
    ruleset: RuleSet, rule: CompiledRule, event: TriggerEvent, supplied: Mapping[str, Any]
) -> RuleResult:
    definition = rule.definition
    shadow = definition.shadow
    if not _effective(definition, event.as_of):
        reason = f"not in effect at {event.as_of.isoformat()}"
        return RuleResult(rule.key, "not_effective", shadow, (), RuleTrace(reason=reason))
    parameters = _parameters(rule, event.as_of)
    calendar = ruleset.calendars.get(definition.calendar) if definition.calendar else None
    context = EvaluationContext(now=event.as_of, user=event.actor, calendar=calendar)
    variables: dict[str, Any] = {
        "record": dict(event.record) if event.record is not None else None,
        "previous": dict(event.previous) if event.previous is not None else None,
        "changed": sorted(event.changed_fields()),
        "event": event.kind,
        "params": parameters,
    }
    missing = [spec.name for spec in rule.aggregates if spec.name not in supplied]
    values = {spec.name: supplied.get(spec.name) for spec in rule.aggregates}
    if missing:
        trace = RuleTrace(parameters, values, reason=f"aggregate `{missing[0]}` was not supplied")
        return RuleResult(rule.key, "error", shadow, (), trace)
    variables |= values
    run = _Run(rule, context, variables)
    bindings: dict[str, Any] = {}
    for name, expression in rule.lets:
        bindings[name] = variables[name] = run.value(expression, f"let {name}")
    condition: Any = True
    if rule.condition is not None:
        condition = run.value(rule.condition, "condition")
    if condition is not True:
        reason = "condition was null" if condition is None else "condition was false"
        trace = RuleTrace(parameters, values, bindings, condition, reason, tuple(run.diagnostics))
        return RuleResult(rule.key, "not_matched", shadow, (), trace)
    dedup = _dedup(rule, run, event)
    base_trace = RuleTrace(parameters, values, bindings, condition)
    effects = tuple(_effect(run, action, dedup, base_trace, bindings) for action in rule.actions)
    trace = replace(base_trace, diagnostics=tuple(run.diagnostics))
    effects = tuple(replace(e, trace=trace) if isinstance(e, AlertEffect) else e for e in effects)
    return RuleResult(rule.key, "matched", shadow, effects, trace, dedup)


def _dedup(rule: CompiledRule, run: _Run, event: TriggerEvent) -> DedupKey | None:
    dedup = rule.definition.dedup
    if dedup is None or rule.dedup_key is None:
        return None
    value = run.value(rule.dedup_key, "dedup key")
    text = value if isinstance(value, str) else literal_text(value)
    since: date | datetime | None = None
    at: date | datetime = event.as_of
    if dedup.scope == "window":
        spec = next((a for a in rule.aggregates if a.name == dedup.window_of), None)
        bounds = _bounds(spec.window, event) if spec and spec.window else None
        if bounds is not None:
            since, at = bounds.start, bounds.anchor
    return DedupKey(f"{rule.key}:{text}", since, at)


def _effect(
    run: _Run,
    compiled: CompiledAction,
    dedup: DedupKey | None,
    trace: RuleTrace,
    bindings: Mapping[str, Any],
) -> Effect:
    action = compiled.action
    key = run.rule.key

    def values(exclude: frozenset[str] = frozenset()) -> dict[str, Any]:
        return {
            name: run.value(expression, f"{action.id}.{name}")
            for name, expression in compiled.values.items()
            if name not in exclude
        }

    match action:
        case SetFields():
            return SetFieldsEffect(key, action.id, values())
        case CreateRecord():
            return CreateRecordEffect(key, action.id, action.form, values())
        case UpdateRecords():
            parameters = {"record": run.variables["record"], "params": run.variables["params"]}
            return UpdateRecordsEffect(
                key, action.id, action.form, action.filter, compiled.filter_sql, parameters,
                compiled.values, dict(run.variables), run.context,
            )  # fmt: skip
        case CallDecision():
            return CallDecisionEffect(key, action.id, action.decision, values(), action.outputs)
        case StartFlow():
            return StartFlowEffect(key, action.id, action.flow, values())
        case RaiseAlert():
            return AlertEffect(
                key, action.id, action.alert_form, action.severity,
                _render(run, compiled, "title", bindings),
                _render(run, compiled, "message", bindings), values(), dedup, trace,
            )  # fmt: skip
        case Notify():
            subject = _render(run, compiled, "subject", bindings)
            body = _render(run, compiled, "body", bindings)
            return NotifyEffect(
                key, action.id, action.channel, _recipients(run, action), action.endpoint,
                subject, body,
            )  # fmt: skip
        case Block():
            pointer = "" if action.field is None else f"/{action.field}"
            return BlockEffect(key, action.id, action.message, pointer)


def _recipients(run: _Run, action: Notify) -> tuple[tuple[str, str], ...]:
    recipients = []
    for recipient in action.recipients:
        if recipient.kind != "field":
            recipients.append((recipient.kind, recipient.value))
            continue
        found = (run.variables["record"] or {}).get(recipient.value)
        if found is not None:
            recipients.append(("user", str(found)))
    return tuple(recipients)


def _render(
    run: _Run, compiled: CompiledAction, name: str, bindings: Mapping[str, Any]
) -> str | None:
    template = compiled.templates.get(name)
    if template is None:
        return None
    definition = run.rule.definition
    aggregates = {a.name: run.variables.get(a.name) for a in definition.aggregates}
    data = {
        **aggregates,
        **bindings,
        "record": run.variables["record"],
        "previous": run.variables["previous"],
        "changed": run.variables["changed"],
        "event": run.variables["event"],
        "params": run.variables["params"],
        "aggregates": aggregates,
        "bindings": dict(bindings),
        "rule": {"key": definition.key, "label": _label_text(definition.label)},
    }
    try:
        return template.template.render(data)
    except TemplateError as exc:
        run.diagnostics.append(f"{compiled.action.id}.{name}: E_RULE_TEMPLATE {exc}")
        return None


def _label_text(label: Label) -> str:
    if isinstance(label, I18nText):
        return label.en or label.zh_cn or ""
    return label


# ---------------------------------------------------------------- examples


@dataclass(frozen=True, slots=True)
class ExampleResult:
    rule: str
    example: str
    failures: tuple[str, ...]
    outcome: RuleResult | None

    @property
    def passed(self) -> bool:
        return not self.failures


@dataclass(frozen=True, slots=True)
class ExamplesReport:
    results: tuple[ExampleResult, ...]

    @property
    def ok(self) -> bool:
        return all(r.passed for r in self.results)

    @property
    def failures(self) -> tuple[ExampleResult, ...]:
        return tuple(r for r in self.results if not r.passed)

    def render(self) -> str:
        """A readable report: one line per example, failures explained below it."""
        lines = []
        for result in self.results:
            mark = "PASS" if result.passed else "FAIL"
            lines.append(f"{mark} {result.rule} / {result.example}")
            lines += [f"    {failure}" for failure in result.failures]
        passed = sum(r.passed for r in self.results)
        lines.append(f"{passed} of {len(self.results)} examples passed")
        return "\n".join(lines)


def run_examples(ruleset: RuleSet) -> ExamplesReport:
    """Evaluate every embedded example of every rule (each rule alone, as of `given.now`)."""
    results = []
    for rule in ruleset.rules:
        for example in rule.definition.examples:
            results.append(_run_example(ruleset, rule, example))
    return ExamplesReport(tuple(results))


_FIRST_EVENT: dict[str, EventKind] = {"schedule": "schedule", "manual": "manual"}


def _run_example(ruleset: RuleSet, rule: CompiledRule, example: Any) -> ExampleResult:
    definition = rule.definition
    given, expect = example.given, example.expect
    trigger = definition.trigger
    kind: EventKind = given.event or (
        trigger.events[0] if trigger.type in ("record", "flow") else _FIRST_EVENT[trigger.type]
    )
    fields = rule.record_scope.fields if rule.record_scope is not None else {}
    record = _typed_record(given.record, fields)
    previous = _typed_record(given.previous, fields)
    types = {a.name: a.result_type.kind for a in rule.aggregates}
    aggregates = {k: _coerce(v, types.get(k, "number")) for k, v in given.aggregates.items()}
    event = TriggerEvent(
        kind=kind, as_of=given.now, record=record, previous=previous,
        changed=None if given.changed is None else frozenset(given.changed),
        phase=definition.phase, rule=definition.key,
    )  # fmt: skip
    result = _evaluate_rule(ruleset, rule, event, aggregates)
    failures = _compare(result, expect)
    return ExampleResult(definition.key, example.id, tuple(failures), result)


def _compare(result: RuleResult, expect: Any) -> list[str]:
    failures: list[str] = []
    if result.status == "error":
        failures.append(f"the rule failed: {result.trace.reason}")
    failures += [f"diagnostic: {d}" for d in result.trace.diagnostics]
    blocks = [e for e in result.effects if isinstance(e, BlockEffect)]
    if expect.outcome == "no_action":
        if result.effects:
            ids = ", ".join(e.action for e in result.effects)
            failures.append(f"expected no action, got {ids}")
        return failures
    if not result.effects:
        failures.append(f"expected {expect.outcome}, but the rule did not act "
                        f"({result.trace.reason})")  # fmt: skip
        return failures
    if expect.outcome == "block":
        if not blocks:
            failures.append("expected a block, got none")
        elif expect.message is not None and expect.message not in {
            blocks[0].text,
            *_label_texts(blocks[0].message),
        }:
            failures.append(f"expected block message {expect.message!r}, got {blocks[0].text!r}")
        return failures
    return failures + _compare_actions(result, expect)


def _compare_actions(result: RuleResult, expect: Any) -> list[str]:
    failures: list[str] = []
    produced = {e.action: e for e in result.effects}
    wanted = [a.action for a in expect.actions]
    if sorted(produced) != sorted(wanted):
        failures.append(f"expected actions {sorted(wanted)}, got {sorted(produced)}")
    for expected in expect.actions:
        effect = produced.get(expected.action)
        actual = {} if effect is None else _effect_values(effect)
        for name, value in expected.values.items():
            if effect is None:
                break
            if name not in actual:
                failures.append(f"{expected.action}: no value `{name}`")
            elif not _same(actual[name], value):
                failures.append(
                    f"{expected.action}.{name}: expected {value!r}, got {actual[name]!r}"
                )
    return failures


def _effect_values(effect: Effect) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for name in ("values", "inputs"):
        found |= dict(getattr(effect, name, None) or {})
    for name in ("title", "message", "severity", "subject", "body", "channel"):
        if hasattr(effect, name) and not isinstance(effect, BlockEffect):
            found[name] = getattr(effect, name)
    if isinstance(effect, AlertEffect) and effect.dedup is not None:
        found["dedup_key"] = effect.dedup.value
    return found


def _label_texts(label: Label) -> tuple[str, ...]:
    if isinstance(label, I18nText):
        return tuple(t for t in (label.en, label.zh_cn) if t)
    return (label,)


def _same(actual: Any, expected: Any) -> bool:
    if isinstance(actual, Decimal) and not isinstance(expected, bool):
        try:
            return actual == Decimal(str(expected))
        except InvalidOperation:
            return False
    if isinstance(actual, date | datetime | time) and isinstance(expected, str):
        return actual.isoformat() == expected
    return bool(actual == expected)


def _typed_record(
    data: Mapping[str, Any] | None, fields: Mapping[str, Any]
) -> dict[str, Any] | None:
    if data is None:
        return None
    return {k: _coerce(v, fields[k].kind if k in fields else "any") for k, v in data.items()}


def _coerce(value: Any, kind: str) -> Any:
    """A JSON-ish example or parameter value as the runtime value of `kind`."""
    if value is None or isinstance(value, bool):
        return value
    try:
        if kind == "number" and isinstance(value, str | int | Decimal):
            return Decimal(str(value))
        if kind == "date" and isinstance(value, str):
            return date.fromisoformat(value)
        if kind == "date and time" and isinstance(value, str):
            return datetime.fromisoformat(value)
    except (ValueError, InvalidOperation):
        return value
    return value


def check_publishable(
    definition: RuleDefinition | Mapping[str, Any],
    scopes: Mapping[str, Scope],
    *,
    calendars: Mapping[str, WorkingCalendar] | None = None,
) -> tuple[RuleProblem, ...]:
    """Everything that keeps one rule from being published: its definition problems, else one
    `E_RULE_EXAMPLE_FAILED` problem per failing example (pointer `/examples/<index>`)."""
    try:
        ruleset = compile_rules([definition], scopes, calendars=calendars)
    except RuleDefinitionError as exc:
        return exc.problems
    (rule,) = ruleset.rules
    index = {example.id: number for number, example in enumerate(rule.definition.examples)}
    return tuple(
        RuleProblem(
            "E_RULE_EXAMPLE_FAILED",
            f"/examples/{index[failed.example]}",
            f"example `{failed.example}` fails: {'; '.join(failed.failures)}",
            "fix the rule or the example's expectation",
            rule.key,
        )
        for failed in run_examples(ruleset).failures
    )


def business_calendars(calendars: Sequence[BusinessCalendar]) -> dict[str, WorkingCalendar]:
    """Calendars keyed by their key, as `compile_rules(..., calendars=...)` takes them."""
    return {calendar.key: calendar for calendar in calendars}
