"""Assembly of the HTTP API under ``/api/v1``: routers, health, version and the OpenAPI document."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import RedirectResponse
from pydantic import BaseModel
from sqlalchemy import text

from brickwork import __version__
from brickwork.platform.api.deps import refuse_nul_characters
from brickwork.platform.api.responses import ExactJSONResponse, reply
from brickwork.platform.audit import endpoints as audit_endpoints
from brickwork.platform.auth import admin_endpoints as identity_admin_endpoints
from brickwork.platform.auth import endpoints as auth_endpoints
from brickwork.platform.db import migrate
from brickwork.platform.files import endpoints as file_endpoints
from brickwork.platform.metadata import endpoints as metadata_endpoints
from brickwork.platform.metadata.schemas import (
    AppCreate,
    AppUpdate,
    DefinitionCreate,
    DraftUpdate,
    PublishRequest,
)
from brickwork.platform.records import endpoints as record_endpoints

API_PREFIX = "/api/v1"
BODY_MODELS: tuple[type[BaseModel], ...] = (
    AppCreate,
    AppUpdate,
    DefinitionCreate,
    DraftUpdate,
    PublishRequest,
)

system = APIRouter(tags=["system"])


@system.get("/health")
def health(request: Request) -> ExactJSONResponse:
    """Liveness and database reachability."""
    try:
        with request.app.state.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        database = "ok"
    except Exception:  # the health check reports, it never raises
        database = "unreachable"
    status = "ok" if database == "ok" else "degraded"
    return reply({"status": status, "database": database}, 200 if status == "ok" else 503)


@system.get("/version")
def version(request: Request) -> ExactJSONResponse:
    """Software version, schema revision and database backend."""
    engine = request.app.state.engine
    return reply(
        {
            "version": __version__,
            "api": "v1",
            "schema_revision": migrate.current_revision(engine),
            "database": engine.dialect.name,
        }
    )


root = APIRouter(include_in_schema=False)


@root.get("/")
def home() -> RedirectResponse:
    """Until the web UI exists, the home page is the API reference."""
    return RedirectResponse(f"{API_PREFIX}/docs", status_code=307)


def api_router() -> APIRouter:
    api = APIRouter(prefix=API_PREFIX, dependencies=[Depends(refuse_nul_characters)])
    api.include_router(system)
    api.include_router(auth_endpoints.router)
    api.include_router(identity_admin_endpoints.router)
    api.include_router(metadata_endpoints.router)
    api.include_router(record_endpoints.router)
    api.include_router(record_endpoints.imports)
    api.include_router(file_endpoints.router)
    api.include_router(record_endpoints.app_docs)
    api.include_router(audit_endpoints.router)
    return api


def install_openapi(app: FastAPI) -> None:
    """Publish schemas of bodies that endpoints read strictly (see ``api/body.py``)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        document = get_openapi(
            title=app.title, version=app.version, routes=app.routes, description=app.description
        )
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        for model in BODY_MODELS:
            schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
            for name, definition in schema.pop("$defs", {}).items():
                schemas.setdefault(name, definition)
            schemas[model.__name__] = schema
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]
