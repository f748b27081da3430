"""Who may change metadata, over the HTTP API: ``design`` (definitions), ``publish`` and ``admin``
(apps and bundle imports) are separate app-level grants; reading needs any grant on the app."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

API = "/api/v1"
KYC = f"{API}/apps/kyc"
LOANS = f"{API}/apps/loans"
FORM = f"{KYC}/definitions/form/customer"
LOAN_FORM = f"{LOANS}/definitions/form/loan"
PROBLEM = "application/problem+json"
NAME = {"id": "f_name", "key": "name", "type": "text", "label": "Name"}
NOTE = {"id": "f_note", "key": "note", "type": "textarea", "label": "Note"}
DRAFT = {"label": "Customer", "spec": {"fields": [NAME, NOTE]}}


def problem_of(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    return body


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.content and response.json()


def new_form(key: str) -> dict[str, Any]:
    return {"kind": "form", "key": key, "label": key, "spec": {"fields": [NAME]}}


def app_keys(client: TestClient, **params: Any) -> list[str]:
    return [app["key"] for app in ok(client.get(f"{API}/apps", params=params))]


@pytest.fixture
def admin(client: TestClient) -> TestClient:
    """The system administrator, with app ``kyc`` (form ``customer``, a draft) and app ``loans``
    (form ``loan``, published)."""
    ok(client.post(f"{API}/apps", json={"key": "kyc", "label": "KYC"}), 201)
    ok(client.post(f"{KYC}/definitions", json=new_form("customer")), 201)
    ok(client.post(f"{API}/apps", json={"key": "loans", "label": "Loans"}), 201)
    ok(client.post(f"{LOANS}/definitions", json=new_form("loan")), 201)
    ok(client.post(f"{LOAN_FORM}/publish"), 201)
    return client


@pytest.fixture
def designer(admin: TestClient, users: Any) -> TestClient:
    return users.client("design.zhao", grants=[{"app": "kyc", "actions": ["design"]}])


@pytest.fixture
def publisher(admin: TestClient, users: Any) -> TestClient:
    return users.client("publish.qian", grants=[{"app": "kyc", "actions": ["publish"]}])


@pytest.fixture
def app_admin(admin: TestClient, users: Any) -> TestClient:
    return users.client("admin.sun", grants=[{"app": "kyc", "actions": ["admin"]}])


# ---------------------------------------------------------------- apps


def test_creating_an_app_needs_admin_on_its_key(
    admin: TestClient, designer: TestClient, app_admin: TestClient, users: Any
) -> None:
    cards = {"key": "cards", "label": "Cards"}
    problem_of(designer.post(f"{API}/apps", json=cards), 403, "permission_denied")
    problem_of(app_admin.post(f"{API}/apps", json=cards), 403, "permission_denied")
    # Admin on kyc passes the permission check for that key; the key is simply taken.
    problem_of(app_admin.post(f"{API}/apps", json={"key": "kyc", "label": "K"}), 409, "app_exists")
    assert app_keys(admin) == ["kyc", "loans"]

    everywhere = users.client("admin.wu", grants=[{"app": "*", "actions": ["admin"]}])
    created = ok(everywhere.post(f"{API}/apps", json=cards), 201)
    assert (created["key"], created["created_by"]) == ("cards", "admin.wu")
    assert app_keys(everywhere) == ["cards", "kyc", "loans"]
    # Admin is not design: the new app's definitions belong to its designers.
    problem_of(
        everywhere.post(f"{API}/apps/cards/definitions", json=new_form("card")),
        403,
        "permission_denied",
    )


def test_app_settings_need_admin(
    admin: TestClient, designer: TestClient, publisher: TestClient, app_admin: TestClient
) -> None:
    for user in (designer, publisher):
        problem_of(user.patch(KYC, json={"label": "Mine"}), 403, "permission_denied")
        problem_of(user.patch(KYC, json={"publish_approval": True}), 403, "permission_denied")
        problem_of(user.post(f"{KYC}/archive"), 403, "permission_denied")
    assert ok(admin.get(KYC))["label"] == "KYC"

    assert ok(app_admin.patch(KYC, json={"publish_approval": True}))["publish_approval"] is True
    assert ok(app_admin.post(f"{KYC}/archive"))["archived_at"] is not None
    assert ok(app_admin.post(f"{KYC}/restore"))["archived_at"] is None
    problem_of(app_admin.patch(LOANS, json={"label": "Mine"}), 403, "permission_denied")
    problem_of(app_admin.post(f"{LOANS}/archive"), 403, "permission_denied")
    assert ok(admin.get(LOANS))["archived_at"] is None


def test_the_app_list_shows_only_the_apps_a_grant_reaches(
    admin: TestClient, designer: TestClient, publisher: TestClient, users: Any
) -> None:
    assert app_keys(admin) == ["kyc", "loans"]
    assert app_keys(designer) == ["kyc"]
    assert app_keys(publisher) == ["kyc"]
    ok(admin.post(f"{LOANS}/archive"))
    assert app_keys(designer, include_archived=True) == ["kyc"]
    assert app_keys(admin, include_archived=True) == ["kyc", "loans"]

    reader = users.client(
        "reader.li", grants=[{"app": "kyc", "form": "customer", "actions": ["read"], "rows": "all"}]
    )
    assert app_keys(reader) == ["kyc"]  # a record grant on one form reaches the app too
    assert [d["key"] for d in ok(reader.get(f"{KYC}/definitions"))] == ["customer"]
    nobody = users.client("nobody.he", grants=[])
    assert app_keys(nobody) == []


def test_another_apps_definitions_are_forbidden(admin: TestClient, designer: TestClient) -> None:
    for response in (
        designer.get(LOANS),
        designer.get(f"{LOANS}/definitions"),
        designer.get(LOAN_FORM),
        designer.get(f"{LOAN_FORM}/versions"),
        designer.get(f"{LOAN_FORM}/versions/1"),
        designer.get(f"{LOAN_FORM}/diff", params={"from": "1"}),
        designer.get(f"{LOANS}/publish-requests"),
        designer.get(f"{LOANS}/export"),
        designer.post(f"{LOANS}/definitions", json=new_form("other")),
        designer.put(LOAN_FORM, json=DRAFT),
        designer.post(f"{LOAN_FORM}/validate"),
        designer.post(f"{LOAN_FORM}/archive"),
        designer.post(f"{LOAN_FORM}/publish"),
        designer.delete(LOAN_FORM),
    ):
        problem_of(response, 403, "permission_denied")
    loan = ok(admin.get(LOAN_FORM))
    assert (loan["draft_revision"], loan["archived_at"]) == (1, None)
    assert [d["key"] for d in ok(admin.get(f"{LOANS}/definitions"))] == ["loan"]


# ---------------------------------------------------------------- design and publish


def test_a_designer_edits_drafts_but_cannot_publish(
    admin: TestClient, designer: TestClient
) -> None:
    ok(designer.post(f"{KYC}/definitions", json=new_form("scratch")), 201)
    ok(designer.delete(f"{KYC}/definitions/form/scratch"), 204)
    edited = ok(designer.put(FORM, json={**DRAFT, "base_revision": 1}))
    assert (edited["draft_revision"], edited["updated_by"]) == (2, "design.zhao")
    assert ok(designer.post(f"{FORM}/validate"))["valid"] is True
    ok(designer.get(f"{FORM}/diff", params={"from": "draft"}))
    ok(designer.post(f"{FORM}/archive"))
    ok(designer.post(f"{FORM}/restore"))

    problem_of(designer.post(f"{FORM}/publish"), 403, "permission_denied")
    problem_of(designer.post(f"{FORM}/publish", json={"dry_run": True}), 403, "permission_denied")
    assert ok(admin.get(f"{FORM}/versions")) == []


def test_a_publisher_publishes_but_cannot_edit_drafts(
    admin: TestClient, publisher: TestClient
) -> None:
    assert ok(publisher.get(FORM))["draft_revision"] == 1  # any grant on the app reads it
    problem_of(publisher.put(FORM, json=DRAFT), 403, "permission_denied")
    problem_of(
        publisher.post(f"{KYC}/definitions", json=new_form("other")), 403, "permission_denied"
    )
    problem_of(publisher.post(f"{FORM}/validate"), 403, "permission_denied")
    problem_of(publisher.get(f"{FORM}/diff", params={"from": "draft"}), 403, "permission_denied")
    problem_of(publisher.post(f"{FORM}/archive"), 403, "permission_denied")
    problem_of(publisher.delete(FORM), 403, "permission_denied")
    assert ok(admin.get(FORM))["draft_revision"] == 1

    published = ok(publisher.post(f"{FORM}/publish", json={"note": "go"}), 201)
    assert (published["version"], published["published_by"]) == (1, "publish.qian")


# ---------------------------------------------------------------- bundles


def test_export_needs_design_and_import_needs_admin(
    admin: TestClient, designer: TestClient, publisher: TestClient, app_admin: TestClient
) -> None:
    problem_of(publisher.get(f"{KYC}/export"), 403, "permission_denied")
    problem_of(app_admin.get(f"{KYC}/export"), 403, "permission_denied")
    bundle = ok(designer.get(f"{KYC}/export"))
    assert bundle["exported_by"] == "design.zhao"
    assert [d["key"] for d in bundle["definitions"]] == ["customer"]

    for user in (designer, publisher):
        problem_of(user.post(f"{API}/apps/import", json=bundle), 403, "permission_denied")
        problem_of(
            user.post(f"{API}/apps/import", json=bundle, params={"dry_run": True}),
            403,
            "permission_denied",
        )
    outcome = ok(app_admin.post(f"{API}/apps/import", json=bundle))
    assert (outcome["app_created"], outcome["definitions_unchanged"]) == (False, 1)

    loans = ok(admin.get(f"{LOANS}/export"))
    problem_of(app_admin.post(f"{API}/apps/import", json=loans), 403, "permission_denied")


# ---------------------------------------------------------------- administrator roles


def test_an_audit_administrator_never_designs_or_publishes(admin: TestClient, users: Any) -> None:
    auditor = users.client(
        "audit.li",
        roles=("audit_admin",),
        grants=[{"app": "*", "actions": ["design", "publish", "admin"]}],
    )
    assert ok(auditor.get(FORM))["key"] == "customer"  # reading is not a change
    bundle = ok(admin.get(f"{KYC}/export"))
    for response in (
        auditor.post(f"{API}/apps", json={"key": "cards", "label": "Cards"}),
        auditor.patch(KYC, json={"publish_approval": True}),
        auditor.post(f"{KYC}/archive"),
        auditor.post(f"{KYC}/definitions", json=new_form("other")),
        auditor.put(FORM, json=DRAFT),
        auditor.post(f"{FORM}/validate"),
        auditor.post(f"{FORM}/publish"),
        auditor.post(f"{FORM}/publish-requests", json={}),
        auditor.get(f"{KYC}/export"),
        auditor.post(f"{API}/apps/import", json=bundle),
    ):
        problem_of(response, 403, "audit_admin_read_only")
    assert ok(admin.get(FORM))["draft_revision"] == 1
    assert ok(admin.get(f"{FORM}/versions")) == []


def test_a_security_administrator_never_designs_or_publishes(admin: TestClient, users: Any) -> None:
    security = users.client("security.zhou", roles=("security_admin",))
    assert app_keys(security) == []
    for response in (
        security.get(KYC),
        security.post(f"{API}/apps", json={"key": "cards", "label": "Cards"}),
        security.patch(KYC, json={"publish_approval": True}),
        security.post(f"{KYC}/definitions", json=new_form("other")),
        security.put(FORM, json=DRAFT),
        security.post(f"{FORM}/publish"),
        security.get(f"{KYC}/export"),
    ):
        problem_of(response, 403, "permission_denied")
    assert ok(admin.get(f"{FORM}/versions")) == []


def test_anonymous_requests_are_401(admin: TestClient, anonymous_client: TestClient) -> None:
    for response in (
        anonymous_client.get(f"{API}/apps"),
        anonymous_client.post(f"{API}/apps", json={"key": "cards", "label": "Cards"}),
        anonymous_client.get(KYC),
        anonymous_client.patch(KYC, json={"publish_approval": True}),
        anonymous_client.get(f"{KYC}/definitions"),
        anonymous_client.get(FORM),
        anonymous_client.put(FORM, json=DRAFT),
        anonymous_client.post(f"{FORM}/publish"),
        anonymous_client.post(f"{FORM}/publish-requests", json={}),
        anonymous_client.get(f"{KYC}/publish-requests"),
        anonymous_client.get(f"{KYC}/export"),
        anonymous_client.post(f"{API}/apps/import", json={}),
    ):
        problem_of(response, 401, "not_authenticated")
