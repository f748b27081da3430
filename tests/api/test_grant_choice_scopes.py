"""A role's row scope that compares a choice field with text that is none of its options is not
the scope it reads as: `status != "Closed"` (the option is `closed`) always holds and opens
every row, `status = "Open"` never does. Refused when the grants are saved, and a form change
that removes or renames an option a row scope compares with is refused until the grants are
updated: the protection survives the form's change."""

from __future__ import annotations

from typing import Any

import pytest
from drafts import draft
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from brickwork.platform.errors import Invalid
from brickwork.platform.models import Role

API = "/api/v1"
APP = f"{API}/apps/cases"
RECORDS = f"{APP}/forms/case/records"
STATUS = {
    "id": "f_status",
    "key": "status",
    "type": "single_select",
    "label": "Status",
    "options": ["open", "closed"],
}
FIELDS = [{"id": "f_title", "key": "title", "type": "text", "label": "Title"}, STATUS]


def grant(rows: str) -> dict[str, Any]:
    return {"app": "cases", "form": "case", "actions": ["read"], "rows": {"expression": rows}}


@pytest.fixture
def cases(client: TestClient) -> TestClient:
    assert client.post(f"{API}/apps", json={"key": "cases", "label": "Cases"}).status_code == 201
    draft(client, APP, "form", "case", {"fields": FIELDS})
    assert client.post(f"{APP}/definitions/form/case/publish").status_code == 201
    for title, status in (("a", "open"), ("b", "closed")):
        created = client.post(RECORDS, json={"title": title, "status": status})
        assert created.status_code == 201, created.text
    return client


def test_a_row_scope_comparing_with_none_of_the_options_is_refused(
    cases: TestClient, users: Any
) -> None:
    sec = users.client("sec.wang", roles=("security_admin",))
    assert sec.post(f"{API}/roles", json={"key": "clerk", "label": {"en": "Clerk"}}).status_code
    refused = sec.put(
        f"{API}/roles/clerk/permissions",
        json=[grant('status != "Closed"')],
        headers={"Accept-Language": "zh-CN"},
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == "grants_invalid"
    [item] = refused.json()["errors"]
    assert item["pointer"] == "/0/rows/expression"
    assert item["message"].startswith(
        '第 1 行第 11 列："Closed" 不是 `status` 的选项（"closed", "open"）'
    )
    saved = sec.put(f"{API}/roles/clerk/permissions", json=[grant('status != "closed"')])
    assert saved.status_code == 200, saved.text


def test_renaming_an_option_a_row_scope_compares_with_is_refused(
    cases: TestClient, users: Any, session: Session
) -> None:
    users.role("clerk", [grant('status != "closed"')])
    clerk = users.client("clerk.li", roles=("clerk",))
    assert [r["title"] for r in clerk.get(RECORDS).json()["items"]] == ["a"]
    renamed = {**STATUS, "options": ["open", "done"]}
    draft(cases, APP, "form", "case", {"fields": [FIELDS[0], renamed]})
    for body in ({"dry_run": True}, {"conversions": {"f_status": "cast"}}):
        answer = cases.post(f"{APP}/definitions/form/case/publish", json=body)
        assert answer.status_code == 409, answer.text
        assert answer.json()["code"] == "grants_name_missing_options"
        assert [(e["pointer"], e["code"]) for e in answer.json()["errors"]] == [
            ("/roles/clerk/permissions/0/rows/expression", "grant_option_missing")
        ]
    assert [r["title"] for r in clerk.get(RECORDS).json()["items"]] == ["a"]
    # a rename in steps: both options, the grants on both, the old option removed
    both = {**STATUS, "options": ["open", "closed", "done"]}
    draft(cases, APP, "form", "case", {"fields": [FIELDS[0], both]})
    assert cases.post(f"{APP}/definitions/form/case/publish").status_code == 201
    users.role("clerk", [grant('not(status in ["closed", "done"])')])
    with pytest.raises(Invalid):  # "finished" is no option of the form
        users.role("clerk", [grant('status != "finished"')])
    draft(cases, APP, "form", "case", {"fields": [FIELDS[0], renamed]})
    publish = {"conversions": {"f_status": "cast"}}
    answer = cases.post(f"{APP}/definitions/form/case/publish", json=publish)
    assert answer.status_code == 409, "the grant still names the old option"
    users.role("clerk", [grant('status != "done"')])
    published = cases.post(f"{APP}/definitions/form/case/publish", json=publish)
    assert published.status_code == 201, published.text
    session.expire_all()
    assert session.scalars(select(Role.permissions).where(Role.key == "clerk")).one() == [
        grant('status != "done"')
    ]
