"""``create_app()``: the ASGI application of Brickwork (API, later the web UI)."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from functools import cache
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response
from starlette.routing import BaseRoute
from starlette.types import Receive, Scope, Send

from brickwork import __version__
from brickwork.platform import web
from brickwork.platform.api import errors
from brickwork.platform.api.headers import SecurityHeaders
from brickwork.platform.api.limits import BodySizeLimit, body_limits
from brickwork.platform.api.request_id import RequestId
from brickwork.platform.api.router import api_router, install_openapi
from brickwork.platform.assembly import build_services, job_runners
from brickwork.platform.audit import endpoints as audit_endpoints
from brickwork.platform.audit.denials import DenialAudit, DenialLimits, refusal_recorder
from brickwork.platform.auth import admin_endpoints as identity_admin_endpoints
from brickwork.platform.auth import endpoints as auth_endpoints
from brickwork.platform.auth.openapi import SECURITY
from brickwork.platform.auth.security_settings import REFRESH_SECONDS, SecuritySettings
from brickwork.platform.clock import Clock, system_clock
from brickwork.platform.db import migrate
from brickwork.platform.db.filemodes import private_dir
from brickwork.platform.db.session import (
    make_engine,
    make_read_session_factory,
    make_session_factory,
    reading_factory,
    unit_of_work,
)
from brickwork.platform.errors import PlatformError
from brickwork.platform.files import endpoints as file_endpoints
from brickwork.platform.jobs.service import serve as serve_jobs
from brickwork.platform.metadata import endpoints as metadata_endpoints
from brickwork.platform.notifications import endpoints as notification_endpoints
from brickwork.platform.packs import endpoints as pack_endpoints
from brickwork.platform.records import endpoints as record_endpoints
from brickwork.platform.records import view_endpoints
from brickwork.platform.records.jobs import JobRunner
from brickwork.platform.records.saved_views import SavedViews
from brickwork.platform.reports import endpoints as report_endpoints
from brickwork.platform.rules import endpoints as rules_endpoints
from brickwork.platform.runs import endpoints as runs_endpoints
from brickwork.platform.runs import schemas as runs_schemas
from brickwork.platform.web.assets import mount_static
from brickwork.platform.web.reference import reference_router
from brickwork.platform.web.views import error_page, is_page
from brickwork.settings import Settings, load_settings

log = logging.getLogger("brickwork")

TITLE = "Brickwork"
OPENAPI_URL = "/api/v1/openapi.json"
DOCS_URL = "/api/v1/docs"


def disable_inactive_accounts(app: FastAPI) -> int:
    """One run of the periodic check: disable the accounts unused too long (audited); returns
    how many."""
    with unit_of_work(app.state.session_factory) as session:
        disabled = app.state.identities.inactivity.sweep(session)
    if disabled:
        log.info("disabled %d account(s) unused for too long", len(disabled))
    return len(disabled)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """While the server runs, disable unused accounts every ``BRICKWORK_INACTIVE_CHECK_MINUTES``
    (the first check one period after start; sign-in checks the account concerned anyway)."""
    settings: Settings = app.state.settings
    task: asyncio.Task[None] | None = None
    if settings.inactive_days > 0:
        task = asyncio.create_task(_check_periodically(app, settings.inactive_check_minutes * 60))
    await asyncio.to_thread(refresh_security_settings, app)
    refresher = asyncio.create_task(_refresh_periodically(app, REFRESH_SECONDS))
    stop = threading.Event()
    worker: threading.Thread | None = None
    if settings.worker:
        worker = _start_worker(app, stop, settings.worker_poll_seconds)
    try:
        yield
    finally:
        if task is not None:
            task.cancel()
        refresher.cancel()
        stop.set()
        if worker is not None:
            worker.join(timeout=30)


def _start_worker(app: FastAPI, stop: threading.Event, poll: float) -> threading.Thread:
    """The job worker and scheduler in a thread of the server (see ``brickwork worker``)."""
    name = f"{socket.gethostname()}:{os.getpid()}:server"
    worker, scheduler = job_runners(
        app.state.services, app.state.session_factory, name=name, clock=app.state.clock
    )
    thread = threading.Thread(
        target=serve_jobs,
        args=(worker, scheduler, stop, poll),
        kwargs={"probe": app.state.read_session_factory},
        name="brickwork-jobs",
        daemon=True,
    )
    thread.start()
    return thread


async def _check_periodically(app: FastAPI, seconds: float) -> None:
    while True:
        await asyncio.sleep(seconds)
        try:
            await asyncio.to_thread(disable_inactive_accounts, app)
        except Exception:  # the next period tries again; never stop the server for this
            log.exception("the check for unused accounts failed")


def refresh_security_settings(app: FastAPI) -> None:
    """The security rules as saved by an administrator (through this process or another); a
    read beside any writer (no write lock on SQLite)."""
    with unit_of_work(reading_factory(app.state.session_factory)) as session:
        app.state.security_settings.load(session)


async def _refresh_periodically(app: FastAPI, seconds: float) -> None:
    while True:
        await asyncio.sleep(seconds)
        try:
            await asyncio.to_thread(refresh_security_settings, app)
        except Exception:  # the next period tries again
            log.exception("reading the security rules failed")


def page_errors(request: Request, error: PlatformError, status: int) -> Response | None:
    """A refusal on a web page answered as a page (the API keeps problem+json)."""
    return error_page(request, error, status) if is_page(request) else None


def create_app(settings: Settings | None = None, *, clock: Clock = system_clock) -> FastAPI:
    settings = settings or load_settings()
    private_dir(settings.data_dir)
    engine = make_engine(settings.effective_database_url)
    if settings.auto_upgrade:
        migrate.ensure_current(engine)
    app = Brickwork(
        title=TITLE,
        version=__version__,
        description="Metadata-driven application platform for financial institutions.",
        openapi_url=OPENAPI_URL,
        docs_url=None,
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = make_session_factory(engine, audit_at_commit=True)
    app.state.read_session_factory = make_read_session_factory(engine, app.state.session_factory)
    services = build_services(clock=clock, data_dir=settings.data_dir, settings=settings)
    app.state.audit = services.audit
    services.audit.use_session_factory(app.state.session_factory)
    limits = DenialLimits(
        per_source=settings.audit_denials_per_source,
        per_window=settings.audit_denials_per_window,
        window_seconds=settings.audit_denial_window_seconds,
    )
    app.state.denials = DenialAudit(services.audit, limits=limits, clock=clock)
    app.state.metadata = services.metadata
    app.state.bundles = services.bundles
    app.state.approvals = services.approvals
    app.state.records = services.records
    app.state.saved_views = SavedViews(records=services.records, clock=clock)
    app.state.security_settings = SecuritySettings(
        identities=services.identities, settings=settings, clock=clock
    )
    app.state.files = services.files
    app.state.identities = services.identities
    app.state.decisions = services.decisions
    app.state.services = services
    app.state.clock = clock
    app.state.rules = services.rules
    app.state.notifications = services.notifications
    app.state.runs = services.runs
    app.state.reports = services.reports
    app.state.dashboards = services.dashboards
    app.state.delivery = services.delivery
    app.state.jobs = JobRunner(clock=clock)
    errors.install(app, refusals=refusal_recorder(app.state.denials), pages=page_errors)
    app.add_middleware(
        BodySizeLimit, max_bytes=settings.max_body_bytes, rules=body_limits(settings)
    )
    app.add_middleware(RequestId)
    app.add_middleware(SecurityHeaders)
    web.install_handlers(app)
    app.router.routes.extend(route_table())
    mount_static(app)
    body_models = (
        *metadata_endpoints.BODY_MODELS,
        *rules_endpoints.BODY_MODELS,
        *notification_endpoints.BODY_MODELS,
        *runs_schemas.BODY_MODELS,
        *report_endpoints.BODY_MODELS,
        *view_endpoints.BODY_MODELS,
        *pack_endpoints.BODY_MODELS,
    )
    install_openapi(app, body_models=body_models, security=SECURITY)
    return app


class _ServingApp:
    """Whose dependency overrides the shared route table applies: the app serving the current
    request (set by ``Brickwork.__call__``)."""

    @property
    def dependency_overrides(self) -> dict[Any, Any]:
        app = _SERVING.get(None)
        return {} if app is None else app.dependency_overrides


_SERVING: ContextVar[FastAPI | None] = ContextVar("brickwork_serving", default=None)


class Brickwork(FastAPI):
    """The application; while it serves a request, it is the one whose dependency overrides
    the shared route table applies (see ``route_table``)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        token = _SERVING.set(self)
        try:
            await super().__call__(scope, receive, send)
        finally:
            _SERVING.reset(token)


@cache
def route_table() -> tuple[BaseRoute, ...]:
    """Every route of the API, the pages and the API reference, built once per process: FastAPI
    spends almost all of an application's creation analysing them (about 0.2 s), and they hold
    no state of an application (handlers read it from ``request.app.state``). Several
    applications in one process (tests) share them."""
    router = APIRouter(dependency_overrides_provider=_ServingApp())
    router.include_router(api_router(area_routers()))
    for pages in web.ROUTERS:
        router.include_router(pages)
    router.include_router(reference_router(openapi_url=OPENAPI_URL, docs_url=DOCS_URL, title=TITLE))
    return tuple(router.routes)


def area_routers() -> tuple[APIRouter, ...]:
    """Every area's endpoints, in the order of the API reference."""
    return (
        auth_endpoints.router,
        identity_admin_endpoints.router,
        metadata_endpoints.router,
        record_endpoints.router,
        record_endpoints.imports,
        file_endpoints.router,
        record_endpoints.app_docs,
        view_endpoints.router,
        audit_endpoints.router,
        rules_endpoints.router,
        rules_endpoints.executions,
        rules_endpoints.scheduled,
        rules_endpoints.calendars,
        notification_endpoints.router,
        notification_endpoints.webhooks,
        runs_endpoints.starts,
        runs_endpoints.tasks,
        runs_endpoints.instances,
        runs_endpoints.inbox,
        runs_endpoints.me,
        runs_endpoints.designs,
        runs_endpoints.app_tasks,
        runs_endpoints.app_instances,
        report_endpoints.router,
        report_endpoints.dashboards,
        report_endpoints.mine,
        pack_endpoints.router,
    )
