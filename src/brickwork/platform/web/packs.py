"""The installed-packs page for the system administrator: the shipped packs and what is
installed of each; install (with or without sample records), the upgrade plan (new, changed
and removed definitions, schema changes of forms, conflicts with local changes to resolve one
by one) and the upgrade, and uninstall. Everything goes through `PackService`, as the API and
the command line do: the same checks, the same all-or-nothing transaction, the same audit."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response

from brickwork.platform.api.deps import SessionDep
from brickwork.platform.auth.permissions import PermissionService
from brickwork.platform.auth.roles import SYSTEM_ADMIN
from brickwork.platform.errors import PlatformError
from brickwork.platform.packs.service import PackService, PackStatus, UpgradePlan
from brickwork.platform.vocabulary import KEY_PATTERN
from brickwork.platform.web.admin import Notice, admin_page
from brickwork.platform.web.params import FormListsDep, first
from brickwork.platform.web.views import Viewer, viewer_of

router = APIRouter(include_in_schema=False)
PackKey = Annotated[str, Path(pattern=KEY_PATTERN)]
DONE = frozenset({"installed", "upgraded", "uninstalled"})


def system_viewer(request: Request, session: Any, *, csrf: str | None = None) -> Viewer:
    viewer = viewer_of(request, session, csrf=csrf)
    PermissionService.require_admin(viewer.actor, SYSTEM_ADMIN, "admin")
    return viewer


def packs_of(request: Request) -> PackService:
    service: PackService = request.app.state.services.packs
    return service


def _row(status: PackStatus, language: str) -> dict[str, Any]:
    manifest = status.pack.manifest
    state = status.state or {}
    return {
        "key": manifest.key,
        "title": manifest.title.zh_CN if language == "zh-CN" else manifest.title.en,
        "description": (
            manifest.description.zh_CN if language == "zh-CN" else manifest.description.en
        ),
        "version": manifest.version,
        "installed": status.installed_version,
        "status": state.get("status", "available"),
        "upgradable": status.upgradable,
        "requires": manifest.requires,
        "app": manifest.app.key,
        "definitions": len(status.pack.definitions),
        "scenarios": len(status.pack.scenarios),
        "samples": sum(len(data.records) for data in status.pack.data),
        "installed_at": state.get("installed_at", ""),
        "installed_by": state.get("installed_by", ""),
    }


@router.get("/admin/packs", response_model=None)
def packs_page(request: Request, session: SessionDep, done: Notice = "") -> Response:
    viewer = system_viewer(request, session)
    return _listing(request, session, viewer, done=done if done in DONE else "")


def _listing(
    request: Request,
    session: Any,
    viewer: Viewer,
    *,
    done: str = "",
    problem: PlatformError | None = None,
) -> Response:
    rows = [_row(status, viewer.language) for status in packs_of(request).statuses(session)]
    return admin_page(
        request,
        viewer,
        "admin/packs.html",
        "packs",
        {"packs": rows, "done": done, "problem": problem},
    )


@router.post("/admin/packs/{key}/install", response_model=None)
def install_pack(
    request: Request, session: SessionDep, key: PackKey, sent: FormListsDep
) -> Response:
    viewer = system_viewer(request, session, csrf=first(sent, "csrf_token"))
    try:
        packs_of(request).install(
            session, viewer.actor, key, sample_data=first(sent, "sample_data") == "on"
        )
    except PlatformError as exc:
        session.rollback()
        return _listing(request, session, viewer, problem=exc)
    return RedirectResponse("/admin/packs?done=installed", status_code=303)


@router.post("/admin/packs/{key}/uninstall", response_model=None)
def uninstall_pack(
    request: Request, session: SessionDep, key: PackKey, sent: FormListsDep
) -> Response:
    viewer = system_viewer(request, session, csrf=first(sent, "csrf_token"))
    try:
        packs_of(request).uninstall(session, viewer.actor, key)
    except PlatformError as exc:
        session.rollback()
        return _listing(request, session, viewer, problem=exc)
    return RedirectResponse("/admin/packs?done=uninstalled", status_code=303)


@router.get("/admin/packs/{key}/upgrade", response_model=None)
def upgrade_plan_page(request: Request, session: SessionDep, key: PackKey) -> Response:
    viewer = system_viewer(request, session)
    try:
        plan = packs_of(request).plan_upgrade(session, key)
    except PlatformError as exc:
        return _listing(request, session, viewer, problem=exc)
    return _plan(request, viewer, plan)


def _plan(
    request: Request,
    viewer: Viewer,
    plan: UpgradePlan,
    *,
    problem: PlatformError | None = None,
    chosen: dict[str, str] | None = None,
) -> Response:
    return admin_page(
        request,
        viewer,
        "admin/pack_upgrade.html",
        "packs",
        {"plan": plan, "problem": problem, "chosen": chosen or {}},
    )


@router.post("/admin/packs/{key}/upgrade", response_model=None)
def upgrade_pack(
    request: Request, session: SessionDep, key: PackKey, sent: FormListsDep
) -> Response:
    viewer = system_viewer(request, session, csrf=first(sent, "csrf_token"))
    service = packs_of(request)
    chosen = {
        name.removeprefix("resolve:"): value
        for name, values in sent.items()
        if name.startswith("resolve:") and (value := values[0]) in ("keep_local", "take_pack")
    }
    try:
        service.upgrade(session, viewer.actor, key, resolutions=chosen)  # type: ignore[arg-type]
    except PlatformError as exc:
        session.rollback()
        try:
            plan = service.plan_upgrade(session, key)
        except PlatformError:
            return _listing(request, session, viewer, problem=exc)
        return _plan(request, viewer, plan, problem=exc, chosen=chosen)
    return RedirectResponse("/admin/packs?done=upgraded", status_code=303)
