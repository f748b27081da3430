"""The web UI: server-rendered pages for ops staff, managers and administrators (see
``install``), and the API reference page."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response

from brickwork.platform.web import (
    account,
    admin,
    app_settings,
    audit,
    bulk,
    dashboard_designer,
    design_hub,
    design_tables,
    designer,
    expressions,
    flow_blocks,
    flow_designer,
    flow_simulate,
    forms,
    imports,
    inbox,
    notices,
    packs,
    pages,
    people,
    records,
    report_designer,
    reports,
    roles,
    rule_designer,
    saved,
    search,
)
from brickwork.platform.web.views import PasswordChangeFirst, SignInFirst, sign_in_redirect


def install(app: FastAPI) -> None:
    """The pages' routes, and their answers to a visitor who must sign in (or change their
    password) first."""

    async def sign_in_first(request: Request, _exc: Exception) -> Response:
        return sign_in_redirect(request)

    async def password_first(_request: Request, _exc: Exception) -> Response:
        return RedirectResponse("/password", status_code=303)

    app.add_exception_handler(SignInFirst, sign_in_first)
    app.add_exception_handler(PasswordChangeFirst, password_first)
    app.include_router(pages.router)
    app.include_router(records.router)
    app.include_router(forms.router)
    app.include_router(reports.router)
    app.include_router(report_designer.router)
    app.include_router(dashboard_designer.router)
    app.include_router(inbox.router)
    app.include_router(notices.router)
    app.include_router(people.router)
    app.include_router(imports.router)
    app.include_router(bulk.router)
    app.include_router(saved.router)
    app.include_router(search.router)
    app.include_router(account.router)
    app.include_router(packs.router)
    app.include_router(admin.router)
    app.include_router(roles.router)
    app.include_router(audit.router)
    app.include_router(design_tables.router)
    app.include_router(expressions.router)
    app.include_router(designer.router)
    app.include_router(flow_designer.router)
    app.include_router(design_hub.router)
    app.include_router(app_settings.router)
    app.include_router(flow_blocks.router)
    app.include_router(flow_simulate.router)
    app.include_router(rule_designer.router)
