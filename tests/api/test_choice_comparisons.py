"""Text compared with a choice field must be one of its options: `grade = "a"` when the option
is `A` never matches, so a form's condition, a rule or a flow branch would silently never apply.
Each designer refuses it at publish, with where the text is; and a form change that removes an
option a published flow or rule compares with is refused the same way (the protection holds
when the form changes, not only when the flow or rule is written)."""

from __future__ import annotations

from typing import Any

import pytest
from drafts import app_with_form, draft
from fastapi.testclient import TestClient

API = "/api/v1"
APP = f"{API}/apps/loans"
GRADE = {
    "id": "f_grade",
    "key": "grade",
    "type": "single_select",
    "label": "Grade",
    "options": ["A", "B", "C"],
}
FIELDS: list[dict[str, Any]] = [
    {"id": "f_customer", "key": "customer", "type": "text", "label": "Customer"},
    GRADE,
    {"id": "f_note", "key": "note", "type": "text", "label": "Note"},
]


def flow(condition: str) -> dict[str, Any]:
    """start -> gate -[condition]-> review (the initiator) -> end; otherwise straight to end."""
    return {
        "form": "loan",
        "nodes": [
            {"id": "start", "type": "start"},
            {"id": "gate", "type": "exclusive"},
            {"id": "review", "type": "approval", "assignees": [{"type": "initiator"}]},
            {"id": "end", "type": "end"},
        ],
        "edges": [
            {"id": "e1", "from": "start", "to": "gate"},
            {"id": "e2", "from": "gate", "to": "review", "condition": condition},
            {"id": "e3", "from": "gate", "to": "end", "default": True},
            {"id": "e4", "from": "review", "to": "end"},
        ],
    }


def rule(condition: str) -> dict[str, Any]:
    return {
        "trigger": {"on": "record", "form": "loan", "events": ["created"]},
        "phase": "before_save",
        "condition": condition,
        "actions": [{"type": "set_fields", "values": {"note": '"top grade"'}}],
    }


def on_flow(event: str, nodes: list[str], condition: str, log_to: str) -> dict[str, Any]:
    """A rule on `event` of flow `review` at `nodes`, logging the customer into form `log_to`."""
    return {
        "trigger": {
            "on": "flow",
            "form": "loan",
            "flow": "review",
            "events": [event],
            "nodes": nodes,
        },
        "condition": condition,
        "actions": [{"type": "create_record", "form": log_to, "values": {"customer": "customer"}}],
    }


@pytest.fixture
def loans(client: TestClient) -> TestClient:
    app_with_form(client, APP, "loan", FIELDS)
    return client


def refused(client: TestClient, kind: str, key: str, status: int = 422) -> list[dict[str, str]]:
    answer = client.post(
        f"{APP}/definitions/{kind}/{key}/publish", headers={"Accept-Language": "zh-CN"}
    )
    assert answer.status_code == status, answer.text
    return list(answer.json()["errors"])


def test_a_form_condition_naming_none_of_the_options_is_refused(loans: TestClient) -> None:
    note = {**FIELDS[2], "visible_when": 'grade = "a"'}
    draft(loans, APP, "form", "loan", {"fields": [*FIELDS[:2], note]})
    [item] = refused(loans, "form", "loan")
    assert (item["pointer"], item["code"]) == (
        "/spec/fields/2/visible_when",
        "expression_not_an_option",
    )
    assert item["message"].startswith('第 1 行第 9 列："a" 不是 `grade` 的选项（"A", "B", "C"）')


def test_a_rule_and_a_flow_naming_none_of_the_options_are_refused(loans: TestClient) -> None:
    draft(loans, APP, "rule", "top_grade", rule('grade = "a"'))
    [item] = refused(loans, "rule", "top_grade")
    assert (item["pointer"], item["code"]) == ("/spec/condition", "E_RULE_NOT_AN_OPTION")
    assert item["message"].startswith('第 1 行第 9 列："a" 不是 `grade` 的选项（"A", "B", "C"）')
    draft(loans, APP, "flow", "review", flow('grade in ["A", "b"]'))
    [item] = refused(loans, "flow", "review")
    assert (item["pointer"], item["code"]) == ("/spec/edges/1/condition", "E_FLOW_NOT_AN_OPTION")
    assert '"b" 不是 `grade` 的选项' in item["message"]
    draft(loans, APP, "rule", "top_grade", rule('grade = "A"'))
    assert loans.post(f"{APP}/definitions/rule/top_grade/publish").status_code == 201
    draft(loans, APP, "flow", "review", flow('grade in ["A", "B"]'))
    assert loans.post(f"{APP}/definitions/flow/review/publish").status_code == 201
    created = loans.post(f"{APP}/forms/loan/records", json={"customer": "ACME", "grade": "A"})
    assert created.status_code == 201, created.text
    assert created.json()["note"] == "top grade"


def test_a_flow_rule_comparing_the_outcome_with_what_it_never_is_is_refused(
    loans: TestClient,
) -> None:
    """`flow.outcome` is approved, rejected, withdrawn or terminated: "Approved" never is."""
    draft(loans, APP, "flow", "review", flow('grade = "A"'))
    assert loans.post(f"{APP}/definitions/flow/review/publish").status_code == 201
    follow_up = {
        "trigger": {"on": "flow", "form": "loan", "flow": "review", "events": ["finished"]},
        "condition": 'flow.outcome = "Approved"',
        "actions": [{"type": "create_record", "form": "loan", "values": {"customer": "customer"}}],
    }
    draft(loans, APP, "rule", "follow_up", follow_up)
    [item] = refused(loans, "rule", "follow_up")
    assert (item["pointer"], item["code"]) == ("/spec/condition", "E_RULE_NOT_AN_OPTION")
    assert '"Approved" 不是 `flow.outcome` 的选项' in item["message"]
    draft(loans, APP, "rule", "follow_up", {**follow_up, "condition": 'flow.outcome = "approved"'})
    assert loans.post(f"{APP}/definitions/rule/follow_up/publish").status_code == 201


def test_a_flow_rule_naming_a_node_the_flow_does_not_have_is_refused(loans: TestClient) -> None:
    """On a node the flow does not have, the rule would never fire."""
    draft(loans, APP, "flow", "review", flow('grade = "A"'))
    assert loans.post(f"{APP}/definitions/flow/review/publish").status_code == 201
    decided = on_flow("approved", ["reviw"], 'flow.node != "gaet"', "loan")
    draft(loans, APP, "rule", "decided", decided)
    found = {(item["pointer"], item["code"]) for item in refused(loans, "rule", "decided")}
    assert found == {
        ("/spec/trigger/nodes/0", "E_RULE_UNKNOWN_NODE"),
        ("/spec/condition", "E_RULE_UNKNOWN_NODE"),
    }
    fixed = {**decided, "trigger": {**decided["trigger"], "nodes": ["review"]}, "condition": "true"}
    draft(loans, APP, "rule", "decided", fixed)
    assert loans.post(f"{APP}/definitions/rule/decided/publish").status_code == 201


def test_a_flow_change_a_published_rule_no_longer_fits_is_refused(loans: TestClient) -> None:
    """The protection holds when the flow changes: a new version without the node a published
    rule listens on (the rule would never fire on new requests), or bound to another form than
    the records a rule starts it for, is refused naming each rule, until the rules change."""
    draft(loans, APP, "form", "memo", {"fields": FIELDS})
    assert loans.post(f"{APP}/definitions/form/memo/publish").status_code == 201
    draft(loans, APP, "flow", "review", flow('grade = "A"'))
    assert loans.post(f"{APP}/definitions/flow/review/publish").status_code == 201
    on_review = on_flow("node_entered", ["review"], 'flow.node = "review"', "memo")
    draft(loans, APP, "rule", "on_review", on_review)
    published = loans.post(f"{APP}/definitions/rule/on_review/publish")
    assert published.status_code == 201, published.text
    starts = {**rule("true"), "phase": "after_save"}
    starts["actions"] = [{"type": "start_flow", "flow": "review"}]
    draft(loans, APP, "rule", "starts", starts)
    assert loans.post(f"{APP}/definitions/rule/starts/publish").status_code == 201

    renamed = flow('grade = "A"')
    renamed["nodes"][2]["id"] = "president"
    renamed["edges"][1]["to"] = renamed["edges"][3]["from"] = "president"
    draft(loans, APP, "flow", "review", renamed)
    errors = refused(loans, "flow", "review", status=409)
    assert {(e["pointer"], e["code"]) for e in errors} == {
        ("/rules/on_review/trigger/nodes/0", "E_RULE_UNKNOWN_NODE"),
        ("/rules/on_review/condition", "E_RULE_UNKNOWN_NODE"),
    }
    assert any("流程 `review` 中没有节点 `review`" in e["message"] for e in errors)
    draft(loans, APP, "flow", "review", {**flow('grade = "A"'), "form": "memo"})
    answer = loans.post(f"{APP}/definitions/flow/review/publish")
    assert answer.status_code == 409, answer.text
    assert answer.json()["code"] == "rules_broken_by_change"
    assert {(e["pointer"], e["code"]) for e in answer.json()["errors"]} == {
        ("/rules/on_review/trigger/flow", "E_RULE_FLOW_FORM"),
        ("/rules/starts/actions/0/flow", "E_RULE_FLOW_FORM"),
    }
    # Nothing changed meanwhile: a new loan still starts version 1, whose node the rule names.
    created = loans.post(f"{APP}/forms/loan/records", json={"customer": "ACME", "grade": "A"})
    assert created.status_code == 201, created.text
    memos = loans.get(f"{APP}/forms/memo/records").json()["items"]
    assert [memo["customer"] for memo in memos] == ["ACME"]
    # The way through: the rule first takes the node out, then the flow changes.
    draft(
        loans,
        APP,
        "rule",
        "on_review",
        {**on_review, "condition": "true", "trigger": {**on_review["trigger"], "nodes": []}},
    )
    assert loans.post(f"{APP}/definitions/rule/on_review/publish").status_code == 201
    draft(loans, APP, "flow", "review", renamed)
    assert loans.post(f"{APP}/definitions/flow/review/publish").status_code == 201


def test_a_filter_the_database_runs_naming_none_of_the_options_is_refused(
    loans: TestClient,
) -> None:
    """A count of the customer's other loans of grade "a" is always 0 (the option is `A`): a
    monitoring rule built on it would never fire."""
    spec = rule("peers > 1")
    spec["aggregates"] = [
        {
            "name": "peers",
            "form": "loan",
            "function": "count",
            "where": 'it.customer = record.customer and it.grade = "a"',
        }
    ]
    draft(loans, APP, "rule", "repeat_grade_a", spec)
    [item] = refused(loans, "rule", "repeat_grade_a")
    assert (item["pointer"], item["code"]) == ("/spec/aggregates/0/where", "E_RULE_NOT_AN_OPTION")
    assert item["message"].startswith(
        '第 1 行第 46 列："a" 不是 `it.grade` 的选项（"A", "B", "C"）'
    )
    update = {
        "type": "update_records",
        "form": "loan",
        "where": 'it.customer = record.customer and record.grade != "c"',
        "values": {"note": '"reviewed"'},
    }
    spec = {**rule("true"), "phase": "after_save", "actions": [update]}
    draft(loans, APP, "rule", "review_others", spec)
    [item] = refused(loans, "rule", "review_others")
    assert (item["pointer"], item["code"]) == ("/spec/actions/0/where", "E_RULE_NOT_AN_OPTION")
    acting = flow("true")
    acting["nodes"][2] = {"id": "review", "type": "action", "actions": [update]}
    draft(loans, APP, "flow", "review", acting)
    [item] = refused(loans, "flow", "review")
    assert (item["pointer"], item["code"]) == (
        "/spec/nodes/2/actions/0/where",
        "E_FLOW_NOT_AN_OPTION",
    )


def test_a_report_filter_naming_none_of_the_options_is_refused(loans: TestClient) -> None:
    report = {
        "dataset": {"form": "loan"},
        "measures": [{"key": "n", "function": "count"}],
        "filters": ['grade = "a"'],
    }
    draft(loans, APP, "report", "grade_a", report)
    [item] = refused(loans, "report", "grade_a")
    assert (item["pointer"], item["code"]) == ("/spec/filters/0", "E_REPORT_NOT_AN_OPTION")
    assert '"a" 不是 `grade` 的选项（"A", "B", "C"）' in item["message"]
    draft(loans, APP, "report", "grade_a", {**report, "filters": ['grade = "A"']})
    assert loans.post(f"{APP}/definitions/report/grade_a/publish").status_code == 201


REPORT = {
    "dataset": {"form": "loan"},
    "measures": [{"key": "n", "function": "count"}],
    "filters": ['grade = "A"'],
}


@pytest.mark.parametrize(
    ("kind", "key", "spec", "code", "item"),
    [
        (
            "rule",
            "top_grade",
            rule('grade = "A"'),
            "rules_broken_by_change",
            ("/rules/top_grade/condition", "E_RULE_NOT_AN_OPTION"),
        ),
        (
            "flow",
            "review",
            flow('grade = "A"'),
            "flows_broken_by_change",
            ("/flows/review/edges/1/condition", "E_FLOW_NOT_AN_OPTION"),
        ),
        (
            "report",
            "grade_a",
            REPORT,
            "reports_broken_by_change",
            ("/reports/grade_a/filters/0", "E_REPORT_NOT_AN_OPTION"),
        ),
    ],
)
def test_removing_an_option_a_published_definition_compares_with_is_refused(
    loans: TestClient, kind: str, key: str, spec: dict[str, Any], code: str, item: tuple[str, str]
) -> None:
    draft(loans, APP, kind, key, spec)
    assert loans.post(f"{APP}/definitions/{kind}/{key}/publish").status_code == 201
    renamed = {**GRADE, "options": ["AA", "B", "C"]}  # `A` renamed
    draft(loans, APP, "form", "loan", {"fields": [FIELDS[0], renamed, FIELDS[2]]})
    answer = loans.post(f"{APP}/definitions/form/loan/publish")
    assert answer.status_code == 409, answer.text
    assert answer.json()["code"] == code
    assert [(e["pointer"], e["code"]) for e in answer.json()["errors"]] == [item]
