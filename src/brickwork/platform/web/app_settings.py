"""An app's settings page for its designers: its name and description, its menu (the order of
its forms, reports and dashboards in the left navigation, which are hidden from it and the groups
they are shown under), what each role may do on each of its forms, and the app bundle (download,
and an import checked first, then applied).

Designing the app (`design`) opens the page and arranges the menu; the name, description and
maker-checker setting need the app's administrator (`admin`), and an import what
`BundleService.import_bundle` asks (`admin`, and `publish` when it brings new versions). Every
form posts with the session's CSRF token and works without JavaScript; the menu's Up and Down
buttons move entries in place when scripts run, and entries can be dragged too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from brickwork import jsonio
from brickwork.platform.api.deps import SessionDep
from brickwork.platform.api.errors import pydantic_items, status_of
from brickwork.platform.auth.policy import ANY, parse_grants
from brickwork.platform.auth.roles import SECURITY_ADMIN
from brickwork.platform.errors import ErrorItem, Invalid, PlatformError
from brickwork.platform.metadata.schemas import AppNavigation, AppUpdate, ImportOutcome, Kind
from brickwork.platform.web.i18n import translations
from brickwork.platform.web.menu_editor import (
    MenuEditor,
    arrangement,
    menu_editor,
    moved,
    place,
    sent_editor,
    text_of_language,
)
from brickwork.platform.web.params import AppKey, FormListsDep, first
from brickwork.platform.web.records import navigation
from brickwork.platform.web.views import Viewer, render, text_in, viewer_of

router = APIRouter(include_in_schema=False)
FORM_ACTIONS = ("create", "read", "update", "delete", "export", "import")
WHOLE_APP_ACTIONS = ("design", "publish", "admin")
DONE = ("app", "menu", "imported")
MAX_BUNDLE_FIELDS = 10


# ---------------------------------------------------------------- the page


@router.get("/apps/{app}/design/settings", response_model=None)
def settings_page(request: Request, session: SessionDep, app: AppKey) -> Response:
    viewer = _designer(request, session, app)
    done = request.query_params.get("done", "")
    return settings_view(request, session, viewer, app, done=done if done in DONE else "")


def _designer(request: Request, session: Session, app: str, *, csrf: str | None = None) -> Viewer:
    """The viewer, when they hold `design` on the app (refused otherwise, and audited)."""
    viewer = viewer_of(request, session, csrf=csrf)
    request.app.state.metadata.require(session, viewer.actor, "design", app)
    return viewer


def settings_view(
    request: Request,
    session: Session,
    viewer: Viewer,
    app: str,
    *,
    done: str = "",
    problem: PlatformError | None = None,
    section: str = "",
    editor: MenuEditor | None = None,
    outcome: ImportOutcome | None = None,
    bundle: str = "",
) -> Response:
    """The settings page; `problem` is shown in `section` (app, menu or bundle)."""
    metadata = request.app.state.metadata
    stored = metadata.app(session, app)
    principal = metadata.permissions.principal(session, viewer.actor)
    roles, matrix = permissions_matrix(request, session, viewer, app)
    return render(
        request,
        "design/settings.html",
        {
            "app": app,
            "stored": stored,
            "label_zh": text_of_language(stored.label, "zh-CN"),
            "label_en": text_of_language(stored.label, "en"),
            "may_admin": metadata.permissions.denial(principal, "admin", app) is None,
            "editor": editor or menu_editor(request, session, viewer, app),
            "roles": roles,
            "matrix": matrix,
            "edit_roles": viewer.actor.holds(SECURITY_ADMIN),
            "done": done,
            "problem": problem,
            "section": section,
            "outcome": outcome,
            "bundle": bundle,
            "nav": navigation(request, session, viewer, app),
        },
        viewer=viewer,
        status=200 if problem is None else status_of(problem),
    )


# ---------------------------------------------------------------- name and description


@router.post("/apps/{app}/design/settings/app", response_model=None)
def change_app(request: Request, session: SessionDep, app: AppKey, sent: FormListsDep) -> Response:
    """Save the app's name, description and maker-checker setting (the app's administrator)."""
    viewer = _designer(request, session, app, csrf=first(sent, "csrf_token"))
    zh = (first(sent, "label_zh", "") or "").strip()
    en = (first(sent, "label_en", "") or "").strip()
    label = {key: value for key, value in (("zh-CN", zh), ("en", en)) if value}
    try:
        if not label:
            raise Invalid(
                translations(viewer.language).gettext(
                    "give the app a name in Chinese or English; nothing was saved"
                ),
                code="validation_failed",
                zh_cn="请填写应用的中文或英文名称：未保存任何内容",
                errors=[ErrorItem("/label", "required", "give a name")],
            )
        update = AppUpdate.model_validate(
            {
                "label": label,
                "description": (first(sent, "description", "") or "").strip(),
                "publish_approval": first(sent, "publish_approval") == "yes",
            }
        )
        request.app.state.metadata.update_app(session, viewer.actor, app, update)
    except ValidationError as exc:
        invalid = Invalid(
            "the app's settings are invalid; nothing was saved",
            zh_cn="应用设置有误：未保存任何内容",
            errors=pydantic_items(list(exc.errors())),
        )
        return settings_view(request, session, viewer, app, problem=invalid, section="app")
    except PlatformError as exc:
        return settings_view(request, session, viewer, app, problem=exc, section="app")
    session.commit()
    return RedirectResponse(f"/apps/{app}/design/settings?done=app#app-settings", status_code=303)


# ---------------------------------------------------------------- the menu


@router.post("/apps/{app}/design/settings/menu", response_model=None)
def change_menu(request: Request, session: SessionDep, app: AppKey, sent: FormListsDep) -> Response:
    """Move an entry (not saved until "Save menu"), or save the menu as sent."""
    viewer = _designer(request, session, app, csrf=first(sent, "csrf_token"))
    editor = sent_editor(request, session, viewer, app, sent)
    action = first(sent, "action", "save") or "save"
    if action.startswith(("up:", "down:")):
        return settings_view(request, session, viewer, app, editor=moved(editor, action))
    try:
        wanted = AppNavigation.model_validate(arrangement(editor))
        request.app.state.metadata.set_navigation(session, viewer.actor, app, wanted)
    except ValidationError as exc:
        invalid = Invalid(
            "the menu has problems (shown next to them); nothing was saved",
            zh_cn="菜单有问题（已在相应位置标出）：未保存任何内容",
            errors=pydantic_items(list(exc.errors())),
        )
        return _menu_refused(request, session, viewer, app, editor, invalid)
    except PlatformError as exc:
        return _menu_refused(request, session, viewer, app, editor, exc)
    session.commit()
    return RedirectResponse(f"/apps/{app}/design/settings?done=menu#menu", status_code=303)


def _menu_refused(
    request: Request,
    session: Session,
    viewer: Viewer,
    app: str,
    editor: MenuEditor,
    problem: PlatformError,
) -> Response:
    place(editor, problem.errors)
    editor.unsaved = True
    return settings_view(
        request, session, viewer, app, problem=problem, section="menu", editor=editor
    )


# ---------------------------------------------------------------- roles and permissions


def permissions_matrix(
    request: Request, session: Session, viewer: Viewer, app: str
) -> tuple[list[dict[str, str]], list[dict[str, Any]]]:
    """The roles whose grants reach the app, and a row for the app and each of its published
    forms with what each role may do there (actions and the row scope they read with)."""
    metadata = request.app.state.metadata
    identities = request.app.state.identities
    granted = []
    for role in identities.repo.roles(session):
        grants = [
            g for g in parse_grants(role.permissions) if g.app in (ANY, app) and g.decision is None
        ]
        if grants:
            label = text_in(role.label, viewer.language) or role.key
            granted.append(({"key": role.key, "label": label}, grants))
    rows: list[dict[str, Any]] = [
        {
            "form": None,
            "label": text_in(metadata.app(session, app).label, viewer.language) or app,
            "cells": [
                [a for a in WHOLE_APP_ACTIONS if any(a in g.actions for g in grants)]
                for _role, grants in granted
            ],
        }
    ]
    for definition in metadata.list_definitions(session, app, kind=Kind.FORM):
        if definition.latest_version is None:
            continue
        cells = []
        for _role, grants in granted:
            covering = [g for g in grants if g.covers(app, definition.key)]
            actions = [a for a in FORM_ACTIONS if any(a in g.actions for g in covering)]
            scopes = sorted(
                {
                    scope if isinstance(scope, str) else "rule"
                    for g in covering
                    if (scope := g.scope_for("read")) is not None
                }
            )
            cells.append({"actions": actions, "scopes": scopes})
        rows.append(
            {
                "form": definition.key,
                "label": text_in((definition.draft or {}).get("label"), viewer.language)
                or definition.key,
                "cells": cells,
            }
        )
    return [role for role, _grants in granted], rows


# ---------------------------------------------------------------- the app bundle


@dataclass(frozen=True, slots=True)
class SentBundle:
    """The import form as sent: the bundle (an uploaded file, or the checked one sent back)."""

    text: bytes
    csrf: str
    apply: bool


async def sent_bundle(request: Request) -> SentBundle:
    limit = request.app.state.settings.max_import_bytes
    async with request.form(max_files=1, max_fields=MAX_BUNDLE_FIELDS, max_part_size=limit) as sent:
        upload = sent.get("file")
        if upload is not None and not isinstance(upload, str):
            text = await upload.read()
        else:
            text = str(sent.get("bundle") or "").encode("utf-8")
        return SentBundle(text, str(sent.get("csrf_token") or ""), sent.get("action") == "apply")


SentBundleDep = Annotated[SentBundle, Depends(sent_bundle)]


@router.post("/apps/{app}/design/settings/import", response_model=None)
def import_bundle(
    request: Request, session: SessionDep, app: AppKey, sent: SentBundleDep
) -> Response:
    """Check an uploaded bundle (a dry run: what it would add, change and publish), or import
    the checked one as it was sent back."""
    viewer = _designer(request, session, app, csrf=sent.csrf)
    text = sent.text.decode("utf-8", errors="replace")
    try:
        document = parsed_bundle(sent.text)
        outcome = request.app.state.bundles.import_bundle(
            session, viewer.actor, document, dry_run=not sent.apply
        )
    except PlatformError as exc:
        session.rollback()
        return settings_view(
            request, session, viewer, app, problem=exc, section="bundle", bundle=text
        )
    if not sent.apply:
        return settings_view(request, session, viewer, app, outcome=outcome, bundle=text)
    session.commit()
    return RedirectResponse(
        f"/apps/{outcome.app}/design/settings?done=imported#bundle", status_code=303
    )


def parsed_bundle(raw: bytes) -> Any:
    """The uploaded file as JSON (read strictly, as the API reads it), or why it is not."""
    if not raw.strip():
        raise Invalid(
            "choose a bundle file (.json, as downloaded from an app's settings)",
            code="validation_failed",
            zh_cn="请选择应用包文件（.json，即从应用设置中下载的文件）",
            errors=[ErrorItem("", "required", "no file was chosen")],
        )
    try:
        return jsonio.loads(raw)
    except jsonio.JsonError as exc:
        raise Invalid(
            f"the file is not a bundle: {exc.message}",
            code=exc.code,
            zh_cn=f"该文件不是应用包：{exc.message}",
            errors=[ErrorItem(exc.pointer, exc.code, exc.message)],
        ) from None
