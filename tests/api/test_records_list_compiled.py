"""Record lists compile their statements and row conversion once per form version, grants and
row-scope facts (``records/listing.py``): what is compiled must follow every change of those at
once, and a list reads only the fields its reader sees."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, event, text
from sqlalchemy.orm import Session

API = "/api/v1"
RECORDS = f"{API}/apps/vault/forms/holder/records"
FORM = f"{API}/apps/vault/definitions/form/holder"
RID = "310115198001011238"
RID_MASKED = "310115********1238"

FIELDS: list[dict[str, Any]] = [
    {"id": "f_name", "key": "name", "type": "text", "label": "Name", "required": True},
    {"id": "f_rid", "key": "resident_id", "type": "resident_id", "label": "ID"},
    {"id": "f_pin", "key": "pin", "type": "text", "label": "PIN", "encrypted": True},
    {"id": "f_aum", "key": "aum", "type": "money", "label": "AUM", "currency": "CNY"},
]


def grant(**more: Any) -> dict[str, Any]:
    return {"app": "vault", "form": "holder", "actions": ["read"], "rows": "own", **more}


@pytest.fixture
def vault(client: TestClient, users: Any) -> TestClient:
    client.post(f"{API}/apps", json={"key": "vault", "label": "Vault"})
    client.post(
        f"{API}/apps/vault/definitions", json={"kind": "form", "key": "holder", "label": "Holder"}
    )
    response = client.put(FORM, json={"label": "Holder", "spec": {"fields": FIELDS}})
    assert response.status_code == 200, response.text
    assert client.post(f"{FORM}/publish", json={}).status_code == 201
    users.role("clerk", [grant(fields={"resident_id": "masked", "pin": "hidden"})])
    return client


def add(client: TestClient, name: str) -> None:
    body = {"name": name, "resident_id": RID, "pin": "1234", "aum": "123456789012.89"}
    response = client.post(RECORDS, json=body)
    assert response.status_code == 201, response.text


def table_of(session: Session) -> str:
    name = session.execute(
        text("SELECT table_name FROM form_tables WHERE table_name LIKE 'f_vault%'")
    ).scalar_one()
    return str(name)


def test_a_role_change_reaches_the_very_next_page(vault: TestClient, users: Any) -> None:
    add(vault, "theirs")
    clerk = users.client("c", roles=("clerk",))
    page = clerk.get(RECORDS)
    assert page.status_code == 200, page.text
    assert page.json()["items"] == [], "own rows only"
    users.role("clerk", [grant(rows="all", fields={"resident_id": "masked", "pin": "hidden"})])
    items = clerk.get(RECORDS).json()["items"]
    assert [(i["name"], i["resident_id"], "pin" in i) for i in items] == [
        ("theirs", RID_MASKED, False)
    ]
    assert items[0]["aum"] == {"amount": "123456789012.89", "currency": "CNY"}
    users.role("clerk", [grant(rows="all", fields={"resident_id": "read", "pin": "read"})])
    items = clerk.get(RECORDS).json()["items"]
    assert [(i["resident_id"], i["pin"]) for i in items] == [(RID, "1234")]
    users.role("clerk", [grant(rows="all", fields={"resident_id": "hidden"})])
    items = clerk.get(RECORDS).json()["items"]
    assert "resident_id" not in items[0]


def test_a_new_version_reaches_the_very_next_page(vault: TestClient, users: Any) -> None:
    add(vault, "a")
    assert [i["name"] for i in vault.get(RECORDS).json()["items"]] == ["a"]
    renamed = [{**FIELDS[0], "key": "full_name"}, *FIELDS[1:]]
    response = vault.put(FORM, json={"label": "Holder", "spec": {"fields": renamed}})
    assert response.status_code == 200, response.text
    assert vault.post(f"{FORM}/publish", json={}).status_code == 201
    items = vault.get(RECORDS).json()["items"]
    assert [(i["full_name"], "name" in i) for i in items] == [("a", False)]


def test_a_list_never_decrypts_a_field_its_reader_cannot_see(
    vault: TestClient, users: Any, session: Session
) -> None:
    add(vault, "a")
    users.role("clerk", [grant(rows="all", fields={"pin": "hidden"})])
    clerk = users.client("c", roles=("clerk",))
    table = table_of(session)
    session.execute(text(f"UPDATE {table} SET c_f_pin = :t"), {"t": "v1:gone:AAAA"})
    page = clerk.get(RECORDS)
    assert page.status_code == 200, page.text
    assert [("pin" in i, i["name"]) for i in page.json()["items"]] == [(False, "a")]
    seen = vault.get(RECORDS)
    assert (seen.status_code, seen.json()["code"]) == (500, "decryption_failed"), (
        "a reader who sees the field still gets the loud failure"
    )


def test_a_first_page_and_its_total_come_in_one_statement(
    vault: TestClient, session: Session, connection: Connection
) -> None:
    for name in ("a", "b", "c"):
        add(vault, name)
    table = table_of(session)
    seen: list[str] = []

    def capture(*args: Any) -> None:
        if table in args[2]:
            seen.append(args[2])

    def page(**params: Any) -> tuple[Any, ...]:
        seen.clear()
        body = vault.get(RECORDS, params=params).json()
        return body["total"], body["total_exact"], body["has_more"], len(seen)

    event.listen(connection, "before_cursor_execute", capture)
    try:
        assert page(limit=2) == (3, True, True, 1), "the first page counts in its statement"
        assert page(limit=2, total="true") == (3, True, True, 1)
        assert page(limit=5) == (3, True, False, 1)
        assert page(limit=1, offset=1) == (3, True, True, 2), "a later page counts apart"
        assert page(limit=2, offset=2) == (3, True, False, 1), "the end needs no count"
        assert page(limit=2, total="false") == (None, False, True, 1)
        assert page(limit=2, filter='name = "nobody"') == (0, True, False, 1)
    finally:
        event.remove(connection, "before_cursor_execute", capture)
