"""HTTP endpoints of the metadata store (thin: parse, call the service, shape the reply)."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel

from brickwork.platform.api.body import (
    json_body,
    json_document,
    openapi_body,
    optional_json_body,
)
from brickwork.platform.api.deps import SessionDep
from brickwork.platform.api.responses import ExactJSONResponse, reply_document
from brickwork.platform.auth.deps import ActorDep
from brickwork.platform.errors import BadRequest, Conflict
from brickwork.platform.metadata.approvals import PublishApprovals, decided, request_out
from brickwork.platform.metadata.bundle import BundleService
from brickwork.platform.metadata.schemas import (
    AppCreate,
    AppNavigation,
    AppOut,
    AppUpdate,
    Decision,
    DefinitionCreate,
    DefinitionOut,
    DiffOut,
    DraftUpdate,
    ImportOutcome,
    Kind,
    PublishRequest,
    PublishRequestCreate,
    ValidationReport,
    VersionOut,
)
from brickwork.platform.metadata.service import MetadataService, VersionRef, kind_zh, status_of
from brickwork.platform.models import Application, Definition, DefinitionVersion
from brickwork.platform.vocabulary import KEY_PATTERN

router = APIRouter(prefix="/apps", tags=["metadata"])
BODY_MODELS: tuple[type[BaseModel], ...] = (
    AppCreate,
    AppNavigation,
    AppUpdate,
    DefinitionCreate,
    DraftUpdate,
    PublishRequest,
)
"""Bodies read strictly (``api/body.py``): their schemas are published in the OpenAPI document."""

AppKey = Annotated[str, Path(pattern=KEY_PATTERN, description="The app's key")]
DefKey = Annotated[str, Path(pattern=KEY_PATTERN, description="The definition's key")]
VersionNumber = Annotated[
    int, Path(ge=1, le=2_147_483_647, description="A published version's number")
]
PROBLEM = {"model": None, "description": "Problem (application/problem+json)"}
ERRORS: dict[int | str, dict[str, Any]] = {
    400: PROBLEM,
    401: PROBLEM,
    403: PROBLEM,
    404: PROBLEM,
    409: PROBLEM,
    413: PROBLEM,
    415: PROBLEM,
    422: PROBLEM,
}


async def metadata(request: Request) -> MetadataService:
    service: MetadataService = request.app.state.metadata
    return service


def bundles(request: Request) -> BundleService:
    service: BundleService = request.app.state.bundles
    return service


MetadataDep = Annotated[MetadataService, Depends(metadata)]
BundleDep = Annotated[BundleService, Depends(bundles)]


def app_out(app: Application) -> dict[str, Any]:
    return {
        "id": app.id,
        "key": app.key,
        "label": app.label,
        "description": app.description,
        "created_at": app.created_at,
        "created_by": app.created_by,
        "updated_at": app.updated_at,
        "updated_by": app.updated_by,
        "archived_at": app.archived_at,
        "publish_approval": app.publish_approval,
    }


def definition_out(
    service: MetadataService,
    session: Any,
    app_key: str,
    row: Definition,
    *,
    with_problems: bool = True,
    locale: str | None = None,
) -> dict[str, Any]:
    """One definition; ``with_problems`` runs the kind's validators (a list leaves that out:
    validating a form compiles all its expressions, too much work for every row of a list),
    their messages in ``locale`` where they have its text."""
    out = {
        "id": row.id,
        "app": app_key,
        "kind": row.kind,
        "key": row.key,
        "status": status_of(row),
        "draft": row.draft,
        "draft_revision": row.draft_revision,
        "latest_version": row.latest_version,
        "draft_differs": service.draft_differs(session, row),
        "created_at": row.created_at,
        "created_by": row.created_by,
        "updated_at": row.updated_at,
        "updated_by": row.updated_by,
        "archived_at": row.archived_at,
    }
    if with_problems:
        out["problems"] = [p.as_dict(locale) for p in service.problems(row)]
    return out


def version_out(version: DefinitionVersion, *, with_body: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "version": version.version,
        "checksum": version.checksum,
        "published_at": version.published_at,
        "published_by": version.published_by,
        "note": version.note,
    }
    if with_body:
        out["body"] = version.body
    return out


# ---------------------------------------------------------------- apps


@router.get("", response_model=list[AppOut], response_class=ExactJSONResponse, responses=ERRORS)
def list_apps(
    session: SessionDep, actor: ActorDep, service: MetadataDep, include_archived: bool = False
) -> ExactJSONResponse:
    """The apps any of the actor's grants reach."""
    apps = service.list_apps(session, include_archived=include_archived)
    return reply_document([app_out(a) for a in service.readable_apps(session, actor, apps)])


@router.post(
    "",
    status_code=201,
    response_model=AppOut,
    responses=ERRORS,
    openapi_extra=openapi_body(AppCreate),
)
def create_app(
    session: SessionDep,
    actor: ActorDep,
    service: MetadataDep,
    body: Annotated[AppCreate, Depends(json_body(AppCreate))],
) -> ExactJSONResponse:
    return reply_document(app_out(service.create_app(session, actor, body)), 201)


@router.post(
    "/import",
    response_model=ImportOutcome,
    responses=ERRORS,
    openapi_extra=openapi_body(
        schema={"type": "object", "description": "An app bundle (see export)"}
    ),
)
def import_bundle(
    session: SessionDep,
    actor: ActorDep,
    bundle_service: BundleDep,
    document: Annotated[Any, Depends(json_document)],
    dry_run: bool = False,
) -> ExactJSONResponse:
    outcome = bundle_service.import_bundle(session, actor, document, dry_run=dry_run)
    return reply_document(outcome.model_dump())


@router.get("/{app}", response_model=AppOut, responses=ERRORS)
def get_app(
    app: AppKey, session: SessionDep, actor: ActorDep, service: MetadataDep
) -> ExactJSONResponse:
    return reply_document(app_out(service.require_visible(session, actor, app)))


@router.patch(
    "/{app}", response_model=AppOut, responses=ERRORS, openapi_extra=openapi_body(AppUpdate)
)
def update_app(
    app: AppKey,
    session: SessionDep,
    actor: ActorDep,
    service: MetadataDep,
    body: Annotated[AppUpdate, Depends(json_body(AppUpdate))],
) -> ExactJSONResponse:
    return reply_document(app_out(service.update_app(session, actor, app, body)))


@router.post("/{app}/archive", response_model=AppOut, responses=ERRORS)
def archive_app(
    app: AppKey, session: SessionDep, actor: ActorDep, service: MetadataDep
) -> ExactJSONResponse:
    return reply_document(app_out(service.archive_app(session, actor, app, archived=True)))


@router.post("/{app}/restore", response_model=AppOut, responses=ERRORS)
def restore_app(
    app: AppKey, session: SessionDep, actor: ActorDep, service: MetadataDep
) -> ExactJSONResponse:
    return reply_document(app_out(service.archive_app(session, actor, app, archived=False)))


@router.get("/{app}/export", responses=ERRORS)
def export_app(
    app: AppKey,
    session: SessionDep,
    actor: ActorDep,
    service: MetadataDep,
    bundle_service: BundleDep,
) -> ExactJSONResponse:
    service.require(session, actor, "design", app)
    bundle = bundle_service.export_app(session, actor, service.app(session, app))
    disposition = f'attachment; filename="{app}.bundle.json"'
    return reply_document(bundle, headers={"Content-Disposition": disposition})


@router.get("/{app}/navigation", response_model=AppNavigation, responses=ERRORS)
def get_navigation(
    app: AppKey, session: SessionDep, actor: ActorDep, service: MetadataDep
) -> ExactJSONResponse:
    """The app's menu as arranged (empty lists: forms, reports and dashboards as published)."""
    service.require_visible(session, actor, app)
    navigation = service.navigation(session, app)
    return reply_document(navigation.model_dump(mode="json", by_alias=True, exclude_none=True))


@router.put(
    "/{app}/navigation",
    response_model=AppNavigation,
    responses=ERRORS,
    openapi_extra=openapi_body(AppNavigation),
)
def put_navigation(
    app: AppKey,
    session: SessionDep,
    actor: ActorDep,
    service: MetadataDep,
    body: Annotated[AppNavigation, Depends(json_body(AppNavigation))],
) -> ExactJSONResponse:
    """Arrange the app's menu: order, hidden entries and groups (``design`` on the app).
    Hidden entries are left out of the menu only; they still open for whoever may read them."""
    service.set_navigation(session, actor, app, body)
    navigation = service.navigation(session, app)
    return reply_document(navigation.model_dump(mode="json", by_alias=True, exclude_none=True))


# ---------------------------------------------------------------- definitions


@router.get("/{app}/definitions", response_model=list[DefinitionOut], responses=ERRORS)
def list_definitions(
    app: AppKey,
    session: SessionDep,
    actor: ActorDep,
    service: MetadataDep,
    kind: Kind | None = None,
    include_archived: bool = False,
) -> ExactJSONResponse:
    service.require_visible(session, actor, app)
    rows = service.list_definitions(session, app, kind=kind, include_archived=include_archived)
    return reply_document(
        [
            definition_out(service, session, app, row, with_problems=False)
            for row in rows
            if service.definition_visible(actor, app, Kind(row.kind), row.key)
        ]
    )


@router.post(
    "/{app}/definitions",
    status_code=201,
    response_model=DefinitionOut,
    responses=ERRORS,
    openapi_extra=openapi_body(DefinitionCreate),
)
def create_definition(
    app: AppKey,
    session: SessionDep,
    actor: ActorDep,
    service: MetadataDep,
    body: Annotated[DefinitionCreate, Depends(json_body(DefinitionCreate))],
) -> ExactJSONResponse:
    row = service.create_definition(session, actor, app, body)
    return reply_document(definition_out(service, session, app, row, locale=actor.locale), 201)


@router.get("/{app}/definitions/{kind}/{key}", response_model=DefinitionOut, responses=ERRORS)
def get_definition(
    app: AppKey, kind: Kind, key: DefKey, session: SessionDep, actor: ActorDep, service: MetadataDep
) -> ExactJSONResponse:
    service.require_visible_definition(session, actor, app, kind, key)
    row = service.definition(session, app, kind, key)
    return reply_document(definition_out(service, session, app, row, locale=actor.locale))


@router.put(
    "/{app}/definitions/{kind}/{key}",
    response_model=DefinitionOut,
    responses=ERRORS,
    openapi_extra=openapi_body(DraftUpdate),
)
def update_draft(
    app: AppKey,
    kind: Kind,
    key: DefKey,
    session: SessionDep,
    actor: ActorDep,
    service: MetadataDep,
    body: Annotated[DraftUpdate, Depends(json_body(DraftUpdate))],
) -> ExactJSONResponse:
    row = service.update_draft(session, actor, app, kind, key, body)
    return reply_document(definition_out(service, session, app, row, locale=actor.locale))


@router.delete("/{app}/definitions/{kind}/{key}", status_code=204, responses=ERRORS)
def delete_definition(
    app: AppKey,
    kind: Kind,
    key: DefKey,
    session: SessionDep,
    actor: ActorDep,
    service: MetadataDep,
) -> None:
    service.delete_draft_definition(session, actor, app, kind, key)


@router.post(
    "/{app}/definitions/{kind}/{key}/validate", response_model=ValidationReport, responses=ERRORS
)
def validate_definition(
    app: AppKey, kind: Kind, key: DefKey, session: SessionDep, actor: ActorDep, service: MetadataDep
) -> ExactJSONResponse:
    service.require(session, actor, "design", app)
    problems = service.problems(service.definition(session, app, kind, key))
    items = [p.as_dict(actor.locale) for p in problems]
    return reply_document({"valid": not problems, "problems": items})


@router.post(
    "/{app}/definitions/{kind}/{key}/publish",
    status_code=201,
    response_model=VersionOut,
    responses=ERRORS,
    openapi_extra=openapi_body(PublishRequest, required=False),
)
def publish(
    app: AppKey,
    kind: Kind,
    key: DefKey,
    session: SessionDep,
    actor: ActorDep,
    service: MetadataDep,
    body: Annotated[PublishRequest, Depends(optional_json_body(PublishRequest))],
) -> ExactJSONResponse:
    outcome = service.publish(
        session,
        actor,
        app,
        kind,
        key,
        note=body.note,
        base_revision=body.base_revision,
        conversions=body.conversions,
        dry_run=body.dry_run,
    )
    if outcome.version is None:
        return reply_document(
            {"dry_run": True, "version": outcome.version_number, "steps": list(outcome.steps)}
        )
    return reply_document(
        {**version_out(outcome.version, with_body=True), "steps": list(outcome.steps)}, 201
    )


@router.post(
    "/{app}/definitions/{kind}/{key}/archive", response_model=DefinitionOut, responses=ERRORS
)
def archive_definition(
    app: AppKey, kind: Kind, key: DefKey, session: SessionDep, actor: ActorDep, service: MetadataDep
) -> ExactJSONResponse:
    row = service.archive_definition(session, actor, app, kind, key, archived=True)
    return reply_document(definition_out(service, session, app, row, locale=actor.locale))


@router.post(
    "/{app}/definitions/{kind}/{key}/restore", response_model=DefinitionOut, responses=ERRORS
)
def restore_definition(
    app: AppKey, kind: Kind, key: DefKey, session: SessionDep, actor: ActorDep, service: MetadataDep
) -> ExactJSONResponse:
    row = service.archive_definition(session, actor, app, kind, key, archived=False)
    return reply_document(definition_out(service, session, app, row, locale=actor.locale))


@router.get(
    "/{app}/definitions/{kind}/{key}/versions", response_model=list[VersionOut], responses=ERRORS
)
def list_versions(
    app: AppKey, kind: Kind, key: DefKey, session: SessionDep, actor: ActorDep, service: MetadataDep
) -> ExactJSONResponse:
    service.require_visible_definition(session, actor, app, kind, key)
    return reply_document(
        [version_out(v, with_body=False) for v in service.versions(session, app, kind, key)]
    )


@router.get(
    "/{app}/definitions/{kind}/{key}/versions/{version}",
    response_model=VersionOut,
    responses=ERRORS,
)
def get_version(
    app: AppKey,
    kind: Kind,
    key: DefKey,
    version: VersionNumber,
    session: SessionDep,
    actor: ActorDep,
    service: MetadataDep,
) -> ExactJSONResponse:
    service.require_visible_definition(session, actor, app, kind, key)
    return reply_document(
        version_out(service.version(session, app, kind, key, version), with_body=True)
    )


def refuse_version_change(
    app: AppKey,
    kind: Kind,
    key: DefKey,
    version: VersionNumber,
    session: SessionDep,
    actor: ActorDep,
    service: MetadataDep,
) -> None:
    """Published versions never change: edit the draft and publish a new version instead."""
    service.require_visible_definition(session, actor, app, kind, key)
    service.version(session, app, kind, key, version)  # 404 when it does not exist
    raise Conflict(
        f"version {version} of {kind.value} {key!r} is published and immutable; edit the draft"
        " (PUT the definition) and publish a new version",
        code="version_immutable",
        zh_cn=f"{kind_zh(kind)} {key!r} 的第 {version} 版已发布，不能修改：请修改草稿后发布新版本",
    )


for _method in ("PUT", "PATCH", "DELETE"):
    router.add_api_route(
        "/{app}/definitions/{kind}/{key}/versions/{version}",
        refuse_version_change,
        methods=[_method],
        responses=ERRORS,
        status_code=409,
        name=f"refuse_version_{_method.lower()}",
        operation_id=f"refuse_version_{_method.lower()}",
    )


def _version_ref(raw: str, name: str) -> VersionRef:
    if raw == "draft":
        return "draft"
    if re.fullmatch(r"[0-9]{1,9}", raw) and int(raw) >= 1:
        return int(raw)
    raise BadRequest(
        f"{name} must be a version number or 'draft', got {raw!r}",
        code="invalid_version_ref",
        zh_cn=f"{name} 须为版本号或 'draft'（收到的是 {raw!r}）",
    )


@router.get("/{app}/definitions/{kind}/{key}/diff", response_model=DiffOut, responses=ERRORS)
def diff_versions(
    app: AppKey,
    kind: Kind,
    key: DefKey,
    session: SessionDep,
    actor: ActorDep,
    service: MetadataDep,
    from_: Annotated[str, Query(alias="from", description="version or 'draft'")],
    to: Annotated[str, Query(description="version or 'draft'")] = "draft",
) -> ExactJSONResponse:
    service.require(session, actor, "design", app)
    result = service.diff(
        session,
        app,
        kind,
        key,
        from_version=_version_ref(from_, "from"),
        to_version=_version_ref(to, "to"),
    )
    out: dict[str, Any] = {
        "from_version": result.from_version,
        "to_version": result.to_version,
        "patch": result.patch,
        "changes": result.changes,
    }
    return reply_document(out)


# ---------------------------------------------------------------- maker-checker


def approvals(request: Request) -> PublishApprovals:
    service: PublishApprovals = request.app.state.approvals
    return service


ApprovalsDep = Annotated[PublishApprovals, Depends(approvals)]
RequestId = Annotated[str, Path(min_length=1, max_length=36, description="Publish request id")]


@router.post(
    "/{app}/definitions/{kind}/{key}/publish-requests",
    status_code=201,
    responses=ERRORS,
    openapi_extra=openapi_body(PublishRequestCreate, required=False),
)
def request_publication(
    app: AppKey,
    kind: Kind,
    key: DefKey,
    session: SessionDep,
    actor: ActorDep,
    service: ApprovalsDep,
    body: Annotated[PublishRequestCreate, Depends(optional_json_body(PublishRequestCreate))],
) -> ExactJSONResponse:
    """Ask for the draft to be published (apps that require approval): checked now, published
    when another user holding ``publish`` approves."""
    row, definition = service.request(
        session,
        actor,
        app,
        kind,
        key,
        note=body.note,
        base_revision=body.base_revision,
        conversions=body.conversions,
    )
    return reply_document(request_out(row, definition), 201)


@router.get("/{app}/publish-requests", responses=ERRORS)
def list_publication_requests(
    app: AppKey,
    session: SessionDep,
    actor: ActorDep,
    service: ApprovalsDep,
    status: Literal["pending", "approved", "rejected", "withdrawn"] | None = None,
) -> ExactJSONResponse:
    return reply_document(decided(service.list(session, actor, app, status=status)))


@router.get("/{app}/publish-requests/{request_id}", responses=ERRORS)
def get_publication_request(
    app: AppKey, request_id: RequestId, session: SessionDep, actor: ActorDep, service: ApprovalsDep
) -> ExactJSONResponse:
    return reply_document(request_out(*service.get(session, actor, app, request_id)))


@router.post(
    "/{app}/publish-requests/{request_id}/approve",
    responses=ERRORS,
    openapi_extra=openapi_body(Decision, required=False),
)
def approve_publication(
    app: AppKey,
    request_id: RequestId,
    session: SessionDep,
    actor: ActorDep,
    service: ApprovalsDep,
    body: Annotated[Decision, Depends(optional_json_body(Decision))],
) -> ExactJSONResponse:
    """Publish the requested draft (never by its requester; refused if the draft changed)."""
    row, definition, _outcome = service.approve(session, actor, app, request_id, note=body.note)
    return reply_document(request_out(row, definition))


@router.post(
    "/{app}/publish-requests/{request_id}/reject",
    responses=ERRORS,
    openapi_extra=openapi_body(Decision),
)
def reject_publication(
    app: AppKey,
    request_id: RequestId,
    session: SessionDep,
    actor: ActorDep,
    service: ApprovalsDep,
    body: Annotated[Decision, Depends(json_body(Decision))],
) -> ExactJSONResponse:
    row, definition = service.reject(session, actor, app, request_id, note=body.note)
    return reply_document(request_out(row, definition))


@router.post("/{app}/publish-requests/{request_id}/withdraw", responses=ERRORS)
def withdraw_publication(
    app: AppKey, request_id: RequestId, session: SessionDep, actor: ActorDep, service: ApprovalsDep
) -> ExactJSONResponse:
    return reply_document(request_out(*service.withdraw(session, actor, app, request_id)))
