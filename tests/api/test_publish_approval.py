"""Maker-checker publishing through create_app(): an app that requires approval publishes a draft
only when another user holding ``publish`` approves the request for exactly that draft."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from brickwork.jsonio import checksum
from brickwork.platform.auth.actor import Actor
from brickwork.platform.metadata.schemas import Kind
from brickwork.platform.models import AuditEvent

API = "/api/v1"
APP = f"{API}/apps/kyc"
FORM = f"{APP}/definitions/form/customer"
REQUESTS = f"{APP}/publish-requests"
RECORDS = f"{APP}/forms/customer/records"
PROBLEM = "application/problem+json"
DESIGN_AND_PUBLISH = [{"app": "kyc", "actions": ["design", "publish"]}]
NAME = {"id": "f_name", "key": "name", "type": "text", "label": "Name"}
NOTE = {"id": "f_note", "key": "note", "type": "textarea", "label": "Note"}


def problem_of(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    return body


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def events(session: Session, action: str) -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    return list(session.scalars(query))


def edit(client: TestClient, url: str, fields: list[dict[str, Any]]) -> Any:
    return ok(client.put(url, json={"label": "Customer", "spec": {"fields": fields}}))


def add_form(client: TestClient, key: str) -> str:
    body = {"kind": "form", "key": key, "label": key, "spec": {"fields": [NAME]}}
    ok(client.post(f"{APP}/definitions", json=body), 201)
    return f"{APP}/definitions/form/{key}"


def request_publication(client: TestClient, url: str = FORM, **body: Any) -> dict[str, Any]:
    created: dict[str, Any] = ok(client.post(f"{url}/publish-requests", json=body), 201)
    return created


@pytest.fixture
def kyc(client: TestClient) -> TestClient:
    """App ``kyc`` (no approval yet) with an unpublished form ``customer``; ``client`` is admin."""
    ok(client.post(f"{API}/apps", json={"key": "kyc", "label": "KYC"}), 201)
    response = client.post(
        f"{APP}/definitions",
        json={"kind": "form", "key": "customer", "label": "Customer", "spec": {"fields": [NAME]}},
    )
    ok(response, 201)
    return client


@pytest.fixture
def approval(kyc: TestClient) -> TestClient:
    ok(kyc.patch(APP, json={"publish_approval": True}))
    return kyc


@pytest.fixture
def maker(approval: TestClient, users: Any) -> TestClient:
    return users.client("maker.zhao", grants=DESIGN_AND_PUBLISH)


@pytest.fixture
def checker(approval: TestClient, users: Any) -> TestClient:
    return users.client("checker.qian", grants=DESIGN_AND_PUBLISH)


# ---------------------------------------------------------------- turning it on


def test_turning_approval_on_needs_admin_and_is_audited(
    kyc: TestClient, users: Any, session: Session
) -> None:
    designer = users.client("maker.zhao", grants=DESIGN_AND_PUBLISH)
    problem_of(designer.patch(APP, json={"publish_approval": True}), 403, "permission_denied")
    assert ok(kyc.get(APP))["publish_approval"] is False

    updated = ok(kyc.patch(APP, json={"publish_approval": True}))
    assert (updated["publish_approval"], updated["updated_by"]) == (True, "admin")
    assert ok(designer.get(APP))["publish_approval"] is True
    [event] = events(session, "app.update")
    assert (event.actor, event.object_type, event.object_id) == ("admin", "app", "kyc")
    assert event.details == {
        "changes": [
            {"path": "publish_approval", "change": "changed", "before": False, "after": True}
        ]
    }


# ---------------------------------------------------------------- the whole story


def test_request_then_approval_by_another_designer_publishes(
    approval: TestClient, maker: TestClient, checker: TestClient, session: Session
) -> None:
    problem_of(maker.post(f"{FORM}/publish", json={"note": "go"}), 409, "publish_approval_required")
    problem_of(approval.post(f"{FORM}/publish"), 409, "publish_approval_required")  # sysadmin too
    dry = ok(maker.post(f"{FORM}/publish", json={"dry_run": True}))
    assert (dry["dry_run"], dry["version"]) == (True, 1)
    assert dry["steps"]  # the form's table would be created
    assert ok(maker.get(f"{FORM}/versions")) == []
    problem_of(approval.post(RECORDS, json={"name": "李雷"}), 404, "form_not_published")

    pending = request_publication(maker, note="first customer form", base_revision=1)
    assert pending["status"] == "pending"
    assert (pending["kind"], pending["key"], pending["draft_revision"]) == ("form", "customer", 1)
    assert (pending["requested_by"], pending["note"]) == ("maker.zhao", "first customer form")
    assert pending["checksum"].startswith("sha256:")
    assert pending["decided_by"] is None
    assert pending["published_version"] is None
    assert ok(checker.get(f"{REQUESTS}/{pending['id']}")) == pending
    assert ok(maker.get(f"{FORM}/versions")) == []  # nothing is published yet

    approved = ok(checker.post(f"{REQUESTS}/{pending['id']}/approve", json={"note": "looks right"}))
    assert approved["status"] == "approved"
    assert (approved["decided_by"], approved["decision_note"]) == ("checker.qian", "looks right")
    assert approved["decided_at"] is not None
    assert approved["published_version"] == 1

    [version] = ok(maker.get(f"{FORM}/versions"))
    assert (version["version"], version["published_by"]) == (1, "checker.qian")
    assert version["note"] == "first customer form"
    assert version["checksum"] == pending["checksum"]
    definition = ok(maker.get(FORM))
    assert (definition["status"], definition["latest_version"]) == ("published", 1)

    record = ok(approval.post(RECORDS, json={"name": "李雷"}), 201)
    assert (record["name"], record["version"]) == ("李雷", 1)
    assert ok(approval.get(f"{RECORDS}/{record['id']}"))["name"] == "李雷"

    [requested] = events(session, "publish.request")
    [decided] = events(session, "publish.approve")
    [published] = events(session, "definition.publish")
    assert (requested.actor, decided.actor, published.actor) == (
        "maker.zhao",
        "checker.qian",
        "checker.qian",
    )
    assert requested.object_id == decided.object_id == pending["id"]
    assert requested.details["definition"] == "kyc/form/customer"
    assert decided.details["status"] == "approved"
    assert decided.details["published_version"] == 1
    assert published.details["approved_request"] == pending["id"]
    assert published.details["version"] == 1


def test_a_system_administrator_may_check_a_designers_request(
    approval: TestClient, maker: TestClient
) -> None:
    pending = request_publication(maker)
    approved = ok(approval.post(f"{REQUESTS}/{pending['id']}/approve"))
    assert (approved["decided_by"], approved["decision_note"]) == ("admin", "")
    assert ok(maker.get(FORM))["latest_version"] == 1


# ---------------------------------------------------------------- who may decide


def test_the_requester_never_decides_their_own_request_even_as_system_admin(
    approval: TestClient, maker: TestClient, users: Any
) -> None:
    own = request_publication(maker)
    problem_of(maker.post(f"{REQUESTS}/{own['id']}/approve"), 403, "self_approval_forbidden")
    problem_of(
        maker.post(f"{REQUESTS}/{own['id']}/reject", json={"note": "no"}),
        403,
        "self_approval_forbidden",
    )
    ok(maker.post(f"{REQUESTS}/{own['id']}/withdraw"))

    sysadmin = users.client("li.wei", roles=("system_admin",))
    theirs = request_publication(sysadmin)
    assert theirs["requested_by"] == "li.wei"
    problem_of(sysadmin.post(f"{REQUESTS}/{theirs['id']}/approve"), 403, "self_approval_forbidden")
    assert ok(sysadmin.get(f"{REQUESTS}/{theirs['id']}"))["status"] == "pending"
    assert ok(sysadmin.get(f"{FORM}/versions")) == []


def test_a_user_without_publish_can_neither_request_nor_decide(
    approval: TestClient, maker: TestClient, users: Any
) -> None:
    pending = request_publication(maker)
    designer = users.client("design.sun", grants=[{"app": "kyc", "actions": ["design"]}])
    problem_of(designer.post(f"{REQUESTS}/{pending['id']}/approve"), 403, "permission_denied")
    problem_of(
        designer.post(f"{REQUESTS}/{pending['id']}/reject", json={"note": "no"}),
        403,
        "permission_denied",
    )
    problem_of(designer.post(f"{FORM}/publish-requests", json={}), 403, "permission_denied")
    problem_of(designer.post(f"{REQUESTS}/{pending['id']}/withdraw"), 403, "not_the_requester")
    # Any grant on the app shows its requests.
    assert [r["id"] for r in ok(designer.get(REQUESTS))] == [pending["id"]]

    stranger = users.client("stranger.wu", grants=[])
    problem_of(stranger.get(REQUESTS), 403, "permission_denied")
    problem_of(stranger.get(f"{REQUESTS}/{pending['id']}"), 403, "permission_denied")
    problem_of(stranger.post(f"{REQUESTS}/{pending['id']}/approve"), 403, "permission_denied")
    assert ok(maker.get(f"{REQUESTS}/{pending['id']}"))["status"] == "pending"


def test_an_audit_administrator_cannot_approve(
    approval: TestClient, maker: TestClient, users: Any
) -> None:
    pending = request_publication(maker)
    auditor = users.client("audit.li", roles=("audit_admin",), grants=DESIGN_AND_PUBLISH)
    problem_of(auditor.post(f"{REQUESTS}/{pending['id']}/approve"), 403, "audit_admin_read_only")
    problem_of(
        auditor.post(f"{REQUESTS}/{pending['id']}/reject", json={"note": "no"}),
        403,
        "audit_admin_read_only",
    )
    problem_of(auditor.post(f"{FORM}/publish-requests", json={}), 403, "audit_admin_read_only")
    assert ok(maker.get(f"{REQUESTS}/{pending['id']}"))["status"] == "pending"


# ---------------------------------------------------------------- what is decided


def test_a_draft_edited_after_the_request_cannot_be_approved(
    approval: TestClient, maker: TestClient, checker: TestClient, session: Session
) -> None:
    pending = request_publication(maker)
    edit(maker, FORM, [NAME, NOTE])
    body = problem_of(
        checker.post(f"{REQUESTS}/{pending['id']}/approve"), 409, "publish_request_stale"
    )
    assert "revision 1, now 2" in body["detail"]
    assert ok(checker.get(f"{REQUESTS}/{pending['id']}"))["status"] == "pending"
    assert ok(checker.get(f"{FORM}/versions")) == []
    assert events(session, "definition.publish") == []

    # Editing back to the requested content is still a different revision: ask again.
    edit(maker, FORM, [NAME])
    problem_of(checker.post(f"{REQUESTS}/{pending['id']}/approve"), 409, "publish_request_stale")
    ok(maker.post(f"{REQUESTS}/{pending['id']}/withdraw"))
    again = request_publication(maker)
    assert again["draft_revision"] == 3
    assert ok(checker.post(f"{REQUESTS}/{again['id']}/approve"))["published_version"] == 1
    assert ok(checker.get(FORM))["draft_differs"] is False


def test_rejecting_needs_a_note_and_closes_the_request(
    approval: TestClient, maker: TestClient, checker: TestClient, session: Session
) -> None:
    pending = request_publication(maker)
    reject = f"{REQUESTS}/{pending['id']}/reject"
    for note in ("", "   "):
        body = problem_of(checker.post(reject, json={"note": note}), 422, "decision_note_required")
        assert body["errors"][0]["pointer"] == "/note"
    problem_of(checker.post(reject, json={}), 422, "decision_note_required")
    assert ok(checker.get(f"{REQUESTS}/{pending['id']}"))["status"] == "pending"

    rejected = ok(checker.post(reject, json={"note": "name must be required"}))
    assert (rejected["status"], rejected["decided_by"]) == ("rejected", "checker.qian")
    assert rejected["decision_note"] == "name must be required"
    assert rejected["published_version"] is None
    [event] = events(session, "publish.reject")
    assert (event.actor, event.details["note"]) == ("checker.qian", "name must be required")

    problem_of(checker.post(f"{REQUESTS}/{pending['id']}/approve"), 409, "publish_request_closed")
    problem_of(checker.post(reject, json={"note": "again"}), 409, "publish_request_closed")
    problem_of(maker.post(f"{REQUESTS}/{pending['id']}/withdraw"), 409, "publish_request_closed")
    assert ok(checker.get(f"{FORM}/versions")) == []


def test_only_the_requester_withdraws(
    approval: TestClient, maker: TestClient, checker: TestClient, session: Session
) -> None:
    pending = request_publication(maker)
    withdraw = f"{REQUESTS}/{pending['id']}/withdraw"
    problem_of(checker.post(withdraw), 403, "not_the_requester")
    problem_of(approval.post(withdraw), 403, "not_the_requester")  # not even a system admin

    withdrawn = ok(maker.post(withdraw))
    assert (withdrawn["status"], withdrawn["decided_by"]) == ("withdrawn", "maker.zhao")
    [event] = events(session, "publish.withdraw")
    assert (event.actor, event.object_id) == ("maker.zhao", pending["id"])
    problem_of(maker.post(withdraw), 409, "publish_request_closed")
    problem_of(checker.post(f"{REQUESTS}/{pending['id']}/approve"), 409, "publish_request_closed")
    assert ok(checker.get(f"{FORM}/versions")) == []


def test_one_pending_request_per_definition(
    approval: TestClient, maker: TestClient, checker: TestClient
) -> None:
    first = request_publication(maker)
    problem_of(maker.post(f"{FORM}/publish-requests", json={}), 409, "publish_request_pending")
    problem_of(checker.post(f"{FORM}/publish-requests", json={}), 409, "publish_request_pending")
    other = request_publication(checker, add_form(approval, "loan"))  # another definition
    newest_first = [other["id"], first["id"]]
    assert [r["id"] for r in ok(maker.get(REQUESTS, params={"status": "pending"}))] == newest_first

    ok(checker.post(f"{REQUESTS}/{first['id']}/approve"))
    edit(maker, FORM, [NAME, NOTE])
    second = request_publication(maker)  # the earlier one is decided: a new one may be pending
    assert second["draft_revision"] == 2


def test_requests_are_checked_as_publishing_would_be(
    approval: TestClient, maker: TestClient, checker: TestClient
) -> None:
    edit(maker, FORM, [NAME, {**NOTE, "id": "f_name"}])
    body = problem_of(maker.post(f"{FORM}/publish-requests", json={}), 422, "definition_invalid")
    assert body["errors"][0]["pointer"] == "/spec/fields/1/id"
    problem_of(
        maker.post(f"{FORM}/publish-requests", json={"base_revision": 1}), 409, "stale_revision"
    )
    edit(maker, FORM, [NAME])
    pending = request_publication(maker)
    ok(checker.post(f"{REQUESTS}/{pending['id']}/approve"))
    problem_of(maker.post(f"{FORM}/publish-requests", json={}), 409, "no_changes")
    problem_of(
        maker.post(f"{APP}/definitions/form/nope/publish-requests", json={}),
        404,
        "definition_not_found",
    )
    assert [r["status"] for r in ok(maker.get(REQUESTS))] == ["approved"]


def test_listing_by_status_and_reading_one(
    approval: TestClient, maker: TestClient, checker: TestClient, users: Any
) -> None:
    approved = request_publication(maker)
    ok(checker.post(f"{REQUESTS}/{approved['id']}/approve"))
    rejected = request_publication(maker, add_form(approval, "loan"))
    ok(checker.post(f"{REQUESTS}/{rejected['id']}/reject", json={"note": "not yet"}))
    withdrawn = request_publication(maker, add_form(approval, "account"))
    ok(maker.post(f"{REQUESTS}/{withdrawn['id']}/withdraw"))
    pending = request_publication(checker, add_form(approval, "card"))

    def listed(**params: Any) -> list[tuple[str, str]]:
        return [(r["key"], r["status"]) for r in ok(maker.get(REQUESTS, params=params))]

    assert listed() == [  # newest first
        ("card", "pending"),
        ("account", "withdrawn"),
        ("loan", "rejected"),
        ("customer", "approved"),
    ]
    assert listed(status="pending") == [("card", "pending")]
    assert listed(status="approved") == [("customer", "approved")]
    assert listed(status="rejected") == [("loan", "rejected")]
    assert listed(status="withdrawn") == [("account", "withdrawn")]
    problem_of(maker.get(REQUESTS, params={"status": "open"}), 422, "validation_failed")
    assert ok(maker.get(f"{REQUESTS}/{pending['id']}"))["requested_by"] == "checker.qian"
    problem_of(maker.get(f"{REQUESTS}/no-such-request"), 404, "publish_request_not_found")

    # A request belongs to its app: another app's path does not reach it.
    ok(approval.post(f"{API}/apps", json={"key": "loans", "label": "Loans"}), 201)
    problem_of(
        approval.get(f"{API}/apps/loans/publish-requests/{pending['id']}"),
        404,
        "publish_request_not_found",
    )
    problem_of(
        approval.post(f"{API}/apps/loans/publish-requests/{pending['id']}/approve"),
        404,
        "publish_request_not_found",
    )
    assert ok(approval.get(f"{API}/apps/loans/publish-requests")) == []


def test_a_draft_with_publish_requests_is_deleted_only_when_none_is_pending(
    approval: TestClient, maker: TestClient, checker: TestClient, session: Session
) -> None:
    """A never-published draft stays deletable after its requests are decided; a pending
    request must be decided or withdrawn first (the checker would approve a vanished draft)."""
    loan = add_form(approval, "loan")
    withdrawn = request_publication(maker, loan)
    ok(maker.post(f"{REQUESTS}/{withdrawn['id']}/withdraw"))
    rejected = request_publication(maker, loan)
    ok(checker.post(f"{REQUESTS}/{rejected['id']}/reject", json={"note": "not this one"}))
    pending = request_publication(maker, loan)

    problem_of(maker.delete(loan), 409, "publish_request_pending")
    assert ok(maker.get(loan))["key"] == "loan"
    ok(maker.post(f"{REQUESTS}/{pending['id']}/withdraw"))

    assert maker.delete(loan).status_code == 204
    problem_of(maker.get(loan), 404, "definition_not_found")
    assert ok(maker.get(REQUESTS)) == []
    [event] = events(session, "definition.delete")
    assert event.details["publish_requests"] == [pending["id"], rejected["id"], withdrawn["id"]]
    assert len(events(session, "publish.request")) == 3  # the trail keeps the whole story


# ---------------------------------------------------------------- what is unaffected


def test_apps_without_approval_publish_directly(kyc: TestClient, users: Any) -> None:
    designer = users.client("maker.zhao", grants=DESIGN_AND_PUBLISH)
    published = ok(designer.post(f"{FORM}/publish", json={"note": "direct"}), 201)
    assert (published["version"], published["published_by"]) == (1, "maker.zhao")

    ok(kyc.patch(APP, json={"publish_approval": True}))
    edit(designer, FORM, [NAME, NOTE])
    problem_of(designer.post(f"{FORM}/publish"), 409, "publish_approval_required")
    ok(kyc.patch(APP, json={"publish_approval": False}))
    assert ok(designer.post(f"{FORM}/publish"), 201)["version"] == 2


def test_dry_run_publish_is_still_allowed_with_approval_on(
    approval: TestClient, maker: TestClient, session: Session
) -> None:
    dry = ok(maker.post(f"{FORM}/publish", json={"dry_run": True, "note": "try"}))
    assert (dry["dry_run"], dry["version"]) == (True, 1)
    assert ok(maker.get(f"{FORM}/versions")) == []
    assert events(session, "definition.publish") == []
    assert ok(maker.get(REQUESTS)) == []


def test_the_system_actor_publishes_without_approval(
    approval: TestClient, users: Any, session: Session
) -> None:
    """The CLI and the pack installer act as a trusted system actor: no maker-checker."""
    cli = Actor("system", channel="cli", system=True)
    outcome = users.app.state.metadata.publish(
        session, cli, "kyc", Kind.FORM, "customer", note="installed"
    )
    session.commit()
    assert outcome.version_number == 1
    [version] = ok(approval.get(f"{FORM}/versions"))
    assert (version["version"], version["published_by"]) == (1, "system")
    [event] = events(session, "definition.publish")
    assert (event.channel, "approved_request" in event.details) == ("cli", False)
    ok(approval.post(RECORDS, json={"name": "李雷"}), 201)


def test_a_bundle_cannot_bring_versions_past_the_checker(
    approval: TestClient, session: Session
) -> None:
    """Versions in a bundle are publications: an approval app takes them only from the host."""
    bundle = ok(approval.get(f"{APP}/export"))
    (definition,) = bundle["definitions"]
    body = definition["draft"]
    definition["versions"] = [
        {
            "version": 1,
            "body": body,
            "checksum": checksum(body),
            "published_at": "2026-01-05T09:00:00+00:00",
            "published_by": "elsewhere",
        }
    ]
    problem = problem_of(
        approval.post(f"{API}/apps/import", json=bundle), 409, "publish_approval_required"
    )
    assert "brickwork apps import" in problem["detail"]
    assert ok(approval.get(f"{FORM}/versions")) == []
    outcome = approval.app.state.bundles.import_bundle(  # type: ignore[attr-defined]
        session, Actor("ops", channel="cli", system=True), bundle
    )
    assert outcome.versions_added == 1
    # A bundle bringing no new version (here: the current state) still imports over the API.
    again = ok(approval.post(f"{API}/apps/import", json=ok(approval.get(f"{APP}/export"))))
    assert again["versions_added"] == 0
