"""Users on pages: named by their display names (``Names``), and suggested where a page asks
for one (a task handed over, delegated or given to someone else; whose tasks an administrator
lists or hands over): the active users whose user name or display name holds what has been
typed, as the options of the input's datalist.

The input sends what has been typed under its own name (``to``, ``from``, ``assignee``, ...),
so the options answer the first query value that is not blank. A member field's suggestions
(``forms.py``) name the same people: any signed-in user may look them up."""

from __future__ import annotations

from collections.abc import Iterable

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from brickwork.platform.api.deps import SessionDep
from brickwork.platform.web.i18n import translations
from brickwork.platform.web.views import render, viewer_of

router = APIRouter(include_in_schema=False)
SYSTEM = "system"
"""Who the platform records for what nobody did by hand (an SLA's decision, an audit job)."""
PACK_PREFIX = "pack:"
"""Who installed a template pack's sample data (`pack:credit`)."""
MAX_OPTIONS = 20
MAX_TYPED = 128
"""Longer than any user name or display name: nobody matches."""


@router.get("/people/options", response_model=None)
def people_options(request: Request, session: SessionDep) -> Response:
    viewer = viewer_of(request, session)
    typed = next((value.strip() for value in request.query_params.values() if value.strip()), "")
    people: list[dict[str, str]] = []
    if typed and len(typed) <= MAX_TYPED and "\x00" not in typed:
        repo = request.app.state.identities.repo
        users, _total = repo.search_users(session, q=typed, status="active", limit=MAX_OPTIONS)
        people = [
            {"value": user.username, "label": user.display_name or user.username} for user in users
        ]
    return render(request, "_people_options.html", {"people": people}, viewer=viewer)


class Names:
    """The display names of the users a page names by user name (who started a flow, who holds
    a task, who took a step, who changed a record), read in one query. The platform's own
    actors read as such in ``language`` (the system; a template pack's sample data); any other
    name no user has reads as it is."""

    def __init__(
        self, request: Request, session: Session, usernames: Iterable[str | None], language: str
    ) -> None:
        repo = request.app.state.identities.repo
        self.names: dict[str, str] = repo.display_names(session, {u for u in usernames if u})
        self.gettext = translations(language).gettext

    def __call__(self, username: str | None) -> str:
        if not username:
            return ""
        if username in self.names:
            return self.names[username]
        if username == SYSTEM:
            return self.gettext("System")
        if username.startswith(PACK_PREFIX):
            return self.gettext("Template pack %(pack)s") % {"pack": username[len(PACK_PREFIX) :]}
        return username
