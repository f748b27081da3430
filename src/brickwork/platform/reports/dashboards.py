"""Dashboards (kind `dashboard`): checked at save (shape) and publish (against the app's
published reports), run item by item for a viewer.

Each item runs its report as the viewer (their scope and levels), with the dashboard's
parameters mapped to the report's and what cross-filter clicks set. An item the viewer may not
see (no read on its form, a field masked for them) shows its error; the others still run.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from brickwork.engines.report import (
    ParameterError,
    ReportDefinitionError,
    resolve_parameters,
    schema_zh,
    text_of,
)
from brickwork.engines.report.compiler import json_pointer
from brickwork.engines.report.dashboards import DashboardPlan, DashboardSpec, compile_dashboard
from brickwork.platform.auth.actor import Actor
from brickwork.platform.clock import business_date
from brickwork.platform.errors import ErrorItem, Invalid, NotFound, PlatformError
from brickwork.platform.metadata.schemas import Kind
from brickwork.platform.metadata.service import PublishRequestContext
from brickwork.platform.reports.definitions import ReportCompiler
from brickwork.platform.reports.exports import Panel, dashboard_pdf_bytes
from brickwork.platform.reports.service import ReportRun, ReportService
from brickwork.platform.reports.shown import run_json


def validate_dashboard_spec(spec: Mapping[str, Any]) -> Iterator[ErrorItem]:
    try:
        DashboardSpec.model_validate(spec)
    except ValidationError as exc:
        for error in exc.errors():
            yield ErrorItem(
                json_pointer(error["loc"]), "E_DASHBOARD_SCHEMA", error["msg"], schema_zh(error)
            )


class DashboardService:
    def __init__(self, *, compiler: ReportCompiler, reports: ReportService) -> None:
        self.compiler = compiler
        self.reports = reports

    def on_publish(self, session: Session, request: PublishRequestContext) -> list[str]:
        env = self.compiler.environment(session, request.app_key)
        try:
            compile_dashboard(request.body["spec"], env, key=request.definition.key)
        except ReportDefinitionError as exc:
            raise Invalid(
                f"dashboard {request.definition.key!r} cannot be published",
                code="definition_invalid",
                errors=[
                    ErrorItem(f"/spec{p.pointer}", p.code, p.message, p.zh_cn) for p in exc.problems
                ],
                zh_cn=f"仪表盘 {request.definition.key!r} 无法发布",
            ) from None
        return ["dashboard compiles against the app's reports"]

    def draft_problems(
        self, session: Session, app_key: str, key: str, body: Mapping[str, Any]
    ) -> list[ErrorItem]:
        """What publishing this draft body would refuse (pointers under `/spec`): what a
        designer shows next to each item while the layout changes."""
        spec = body.get("spec") if isinstance(body, Mapping) else None
        env = self.compiler.environment(session, app_key)
        try:
            compile_dashboard(spec if isinstance(spec, Mapping) else {}, env, key=key)
        except ReportDefinitionError as exc:
            return [
                ErrorItem(f"/spec{p.pointer}", p.code, p.message, p.zh_cn) for p in exc.problems
            ]
        return []

    def plan(self, session: Session, app_key: str, key: str) -> DashboardPlan:
        metadata = self.compiler.metadata
        try:
            definition = metadata.definition(session, app_key, Kind.DASHBOARD, key)
        except NotFound:
            definition = None
        if definition is None or definition.latest_version is None:
            raise NotFound(
                f"app {app_key!r} has no published dashboard {key!r}",
                code="dashboard_not_found",
                zh_cn=f"应用 {app_key!r} 没有已发布的仪表盘 {key!r}",
            )
        body = metadata.version(
            session, app_key, Kind.DASHBOARD, key, definition.latest_version
        ).body
        try:
            return compile_dashboard(
                body["spec"],
                self.compiler.environment(session, app_key),
                key=key,
                title=body.get("label"),
            )
        except ReportDefinitionError as exc:
            raise Invalid(
                f"dashboard {key!r} no longer compiles against app {app_key!r}; publish a fixed "
                "version",
                code="dashboard_definition_broken",
                errors=[
                    ErrorItem(f"/spec{p.pointer}", p.code, p.message, p.zh_cn) for p in exc.problems
                ],
                zh_cn=f"仪表盘 {key!r} 与应用 {app_key!r} 的现有定义已不相符：请发布修正后的版本",
            ) from None

    def run(
        self,
        session: Session,
        actor: Actor,
        app_key: str,
        key: str,
        *,
        parameters: Mapping[str, Any],
        clicks: Mapping[str, Mapping[str, Any]],
    ) -> dict[str, Any]:
        plan, runs = self._runs(session, actor, app_key, key, parameters, clicks, "read")
        locale = actor.locale or "zh-CN"
        items = []
        for item, used, found in runs:
            shown: dict[str, Any] = {
                "id": item.id,
                "report": item.report,
                "x": item.x,
                "y": item.y,
                "w": item.w,
                "h": item.h,
                "parameters": used,
            }
            if isinstance(found, PlatformError):
                shown["error"] = {"code": found.code, "message": found.text(locale)}
                shown["title"] = self._title(session, app_key, item.report, locale)
            else:
                shown["result"] = run_json(found, locale)
            items.append(shown)
        return {
            "dashboard": key,
            "title": text_of(plan.title, locale),
            "parameters": dict(parameters),
            "cross_filters": [
                {
                    "from": cross.source,
                    "dimension": cross.dimension,
                    "to": list(cross.targets),
                    "parameter": cross.parameter,
                }
                for cross in plan.cross_filters
            ],
            "items": items,
        }

    def export_pdf(
        self,
        session: Session,
        actor: Actor,
        app_key: str,
        key: str,
        *,
        parameters: Mapping[str, Any],
        clicks: Mapping[str, Mapping[str, Any]],
    ) -> bytes:
        """The dashboard as one PDF (items in grid order, each with its chart and table), as
        an export: each item needs the export right on its forms, or shows why it is missing.
        Audited as `dashboard.export`."""
        plan, runs = self._runs(session, actor, app_key, key, parameters, clicks, "export")
        locale = actor.locale or "zh-CN"
        panels = []
        for _item, _used, found in sorted(runs, key=lambda each: (each[0].y, each[0].x)):
            if isinstance(found, PlatformError):
                panels.append(Panel(_item.report, None, f"{found.code}: {found.message}"))
            else:
                panels.append(Panel(text_of(found.plan.title, locale), found))
        content = dashboard_pdf_bytes(
            text_of(plan.title, locale), parameters, panels, locale, self.reports.clock()
        )
        self.reports.audit.record(
            session,
            actor,
            "dashboard.export",
            object_type="dashboard",
            object_id=f"{app_key}/{key}",
            details={
                "format": "pdf",
                "items": {
                    item.id: (
                        found.code if isinstance(found, PlatformError) else len(found.table.rows)
                    )
                    for item, _used, found in runs
                },
                "parameters": {k: str(v) for k, v in parameters.items() if v is not None},
            },
        )
        return content

    def _title(self, session: Session, app_key: str, report: str, locale: str) -> str:
        """A report's title, for a panel the viewer may not run (its key if it has none)."""
        try:
            plan, _version = self.reports.compiler.plan(session, app_key, report)
        except PlatformError:
            return report
        return text_of(plan.title, locale) or report

    def _runs(
        self,
        session: Session,
        actor: Actor,
        app_key: str,
        key: str,
        parameters: Mapping[str, Any],
        clicks: Mapping[str, Mapping[str, Any]],
        action: str,
    ) -> tuple[DashboardPlan, list[tuple[Any, dict[str, Any], ReportRun | PlatformError]]]:
        """Each item run as `actor` with its parameters, or the refusal it met."""
        plan = self.plan(session, app_key, key)
        try:
            resolve_parameters(plan, parameters, today=business_date(self.reports.clock()))
        except ParameterError as exc:
            raise Invalid(
                f"dashboard {key!r} cannot run with these parameters",
                code="report_parameters_invalid",
                errors=[
                    ErrorItem(pointer, code, message, zh_cn)
                    for pointer, code, message, zh_cn in exc.problems
                ],
                zh_cn=f"仪表盘 {key!r} 无法使用这些参数运行",
            ) from None
        unknown = [item for item in clicks if item not in {i.id for i in plan.items}]
        if unknown:
            raise Invalid(
                f"the dashboard has no item {unknown[0]!r}",
                code="validation_failed",
                errors=[
                    ErrorItem(f"/clicks/{unknown[0]}", "unknown_item", "no such item", "没有此面板")
                ],
                zh_cn=f"仪表盘上没有 {unknown[0]!r} 这一项",
            )
        given = {k: v for k, v in parameters.items() if v is not None}
        per_item = plan.item_parameters(given, clicks)
        runs: list[tuple[Any, dict[str, Any], ReportRun | PlatformError]] = []
        for item in plan.items:
            found: ReportRun | PlatformError
            try:
                found = self.reports.run(
                    session,
                    actor,
                    app_key,
                    item.report,
                    parameters=per_item[item.id],
                    action=action,
                )
            except PlatformError as exc:
                found = exc
            runs.append((item, per_item[item.id], found))
        return plan, runs
