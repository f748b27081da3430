"""Evaluating published decision models over HTTP: values, diagnostics, traces, and who may."""

from __future__ import annotations

from typing import Any

import pytest
from decision_models import rating_model
from fastapi.testclient import TestClient

from brickwork.platform.errors import Invalid

API = "/api/v1"
APP = f"{API}/apps/risk"
MODEL = f"{APP}/definitions/decision_table/rating"
EVALUATE = f"{APP}/decisions/rating/evaluate"
PROBLEM = "application/problem+json"


def problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    return body


def publish(client: TestClient, spec: dict[str, Any]) -> None:
    response = client.put(MODEL, json={"label": "Rating", "spec": spec})
    assert response.status_code == 200, response.text
    response = client.post(f"{MODEL}/publish")
    assert response.status_code == 201, response.text


@pytest.fixture
def risk(client: TestClient) -> TestClient:
    assert client.post(f"{API}/apps", json={"key": "risk", "label": "Risk"}).status_code == 201
    body = {"kind": "decision_table", "key": "rating", "label": "Rating"}
    assert client.post(f"{APP}/definitions", json=body).status_code == 201
    publish(client, rating_model())
    return client


def test_the_published_model_is_evaluated_with_json_inputs(risk: TestClient) -> None:
    response = risk.post(EVALUATE, json={"inputs": {"score": 599.999, "pep": False}})
    assert response.status_code == 200, response.text
    assert response.json() == {
        "version": 1,
        "value": "high",
        "decisions": {"Risk level": "high"},
        "ok": True,
        "diagnostics": [],
        "trace": None,
    }
    response = risk.post(EVALUATE, json={"inputs": {"score": "600.00", "pep": True}})
    assert response.json()["value"] == "medium"


def test_a_trace_says_which_rule_matched_and_which_cell_failed_first(risk: TestClient) -> None:
    response = risk.post(EVALUATE, json={"inputs": {"score": 700, "pep": False}, "trace": True})
    assert response.status_code == 200, response.text
    (step,) = response.json()["trace"]
    assert step["decision"] == "Risk level"
    assert step["value"] == "low"
    (table,) = step["tables"]
    assert table["inputs"] == ["700", False]
    rules = {rule["rule_id"]: rule for rule in table["rules"]}
    assert rules["_rule.3"]["matched"] is True
    assert rules["_rule.1"]["matched"] is False
    assert (rules["_rule.1"]["failed_cell"], rules["_rule.1"]["failed_value"]) == ("< 600", "700")
    assert (rules["_rule.2"]["failed_cell"], rules["_rule.2"]["failed_value"]) == ("true", False)


def test_a_bad_input_value_gives_null_with_a_diagnostic_not_an_error(risk: TestClient) -> None:
    response = risk.post(EVALUATE, json={"inputs": {"score": "a lot", "pep": False}})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["ok"] is False
    assert body["value"] is None
    assert body["diagnostics"]
    assert all(d["pointer"].startswith("/") or d["pointer"] == "" for d in body["diagnostics"])


def test_a_new_version_is_evaluated_once_published(risk: TestClient) -> None:
    spec = rating_model()
    spec["decisions"][0]["logic"]["rules"][0]["then"] = ['"very high"']
    response = risk.put(MODEL, json={"label": "Rating", "spec": spec})
    assert response.status_code == 200
    body = {"inputs": {"score": 1, "pep": False}}
    assert risk.post(EVALUATE, json=body).json()["value"] == "high", "drafts are not evaluated"
    assert risk.post(f"{MODEL}/publish").status_code == 201
    assert risk.post(EVALUATE, json=body).json()["value"] == "very high"
    assert risk.post(EVALUATE, json=body).json()["version"] == 2


def test_unknown_or_unpublished_models_and_bad_bodies_are_refused(risk: TestClient) -> None:
    problem(risk.post(f"{APP}/decisions/other/evaluate", json={}), 404, "definition_not_found")
    body = {"kind": "decision_table", "key": "draft_only", "label": "Draft"}
    assert risk.post(f"{APP}/definitions", json=body).status_code == 201
    problem(
        risk.post(f"{APP}/decisions/draft_only/evaluate", json={}), 404, "decision_not_published"
    )
    problem(risk.post(EVALUATE, json={"input": {}}), 422, "validation_failed")
    response = risk.post(EVALUATE, json={"decision": "Nope"})
    assert response.status_code == 200
    assert [d["code"] for d in response.json()["diagnostics"]] == ["E_DMN_UNKNOWN_DECISION"]


def grant(decision: str = "rating", **more: Any) -> dict[str, Any]:
    return {"app": "risk", "decision": decision, "actions": ["evaluate"], **more}


def test_evaluating_needs_an_evaluate_grant_on_the_model_or_design_on_the_app(
    risk: TestClient, users: Any
) -> None:
    body = {"inputs": {"score": 1, "pep": False}}
    clerk = users.client("clerk", grants=[{"app": "risk", "actions": ["read"], "rows": "all"}])
    refused = problem(clerk.post(EVALUATE, json=body), 403, "permission_denied")
    assert "decision model 'rating' of app 'risk'" in refused["detail"]
    other = users.client("other", grants=[grant("*")])
    assert other.post(EVALUATE, json=body).status_code == 200
    scorer = users.client("scorer", grants=[grant()])
    assert scorer.post(EVALUATE, json=body).json()["value"] == "high"
    designer = users.client("designer", grants=[{"app": "risk", "actions": ["design"]}])
    assert designer.post(EVALUATE, json=body).status_code == 200
    everywhere = {"app": "*", "decision": "rating", "actions": ["evaluate"]}
    elsewhere = users.client("elsewhere", grants=[everywhere])
    assert elsewhere.post(EVALUATE, json=body).status_code == 200


def test_a_grant_for_one_model_does_not_reach_another(risk: TestClient, users: Any) -> None:
    body = {"kind": "decision_table", "key": "limits", "label": "Limits"}
    assert risk.post(f"{APP}/definitions", json=body).status_code == 201
    scorer = users.client("scorer", grants=[grant("limits")])
    problem(scorer.post(EVALUATE, json={}), 403, "permission_denied")


@pytest.mark.parametrize(
    ("bad", "pointer", "says"),
    [
        ({"app": "risk", "actions": ["evaluate"]}, "/0", "'evaluate' applies to decision models"),
        (grant(actions=["evaluate", "read"], rows="all"), "/0", "holds only 'evaluate'"),
        (grant(form="customer"), "/0", "names no form, rows or fields"),
        (grant("nowhere"), "/0/decision", "app 'risk' has no decision model 'nowhere'"),
    ],
)
def test_decision_grants_are_checked_when_a_role_is_saved(
    risk: TestClient, users: Any, bad: dict[str, Any], pointer: str, says: str
) -> None:
    with pytest.raises(Invalid) as refused:
        users.role("scorers", [bad])
    found = {item.pointer: item.message for item in refused.value.errors}
    assert says in found[pointer]


def test_designers_get_the_findings_of_a_draft_with_pointers(risk: TestClient, users: Any) -> None:
    spec = rating_model()
    rules = spec["decisions"][0]["logic"]["rules"]
    rules[0]["when"] = ["< 700", "-"]  # overlaps the medium rule between 600 and 700
    rules.pop(2)  # no rule is left for a score of 700 or more without pep
    response = risk.put(MODEL, json={"label": "Rating", "spec": spec})
    assert response.status_code == 200, response.text
    found = risk.get(f"{APP}/decisions/rating/analysis")
    assert found.status_code == 200, found.text
    kinds = {(f["kind"], f["pointer"]) for f in found.json()["findings"]}
    table = "/spec/decisions/0/logic"
    assert kinds == {("overlap", f"{table}/rules/1"), ("gap", table)}
    overlap = next(f for f in found.json()["findings"] if f["kind"] == "overlap")
    assert set(overlap["rules"]) == {"_rule.1", "_rule.2"}
    assert overlap["example"] is not None
    scorer = users.client("scorer.a", grants=[grant()])
    assert scorer.get(f"{APP}/decisions/rating/analysis").status_code == 403


def test_diagnostics_are_said_in_the_callers_language(risk: TestClient) -> None:
    """The same diagnostics, at the same pointers, in Chinese for a caller who prefers it:
    the type's own reason for refusing the value too."""
    body = {"inputs": {"score": "a lot", "pep": False}}
    answers = {
        language: risk.post(EVALUATE, json=body, headers={"accept-language": language}).json()
        for language in ("zh-CN", "en")
    }
    [zh], [en] = answers["zh-CN"]["diagnostics"], answers["en"]["diagnostics"]
    assert (
        (zh["code"], zh["pointer"])
        == (en["code"], en["pointer"])
        == (
            "E_DMN_TYPE_MISMATCH",
            "/inputs/0",
        )
    )
    assert zh["message"] == (
        "输入 `score` 不符合其类型：应为数字，不能是文本"
        "（该输入不符合声明的类型，按空值（null）处理）"
    )
    assert en["message"] == (
        "input `score`: expected number, not a string (the input does not conform to its "
        "declared type; it is null)"
    )
