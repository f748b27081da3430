"""The OpenAPI document is served, valid, and documents the strictly-read request bodies; requests
generated from it (schemathesis) never cause a server error, and none but the public operations
answer without credentials."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from random import Random
from typing import Any

import fastapi.routing
import pytest
import schemathesis
from bad_input_strategies import FILTERS, HUGE_INTEGERS, PYTHON_VALUES
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from openapi_spec_validator import validate
from schemathesis import GenerationMode
from schemathesis.core.result import Err

API = "/api/v1"
PUBLIC_OPERATIONS = frozenset(
    {
        ("GET", f"{API}/health"),
        ("GET", f"{API}/version"),
        ("POST", f"{API}/auth/login"),
    }
)
"""The operations of the OpenAPI document that answer without credentials."""
PUBLIC_HIDDEN_ROUTES = frozenset(
    {
        ("GET", "/"),  # the sign-in page
        ("GET", "/login"),
        ("POST", "/login"),
        ("POST", "/language"),
        ("GET", f"{API}/openapi.json"),
        ("GET", f"{API}/docs"),
    }
)
"""Routes left out of the document and open to anyone. Every other route outside the document is
a web page, which sends a visitor who is not signed in to the sign-in page."""
REFUSALS_BEFORE_AUTHENTICATION = frozenset(
    {
        (401, "not_authenticated"),
        (401, "session_invalid"),
        (401, "token_invalid"),
        (413, "body_too_large"),
        (400, "nul_character"),
    }
)
"""What a protected operation may answer without valid credentials: 401 (none, or the made-up
session cookie or bearer token that the declared security schemes lead the generator to send);
413 from the body size limit, which refuses oversized bodies before routing; or 400 for a NUL
character in the path or query, refused before anyone is identified (neither says anything about
stored data)."""
FIELDS = [
    {"id": "f_name", "key": "name", "type": "text", "label": "Name", "required": True},
    {"id": "f_note", "key": "note", "type": "textarea", "label": "Note"},
]
PATH_PARAMETER = re.compile(r"\{([^}]+)\}")
AUTHENTICATED_EXAMPLES = 30
ANONYMOUS_EXAMPLES = 10
"""Examples per operation (81 operations): the file takes 35-50 s on SQLite on two cores."""

Check = Callable[[Any, Any], str | None]
"""(case, response) -> what is wrong, or None."""


def test_openapi_document_is_valid(client: TestClient) -> None:
    document = client.get(f"{API}/openapi.json").json()
    validate(document)
    operation = document["paths"][f"{API}/apps/{{app}}/definitions"]["post"]
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/DefinitionCreate"}
    assert "DefinitionCreate" in document["components"]["schemas"]
    operation_ids = [
        op["operationId"] for path in document["paths"].values() for op in path.values()
    ]
    assert len(operation_ids) == len(set(operation_ids))


# ---------------------------------------------------------------- generated requests


def exercise(
    client: TestClient,
    check: Check,
    *,
    max_examples: int,
    headers: Mapping[str, str] | None = None,
    pinned: Mapping[str, str] | None = None,
) -> tuple[list[str], set[tuple[str, str]]]:
    """Send generated requests to every operation of the document, valid and invalid ones alike;
    return what ``check`` found wrong and the operations exercised. With ``pinned``, about half
    the requests use those path parameters (an existing app, form, record) to get past the 404s."""
    schema = schemathesis.openapi.from_asgi(f"{API}/openapi.json", client.app)
    failures: list[str] = []
    exercised: set[tuple[str, str]] = set()
    for result in schema.get_all_operations():
        if isinstance(result, Err):
            raise result.err()  # the document describes an operation schemathesis cannot read
        operation = result.ok()
        exercised.add((operation.method.upper(), operation.path))
        names = PATH_PARAMETER.findall(operation.path)
        fixed = {name: value for name, value in (pinned or {}).items() if name in names}
        strategies = [operation.as_strategy(generation_mode=mode) for mode in GenerationMode]
        if fixed:
            strategies += [
                operation.as_strategy(generation_mode=mode, path_parameters=fixed)
                for mode in GenerationMode
            ]
        strategy = st.one_of(strategies)
        strategy = st.one_of(strategy, st.builds(spoil, strategy, HOSTILE, st.randoms()))

        @settings(
            max_examples=max_examples,
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=strategy)
        def call(case: Any) -> None:
            try:
                response = case.call(headers=dict(headers or {}))
            except Exception as exc:  # the in-process client re-raises what became a 500
                failures.append(f"{case.method} {case.formatted_path}: 500 {exc!r}")
                return
            problem = check(case, response)
            if problem is not None:
                failures.append(f"{case.method} {case.formatted_path}: {problem}")

        call()
    return failures, exercised


HOSTILE = st.fixed_dictionaries(
    {"value": PYTHON_VALUES, "filter": FILTERS, "number": HUGE_INTEGERS.map(str)}
)
"""What ``spoil`` puts into a generated request."""


def spoil(case: Any, hostile: dict[str, Any], random: Random) -> Any:
    """A copy of the generated ``case`` with hostile input the schema alone would rarely produce:
    one body member (or the first item) replaced by a huge integer, a lone surrogate or a value
    nested deeper than bodies may be; the filter replaced by a generated one; or another query
    parameter replaced by an integer beyond 64 bits. The copy is sent as it is (schemathesis
    would otherwise re-check it against the schema, which a lone surrogate cannot pass)."""
    body = case.body
    if isinstance(body, dict):
        body = {**body, random.choice(sorted(body) or ["extra"]): hostile["value"]}
    elif isinstance(body, list):
        body = [hostile["value"], *body[1:]]
    query = dict(case.query or {})
    names = sorted(parameter.name for parameter in case.operation.query)
    if "filter" in names:
        query["filter"] = hostile["filter"]
    elif names:
        query[random.choice(names)] = hostile["number"]
    return case.operation.Case(
        method=case.method,
        path_parameters=case.path_parameters,
        headers=case.headers,
        cookies=case.cookies,
        query=query,
        body=body,
        media_type=case.media_type,
    )


def content_type(response: Any) -> str:
    values: list[str] = response.headers.get("content-type", [""])
    return values[0]


def no_server_error(case: Any, response: Any) -> str | None:
    """5xx never; 4xx always as problem+json."""
    if response.status_code >= 500:
        return f"{response.status_code} {response.text[:300]}"
    if response.status_code >= 400 and not content_type(response).startswith(
        "application/problem+json"
    ):
        return f"{response.status_code} answered as {content_type(response)!r}"
    return None


def publish_kyc(client: TestClient) -> str:
    """App ``kyc`` with a published form ``customer`` holding one record; returns its id."""
    assert client.post(f"{API}/apps", json={"key": "kyc", "label": "KYC"}).status_code == 201
    form = f"{API}/apps/kyc/definitions/form/customer"
    body = {"kind": "form", "key": "customer", "label": "Customer"}
    assert client.post(f"{API}/apps/kyc/definitions", json=body).status_code == 201
    draft = {"label": "Customer", "spec": {"fields": FIELDS}}
    assert client.put(form, json=draft).status_code == 200
    assert client.post(f"{form}/publish", json={}).status_code == 201
    created = client.post(f"{API}/apps/kyc/forms/customer/records", json={"name": "Li Lei"})
    assert created.status_code == 201, created.text
    record_id: str = created.json()["id"]
    return record_id


def test_authenticated_requests_never_cause_a_server_error(client: TestClient) -> None:
    """Every operation with an `all` token of ``admin`` (system administrator and every record
    action): 4xx problems are fine, 5xx never."""
    record_id = publish_kyc(client)
    created = client.post(f"{API}/auth/tokens", json={"name": "fuzz", "scopes": ["all"]})
    assert created.status_code == 201, created.text
    bearer = {"Authorization": f"Bearer {created.json()['token']}"}
    pinned = {"app": "kyc", "form": "customer", "kind": "form", "key": "customer"}
    failures, _ = exercise(
        client,
        no_server_error,
        max_examples=AUTHENTICATED_EXAMPLES,
        headers=bearer,
        pinned={**pinned, "record_id": record_id},
    )
    assert failures == [], "\n".join(failures)


def anonymous_refused(case: Any, response: Any) -> str | None:
    problem = no_server_error(case, response)
    if problem is not None:
        return problem
    public = (case.method.upper(), case.operation.path) in PUBLIC_OPERATIONS
    code = response.json().get("code") if response.status_code >= 400 else None
    if public and code == "not_authenticated":
        return "a public operation asked for credentials"
    if not public and (response.status_code, code) not in REFUSALS_BEFORE_AUTHENTICATION:
        return f"answered {response.status_code} {response.text[:200]} without credentials"
    return None


def test_anonymous_requests_are_refused_except_public_operations(
    anonymous_client: TestClient,
) -> None:
    """No credentials: every operation answers 401 `not_authenticated` before it reads its
    parameters or body (or 413 for an oversized body), except the public ones, which never ask
    for credentials.

    Strictly 401, even for invalid parameters: FastAPI runs an endpoint's dependencies (the
    credentials check among them) before it validates the endpoint's own path, query and header
    parameters, and every protected endpoint declares its actor before its body."""
    failures, exercised = exercise(
        anonymous_client, anonymous_refused, max_examples=ANONYMOUS_EXAMPLES
    )
    assert failures == [], "\n".join(failures)
    assert exercised >= PUBLIC_OPERATIONS  # a public operation that disappears fails here


def every_route(app: Any) -> Iterable[Any]:
    """The app's routes, those of included routers too (newer FastAPI includes them lazily)."""
    flatten = getattr(fastapi.routing, "iter_route_contexts", None)
    routes: Iterable[Any] = flatten(app.routes) if flatten else app.routes
    return routes


def test_routes_outside_the_document_are_exactly_the_public_ones(
    anonymous_client: TestClient,
) -> None:
    document = anonymous_client.get(f"{API}/openapi.json").json()
    documented = {
        (method.upper(), path) for path, item in document["paths"].items() for method in item
    }
    hidden: set[tuple[str, str]] = set()
    for route in every_route(anonymous_client.app):
        methods = (getattr(route, "methods", None) or set()) - {"HEAD"}
        hidden |= {(m, route.path) for m in methods} - documented
    assert hidden >= PUBLIC_HIDDEN_ROUTES
    for method, path in sorted(PUBLIC_HIDDEN_ROUTES):
        form = {"language": "en"} if method == "POST" else None
        response = anonymous_client.request(method, path, data=form, follow_redirects=False)
        assert response.status_code in (200, 303), (path, response.status_code)
    pages = hidden - PUBLIC_HIDDEN_ROUTES
    assert pages, "the web pages are outside the document"
    for method, path in sorted(pages):
        assert not path.startswith(f"{API}/"), f"{method} {path}: an API route left undocumented"
        concrete = path.format(
            app="wealth",
            form="customer",
            record_id="00000000-0000-0000-0000-000000000000",
            instance="00000000-0000-0000-0000-000000000000",
            key="report",
            task_id="1",
            task="1",
            job_id="job",
            event_id="1",
            username="someone",
            field="name",
            token_id="token",
            view_id="view",
            notice_id="1",
        )
        form = {"csrf_token": "x"} if method == "POST" else None
        response = anonymous_client.request(method, concrete, data=form, follow_redirects=False)
        assert response.status_code == 303, (method, path, response.status_code)
        assert response.headers["location"].startswith("/login"), (method, path)


@pytest.mark.parametrize(("method", "path"), sorted(PUBLIC_OPERATIONS))
def test_public_operations_answer_without_credentials(
    anonymous_client: TestClient, method: str, path: str
) -> None:
    body = {"username": "nobody", "password": "Not-a-pass-2026"}
    response = anonymous_client.request(method, path, json=body if method == "POST" else None)
    assert response.status_code in (200, 401), response.text
    if response.status_code == 401:
        assert response.json()["code"] == "invalid_credentials"


def test_the_document_declares_how_each_operation_authenticates(
    anonymous_client: TestClient,
) -> None:
    document = anonymous_client.get(f"{API}/openapi.json").json()
    schemes = document["components"]["securitySchemes"]
    assert schemes["session"] == {**schemes["session"], "type": "apiKey", "in": "cookie"}
    assert schemes["csrf"]["name"] == "X-CSRF-Token"
    assert (schemes["csrf"]["type"], schemes["csrf"]["in"]) == ("apiKey", "header")
    assert (schemes["bearer"]["type"], schemes["bearer"]["scheme"]) == ("http", "bearer")
    public = set()
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            if operation["security"] == []:
                public.add((method.upper(), path))
            elif method in ("get", "head", "options"):
                assert operation["security"] == [{"session": []}, {"bearer": []}], path
            else:
                expected = [{"session": [], "csrf": []}, {"bearer": []}]
                assert operation["security"] == expected, (method, path)
    assert public == PUBLIC_OPERATIONS
