"""What one record creation costs in SQL statements (issue 9: create throughput).

Counts the statements of a create through ``create_app()``: a bound that grows means every write
pays more, and holds the write lock longer on SQLite."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sql_trace import statements
from sqlalchemy import select
from sqlalchemy.orm import Session

from brickwork.platform.models import AuditEvent
from conftest import Users

API = "/api/v1"
RECORDS = f"{API}/apps/desk/forms/client/records"
FIELDS: list[dict[str, Any]] = [
    {"id": "f_name", "key": "name", "type": "text", "label": "Name"},
    {"id": "f_aum", "key": "aum", "type": "money", "label": "AUM", "currency": "CNY"},
    {"id": "f_mobile", "key": "mobile", "type": "phone", "label": "Mobile"},
]
CLERK_GRANT = {
    "app": "desk",
    "form": "client",
    "actions": ["create", "read"],
    "rows": "department",
}
WORK = ("SELECT", "INSERT", "UPDATE", "DELETE")


@pytest.fixture
def clerk(client: TestClient, users: Users) -> TestClient:
    client.post(f"{API}/apps", json={"key": "desk", "label": "Desk"})
    created = client.post(
        f"{API}/apps/desk/definitions",
        json={"kind": "form", "key": "client", "label": "Client", "spec": {"fields": FIELDS}},
    )
    assert created.status_code == 201, created.text
    assert client.post(f"{API}/apps/desk/definitions/form/client/publish").status_code == 201
    return users.client("clerk.writes", grants=[CLERK_GRANT], departments=("branch_a",))


def test_a_create_reads_roles_once_writes_without_reading_back_and_appends_in_two_statements(
    clerk: TestClient, connection: Any, session: Session
) -> None:
    body = {"name": "Li Lei", "aum": "1200.50", "mobile": "13800138000"}
    assert clerk.post(RECORDS, json=body).status_code == 201  # forms and the chain head known
    with statements(connection.engine) as seen:
        response = clerk.post(RECORDS, json={**body, "name": "Han Meimei"})
    assert response.status_code == 201, response.text
    work = [s for s in seen if s.upper().startswith(WORK)]
    roles = [s for s in work if "FROM roles" in s or "JOIN roles" in s]
    record_reads = [s for s in work if s.startswith("SELECT") and "f_desk_client" in s]
    chain_reads = [s for s in work if s.startswith("SELECT") and "FROM audit_chain" in s]
    assert (len(roles), record_reads, chain_reads) == (1, [], []), work
    # session, user and roles, form version, departments, the app's published rules (once per
    # transaction, for the before- and after-save rules); the row, its history, the chain head
    # and its event
    assert len(work) <= 8, work
    assert len([s for s in work if "FROM definitions JOIN apps" in s]) == 1, work

    created = response.json()
    assert (created["name"], created["aum"]["amount"], created["version"]) == (
        "Han Meimei",
        "1200.50",
        1,
    )
    assert clerk.get(f"{RECORDS}/{created['id']}").json() == created  # as stored
    logged = session.scalars(
        select(AuditEvent).where(AuditEvent.object_id == f"desk/client/{created['id']}")
    ).all()
    assert [e.action for e in logged] == ["record.create"]
    assert clerk.app.state.audit.verify(session).intact  # type: ignore[attr-defined]
