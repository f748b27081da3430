"""The scenario runner of packs: steps through the HTTP API as users holding the pack's roles,
values saved between steps, subset matching of replies (numbers by value), and failures that
say which step and where the reply differs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from test_packs_api import V1, write_pack

from brickwork.platform.actor import Actor
from brickwork.platform.packs.manifest import read_pack
from brickwork.platform.packs.scenarios import ScenarioRunner, mismatch

SETUP = Actor("setup", channel="cli", system=True)
RECORDS = "/apps/tiny/forms/account/records"


@pytest.fixture
def runner(client: TestClient, users: Any, tmp_path: Path) -> ScenarioRunner:
    service = client.app.state.services.packs  # type: ignore[attr-defined]
    service.catalog = {"tiny": read_pack(write_pack(tmp_path, "1.0.0", V1))}
    service.install(users.session, SETUP, "tiny")
    users.session.commit()

    def add_user(name: str, password: str, roles: Any, departments: Any) -> None:
        service.add_user(users.session, SETUP, name, password, roles, departments)
        users.session.commit()

    return ScenarioRunner(
        new_client=lambda: TestClient(client.app, raise_server_exceptions=False),
        add_user=add_user,
    )


def scenario(*steps: dict[str, Any]) -> dict[str, Any]:
    return {
        "title": "an officer opens an account",
        "users": {"officer": {"roles": ["tiny_officer"], "departments": ["sh"]}},
        "steps": list(steps),
    }


CREATE = {
    "as": "officer",
    "method": "POST",
    "path": RECORDS,
    "body": {"name": "丙", "balance": 1000000},
    "expect": {"status": 201, "body": {"name": "丙", "big": True, "balance": {"amount": 1000000}}},
    "save": {"account": "id"},
}


def test_a_scenario_passes_through_its_steps(runner: ScenarioRunner) -> None:
    read = {
        "as": "officer",
        "method": "GET",
        "path": RECORDS + "/{account}",
        "expect": {"status": 200, "body": {"id": "{account}", "balance": {"amount": "1000000.00"}}},
    }
    result = runner.run("open.json", scenario(CREATE, read))
    assert result.failures == []
    assert result.passed


def test_a_failing_step_is_named_with_where_the_reply_differs(runner: ScenarioRunner) -> None:
    wrong = {**CREATE, "expect": {"status": 201, "body": {"big": False}}}
    result = runner.run("open.json", scenario(wrong))
    assert [(f.step, f.message) for f in result.failures] == [
        (1, "POST /apps/tiny/forms/account/records: /big: expected False, got True")
    ]
    refused = {**CREATE, "body": {"balance": 1}, "expect": {"status": 201}}
    result = runner.run("open.json", scenario(refused))
    assert result.failures[0].message.startswith(
        "POST /apps/tiny/forms/account/records: expected status 201, got 422"
    )


def test_a_malformed_scenario_is_reported_not_run(runner: ScenarioRunner) -> None:
    result = runner.run("bad.json", {"title": "x", "users": {}, "steps": []})
    assert not result.passed
    assert {f.message.split(":")[0] for f in result.failures} == {"/users", "/steps"}
    unknown = runner.run("bad.json", scenario({**CREATE, "as": "nobody"}))
    assert [f.message for f in unknown.failures] == ["/steps: unknown user 'nobody'"]


@pytest.mark.parametrize(
    ("expected", "actual", "found"),
    [
        ({"a": 1}, {"a": "1.00", "b": 2}, None),
        ({"a": [1, {"b": "x"}]}, {"a": [1, {"b": "x", "c": 0}]}, None),
        ({"a": [1]}, {"a": [1, 2]}, "/a: expected 1 item(s), got [1, 2]"),
        ({"a": True}, {"a": 1}, "/a: expected True, got 1"),
        ({"a": None}, {}, "/a: missing"),
        ("50000", 50000, ": expected '50000', got 50000"),  # a text is not a number
    ],
)
def test_subset_matching(expected: Any, actual: Any, found: str | None) -> None:
    assert mismatch(expected, actual) == found
