"""Event-condition-action rules: compile a rule definition, then evaluate it for an event.

`compile_rule(spec, scopes=...)` checks everything that can be checked without data: every
expression against the triggering form's fields (`scopes`, one `Scope` per form key of the app),
every aggregate's filter against SQL (it must run inside the database), every action against its
phase and its target form's fields, the cron expression, the effective dates and the embedded
examples. It raises `RuleDefinitionError` listing every problem with a stable code (`E_RULE_...`),
a JSON pointer into the spec and, inside FEEL text, the line and column.

Evaluation is pure. The platform asks the compiled rule which aggregates it needs for an event
(`aggregate_requests`: form, function, field, filter, window bounds), computes them in the
database as the rule's owner, and passes their values to `evaluate`, which returns the effects
as data (`RuleOutcome`): fields to set, a block, alerts (with their de-duplication keys), records
to create, and a trace. Applying them, shadow mode included, is the platform's work.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, Literal

from pydantic import ValidationError

from brickwork.engines.bilingual import Words, listing
from brickwork.engines.expr import (
    CompiledExpression,
    EvaluationContext,
    ExpressionError,
    Scope,
    compile_expression,
    to_sql_ir,
)
from brickwork.engines.expr import datatypes as t
from brickwork.engines.expr import values as v
from brickwork.engines.expr.words import zh_type
from brickwork.engines.rules.cron import Cron, CronError, parse_cron
from brickwork.engines.rules.messages import MATCHING, PHASES, TRIGGERED, phrase
from brickwork.engines.rules.problems import ModelProblem, from_diagnostic, pointer_token, problem
from brickwork.engines.rules.rule_definition import (
    AFTER_SAVE_ACTIONS,
    BEFORE_SAVE_ACTIONS,
    Action,
    Aggregate,
    Block,
    CallDecision,
    Example,
    FlowTrigger,
    ManualTrigger,
    Notify,
    RaiseAlert,
    Recipient,
    RecordTrigger,
    RuleDefinition,
    ScheduleTrigger,
    SetFields,
    StartFlow,
    UpdateRecords,
    record_form,
)

EventKind = Literal["created", "updated", "deleted", "schedule", "manual", "flow"]
FLOW_FACTS = ("key", "event", "node", "outcome", "instance", "initiator")
"""What a flow event tells a rule, as `flow.<name>` (text; `node` and `outcome` may be null)."""
DATE_KINDS = frozenset({v.DATE, v.DATETIME})
CRON_REFERENCE = datetime(2000, 1, 1, tzinfo=UTC)
AGGREGATE_TYPES = {"count": t.NUMBER, "sum": t.NUMBER, "avg": t.NUMBER}


class RuleDefinitionError(Exception):
    """The rule cannot be compiled; `problems` lists everything found."""

    def __init__(self, problems: Sequence[ModelProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(str(p) for p in self.problems[:5]))


@dataclass(frozen=True, slots=True)
class RuleEvent:
    """What happened: a record of `form` created/updated/deleted (`record` as saved or about
    to be saved, `previous` before the change, `changed` field keys), a scheduled tick, or an
    event of a flow running on the record (`flow`: the `FLOW_FACTS`)."""

    kind: EventKind
    now: datetime
    form: str | None = None
    record: Mapping[str, Any] | None = None
    previous: Mapping[str, Any] | None = None
    changed: frozenset[str] = frozenset()
    flow: Mapping[str, str | None] | None = None


@dataclass(frozen=True, slots=True)
class AggregateRequest:
    """An aggregate the platform computes for an event (bounds included; None: open)."""

    name: str
    form: str
    function: str
    field: str | None
    where: str | None
    window_field: str | None
    start: date | datetime | None
    end: date | datetime | None
    missing_anchor: bool = False
    """The triggering record has no value in the window's anchor field: no aggregate."""
    fields: tuple[str, ...] = ()
    """A `list`'s fields."""
    limit: int = 1000
    """A `list`'s most records."""


@dataclass(frozen=True, slots=True)
class SetFieldsEffect:
    values: Mapping[str, v.Value]


@dataclass(frozen=True, slots=True)
class BlockEffect:
    message: str
    field: str | None


@dataclass(frozen=True, slots=True)
class AlertEffect:
    form: str
    values: Mapping[str, v.Value]
    dedupe_key: str | None


@dataclass(frozen=True, slots=True)
class CreateRecordEffect:
    form: str
    values: Mapping[str, v.Value]


@dataclass(frozen=True, slots=True)
class DecisionCallEffect:
    """Evaluate decision model `model` (`decision`, or its entry) with `inputs`; then
    `CompiledRule.decision_outputs(action, value)` gives the fields to set."""

    action: int
    model: str
    decision: str | None
    inputs: Mapping[str, v.Value]


@dataclass(frozen=True, slots=True)
class UpdateRecordsEffect:
    """Set `values` on the records of `form` matching `where` (record.<field>: the triggering
    record's values)."""

    form: str
    where: str
    values: Mapping[str, v.Value]


@dataclass(frozen=True, slots=True)
class StartFlowEffect:
    """Start flow `flow` on the triggering record."""

    flow: str


@dataclass(frozen=True, slots=True)
class NotifyEffect:
    """Notify `recipients` on `channel` (or post to `webhook`) with the templates `subject` and
    `body` of action `action`: the platform renders them per recipient and delivers."""

    action: int
    channel: str
    recipients: tuple[Recipient, ...]
    webhook: str | None
    subject: str
    body: str


Effect = (
    SetFieldsEffect
    | BlockEffect
    | AlertEffect
    | CreateRecordEffect
    | UpdateRecordsEffect
    | DecisionCallEffect
    | NotifyEffect
    | StartFlowEffect
)


@dataclass(frozen=True, slots=True)
class RuleOutcome:
    """`matched`: the condition was true. Effects are in action order; `shadow` ones are only
    to be recorded. `diagnostics` point into the spec."""

    matched: bool
    effects: tuple[Effect, ...] = ()
    shadow: bool = False
    bindings: Mapping[str, v.Value] = field(default_factory=dict)
    diagnostics: tuple[ModelProblem, ...] = ()

    @property
    def blocked(self) -> BlockEffect | None:
        return next((e for e in self.effects if isinstance(e, BlockEffect)), None)


class CompiledRule:
    def __init__(
        self,
        spec: RuleDefinition,
        expressions: Mapping[str, CompiledExpression],
        cron: Cron | None,
        record_types: Mapping[str, t.ExprType] | None = None,
    ) -> None:
        self.spec = spec
        self._expressions = expressions
        self.cron = cron
        self.record_types = dict(record_types or {})
        """The trigger form's fields and their types (examples' records are typed by them)."""

    @property
    def phase(self) -> str:
        return self.spec.phase

    @property
    def expressions(self) -> Mapping[str, CompiledExpression]:
        """Pointer into the spec -> the expression compiled there."""
        return self._expressions

    def in_force(self, day: date) -> bool:
        spec = self.spec
        return (spec.effective_from is None or spec.effective_from <= day) and (
            spec.effective_to is None or day <= spec.effective_to
        )

    def triggered_by(self, event: RuleEvent) -> bool:
        trigger = self.spec.trigger
        if isinstance(trigger, ScheduleTrigger):
            return event.kind == "schedule"
        if isinstance(trigger, ManualTrigger):
            return event.kind == "manual" and event.form == trigger.form
        if isinstance(trigger, FlowTrigger):
            facts = event.flow or {}
            return (
                event.kind == "flow"
                and event.form == trigger.form
                and facts.get("key") == trigger.flow
                and facts.get("event") in trigger.events
                and (not trigger.nodes or facts.get("node") in trigger.nodes)
            )
        if event.kind in ("schedule", "manual", "flow") or event.form != trigger.form:
            return False
        if event.kind not in trigger.events:
            return False
        return (
            event.kind != "updated"
            or not trigger.fields
            or bool(event.changed & set(trigger.fields))
        )

    def aggregate_requests(self, event: RuleEvent) -> tuple[AggregateRequest, ...]:
        return tuple(_request(item, event) for item in self.spec.aggregates)

    def evaluate(
        self,
        event: RuleEvent,
        aggregates: Mapping[str, Any] | None = None,
        *,
        context: EvaluationContext | None = None,
    ) -> RuleOutcome:
        """The rule's outcome for `event`, given the values of its aggregates. Never raises."""
        context = context or EvaluationContext(now=event.now)
        problems: list[ModelProblem] = []
        variables: dict[str, Any] = dict(event.record or {})
        variables["previous"] = dict(event.previous) if event.previous is not None else None
        variables["event"] = event.kind
        if isinstance(self.spec.trigger, FlowTrigger):
            facts = event.flow or {}
            variables["flow"] = {name: facts.get(name) for name in FLOW_FACTS}
        bindings: dict[str, v.Value] = {}
        given = aggregates or {}
        for index, item in enumerate(self.spec.aggregates):
            if item.name not in given:
                problems.append(
                    problem(
                        "E_RULE_AGGREGATE_MISSING",
                        "aggregate_missing",
                        f"/aggregates/{index}",
                        name=item.name,
                    )
                )
            variables[item.name] = bindings[item.name] = _plain(given.get(item.name))
        for index, binding in enumerate(self.spec.let):
            pointer = f"/let/{index}/expression"
            value = self._run(pointer, variables, context, problems)
            variables[binding.name] = bindings[binding.name] = value
        matched = self._run("/condition", variables, context, problems) is True
        effects: list[Effect] = []
        if matched:
            for index, action in enumerate(self.spec.actions):
                effects.append(
                    self._effect(action, f"/actions/{index}", variables, context, problems)
                )
        return RuleOutcome(matched, tuple(effects), self.spec.shadow, bindings, tuple(problems))

    def decision_outputs(
        self, effect: DecisionCallEffect, value: v.Value, *, context: EvaluationContext
    ) -> tuple[dict[str, v.Value], tuple[ModelProblem, ...]]:
        """The fields a decision call sets from the decision's value (`result`)."""
        action = self.spec.actions[effect.action]
        assert isinstance(action, CallDecision)
        problems: list[ModelProblem] = []
        pointer = f"/actions/{effect.action}/outputs"
        variables = {"result": value}
        values = {
            key: self._run(f"{pointer}/{pointer_token(key)}", variables, context, problems)
            for key in action.outputs
        }
        return values, tuple(problems)

    def _run(
        self,
        pointer: str,
        variables: Mapping[str, Any],
        context: EvaluationContext,
        problems: list[ModelProblem],
    ) -> v.Value:
        result = self._expressions[pointer].evaluate(variables, context=context)
        problems.extend(from_diagnostic(d, pointer) for d in result.diagnostics)
        return result.value

    def _values(
        self,
        values: Mapping[str, str],
        pointer: str,
        variables: Mapping[str, Any],
        context: EvaluationContext,
        problems: list[ModelProblem],
    ) -> dict[str, v.Value]:
        return {
            key: self._run(f"{pointer}/values/{pointer_token(key)}", variables, context, problems)
            for key in values
        }

    def _effect(
        self,
        action: Action,
        pointer: str,
        variables: Mapping[str, Any],
        context: EvaluationContext,
        problems: list[ModelProblem],
    ) -> Effect:
        if isinstance(action, SetFields):
            return SetFieldsEffect(
                self._values(action.values, pointer, variables, context, problems)
            )
        if isinstance(action, Block):
            return BlockEffect(action.message, action.field)
        if isinstance(action, CallDecision):
            inputs = {
                name: self._run(
                    f"{pointer}/inputs/{pointer_token(name)}", variables, context, problems
                )
                for name in action.inputs
            }
            index = int(pointer.rsplit("/", 1)[1])
            return DecisionCallEffect(index, action.model, action.decision, inputs)
        if isinstance(action, StartFlow):
            return StartFlowEffect(action.flow)
        if isinstance(action, Notify):
            index = int(pointer.rsplit("/", 1)[1])
            return NotifyEffect(
                index, action.channel, action.to, action.webhook, action.subject, action.body
            )
        if isinstance(action, RaiseAlert):
            values = self._values(action.values, pointer, variables, context, problems)
            key = None
            if action.dedupe is not None:
                found = self._run(f"{pointer}/dedupe", variables, context, problems)
                key = v.to_text(found)
            return AlertEffect(action.form, values, key)
        values = self._values(action.values, pointer, variables, context, problems)
        if isinstance(action, UpdateRecords):
            return UpdateRecordsEffect(action.form, action.where, values)
        return CreateRecordEffect(action.form, values)


def _plain(value: Any) -> v.Value:
    try:
        return v.norm(value)
    except v.UnsupportedValue:
        return None


def _request(item: Aggregate, event: RuleEvent) -> AggregateRequest:
    window = item.window
    request = AggregateRequest(
        item.name,
        item.form,
        item.function,
        item.field,
        item.where,
        None,
        None,
        None,
        fields=item.fields,
        limit=item.limit,
    )
    if window is None:
        return request
    anchor: date | datetime = event.now
    if window.anchor is not None:
        found = _as_moment((event.record or {}).get(window.anchor))
        if found is None:
            return replace(request, window_field=window.field, missing_anchor=True)
        anchor = found
    start = None if window.before is None else anchor - _duration(window.before)
    end = anchor if window.after is None else anchor + _duration(window.after)
    return replace(request, window_field=window.field, start=start, end=end)


def _as_moment(value: Any) -> date | datetime | None:
    if isinstance(value, datetime | date):
        return value
    if isinstance(value, str):
        try:
            return v.parse_datetime(value) if "T" in value else v.parse_date(value)
        except (ValueError, v.UnsupportedValue):
            return None
    return None


def _duration(text: str) -> timedelta:
    found = v.parse_duration(text)
    assert isinstance(found, timedelta)  # the model's pattern admits days-and-time only
    return found


# ---------------------------------------------------------------- compiling


def compile_rule(
    spec: RuleDefinition | Mapping[str, Any], *, scopes: Mapping[str, Scope]
) -> CompiledRule:
    """Compile a rule; `scopes` holds the field scope of every form of the app by key. Raises
    `RuleDefinitionError` with every problem found (examples included)."""
    if isinstance(spec, RuleDefinition):
        rule = spec
    else:
        try:
            rule = RuleDefinition.model_validate(spec)
        except ValidationError as exc:
            raise RuleDefinitionError(
                [_schema_problem(error, spec) for error in exc.errors()]
            ) from None
    problems: list[ModelProblem] = []
    compiler = _Compiler(rule, scopes, problems)
    expressions, cron = compiler.run()
    if problems:
        raise RuleDefinitionError(problems)
    form = getattr(rule.trigger, "form", None)
    record_scope = scopes.get(form) if form is not None else None
    compiled = CompiledRule(
        rule, expressions, cron, record_scope.fields if record_scope is not None else None
    )
    problems.extend(check_examples(compiled))
    if problems:
        raise RuleDefinitionError(problems)
    return compiled


def _schema_problem(error: Any, spec: Any) -> ModelProblem:
    """The problem at its place in `spec`: the names pydantic adds for the member of a union
    (the trigger's `on`, an action's `type`) are not part of the pointer."""
    parts: list[Any] = []
    node = spec
    loc = error["loc"]
    for index, part in enumerate(loc):
        tag = isinstance(node, Mapping) and part in (node.get("on"), node.get("type"))
        if tag and index < len(loc) - 1:
            continue  # the name of the union's member: the trigger's `on`, the action's `type`
        parts.append(part)
        if isinstance(node, Mapping):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            node = None
    pointer = "".join(f"/{pointer_token(part)}" for part in parts)
    return problem("E_RULE_SCHEMA", "rule_schema", pointer, detail=error["msg"])


class _Compiler:
    def __init__(
        self, rule: RuleDefinition, scopes: Mapping[str, Scope], problems: list[ModelProblem]
    ) -> None:
        self.rule = rule
        self.scopes = scopes
        self.problems = problems
        self.expressions: dict[str, CompiledExpression] = {}

    def problem(self, code: str, key: str, pointer: str, /, **params: object) -> None:
        """Note problem `code` at `pointer`, saying entry `key` of `MESSAGES`."""
        self.problems.append(problem(code, key, pointer, **params))

    def run(self) -> tuple[dict[str, CompiledExpression], Cron | None]:
        rule = self.rule
        cron = self._trigger()
        record_fields = self._record_fields()
        names: dict[str, t.ExprType] = dict(record_fields)
        names["previous"] = t.context_of(dict(record_fields)) if record_fields else t.ANY
        names["event"] = t.STRING
        if isinstance(rule.trigger, FlowTrigger):
            names["flow"] = t.context_of(dict.fromkeys(FLOW_FACTS, t.STRING))
        for index, item in enumerate(rule.aggregates):
            names[item.name] = self._aggregate(item, f"/aggregates/{index}", record_fields)
        for index, binding in enumerate(rule.let):
            compiled = self._expression(binding.expression, f"/let/{index}/expression", names)
            names[binding.name] = compiled.result_type if compiled is not None else t.ANY
        condition = self._expression(rule.condition, "/condition", names)
        if (
            condition is not None
            and t.is_known(condition.result_type)
            and (condition.result_type.kind != v.BOOLEAN)
        ):
            self.problem(
                "E_RULE_CONDITION",
                "condition_type",
                "/condition",
                kind=Words(zh_type(condition.result_type), str(condition.result_type)),
            )
        for index, action in enumerate(rule.actions):
            self._action(action, f"/actions/{index}", names, record_fields)
        if rule.mode == "async" and rule.phase != "after_save":
            self.problem("E_RULE_PHASE", "async_phase", "/mode")
        if (
            rule.effective_from is not None
            and rule.effective_to is not None
            and rule.effective_to < rule.effective_from
        ):
            self.problem("E_RULE_EFFECTIVE", "effective_backwards", "/effective_to")
        return self.expressions, cron

    def _trigger(self) -> Cron | None:
        trigger = self.rule.trigger
        if isinstance(trigger, ScheduleTrigger):
            if self.rule.phase != "after_save":
                self.problem("E_RULE_PHASE", "schedule_phase", "/phase")
            self._for_each(trigger)
            try:
                cron = parse_cron(trigger.cron, trigger.timezone)
                cron.next_after(CRON_REFERENCE)  # one that never fires is refused now
                return cron
            except CronError as exc:
                self.problem("E_RULE_CRON", "cron", "/trigger/cron", detail=str(exc))
            return None
        if trigger.form not in self.scopes:
            self.problem("E_RULE_UNKNOWN_FORM", "unknown_form", "/trigger/form", form=trigger.form)
            return None
        if isinstance(trigger, ManualTrigger | FlowTrigger):
            if self.rule.phase != "after_save":
                what = TRIGGERED["manual" if isinstance(trigger, ManualTrigger) else "flow"]
                self.problem("E_RULE_PHASE", "trigger_phase", "/phase", what=what)
            return None
        fields = self.scopes[trigger.form].fields
        for index, key in enumerate(trigger.fields):
            if key not in fields:
                self.problem(
                    "E_RULE_UNKNOWN_FIELD",
                    "form_field",
                    f"/trigger/fields/{index}",
                    form=trigger.form,
                    key=key,
                )
        if trigger.fields and "updated" not in trigger.events:
            self.problem("E_RULE_TRIGGER", "trigger_fields", "/trigger/fields")
        return None

    def _for_each(self, trigger: ScheduleTrigger) -> None:
        """The records a scheduled rule runs on: a form of the app, a filter the database runs."""
        each = trigger.for_each
        if each is None:
            return
        fields = self._form_fields(each.form, "/trigger/for_each/form")
        if fields is not None and each.where is not None:
            self._pushable(each.where, "/trigger/for_each/where", fields, {})

    def _record_fields(self) -> dict[str, t.ExprType]:
        form = record_form(self.rule.trigger)
        if form is not None and form in self.scopes:
            return dict(self.scopes[form].fields)
        return {}

    def _expression(
        self, text: str, pointer: str, names: Mapping[str, t.ExprType]
    ) -> CompiledExpression | None:
        try:
            compiled = compile_expression(text, Scope(fields=dict(names)))
        except ExpressionError as exc:
            for diagnostic in exc.diagnostics:
                self.problems.append(from_diagnostic(diagnostic, pointer, code="E_RULE_EXPRESSION"))
            return None
        self.expressions[pointer] = compiled
        return compiled

    def _form_fields(self, form: str, pointer: str) -> Mapping[str, t.ExprType] | None:
        scope = self.scopes.get(form)
        if scope is None:
            self.problem("E_RULE_UNKNOWN_FORM", "unknown_form", pointer, form=form)
            return None
        return scope.fields

    def _aggregate(
        self, item: Aggregate, pointer: str, record_fields: Mapping[str, t.ExprType]
    ) -> t.ExprType:
        fields = self._form_fields(item.form, f"{pointer}/form")
        if fields is None:
            return t.ANY
        if item.function == "list":
            found = self._listed(item, pointer, fields)
        else:
            found = self._aggregate_field(item, pointer, fields)
        if item.where is not None:
            self._pushable(item.where, f"{pointer}/where", fields, record_fields)
        if item.window is not None:
            self._window(item, pointer, fields, record_fields)
        return AGGREGATE_TYPES.get(item.function, found)

    def _pushable(
        self,
        where: str,
        pointer: str,
        fields: Mapping[str, t.ExprType],
        record_fields: Mapping[str, t.ExprType],
    ) -> None:
        """A filter over `it` (a record of `fields`) and `record` (the triggering one) that
        must run in the database."""
        scope = Scope(
            fields={"it": t.context_of(dict(fields)), "record": t.context_of(dict(record_fields))}
        )
        try:
            to_sql_ir(where, scope, predicate=True)
        except ExpressionError as exc:
            for diagnostic in exc.diagnostics:
                self.problems.append(from_diagnostic(diagnostic, pointer, code="E_RULE_EXPRESSION"))

    def _listed(
        self, item: Aggregate, pointer: str, fields: Mapping[str, t.ExprType]
    ) -> t.ExprType:
        """A list of contexts: the record's `id` and the listed fields (sub-tables excluded:
        a list is of plain values)."""
        entries: dict[str, t.ExprType] = {"id": t.STRING}
        for index, key in enumerate(item.fields):
            kind = fields.get(key)
            here = f"{pointer}/fields/{index}"
            if kind is None:
                self.problem("E_RULE_UNKNOWN_FIELD", "form_field", here, form=item.form, key=key)
            elif kind.kind == v.LIST and kind.item is not None and kind.item.kind == v.CONTEXT:
                self.problem("E_RULE_AGGREGATE", "list_sub_table", here, key=key)
            else:
                entries[key] = kind
        return t.list_of(t.context_of(entries))

    def _aggregate_field(
        self, item: Aggregate, pointer: str, fields: Mapping[str, t.ExprType]
    ) -> t.ExprType:
        """The aggregated field's type (min and max give it back)."""
        if item.field is None:
            if item.function != "count":
                self.problem(
                    "E_RULE_AGGREGATE",
                    "aggregate_field",
                    f"{pointer}/field",
                    function=item.function,
                )
            return t.ANY
        kind = fields.get(item.field)
        here = f"{pointer}/field"
        if kind is None:
            self.problem("E_RULE_UNKNOWN_FIELD", "form_field", here, form=item.form, key=item.field)
            return t.ANY
        if item.function in ("sum", "avg") and t.is_known(kind) and kind.kind != v.NUMBER:
            self.problem(
                "E_RULE_AGGREGATE", "aggregate_type", here, function=item.function, kind=kind
            )
        return kind

    def _window(
        self,
        item: Aggregate,
        pointer: str,
        fields: Mapping[str, t.ExprType],
        record_fields: Mapping[str, t.ExprType],
    ) -> None:
        assert item.window is not None
        if not _is_date(fields.get(item.window.field)):
            here = f"{pointer}/window/field"
            self.problem(
                "E_RULE_WINDOW", "window_field", here, field=item.window.field, form=item.form
            )
        anchor = item.window.anchor
        if anchor is not None and not _is_date(record_fields.get(anchor)):
            self.problem(
                "E_RULE_WINDOW", "window_anchor", f"{pointer}/window/anchor", anchor=anchor
            )

    def _action(
        self,
        action: Action,
        pointer: str,
        names: Mapping[str, t.ExprType],
        record_fields: Mapping[str, t.ExprType],
    ) -> None:
        phase = self.rule.phase
        allowed = BEFORE_SAVE_ACTIONS if phase == "before_save" else AFTER_SAVE_ACTIONS
        if action.type not in allowed:
            self.problem(
                "E_RULE_PHASE",
                "action_phase",
                f"{pointer}/type",
                action=action.type,
                when=PHASES[phase],
                phase=Words(PHASES[phase].zh_cn, phase),
                actions=listing(sorted(allowed)),
            )
            return
        if isinstance(action, Block | CallDecision | Notify | StartFlow):
            self._own_action(action, pointer, names, record_fields)
            return
        if isinstance(action, SetFields):
            if "deleted" in getattr(self.rule.trigger, "events", ()):
                self.problem("E_RULE_PHASE", "set_on_delete", f"{pointer}/type")
            target: Mapping[str, t.ExprType] | None = record_fields
        else:
            target = self._form_fields(action.form, f"{pointer}/form")
        for key, text in action.values.items():
            here = f"{pointer}/values/{pointer_token(key)}"
            if target is not None and key not in target:
                self.problem("E_RULE_UNKNOWN_FIELD", "no_field_to_set", here, key=key)
            compiled = self._expression(text, here, names)
            wanted = None if target is None else target.get(key)
            if compiled is not None and wanted is not None:
                self._value_type(compiled.result_type, key, wanted, here)
        if isinstance(action, RaiseAlert) and action.dedupe is not None:
            self._expression(action.dedupe, f"{pointer}/dedupe", names)
        if isinstance(action, UpdateRecords) and target is not None:
            self._pushable(action.where, f"{pointer}/where", target, record_fields)

    def _value_type(self, found: t.ExprType, key: str, wanted: t.ExprType, pointer: str) -> None:
        """A value an action sets must be of a type its field takes: the records layer would
        refuse it when the rule runs, failing the save that triggered it."""
        if not t.compatible(found, wanted):
            self.problem(
                "E_RULE_VALUE_TYPE",
                "action_value_type",
                pointer,
                key=key,
                wanted=Words(zh_type(wanted), str(wanted)),
                found=Words(zh_type(found), str(found)),
            )

    def _own_action(
        self,
        action: Block | CallDecision | Notify | StartFlow,
        pointer: str,
        names: Mapping[str, t.ExprType],
        record_fields: Mapping[str, t.ExprType],
    ) -> None:
        """The actions that set no values by expression."""
        if isinstance(action, Block):
            if action.field is not None and action.field not in record_fields:
                self.problem(
                    "E_RULE_UNKNOWN_FIELD", "record_field", f"{pointer}/field", key=action.field
                )
        elif isinstance(action, CallDecision):
            self._decision_call(action, pointer, names, record_fields)
        elif isinstance(action, Notify):
            self._notify(action, pointer, record_fields)
        else:
            self._start_flow(pointer)

    def _start_flow(self, pointer: str) -> None:
        """A flow starts on the triggering record (which flow fits is checked by the platform,
        which knows the app's flows)."""
        trigger = self.rule.trigger
        if record_form(trigger) is None or (
            isinstance(trigger, RecordTrigger) and "deleted" in trigger.events
        ):
            self.problem("E_RULE_START_FLOW", "start_flow_trigger", f"{pointer}/type")

    def _notify(
        self, action: Notify, pointer: str, record_fields: Mapping[str, t.ExprType]
    ) -> None:
        """Recipients that fit the channel and the trigger (the templates and the webhook are
        checked by the platform, which renders them and knows the webhooks)."""
        if action.channel == "webhook":
            if action.webhook is None:
                self.problem("E_RULE_NOTIFY", "webhook_unnamed", f"{pointer}/webhook")
            if action.to:
                self.problem("E_RULE_NOTIFY", "webhook_recipients", f"{pointer}/to")
            return
        if action.webhook is not None:
            here = f"{pointer}/webhook"
            self.problem("E_RULE_NOTIFY", "webhook_channel", here, channel=action.channel)
        if not action.to:
            self.problem("E_RULE_NOTIFY", "no_recipients", f"{pointer}/to")
        has_record = record_form(self.rule.trigger) is not None
        for index, recipient in enumerate(action.to):
            here = f"{pointer}/to/{index}"
            if (recipient.field is not None or recipient.owner) and not has_record:
                self.problem("E_RULE_NOTIFY", "schedule_recipient", here)
            elif recipient.field is not None and recipient.field not in record_fields:
                here = f"{here}/field"
                self.problem("E_RULE_UNKNOWN_FIELD", "record_field", here, key=recipient.field)

    def _decision_call(
        self,
        action: CallDecision,
        pointer: str,
        names: Mapping[str, t.ExprType],
        record_fields: Mapping[str, t.ExprType],
    ) -> None:
        """Inputs over the rule's names, outputs over `result` into fields of the record (the
        model itself is checked by the platform, which knows the app's decision models)."""
        for name, text in action.inputs.items():
            self._expression(text, f"{pointer}/inputs/{pointer_token(name)}", names)
        for key, text in action.outputs.items():
            here = f"{pointer}/outputs/{pointer_token(key)}"
            if key not in record_fields:
                self.problem("E_RULE_UNKNOWN_FIELD", "record_field", here, key=key)
            self._expression(text, here, {"result": t.ANY})


def _is_date(kind: t.ExprType | None) -> bool:
    return kind is not None and (not t.is_known(kind) or kind.kind in DATE_KINDS)


# ---------------------------------------------------------------- examples


def run_examples(rule: CompiledRule, examples: Sequence[Example]) -> list[tuple[str, Words | None]]:
    """Each example's name and why it does not hold (None: it holds), in each language."""
    return [(example.name, _example_failure(rule, example)) for example in examples]


def check_examples(rule: CompiledRule) -> list[ModelProblem]:
    """Every embedded example evaluated; a problem for each one that does not hold."""
    problems: list[ModelProblem] = []
    for index, example in enumerate(rule.spec.examples):
        failure = _example_failure(rule, example)
        if failure is not None:
            pointer = f"/examples/{index}"
            problems.append(
                problem("E_RULE_EXAMPLE", "example", pointer, name=example.name, failure=failure)
            )
    return problems


def _finite(text: str) -> Decimal:
    number = Decimal(text)
    if not number.is_finite():
        raise ValueError(f"{text!r} is not a number")
    return number


_PARSERS: dict[str, Any] = {
    v.DATE: date.fromisoformat,
    v.DATETIME: datetime.fromisoformat,
    v.TIME: time.fromisoformat,
    v.NUMBER: _finite,
}


def typed_example(values: Mapping[str, Any], types: Mapping[str, t.ExprType]) -> dict[str, Any]:
    """An example's record as a save hands it to the rule: JSON has no dates, times or exact
    numbers, so text in a date, date-time, time or number field is read as one (as record input
    is); text that is not one stays text, and the example then says what went wrong."""
    typed = dict(values)
    for key, value in values.items():
        kind = types.get(key)
        parse = _PARSERS.get(kind.kind) if kind is not None else None
        if parse is None or not isinstance(value, str):
            continue
        try:
            typed[key] = parse(value.strip())
        except (ValueError, ArithmeticError):
            continue
    return typed


def _example_failure(rule: CompiledRule, example: Example) -> Words | None:
    """Why `example` does not hold, in both languages (None: it holds)."""
    given = example.given
    now = given.now or datetime(2000, 1, 1).astimezone()
    form = getattr(rule.spec.trigger, "form", None)
    record = typed_example(given.record, rule.record_types)
    previous = None if given.previous is None else typed_example(given.previous, rule.record_types)
    event = RuleEvent(
        given.event,
        now,
        form,
        record,
        previous,
        frozenset(_changed(record, previous)),
        given.flow,
    )
    outcome = rule.evaluate(event, given.aggregates)
    expect = example.expect
    if outcome.matched != expect.matched:
        why = _why(outcome)
        return phrase("example_matched", wanted=MATCHING[expect.matched], why=why)
    blocked = outcome.blocked
    if expect.blocked is not None and (blocked is None or blocked.message != expect.blocked):
        return phrase("example_blocked", message=expect.blocked)
    if expect.actions is not None:
        done = tuple(_effect_type(e) for e in outcome.effects)
        if done != expect.actions:
            return phrase("example_actions", expected=list(expect.actions), actual=list(done))
    if expect.values is not None:
        first = outcome.effects[0] if outcome.effects else None
        actual = dict(getattr(first, "values", {}) or {})
        for key, wanted_value in expect.values.items():
            if _plain(wanted_value) != actual.get(key):
                found = actual.get(key)
                return phrase("example_value", key=key, wanted=wanted_value, actual=found)
    return None


def _why(outcome: RuleOutcome) -> Words:
    """The first diagnostic of the evaluation, as a detail in brackets (none: nothing)."""
    if not outcome.diagnostics:
        return Words("", "")
    return phrase("example_why", diagnostic=outcome.diagnostics[0])


def _changed(record: Mapping[str, Any], previous: Mapping[str, Any] | None) -> set[str]:
    if previous is None:
        return set(record)
    return {key for key in set(record) | set(previous) if record.get(key) != previous.get(key)}


def _effect_type(effect: Effect) -> str:
    return {
        SetFieldsEffect: "set_fields",
        BlockEffect: "block",
        AlertEffect: "raise_alert",
        CreateRecordEffect: "create_record",
        DecisionCallEffect: "call_decision",
        UpdateRecordsEffect: "update_records",
        NotifyEffect: "notify",
        StartFlowEffect: "start_flow",
    }[type(effect)]
