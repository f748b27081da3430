"""The metadata HTTP API through create_app(): happy paths and every kind of bad input."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from brickwork.jsonio import checksum
from brickwork.platform.db import migrate

API = "/api/v1"
FORM = f"{API}/apps/kyc/definitions/form/customer"
PROBLEM = "application/problem+json"


@pytest.fixture
def kyc(client: TestClient) -> TestClient:
    response = client.post(f"{API}/apps", json={"key": "kyc", "label": {"en": "KYC"}})
    assert response.status_code == 201, response.text
    response = client.post(
        f"{API}/apps/kyc/definitions",
        json={
            "kind": "form",
            "key": "customer",
            "label": {"zh-CN": "客户", "en": "Customer"},
            "spec": {"fields": [{"id": "f_name", "key": "name", "type": "text", "label": "name"}]},
        },
    )
    assert response.status_code == 201, response.text
    return client


def problem_of(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["code"] == code
    assert body["status"] == status
    assert body["type"] == f"urn:brickwork:problem:{code}"
    return body


def test_health_and_version(client: TestClient) -> None:
    assert client.get(f"{API}/health").json() == {"status": "ok", "database": "ok"}
    version = client.get(f"{API}/version").json()
    assert version["api"] == "v1"
    assert version["schema_revision"] == migrate.head_revision()


def test_definition_lifecycle(kyc: TestClient) -> None:
    created = kyc.get(FORM).json()
    assert (created["status"], created["draft_revision"], created["problems"]) == ("draft", 1, [])
    published = kyc.post(f"{FORM}/publish", json={"note": "first"})
    assert published.status_code == 201
    assert published.json()["version"] == 1
    assert published.json()["checksum"].startswith("sha256:")

    edited = kyc.put(
        FORM,
        json={
            "label": {"zh-CN": "客户", "en": "Customer"},
            "base_revision": 1,
            "spec": {
                "fields": [{"id": "f_name", "key": "full_name", "type": "text", "label": "name"}]
            },
        },
    )
    assert edited.status_code == 200, edited.text
    assert (edited.json()["draft_revision"], edited.json()["draft_differs"]) == (2, True)
    assert kyc.post(f"{FORM}/publish").json()["version"] == 2

    versions = kyc.get(f"{FORM}/versions").json()
    assert [v["version"] for v in versions] == [1, 2]
    assert kyc.get(f"{FORM}/versions/1").json()["body"]["spec"]["fields"][0]["key"] == "name"
    diff = kyc.get(f"{FORM}/diff", params={"from": "1", "to": "2"}).json()
    assert diff["patch"] == [{"op": "replace", "path": "/spec/fields/0/key", "value": "full_name"}]
    listed = kyc.get(f"{API}/apps/kyc/definitions", params={"kind": "form"}).json()
    assert "problems" not in listed[0]  # lists skip validation; the detail carries it
    assert [(d["key"], d["status"], d["latest_version"]) for d in listed] == [
        ("customer", "published", 2)
    ]


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_editing_a_published_version_is_refused(kyc: TestClient, method: str) -> None:
    kyc.post(f"{FORM}/publish")
    kwargs: dict[str, Any] = {} if method == "delete" else {"json": {"note": "x"}}
    response = getattr(kyc, method)(f"{FORM}/versions/1", **kwargs)
    problem_of(response, 409, "version_immutable")
    assert kyc.get(f"{FORM}/versions/1").json()["note"] == ""


def test_invalid_definition_publish_is_refused_with_pointers(kyc: TestClient) -> None:
    kyc.put(
        FORM,
        json={
            "label": "C",
            "spec": {
                "fields": [
                    {"id": "f_a", "key": "a", "type": "text", "label": "a"},
                    {"id": "f_a", "key": "b", "type": "text", "label": "b"},
                ]
            },
        },
    )
    body = problem_of(kyc.post(f"{FORM}/publish"), 422, "definition_invalid")
    assert body["errors"] == [
        {
            "pointer": "/spec/fields/1/id",
            "code": "duplicate_element_id",
            "message": "element id 'f_a' is already used at /spec/fields/0/id",
        }
    ]
    assert kyc.get(f"{FORM}/versions").json() == []
    report = kyc.post(f"{FORM}/validate").json()
    assert report["valid"] is False


def test_stale_revision_gives_409_with_current_revision(kyc: TestClient) -> None:
    kyc.put(FORM, json={"label": "A", "base_revision": 1})
    body = problem_of(kyc.put(FORM, json={"label": "B", "base_revision": 1}), 409, "stale_revision")
    assert body["errors"][0]["pointer"] == "/base_revision"
    assert kyc.get(FORM).json()["draft"]["label"] == "A"


def apps_count(client: TestClient) -> int:
    return len(client.get(f"{API}/apps", params={"include_archived": True}).json())


BAD_BODIES = [
    pytest.param(b'{"key": "x", "label": "X"', 400, "json_malformed", "", id="malformed"),
    pytest.param(
        b'{"key": "x", "key": "y", "label": "X"}',
        400,
        "json_duplicate_key",
        "/key",
        id="duplicate-key",
    ),
    pytest.param(
        b'{"key": "x", "label": {"en": "a", "en": "b"}}',
        400,
        "json_duplicate_key",
        "/label/en",
        id="nested-duplicate-key",
    ),
    pytest.param(b'{"key": "x", "label": NaN}', 400, "json_invalid_number", "", id="nan"),
    pytest.param(b"\xff\xfe", 400, "json_not_utf8", "", id="not-utf8"),
    pytest.param(b"", 400, "body_missing", "", id="empty"),
    pytest.param(
        b'{"key": "Bad Key", "label": "X"}', 422, "validation_failed", "/key", id="bad-key"
    ),
    pytest.param(
        b'{"key": "x", "label": "X", "colour": "red"}',
        422,
        "validation_failed",
        "/colour",
        id="unknown-property",
    ),
    pytest.param(b"[1, 2]", 422, "validation_failed", "", id="not-an-object"),
    pytest.param(
        b'{"key": "x", "label": "X", "description": "a\\u0000b"}',
        400,
        "json_nul_character",
        "/description",
        id="nul-character",
    ),
]


@pytest.mark.parametrize(("raw", "status", "code", "pointer"), BAD_BODIES)
def test_bad_app_bodies_get_specific_problems_and_write_nothing(
    client: TestClient, raw: bytes, status: int, code: str, pointer: str
) -> None:
    response = client.post(f"{API}/apps", content=raw, headers={"content-type": "application/json"})
    body = problem_of(response, status, code)
    if pointer:
        assert pointer in [e["pointer"] for e in body["errors"]]
    assert apps_count(client) == 0


def test_nul_characters_in_path_or_query_are_refused(kyc: TestClient) -> None:
    """No database keeps U+0000 in text: a clear 400 instead of a database error."""
    for url in (
        f"{API}/apps/kyc/forms/customer/records?filter=name%20%3D%20%22a%00%22",
        f"{API}/apps/ky%00c",
    ):
        problem_of(kyc.get(url), 400, "nul_character")


def test_unknown_kind_in_body_and_path(kyc: TestClient) -> None:
    response = kyc.post(
        f"{API}/apps/kyc/definitions", json={"kind": "widget", "key": "w", "label": "W"}
    )
    body = problem_of(response, 422, "validation_failed")
    assert body["errors"][0]["pointer"] == "/kind"
    assert body["errors"][0]["code"] == "unknown_kind"
    body = problem_of(kyc.get(f"{API}/apps/kyc/definitions/widget/w"), 422, "validation_failed")
    assert body["errors"][0]["code"] == "unknown_kind"
    assert len(kyc.get(f"{API}/apps/kyc/definitions").json()) == 1


def test_oversized_body_is_refused_before_parsing(client: TestClient) -> None:
    limit = client.app.state.settings.max_body_bytes  # type: ignore[attr-defined]
    raw = b'{"key": "big", "label": "' + b"x" * limit + b'"}'
    problem_of(
        client.post(f"{API}/apps", content=raw, headers={"content-type": "application/json"}),
        413,
        "body_too_large",
    )

    def chunks() -> Any:
        yield raw[: limit // 2]
        yield raw[limit // 2 :]

    streamed = client.post(
        f"{API}/apps", content=chunks(), headers={"content-type": "application/json"}
    )
    problem_of(streamed, 413, "body_too_large")
    assert apps_count(client) == 0


def test_wrong_media_type_is_refused(client: TestClient) -> None:
    response = client.post(
        f"{API}/apps",
        content=b"key=x",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    problem_of(response, 415, "unsupported_media_type")


def test_unknown_things_are_404_problems(client: TestClient) -> None:
    problem_of(client.get(f"{API}/apps/nope"), 404, "app_not_found")
    problem_of(client.get(f"{API}/no/such/route"), 404, "not_found")
    problem_of(client.delete(f"{API}/health"), 405, "method_not_allowed")


def test_duplicate_app_key_is_409(kyc: TestClient) -> None:
    body = problem_of(
        kyc.post(f"{API}/apps", json={"key": "kyc", "label": "Again"}), 409, "app_exists"
    )
    assert body["errors"][0]["pointer"] == "/key"


def test_money_in_definitions_stays_exact(kyc: TestClient) -> None:
    raw = b'{"label": "C", "spec": {"limit": 12345678901234567890.10, "rate": 0.1, "fee": 1E+2}}'
    response = kyc.put(FORM, content=raw, headers={"content-type": "application/json"})
    assert response.status_code == 200
    assert b'"limit":12345678901234567890.10' in response.content
    assert b'"rate":0.1' in response.content
    assert b'"fee":100' in response.content


def test_export_import_round_trip_over_http(kyc: TestClient) -> None:
    kyc.post(f"{FORM}/publish")
    exported = kyc.get(f"{API}/apps/kyc/export")
    assert exported.status_code == 200
    assert "attachment" in exported.headers["content-disposition"]
    outcome = kyc.post(
        f"{API}/apps/import", content=exported.content, headers={"content-type": "application/json"}
    ).json()
    assert (outcome["app_created"], outcome["definitions_unchanged"]) == (False, 1)
    broken = exported.json()
    broken["format_version"] = 9
    body = problem_of(kyc.post(f"{API}/apps/import", json=broken), 422, "bundle_invalid")
    assert body["errors"][0]["pointer"] == "/format_version"


def test_a_refused_bundle_version_is_named_in_the_readers_language(kyc: TestClient) -> None:
    """A bundle's published version that fails its kind's checks (two fields with one id) is
    refused with the problem at its place in the bundle, in Chinese to a Chinese reader."""
    kyc.post(f"{FORM}/publish")
    bundle = kyc.get(f"{API}/apps/kyc/export").json()
    version = bundle["definitions"][0]["versions"][0]
    fields = version["body"]["spec"]["fields"]
    fields.append({**fields[0], "key": "other"})
    version["checksum"] = checksum(version["body"])
    pointer = "/definitions/0/versions/0/body/spec/fields/1/id"
    for language, said in (("en", "already used"), ("zh-CN", "已在")):
        refused = kyc.post(f"{API}/apps/import", json=bundle, headers={"accept-language": language})
        body = problem_of(refused, 422, "bundle_invalid")
        (item,) = [e for e in body["errors"] if e["pointer"] == pointer]
        assert item["code"] == "duplicate_element_id"
        assert said in item["message"], item


def test_the_signed_in_user_is_recorded_and_a_naming_header_is_ignored(
    kyc: TestClient, users: Any
) -> None:
    users.user("li.wei", roles=("system_admin",))
    client = users.sign_in("li.wei")
    response = client.post(f"{FORM}/publish", headers={"X-Brickwork-User": "zhang.san"})
    assert response.json()["published_by"] == "li.wei"


def test_the_home_page_signs_in_then_opens_the_launcher(
    anonymous_client: TestClient, client: TestClient
) -> None:
    stranger = anonymous_client.get("/", follow_redirects=False)
    assert stranger.status_code == 200
    assert 'action="/login"' in stranger.text
    signed_in = client.get("/", follow_redirects=False)
    assert signed_in.status_code == 303
    assert signed_in.headers["location"] == "/apps"
