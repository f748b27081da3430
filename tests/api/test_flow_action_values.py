"""What a flow's action nodes write is checked when the flow is published: each value's type
against its field, an update's filter as the database will run it. A mistake found only when
the action runs would fail the command of whoever reached the node (the account manager's
submit, the president's approval) with an error about fields that person never touched."""

from __future__ import annotations

from typing import Any

from credit_flow import (
    API,
    APP,
    FORM,
    RECORDS,
    application,
    credit_app,
    credit_flow,
    define,
    submit,
)
from fastapi.testclient import TestClient

from conftest import Users

ROLES = ("risk_officer", "compliance_officer", "credit_committee")


def with_action(*actions: dict[str, Any]) -> dict[str, Any]:
    """The credit flow whose first step (node 1) is an action node doing `actions`."""
    node = {"id": "branch_review", "type": "action", "actions": list(actions)}
    return credit_flow(branch_review=node)


def app_with_form(client: TestClient, users: Users) -> None:
    for role in ROLES:
        users.role(role, [])
    assert client.post(f"{API}/apps", json={"key": "credit", "label": "Credit"}).status_code == 201
    assert define(client, "form", "credit_application", FORM).status_code == 201


def test_a_value_its_field_cannot_take_is_refused_at_publish_in_both_languages(
    client: TestClient, users: Users
) -> None:
    app_with_form(client, users)
    spec = with_action({"type": "set_fields", "values": {"amount": '"to be confirmed"'}})
    refused = define(client, "flow", "large_credit", spec)
    assert refused.status_code == 422, refused.text
    [item] = refused.json()["errors"]
    assert (item["pointer"], item["code"]) == (
        "/spec/nodes/1/actions/0/values/amount",
        "E_FLOW_VALUE_TYPE",
    )
    assert item["message"] == (
        "field `amount` takes a number; this expression gives a string "
        "(convert it, e.g. number(text), string(n), date(text))"
    )
    publish = f"{APP}/definitions/flow/large_credit/publish"
    chinese = client.post(publish, headers={"Accept-Language": "zh-CN"})
    assert chinese.status_code == 422
    assert chinese.json()["errors"][0]["message"] == (
        "字段 `amount` 的值应为数字，这个表达式的结果是文本"
        "（请在表达式中转换类型，例如 number(text)、string(n)、date(text)）"
    )
    converted = with_action(
        {"type": "set_fields", "values": {"risk_note": 'string(amount) + " CNY"'}}
    )
    assert define(client, "flow", "large_credit", converted).status_code == 201


def test_an_update_filter_is_checked_as_the_database_will_run_it(
    client: TestClient, users: Users
) -> None:
    app_with_form(client, users)
    update = {
        "type": "update_records",
        "form": "credit_application",
        "where": "it.customer = record.custmer",
        "values": {"decision": '"superseded"'},
    }
    refused = define(client, "flow", "large_credit", with_action(update))
    assert refused.status_code == 422, refused.text
    [item] = refused.json()["errors"]
    assert (item["pointer"], item["code"]) == ("/spec/nodes/1/actions/0/where", "E_FLOW_EXPRESSION")
    assert "`custmer`" in item["message"]


def test_a_form_change_that_retypes_a_field_an_action_sets_is_refused(
    client: TestClient, users: Users
) -> None:
    app_with_form(client, users)
    note = with_action({"type": "set_fields", "values": {"risk_note": '"reviewed"'}})
    assert define(client, "flow", "large_credit", note).status_code == 201
    retyped = {
        "fields": [
            {**f, "type": "decimal", "scale": 2} if f["key"] == "risk_note" else f
            for f in FORM["fields"]
        ]
    }
    form = f"{APP}/definitions/form/credit_application"
    assert client.put(form, json={"label": "Application", "spec": retyped}).status_code == 200
    refused = client.post(f"{form}/publish", json={"conversions": {"f_note": "cast"}})
    assert refused.status_code == 409, refused.text
    body = refused.json()
    assert body["code"] == "flows_broken_by_change"
    assert [(e["pointer"], e["code"]) for e in body["errors"]] == [
        ("/flows/large_credit/nodes/1/actions/0/values/risk_note", "E_FLOW_VALUE_TYPE")
    ]


def test_a_flow_updates_other_records_of_its_own_form(client: TestClient, users: Users) -> None:
    """A new application supersedes the customer's smaller ones still open: the action names
    the form the flow is bound to (refused as an unknown form before)."""
    supersede = {
        "type": "update_records",
        "form": "credit_application",
        "where": "it.customer = record.customer and it.amount < record.amount",
        "values": {"decision": '"superseded by " + string(amount)'},
    }
    bank = credit_app(client, users, flow=with_action(supersede))
    earlier = application(bank, "100.00")
    other = application(bank, "50.00", customer="Other Co")
    larger = application(bank, "500.00")
    started = bank["rm"].post(f"{RECORDS}/{larger['id']}/flows", json={"flow": "large_credit"})
    assert started.status_code == 201, started.text

    def decision(record: dict[str, Any]) -> Any:
        read = bank["rm"].get(f"{RECORDS}/{record['id']}")
        assert read.status_code == 200, read.text
        return read.json()["decision"]

    assert decision(earlier) == "superseded by 500.00"
    assert decision(other) is None
    assert decision(larger) is None


PEOPLE = [
    {"id": "f_mgr", "key": "manager", "type": "member", "label": "Manager"},
    {"id": "f_rev", "key": "reviewers", "type": "member", "label": "Reviewers", "multiple": True},
    {"id": "f_branch", "key": "branch", "type": "department", "label": "Branch"},
]


def test_people_and_departments_set_by_a_flow_are_held_as_the_record_holds_them(
    client: TestClient, users: Users
) -> None:
    """A flow names people by username (`initiator`) and departments by key, where member and
    department fields hold ids: the record gets the ids (it refused the account manager's
    submit on `/manager` before, a field they never touched)."""
    bank = credit_app(client, users)
    with_people = {"fields": [*FORM["fields"], *PEOPLE]}
    assert define(client, "form", "credit_application", with_people).status_code == 201
    values = {
        "manager": "initiator",
        "reviewers": '["president", initiator]',
        "branch": '"north"',
    }
    spec = with_action({"type": "set_fields", "values": values})
    assert define(client, "flow", "large_credit", spec).status_code == 201
    record = application(bank, "500.00")
    submit(bank, record)
    held = bank["rm"].get(f"{RECORDS}/{record['id']}").json()

    def user_id(name: str) -> str:
        return str(users.identities.repo.user_by_username(users.session, name).id)

    assert held["manager"] == user_id("rm")
    assert held["reviewers"] == [user_id("president"), user_id("rm")]
    assert held["branch"] == users.department("north").id


def test_a_person_or_department_value_of_another_type_is_refused_at_publish(
    client: TestClient, users: Users
) -> None:
    app_with_form(client, users)
    with_people = {"fields": [*FORM["fields"], *PEOPLE]}
    assert define(client, "form", "credit_application", with_people).status_code == 201
    values = {"manager": "amount", "reviewers": "initiator", "branch": "today()"}
    refused = define(
        client, "flow", "large_credit", with_action({"type": "set_fields", "values": values})
    )
    assert refused.status_code == 422, refused.text
    said = {e["pointer"].rsplit("/", 1)[1]: e["message"] for e in refused.json()["errors"]}
    assert {e["code"] for e in refused.json()["errors"]} == {"E_FLOW_VALUE_TYPE"}
    assert said["manager"].startswith(
        "field `manager` takes a string; this expression gives a number"
    )
    assert said["reviewers"].startswith(
        "field `reviewers` takes a list<string>; this expression gives a string"
    )
    assert said["branch"].startswith("field `branch` takes a string; this expression gives a date")
    fixed = {"manager": "initiator", "reviewers": "[initiator]", "branch": '"north"'}
    accepted = define(
        client, "flow", "large_credit", with_action({"type": "set_fields", "values": fixed})
    )
    assert accepted.status_code == 201, accepted.text
