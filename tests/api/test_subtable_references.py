"""A subtable's rows are checked like the record's own fields: a lookup names an existing record,
a member an active user, a department a department, a choice read from another form one of its
values, and an attachment a stored file its uploader attaches (or one the record already has).
Before, every row value was saved as given: ids of nothing, and another user's file."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from drafts import app_with_form, draft
from fastapi.testclient import TestClient
from test_records_attachments import upload

from conftest import Users

API = "/api/v1"
APP = f"{API}/apps/lend"
RECORDS = f"{APP}/forms/loan/records"
ROWS: dict[str, Any] = {
    "id": "f_rows",
    "key": "guarantors",
    "type": "subtable",
    "label": "Guarantors",
    "fields": [
        {"id": "g_name", "key": "name", "type": "text", "label": "Name"},
        {
            "id": "g_party",
            "key": "party",
            "type": "lookup",
            "label": "Party",
            "target": {"form": "party"},
        },
        {"id": "g_rm", "key": "rm", "type": "member", "label": "RM"},
        {"id": "g_branch", "key": "branch", "type": "department", "label": "Branch"},
        {
            "id": "g_grade",
            "key": "grade",
            "type": "single_select",
            "label": "Grade",
            "options_from": {"form": "grade", "value_field": "code"},
        },
        {"id": "g_docs", "key": "docs", "type": "attachment", "label": "Documents"},
    ],
}


@pytest.fixture
def lend(client: TestClient, users: Users) -> dict[str, Any]:
    app_with_form(
        client, APP, "party", [{"id": "p_n", "key": "name", "type": "text", "label": "N"}]
    )
    draft(
        client,
        APP,
        "form",
        "grade",
        {"fields": [{"id": "c_code", "key": "code", "type": "text", "label": "Code"}]},
    )
    assert client.post(f"{APP}/definitions/form/grade/publish").status_code == 201
    draft(
        client,
        APP,
        "form",
        "loan",
        {"fields": [{"id": "f_title", "key": "title", "type": "text", "label": "Title"}, ROWS]},
    )
    assert client.post(f"{APP}/definitions/form/loan/publish").status_code == 201
    party = client.post(f"{APP}/forms/party/records", json={"name": "ACME"}).json()["id"]
    assert client.post(f"{APP}/forms/grade/records", json={"code": "A"}).status_code == 201
    users.user("alice", departments=("north",))
    return {"party": party}


def refused(client: TestClient, row: dict[str, Any]) -> list[tuple[str, str]]:
    body = {"title": "T", "guarantors": [{"name": "fine"}, {"name": "G", **row}]}
    response = client.post(RECORDS, json=body)
    assert response.status_code == 422, response.text
    return [(e["pointer"], e["code"]) for e in response.json()["errors"]]


def test_each_row_value_names_something_that_exists(
    client: TestClient, lend: dict[str, Any]
) -> None:
    nothing = str(uuid.uuid4())
    assert refused(client, {"party": nothing}) == [("/guarantors/1/party", "reference_not_found")]
    assert refused(client, {"rm": nothing}) == [("/guarantors/1/rm", "reference_not_found")]
    assert refused(client, {"branch": "south"}) == [("/guarantors/1/branch", "reference_not_found")]
    assert refused(client, {"grade": "Z"}) == [("/guarantors/1/grade", "option_unknown")]
    paper = {"id": nothing, "name": "x.pdf", "size": 3, "content_type": "application/pdf"}
    assert refused(client, {"docs": [paper]}) == [("/guarantors/1/docs/0", "file_not_found")]
    good = {"name": "G", "party": lend["party"], "rm": "alice", "branch": "north", "grade": "A"}
    created = client.post(RECORDS, json={"title": "T", "guarantors": [good]})
    assert created.status_code == 201, created.text
    assert created.json()["guarantors"][0]["party"] == lend["party"]


def test_a_row_cannot_attach_another_users_file(
    client: TestClient, users: Users, lend: dict[str, Any]
) -> None:
    grants = [{"app": "lend", "actions": ["create", "read", "update"], "rows": "all"}]
    mallory = users.client("mallory", grants=grants)
    theirs = upload(client, "statement.pdf")  # the administrator's upload
    assert refused(mallory, {"docs": [theirs]}) == [("/guarantors/1/docs/0", "file_not_yours")]
    # A file the record already has may stay when someone else edits the record.
    created = client.post(RECORDS, json={"title": "T", "guarantors": [{"docs": [theirs]}]})
    assert created.status_code == 201, created.text
    record = created.json()
    edited = mallory.patch(
        f"{RECORDS}/{record['id']}",
        json={"guarantors": [*record["guarantors"], {"name": "new"}]},
        headers={"If-Match": f'"{record["version"]}"'},
    )
    assert edited.status_code == 200, edited.text
    assert [row.get("docs") for row in edited.json()["guarantors"]] == [[theirs], None]
