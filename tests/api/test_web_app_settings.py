"""The design overview and the app settings page over HTTP: the overview lists every kind of
definition with its state, the menu editor moves, hides, groups and saves (problems next to their
rows), the role matrix shows what each role may do, and a bundle is checked, then imported."""

from __future__ import annotations

import re
from html import unescape

from fastapi.testclient import TestClient
from test_app_navigation import APP, READER, make_app

from conftest import Users

SETTINGS = "/apps/desk/design/settings"
EN = {"Accept-Language": "en"}


def token(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


def entries(html: str) -> list[str]:
    return re.findall(r'name="entry" value="([^"]+)"', html)


def test_the_overview_lists_each_kind_with_its_state(client: TestClient) -> None:
    make_app(client)
    client.put(f"{APP}/definitions/form/visit", json={"label": "Visits", "spec": {}})
    body = {"kind": "form", "key": "draft_only", "label": "Draft only"}
    assert client.post(f"{APP}/definitions", json=body).status_code == 201
    page = client.get("/apps/desk/design", headers=EN)
    assert page.status_code == 200, page.text
    html = page.text
    for section in ("forms", "flows", "rules", "decisions", "reports", "dashboards"):
        assert f'id="hub-{section}"' in html
    assert 'href="/apps/desk/design/forms/client"' in html
    assert 'href="/apps/desk/design/flows"' in html
    assert 'href="/apps/desk/design/rules"' in html
    assert html.count("Changed since published") == 1
    assert "Draft only" in html
    assert 'id="new-report-key"' in html
    assert 'id="new-dashboard-key"' in html
    assert 'id="design-link" aria-current="page"' in " ".join(html.split())


def test_the_menu_editor_moves_hides_groups_and_saves(client: TestClient, users: Users) -> None:
    make_app(client)
    page = client.get(SETTINGS, headers=EN)
    assert page.status_code == 200, page.text
    assert 'id="design-settings-link" aria-current="page"' in " ".join(page.text.split())
    csrf = token(page.text)
    assert entries(page.text) == ["form:client", "form:visit"]
    sent = {"csrf_token": csrf, "entry": ["form:client", "form:visit"]}
    moved = client.post(f"{SETTINGS}/menu", data={**sent, "action": "up:form:visit"}, headers=EN)
    assert moved.status_code == 200
    assert entries(moved.text) == ["form:visit", "form:client"]
    assert "Not saved yet" in moved.text
    assert client.get(f"{APP}/navigation").json()["entries"] == []

    bad = {
        **sent,
        "entry": ["form:visit", "form:client"],
        "new_group_key": "Bad Key",
        "new_group_en": "Daily",
        "action": "save",
    }
    refused = client.post(f"{SETTINGS}/menu", data=bad, headers=EN)
    assert refused.status_code == 422
    assert 'id="menu-problem"' in refused.text
    assert entries(refused.text) == ["form:visit", "form:client"], "the page keeps what was sent"

    good = {
        **bad,
        "new_group_key": "daily",
        "hidden": ["form:client"],
        "group:form:visit": "daily",
    }
    saved = client.post(f"{SETTINGS}/menu", data=good, headers=EN, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    menu = client.get(f"{APP}/navigation").json()
    assert menu["groups"] == [{"key": "daily", "label": {"en": "Daily"}}]
    assert [(e["key"], e["hidden"], e.get("group")) for e in menu["entries"]] == [
        ("visit", False, "daily"),
        ("client", True, None),
    ]
    reader = users.client("desk_reader", grants=READER)
    runtime = reader.get("/apps/desk/forms/visit", headers=EN).text
    assert "Daily" in runtime
    assert 'data-menu="form:client"' not in runtime


def test_the_role_matrix_shows_what_each_role_may(client: TestClient, users: Users) -> None:
    make_app(client)
    users.role("desk_clerk", READER)
    html = client.get(SETTINGS, headers=EN).text
    matrix = html[html.index('id="role-matrix"') :]
    assert "desk_clerk" in matrix
    row = matrix[matrix.index('id="matrix-client"') :]
    assert "Read" in row[: row.index("</tr>")]
    assert "All records" in row[: row.index("</tr>")]


def test_a_bundle_is_checked_then_imported(client: TestClient) -> None:
    make_app(client)
    assert client.put(f"{APP}/navigation", json={"entries": [{"kind": "form", "key": "visit"}]})
    bundle = client.get(f"{APP}/export")
    assert bundle.status_code == 200
    assert "attachment" in bundle.headers["content-disposition"]
    assert client.put(f"{APP}/navigation", json={}).status_code == 200
    csrf = token(client.get(SETTINGS).text)
    checked = client.post(
        f"{SETTINGS}/import",
        data={"csrf_token": csrf, "action": "check"},
        files={"file": ("desk.bundle.json", bundle.content, "application/json")},
        headers=EN,
    )
    assert checked.status_code == 200, checked.text
    assert "The menu changes." in checked.text
    assert client.get(f"{APP}/navigation").json()["entries"] == [], "a dry run writes nothing"
    found = re.search(r'<textarea name="bundle"[^>]*>(.*?)</textarea>', checked.text, re.S)
    assert found is not None
    applied = client.post(
        f"{SETTINGS}/import",
        data={"csrf_token": csrf, "action": "apply", "bundle": unescape(found.group(1))},
        headers=EN,
        follow_redirects=False,
    )
    assert applied.status_code == 303, applied.text
    assert client.get(f"{APP}/navigation").json()["entries"][0]["key"] == "visit"

    broken = client.post(
        f"{SETTINGS}/import",
        data={"csrf_token": csrf, "action": "check"},
        files={"file": ("x.json", b'{"format": "brickwork.app-bundle"}', "application/json")},
        headers=EN,
    )
    assert broken.status_code == 422
    assert 'id="bundle-problem"' in broken.text
    assert "<code>/format_version</code>" in broken.text or "<code>/app</code>" in broken.text


def test_posts_need_the_csrf_token(client: TestClient) -> None:
    make_app(client)
    del client.headers["X-CSRF-Token"]
    refused = client.post(f"{SETTINGS}/menu", data={"action": "save"}, headers=EN)
    assert refused.status_code == 403


def test_the_name_changes_only_for_the_apps_administrator(client: TestClient, users: Users) -> None:
    make_app(client)
    csrf = token(client.get(SETTINGS).text)
    sent = {"csrf_token": csrf, "label_zh": "柜台", "label_en": "Desk", "description": "Front desk"}
    saved = client.post(f"{SETTINGS}/app", data=sent, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    stored = client.get(APP).json()
    assert stored["label"] == {"zh-CN": "柜台", "en": "Desk"}
    assert stored["description"] == "Front desk"
    nameless = client.post(f"{SETTINGS}/app", data={**sent, "label_zh": "", "label_en": ""})
    assert nameless.status_code == 422
    assert 'id="app-problem"' in nameless.text

    designer = users.client("desk_designer", grants=[{"app": "desk", "actions": ["design"]}])
    page = designer.get(SETTINGS, headers=EN)
    assert page.status_code == 200
    assert 'id="app-form"' not in page.text
    assert 'id="app-facts"' in page.text
    refused = designer.post(f"{SETTINGS}/app", data={**sent, "csrf_token": token(page.text)})
    assert refused.status_code == 403
    assert client.get(APP).json()["description"] == "Front desk"
