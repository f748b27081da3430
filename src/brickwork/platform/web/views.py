"""What every page needs: who is looking (from the session cookie, as the API authenticates),
the page's language, rendering with the shell, the page's Content-Security-Policy, and a
refusal shown as a page (a sign-in page for whoever is not signed in).

Pages are server-rendered (Jinja2, autoescaped). Scripts and styles come only from this
server (`script-src 'self'`, no inline script or style, no eval: Alpine runs its CSP build).
A form that changes something carries the session's CSRF token (a hidden field, or the
header htmx adds from the page's meta tag), checked exactly as the API checks it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup
from sqlalchemy.orm import Session

from brickwork import jsonio
from brickwork.engines.form.elements import label_text
from brickwork.platform.auth.actor import Actor
from brickwork.platform.auth.credentials import csrf_for
from brickwork.platform.auth.deps import CSRF_HEADER, SAFE_METHODS, SESSION_COOKIE, client_ip
from brickwork.platform.auth.identity import Identity
from brickwork.platform.auth.roles import AUDIT_ADMIN, SECURITY_ADMIN, SYSTEM_ADMIN
from brickwork.platform.auth.service import IdentityService
from brickwork.platform.errors import PlatformError, Unauthorized
from brickwork.platform.web.i18n import LANGUAGES, language_of, translations

PAGE_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
TEMPLATE_DIR = Path(__file__).parent / "templates"


@cache
def environment(language: str) -> Environment:
    """The templates in `language` (one environment per language, templates compiled once)."""
    made = Environment(
        loader=FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=select_autoescape(("html",)),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    made.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]
    made.filters["exactjson"] = exact_json
    made.filters["said"] = lambda problem: said(problem, language)
    return made


def said(problem: Any, language: str) -> str:
    """What a refusal says in `language` (a platform error's Chinese text where it has one);
    anything else with a message, its message."""
    if isinstance(problem, PlatformError):
        return problem.text(language)
    if isinstance(problem, dict):
        return str(problem.get("message", ""))
    return str(getattr(problem, "message", problem))


def exact_json(value: Any) -> Markup:
    """`tojson` for what drafts hold: exact decimals (as the API writes them) and ISO dates,
    safe inside an HTML attribute or script element."""
    return htmlsafe_json_dumps(value, dumps=lambda given, **_options: jsonio.dumps(given))


class SignInFirst(Exception):
    """The page needs a signed-in user: answered with a redirect to the sign-in page."""


class PasswordChangeFirst(Exception):
    """The user must change their password before anything else."""


@dataclass(frozen=True, slots=True)
class Viewer:
    identity: Identity
    actor: Actor
    language: str
    csrf: str
    todo: Callable[[], int] = lambda: 0
    """How many tasks wait in the viewer's inbox: asked only by a page that shows the top bar
    (never by fragments such as the checks of a form as it is typed)."""
    unread: Callable[[], int] = lambda: 0
    """How many of the viewer's notifications are unread (asked as `todo` is)."""

    @property
    def username(self) -> str:
        return self.identity.user.username

    @property
    def administers(self) -> bool:
        """Whether the viewer holds an administrator role with pages here."""
        return any(self.actor.holds(role) for role in (SECURITY_ADMIN, AUDIT_ADMIN, SYSTEM_ADMIN))

    @property
    def display_name(self) -> str:
        return self.identity.user.display_name or self.identity.user.username


def viewer_of(request: Request, session: Session, *, csrf: str | None = None) -> Viewer:
    """The signed-in user of a page (a browser session, never an API token). Unsafe methods
    must carry the session's CSRF token (the form's `csrf_token` field, or the header)."""
    service: IdentityService = request.app.state.identities
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise SignInFirst
    sent = request.headers.get(CSRF_HEADER) or csrf
    try:
        identity = service.authenticate_session(
            session, token, csrf_token=sent, require_csrf=request.method not in SAFE_METHODS
        )
    except Unauthorized as exc:
        if exc.code == "csrf_failed":
            raise
        raise SignInFirst from None
    if identity.user.must_change_password:
        raise PasswordChangeFirst
    language = language_of(request)
    actor = identity.actor(
        ip=client_ip(request),
        request_id=getattr(request.state, "request_id", None),
        locale=language,
    )
    request.state.actor = actor
    runs = request.app.state.runs
    notices = request.app.state.notifications
    return Viewer(
        identity,
        actor,
        language,
        csrf_for(token),
        lambda: runs.open_tasks(session, actor),
        lambda: notices.unread(session, actor),
    )


def render(
    request: Request,
    name: str,
    context: dict[str, Any],
    *,
    viewer: Viewer | None = None,
    status: int = 200,
) -> HTMLResponse:
    """A page (or, for htmx, a fragment) in the viewer's language, with the page policy."""
    language = viewer.language if viewer is not None else language_of(request)
    template = environment(language).get_template(name)
    html = template.render(
        request=request,
        viewer=viewer,
        language=language,
        languages=LANGUAGES,
        label=lambda value: text_in(value, language),
        here=request.url.path + (f"?{request.url.query}" if request.url.query else ""),
        **context,
    )
    return HTMLResponse(html, status_code=status, headers={"Content-Security-Policy": PAGE_POLICY})


def text_in(value: Any, language: str) -> str:
    """A label (a string, `{"zh-CN": ..., "en": ...}` or a label model) in `language`."""
    if value is None:
        return ""
    if isinstance(value, dict):
        other = "en" if language == "zh-CN" else "zh-CN"
        return str(value.get(language) or value.get(other) or "")
    if isinstance(value, str):
        return value
    return label_text(value, "zh-CN" if language == "zh-CN" else "en")


def sign_in_redirect(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path on this server only (never another host)."""
    if not target:
        return "/apps"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/apps"
    return target


def is_page(request: Request) -> bool:
    path = request.url.path
    return not (path.startswith("/api/") or path.startswith("/static/"))


def error_page(request: Request, error: PlatformError, status: int) -> Response:
    """A refusal or failure on a page, as a page: what happened and what to do."""
    if status == 401:
        return sign_in_redirect(request)
    return render(
        request,
        "error.html",
        {"status": status, "code": error.code, "message": error.text(language_of(request))},
        viewer=None,
        status=status,
    )
