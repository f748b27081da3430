"""Rules and flows together, through the HTTP API: a rule starts a flow when a record is
created (its creator is the initiator), rules run on flow events (here: the outcome is logged
when the flow finishes, and a rejected committee vote raises an alert), and publishing refuses
rules naming flows that do not exist or run on another form."""

from __future__ import annotations

from typing import Any

from credit_flow import (
    API,
    APP,
    LOG,
    ON_FLOW,
    ON_SUBMIT,
    RECORDS,
    Bank,
    application,
    credit_app,
    decide,
    define,
)
from fastapi.testclient import TestClient

from conftest import Users


def bank_with_rules(client: TestClient, users: Users) -> Bank:
    bank = credit_app(client, users)
    assert define(client, "form", "flow_log", LOG).status_code == 201
    for key, spec in (("on_submit", ON_SUBMIT), ("on_flow", ON_FLOW)):
        published = define(client, "rule", key, spec)
        assert published.status_code == 201, published.text
    return bank


def flows_of(client: TestClient, record: dict[str, Any]) -> list[dict[str, Any]]:
    response = client.get(f"{RECORDS}/{record['id']}/flows")
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def log(client: TestClient) -> list[tuple[str, str | None, str | None, str]]:
    items = client.get(f"{APP}/forms/flow_log/records", params={"sort": "created_at"}).json()
    return [(i["event"], i["node"], i["outcome"], i["initiator"]) for i in items["items"]]


def test_creating_a_record_starts_its_flow_with_the_creator_as_initiator(
    client: TestClient, users: Users
) -> None:
    bank = bank_with_rules(client, users)
    record = application(bank, "50000.00")
    (flow,) = flows_of(bank["rm"], record)
    assert (flow["flow"], flow["status"], flow["initiator"]) == ("large_credit", "running", "rm")
    todo = bank["president"].get(f"{API}/inbox", params={"tab": "todo"}).json()["items"]
    assert [item["node"] for item in todo] == ["branch_review"]  # the creator's branch head
    # an edit does not start it again (the rule runs on creation only)
    edited = bank["rm"].patch(f"{RECORDS}/{record['id']}", json={"customer": "ACME Ltd"})
    assert edited.status_code == 200, edited.text
    assert len(flows_of(bank["rm"], record)) == 1


def test_rules_run_on_flow_events_with_the_flow_facts(client: TestClient, users: Users) -> None:
    bank = bank_with_rules(client, users)
    record = application(bank, "50000.00")
    decide(bank["president"])
    assert log(client) == []  # an approval by the branch is neither finished nor rejected
    for member in ("cm1", "cm2"):
        decide(bank[member], "reject")
    after = decide(bank["cm3"], "reject")  # 3 of 5 against: the vote is lost
    assert after["status"] == "rejected"
    assert log(client) == [
        ("rejected", "committee", "rejected", "rm"),
        ("finished", None, "rejected", "rm"),
    ]
    executions = client.get(f"{RECORDS}/{record['id']}/rule-executions").json()["items"]
    assert [(e["rule"], e["event"]) for e in executions] == [
        ("on_submit", "created"),
        ("on_flow", "flow"),
        ("on_flow", "flow"),
    ]


def test_rules_naming_missing_flows_or_flows_of_other_forms_are_refused(
    client: TestClient, users: Users
) -> None:
    bank_with_rules(client, users)
    unknown = define(
        client, "rule", "bad_start", {**ON_SUBMIT, "actions": [{"type": "start_flow", "flow": "x"}]}
    )
    assert unknown.status_code == 422, unknown.text
    assert [(e["pointer"], e["code"]) for e in unknown.json()["errors"]] == [
        ("/spec/actions/0/flow", "E_RULE_UNKNOWN_FLOW")
    ]
    other_form = {**ON_FLOW, "trigger": {**ON_FLOW["trigger"], "form": "flow_log"}}
    other_form["actions"] = [
        {"type": "create_record", "form": "flow_log", "values": {"event": "flow.event"}}
    ]
    refused = define(client, "rule", "bad_listen", other_form)
    assert refused.status_code == 422, refused.text
    assert [(e["pointer"], e["code"]) for e in refused.json()["errors"]] == [
        ("/spec/trigger/flow", "E_RULE_FLOW_FORM")
    ]


def test_a_flow_that_published_rules_start_or_listen_to_cannot_be_archived(
    client: TestClient, users: Users
) -> None:
    bank_with_rules(client, users)
    refused = client.post(f"{APP}/definitions/flow/large_credit/archive")
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "definition_in_use"
    assert [(e["pointer"], e["code"]) for e in refused.json()["errors"]] == [
        ("/rules/on_flow/trigger/flow", "E_RULE_USES_FLOW"),
        ("/rules/on_submit/actions/0/flow", "E_RULE_USES_FLOW"),
    ]
    for rule in ("on_flow", "on_submit"):
        assert client.post(f"{APP}/definitions/rule/{rule}/archive").status_code == 200
    assert client.post(f"{APP}/definitions/flow/large_credit/archive").status_code == 200


def test_a_flow_cannot_be_rebound_to_another_form_while_a_rule_starts_it(
    client: TestClient, users: Users
) -> None:
    """Rebinding would make every save the rule starts the flow for fail: the flow's publish
    is refused naming the rule, and saves keep starting the published version."""
    bank = bank_with_rules(client, users)
    assert client.post(f"{APP}/definitions/rule/on_flow/archive").status_code == 200
    on_the_log = {
        "form": "flow_log",
        "nodes": [
            {"id": "start", "type": "start"},
            {"id": "check", "type": "approval", "assignees": [{"type": "user", "user": "rm"}]},
            {"id": "end", "type": "end"},
        ],
        "edges": [
            {"id": "e1", "from": "start", "to": "check"},
            {"id": "e2", "from": "check", "to": "end"},
        ],
    }
    refused = define(client, "flow", "large_credit", on_the_log)
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "rules_broken_by_change"
    assert [(e["pointer"], e["code"]) for e in refused.json()["errors"]] == [
        ("/rules/on_submit/actions/0/flow", "E_RULE_FLOW_FORM")
    ]
    saved = bank["rm"].post(RECORDS, json={"customer": "ACME", "amount": "50000.00"})
    assert saved.status_code == 201, saved.text
    assert [flow["flow"] for flow in flows_of(bank["rm"], saved.json())] == ["large_credit"]


def test_a_rule_gives_a_member_field_the_flows_initiator_as_the_record_holds_people(
    client: TestClient, users: Users
) -> None:
    """`flow.initiator` is a username, a member field holds user ids: the record created gets
    the initiator's id (the rule refused the save on `/handled_by` before)."""
    bank = bank_with_rules(client, users)
    handover = {
        "fields": [
            {"id": "f_cust", "key": "customer", "type": "text", "label": "Customer"},
            {"id": "f_by", "key": "handled_by", "type": "member", "label": "Handled by"},
        ]
    }
    assert define(client, "form", "handover", handover).status_code == 201
    on_start = {
        "trigger": {
            "on": "flow",
            "form": "credit_application",
            "flow": "large_credit",
            "events": ["started"],
        },
        "actions": [
            {
                "type": "create_record",
                "form": "handover",
                "values": {"customer": "customer", "handled_by": "flow.initiator"},
            }
        ],
    }
    assert define(client, "rule", "on_start", on_start).status_code == 201
    application(bank, "50000.00")
    [held] = client.get(f"{APP}/forms/handover/records").json()["items"]
    rm = users.identities.repo.user_by_username(users.session, "rm")
    assert (held["customer"], held["handled_by"]) == ("ACME", rm.id)
