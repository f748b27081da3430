"""Who someone may name where a page asks for a user (a task handed over, delegated or given
to someone else; whose tasks an administrator lists or hands over): the active users whose
user name or display name holds what has been typed, as the options of the input's datalist.

The input sends what has been typed under its own name (``to``, ``from``, ``assignee``, ...),
so the options answer the first query value that is not blank. A member field's suggestions
(``forms.py``) name the same people: any signed-in user may look them up."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from brickwork.platform.api.deps import SessionDep
from brickwork.platform.web.views import render, viewer_of

router = APIRouter(include_in_schema=False)
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
