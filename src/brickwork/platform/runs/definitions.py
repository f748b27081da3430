"""Flow definitions (kind `flow`): checked like every definition, compiled against their app.

The kind validator checks the shape of the `spec` (it sees no app). At publish, the definition
is compiled by the flow engine against the app as it is: the bound form's fields, the business
roles, the app's other forms, its published decision models, its published flows and the
business calendars. Every problem refuses the publish with its code and a pointer under
`/spec`; an invalid flow never runs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from brickwork.engines.flow import (
    CompiledFlow,
    FlowDefinitionError,
    FlowEnvironment,
    FlowProblem,
    FlowSpec,
    compile_flow,
    currency_problems,
)
from brickwork.engines.form.definition import FormDefinition
from brickwork.engines.form.scope import REFERENCE_TYPES
from brickwork.engines.rules import DecisionModelError, compile_model
from brickwork.engines.rules.calendar import BusinessCalendar
from brickwork.platform.errors import Conflict, ErrorItem, Invalid, NotFound, pointer_of
from brickwork.platform.metadata.repository import MetadataRepository
from brickwork.platform.metadata.schemas import Kind
from brickwork.platform.metadata.service import MetadataService, PublishRequestContext
from brickwork.platform.records.listing import LruCache
from brickwork.platform.rules.service import DecisionService
from brickwork.platform.runs.repository import RunRepository

COMPILED_FLOWS = 256


def validate_flow_spec(spec: Mapping[str, Any]) -> Iterator[ErrorItem]:
    """The flow's shape; what needs the app (fields, roles, decisions) is checked at publish."""
    try:
        FlowSpec.model_validate(spec)
    except ValidationError as exc:
        for error in exc.errors():
            yield ErrorItem(
                pointer_of(_path(error["loc"])),
                "E_FLOW_SCHEMA",
                error["msg"],
                zh_cn=f"定义的结构不符合要求：{error['msg']}",
            )


TAGS = frozenset(
    {
        *("start", "end", "approval", "task", "cc", "exclusive", "parallel", "inclusive"),
        *("action", "timer", "subflow", "user", "role", "department_head", "manager"),
        *("field", "expression", "initiator", "set_fields", "call_decision"),
        *("create_record", "update_records"),
    }
)
"""Discriminator values pydantic puts into an error's location after a list index."""


def _path(loc: Sequence[Any]) -> list[Any]:
    """An error's location without the union tags pydantic adds (`/nodes/1/approval/mode` is
    `/nodes/1/mode` in the definition)."""
    path: list[Any] = []
    previous: Any = None
    for part in loc:
        if not (isinstance(part, str) and part in TAGS and isinstance(previous, int)):
            path.append(part)
        previous = part
    return path


def describe(problem: FlowProblem, locale: str | None = None) -> str:
    """A problem as one sentence in `locale` ("zh-CN" or English): where in FEEL text, the
    message, the hint."""
    text, hint = problem.said(locale)
    if locale == "zh-CN":
        if problem.line:
            text = f"第 {problem.line} 行第 {problem.column} 列：{text}"
        return f"{text}（{hint}）" if hint else text
    if problem.line:
        text = f"line {problem.line}, column {problem.column}: {text}"
    return f"{text} ({hint})" if hint else text


def error_items(
    problems: Iterable[FlowProblem], under: str = "/spec", note: tuple[str, str] = ("", "")
) -> list[ErrorItem]:
    """`problems` as error items, their pointers `under` a prefix, each said in English and in
    Chinese (with `note`, a (zh-CN, en) pair, after it)."""
    zh_note, en_note = note
    return [
        ErrorItem(
            f"{under}{p.pointer}",
            p.code,
            describe(p) + en_note,
            zh_cn=describe(p, "zh-CN") + zh_note,
        )
        for p in problems
    ]


@dataclass(frozen=True, slots=True)
class _FormFields:
    """What a flow is told of one form: key -> field type, the money fields whose currency is
    chosen per record, the static options of its choice fields, and its reference fields that
    take several values."""

    types: Mapping[str, str]
    varying_money: frozenset[str]
    options: Mapping[str, frozenset[str]]
    several: frozenset[str]

    @classmethod
    def of(cls, fields: Iterable[Mapping[str, Any]]) -> _FormFields:
        fields = list(fields)
        return cls(
            {item["key"]: item["type"] for item in fields},
            frozenset(
                item["key"]
                for item in fields
                if item["type"] == "money" and item.get("currency") is None
            ),
            {
                item["key"]: frozenset(
                    o if isinstance(o, str) else o["value"] for o in item["options"]
                )
                for item in fields
                if item["type"] in CHOICE_TYPES and item.get("options")
            },
            frozenset(
                item["key"]
                for item in fields
                if item["type"] in REFERENCE_TYPES and item.get("multiple")
            ),
        )


CHOICE_TYPES = frozenset({"single_select", "multi_select"})
_NO_FIELDS = _FormFields({}, frozenset(), {}, frozenset())


@dataclass(frozen=True, slots=True)
class PinnedFlow:
    """A published version of a flow, compiled."""

    app_key: str
    key: str
    version: int
    compiled: CompiledFlow

    @property
    def form_key(self) -> str:
        return self.compiled.spec.form

    @property
    def has_subflows(self) -> bool:
        return any(node.type == "subflow" for node in self.compiled.spec.nodes)


class FlowCompiler:
    def __init__(
        self,
        *,
        metadata: MetadataService,
        decisions: DecisionService,
    ) -> None:
        self.metadata = metadata
        self.decisions = decisions
        self.repo = MetadataRepository()
        self.repo_runs = RunRepository()
        self._compiled = LruCache(COMPILED_FLOWS)

    def environment(self, session: Session, app_key: str, form_key: str) -> FlowEnvironment:
        published = self.repo.published
        forms = {
            key: self._fields(session, app_key, key, number)
            for _id, key, number in published(session, app_key, Kind.FORM.value)
        }
        bound = forms.get(form_key, _NO_FIELDS)
        return FlowEnvironment(
            fields=bound.types,
            roles=frozenset(self.repo_runs.role_keys(session)),
            forms={key: fields.types for key, fields in forms.items()},
            options={key: fields.options for key, fields in forms.items()},
            several={key: fields.several for key, fields in forms.items()},
            decisions={
                key: self.decisions.model(session, app_key, key)[0]
                for _id, key, _n in published(session, app_key, Kind.DECISION_TABLE.value)
            },
            flows={
                key: frozenset(range(1, number + 1))
                for _id, key, number in published(session, app_key, Kind.FLOW.value)
            },
            calendars={
                key: BusinessCalendar.model_validate(body)
                for key, body in self.repo_runs.calendars(session)
            },
            varying_money=bound.varying_money,
        )

    def _fields(self, session: Session, app_key: str, form_key: str, number: int) -> _FormFields:
        """A published form version's fields (from its definition, as stored)."""
        cache_key = ("form", app_key, form_key, number)
        found: _FormFields | None = self._compiled.get(cache_key)
        if found is None:
            body = self.metadata.version(session, app_key, Kind.FORM, form_key, number).body
            found = _FormFields.of(body["spec"].get("fields", ()))
            self._compiled.put(cache_key, found)
        return found

    def checked(
        self, session: Session, app_key: str, spec: Any
    ) -> tuple[CompiledFlow | None, list[ErrorItem]]:
        """`spec` compiled against the app as it is now, exactly as publishing compiles it,
        or None with every problem the engine finds (pointers under `/spec`)."""
        form_key = spec.get("form") if isinstance(spec, Mapping) else None
        if isinstance(form_key, str) and form_key not in {
            key for _id, key, _n in self.repo.published(session, app_key, Kind.FORM.value)
        }:
            missing = ErrorItem(
                "/spec/form",
                "E_FLOW_UNKNOWN_FORM",
                f"the app has no published form `{form_key}` (publish it first)",
                zh_cn=f"应用中没有已发布的表单 `{form_key}`（请先发布它）",
            )
            return None, [missing]
        env = self.environment(session, app_key, str(form_key))
        try:
            compiled = compile_flow(spec, env)
        except FlowDefinitionError as exc:
            return None, error_items(exc.problems)
        mixed = currency_problems(compiled)
        if mixed:
            return None, error_items(mixed)
        return compiled, []

    def problems(self, session: Session, app_key: str, spec: Any) -> list[ErrorItem]:
        """Every problem that stops `spec` from being published in app `app_key` as it is
        now; empty when it compiles."""
        return self.checked(session, app_key, spec)[1]

    def compile_spec(
        self, session: Session, app_key: str, spec: Any, *, refusal: str, refusal_zh: str
    ) -> CompiledFlow:
        """A flow's `spec` compiled as publishing compiles it; refused (422, `refusal` as the
        message, `refusal_zh` in Chinese) with every problem the engine finds."""
        compiled, problems = self.checked(session, app_key, spec)
        if compiled is None:
            raise Invalid(refusal, code="definition_invalid", errors=problems, zh_cn=refusal_zh)
        return compiled

    def on_publish(self, session: Session, request: PublishRequestContext) -> list[str]:
        """A flow is refused at publish with every problem the engine finds."""
        spec = request.body["spec"]
        self.compile_spec(
            session,
            request.app_key,
            spec,
            refusal=f"flow {request.definition.key!r} cannot be published",
            refusal_zh=f"流程 {request.definition.key} 无法发布",
        )
        return [f"flow bound to form {spec.get('form')!r} compiles"]

    def on_form_publish(self, session: Session, request: PublishRequestContext) -> list[str]:
        """A form may not change so that a flow of its app no longer compiles (a removed,
        renamed or retyped field a condition, assignee, action or field permission uses): the
        latest published version of each flow, and every older version that instances still
        run on (they step with the version they started with). The publish is refused, naming
        each flow version and what breaks, until the flows are updated or those instances end."""
        try:
            definition = FormDefinition.model_validate(request.body["spec"])
        except ValueError:
            return []  # the form's own checks report it
        changed = _FormFields.of(item.model_dump() for item in definition.fields)
        form_key = request.definition.key

        def changed_env(env: FlowEnvironment, spec: Mapping[str, Any]) -> FlowEnvironment:
            forms = {**env.forms, form_key: changed.types}
            options = {**env.options, form_key: changed.options}
            several = {**env.several, form_key: changed.several}
            if spec["form"] == form_key:
                return replace(
                    env,
                    fields=changed.types,
                    forms=forms,
                    options=options,
                    several=several,
                    varying_money=changed.varying_money,
                )
            return replace(env, forms=forms, options=options, several=several)

        return self._recheck(
            session, request, changed_env, f"form {form_key!r}", f"表单 {form_key}"
        )

    def on_model_publish(self, session: Session, request: PublishRequestContext) -> list[str]:
        """A decision model may not change so that a flow's call of it names a decision or an
        input the new version lacks (checked like a form change, on the same flow versions)."""
        try:
            model = compile_model(request.body["spec"])
        except (DecisionModelError, ValueError):
            return []  # the model's own checks report it
        key = request.definition.key

        def changed_env(env: FlowEnvironment, _spec: Mapping[str, Any]) -> FlowEnvironment:
            return replace(env, decisions={**env.decisions, key: model})

        return self._recheck(
            session, request, changed_env, f"decision model {key!r}", f"决策模型 {key}"
        )

    def _recheck(
        self,
        session: Session,
        request: PublishRequestContext,
        changed_env: Callable[[FlowEnvironment, Mapping[str, Any]], FlowEnvironment],
        subject: str,
        subject_zh: str,
    ) -> list[str]:
        """Compile the app's flows against the app as the publish would leave it: the latest
        published version of each, and every older version instances still run on. A problem
        refuses the publish (`flows_broken_by_change`), naming each flow version and what
        breaks."""
        published = self.repo.published(session, request.app_key, Kind.FLOW.value)
        if not published:
            return []
        running = self.repo_runs.running_versions(session, request.app_key)
        latest = {key: number for _id, key, number in published}
        # An imported bundle brings its own flow versions, checked by their own publish; the
        # versions that running instances use are not in it, so they are checked here always.
        versions: list[tuple[str, int, int | None]] = (
            [] if request.importing else [(k, n, None) for k, n in latest.items()]
        )
        versions += [
            (key, number, count)
            for key, number, count in running
            if key in latest and (number != latest[key] or request.importing)
        ]
        problems: list[ErrorItem] = []
        steps: list[str] = []
        for key, number, count in versions:
            spec = self.metadata.version(session, request.app_key, Kind.FLOW, key, number).body[
                "spec"
            ]
            where = f"/flows/{key}" if count is None else f"/flows/{key}/versions/{number}"
            env = changed_env(self.environment(session, request.app_key, spec["form"]), spec)
            try:
                mixed = currency_problems(compile_flow(spec, env))
                if mixed:
                    raise FlowDefinitionError(mixed)
            except FlowDefinitionError as exc:
                running_note = (
                    ("", "")
                    if count is None
                    else (
                        f"（第 {number} 版，仍有 {count} 个运行中的实例在使用）",
                        f" (version {number}, which {count} running instance(s) still use)",
                    )
                )
                problems += error_items(exc.problems, where, running_note)
            else:
                steps.append(
                    f"flow {key!r} still compiles"
                    if count is None
                    else f"flow {key!r} version {number} ({count} running) still compiles"
                )
        if problems:
            raise Conflict(
                f"{subject} cannot change so: flows use it (update the flows first; a "
                "version that running instances use must stay valid until they end)",
                code="flows_broken_by_change",
                zh_cn=f"{subject_zh} 不能这样修改：有流程在使用它（请先更新这些流程；"
                "正在运行的实例所用的版本在实例结束前须保持有效）",
                errors=problems,
            )
        if not request.dry_run:
            self._compiled = LruCache(COMPILED_FLOWS)  # compiled again against the new app
        return steps

    def latest(self, session: Session, app_key: str, key: str) -> PinnedFlow:
        """The latest published version of flow `key`."""
        try:
            definition = self.metadata.definition(session, app_key, Kind.FLOW, key)
        except NotFound:
            definition = None
        if definition is None or definition.latest_version is None:
            raise NotFound(
                f"app {app_key!r} has no published flow {key!r}",
                code="flow_not_found",
                zh_cn=f"应用 {app_key} 没有已发布的流程 {key}",
            )
        return self.pinned(session, app_key, key, definition.latest_version)

    def pinned(self, session: Session, app_key: str, key: str, version: int) -> PinnedFlow:
        """Version `version` of flow `key`, compiled (once per process and version)."""
        cache_key = (app_key, key, version)
        found: PinnedFlow | None = self._compiled.get(cache_key)
        if found is None:
            spec = self.metadata.version(session, app_key, Kind.FLOW, key, version).body["spec"]
            env = self.environment(session, app_key, spec["form"])
            try:
                compiled = compile_flow(spec, env)
            except FlowDefinitionError as exc:
                raise Conflict(
                    f"version {version} of flow {key!r} no longer compiles against app "
                    f"{app_key!r} (a role, decision model or calendar it names is gone); "
                    "restore it, or publish a fixed version for new instances",
                    code="flow_definition_broken",
                    zh_cn=f"流程 {key} 的第 {version} 版在应用 {app_key} 中已失效（它引用的角色、"
                    "决策模型或日历已不存在）：请恢复这些内容，或为新实例发布修正后的版本",
                    errors=error_items(exc.problems),
                ) from None
            found = PinnedFlow(app_key, key, version, compiled)
            self._compiled.put(cache_key, found)
        return found
