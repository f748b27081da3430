"""HTTP endpoints of reports (thin: parse, call the service, reply)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from brickwork.platform.api.body import json_body, openapi_body
from brickwork.platform.api.deps import SessionDep
from brickwork.platform.api.responses import ExactJSONResponse, reply
from brickwork.platform.auth.deps import ActorDep
from brickwork.platform.reports.dashboards import DashboardService
from brickwork.platform.reports.delivery import ReportDelivery
from brickwork.platform.reports.exports import EXPORT_TYPES, export_report
from brickwork.platform.reports.service import DETAIL_PAGE, DETAIL_PAGE_MAX, ReportService
from brickwork.platform.reports.shown import run_json
from brickwork.platform.vocabulary import KEY_PATTERN

router = APIRouter(prefix="/apps/{app}/reports", tags=["reports"])
dashboards = APIRouter(prefix="/apps/{app}/dashboards", tags=["reports"])
mine = APIRouter(prefix="/me", tags=["reports"])
AppKey = Annotated[str, Path(pattern=KEY_PATTERN, description="The app's key")]
ReportKey = Annotated[str, Path(pattern=KEY_PATTERN, description="The report's key")]
PROBLEM = {"description": "Problem (application/problem+json)"}
ERRORS: dict[int | str, dict[str, Any]] = {
    400: PROBLEM,
    401: PROBLEM,
    403: PROBLEM,
    404: PROBLEM,
    409: PROBLEM,
    415: PROBLEM,
    422: PROBLEM,
}


class RunRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    parameters: dict[str, Any] = Field(
        default_factory=dict, description="Parameter values by key (defaults fill the rest)"
    )
    page: int = Field(default=0, ge=0, le=100_000, description="Detail reports: the page")
    size: int = Field(default=DETAIL_PAGE, ge=1, le=DETAIL_PAGE_MAX)


class DrillRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    on: str = Field(max_length=63, description="The clicked column's key")
    row: dict[str, Any] = Field(description="The clicked row: its dimension values by key")
    parameters: dict[str, Any] = Field(default_factory=dict)


class ExportRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format: Literal["csv", "xlsx", "pdf"] = "xlsx"
    parameters: dict[str, Any] = Field(default_factory=dict)


class SubscriptionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format: Literal["csv", "xlsx", "pdf"] = "xlsx"
    parameters: dict[str, Any] = Field(
        default_factory=dict, description="Parameter values (relative periods move with time)"
    )
    every: Literal["day", "week"] = Field(description="Delivered daily or weekly")
    at: str = Field(default="08:00", max_length=5, description="Time of day, HH:MM")
    weekday: (
        Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"] | None
    ) = Field(default=None, description="Weekly deliveries: the day")
    timezone: str = Field(default="Asia/Shanghai", max_length=64, description="IANA time zone")


class DashboardRunRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    parameters: dict[str, Any] = Field(default_factory=dict)
    clicks: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="Cross-filter clicks: item id -> {dimension key: clicked value}",
    )


class DashboardExportRequest(DashboardRunRequest):
    format: Literal["pdf"] = "pdf"


BODY_MODELS: tuple[type[BaseModel], ...] = (
    RunRequest,
    DrillRequest,
    ExportRequest,
    SubscriptionRequest,
    DashboardRunRequest,
    DashboardExportRequest,
)


def reports(request: Request) -> ReportService:
    service: ReportService = request.app.state.reports
    return service


ReportsDep = Annotated[ReportService, Depends(reports)]


def delivery(request: Request) -> ReportDelivery:
    service: ReportDelivery = request.app.state.delivery
    return service


DeliveryDep = Annotated[ReportDelivery, Depends(delivery)]
JobId = Annotated[int, Path(ge=1, le=2**63 - 1, description="The export job's id")]
SubscriptionId = Annotated[
    str, Path(pattern=r"^[0-9a-f-]{36}$", description="The subscription's id")
]


def dashboard_service(request: Request) -> DashboardService:
    service: DashboardService = request.app.state.dashboards
    return service


DashboardsDep = Annotated[DashboardService, Depends(dashboard_service)]


@router.post("/{key}/run", responses=ERRORS, openapi_extra=openapi_body(RunRequest))
def run_report(
    app: AppKey,
    key: ReportKey,
    session: SessionDep,
    actor: ActorDep,
    service: ReportsDep,
    body: Annotated[RunRequest, Depends(json_body(RunRequest))],
) -> ExactJSONResponse:
    """Run the latest published version with `parameters`: its columns, rows (exact decimals
    as strings), row kinds (data, subtotal, total), the chart option, and what was cut by the
    row cap. What you see follows your row scope and field levels, as in the record list."""
    run = service.run(
        session, actor, app, key, parameters=body.parameters, page=body.page, size=body.size
    )
    return reply(run_json(run, actor.locale or "zh-CN"))


@router.post("/{key}/drill", responses=ERRORS, openapi_extra=openapi_body(DrillRequest))
def drill_report(
    app: AppKey,
    key: ReportKey,
    session: SessionDep,
    actor: ActorDep,
    service: ReportsDep,
    body: Annotated[DrillRequest, Depends(json_body(DrillRequest))],
) -> ExactJSONResponse:
    """Where a click on a value leads: the record list with a filter for the clicked row, or
    another report with parameters."""
    found = service.drill(
        session, actor, app, key, on=body.on, row=body.row, parameters=body.parameters
    )
    return reply(found)


@router.post("/{key}/export", responses=ERRORS, openapi_extra=openapi_body(ExportRequest))
def export(
    app: AppKey,
    key: ReportKey,
    session: SessionDep,
    actor: ActorDep,
    service: ReportsDep,
    body: Annotated[ExportRequest, Depends(json_body(ExportRequest))],
) -> Response:
    """The report as CSV, XLSX (formatted, frozen header, totals; no formula cells) or PDF
    (with its chart), with what you may see; audited."""
    content = export_report(service, session, actor, app, key, body.format, body.parameters)
    name = f"{app}-{key}.{body.format}"
    return Response(
        content,
        media_type=EXPORT_TYPES[body.format],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.post(
    "/{key}/export-jobs",
    status_code=202,
    responses=ERRORS,
    openapi_extra=openapi_body(ExportRequest),
)
def request_export(
    app: AppKey,
    key: ReportKey,
    session: SessionDep,
    actor: ActorDep,
    service: DeliveryDep,
    body: Annotated[ExportRequest, Depends(json_body(ExportRequest))],
) -> ExactJSONResponse:
    """Export in the background (for large reports): refused at once with the reason if
    running it would be; otherwise queued. Follow it at `/me/report-exports/{id}` (progress,
    then the file to download); a notice tells you when it is ready."""
    job = service.request(session, actor, app, key, body.format, body.parameters)
    return reply(job, 202, headers={"Location": f"/api/v1/me/report-exports/{job['id']}"})


@mine.get("/report-exports/{job_id}", responses=ERRORS)
def export_status(
    job_id: JobId, session: SessionDep, actor: ActorDep, service: DeliveryDep
) -> ExactJSONResponse:
    """One of your background exports: `queued`, `running` (with `progress`: stage, rows,
    total), `done` (with `file`: download it at its `url`) or `failed` (with `error`)."""
    return reply(service.status(session, actor, job_id))


@router.post(
    "/{key}/subscriptions",
    status_code=201,
    responses=ERRORS,
    openapi_extra=openapi_body(SubscriptionRequest),
)
def subscribe(
    app: AppKey,
    key: ReportKey,
    session: SessionDep,
    actor: ActorDep,
    service: DeliveryDep,
    body: Annotated[SubscriptionRequest, Depends(json_body(SubscriptionRequest))],
) -> ExactJSONResponse:
    """Have the report delivered to your notices as a file, daily or weekly at `at` in
    `timezone`; each delivery is run as you, with what you may see at that time."""
    found = service.subscribe(
        session,
        actor,
        app,
        key,
        format_=body.format,
        parameters=body.parameters,
        every=body.every,
        at=body.at,
        weekday=body.weekday,
        timezone=body.timezone,
    )
    return reply(found, 201)


@mine.get("/report-subscriptions", responses=ERRORS)
def my_subscriptions(
    session: SessionDep, actor: ActorDep, service: DeliveryDep
) -> ExactJSONResponse:
    """Your report subscriptions, with their next delivery time."""
    return reply({"items": service.subscriptions(session, actor)})


@mine.delete("/report-subscriptions/{subscription}", status_code=204, responses=ERRORS)
def unsubscribe(
    subscription: SubscriptionId, session: SessionDep, actor: ActorDep, service: DeliveryDep
) -> Response:
    """Cancel one of your report subscriptions."""
    service.unsubscribe(session, actor, subscription)
    return Response(status_code=204)


@dashboards.post("/{key}/run", responses=ERRORS, openapi_extra=openapi_body(DashboardRunRequest))
def run_dashboard(
    app: AppKey,
    key: ReportKey,
    session: SessionDep,
    actor: ActorDep,
    service: DashboardsDep,
    body: Annotated[DashboardRunRequest, Depends(json_body(DashboardRunRequest))],
) -> ExactJSONResponse:
    """Run every report of the dashboard with its shared parameters and the cross-filters set
    by `clicks`; an item you may not see carries its error instead of a result."""
    return reply(
        service.run(session, actor, app, key, parameters=body.parameters, clicks=body.clicks)
    )


@dashboards.post(
    "/{key}/export",
    responses={200: {"content": {"application/pdf": {}}}, **ERRORS},
    openapi_extra=openapi_body(DashboardExportRequest),
)
def export_dashboard(
    app: AppKey,
    key: ReportKey,
    session: SessionDep,
    actor: ActorDep,
    service: DashboardsDep,
    body: Annotated[DashboardExportRequest, Depends(json_body(DashboardExportRequest))],
) -> Response:
    """The dashboard as one PDF: its items in grid order, each with its chart and table (an
    item you may not export shows why instead); audited."""
    content = service.export_pdf(
        session, actor, app, key, parameters=body.parameters, clicks=body.clicks
    )
    return Response(
        content,
        media_type=EXPORT_TYPES["pdf"],
        headers={"Content-Disposition": f'attachment; filename="{app}-{key}.pdf"'},
    )
