"""Plumbing of the HTTP API under ``/api/v1``: health, version, the router that takes the areas'
endpoints, and the OpenAPI document. It knows no area: the composition root (``app.py``) hands
in their routers, body models and security schemes."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from pydantic import BaseModel
from sqlalchemy import text
from starlette._utils import get_route_path
from starlette.routing import Match
from starlette.types import Scope

from brickwork import __version__
from brickwork.platform.api.deps import refuse_nul_characters
from brickwork.platform.api.responses import ExactJSONResponse, reply
from brickwork.platform.db import migrate

API_PREFIX = "/api/v1"
PUBLIC: dict[str, Any] = {"security": []}
"""``openapi_extra`` of an operation that answers without credentials."""
SAFE_METHODS = frozenset({"get", "head", "options"})
HTTP_METHODS = SAFE_METHODS | {"put", "post", "delete", "patch", "trace"}

system = APIRouter(tags=["system"])


@system.get("/health", openapi_extra=PUBLIC)
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


@system.get("/version", openapi_extra=PUBLIC)
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


def api_router(areas: Iterable[APIRouter]) -> APIRouter:
    """``/api/v1``: the system endpoints and the areas' routers, in the order given."""
    api = APIRouter(prefix=API_PREFIX, dependencies=[Depends(refuse_nul_characters)])
    api.include_router(system)
    for router in areas:
        api.include_router(AreaRouter(router, prefix=API_PREFIX))
    return api


class AreaRouter(APIRouter):
    """One area's router, passed over after a single regular-expression test when none of its
    routes can match the request's path.

    FastAPI finds a route by trying each route of each included router in turn, and does so
    again at every level of inclusion while it hands the request down: a record request tried
    the sixty routes of the areas before the records area twice. Here an area none of whose
    path patterns matches answers "no match" at once; the others are tried as before, so the
    route chosen (a full match, or a partial one for a wrong method) is the same. It holds the
    area's own route objects rather than including the area (one level of inclusion less for
    FastAPI to walk on every request); the area's prefix, tags and dependencies are already part
    of each route, so the API reference is unchanged."""

    def __init__(self, area: APIRouter, *, prefix: str) -> None:
        super().__init__()
        self.routes.extend(area.routes)
        self.area = area
        self.api_prefix = prefix
        self.counted = len(area.routes)
        self.paths = _any_path(area, prefix)

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if len(self.area.routes) != self.counted:  # a route added since: take it too
            self.routes[:] = self.area.routes
            self._mark_routes_changed()
            self.counted = len(self.area.routes)
            self.paths = _any_path(self.area, self.api_prefix)
        if (
            self.paths is not None
            and scope["type"] == "http"
            and self.paths.match(get_route_path(scope)) is None
        ):
            return Match.NONE, {}
        return super().matches(scope)

    def _get_routes_version(self, seen: set[int] | None = None) -> int:
        """The version of its own routes, without walking them. FastAPI asks every router
        above an endpoint for this several times per request and, by default, each asks all
        the routers it includes, down to the last: about 60 µs per request over the areas.
        A router included below an area keeps its own version, which FastAPI checks when it
        steps into that router, so routes added there are still found."""
        return self._routes_version


_NAMED_GROUP = re.compile(r"\(\?P<[^>]+>")


def _any_path(area: APIRouter, prefix: str) -> re.Pattern[str] | None:
    """One expression matching every path that a route of ``area`` under ``prefix`` matches
    (their own patterns, groups unnamed); None (no test) when the area has other kinds of
    routes."""
    patterns = []
    for route in area.routes:
        pattern = route.path_regex.pattern if isinstance(route, APIRoute) else ""
        if not (pattern.startswith("^") and pattern.endswith("$")):
            return None
        patterns.append(_NAMED_GROUP.sub("(?:", pattern[1:-1]))
    return re.compile(f"{re.escape(prefix)}(?:{'|'.join(patterns)})$")


@dataclass(frozen=True, slots=True)
class Security:
    """How callers authenticate, for the OpenAPI document: ``schemes`` become
    ``components.securitySchemes``; every operation without its own ``security`` (see ``PUBLIC``)
    accepts ``safe`` (GET, HEAD, OPTIONS) or ``unsafe`` requirements (alternatives, each a set of
    schemes sent together)."""

    schemes: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    safe: Sequence[Mapping[str, Sequence[str]]] = ()
    unsafe: Sequence[Mapping[str, Sequence[str]]] = ()


def install_openapi(
    app: FastAPI, *, body_models: Iterable[type[BaseModel]], security: Security
) -> None:
    """Publish the schemas of bodies that endpoints read strictly (see ``api/body.py``) and the
    security of every operation."""
    models = tuple(body_models)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        document = get_openapi(
            title=app.title, version=app.version, routes=app.routes, description=app.description
        )
        components = document.setdefault("components", {})
        schemas = components.setdefault("schemas", {})
        for model in models:
            schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
            for name, definition in schema.pop("$defs", {}).items():
                schemas.setdefault(name, definition)
            schemas[model.__name__] = schema
        declare_security(document, security)
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]


def declare_security(document: dict[str, Any], security: Security) -> None:
    if security.schemes:
        document["components"]["securitySchemes"] = {
            name: dict(scheme) for name, scheme in security.schemes.items()
        }
    for item in document.get("paths", {}).values():
        for method, operation in item.items():
            if method not in HTTP_METHODS or "security" in operation:
                continue
            requirements = (
                security.safe if method in {"get", "head", "options"} else security.unsafe
            )
            operation["security"] = [
                {name: list(scopes) for name, scopes in requirement.items()}
                for requirement in requirements
            ]
