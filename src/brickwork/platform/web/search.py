"""Search across every form the user may read: the words in any searchable text field the user
sees in clear (never a masked or hidden one), a few records per form with a link to the whole
list of matches. Each form is searched through `RecordService.search`, as its own list is: the
same row scope, field levels and audit of reads.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from brickwork.platform.api.deps import SessionDep
from brickwork.platform.auth.policy import FieldLevel
from brickwork.platform.errors import PlatformError
from brickwork.platform.web.pages import apps_of
from brickwork.platform.web.records import LISTED_TYPES, SEARCHED_TYPES, combined, shown
from brickwork.platform.web.views import render, text_in, viewer_of

router = APIRouter(include_in_schema=False)
PER_FORM = 5
SHOWN_FIELDS = 3


@router.get("/search", response_model=None)
def search_page(
    request: Request, session: SessionDep, q: Annotated[str, Query(max_length=200)] = ""
) -> Response:
    viewer = viewer_of(request, session)
    records = request.app.state.records
    words = q.strip()
    groups: list[dict[str, Any]] = []
    if words:
        for entry in apps_of(request, session, viewer):
            app = entry["app"]
            for definition in entry["forms"]:
                published = records.form(session, app.key, definition.key)
                access = records.access(session, viewer.actor, published, "read")
                fields = [
                    item
                    for item in published.definition.fields
                    if item.type in LISTED_TYPES
                    and access.levels.get(item.key) != FieldLevel.HIDDEN
                ]
                searched = [
                    item
                    for item in fields
                    if item.type in SEARCHED_TYPES
                    and access.levels.get(item.key) != FieldLevel.MASKED
                ]
                if not searched:
                    continue
                try:
                    found = records.search(
                        session,
                        viewer.actor,
                        app.key,
                        definition.key,
                        filter_=combined(words, "", searched, access),
                        limit=PER_FORM,
                        total="auto",
                    )
                except PlatformError:
                    continue  # a form this user cannot search now: the others still answer
                if not found.items:
                    continue
                columns = fields[:SHOWN_FIELDS]
                groups.append(
                    {
                        "app": app.key,
                        "app_label": text_in(app.label, viewer.language) or app.key,
                        "form": definition.key,
                        "form_label": text_in(
                            (definition.draft or {}).get("label"), viewer.language
                        )
                        or definition.key,
                        "columns": [text_in(c.label, viewer.language) or c.key for c in columns],
                        "rows": [
                            {
                                "id": item["id"],
                                "cells": [
                                    shown(item.get(c.key), c, access, viewer.language)
                                    for c in columns
                                ],
                            }
                            for item in found.items
                        ],
                        "total": found.total,
                        "exact": found.total_exact,
                    }
                )
    return render(request, "search.html", {"q": q, "groups": groups}, viewer=viewer)
