"""An app's menu (`/apps/{app}/navigation`), on SQLite and PostgreSQL alike: an arrangement
naming what the app lacks is refused with pointers, a saved one persists, is audited, travels in
the app bundle and is put back by an import; the runtime navigation follows it, a hidden form
still opens for whoever may read it, and only designers arrange it."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from brickwork.platform.models import AuditEvent
from conftest import Users

API = "/api/v1"
APP = f"{API}/apps/desk"
FIELDS = [{"id": "f_name", "key": "name", "type": "text", "label": "Name"}]
MENU: dict[str, Any] = {
    "groups": [{"key": "daily", "label": {"zh-CN": "日常", "en": "Daily work"}}],
    "entries": [
        {"kind": "form", "key": "visit", "group": "daily"},
        {"kind": "form", "key": "client", "hidden": True},
    ],
}
READER = [{"app": "desk", "form": "*", "actions": ["read"], "rows": "all"}]


def make_app(client: TestClient) -> None:
    assert client.post(f"{API}/apps", json={"key": "desk", "label": "Desk"}).status_code == 201
    for key, label in (("client", "Client"), ("visit", "Visit")):
        body = {"kind": "form", "key": key, "label": label, "spec": {"fields": FIELDS}}
        assert client.post(f"{APP}/definitions", json=body).status_code == 201
        published = client.post(f"{APP}/definitions/form/{key}/publish")
        assert published.status_code == 201, published.text


def events(session: Session, action: str) -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    return list(session.scalars(query))


def test_a_menu_naming_what_the_app_lacks_is_refused_with_pointers(client: TestClient) -> None:
    make_app(client)
    wrong = {
        "groups": [
            {"key": "daily", "label": "Daily"},
            {"key": "daily", "label": "Again"},
        ],
        "entries": [
            {"kind": "form", "key": "visit"},
            {"kind": "report", "key": "nowhere"},
            {"kind": "form", "key": "visit"},
            {"kind": "form", "key": "client", "group": "weekly"},
        ],
    }
    refused = client.put(f"{APP}/navigation", json=wrong)
    assert refused.status_code == 422, refused.text
    problem = refused.json()
    assert problem["code"] == "navigation_invalid"
    assert {(e["pointer"], e["code"]) for e in problem["errors"]} == {
        ("/groups/1/key", "duplicate_menu_group"),
        ("/entries/1/key", "unknown_menu_entry"),
        ("/entries/2/key", "duplicate_menu_entry"),
        ("/entries/3/group", "unknown_menu_group"),
    }
    shape = client.put(f"{APP}/navigation", json={"entries": [{"kind": "flow", "key": "x"}]})
    assert shape.status_code == 422
    assert shape.json()["errors"][0]["pointer"] == "/entries/0/kind"
    assert client.get(f"{APP}/navigation").json() == {"groups": [], "entries": []}


def test_a_saved_menu_persists_and_is_audited(client: TestClient, session: Session) -> None:
    make_app(client)
    saved = client.put(f"{APP}/navigation", json=MENU)
    assert saved.status_code == 200, saved.text
    again = client.get(f"{APP}/navigation").json()
    assert again["groups"] == MENU["groups"]
    assert [(e["key"], e["hidden"], e.get("group")) for e in again["entries"]] == [
        ("visit", False, "daily"),
        ("client", True, None),
    ]
    audited = events(session, "app.navigation")
    assert len(audited) == 1
    assert audited[0].object_id == "desk"
    assert audited[0].details["changes"]
    assert client.put(f"{APP}/navigation", json=MENU).status_code == 200
    assert len(events(session, "app.navigation")) == 1, "an unchanged menu is not audited"


def test_the_runtime_menu_follows_it_and_a_hidden_form_still_opens(
    client: TestClient, users: Users
) -> None:
    make_app(client)
    reader = users.client("desk_reader", grants=READER)
    before = reader.get("/apps/desk/forms/client", headers={"Accept-Language": "en"}).text
    assert before.index('data-menu="form:client"') < before.index('data-menu="form:visit"')
    assert client.put(f"{APP}/navigation", json=MENU).status_code == 200

    page = reader.get("/apps/desk/forms/visit", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    assert 'data-menu="form:visit"' in page.text
    assert 'data-menu="form:client"' not in page.text, "hidden from the menu"
    assert "Daily work" in page.text
    hidden = reader.get("/apps/desk/forms/client", headers={"Accept-Language": "en"})
    assert hidden.status_code == 200, "hidden is not forbidden"
    chinese = reader.get("/apps/desk/forms/visit", headers={"Accept-Language": "zh-CN"}).text
    assert "日常" in chinese


def test_only_designers_arrange_the_menu(client: TestClient, users: Users) -> None:
    make_app(client)
    reader = users.client("desk_reader", grants=READER)
    assert reader.get(f"{APP}/navigation").status_code == 200
    refused = reader.put(f"{APP}/navigation", json=MENU)
    assert refused.status_code == 403
    assert refused.json()["code"] == "permission_denied"
    assert reader.get("/apps/desk/design/settings").status_code == 403
    designer = users.client(
        "desk_designer", grants=[{"app": "desk", "actions": ["design"]}, *READER]
    )
    assert designer.put(f"{APP}/navigation", json=MENU).status_code == 200


def test_the_menu_travels_in_the_bundle(client: TestClient, session: Session) -> None:
    make_app(client)
    assert client.put(f"{APP}/navigation", json=MENU).status_code == 200
    bundle = client.get(f"{APP}/export").json()
    assert bundle["app"]["navigation"]["groups"] == MENU["groups"]

    assert client.put(f"{APP}/navigation", json={"entries": []}).status_code == 200
    checked = client.post(f"{API}/apps/import?dry_run=true", json=bundle)
    assert checked.status_code == 200, checked.text
    assert checked.json()["navigation_changed"] is True
    assert client.get(f"{APP}/navigation").json()["entries"] == []
    applied = client.post(f"{API}/apps/import", json=bundle)
    assert applied.status_code == 200, applied.text
    assert client.get(f"{APP}/navigation").json()["groups"] == MENU["groups"]
    assert events(session, "app.import")[-1].details["navigation_changed"] is True

    copy = {**bundle, "app": {**bundle["app"], "key": "desk2", "id": str(uuid.uuid4())}}
    copy["definitions"] = []
    refused = client.post(f"{API}/apps/import", json=copy)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["pointer"] == "/app/navigation/entries/0/key"
    assert refused.json()["errors"][0]["code"] == "unknown_menu_entry"


def test_the_import_says_what_it_changes(client: TestClient) -> None:
    make_app(client)
    bundle = client.get(f"{APP}/export").json()
    copy = {**bundle, "app": {**bundle["app"], "key": "desk3", "id": str(uuid.uuid4())}}
    copy["definitions"] = [{**d, "id": str(uuid.uuid4())} for d in bundle["definitions"]]
    for item in copy["definitions"]:
        item["versions"] = list(item["versions"])
    checked = client.post(f"{API}/apps/import?dry_run=true", json=copy)
    assert checked.status_code == 200, checked.text
    changes = checked.json()["changes"]
    assert {(c["kind"], c["key"], c["change"], tuple(c["versions_added"])) for c in changes} == {
        ("form", "client", "created", (1,)),
        ("form", "visit", "created", (1,)),
    }
