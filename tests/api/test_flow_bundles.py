"""An app with a form, a flow and rules around it travels in an app bundle: exported from one
installation and imported into a fresh one (its own database), it runs there as it did — a new
application starts the flow, approvals finish it, the outcome is logged."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from credit_flow import API, APP, LOG, ON_FLOW, ON_SUBMIT, RECORDS, credit_app, define
from fastapi import FastAPI
from fastapi.testclient import TestClient

from conftest import Users

ROLES = ("risk_officer", "compliance_officer", "credit_committee")


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_an_exported_app_with_flows_and_rules_runs_after_import_elsewhere(
    backend: str,
    client: TestClient,
    users: Users,
    app_on_fresh_database: Callable[[str], FastAPI],
    admin_on_own_database: Callable[[TestClient], TestClient],
) -> None:
    elsewhere = app_on_fresh_database(backend)
    credit_app(client, users)
    assert define(client, "form", "flow_log", LOG).status_code == 201
    for key, spec in (("on_submit", ON_SUBMIT), ("on_flow", ON_FLOW)):
        assert define(client, "rule", key, spec).status_code == 201
    exported = client.get(f"{API}/apps/credit/export")
    assert exported.status_code == 200, exported.text
    kinds = sorted({item["kind"] for item in exported.json()["definitions"]})
    assert kinds == ["flow", "form", "rule"]

    with TestClient(elsewhere) as admin:
        admin_on_own_database(admin)

        def install() -> Any:
            return admin.post(
                f"{API}/apps/import",
                content=exported.content,
                headers={"content-type": "application/json"},
            )

        early = install()  # the flow's roles do not exist here yet
        assert early.status_code == 422, early.text
        assert early.json()["code"] == "bundle_not_installable"
        assert {e["code"] for e in early.json()["errors"]} == {"E_FLOW_UNKNOWN_ROLE"}
        assert admin.get(f"{API}/apps/credit").status_code == 404  # nothing was imported
        with elsewhere.state.session_factory() as session:
            there = Users(elsewhere, session, admin)
            for role in ROLES:  # the organisation is the installation's, not the app's
                there.role(role, [])
        imported = install()
        assert imported.status_code in (200, 201), imported.text
        with elsewhere.state.session_factory() as session:
            there = Users(elsewhere, session, admin)
            there.role("clerk", [{"app": "credit", "actions": ["create", "read"], "rows": "all"}])
            there.department("north")
            rm = there.client("rm", roles=("clerk",), departments=("north",))
            head = there.client("head", roles=("clerk",), departments=("north",))
            there.department("north").head_user_id = there.identities.repo.user_by_username(
                session, "head"
            ).id
            session.commit()
            committee = [
                there.client(name, roles=("credit_committee",)) for name in ("c1", "c2", "c3")
            ]
        created = rm.post(RECORDS, json={"customer": "ACME", "amount": "50000.00"})
        assert created.status_code == 201, created.text
        flows = rm.get(f"{RECORDS}/{created.json()['id']}/flows").json()["items"]
        assert [(f["flow"], f["status"]) for f in flows] == [("large_credit", "running")]
        assert flows[0]["tasks"][0]["assignee"] == "head", flows
        for person in (head, *committee[:2]):  # 2 of 3 votes for: decided early
            inbox = person.get(f"{API}/inbox", params={"tab": "todo"}).json()
            assert len(inbox["items"]) == 1, inbox
            (task,) = inbox["items"]
            body = {"expected_version": task["version"]}
            decided = person.post(f"{API}/tasks/{task['id']}/approve", json=body)
            assert decided.status_code == 200, decided.text
        log = admin.get(f"{APP}/forms/flow_log/records").json()["items"]
        assert [(item["event"], item["outcome"]) for item in log] == [("finished", "approved")]
