"""Incidents over HTTP: a decision that fails stops the instance in an incident; an
administrator of the app retries it after the record was fixed, or moves the token on."""

from __future__ import annotations

import re
from typing import Any

from credit_flow import API, RECORDS, credit_app, credit_flow, define, todo
from fastapi.testclient import TestClient

from conftest import Users

# Two rules of a unique-hit table overlap above 1,000,000: such an amount fails the decision.
BANDS: dict[str, Any] = {
    "inputs": [{"id": "i_amount", "name": "amount", "type_ref": "number"}],
    "decisions": [
        {
            "id": "d_band",
            "name": "band",
            "requires": {"inputs": ["amount"]},
            "logic": {
                "type": "decision_table",
                "hit_policy": "U",
                "inputs": [{"id": "in0", "expression": "amount", "type_ref": "number"}],
                "outputs": [{"id": "out0", "name": "band", "type_ref": "string"}],
                "rules": [
                    {"id": "r0", "when": ["<= 2000000"], "then": ['"standard"']},
                    {"id": "r1", "when": ["> 1000000"], "then": ['"large"']},
                ],
            },
        }
    ],
}
RATE = {
    "id": "branch_review",
    "type": "action",
    "actions": [
        {
            "type": "call_decision",
            "model": "band",
            "inputs": {"amount": "amount"},
            "outputs": {"risk_note": "result"},
        }
    ],
}


def stuck(client: TestClient, users: Users) -> tuple[Any, dict[str, Any], dict[str, Any]]:
    """An application whose flow stopped in an incident at the rating node."""
    assert client.post(f"{API}/apps", json={"key": "credit", "label": "Credit"}).status_code == 201
    bands = define(client, "decision_table", "band", BANDS)
    assert bands.status_code == 201, bands.text
    bank = credit_app(client, users, flow=credit_flow(branch_review=RATE), app_exists=True)
    admin = [{"app": "credit", "actions": ["admin", "read", "update"], "rows": "all"}]
    bank.people["ops_admin"] = users.client("ops_admin", grants=admin)
    record = bank["rm"].post(RECORDS, json={"customer": "ACME", "amount": "1500000.00"})
    assert record.status_code == 201, record.text
    started = bank["rm"].post(
        f"{RECORDS}/{record.json()['id']}/flows", json={"flow": "large_credit"}
    )
    assert started.status_code == 201, started.text
    instance = started.json()
    assert instance["status"] == "incident"
    return bank, record.json(), instance


def resolve(client: TestClient, instance: dict[str, Any], **body: Any) -> Any:
    return client.post(
        f"{API}/flow-instances/{instance['id']}/resolve-incident",
        json={"node": "branch_review", "expected_version": instance["version"], **body},
    )


def test_an_administrator_retries_after_fixing_the_record(client: TestClient, users: Users) -> None:
    bank, record, instance = stuck(client, users)
    fixed = bank["rm"].patch(
        f"{RECORDS}/{record['id']}",
        json={"amount": "900000.00"},
        headers={"If-Match": f'"{record["version"]}"'},
    )
    assert fixed.status_code == 200, fixed.text
    resolved = resolve(bank["ops_admin"], instance, comment="amount corrected")
    assert resolved.status_code == 200, resolved.text
    assert resolved.json()["status"] == "running"
    assert [t["node"] for t in todo(bank["cm1"])] == ["committee"]
    detail = bank["ops_admin"].get(f"{API}/flow-instances/{instance['id']}").json()
    lines = [(line["action"], line.get("comment")) for line in detail["timeline"]]
    assert ("incident_resolved", "amount corrected") in lines
    note = bank["rm"].get(f"{RECORDS}/{record['id']}").json()["risk_note"]
    assert note == "standard"


def test_moving_the_token_on_skips_the_failing_node(client: TestClient, users: Users) -> None:
    bank, _, instance = stuck(client, users)
    moved = resolve(bank["ops_admin"], instance, to="committee")
    assert moved.status_code == 200, moved.text
    assert [t["node"] for t in todo(bank["cm1"])] == ["committee"]


def test_only_administrators_of_the_app_resolve_incidents(client: TestClient, users: Users) -> None:
    bank, _, instance = stuck(client, users)
    refused = resolve(bank["rm"], instance)
    assert refused.status_code == 403, refused.text
    assert refused.json()["code"] == "permission_denied"
    again = bank["ops_admin"].get(f"{API}/flow-instances/{instance['id']}").json()
    assert (again["status"], again["version"]) == ("incident", instance["version"])


def test_a_retry_that_fails_again_stays_an_incident(client: TestClient, users: Users) -> None:
    bank, _, instance = stuck(client, users)
    retried = resolve(bank["ops_admin"], instance)
    assert retried.status_code == 200, retried.text
    assert retried.json()["status"] == "incident"
    stale = resolve(bank["ops_admin"], instance)
    assert stale.status_code == 409, stale.text
    assert stale.json()["code"] == "flow_stale"


def test_resolving_where_there_is_no_incident_is_refused(client: TestClient, users: Users) -> None:
    bank, _, instance = stuck(client, users)
    wrong = bank["ops_admin"].post(
        f"{API}/flow-instances/{instance['id']}/resolve-incident",
        json={"node": "committee", "expected_version": instance["version"]},
    )
    assert wrong.status_code == 409, wrong.text
    assert wrong.json()["errors"][0]["code"] == "E_FLOW_NO_INCIDENT"


def test_administrators_find_where_flows_stopped_and_resolve_them_on_the_record_page(
    client: TestClient, users: Users
) -> None:
    bank, record, instance = stuck(client, users)
    ops = bank["ops_admin"]
    detail = ops.get(f"{API}/flow-instances/{instance['id']}").json()
    assert [(i["node"], i["code"]) for i in detail["incidents"]] == [
        ("branch_review", "E_FLOW_EVALUATION")
    ]
    assert "E_DMN_UNIQUE_VIOLATED" in detail["incidents"][0]["message"]
    listed = ops.get(f"{API}/apps/credit/flow-instances", params={"status": "incident"})
    assert [item["id"] for item in listed.json()["items"]] == [instance["id"]]
    refused = bank["rm"].get(f"{API}/apps/credit/flow-instances", params={"status": "incident"})
    assert (refused.status_code, refused.json()["code"]) == (403, "permission_denied")
    english = {"Accept-Language": "en"}
    tasks_page = ops.get("/apps/credit/flow-tasks", headers=english).text
    assert 'id="stopped-flows"' in tasks_page
    url = f"/apps/credit/forms/credit_application/records/{record['id']}"
    assert f'href="{url}"' in tasks_page
    page = ops.get(url, headers=english).text
    # the rating node has no label of its own: it is named by its type, in the reader's language
    assert "The flow stopped at Automatic action:" in page
    assert f'action="{url}/flows/{instance["id"]}/resolve"' in page
    assert "The flow stopped at" not in bank["rm"].get(url, headers=english).text
    chinese = ops.get(url, headers={"Accept-Language": "zh-CN"}).text
    assert "流程停在 自动处理：" in chinese
    assert "表达式无法求值： /nodes/" in chinese  # what failed is said in Chinese, with details
    assert "E_DMN_UNIQUE_VIOLATED" in chinese
    # and so is why the decision failed, the engine's own sentence in the reader's language
    assert "命中策略 U 只允许一条规则行匹配，但以下规则行都匹配了：r0、r1" in chinese
    assert "hit policy" not in chinese
    assert "hit policy" in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token is not None
    moved = ops.post(
        f"{url}/flows/{instance['id']}/resolve",
        data={
            "csrf_token": token.group(1),
            "expected_version": str(instance["version"]),
            "node": "branch_review",
            "to": "committee",
            "comment": "rated by hand",
        },
        follow_redirects=False,
    )
    assert moved.status_code == 303, moved.text
    assert [t["node"] for t in todo(bank["cm1"])] == ["committee"]
    after = ops.get(url, headers=english).text
    assert "The flow stopped at" not in after
    assert "rated by hand" in after
    assert 'id="stopped-flows"' not in ops.get("/apps/credit/flow-tasks").text
    assert ops.get(f"{API}/flow-instances/{instance['id']}").json()["incidents"] == []
