"""The blocks designer of a flow (DingTalk-style approval builder): the flow as a column of
cards from the start to the end, approvals, fill-in tasks and CCs in order, branches side by
side, each card's properties in a side panel.

The page holds the block document (`brickwork.engines.flow.blocks`) and saves it with
`POST /apps/{app}/design/flows/{key}/blocks`: the document is compiled to the flow's graph,
kept as the definition's draft (its label, description, form and settings unchanged; a stale
revision is refused) and judged as publishing would judge it, each problem placed on its card.
Blocks that do not compile (a condition branch without its condition) are not saved and say
why on their cards.
A draft whose graph is not of that shape is said so, with the reason, and left to the canvas.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from brickwork.engines.flow import FlowDefinitionError, NotBlocks, card_of, to_blocks, to_graph
from brickwork.platform.api.deps import SessionDep
from brickwork.platform.errors import Conflict, ErrorItem, PlatformError
from brickwork.platform.metadata.schemas import DraftUpdate, Kind
from brickwork.platform.runs.definitions import describe
from brickwork.platform.vocabulary import KEY_PATTERN
from brickwork.platform.web.designer import designs
from brickwork.platform.web.expressions import raw_body
from brickwork.platform.web.params import AppKey
from brickwork.platform.web.records import navigation
from brickwork.platform.web.views import PAGE_POLICY, render, text_in, viewer_of

router = APIRouter(include_in_schema=False)
FlowKey = Annotated[str, Path(pattern=KEY_PATTERN)]
MAX_BODY = 512 * 1024


class BadBlocks(Exception):
    """A save request the page cannot read: a stable code, a sentence, and problems with
    pointers into the request."""

    def __init__(self, code: str, message: str, problems: list[dict[str, Any]] | None = None):
        super().__init__(message)
        self.code, self.message, self.problems = code, message, problems or []


def _fields(request: Request, session: Session, app: str, form: str, language: str) -> list[Any]:
    """The bound form's fields as its draft holds them: key, type and label (for assignees
    that name a member or department field)."""
    try:
        row = request.app.state.metadata.definition(session, app, Kind.FORM, form)
    except PlatformError:
        return []
    fields = ((row.draft or {}).get("spec") or {}).get("fields") or []
    return [
        {
            "key": field["key"],
            "type": str(field.get("type")),
            "label": text_in(field.get("label"), language) or field["key"],
        }
        for field in fields
        if isinstance(field, Mapping) and isinstance(field.get("key"), str)
    ]


def _spec_of(row: Any) -> dict[str, Any]:
    spec = (row.draft or {}).get("spec")
    return dict(spec) if isinstance(spec, Mapping) else {}


def _cards(blocks: Mapping[str, Any], spec: Mapping[str, Any]) -> dict[str, str]:
    """JSON pointer of each node and edge of the compiled spec (`/spec/nodes/3`) -> its card."""
    found: dict[str, str] = {}
    for part in ("nodes", "edges"):
        for index in range(len(spec.get(part) or [])):
            card = card_of(blocks, spec, f"/{part}/{index}")
            if card is not None:
                found[f"/spec/{part}/{index}"] = card
    return found


def _judged(
    request: Request,
    session: Session,
    app: str,
    blocks: Mapping[str, Any],
    spec: Any,
    language: str,
) -> list[dict[str, Any]]:
    """What publishing the spec would refuse, each problem (in `language`) with the card it is
    about."""
    problems = request.app.state.runs.compiler.problems(session, app, spec)
    return [_on_card(item, blocks, spec, language) for item in problems]


def _on_card(
    item: ErrorItem, blocks: Mapping[str, Any], spec: Any, language: str
) -> dict[str, Any]:
    inner = item.pointer.removeprefix("/spec")
    card = card_of(blocks, spec, inner) if inner != item.pointer else None
    return {**item.as_dict(language), "card": card}


def _card_at(blocks: Any, pointer: str) -> str | None:
    """The card a pointer into the block document is about: the innermost step or branch on
    its way (`/steps/1/branches/0/condition` -> that branch)."""
    found: str | None = None
    here: Any = blocks
    for part in pointer.strip("/").split("/"):
        if isinstance(here, list) and part.isdigit() and int(part) < len(here):
            here = here[int(part)]
        elif isinstance(here, Mapping) and part in here:
            here = here[part]
        else:
            break
        if isinstance(here, Mapping) and isinstance(here.get("id"), str):
            found = here["id"]
    return found


@router.get("/apps/{app}/design/flows/{key}/blocks", response_model=None)
def blocks_page(request: Request, session: SessionDep, app: AppKey, key: FlowKey) -> Response:
    """The flow's draft as blocks, or why it is not block-shaped (then the canvas edits it)."""
    viewer = viewer_of(request, session)
    found = designs(request, session, viewer, app)
    metadata = request.app.state.metadata
    row = metadata.definition(session, app, Kind.FLOW, key)
    spec = _spec_of(row)
    form_key = spec.get("form") if isinstance(spec.get("form"), str) else ""
    blocks: dict[str, Any] | None = None
    reason: NotBlocks | None = None
    problems: list[dict[str, Any]] = []
    try:
        blocks = to_blocks(spec)
    except NotBlocks as exc:
        reason = exc
    if blocks is not None:
        problems = _judged(request, session, app, blocks, spec, viewer.language)
    fields = _fields(request, session, app, form_key, viewer.language) if form_key else []
    roles = sorted(request.app.state.runs.compiler.environment(session, app, form_key).roles)
    return render(
        request,
        "design/flow_blocks.html",
        {
            "app": app,
            "key": key,
            "row": row,
            "draft": row.draft or {},
            "form_key": form_key,
            "blocks": blocks,
            "reason": reason,
            "problems": problems,
            "cards": _cards(blocks, spec) if blocks is not None else {},
            "fields": fields,
            "roles": roles,
            "approval": bool(found.publish_approval),
            "nav": navigation(request, session, viewer, app),
            "designer": True,
        },
        viewer=viewer,
    )


def _answer(content: dict[str, Any], status: int = 200) -> JSONResponse:
    return JSONResponse(content, status, headers={"Content-Security-Policy": PAGE_POLICY})


def _sent(raw: bytes) -> tuple[Any, int | None]:
    """The block document and the base revision of a save."""
    if len(raw) > MAX_BODY:
        raise BadBlocks("too_large", f"send at most {MAX_BODY} bytes")
    try:
        body = json.loads(raw or b"{}")
    except ValueError:
        raise BadBlocks("bad_json", "send a JSON object") from None
    if not isinstance(body, dict) or "blocks" not in body:
        raise BadBlocks("bad_json", 'send {"blocks": {...}, "base_revision": n}')
    revision = body.get("base_revision")
    if revision is not None and (type(revision) is not int or revision < 1):
        raise BadBlocks(
            "bad_revision",
            "`base_revision` is the draft revision the page started from",
            [{"pointer": "/base_revision", "code": "bad_revision", "message": "a whole number"}],
        )
    return body["blocks"], revision


@router.post("/apps/{app}/design/flows/{key}/blocks", response_model=None)
def save_blocks(
    request: Request,
    session: SessionDep,
    app: AppKey,
    key: FlowKey,
    raw: Annotated[bytes, Depends(raw_body)],
) -> Response:
    """Compile the block document sent to the flow's graph and keep it as the draft; answer
    the new revision, the blocks as saved and the problems publishing would find, on cards.
    Blocks that cannot be compiled are not saved (`"saved": false`, their problems with
    pointers into the document and cards); a request that is not a block document at all is
    refused (422), a stale revision too (409)."""
    viewer = viewer_of(request, session)
    designs(request, session, viewer, app)
    metadata = request.app.state.metadata
    row = metadata.definition(session, app, Kind.FLOW, key)
    draft = row.draft or {}
    spec = _spec_of(row)
    try:
        blocks, revision = _sent(raw)
    except BadBlocks as exc:
        return _answer({"code": exc.code, "message": exc.message, "problems": exc.problems}, 422)
    try:
        compiled = to_graph(
            blocks,
            form=str(spec.get("form") or ""),
            settings=spec.get("settings") if isinstance(spec.get("settings"), Mapping) else None,
        )
    except FlowDefinitionError as exc:
        # An unfinished edit (a branch without its condition): said on the cards, not an error
        # of the request, and the draft stays as it was.
        return _answer(
            {
                "saved": False,
                "code": "blocks_invalid",
                "message": "the blocks cannot be saved as they are; see the problems on the cards",
                "draft_revision": row.draft_revision,
                "problems": [
                    {
                        "pointer": p.pointer,
                        "code": p.code,
                        "message": describe(p, viewer.language),
                        "card": _card_at(blocks, p.pointer),
                    }
                    for p in exc.problems
                ],
            }
        )
    try:
        data = DraftUpdate(
            label=draft.get("label") or key,
            description=draft.get("description") or "",
            spec=compiled,
            base_revision=revision,
        )
    except ValidationError as exc:
        return _answer({"code": "bad_draft", "message": str(exc), "problems": []}, 422)
    try:
        row = metadata.update_draft(session, viewer.actor, app, Kind.FLOW, key, data)
    except Conflict as exc:
        session.rollback()
        return _answer(
            {"code": exc.code, "message": exc.text(viewer.language), "problems": []}, 409
        )
    saved = _spec_of(row)
    return _answer(
        {
            "saved": True,
            "draft_revision": row.draft_revision,
            "blocks": to_blocks(saved),
            "problems": _judged(request, session, app, blocks, saved, viewer.language),
            "cards": _cards(blocks, saved),
        }
    )
