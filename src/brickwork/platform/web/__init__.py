"""The web UI: server-rendered pages for ops staff, managers and administrators (``ROUTERS``,
with ``install_handlers``), and the API reference page."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
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


def install_handlers(app: FastAPI) -> None:
    """The pages' answers to a visitor who must sign in (or change their password) first."""

    async def sign_in_first(request: Request, _exc: Exception) -> Response:
        return sign_in_redirect(request)

    async def password_first(_request: Request, _exc: Exception) -> Response:
        return RedirectResponse("/password", status_code=303)

    app.add_exception_handler(SignInFirst, sign_in_first)
    app.add_exception_handler(PasswordChangeFirst, password_first)


ROUTERS: tuple[APIRouter, ...] = (
    pages.router,
    records.router,
    forms.router,
    reports.router,
    report_designer.router,
    dashboard_designer.router,
    inbox.router,
    notices.router,
    people.router,
    imports.router,
    bulk.router,
    saved.router,
    search.router,
    account.router,
    packs.router,
    admin.router,
    roles.router,
    audit.router,
    design_tables.router,
    expressions.router,
    designer.router,
    flow_designer.router,
    design_hub.router,
    app_settings.router,
    flow_blocks.router,
    flow_simulate.router,
    rule_designer.router,
)
"""The pages' routers, in the order their routes are matched."""
