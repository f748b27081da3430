"""Decision models at run time: the published version of a model, compiled once, evaluated for
callers with the `evaluate` grant (or `design` on the app, to test what they build)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from brickwork.engines.expr import EvaluationContext
from brickwork.engines.expr.values import (
    FunctionValue,
    RangeValue,
    YearsMonths,
    format_temporal,
    literal_text,
)
from brickwork.engines.rules import CompiledModel, DecisionResult, compile_model
from brickwork.engines.rules.analysis import analyse_model
from brickwork.engines.rules.dmn_xml import DmnXmlError, export_dmn, import_dmn
from brickwork.platform.auth.actor import Actor
from brickwork.platform.auth.permissions import PermissionService
from brickwork.platform.clock import Clock, business_time, system_clock
from brickwork.platform.errors import Conflict, ErrorItem, Invalid, NotFound, pointer_of
from brickwork.platform.metadata.parameters import ParameterTables
from brickwork.platform.metadata.schemas import DefinitionCreate, DraftUpdate, Kind
from brickwork.platform.metadata.service import MetadataService
from brickwork.platform.records.listing import LruCache
from brickwork.platform.rules.definitions import describe

CACHE_SIZE = 128


class DecisionService:
    def __init__(
        self,
        *,
        metadata: MetadataService,
        permissions: PermissionService,
        clock: Clock = system_clock,
        parameters: ParameterTables | None = None,
    ) -> None:
        self.metadata = metadata
        self.permissions = permissions
        self.clock = clock
        self.parameters = parameters or ParameterTables(metadata.repo)
        self._models = LruCache(CACHE_SIZE)

    def model(
        self, session: Session, app_key: str, key: str, *, as_of: datetime | None = None
    ) -> tuple[CompiledModel, int]:
        """The latest published version of decision model `key`, compiled (and its number);
        with `as_of`, the version that was in force then."""
        definition = self.metadata.definition(session, app_key, Kind.DECISION_TABLE, key)
        if as_of is not None:
            return self._model_as_of(session, app_key, key, definition.id, as_of)
        number = definition.latest_version
        if definition.archived_at is not None:
            raise Conflict(
                f"decision model {key!r} of app {app_key!r} is archived; restore it before "
                "evaluating it",
                code="decision_archived",
                zh_cn=f"应用 {app_key!r} 的决策表 {key!r} 已归档：请先恢复再调用",
            )
        if number is None:
            raise NotFound(
                f"decision model {key!r} of app {app_key!r} is not published yet; publish it "
                "before evaluating it",
                code="decision_not_published",
                zh_cn=f"应用 {app_key!r} 的决策表 {key!r} 尚未发布：请先发布再调用",
            )
        return self._compiled(
            definition.id,
            number,
            lambda: self.metadata.version(session, app_key, Kind.DECISION_TABLE, key, number).body,
        ), number

    def _model_as_of(
        self, session: Session, app_key: str, key: str, definition_id: str, at: datetime
    ) -> tuple[CompiledModel, int]:
        found = self.metadata.repo.published_as_of(
            session, app_key, Kind.DECISION_TABLE.value, at, key
        )
        if not found:
            raise NotFound(
                f"decision model {key!r} of app {app_key!r} was not in force at "
                f"{at.isoformat()} (not yet published, or archived by then)",
                code="decision_not_in_force",
                zh_cn=f"应用 {app_key!r} 的决策表 {key!r} 在 {at.isoformat()} 时不在生效期"
                "（当时尚未发布，或已归档）",
            )
        ((_key, version),) = found
        return self._compiled(definition_id, version.version, lambda: version.body), version.version

    def _compiled(self, definition_id: str, number: int, body: Callable[[], Any]) -> CompiledModel:
        cache_key = (definition_id, number)
        found: CompiledModel | None = self._models.get(cache_key)
        if found is None:
            found = compile_model(body()["spec"])  # published versions passed the same check
            self._models.put(cache_key, found)
        return found

    def evaluate(
        self,
        session: Session,
        actor: Actor,
        app_key: str,
        key: str,
        *,
        decision: str | None = None,
        inputs: Mapping[str, Any] | None = None,
        trace: bool = False,
        as_of: datetime | None = None,
    ) -> dict[str, Any]:
        """Evaluate a decision of the model (default: its entry) with JSON inputs; with
        `as_of`, the version in force then, with `now()` and `today()` at that moment."""
        principal = self.permissions.principal(session, actor)
        self.permissions.check(principal, "evaluate", app_key, key)
        model, version = self.model(session, app_key, key, as_of=as_of)
        now = self.clock() if as_of is None else as_of
        context = EvaluationContext(
            now=business_time(now),
            user={"username": actor.username},
            parameters=self.parameters.source(session, app_key),
        )
        result = model.evaluate(decision, inputs or {}, trace=trace, context=context)
        return evaluation_json(result, version, locale=actor.locale)

    def analysis(self, session: Session, actor: Actor, app_key: str, key: str) -> dict[str, Any]:
        """Design-time findings on the model's draft (overlaps under U, gaps, rules shadowed
        under F, type mismatches, cells not analysed), for those who may design the app."""
        self.permissions.require(session, actor, "design", app_key)
        definition = self.metadata.definition(session, app_key, Kind.DECISION_TABLE, key)
        draft = definition.draft or {}
        try:
            findings = analyse_model(draft.get("spec", {}))
        except ValidationError as exc:
            raise Invalid(
                "the draft is not a decision model yet; validate it first",
                code="definition_invalid",
                errors=[
                    ErrorItem(
                        pointer_of(["spec", *e["loc"]]),
                        "invalid_value",
                        e["msg"],
                        f"决策表草稿的结构不符合要求：{e['msg']}",
                    )
                    for e in exc.errors()
                ],
                zh_cn="草稿还不是有效的决策表：请先校验",
            ) from None
        return {
            "findings": [
                {
                    "kind": f.kind,
                    "pointer": f"/spec{f.pointer}",
                    "message": f.message,
                    "rules": list(f.rules),
                    "example": feel_json(dict(f.example)) if f.example is not None else None,
                }
                for f in findings
            ]
        }

    def import_xml(
        self, session: Session, actor: Actor, app_key: str, key: str, xml: bytes
    ) -> dict[str, Any]:
        """A DMN XML document into the model's draft (created when the app has no such model);
        refused with every problem (element id, line) and nothing saved."""
        try:
            spec = import_dmn(xml)
        except DmnXmlError as exc:
            raise Invalid(
                "the DMN document cannot be imported; nothing was saved",
                code="dmn_invalid",
                errors=[
                    ErrorItem(p.pointer or "", p.code, f"{p}", p.zh_text()) for p in exc.problems
                ],
                zh_cn="DMN 文件无法导入：未保存任何内容",
            ) from None
        label = _label(spec.get("name")) or key
        try:
            definition = self.metadata.definition(session, app_key, Kind.DECISION_TABLE, key)
        except NotFound:
            body = {"kind": "decision_table", "key": key, "label": label}
            definition = self.metadata.create_definition(
                session, actor, app_key, DefinitionCreate.model_validate(body)
            )
        update = DraftUpdate.model_validate({"label": label, "spec": spec})
        definition = self.metadata.update_draft(
            session, actor, app_key, Kind.DECISION_TABLE, key, update
        )
        return {"key": key, "draft_revision": definition.draft_revision, "spec": spec}

    def export_xml(
        self,
        session: Session,
        actor: Actor,
        app_key: str,
        key: str,
        version: int | None,
        dmn_version: str = "auto",
    ) -> str:
        """The model as DMN XML: a published version, or the draft (`version` None); DMN 1.3
        (what dmn-js and Camunda Modeler read) when it fits, else 1.5, unless `dmn_version`
        names one."""
        self.metadata.require_visible_definition(session, actor, app_key, Kind.DECISION_TABLE, key)
        if version is None:
            body = self.metadata.definition(session, app_key, Kind.DECISION_TABLE, key).draft
        else:
            body = self.metadata.version(session, app_key, Kind.DECISION_TABLE, key, version).body
        try:
            return export_dmn((body or {}).get("spec", {}), version=dmn_version)
        except (ValidationError, ValueError) as exc:
            raise Invalid(
                f"decision model {key!r} cannot be written as DMN: {exc}",
                code="definition_invalid",
                zh_cn=f"决策表 {key!r} 无法导出为 DMN：{exc}",
            ) from None


def _label(name: Any) -> str | None:
    if isinstance(name, str):
        return name[:200] or None
    if isinstance(name, dict):
        found = name.get("en") or name.get("zh-CN")
        return str(found)[:200] if found else None
    return None


def evaluation_json(
    result: DecisionResult, version: int, *, locale: str | None = None
) -> dict[str, Any]:
    """The evaluation as the API answers it; diagnostics in `locale` (the caller's language)."""
    return {
        "version": version,
        "value": feel_json(result.value),
        "decisions": {k: feel_json(v) for k, v in (result.decisions or {}).items()},
        "ok": result.ok,
        "diagnostics": [
            {"code": p.code, "pointer": p.pointer, "message": describe(p, locale)}
            for p in result.diagnostics
        ],
        "trace": None
        if result.trace is None
        else [
            {
                "decision": step.name,
                "value": feel_json(step.value),
                "tables": [feel_json(table.as_dict()) for table in step.tables],
            }
            for step in result.trace
        ],
    }


def feel_json(value: Any) -> Any:
    """A FEEL value as JSON: numbers stay Decimals (sent as strings), dates, times and durations
    as ISO 8601 text, ranges and functions as FEEL text."""
    if value is None or isinstance(value, bool | str | Decimal | int):
        return value
    if isinstance(value, Mapping):
        return {str(k): feel_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [feel_json(v) for v in value]
    if isinstance(value, date | datetime | time | timedelta | YearsMonths):
        return format_temporal(value)
    if isinstance(value, RangeValue | FunctionValue):
        return literal_text(value)
    return str(value)
