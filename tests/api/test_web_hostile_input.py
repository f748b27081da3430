"""The web interface never answers 5xx to hostile input: every page (GET) and every form post
(POST) of the running credit app, as the administrator and as an ordinary user, with path
parameters, query parameters and form fields replaced by integers beyond 64 bits, malformed
numbers, dates and expressions, invalid UTF-8, very long text and the like. The API has the
same guarantee from its OpenAPI document (``test_openapi.py``); the pages are not in it."""

from __future__ import annotations

import re
from random import Random
from typing import Any

from credit_flow import application, credit_app, submit, todo
from fastapi.testclient import TestClient
from test_openapi import every_route

from conftest import Users

HOSTILE = (
    "9223372036854775808",
    "-9223372036854775809",
    "99999999999999999999999",
    "-1",
    "0",
    "1e309",
    "NaN",
    "abc",
    "%ED%A0%80",  # a lone surrogate, percent-encoded
    "' or 1=1 --",
    "x" * 5000,
    "<script>",
    "amount >",
    "(((((",
    "2026-13-45",
    "",
    " ",
    "..",
    "a,b,,c",
    "\u202e",
    "1.5",
    "true",
)
PARAMETERS = (
    "page",
    "limit",
    "offset",
    "sort",
    "filter",
    "q",
    "tab",
    "cols",
    "col",
    "view",
    "from",
    "to",
    "period",
    "status",
    "next",
    "version",
    "node",
    "user",
    "role",
    "kind",
    "format",
)
"""Query parameter names pages read besides those they declare."""
FORM_FIELDS = (
    *PARAMETERS,
    "name",
    "label",
    "customer",
    "amount",
    "comment",
    "reason",
    "spec",
    "grants",
    "expression",
    "target",
    "value",
    "users",
)


def running_credit_app(client: TestClient, users: Users) -> tuple[Any, dict[str, str]]:
    """The credit app with a record whose flow waits for the branch president; the people, and
    a real value for each path parameter name."""
    bank = credit_app(client, users)
    record = application(bank, "2000000.00")
    instance = submit(bank, record)["id"]
    task = str(todo(bank["president"])[0]["id"])
    values = {
        "app": "credit",
        "form": "credit_application",
        "record_id": record["id"],
        "kind": "form",
        "key": "credit_application",
        "instance": instance,
        "task": task,
        "task_id": task,
    }
    return bank, values


def concrete(path: str, values: dict[str, str], spoiled: str | None, random: Random) -> str:
    for name in re.findall(r"{([^}:]+)", path):
        value = random.choice(HOSTILE) or "y" if name == spoiled else values.get(name, "x")
        path = re.sub("{" + name + "(:[^}]*)?}", value.replace("/", "%2F"), path)
    return path


def web_routes(client: TestClient, method: str) -> list[Any]:
    return [
        route
        for route in every_route(client.app)
        if hasattr(route, "dependant")
        and method in route.methods
        and not route.path.startswith("/api/")
        and not route.path.endswith("/logout")
    ]


def test_pages_never_answer_5xx(client: TestClient, users: Users) -> None:
    bank, values = running_credit_app(client, users)
    random = Random(7)
    failures: list[str] = []
    routes = web_routes(client, "GET")
    assert len(routes) > 30
    for route in routes:
        names = re.findall(r"{([^}:]+)", route.path)
        declared = [parameter.alias for parameter in route.dependant.query_params]
        for _ in range(6):
            spoiled = random.choice(names) if names and random.random() < 0.5 else None
            path = concrete(route.path, values, spoiled, random)
            chosen = random.sample([*declared, *PARAMETERS], k=3)
            query = "&".join(f"{name}={random.choice(HOSTILE)}" for name in chosen)
            for person in (client, bank["rm"]):
                response = person.get(f"{path}?{query}")
                if response.status_code >= 500:
                    failures.append(f"GET {path}?{query[:200]}: {response.status_code}")
    assert not failures, "\n".join(failures)


def test_form_posts_never_answer_5xx(client: TestClient, users: Users) -> None:
    bank, values = running_credit_app(client, users)
    random = Random(11)
    failures: list[str] = []
    routes = web_routes(client, "POST")
    assert len(routes) > 30
    for route in routes:
        for _ in range(4):
            path = concrete(route.path, values, None, random)
            data = {name: random.choice(HOSTILE) for name in random.sample(FORM_FIELDS, k=4)}
            for person in (client, bank["rm"]):
                data["csrf_token"] = person.headers["X-CSRF-Token"]
                response = person.post(path, data=data, follow_redirects=False)
                if response.status_code >= 500:
                    failures.append(f"POST {path} {str(data)[:200]}: {response.status_code}")
    assert not failures, "\n".join(failures)
