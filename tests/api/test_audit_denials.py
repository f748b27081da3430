"""Refused requests in the audit trail: each refusal (401, 403, a 404 hiding a row of another
scope, a refused unmask, filter or token scope) is an event with result ``denied``, written in a
transaction of its own, and a flood is summarised instead of filling the disk."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from brickwork.platform.audit.denials import DenialLimits
from brickwork.platform.models import AuditEvent

API = "/api/v1"
FORM = f"{API}/apps/desk/definitions/form/deal"
RECORDS = f"{API}/apps/desk/forms/deal/records"
FIELDS: list[dict[str, Any]] = [
    {"id": "f_name", "key": "name", "type": "text", "label": "Name", "required": True},
    {"id": "f_rid", "key": "resident_id", "type": "resident_id", "label": "Resident ID"},
]
TELLER = [
    {
        "app": "desk",
        "form": "deal",
        "actions": ["create", "read"],
        "rows": "own",
        "fields": {"resident_id": "masked"},
    }
]


@pytest.fixture
def desk(client: TestClient) -> str:
    """The admin's record id on the published desk.deal form."""
    client.post(f"{API}/apps", json={"key": "desk", "label": "Desk"})
    client.post(f"{API}/apps/desk/definitions", json={"kind": "form", "key": "deal", "label": "D"})
    assert client.put(FORM, json={"label": "Deal", "spec": {"fields": FIELDS}}).status_code == 200
    assert client.post(f"{FORM}/publish").status_code == 201
    created = client.post(RECORDS, json={"name": "A", "resident_id": "310115198001011238"})
    assert created.status_code == 201, created.text
    record_id: str = created.json()["id"]
    return record_id


@pytest.fixture
def auditor(users: Any) -> TestClient:
    return users.client("audit.li", roles=("audit_admin",))


def denied(auditor: TestClient, **params: Any) -> list[dict[str, Any]]:
    response = auditor.get(
        f"{API}/audit/events", params={"result": "denied", "order": "asc", "limit": 500, **params}
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def refused(response: Any, status: int, code: str) -> str:
    assert response.status_code == status, response.text
    assert response.json()["code"] == code
    request_id: str = response.headers["x-request-id"]
    return request_id


def test_each_kind_of_refusal_is_an_event_of_its_own(
    users: Any, desk: str, auditor: TestClient, anonymous_client: TestClient
) -> None:
    teller = users.client("teller", grants=TELLER)
    own = teller.post(RECORDS, json={"name": "T"}).json()
    outsider = users.client("outsider")
    token = teller.post(f"{API}/auth/tokens", json={"name": "robot", "scopes": ["read:desk"]})
    bearer = {"Authorization": f"Bearer {token.json()['token']}"}

    cases = {
        refused(anonymous_client.get(RECORDS), 401, "not_authenticated"): "anonymous",
        refused(outsider.get(RECORDS), 403, "permission_denied"): "outsider",
        refused(teller.get(f"{RECORDS}/{desk}"), 404, "record_not_found"): "teller",
        refused(
            teller.get(RECORDS, params={"filter": 'resident_id = "310115198001011238"'}),
            403,
            "field_not_readable",
        ): "teller",
        refused(
            teller.post(
                f"{RECORDS}/{own['id']}/unmask",
                json={"fields": ["resident_id"], "reason": "customer called"},
            ),
            403,
            "unmask_not_allowed",
        ): "teller",
        refused(
            teller.post(RECORDS, json={"name": "X"}, headers=bearer),
            403,
            "token_scope_insufficient",
        ): "teller",
    }
    nowhere = teller.get(f"{RECORDS}/0123456789abcdef0123456789abcdef")
    assert nowhere.status_code == 404  # a record nobody has: not a refusal

    events = denied(auditor)
    assert {event["request_id"]: event["actor"] for event in events} == cases
    for event in events:
        assert event["action"] == "access.denied"
        assert event["ip"] == "testclient"
        assert event["object_type"] == "request"
    hidden = next(e for e in events if e["details"]["code"] == "record_not_found")
    assert hidden["object_id"] == f"GET {RECORDS}/{desk}"
    assert hidden["details"] == {"status": 404, "code": "record_not_found"}
    assert auditor.get(f"{API}/audit/verify").json()["intact"]


def test_a_flood_is_written_up_to_the_limits_then_summarised(
    users: Any, auditor: TestClient, anonymous_client: TestClient, clock: Any
) -> None:
    users.app.state.denials.limits = DenialLimits(per_source=3, per_window=5, window_seconds=600)
    teller = users.client("teller")
    outsider = users.client("outsider")
    for _ in range(10):
        refused(anonymous_client.get(f"{API}/apps"), 401, "not_authenticated")
    for _ in range(4):
        refused(teller.get(f"{API}/audit/events"), 403, "admin_role_required")
    for _ in range(2):
        refused(outsider.get(f"{API}/audit/verify"), 403, "admin_role_required")

    events = denied(auditor)
    assert [event["actor"] for event in events] == ["anonymous"] * 3 + ["teller"] * 2

    clock.now += timedelta(minutes=10)
    last = refused(anonymous_client.get(f"{API}/apps"), 401, "not_authenticated")
    later = denied(auditor)[len(events) :]
    summaries = {
        event["actor"]: event["details"]
        for event in later
        if event["action"] == "access.denied_summary"
    }
    assert {actor: d["suppressed"] for actor, d in summaries.items()} == {
        "anonymous": 7,
        "teller": 2,
        "(untracked sources)": 2,
    }
    assert summaries["teller"]["codes"] == {"admin_role_required": 2}
    assert [e["request_id"] for e in later if e["action"] == "access.denied"] == [last]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_refusals_and_reads_are_committed_on_their_own(
    backend: str,
    app_on_fresh_database: Callable[[str], FastAPI],
    admin_on_own_database: Callable[[TestClient], TestClient],
) -> None:
    """Real transactions: the request's rolls back, the refusal's event stays; a read's event
    is committed after the read."""
    app = app_on_fresh_database(backend)
    with TestClient(app) as client, TestClient(app) as anonymous:
        admin_on_own_database(client)
        refused(anonymous.get(RECORDS), 401, "not_authenticated")
        refused(client.get(f"{API}/audit/events"), 403, "admin_role_required")
        with app.state.session_factory() as session:
            rows = session.execute(
                select(AuditEvent.actor, AuditEvent.details).where(AuditEvent.result == "denied")
            ).all()
        assert [(actor, details["code"]) for actor, details in rows] == [
            ("anonymous", "not_authenticated"),
            ("admin", "admin_role_required"),
        ]
