"""A lookup's `where` runs as a list filter over its target form each time a record links to
it: it is checked against that form when the form is published. A field the target lacks
refused every record that links (`filter_invalid` on a clerk's save); text none of a choice's
options found no record to link (`reference_not_found` on every save)."""

from __future__ import annotations

from typing import Any

import pytest
from drafts import app_with_form, draft
from fastapi.testclient import TestClient

API = "/api/v1"
APP = f"{API}/apps/crm"
CUSTOMER = [
    {"id": "f_name", "key": "name", "type": "text", "label": "Name"},
    {
        "id": "f_status",
        "key": "status",
        "type": "single_select",
        "label": "Status",
        "options": ["active", "closed"],
    },
]


def deal(where: str) -> dict[str, Any]:
    lookup = {
        "id": "f_customer",
        "key": "customer",
        "type": "lookup",
        "label": "Customer",
        "target": {"form": "customer"},
        "where": where,
    }
    return {"fields": [lookup]}


@pytest.fixture
def crm(client: TestClient) -> TestClient:
    app_with_form(client, APP, "customer", CUSTOMER)
    return client


@pytest.mark.parametrize(
    ("where", "code", "english", "chinese"),
    [
        (
            'statuss = "active"',
            "lookup_where_invalid",
            "line 1, column 1: unknown name `statuss`",
            "第 1 行第 1 列：",
        ),
        (
            'status = "Active"',
            "expression_not_an_option",
            'line 1, column 10: "Active" is not an option of `status` ("active", "closed"), so '
            "the filter never matches: no record could be linked",
            '第 1 行第 10 列："Active" 不是 `status` 的选项',
        ),
    ],
)
def test_a_lookup_filter_that_cannot_run_on_its_target_is_refused(
    crm: TestClient, where: str, code: str, english: str, chinese: str
) -> None:
    draft(crm, APP, "form", "deal", deal(where))
    answers = {
        language: crm.post(
            f"{APP}/definitions/form/deal/publish", headers={"Accept-Language": language}
        )
        for language in ("en", "zh-CN")
    }
    for answer in answers.values():
        assert answer.status_code == 422, answer.text
    [item] = answers["en"].json()["errors"]
    assert (item["pointer"], item["code"]) == ("/spec/fields/0/where", code)
    assert item["message"].startswith(english)
    assert answers["zh-CN"].json()["errors"][0]["message"].startswith(chinese)


def test_a_lookup_filter_that_runs_on_its_target_links_records(crm: TestClient) -> None:
    active = crm.post(f"{APP}/forms/customer/records", json={"name": "A", "status": "active"})
    closed = crm.post(f"{APP}/forms/customer/records", json={"name": "B", "status": "closed"})
    draft(crm, APP, "form", "deal", deal('status = "active"'))
    assert crm.post(f"{APP}/definitions/form/deal/publish").status_code == 201
    linked = crm.post(f"{APP}/forms/deal/records", json={"customer": active.json()["id"]})
    assert linked.status_code == 201, linked.text
    refused = crm.post(f"{APP}/forms/deal/records", json={"customer": closed.json()["id"]})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["code"] == "reference_not_found"


@pytest.mark.parametrize(
    ("changed", "code"),
    [
        ([CUSTOMER[0], {**CUSTOMER[1], "key": "state"}], "lookup_where_invalid"),  # renamed
        ([CUSTOMER[0], {**CUSTOMER[1], "options": ["open", "closed"]}], "expression_not_an_option"),
    ],
)
def test_a_target_form_change_that_breaks_a_lookup_filter_is_refused(
    crm: TestClient, changed: list[dict[str, Any]], code: str
) -> None:
    """The protection holds when the target form changes, not only when the lookup is drawn."""
    draft(crm, APP, "form", "deal", deal('status = "active"'))
    assert crm.post(f"{APP}/definitions/form/deal/publish").status_code == 201
    draft(crm, APP, "form", "customer", {"fields": changed})
    answer = crm.post(
        f"{APP}/definitions/form/customer/publish", json={"conversions": {"f_status": "cast"}}
    )
    assert answer.status_code == 409, answer.text
    assert answer.json()["code"] == "lookups_broken_by_change"
    assert [(e["pointer"], e["code"]) for e in answer.json()["errors"]] == [
        ("/forms/deal/fields/0/where", code)
    ]


def test_a_target_form_change_that_breaks_a_lookup_of_another_app_is_refused(
    crm: TestClient,
) -> None:
    """A lookup may link to a form of another app: its target's change is checked too (the
    pointer names the app)."""
    sales = f"{API}/apps/sales"
    assert crm.post(f"{API}/apps", json={"key": "sales", "label": "Sales"}).status_code == 201
    spec = deal('status = "active"')
    spec["fields"][0]["target"] = {"app": "crm", "form": "customer"}
    draft(crm, sales, "form", "deal", spec)
    assert crm.post(f"{sales}/definitions/form/deal/publish").status_code == 201
    renamed = [CUSTOMER[0], {**CUSTOMER[1], "key": "state"}]
    draft(crm, APP, "form", "customer", {"fields": renamed})
    answer = crm.post(f"{APP}/definitions/form/customer/publish")
    assert answer.status_code == 409, answer.text
    assert answer.json()["code"] == "lookups_broken_by_change"
    assert [(e["pointer"], e["code"]) for e in answer.json()["errors"]] == [
        ("/apps/sales/forms/deal/fields/0/where", "lookup_where_invalid")
    ]


def test_a_lookup_filter_comparing_a_person_with_a_name_is_refused(client: TestClient) -> None:
    """A member field holds ids: `manager = "alice"` would let no record be linked."""
    manager = {"id": "f_mgr", "key": "manager", "type": "member", "label": "Manager"}
    app_with_form(client, APP, "customer", [*CUSTOMER, manager])
    draft(client, APP, "form", "deal", deal('manager = "alice"'))
    refused = client.post(f"{APP}/definitions/form/deal/publish")
    assert refused.status_code == 422, refused.text
    assert [(e["pointer"], e["code"]) for e in refused.json()["errors"]] == [
        ("/spec/fields/0/where", "expression_people_by_name")
    ]
    draft(client, APP, "form", "deal", deal("manager != null"))
    assert client.post(f"{APP}/definitions/form/deal/publish").status_code == 201
