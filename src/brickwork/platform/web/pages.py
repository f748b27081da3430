"""Pages of the runtime app: sign-in, password change, sign-out, the language switch and the
launcher (the apps and forms the user may use)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import parse_qsl, urlsplit

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from brickwork.platform.api.deps import SessionDep
from brickwork.platform.auth.credentials import csrf_for
from brickwork.platform.auth.deps import SESSION_COOKIE, client_ip, cookie_options
from brickwork.platform.auth.service import IdentityService
from brickwork.platform.errors import (
    Forbidden,
    Invalid,
    PlatformError,
    Unauthorized,
    UnsupportedMediaType,
)
from brickwork.platform.metadata import navigation as menus
from brickwork.platform.metadata.schemas import Kind
from brickwork.platform.web.i18n import LANGUAGE_COOKIE, LANGUAGES, language_of, translations
from brickwork.platform.web.views import (
    SignInFirst,
    Viewer,
    render,
    safe_next,
    viewer_of,
)

router = APIRouter(include_in_schema=False)
FORM_TYPE = "application/x-www-form-urlencoded"
MAX_FIELD = 4000


async def form_lists(request: Request) -> dict[str, list[str]]:
    """A submitted HTML form's fields (URL-encoded), each with all its values (multi-selects
    repeat), each value at most 4,000 characters."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != FORM_TYPE:
        raise UnsupportedMediaType(
            f"send the form as {FORM_TYPE}",
            code="unsupported_media_type",
            zh_cn=f"请以 {FORM_TYPE} 格式提交表单",
        )
    body = (await request.body()).decode("utf-8", errors="replace")
    found: dict[str, list[str]] = {}
    for key, value in parse_qsl(body, keep_blank_values=True):
        found.setdefault(key, []).append(value[:MAX_FIELD])
    return found


async def form_fields(request: Request) -> dict[str, str]:
    """The same, with the last value of each field."""
    return {key: values[-1] for key, values in (await form_lists(request)).items()}


FormDep = Annotated[dict[str, str], Depends(form_fields)]


def require_same_origin(request: Request) -> None:
    """A form sent before there is a session (sign-in, language) carries no CSRF token; a
    browser names the page it came from, which must be this server (no signing a victim in to
    an account of the attacker's from another site)."""
    origin = request.headers.get("origin")
    fetched = request.headers.get("sec-fetch-site")
    if fetched is not None and fetched not in ("same-origin", "none"):
        raise Forbidden(
            "send this form from this server's pages",
            code="cross_site_form",
            zh_cn="请从本系统的页面提交此表单",
        )
    if origin and origin != "null" and urlsplit(origin).netloc != request.url.netloc:
        raise Forbidden(
            "send this form from this server's pages",
            code="cross_site_form",
            zh_cn="请从本系统的页面提交此表单",
        )


def optional_viewer(request: Request, session: Session) -> Viewer | None:
    try:
        return viewer_of(request, session)
    except SignInFirst:
        return None


@router.get("/", response_model=None)
def home(request: Request, session: SessionDep) -> Response:
    """Signed in: the launcher. Otherwise the sign-in page."""
    if optional_viewer(request, session) is not None:
        return RedirectResponse("/apps", status_code=303)
    return sign_in_page(request)


@router.get("/login", response_model=None)
def login_page(
    request: Request,
    session: SessionDep,
    next_page: Annotated[str | None, Query(alias="next", max_length=2000)] = None,
) -> Response:
    if optional_viewer(request, session) is not None:
        return RedirectResponse(safe_next(next_page), status_code=303)
    return sign_in_page(request, next_page=next_page)


def sign_in_page(
    request: Request,
    *,
    next_page: str | None = None,
    username: str = "",
    error: PlatformError | None = None,
    ask_code: bool = False,
) -> HTMLResponse:
    return render(
        request,
        "login.html",
        {
            "next_page": safe_next(next_page),
            "username": username,
            "error": error,
            "ask_code": ask_code,
        },
    )


@router.post("/login", response_model=None)
def login(request: Request, session: SessionDep, form: FormDep) -> Response:
    """Sign in with the form's name, password and (when the role asks for it) the code of the
    authenticator app; the same checks, lockout and audit as the API's sign-in."""
    require_same_origin(request)
    service: IdentityService = request.app.state.identities
    username = form.get("username", "").strip()
    code = form.get("otp", "").strip() or None
    outcome = service.login(
        session,
        username,
        form.get("password", ""),
        ip=client_ip(request),
        user_agent=request.headers.get("user-agent"),
        request_id=getattr(request.state, "request_id", None),
        otp=code,
    )
    next_page = form.get("next")
    if outcome.refusal is not None:
        session.commit()  # the failed attempt (counter, lock, audit event) outlives the answer
        refusal = outcome.refusal
        ask = refusal.code in ("mfa_required", "mfa_invalid") or code is not None
        # the form again, with what went wrong: a page for a person, not an API status
        return sign_in_page(
            request, next_page=next_page, username=username, error=refusal, ask_code=ask
        )
    sign_in = outcome.sign_in
    assert sign_in is not None
    target = "/password" if sign_in.user.must_change_password else safe_next(next_page)
    response = RedirectResponse(target, status_code=303)
    max_age = int(service.config.session_lifetime.total_seconds())
    response.set_cookie(
        SESSION_COOKIE, sign_in.session_token, max_age=max_age, **cookie_options(request)
    )
    return response


@router.post("/logout", response_model=None)
def logout(request: Request, session: SessionDep, form: FormDep) -> Response:
    viewer = viewer_of(request, session, csrf=form.get("csrf_token"))
    service: IdentityService = request.app.state.identities
    service.logout(session, viewer.actor, viewer.identity)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, **cookie_options(request))
    return response


@router.post("/language", response_model=None)
def choose_language(request: Request, form: FormDep) -> Response:
    """Switch the UI's language (kept in a cookie for a year), back to the same page."""
    require_same_origin(request)
    chosen = form.get("language")
    response = RedirectResponse(safe_next(form.get("next")), status_code=303)
    if chosen in LANGUAGES:
        response.set_cookie(
            LANGUAGE_COOKIE,
            chosen,
            max_age=365 * 24 * 3600,
            **{**cookie_options(request), "httponly": False},
        )
    return response


@router.get("/password", response_model=None)
def password_page(request: Request, session: SessionDep) -> Response:
    identity = password_identity(request, session)
    return render(
        request,
        "password.html",
        {"forced": identity.user.must_change_password, "error": None, "csrf": csrf_of(request)},
    )


@router.post("/password", response_model=None)
def change_password(request: Request, session: SessionDep, form: FormDep) -> Response:
    """A new password under the password policy; the user stays signed in."""
    identity = password_identity(request, session, csrf=form.get("csrf_token"))
    service: IdentityService = request.app.state.identities
    actor = identity.actor(ip=client_ip(request), locale=language_of(request))
    new = form.get("new_password", "")
    try:
        if new != form.get("repeat_password", ""):
            said = translations(language_of(request)).gettext("the two new passwords differ")
            raise Invalid(said, code="password_mismatch", zh_cn="两次输入的新密码不一致")
        service.change_password(
            session,
            actor,
            identity.user,
            current_password=form.get("password", ""),
            new_password=new,
            keep_session=identity.session_id,
        )
    except PlatformError as exc:
        session.rollback()
        return render(
            request,
            "password.html",
            {"forced": identity.user.must_change_password, "error": exc, "csrf": csrf_of(request)},
        )
    return RedirectResponse("/apps", status_code=303)


def csrf_of(request: Request) -> str:
    return csrf_for(request.cookies.get(SESSION_COOKIE, ""))


def password_identity(request: Request, session: Session, *, csrf: str | None = None) -> Any:
    """Whoever is signed in, also while a password change is due."""
    service: IdentityService = request.app.state.identities
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise SignInFirst
    try:
        return service.authenticate_session(
            session, token, csrf_token=csrf, require_csrf=request.method != "GET"
        )
    except Unauthorized as exc:
        if exc.code == "csrf_failed":
            raise
        raise SignInFirst from None


@router.get("/apps", response_model=None)
def launcher(request: Request, session: SessionDep) -> Response:
    """The apps the user reaches, each with the forms they may read, its reports and
    dashboards."""
    viewer = viewer_of(request, session)
    return render(
        request, "launcher.html", {"apps": apps_of(request, session, viewer)}, viewer=viewer
    )


def apps_of(
    request: Request, session: Session, viewer: Viewer, *, only: str | None = None
) -> list[dict[str, Any]]:
    """Each app the viewer reaches (or just `only`) with its published forms they may read, its
    reports and dashboards, its menu of them as the analyst arranged it, and whether they design
    it. Every page's navigation asks this: the viewer's grants are read once, and each form is
    checked against them (no form is loaded)."""
    metadata = request.app.state.metadata
    permissions = metadata.permissions
    principal = permissions.principal(session, viewer.actor)
    found = []
    apps = metadata.list_apps(session)
    if only is not None:
        apps = [app for app in apps if app.key == only]
    for app in apps:
        if not permissions.sees_app(principal, app.key):
            continue
        forms, reports, dashboards = [], [], []
        for definition in metadata.list_definitions(session, app.key):
            if definition.latest_version is None:
                continue
            if definition.kind == Kind.FORM:
                if permissions.denial(principal, "read", app.key, definition.key) is None:
                    forms.append(definition)
            elif definition.kind == Kind.REPORT:
                reports.append(definition)
            elif definition.kind == Kind.DASHBOARD:
                dashboards.append(definition)
        design = permissions.denial(principal, "design", app.key) is None
        administer = permissions.denial(principal, "admin", app.key) is None
        if forms or reports or dashboards or design or administer:
            found.append(
                {
                    "app": app,
                    "forms": forms,
                    "reports": reports,
                    "dashboards": dashboards,
                    "menu": menus.arrange(
                        menus.parsed(app.navigation),
                        {
                            "form": [(d.key, d) for d in forms],
                            "report": [(d.key, d) for d in reports],
                            "dashboard": [(d.key, d) for d in dashboards],
                        },
                    ),
                    "design": design,
                    "administer": administer,
                }
            )
    return found
