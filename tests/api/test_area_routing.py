"""``api_router`` passes over an area whose routes cannot match the path (``AreaRouter``): the
route chosen, a 405 for a wrong method, a 404 and the trailing-slash redirect stay as they were
with plain inclusion; no path that a route of an area matches is ever refused by its test."""

from __future__ import annotations

import re

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from brickwork.app import area_routers
from brickwork.platform.api.router import API_PREFIX, AreaRouter, api_router


def _areas() -> tuple[APIRouter, ...]:
    things = APIRouter(prefix="/apps/{app}/things", tags=["things"])
    apps = APIRouter(prefix="/apps", tags=["apps"])
    other = APIRouter(tags=["other"])

    @apps.get("/{app}")
    def app_detail(app: str) -> dict[str, str]:
        return {"route": "apps.detail", "app": app}

    @apps.get("/{app}/things/special")
    def special(app: str) -> dict[str, str]:
        return {"route": "apps.special", "app": app}

    @things.get("")
    def list_things(app: str) -> dict[str, str]:
        return {"route": "things.list", "app": app}

    @things.post("")
    def create_thing(app: str) -> dict[str, str]:
        return {"route": "things.create", "app": app}

    @things.get("/{thing}")
    def one_thing(app: str, thing: str) -> dict[str, str]:
        return {"route": "things.one", "app": app, "thing": thing}

    @other.get("/users/{user}/")
    def user(user: str) -> dict[str, str]:
        return {"route": "other.user", "user": user}

    return apps, things, other


def _plain(areas: tuple[APIRouter, ...]) -> APIRouter:
    api = APIRouter(prefix=API_PREFIX)
    for area in areas:
        api.include_router(area)
    return api


CASES = [
    ("GET", "/api/v1/apps/a"),
    ("GET", "/api/v1/apps/a/things"),
    ("POST", "/api/v1/apps/a/things"),
    ("DELETE", "/api/v1/apps/a/things"),
    ("GET", "/api/v1/apps/a/things/special"),
    ("GET", "/api/v1/apps/a/things/t1"),
    ("PUT", "/api/v1/apps/a/things/t1"),
    ("GET", "/api/v1/apps/a/things/t1/"),
    ("GET", "/api/v1/users/u1/"),
    ("GET", "/api/v1/users/u1"),
    ("GET", "/api/v1/nothing"),
    ("GET", "/elsewhere"),
]


@pytest.mark.parametrize(("method", "path"), CASES)
def test_the_answer_is_the_one_of_plain_inclusion(method: str, path: str) -> None:
    answers = []
    for router in (_plain(_areas()), api_router(_areas())):
        app = FastAPI()
        app.include_router(router)
        with TestClient(app) as client:
            response = client.request(method, path, follow_redirects=False)
        answers.append((response.status_code, response.headers.get("location"), response.text))
    assert answers[0] == answers[1]


def test_a_route_added_to_an_area_later_is_reached() -> None:
    area = APIRouter(prefix="/late")
    app = FastAPI()
    app.include_router(api_router([area]))

    @area.get("/added")
    def added() -> dict[str, bool]:
        return {"added": True}

    with TestClient(app) as client:
        assert client.get("/api/v1/late/added").json() == {"added": True}


def test_a_route_added_after_requests_were_served_is_reached() -> None:
    """FastAPI keeps each router's resolved routes until the version of its routes changes;
    an area answers that version without walking its routes, and a late route still counts."""
    area = APIRouter(prefix="/late")

    @area.get("/first")
    def first() -> dict[str, bool]:
        return {"first": True}

    app = FastAPI()
    app.include_router(api_router([area]))
    with TestClient(app) as client:
        assert client.get("/api/v1/late/first").json() == {"first": True}
        assert client.get("/api/v1/late/second").status_code == 404

        @area.get("/second")
        def second() -> dict[str, bool]:
            return {"second": True}

        assert client.get("/api/v1/late/second").json() == {"second": True}


def test_an_area_that_includes_a_router_reaches_its_later_routes() -> None:
    inner = APIRouter(prefix="/inner")
    area = APIRouter(prefix="/outer")
    area.include_router(inner)

    @inner.get("/one")
    def one() -> dict[str, int]:
        return {"one": 1}

    app = FastAPI()
    app.include_router(api_router([area]))
    with TestClient(app) as client:
        assert client.get("/api/v1/outer/inner/one").json() == {"one": 1}
        assert client.get("/api/v1/outer/inner/two").status_code == 404

        @inner.get("/two")
        def two() -> dict[str, int]:
            return {"two": 2}

        assert client.get("/api/v1/outer/inner/two").json() == {"two": 2}


def _example_path(route: APIRoute) -> str:
    return re.sub(
        r"\{[^}:]+(:[a-z]+)?\}", lambda m: "1" if m.group(1) == ":int" else "x1", route.path
    )


def test_every_route_of_every_area_passes_its_area_test() -> None:
    api = api_router(area_routers())
    checked = 0
    for included in api.routes:
        original = getattr(included, "original_router", None)
        if not isinstance(original, AreaRouter):
            continue
        assert original.paths is not None, "each area has only API routes: each is tested"
        for route in original.area.routes:
            assert isinstance(route, APIRoute)
            path = _example_path(route)
            assert route.path_regex.match(path), route.path
            assert original.paths.match(API_PREFIX + path), route.path
            checked += 1
    assert checked > 100
