"""Business calendars over HTTP (system administrators keep them; audited) and rules that name
one for the working-day functions."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from brickwork.platform.models import AuditEvent

API = "/api/v1"
CN_2025 = {
    "label": "Mainland China 2025",
    "holidays": [
        "2025-10-01",
        "2025-10-02",
        "2025-10-03",
        "2025-10-06",
        "2025-10-07",
        "2025-10-08",
    ],
    "make_up_working_days": ["2025-09-28", "2025-10-11"],
}


def test_system_administrators_keep_calendars_audited(
    client: TestClient, users: Any, session: Session
) -> None:
    response = client.put(f"{API}/calendars/cn", json=CN_2025)
    assert response.status_code == 200, response.text
    assert response.json()["working_weekdays"] == [1, 2, 3, 4, 5]
    assert client.get(f"{API}/calendars/cn").json()["holidays"][0] == "2025-10-01"
    assert [c["key"] for c in client.get(f"{API}/calendars").json()["items"]] == ["cn"]
    both = {**CN_2025, "holidays": ["2025-10-11"]}
    refused = client.put(f"{API}/calendars/cn", json=both)
    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == "calendar_invalid"
    assert "both a holiday and a make-up working day" in refused.json()["errors"][0]["message"]
    clerk = users.client("clerk.cal", grants=[{"app": "*", "actions": ["design"]}])
    assert clerk.put(f"{API}/calendars/cn", json=CN_2025).json()["code"] == "admin_role_required"
    assert client.get(f"{API}/calendars/xx").json()["code"] == "calendar_not_found"
    session.expire_all()
    events = session.scalars(
        select(AuditEvent.action).where(AuditEvent.object_type == "calendar")
    ).all()
    assert list(events) == ["calendar.put"]
    assert client.delete(f"{API}/calendars/cn").status_code == 204
    assert client.get(f"{API}/calendars").json()["items"] == []


def test_a_rule_naming_a_calendar_counts_working_days(client: TestClient) -> None:
    app = f"{API}/apps/credit"
    assert client.post(f"{API}/apps", json={"key": "credit", "label": "Credit"}).status_code == 201
    fields = [
        {"id": "f_applied", "key": "applied", "type": "date", "label": "Applied"},
        {"id": "f_due", "key": "due", "type": "date", "label": "Due"},
    ]
    due = {
        "trigger": {"on": "record", "form": "loan"},
        "phase": "before_save",
        "calendar": "cn",
        "actions": [{"type": "set_fields", "values": {"due": "add working days(applied, 3)"}}],
    }
    for kind, key, spec in (("form", "loan", {"fields": fields}), ("rule", "due", due)):
        body = {"kind": kind, "key": key, "label": key}
        assert client.post(f"{app}/definitions", json=body).status_code == 201
        draft = client.put(f"{app}/definitions/{kind}/{key}", json={"label": key, "spec": spec})
        assert draft.status_code == 200, draft.text
    assert client.post(f"{app}/definitions/form/loan/publish").status_code == 201
    refused = client.post(f"{app}/definitions/rule/due/publish")
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"] == [
        {
            "pointer": "/spec/calendar",
            "code": "E_RULE_UNKNOWN_CALENDAR",
            "message": "there is no business calendar `cn`",
        }
    ]
    assert client.put(f"{API}/calendars/cn", json=CN_2025).status_code == 200
    assert client.post(f"{app}/definitions/rule/due/publish").status_code == 201
    created = client.post(f"{app}/forms/loan/records", json={"applied": "2025-09-30"})
    assert created.status_code == 201, created.text
    assert created.json()["due"] == "2025-10-11"  # 9 and 10 October, then the make-up Saturday
    in_use = client.delete(f"{API}/calendars/cn")
    assert in_use.status_code == 409, in_use.text
    assert in_use.json()["code"] == "calendar_in_use"
    assert [e["pointer"] for e in in_use.json()["errors"]] == ["/rules/credit/due"]
    assert client.post(f"{app}/definitions/rule/due/archive").status_code == 200
    assert client.delete(f"{API}/calendars/cn").status_code == 204
