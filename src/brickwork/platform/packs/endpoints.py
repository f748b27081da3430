"""HTTP endpoints of template packs (thin: parse, call `PackService`, shape the reply).

Reading the list is for the system administrator too: the catalogue tells what a pack would
put in place and its state tells what the installation holds."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, ConfigDict, Field

from brickwork.platform.api.body import json_body, openapi_body
from brickwork.platform.api.deps import SessionDep
from brickwork.platform.api.responses import ExactJSONResponse, reply
from brickwork.platform.auth.deps import ActorDep
from brickwork.platform.packs.service import PackService, PackStatus, UpgradePlan
from brickwork.platform.vocabulary import KEY_PATTERN

router = APIRouter(prefix="/packs", tags=["packs"])
PROBLEM = {"description": "Problem (application/problem+json)"}
ERRORS: dict[int | str, dict[str, Any]] = dict.fromkeys((400, 401, 403, 404, 409, 422), PROBLEM)
PackKey = Annotated[str, Path(pattern=KEY_PATTERN, description="The pack's key")]


class InstallRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sample_data: bool = Field(default=False, description="Also create the pack's sample records.")


class UpgradeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    resolutions: dict[str, Literal["keep_local", "take_pack"]] = Field(
        default_factory=dict,
        description="For each conflict of the plan (`kind/key`): keep the local definition or "
        "take the pack's.",
    )


BODY_MODELS: tuple[type[BaseModel], ...] = (InstallRequest, UpgradeRequest)


def pack_service(request: Request) -> PackService:
    found: PackService = request.app.state.services.packs
    return found


PacksDep = Annotated[PackService, Depends(pack_service)]


def status_json(status: PackStatus) -> dict[str, Any]:
    manifest = status.pack.manifest
    state = status.state or {}
    return {
        "key": manifest.key,
        "version": manifest.version,
        "title": manifest.title.model_dump(by_alias=True),
        "description": manifest.description.model_dump(by_alias=True),
        "app": manifest.app.key,
        "requires": manifest.requires,
        "status": state.get("status", "available"),
        "installed_version": status.installed_version,
        "upgradable": status.upgradable,
        "installed_at": state.get("installed_at"),
        "installed_by": state.get("installed_by"),
        "definitions": len(status.pack.definitions),
        "scenarios": len(status.pack.scenarios),
    }


def plan_json(plan: UpgradePlan) -> dict[str, Any]:
    return {
        "pack": plan.pack,
        "installed": plan.installed,
        "available": plan.available,
        "items": [
            {
                "ref": item.ref,
                "change": item.change,
                "changed_locally": item.local,
                "conflict": item.conflict,
                "schema": list(item.schema),
            }
            for item in plan.items
        ],
        "conflicts": [item.ref for item in plan.conflicts],
    }


@router.get("", responses=ERRORS)
def list_packs(session: SessionDep, actor: ActorDep, service: PacksDep) -> ExactJSONResponse:
    """The shipped packs with what is installed of each."""
    service.require_reader(actor)
    return reply({"items": [status_json(status) for status in service.statuses(session)]})


@router.post(
    "/{key}/install", status_code=201, responses=ERRORS, openapi_extra=openapi_body(InstallRequest)
)
def install_pack(
    key: PackKey,
    session: SessionDep,
    actor: ActorDep,
    service: PacksDep,
    body: Annotated[InstallRequest, Depends(json_body(InstallRequest))],
) -> ExactJSONResponse:
    """Install a pack, all or nothing: its app, roles, definitions (published) and, when asked,
    its sample records."""
    outcome = service.install(session, actor, key, sample_data=body.sample_data)
    return reply(
        {
            "pack": outcome.pack,
            "version": outcome.version,
            "definitions": outcome.definitions,
            "roles_created": outcome.roles,
            "records": outcome.records,
            "restored": outcome.restored,
        },
        201,
    )


@router.get("/{key}/upgrade", responses=ERRORS)
def plan_pack_upgrade(
    key: PackKey, session: SessionDep, actor: ActorDep, service: PacksDep
) -> ExactJSONResponse:
    """What upgrading to the shipped version would do: new, changed and removed definitions,
    the schema changes of forms, and the conflicts with local changes."""
    service.require_reader(actor)
    return reply(plan_json(service.plan_upgrade(session, key)))


@router.post("/{key}/upgrade", responses=ERRORS, openapi_extra=openapi_body(UpgradeRequest))
def upgrade_pack(
    key: PackKey,
    session: SessionDep,
    actor: ActorDep,
    service: PacksDep,
    body: Annotated[UpgradeRequest, Depends(json_body(UpgradeRequest))],
) -> ExactJSONResponse:
    """Upgrade to the shipped version; refused (409 `pack_upgrade_conflicts`) while a
    definition changed here and by the pack has no resolution."""
    return reply(plan_json(service.upgrade(session, actor, key, resolutions=body.resolutions)))


@router.post("/{key}/uninstall", responses=ERRORS)
def uninstall_pack(
    key: PackKey, session: SessionDep, actor: ActorDep, service: PacksDep
) -> ExactJSONResponse:
    """Archive the pack's app and definitions; every record stays."""
    return reply({"pack": key, "archived": service.uninstall(session, actor, key)})
