"""Event-condition-action rules at run time, inside the record's transaction.

The runner is a records save hook. Before a save it runs the app's `before_save` rules triggered
by the event (they may set fields of the record or block the save); after it, the `after_save`
rules (alerts, new records). Rules run highest salience first, then by key, and only those in
force today. A rule acts as its owner, the user who published its version (a rule published by
the command line or a pack installer acts as the system): its aggregates and the records it
creates go through the owner's permissions (a disabled owner makes the rule refuse, never act as
someone else). Every rule that matched is recorded in
`rule_executions` with its outcome, shadow rules included (they act on nothing). An alert with a
de-duplication key is raised once per key. Rules whose actions trigger rules may nest
`MAX_CASCADE` deep; beyond that the save is refused, naming the chain.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol, TypeVar, get_args, get_type_hints

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from brickwork import jsonio
from brickwork.engines.expr import (
    EvaluationContext,
    ExpressionError,
    Scope,
    compile_expression,
    parse,
    to_sql_ir,
)
from brickwork.engines.expr import datatypes as t
from brickwork.engines.expr.choices import (
    ForeignOption,
    foreign_options,
    literal_results,
    names_compared,
    not_an_option,
    shown,
)
from brickwork.engines.expr.diagnostics import Span
from brickwork.engines.expr.syntax import Expr, read_beyond_null_tests
from brickwork.engines.expr.words import zh_type
from brickwork.engines.flow.effects import Finished
from brickwork.engines.form import compile_form
from brickwork.engines.form.compiled import FormDesignError
from brickwork.engines.form.definition import (
    ComputedField,
    FormDefinition,
    MoneyField,
    SerialNumberField,
    choice_options,
    people_fields,
)
from brickwork.engines.form.scope import to_expression_values
from brickwork.engines.rules import (
    AlertEffect,
    BlockEffect,
    CompiledModel,
    CompiledRule,
    CreateRecordEffect,
    DecisionModelError,
    RuleDefinitionError,
    RuleEvent,
    RuleOutcome,
    SetFieldsEffect,
    StartFlowEffect,
    compile_model,
    compile_rule,
)
from brickwork.engines.rules.cron import parse_cron
from brickwork.engines.rules.eca import (
    AggregateRequest,
    DecisionCallEffect,
    Effect,
    NotifyEffect,
    UpdateRecordsEffect,
    run_examples,
)
from brickwork.engines.rules.problems import pointer_token
from brickwork.engines.rules.rule_definition import (
    CallDecision,
    FlowEventName,
    FlowTrigger,
    ManualTrigger,
    RecordTrigger,
    RuleDefinition,
    ScheduleTrigger,
    StartFlow,
    UpdateRecords,
    record_form,
)
from brickwork.platform.auth.actor import Actor
from brickwork.platform.auth.repository import IdentityRepository
from brickwork.platform.clock import (
    BUSINESS_ZONE,
    Clock,
    business_date,
    business_time,
    system_clock,
)
from brickwork.platform.errors import (
    Conflict,
    ErrorItem,
    Invalid,
    NotFound,
    PlatformError,
    pointer_of,
)
from brickwork.platform.jobs.repository import JobRepository
from brickwork.platform.jobs.service import JobContext, JobQueue, put_schedule
from brickwork.platform.metadata.repository import MetadataRepository
from brickwork.platform.metadata.schemas import Kind
from brickwork.platform.metadata.service import MetadataService, PublishRequestContext
from brickwork.platform.models import RuleExecution
from brickwork.platform.notifications.service import NotificationService
from brickwork.platform.records.listing import LruCache
from brickwork.platform.records.published import PublishedForm
from brickwork.platform.records.rows import typed_values
from brickwork.platform.records.service import RecordService
from brickwork.platform.records.windows import Window, equality_keys
from brickwork.platform.rules.calendars import CalendarService
from brickwork.platform.rules.definitions import describe, problem_item, rule_schema_item
from brickwork.platform.rules.notices import RuleNotices, template_problems
from brickwork.platform.rules.service import DecisionService, feel_json

MAX_CASCADE = 5
CHAIN = "brickwork.rule_chain"
COMPILED_RULES = 512
MEMO = "brickwork.rules_memo"
T = TypeVar("T")
TRACE_FIELD = "rule_trace"
"""A field of an alert form that receives the trace of the rule raising the alert."""
SCHEDULED = "rule.scheduled"
LATER = "rule.after_save"


class FlowStarter(Protocol):
    def __call__(
        self,
        session: Session,
        actor: Actor,
        app_key: str,
        form_key: str,
        record_id: str,
        flow_key: str,
    ) -> None:
        """Start flow `flow_key` on the record with `actor` as the initiator; a flow already
        running there is left alone."""


"""The job kind of an after-save rule in `async` mode."""
"""The job kind of a scheduled rule's tick."""


def once_per_transaction(session: Session, key: tuple[str, str], load: Callable[[], T]) -> T:
    """`load()` once per transaction of `session` (what rules read around a save: the app's
    rules, their owners, calendars); the next transaction reads again."""
    memo: dict[Any, Any] = session.info.setdefault(MEMO, {})
    transaction = session.get_transaction()
    if memo.get("transaction") is not transaction:
        memo.clear()
        memo["transaction"] = transaction
    if key not in memo:
        memo[key] = load()
    found: T = memo[key]
    return found


def schedule_name(app_key: str, rule_key: str) -> str:
    return f"rule:{app_key}/{rule_key}"


def cron_next(cron: str, timezone: str, after: datetime) -> datetime:
    return parse_cron(cron, timezone).next_after(after)


@dataclass(frozen=True, slots=True)
class _Place:
    """Where a scheduled rule acts: its app (no form, no record)."""

    app_key: str
    form_key: str | None


Place = PublishedForm | _Place
"""Where a rule acts: the form of the record that triggered it, or only its app."""


@dataclass(frozen=True, slots=True)
class _Rule:
    key: str
    version: int
    owner: str
    compiled: CompiledRule


class RuleRunner:
    def __init__(
        self,
        *,
        metadata: MetadataService,
        records: RecordService,
        identities: IdentityRepository,
        decisions: DecisionService,
        calendars: CalendarService,
        clock: Clock = system_clock,
        jobs: JobRepository | None = None,
        notifications: NotificationService | None = None,
    ) -> None:
        self.notices = RuleNotices(
            records=records, identities=identities, notifications=notifications
        )
        self.decisions = decisions
        self.calendars = calendars
        self.jobs = jobs or JobRepository()
        self.queue = JobQueue(clock=clock, repo=self.jobs)
        self.repo = MetadataRepository()
        self.metadata = metadata
        self.records = records
        self.identities = identities
        self.clock = clock
        self._compiled = LruCache(COMPILED_RULES)
        self.flow_starter: FlowStarter | None = None

    def use_flow_starter(self, starter: FlowStarter) -> None:
        """How the `start_flow` action starts a flow (the flow area plugs in here)."""
        self.flow_starter = starter

    # ------------------------------------------------------------ publishing

    def on_publish(self, session: Session, request: PublishRequestContext) -> list[str]:
        """A rule is refused at publish with every problem (examples included)."""
        forms = self.records.published_forms(session, request.app_key)
        scopes = scopes_of(forms)
        filled = {form.form_key: system_filled_fields(form.definition) for form in forms}
        try:
            compiled = compile_rule(request.body["spec"], scopes=scopes)
        except RuleDefinitionError as exc:
            errors = [problem_item(p, "/spec") for p in exc.problems]
            try:  # said with the others, when the rule has its shape
                shaped = RuleDefinition.model_validate(request.body["spec"])
                errors.extend(unwritable_problems(shaped, filled, "/spec"))
            except ValidationError:
                pass
            raise Invalid(
                f"rule {request.definition.key!r} cannot be published",
                code="definition_invalid",
                errors=errors,
                zh_cn=f"规则 {request.definition.key!r} 无法发布",
            ) from None
        missing = self._unavailable(session, request.app_key, compiled.spec, compiled)
        missing.extend(self.notices.publish_problems(session, compiled.spec, scopes, "/spec"))
        mixed = {form.form_key: mixed_currency_fields(form.definition) for form in forms}
        missing.extend(currency_problems(compiled, mixed, "/spec"))
        missing.extend(unwritable_problems(compiled.spec, filled, "/spec"))
        options = {form.form_key: choice_options(form.definition.fields) for form in forms}
        missing.extend(option_problems(compiled, options, "/spec"))
        people = {form.form_key: people_fields(form.definition.fields) for form in forms}
        missing.extend(people_problems(compiled, people, "/spec"))
        if missing:
            raise Invalid(
                f"rule {request.definition.key!r} cannot be published",
                code="definition_invalid",
                errors=missing,
                zh_cn=f"规则 {request.definition.key!r} 无法发布",
            )
        steps: list[str] = []
        schedule = compiled.spec.trigger
        name = schedule_name(request.app_key, request.definition.key)
        if isinstance(schedule, ScheduleTrigger):
            steps.append(f"schedule `{schedule.cron}` ({schedule.timezone})")
            if not request.dry_run:
                payload = {"app": request.app_key, "rule": request.definition.key}
                put_schedule(
                    session,
                    self.jobs,
                    cron_next,
                    self.clock(),
                    name,
                    SCHEDULED,
                    payload,
                    cron=schedule.cron,
                    timezone=schedule.timezone,
                )
        elif not request.dry_run:
            self.jobs.remove_schedule(session, name)  # no longer scheduled
        trigger = record_form(compiled.spec.trigger)
        for aggregate in compiled.spec.aggregates:
            keys: list[str] = []
            if aggregate.where is not None and trigger is not None:
                candidate, triggering = scopes[aggregate.form].fields, scopes[trigger].fields
                scope = Scope(
                    fields={
                        "it": t.context_of(dict(candidate)),
                        "record": t.context_of(dict(triggering)),
                    }
                )
                keys = equality_keys(to_sql_ir(aggregate.where, scope, predicate=True))
            if aggregate.window is not None:
                keys.append(aggregate.window.field)
            if keys:
                steps.append(f"index {aggregate.form}({', '.join(keys)}) for `{aggregate.name}`")
                if not request.dry_run:
                    self.records.ensure_window_index(session, request.app_key, aggregate.form, keys)
        return steps

    def _unavailable(
        self,
        session: Session,
        app_key: str,
        spec: RuleDefinition,
        compiled: CompiledRule | None = None,
    ) -> list[ErrorItem]:
        """The decision models and the calendar the rule names that are not published and live
        (with `compiled`, also inputs passed what their model's types do not take)."""
        models = {k for _i, k, _n in self.repo.published(session, app_key, "decision_table")}
        missing = [
            ErrorItem(
                f"/spec/actions/{index}/model",
                "E_RULE_UNKNOWN_MODEL",
                f"the app has no published, live decision model `{action.model}`",
                f"应用中没有已发布且未归档的决策表 `{action.model}`",
            )
            for index, action in enumerate(spec.actions)
            if isinstance(action, CallDecision) and action.model not in models
        ]
        missing.extend(self._uncallable(session, app_key, spec, models, compiled))
        if spec.calendar is not None and self.calendars.calendar(session, spec.calendar) is None:
            message = f"there is no business calendar `{spec.calendar}`"
            zh_cn = f"没有营业日历 `{spec.calendar}`"
            missing.append(ErrorItem("/spec/calendar", "E_RULE_UNKNOWN_CALENDAR", message, zh_cn))
        missing.extend(self._unavailable_flows(session, app_key, spec, compiled))
        return missing

    def _uncallable(
        self,
        session: Session,
        app_key: str,
        spec: RuleDefinition,
        models: set[str],
        compiled: CompiledRule | None,
    ) -> list[ErrorItem]:
        """Decision calls naming a decision or an input their (published) model does not have:
        the input would be dropped and the decision made on null, or every call would fail;
        with `compiled`, also an input passed what its type does not take."""
        found = []
        for index, action in enumerate(spec.actions):
            if not isinstance(action, CallDecision) or action.model not in models:
                continue
            model, _version = self.decisions.model(session, app_key, action.model)
            found.extend(_call_errors(model, action, f"/spec/actions/{index}", compiled, index))
        return found

    def _unavailable_flows(
        self,
        session: Session,
        app_key: str,
        spec: RuleDefinition,
        compiled: CompiledRule | None = None,
    ) -> list[ErrorItem]:
        """The flows the rule starts or listens to: published, live, and bound to the form."""
        if not _flows_named(spec):
            return []
        flows = {
            key: (self.metadata.version(session, app_key, Kind.FLOW, key, number).body or {}).get(
                "spec", {}
            )
            for _i, key, number in self.repo.published(session, app_key, Kind.FLOW.value)
        }
        return _flow_problems(spec, flows, compiled, "/spec")

    def on_flow_publish(self, session: Session, request: PublishRequestContext) -> list[str]:
        """A flow may not change so that a published rule starting it or listening to it no
        longer fits: bound to another form, or without a node the rule's trigger names or
        compares `flow.node` with (the rule would never fire there). The publish is refused,
        naming each rule, until the rules are updated."""
        if request.importing:  # an imported bundle's rules are checked by their own publish
            return []
        key = request.definition.key
        flows = {key: (request.body or {}).get("spec") or {}}
        problems: list[ErrorItem] = []
        steps: list[str] = []
        compiled = self._compiler(session, request.app_key)
        for rule, spec in self._published_specs(session, request.app_key):
            if key not in _flows_named(spec):
                continue
            found = _flow_problems(spec, flows, compiled(spec), f"/rules/{rule}", only=key)
            problems.extend(found)
            steps.append(f"rule {rule!r} still fits flow {key!r}")
        if problems:
            raise Conflict(
                f"flow {key!r} cannot change so: published rules start it or run on its events "
                "(update the rules first)",
                code="rules_broken_by_change",
                errors=problems,
                zh_cn=f"流程 {key!r} 不能这样修改：已发布的规则会发起它或由它的事件触发"
                "（请先更新规则）",
            )
        return steps

    def model_in_use(
        self, session: Session, app_key: str, key: str, archived: bool
    ) -> list[ErrorItem]:
        """Archiving decision model `key` is refused while a published rule calls it."""
        if not archived:
            return []
        return [
            ErrorItem(
                f"/rules/{rule}/actions/{index}/model",
                "E_RULE_CALLS_MODEL",
                f"published rule `{rule}` calls decision model `{key}`",
                f"已发布的规则 `{rule}` 调用了决策表 `{key}`",
            )
            for rule, spec in self._published_specs(session, app_key)
            for index, action in enumerate(spec.actions)
            if isinstance(action, CallDecision) and action.model == key
        ]

    def flow_in_use(
        self, session: Session, app_key: str, key: str, archived: bool
    ) -> list[ErrorItem]:
        """Archiving flow `key` is refused while a published rule starts it or listens to it."""
        if not archived:
            return []
        found = []
        for rule, spec in self._published_specs(session, app_key):
            if isinstance(spec.trigger, FlowTrigger) and spec.trigger.flow == key:
                message = f"published rule `{rule}` runs on events of flow `{key}`"
                zh_cn = f"已发布的规则 `{rule}` 由流程 `{key}` 的事件触发"
                pointer = f"/rules/{rule}/trigger/flow"
                found.append(ErrorItem(pointer, "E_RULE_USES_FLOW", message, zh_cn))
            for index, action in enumerate(spec.actions):
                if isinstance(action, StartFlow) and action.flow == key:
                    message = f"published rule `{rule}` starts flow `{key}`"
                    zh_cn = f"已发布的规则 `{rule}` 会发起流程 `{key}`"
                    pointer = f"/rules/{rule}/actions/{index}/flow"
                    found.append(ErrorItem(pointer, "E_RULE_USES_FLOW", message, zh_cn))
        return found

    def rule_restorable(
        self, session: Session, app_key: str, key: str, archived: bool
    ) -> list[ErrorItem]:
        """A rule is restored only while the decision models, calendar and webhooks it names are
        live (and an SMTP server is configured when it sends e-mail)."""
        definition = self.metadata.definition(session, app_key, Kind.RULE, key)
        if archived or definition.latest_version is None:
            return []
        body = self.metadata.version(session, app_key, Kind.RULE, key, definition.latest_version)
        spec = RuleDefinition.model_validate(body.body["spec"])
        return [
            *self._unavailable(session, app_key, spec),
            *self.notices.unavailable(session, spec, "/spec"),
        ]

    def _published_specs(
        self, session: Session, app_key: str
    ) -> Iterator[tuple[str, RuleDefinition]]:
        for _definition_id, key, number in self.repo.published(session, app_key, Kind.RULE.value):
            body = self.metadata.version(session, app_key, Kind.RULE, key, number).body
            yield key, RuleDefinition.model_validate(body["spec"])

    def on_form_publish(self, session: Session, request: PublishRequestContext) -> list[str]:
        """A form may not change so that a published rule of its app no longer compiles (a
        renamed or removed field a rule reads or sets): the publish is refused, naming each
        rule and what breaks, until the rules are updated."""
        published = self.repo.published(session, request.app_key, Kind.RULE.value)
        if not published or request.importing:  # imported ones are checked on their own
            return []
        try:
            compiled_form = compile_form(
                FormDefinition.model_validate(request.body["spec"]),
                today=business_date(self.clock()),
            )
        except (ValueError, FormDesignError):
            return []  # the form's own checks report it
        forms = self.records.published_forms(session, request.app_key)
        scopes = {**scopes_of(forms), request.definition.key: compiled_form.scope}
        mixed = {request.definition.key: mixed_currency_fields(compiled_form.definition)}
        filled = {request.definition.key: system_filled_fields(compiled_form.definition)}
        options = {
            **{form.form_key: choice_options(form.definition.fields) for form in forms},
            request.definition.key: choice_options(compiled_form.definition.fields),
        }
        people = {
            **{form.form_key: people_fields(form.definition.fields) for form in forms},
            request.definition.key: people_fields(compiled_form.definition.fields),
        }
        problems: list[ErrorItem] = []
        steps: list[str] = []
        for _definition_id, key, number in published:
            stored = self.metadata.version(session, request.app_key, Kind.RULE, key, number)
            try:
                compiled = compile_rule(stored.body["spec"], scopes=scopes)
            except RuleDefinitionError as exc:
                problems.extend(problem_item(p, f"/rules/{key}") for p in exc.problems)
                continue
            broken = template_problems(compiled.spec, scopes, f"/rules/{key}")
            broken.extend(currency_problems(compiled, mixed, f"/rules/{key}"))
            broken.extend(unwritable_problems(compiled.spec, filled, f"/rules/{key}"))
            broken.extend(option_problems(compiled, options, f"/rules/{key}"))
            broken.extend(people_problems(compiled, people, f"/rules/{key}"))
            problems.extend(broken)
            if not broken:
                steps.append(f"rule {key!r} still compiles")
        if problems:
            raise Conflict(
                f"form {request.definition.key!r} cannot change so: published rules use it "
                "(update the rules first)",
                code="rules_broken_by_change",
                errors=problems,
                zh_cn=f"表单 {request.definition.key!r} 不能这样修改：已发布的规则在使用它"
                "（请先更新规则）",
            )
        if not request.dry_run:
            self._compiled = LruCache(COMPILED_RULES)  # compiled again against the new form
        return steps

    def on_model_publish(self, session: Session, request: PublishRequestContext) -> list[str]:
        """A decision model may not change so that a published rule's call of it names a
        decision or an input the new version lacks (the input would be dropped and the decision
        made on null): the publish is refused, naming each call, until the rules are updated."""
        if request.importing:  # an imported bundle's rules are checked by their own publish
            return []
        try:
            model = compile_model(request.body["spec"])
        except (DecisionModelError, ValueError):
            return []  # the model's own checks report it
        key = request.definition.key
        problems: list[ErrorItem] = []
        steps: list[str] = []
        compiled = self._compiler(session, request.app_key)
        for rule, spec in self._published_specs(session, request.app_key):
            calls = [
                (index, action)
                for index, action in enumerate(spec.actions)
                if isinstance(action, CallDecision) and action.model == key
            ]
            if not calls:
                continue
            typed = compiled(spec)
            for index, action in calls:
                here = f"/rules/{rule}/actions/{index}"
                problems.extend(_call_errors(model, action, here, typed, index))
            steps.append(f"rule {rule!r} still calls decision model {key!r} rightly")
        if problems:
            raise Conflict(
                f"decision model {key!r} cannot change so: published rules call it with what it "
                "no longer has (update the rules first)",
                code="rules_broken_by_change",
                errors=problems,
                zh_cn=f"决策表 {key!r} 不能这样修改：已发布的规则调用它时用到的内容将不复存在"
                "（请先更新规则）",
            )
        return steps

    def _compiler(
        self, session: Session, app_key: str
    ) -> Callable[[RuleDefinition], CompiledRule | None]:
        """Compiles published rules against the app's forms as they are (read once, when a rule
        is first compiled), typed as the rule reads them; None for a rule that no longer
        compiles (its own checks say why; what names alone can tell is still checked)."""
        scopes: dict[str, Any] | None = None

        def compiled(spec: RuleDefinition) -> CompiledRule | None:
            nonlocal scopes
            scopes = scopes if scopes is not None else self._scopes(session, app_key)
            try:
                return compile_rule(spec, scopes=scopes)
            except RuleDefinitionError:
                return None

        return compiled

    def _scopes(self, session: Session, app_key: str) -> dict[str, Any]:
        return scopes_of(self.records.published_forms(session, app_key))

    def _rules(self, session: Session, app_key: str) -> list[_Rule]:
        """The app's published rules, compiled, highest salience first. Looked up once per
        transaction (one statement): a rule published meanwhile applies from the next one."""
        return once_per_transaction(
            session, ("rules", app_key), lambda: self._load(session, app_key)
        )

    def _load(self, session: Session, app_key: str) -> list[_Rule]:
        found = []
        for definition_id, key, number in self.repo.published(session, app_key, Kind.RULE.value):
            rule: _Rule | None = self._compiled.get((definition_id, number))
            if rule is None:
                stored = self.metadata.version(session, app_key, Kind.RULE, key, number)
                compiled = compile_rule(stored.body["spec"], scopes=self._scopes(session, app_key))
                rule = _Rule(key, number, stored.published_by, compiled)
                self._compiled.put((definition_id, number), rule)
            found.append(rule)
        found.sort(key=lambda r: (-r.compiled.spec.salience, r.key))
        return found

    # ------------------------------------------------------------ the save hook

    def before_save(
        self,
        session: Session,
        actor: Actor,
        form: PublishedForm,
        kind: str,
        record: Mapping[str, Any],
        previous: Mapping[str, Any] | None,
    ) -> Mapping[str, Any]:
        changes: dict[str, Any] = {}
        for rule, event in self._due(session, form, kind, record, previous, "before_save"):
            seen = {**(event.record or {}), **changes}
            event = RuleEvent(
                event.kind, event.now, event.form, seen, event.previous, event.changed
            )
            outcome = self._evaluate(session, form, rule, event)
            if outcome.shadow:
                continue
            for effect in outcome.effects:
                if isinstance(effect, SetFieldsEffect):
                    changes.update(effect.values)
                elif isinstance(effect, DecisionCallEffect):
                    changes.update(self._decided(session, form, rule, event, effect))
                elif isinstance(effect, BlockEffect):
                    pointer = f"/{effect.field}" if effect.field else ""
                    raise Invalid(
                        f"rule {rule.key!r}: {effect.message}",
                        code="rule_blocked",
                        # the designer's own words, in whatever language they wrote them
                        errors=[ErrorItem(pointer, "rule_blocked", effect.message, effect.message)],
                        zh_cn=f"规则 {rule.key!r}：{effect.message}",
                    )
        return changes

    def reads_records(self, session: Session, form: PublishedForm) -> bool:
        """Whether a published rule on new records of `form` has aggregates (it reads the
        form's or another form's records, so a batch is saved record by record)."""
        return any(
            rule.compiled.spec.aggregates
            and isinstance(rule.compiled.spec.trigger, RecordTrigger)
            and rule.compiled.spec.trigger.form == form.form_key
            and "created" in rule.compiled.spec.trigger.events
            for rule in self._rules(session, form.app_key)
        )

    def after_save(
        self,
        session: Session,
        actor: Actor,
        form: PublishedForm,
        kind: str,
        record: Mapping[str, Any],
        previous: Mapping[str, Any] | None,
    ) -> None:
        for rule, event in self._due(session, form, kind, record, previous, "after_save"):
            if rule.compiled.spec.mode == "async":
                payload = {
                    "app": form.app_key,
                    "rule": rule.key,
                    "version": rule.version,
                    "form": form.form_key,
                    "record": (event.record or {}).get("id"),
                    "event": kind,
                    "changed": sorted(event.changed),
                }
                self.queue.enqueue(session, LATER, payload)
                continue
            outcome = self._evaluate(session, form, rule, event, record=False)
            if outcome.matched:
                self._act(session, form, rule, event, outcome, initiator=actor)

    def on_flow_event(
        self,
        session: Session,
        actor: Actor,
        instance: Any,
        facts: Mapping[str, str | None],
    ) -> None:
        """The app's rules triggered by a flow event (after its effects are applied, in the
        command's transaction), on the flow's record as it is now."""
        app_key, form_key = instance.app_key, instance.form_key
        now = self.clock()
        bare = RuleEvent("flow", now, form_key, flow=dict(facts))  # the facts decide the trigger
        triggered = [
            rule
            for rule in self._rules(session, app_key)
            if isinstance(rule.compiled.spec.trigger, FlowTrigger)
            and rule.compiled.in_force(business_date(now))
            and rule.compiled.triggered_by(bare)
        ]
        if not triggered:
            return  # most events trigger nothing: the record is not read
        form = self.records.form(session, app_key, form_key)
        stored = self.records.stored(session, app_key, form_key, instance.record_id, form=form)
        values = _expression_values(form, stored, business_date(now))
        event = RuleEvent("flow", now, form_key, values, flow=dict(facts))
        for rule in triggered:
            if rule.compiled.spec.mode == "async":
                payload = {
                    "app": app_key,
                    "rule": rule.key,
                    "version": rule.version,
                    "form": form_key,
                    "record": instance.record_id,
                    "event": "flow",
                    "changed": [],
                    "flow": dict(facts),
                }
                self.queue.enqueue(session, LATER, payload)
                continue
            outcome = self._evaluate(session, form, rule, event, record=False)
            if outcome.matched:
                self._act(session, form, rule, event, outcome, initiator=actor)

    def run_later(self, session: Session, payload: Any, job: JobContext) -> dict[str, Any]:
        """An after-save rule in `async` mode (a job of kind `LATER`), on the record as it is
        now; the rule's version published at the save is the one that runs."""
        rule = next(
            (r for r in self._rules(session, payload["app"]) if r.key == payload["rule"]), None
        )
        if rule is None or rule.version != payload["version"]:
            stored_rule = self.metadata.version(
                session, payload["app"], Kind.RULE, payload["rule"], payload["version"]
            )
            compiled = compile_rule(
                stored_rule.body["spec"], scopes=self._scopes(session, payload["app"])
            )
            rule = _Rule(payload["rule"], payload["version"], stored_rule.published_by, compiled)
        form = self.records.form(session, payload["app"], payload["form"])
        stored = self.records.stored(session, payload["app"], payload["form"], payload["record"])
        values = _expression_values(form, stored, business_date(job.now))
        event = RuleEvent(
            payload["event"],
            job.now,
            form.form_key,
            values,
            None,
            frozenset(payload["changed"]),
            payload.get("flow"),
        )
        outcome = self._evaluate(session, form, rule, event, record=False)
        if outcome.matched:
            self._act(session, form, rule, event, outcome)
        return {"matched": outcome.matched}

    def _act(
        self,
        session: Session,
        form: Place,
        rule: _Rule,
        event: RuleEvent,
        outcome: RuleOutcome,
        *,
        initiator: Actor | None = None,
    ) -> None:
        """Record an after-save (or scheduled) outcome and apply its effects; `initiator`
        (default: the rule's owner) starts the flows it starts."""
        keys = [e.dedupe_key for e in outcome.effects if isinstance(e, AlertEffect)]
        key = next((f"{form.app_key}/{rule.key}/{k}" for k in keys if k is not None), None)
        if outcome.shadow:
            self._record(session, form, rule, event, outcome)
            return
        effects: list[Effect] = list(outcome.effects)
        if not self._record(session, form, rule, event, outcome, dedupe_key=key):
            # Raised before under this key: recorded, and neither the alert nor its notices
            # act again; the other actions do.
            self._record(session, form, rule, event, outcome, note="alert raised before")
            effects = [e for e in effects if not isinstance(e, AlertEffect | NotifyEffect)]
        for effect in effects:
            if isinstance(effect, AlertEffect):
                effect = self._with_trace(session, form, rule, event, outcome, effect)
            if isinstance(effect, NotifyEffect):
                owner = self._owner(session, rule) if effect.channel == "webhook" else None
                self.notices.send(
                    session, form.app_key, rule.key, rule.version, owner, event, effect
                )
                continue
            if isinstance(effect, StartFlowEffect):
                self._start_flow(session, form, rule, effect, event, initiator)
                continue
            self._apply(session, form, rule, effect, event)

    def _with_trace(
        self,
        session: Session,
        form: Place,
        rule: _Rule,
        event: RuleEvent,
        outcome: RuleOutcome,
        effect: AlertEffect,
    ) -> AlertEffect:
        """An alert form with a `rule_trace` field gets the trace of the rule that raised the
        alert there (unless the rule sets that field itself)."""
        target = self.records.form(session, form.app_key, effect.form)
        if TRACE_FIELD not in target.compiled.fields_by_key or TRACE_FIELD in effect.values:
            return effect
        trace = {
            "rule": rule.key,
            "version": rule.version,
            "event": event.kind,
            "form": event.form,
            "record": (event.record or {}).get("id"),
            "at": event.now.isoformat(),
            **_outcome_json(outcome),
        }
        text = jsonio.dumps(feel_json(trace), decimals_as_strings=True)
        return AlertEffect(effect.form, {**effect.values, TRACE_FIELD: text}, effect.dedupe_key)

    def _context(
        self, session: Session, form: Place, rule: _Rule, event: RuleEvent
    ) -> EvaluationContext:
        """The evaluation's clock, the app's parameter tables and, when the rule names one,
        its business calendar."""
        parameters = self.records.parameters.source(session, form.app_key)
        key = rule.compiled.spec.calendar
        if key is None:
            return EvaluationContext(now=business_time(event.now), parameters=parameters)
        calendar = once_per_transaction(
            session, ("calendar", key), lambda: self.calendars.calendar(session, key)
        )
        return EvaluationContext(
            now=business_time(event.now), calendar=calendar, parameters=parameters
        )

    def _decided(
        self,
        session: Session,
        form: PublishedForm,
        rule: _Rule,
        event: RuleEvent,
        effect: DecisionCallEffect,
        *,
        as_of: datetime | None = None,
    ) -> dict[str, Any]:
        """The fields a decision call sets. A decision that reports problems sets nothing and
        refuses the save with them (a rule must not store half-decided values)."""
        model, _version = self.decisions.model(session, form.app_key, effect.model, as_of=as_of)
        context = self._context(session, form, rule, event)
        result = model.evaluate(effect.decision, dict(effect.inputs), context=context)
        values, problems = rule.compiled.decision_outputs(effect, result.value, context=context)
        failed = [*result.diagnostics, *problems]
        if failed:
            raise Invalid(
                f"rule {rule.key!r}: decision model {effect.model!r} could not decide",
                code="rule_decision_failed",
                errors=[problem_item(p) for p in failed],
                zh_cn=f"规则 {rule.key!r}：决策表 {effect.model!r} 未能得出结果",
            )
        return values

    def _due(
        self,
        session: Session,
        form: PublishedForm,
        kind: str,
        record: Mapping[str, Any],
        previous: Mapping[str, Any] | None,
        phase: str,
    ) -> list[tuple[_Rule, RuleEvent]]:
        in_phase = [r for r in self._rules(session, form.app_key) if r.compiled.phase == phase]
        if not in_phase:
            return []  # no clock read, no conversion: saves of apps without rules pay nothing
        now = self.clock()
        candidates = [rule for rule in in_phase if rule.compiled.in_force(business_date(now))]
        if not candidates:
            return []
        values = _expression_values(form, record, business_date(now))
        before = (
            None if previous is None else _expression_values(form, previous, business_date(now))
        )
        changed = frozenset(
            key
            for key in set(values) | set(before or ())
            if before is None or values.get(key) != before.get(key)
        )
        event = RuleEvent(kind, now, form.form_key, values, before, changed)  # type: ignore[arg-type]
        return [(rule, event) for rule in candidates if rule.compiled.triggered_by(event)]

    def _owner(self, session: Session, rule: _Rule) -> Actor:
        """Who a rule acts as (read once per transaction). A rule whose owner was disabled does
        not act with anyone's permissions: it refuses, until a designer publishes it again (and
        so owns it)."""
        owner = once_per_transaction(
            session, ("owner", rule.owner), lambda: self._load_owner(session, rule.owner)
        )
        if owner is None:
            raise Conflict(
                f"rule {rule.key!r} acts as {rule.owner!r}, who published it and is disabled; a "
                "designer of the app publishes the rule again to own it",
                code="rule_owner_inactive",
                zh_cn=f"规则 {rule.key!r} 以发布人 {rule.owner!r} 的身份执行，而该用户已停用："
                "请由应用的设计人员重新发布此规则，成为它的所有者",
            )
        return owner

    def _load_owner(self, session: Session, username: str) -> Actor | None:
        user = self.identities.user_by_username(session, username)
        if user is None:  # users are disabled, never deleted: published by the command line
            return Actor(username, channel="rule", system=True)  # or a pack installer
        if user.status != "active":
            return None
        roles = tuple(role.key for role in self.identities.roles_of(session, user.id))
        return Actor(username, roles=roles, user_id=user.id, channel="rule")

    def _evaluate(
        self,
        session: Session,
        form: Place,
        rule: _Rule,
        event: RuleEvent,
        *,
        record: bool = True,
    ) -> RuleOutcome:
        values: dict[str, Any] = {}
        for request in rule.compiled.aggregate_requests(event):
            if request.missing_anchor:
                values[request.name] = None
                continue
            owner = self._owner(session, rule)
            window = None
            if request.window_field is not None:
                window = Window(request.window_field, request.start, request.end)
            if request.function == "list":
                values[request.name] = self._listed(session, owner, form, request, event, window)
                continue
            values[request.name] = self.records.window_aggregate(
                session,
                owner,
                form.app_key,
                request.form,
                function=request.function,
                field=request.field,
                where=request.where,
                trigger=event.record,
                window=window,
                today=business_date(event.now),
            )
        outcome = rule.compiled.evaluate(
            event, values, context=self._context(session, form, rule, event)
        )
        if record and outcome.matched:
            self._record(session, form, rule, event, outcome)
        return outcome

    def _listed(
        self,
        session: Session,
        owner: Actor,
        form: Place,
        request: AggregateRequest,
        event: RuleEvent,
        window: Window | None,
    ) -> list[dict[str, Any]]:
        """A `list` aggregate: the matching records as expressions see them (money as its
        amount, ...), each with its id and the listed fields."""
        listed = self.records.form(session, form.app_key, request.form)
        today = business_date(event.now)
        found = self.records.window_records(
            session,
            owner,
            form.app_key,
            request.form,
            keys=request.fields,
            where=request.where,
            trigger=event.record,
            window=window,
            limit=request.limit,
            today=today,
        )
        converters = _converters(listed)
        out = []
        for record in found:
            typed = typed_values(listed.definition, record, today)
            values = to_expression_values(
                {k: typed.get(k) for k in request.fields}, converters, BUSINESS_ZONE
            )
            out.append({"id": record["id"], **values})
        return out

    def _record(
        self,
        session: Session,
        form: Place,
        rule: _Rule,
        event: RuleEvent,
        outcome: RuleOutcome,
        dedupe_key: str | None = None,
        note: str | None = None,
    ) -> bool:
        """Record an execution; False when its de-duplication key was already recorded."""
        row = RuleExecution(
            app_key=form.app_key,
            rule_key=rule.key,
            rule_version=rule.version,
            form_key=event.form,
            record_id=(event.record or {}).get("id"),
            event=event.kind,
            shadow=outcome.shadow,
            outcome={**_outcome_json(outcome), **({"note": note} if note else {})},
            dedupe_key=dedupe_key,
            at=event.now,
            actor=rule.owner,
        )
        if dedupe_key is None:
            session.add(row)
            session.flush()
            return True
        try:
            with session.begin_nested():
                session.add(row)
        except IntegrityError:
            return False
        return True

    def _apply(
        self, session: Session, form: Place, rule: _Rule, effect: Effect, event: RuleEvent
    ) -> None:
        if isinstance(effect, AlertEffect | CreateRecordEffect):
            self._create(session, form, rule, effect.form, effect.values)
        elif isinstance(effect, UpdateRecordsEffect):
            self._update(session, form, rule, effect, event)

    def _update(
        self,
        session: Session,
        form: Place,
        rule: _Rule,
        effect: UpdateRecordsEffect,
        event: RuleEvent,
    ) -> None:
        """Each matching record updated as the rule's owner (its own rules run; cascades are
        bounded as for created records)."""
        owner = self._owner(session, rule)
        ids = self.records.matching_ids(
            session, owner, form.app_key, effect.form, where=effect.where, trigger=event.record
        )
        with self._nested(session, rule):
            for record_id in ids:
                self.records.update(
                    session, owner, form.app_key, effect.form, record_id, dict(effect.values)
                )

    def _create(
        self,
        session: Session,
        form: Place,
        rule: _Rule,
        target: str,
        values: Mapping[str, Any],
    ) -> None:
        with self._nested(session, rule):
            owner = self._owner(session, rule)
            self.records.create(session, owner, form.app_key, target, dict(values))

    def _start_flow(
        self,
        session: Session,
        form: Place,
        rule: _Rule,
        effect: StartFlowEffect,
        event: RuleEvent,
        initiator: Actor | None,
    ) -> None:
        record_id = (event.record or {}).get("id")
        if self.flow_starter is None or record_id is None or event.form is None:
            return  # published only where flows run and a record is there (checked then)
        starter = initiator or self._owner(session, rule)
        with self._nested(session, rule):
            self.flow_starter(session, starter, form.app_key, event.form, record_id, effect.flow)

    @contextmanager
    def _nested(self, session: Session, rule: _Rule) -> Iterator[None]:
        """Writes a rule makes (which may trigger rules in turn), at most `MAX_CASCADE` deep."""
        chain: list[str] = session.info.setdefault(CHAIN, [])
        if len(chain) >= MAX_CASCADE:
            path = " -> ".join([*chain, rule.key])
            raise Invalid(
                f"rules triggered each other more than {MAX_CASCADE} deep ({path}); nothing was "
                "saved",
                code="rule_cascade",
                errors=[ErrorItem("", "rule_cascade", path, path)],
                zh_cn=f"规则相互触发超过 {MAX_CASCADE} 层（{path}）：未保存任何内容",
            )
        chain.append(rule.key)
        try:
            yield
        finally:
            chain.pop()

    def run_scheduled(self, session: Session, payload: Any, job: JobContext) -> dict[str, Any]:
        """A scheduled rule's tick (a job of kind `SCHEDULED`): evaluated at the job's time,
        its effects applied as after a save. A rule no longer published with a schedule, or
        not in force that day, does nothing."""
        app_key, key = payload["payload"]["app"], payload["payload"]["rule"]
        rule = next((r for r in self._rules(session, app_key) if r.key == key), None)
        if rule is None or not isinstance(rule.compiled.spec.trigger, ScheduleTrigger):
            return {"ran": False, "why": "the rule is not scheduled any more"}
        if not rule.compiled.in_force(business_date(job.now)):
            return {"ran": False, "why": "the rule is not in force today"}
        return {**self._tick(session, app_key, rule, job.now), "tick": payload.get("tick")}

    def run_now(
        self, session: Session, actor: Actor, app_key: str, key: str, at: datetime | None = None
    ) -> dict[str, Any]:
        """A scheduled rule's tick now, or as of `at` (its aggregates and `today()` are then
        those of that time; what it does is recorded now), for a designer of the app: to run
        month-end work again after a correction, or to try a rule. Its owner's permissions
        apply, as on a tick."""
        self.decisions.permissions.require(session, actor, "design", app_key)
        rule = next((r for r in self._rules(session, app_key) if r.key == key), None)
        if rule is None or not isinstance(rule.compiled.spec.trigger, ScheduleTrigger):
            raise NotFound(
                f"app {app_key!r} has no published scheduled rule {key!r}",
                code="rule_not_found",
                zh_cn=f"应用 {app_key!r} 没有已发布的定时规则 {key!r}",
            )
        when = at or self.clock()
        if not rule.compiled.in_force(business_date(when)):
            return {"ran": False, "why": f"the rule is not in force on {business_date(when)}"}
        return self._tick(session, app_key, rule, when)

    def _tick(self, session: Session, app_key: str, rule: _Rule, now: datetime) -> dict[str, Any]:
        """One run of a scheduled rule at `now`: once for the app, or once per record of its
        `for_each` (each in its own savepoint: a record whose run fails is reported and the
        others go on)."""
        trigger = rule.compiled.spec.trigger
        assert isinstance(trigger, ScheduleTrigger)
        each = trigger.for_each
        if each is None:
            event = RuleEvent("schedule", now)
            place = _Place(app_key, None)
            outcome = self._evaluate(session, place, rule, event, record=False)
            if outcome.matched:
                self._act(session, place, rule, event, outcome)
            return {"ran": True, "matched": outcome.matched}
        form = self.records.form(session, app_key, each.form)
        found = self.records.window_records(
            session,
            self._owner(session, rule),
            app_key,
            each.form,
            keys=(),
            where=each.where,
            limit=each.limit,
            today=business_date(now),
        )
        matched, failed = 0, []
        for item in found:
            try:
                with session.begin_nested():
                    stored = self.records.stored(session, app_key, each.form, item["id"], form=form)
                    values = _expression_values(form, stored, business_date(now))
                    event = RuleEvent("schedule", now, each.form, values)
                    outcome = self._evaluate(session, form, rule, event, record=False)
                    if outcome.matched:
                        self._act(session, form, rule, event, outcome)
                        matched += 1
            except PlatformError as exc:
                failed.append({"record": item["id"], "code": exc.code, "message": exc.message})
        return {"ran": True, "records": len(found), "matched": matched, "failed": failed}

    def run_manual(
        self, session: Session, actor: Actor, app_key: str, form_key: str, record_id: str, key: str
    ) -> dict[str, Any]:
        """Run a rule with a manual trigger on a record, for someone who may read it."""
        self.records.get(session, actor, app_key, form_key, record_id)  # 404 when not readable
        form = self.records.form(session, app_key, form_key)
        rule = next((r for r in self._rules(session, app_key) if r.key == key), None)
        trigger = None if rule is None else rule.compiled.spec.trigger
        if rule is None or not isinstance(trigger, ManualTrigger) or trigger.form != form_key:
            raise NotFound(
                f"app {app_key!r} has no published rule {key!r} to run on form {form_key!r}",
                code="rule_not_found",
                zh_cn=f"应用 {app_key!r} 没有可在表单 {form_key!r} 上运行的已发布规则 {key!r}",
            )
        now = self.clock()
        stored = self.records.stored(session, app_key, form_key, record_id)
        values = _expression_values(form, stored, business_date(now))
        event = RuleEvent("manual", now, form_key, values)
        outcome = self._evaluate(session, form, rule, event, record=False)
        if outcome.matched and rule.compiled.in_force(business_date(now)):
            self._act(session, form, rule, event, outcome, initiator=actor)
        return _outcome_json(outcome, actor.locale)

    def try_examples(
        self,
        session: Session,
        actor: Actor,
        app_key: str,
        key: str,
        spec: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """The examples of a rule's draft (or of `spec`, the draft as a designer holds it,
        unsaved) run against the app's published forms, each with whether it holds and, when
        not, why; for a designer of the app. Pure evaluation: nothing is saved or done. A rule
        that does not compile is refused with every problem (`/spec/...` pointers)."""
        self.decisions.permissions.require(session, actor, "design", app_key)
        definition = self.metadata.definition(session, app_key, Kind.RULE, key)
        body = spec if spec is not None else (definition.draft or {}).get("spec") or {}
        try:
            compiled = compile_rule({**body, "examples": []}, scopes=self._scopes(session, app_key))
            examples = RuleDefinition.model_validate(body).examples
        except RuleDefinitionError as exc:
            errors = [problem_item(p, "/spec") for p in exc.problems]
        except ValidationError as exc:
            errors = [
                rule_schema_item(f"/spec{pointer_of(e['loc'])}", e["msg"]) for e in exc.errors()
            ]
        else:
            errors = []
        if errors:
            raise Invalid(
                f"rule {key!r} cannot be tried",
                code="definition_invalid",
                errors=errors,
                zh_cn=f"规则 {key!r} 无法试运行",
            )
        chinese = actor.locale == "zh-CN"
        items = [
            {
                "index": index,
                "name": name,
                "passed": failure is None,
                "message": None if failure is None else failure.zh_cn if chinese else failure.en,
            }
            for index, (name, failure) in enumerate(run_examples(compiled, examples))
        ]
        passed = sum(1 for item in items if item["passed"])
        return {"items": items, "passed": passed, "failed": len(items) - passed}

    def replay(
        self,
        session: Session,
        actor: Actor,
        app_key: str,
        form_key: str,
        record_id: str,
        *,
        as_of: datetime,
        event_kind: str = "created",
    ) -> list[dict[str, Any]]:
        """How the rules in force at `as_of` would decide on the record as stored now: the rule
        versions published by then (not archived by then), in force on that day, triggered by
        `event_kind` on this form, with `now()` at `as_of` and the decision model versions in
        force then. Acts on nothing and records nothing. For those who may read the record;
        values derived from it only for readers who see all of it in clear."""
        self.records.get(session, actor, app_key, form_key, record_id)  # 404 when not readable
        clear = self.records.reads_in_clear(session, actor, app_key, form_key, record_id)
        form = self.records.form(session, app_key, form_key)
        stored = self.records.stored(session, app_key, form_key, record_id)
        values = _expression_values(form, stored, business_date(as_of))
        event = RuleEvent(event_kind, as_of, form_key, values, None, frozenset(values))  # type: ignore[arg-type]
        scopes = self._scopes(session, app_key)
        found: list[dict[str, Any]] = []
        for key, version in self.repo.published_as_of(session, app_key, "rule", as_of):
            item: dict[str, Any] = {
                "rule": key,
                "version": version.version,
                "published_at": version.published_at,
            }
            try:
                compiled = compile_rule(version.body["spec"], scopes=scopes)
            except RuleDefinitionError as exc:
                item["error"] = {
                    "code": "rule_no_longer_compiles",
                    "message": "this version does not compile against today's forms: "
                    + "; ".join(describe(p) for p in exc.problems[:3]),
                }
                found.append(item)
                continue
            if not compiled.triggered_by(event):
                continue
            rule = _Rule(key, version.version, version.published_by, compiled)
            item["in_force"] = compiled.in_force(business_date(as_of))
            try:
                outcome = self._evaluate(session, form, rule, event, record=False)
                decided: dict[str, Any] = {}
                for effect in outcome.effects if outcome.matched else ():
                    if isinstance(effect, DecisionCallEffect):
                        decided |= self._decided(session, form, rule, event, effect, as_of=as_of)
            except PlatformError as exc:  # a refusal the save would have met, reported
                item["error"] = {"code": exc.code, "message": exc.message}
                if exc.errors and clear:
                    item["error"]["errors"] = [e.as_dict() for e in exc.errors]
                found.append(item)
                continue
            result = {
                **_outcome_json(outcome, actor.locale),
                **({"decided": decided} if decided else {}),
            }
            item["outcome"] = feel_json(result) if clear else _redacted(result)
            found.append(item)
        return found

    def executions(
        self, session: Session, actor: Actor, app_key: str, form_key: str, record_id: str
    ) -> list[dict[str, Any]]:
        """What rules did on a record, for those who may read it. Values derived from the
        record (aggregates, `let` values, effects' values, de-dup keys, messages) are shown only
        to readers who see every field of the record in clear; others get what ran, when, and
        with which outcome."""
        clear = self.records.reads_in_clear(session, actor, app_key, form_key, record_id)
        rows = session.execute(
            select(RuleExecution)
            .where(
                RuleExecution.app_key == app_key,
                RuleExecution.form_key == form_key,
                RuleExecution.record_id == record_id,
            )
            .order_by(RuleExecution.id)
        ).scalars()
        found = []
        for row in rows:
            item = {
                "rule": row.rule_key,
                "version": row.rule_version,
                "event": row.event,
                "shadow": row.shadow,
                "at": row.at,
                "actor": row.actor,
            }
            if clear:
                item.update(dedupe_key=row.dedupe_key, outcome=_read_in(row.outcome, actor.locale))
            else:
                item["outcome"] = _redacted(row.outcome)
            found.append(item)
        return found


def _redacted(outcome: Mapping[str, Any]) -> dict[str, Any]:
    """An outcome without anything derived from record values."""
    return {
        "matched": outcome.get("matched"),
        "effects": [{"type": effect.get("type")} for effect in outcome.get("effects", ())],
        "diagnostics": [
            {"code": d.get("code"), "pointer": d.get("pointer")}
            for d in outcome.get("diagnostics", ())
        ],
        "redacted": True,
    }


def _expression_values(
    form: PublishedForm, record: Mapping[str, Any], today: date
) -> dict[str, Any]:
    """A record as expressions see it (money as its amount, ...), with its id. `record` is a
    stored record (with its system columns) or the values of one being saved."""
    typed = typed_values(form.definition, record, today) if "version" in record else record
    values = to_expression_values(
        {key: typed.get(key) for key in form.compiled.fields_by_key},
        _converters(form),
        BUSINESS_ZONE,
    )
    if "id" in record:
        values["id"] = record["id"]
    return values


def _converters(form: PublishedForm) -> dict[str, Any]:
    """How each field's typed value becomes an expression value (money: its amount, ...)."""
    return {
        plan.key: plan.convert
        for plan in form.compiled.plans
        if getattr(plan, "convert", None) is not None
    }


def _outcome_json(outcome: RuleOutcome, locale: str | None = None) -> dict[str, Any]:
    """The outcome as JSON, its diagnostics in `locale`; without one (an outcome kept in the
    execution log, read later in any language) in English with their Chinese beside them."""
    diagnostics = []
    for p in outcome.diagnostics:
        said = {"code": p.code, "pointer": p.pointer, "message": describe(p, locale)}
        if locale is None:
            said["zh_cn"] = describe(p, "zh-CN")
        diagnostics.append(said)
    return {
        "matched": outcome.matched,
        "effects": [_effect_json(effect) for effect in outcome.effects],
        "bindings": feel_json(dict(outcome.bindings)),
        "diagnostics": diagnostics,
    }


def _read_in(outcome: Mapping[str, Any], locale: str) -> dict[str, Any]:
    """A logged outcome for a reader: each diagnostic's message in the reader's language (an
    outcome logged before the log kept Chinese stays English)."""
    diagnostics = []
    for said in outcome.get("diagnostics", ()):
        zh_cn = said.get("zh_cn")
        message = zh_cn if locale == "zh-CN" and zh_cn else said.get("message")
        diagnostics.append({**{k: v for k, v in said.items() if k != "zh_cn"}, "message": message})
    return {**outcome, "diagnostics": diagnostics}


def _effect_json(effect: Effect) -> dict[str, Any]:
    if isinstance(effect, SetFieldsEffect):
        return {"type": "set_fields", "values": feel_json(dict(effect.values))}
    if isinstance(effect, BlockEffect):
        return {"type": "block", "message": effect.message, "field": effect.field}
    if isinstance(effect, AlertEffect):
        values = feel_json(dict(effect.values))
        return {
            "type": "raise_alert",
            "form": effect.form,
            "dedupe": effect.dedupe_key,
            "values": values,
        }
    if isinstance(effect, NotifyEffect):
        return {  # what was sent where, never the rendered text
            "type": "notify",
            "channel": effect.channel,
            "to": [r.model_dump(exclude_none=True) for r in effect.recipients],
            "webhook": effect.webhook,
        }
    if isinstance(effect, StartFlowEffect):
        return {"type": "start_flow", "flow": effect.flow}
    if isinstance(effect, DecisionCallEffect):
        return {
            "type": "call_decision",
            "model": effect.model,
            "decision": effect.decision,
            "inputs": feel_json(dict(effect.inputs)),
        }
    return {"type": "create_record", "form": effect.form, "values": feel_json(dict(effect.values))}


CALL_CODES = {
    "decision": "E_RULE_UNKNOWN_DECISION",
    "input": "E_RULE_UNKNOWN_INPUT",
    "input_type": "E_RULE_VALUE_TYPE",
}


def _call_errors(
    model: CompiledModel,
    action: CallDecision,
    pointer: str,
    compiled: CompiledRule | None = None,
    index: int = 0,
) -> list[ErrorItem]:
    """What a rule's call (action `index`, at `pointer`) names that `model` does not have;
    with the rule `compiled`, also an input passed what its type does not take and an output
    giving what its field does not take (the model's value read as its type says)."""
    typed = compiled.expressions if compiled is not None else {}
    given = {
        name: typed[at].result_type
        for name in action.inputs
        if (at := f"/actions/{index}/inputs/{pointer_token(name)}") in typed
    }
    found = [
        ErrorItem(f"{pointer}{below}", CALL_CODES[kind], said.en, said.zh_cn)
        for below, kind, said in model.call_gaps(action.decision, action.inputs, given)
    ]
    if compiled is None:
        return found
    scope = Scope(fields={"result": model.result_type(action.decision)})
    for key, text in action.outputs.items():
        wanted = compiled.record_types.get(key)
        try:
            output = compile_expression(text, scope)
        except ExpressionError:
            continue  # the rule's own checks report it
        if wanted is not None and not t.compatible(output.result_type, wanted):
            found.append(
                ErrorItem(
                    f"{pointer}/outputs/{pointer_token(key)}",
                    "E_RULE_VALUE_TYPE",
                    f"field `{key}` takes a {wanted}; this output gives a {output.result_type} "
                    "(what the model's decision gives)",
                    f"字段 `{key}` 的值应为{zh_type(wanted)}，这个输出的结果是"
                    f"{zh_type(output.result_type)}（取自决策模型给出的结果）",
                )
            )
    return found


def scopes_of(forms: Iterable[PublishedForm]) -> dict[str, Any]:
    """Each form's expression scope by form key."""
    return {form.form_key: form.compiled.scope for form in forms}


MIXED_AGGREGATES = frozenset({"sum", "avg", "min", "max"})
MIXED_MONEY_REMEDY = (
    "give the field a fixed currency; for several currencies, keep the amount as a decimal "
    "beside a currency choice and use an amount converted with convert currency(...)"
)
MIXED_MONEY_REMEDY_ZH = (
    "请为该字段指定固定币种；如需多币种，请改用小数金额字段加币种选项，"
    "并使用以 convert currency(...) 换算后的金额"
)


def mixed_currency_fields(definition: FormDefinition) -> frozenset[str]:
    """The money fields whose values name their own currencies (no fixed currency)."""
    return frozenset(
        item.key
        for item in definition.fields
        if isinstance(item, MoneyField) and item.currency is None
    )


def system_filled_fields(definition: FormDefinition) -> frozenset[str]:
    """The fields the form computes or the platform numbers: nobody sets them."""
    return frozenset(
        item.key
        for item in definition.fields
        if isinstance(item, ComputedField | SerialNumberField)
    )


def unwritable_problems(
    spec: RuleDefinition, filled: Mapping[str, frozenset[str]], pointer: str
) -> list[ErrorItem]:
    """Action values for fields the form computes or the platform numbers: the records layer
    refuses them when the rule runs (`field_not_writable`), failing the save behind it."""
    problems = []
    for index, form, values in _value_targets(spec):
        for key in values:
            if key in filled.get(form, frozenset()):
                problems.append(
                    ErrorItem(
                        f"{pointer}/actions/{index}/values/{pointer_token(key)}",
                        "E_RULE_FIELD_NOT_WRITABLE",
                        f"field `{key}` is computed by its form or numbered by the system: an "
                        "action cannot set it (set the fields it is computed from, or remove "
                        "this entry)",
                        f"字段 `{key}` 由表单计算或由系统编号，动作不能设置它"
                        "（请设置它所依据的字段，或删除这一项）",
                    )
                )
    return problems


FLOW_EVENT_VALUES = {
    "flow.event": frozenset(get_args(FlowEventName)),
    "flow.outcome": frozenset(get_args(get_type_hints(Finished)["outcome"])),
}
"""What a flow-triggered rule's `flow.event` and `flow.outcome` can be."""


def option_problems(
    compiled: CompiledRule, options: Mapping[str, Mapping[str, frozenset[str]]], pointer: str
) -> list[ErrorItem]:
    """Text compared with a choice field of the rule's record that is none of its options (the
    comparison never matches: the rule would never fire, or always), and text an action sets a
    choice field to that is none of its options (refused when the rule runs)."""
    spec = compiled.spec
    own = record_form(spec.trigger)
    mine = dict(options.get(own, {})) if own is not None else {}
    for aggregate in spec.aggregates:
        mine.pop(aggregate.name, None)  # the aggregate's value, not the field
    if isinstance(spec.trigger, FlowTrigger):
        mine.update(FLOW_EVENT_VALUES)
    problems: list[ErrorItem] = []
    for at, tree, form in _compared_trees(compiled):
        scoped = mine
        if form is not None:  # a filter the database runs: over `it` and `record`
            scoped = {
                **{f"it.{k}": v for k, v in options.get(form, {}).items()},
                **{f"record.{k}": v for k, v in (options.get(own, {}) if own else {}).items()},
            }
        problems.extend(
            _not_an_option(f"{pointer}{at}", found.field, found.value, scoped, found.span)
            for found in foreign_options(tree, scoped)
        )
    for index, form, values in _value_targets(spec):
        choices = options.get(form, {})
        for key in values:
            at = f"/actions/{index}/values/{pointer_token(key)}"
            expression = compiled.expressions.get(at)
            if key not in choices or expression is None:
                continue
            problems.extend(
                _not_an_option(f"{pointer}{at}", key, literal.value, choices, literal.span)
                for literal in literal_results(expression.tree)
                if literal.value not in choices[key]
            )
    return problems


def _compared_trees(compiled: CompiledRule) -> Iterator[tuple[str, Expr, str | None]]:
    """(pointer, parsed text, form of `it`) of each expression over the rule's record (no
    form; a decision call's outputs read `result`, not the record) and of each filter the
    database runs, over `it` (a record of the form) and `record`: where a field may be compared
    with text."""
    for at, expression in compiled.expressions.items():
        if "/outputs/" not in at:
            yield at, expression.tree, None
    for at, form, source in _database_filters(compiled.spec):
        try:
            yield at, parse(source), form
        except ExpressionError:
            continue  # the rule's own checks report it


NAMED = ("flow.initiator",)
"""What a rule reads as a user name: never what a member field holds."""


def people_problems(
    compiled: CompiledRule, people: Mapping[str, frozenset[str]], pointer: str
) -> list[ErrorItem]:
    """Text compared with a member or department field that is not an id (`manager = "alice"`):
    in a rule such a field holds the ids of users and departments, so the comparison never
    matches and the rule would never fire (or always)."""
    spec = compiled.spec
    own = record_form(spec.trigger)
    mine = set(people.get(own, frozenset())) if own is not None else set()
    mine -= {aggregate.name for aggregate in spec.aggregates}
    mine.update({f"previous.{key}" for key in mine})
    problems: list[ErrorItem] = []
    for at, tree, form in _compared_trees(compiled):
        scoped = mine
        if form is not None:  # a filter the database runs: over `it` and `record`
            scoped = {f"it.{key}" for key in people.get(form, ())}
            scoped.update(f"record.{key}" for key in (people.get(own, ()) if own else ()))
        problems.extend(
            _people_by_name(f"{pointer}{at}", found)
            for found in names_compared(tree, scoped, NAMED)
        )
    return problems


def _people_by_name(pointer: str, found: ForeignOption) -> ErrorItem:
    span = found.span
    return ErrorItem(
        pointer,
        "E_RULE_PEOPLE_BY_NAME",
        f"line {span.line}, column {span.column}: `{found.field}` holds the id of a user or "
        f'department, never a name such as "{found.value}", so the comparison never matches: '
        "compare it with another member or department field",
        f"第 {span.line} 行第 {span.column} 列：`{found.field}` 存放的是用户或部门的 id，"
        f'不是 "{found.value}" 这样的名称，这个比较永远不会匹配：请与另一个成员或部门字段比较',
    )


def _value_targets(spec: RuleDefinition) -> Iterator[tuple[int, str, Mapping[str, str]]]:
    """(index, form, values) of each action that sets values: `set_fields` on the rule's
    record, the others on the form they name."""
    own = record_form(spec.trigger)
    for index, action in enumerate(spec.actions):
        values = getattr(action, "values", None)
        form = own if action.type == "set_fields" else getattr(action, "form", None)
        if isinstance(values, Mapping) and form is not None:
            yield index, form, values


def _database_filters(spec: RuleDefinition) -> Iterator[tuple[str, str, str]]:
    """(pointer, form of `it`, text) of each filter the rule runs in the database: aggregates'
    `where`, a schedule's `for_each.where`, an `update_records` action's `where`."""
    for index, aggregate in enumerate(spec.aggregates):
        if aggregate.where is not None:
            yield f"/aggregates/{index}/where", aggregate.form, aggregate.where
    each = getattr(spec.trigger, "for_each", None)
    if each is not None and each.where is not None:
        yield "/trigger/for_each/where", each.form, each.where
    for index, action in enumerate(spec.actions):
        if isinstance(action, UpdateRecords):
            yield f"/actions/{index}/where", action.form, action.where


def _flows_named(spec: RuleDefinition) -> dict[str, list[str]]:
    """The flows a rule starts or listens to, each with the pointers (under the spec) that
    name it."""
    named: dict[str, list[str]] = {}
    for index, action in enumerate(spec.actions):
        if isinstance(action, StartFlow):
            named.setdefault(action.flow, []).append(f"/actions/{index}/flow")
    if isinstance(spec.trigger, FlowTrigger):
        named.setdefault(spec.trigger.flow, []).append("/trigger/flow")
    return named


def _flow_problems(
    spec: RuleDefinition,
    flows: Mapping[str, Mapping[str, Any]],
    compiled: CompiledRule | None,
    prefix: str,
    *,
    only: str | None = None,
) -> list[ErrorItem]:
    """What does not fit in the flows the rule names (`flows`: the published ones' specs, by
    key; `only`: look at that flow alone): a flow missing, bound to another form than the
    rule's record, or without a node the rule's flow trigger names."""
    form = record_form(spec.trigger)
    problems = []
    for flow, pointers in _flows_named(spec).items():
        if only is not None and flow != only:
            continue
        bound = flows[flow].get("form") if flow in flows else None
        for pointer in pointers:
            if flow not in flows:
                message = f"the app has no published, live flow `{flow}`"
                zh_cn = f"应用中没有已发布且未归档的流程 `{flow}`"
                problems.append(ErrorItem(prefix + pointer, "E_RULE_UNKNOWN_FLOW", message, zh_cn))
            elif bound != form:
                message = f"flow `{flow}` runs on form `{bound}`, not on `{form}`"
                zh_cn = f"流程 `{flow}` 运行在表单 `{bound}` 上，而不是 `{form}`"
                problems.append(ErrorItem(prefix + pointer, "E_RULE_FLOW_FORM", message, zh_cn))
    trigger = spec.trigger
    listened = isinstance(trigger, FlowTrigger) and trigger.flow in flows
    if isinstance(trigger, FlowTrigger) and listened and only in (None, trigger.flow):
        nodes = frozenset(
            n["id"] for n in flows[trigger.flow].get("nodes", ()) if isinstance(n, dict)
        )
        problems.extend(_unknown_nodes(trigger, nodes, compiled, prefix))
    return problems


def _unknown_nodes(
    trigger: FlowTrigger, nodes: frozenset[str], compiled: CompiledRule | None, prefix: str
) -> list[ErrorItem]:
    """The trigger's `nodes`, and `flow.node` compared in the rule's expressions, that the
    flow does not have: the rule would never fire on them."""
    found = [
        ErrorItem(
            f"{prefix}/trigger/nodes/{index}",
            "E_RULE_UNKNOWN_NODE",
            f"flow `{trigger.flow}` has no node `{node}`",
            f"流程 `{trigger.flow}` 中没有节点 `{node}`",
        )
        for index, node in enumerate(trigger.nodes)
        if node not in nodes
    ]
    choices = {"flow.node": nodes}
    for at, expression in compiled.expressions.items() if compiled is not None else ():
        for node in foreign_options(expression.tree, choices):
            span = node.span
            found.append(
                ErrorItem(
                    f"{prefix}{at}",
                    "E_RULE_UNKNOWN_NODE",
                    f"line {span.line}, column {span.column}: flow `{trigger.flow}` has no node "
                    f"`{node.value}` ({shown(nodes)}): the comparison never matches",
                    f"第 {span.line} 行第 {span.column} 列：流程 `{trigger.flow}` 中没有节点 "
                    f"`{node.value}`（{shown(nodes)}）：这个比较永远不会匹配",
                )
            )
    return found


def _not_an_option(
    pointer: str, field: str, value: str, choices: Mapping[str, frozenset[str]], span: Span
) -> ErrorItem:
    said = not_an_option(value, field, choices[field])
    return ErrorItem(
        pointer,
        "E_RULE_NOT_AN_OPTION",
        f"line {span.line}, column {span.column}: {said.en}: a comparison never matches it "
        "and setting it is refused; use one of them (case matters)",
        f"第 {span.line} 行第 {span.column} 列：{said.zh_cn}："
        "比较永远不会匹配、赋值会被拒绝；请使用其中之一（区分大小写）",
    )


def currency_problems(
    compiled: CompiledRule, mixed: Mapping[str, frozenset[str]], pointer: str
) -> list[ErrorItem]:
    """Aggregates that would add up or compare amounts in different currencies, and
    expressions that would compare or compute an amount of the rule's record whatever its
    currency (more than a null test of a field whose values name their own currencies)."""
    spec = compiled.spec
    problems = [
        ErrorItem(
            f"{pointer}/aggregates/{index}/field",
            "E_RULE_MIXED_CURRENCIES",
            f"the {aggregate.function} of `{aggregate.field}` of `{aggregate.form}` would mix "
            f"currencies: its values name their own currencies; {MIXED_MONEY_REMEDY}",
            f"对表单 `{aggregate.form}` 的 `{aggregate.field}` 求 {aggregate.function} 会混合"
            f"不同币种：它的每个值各自带有币种；{MIXED_MONEY_REMEDY_ZH}",
        )
        for index, aggregate in enumerate(spec.aggregates)
        if aggregate.function in MIXED_AGGREGATES
        and aggregate.field in mixed.get(aggregate.form, frozenset())
    ]
    form = record_form(spec.trigger)
    varying = mixed.get(form, frozenset()) if form is not None else frozenset()
    problems.extend(
        ErrorItem(
            f"{pointer}{at}",
            "E_RULE_MIXED_CURRENCIES",
            f"`{key}` is an amount whose currency is chosen per record: this expression would "
            f"compare or compute it whatever its currency; {MIXED_MONEY_REMEDY}",
            f"`{key}` 是按记录选择币种的金额：这个表达式会不分币种地比较或计算它；"
            f"{MIXED_MONEY_REMEDY_ZH}",
        )
        for at, expression in compiled.expressions.items()
        for key in read_beyond_null_tests(expression.tree, varying)
    )
    return problems
