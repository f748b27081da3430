"""Random command sequences on the large-credit flow through the HTTP API (a Hypothesis state
machine): whoever acts, with whatever command, a current or a stale version, nothing answers
5xx; a stale command is refused (409, or 403 when the person may not give it at all) and
changes nothing; and the instance, the record and every person's inbox agree after each step
(the open tasks of the instance are exactly the to-do items of the people, a finished instance
has none, the record's flow status is the instance's)."""

from __future__ import annotations

from typing import Any, ClassVar

from credit_flow import API, RECORDS, Bank, application, credit_app, submit
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from conftest import Users

PEOPLE = ("rm", "president", "risk1", "comp1", "cm1", "cm2", "cm3", "cm4", "cm5", "auditor")
TASK_COMMANDS = (
    "approve",
    "reject",
    "abstain",
    "return",
    "transfer",
    "delegate",
    "add-signer",
    "comment",
    "urge",
)
INSTANCE_COMMANDS = ("withdraw", "resubmit", "urge", "cc")
FINISHED = frozenset({"approved", "rejected", "withdrawn", "terminated"})


class FlowThroughTheApi(RuleBasedStateMachine):
    bank: ClassVar[Bank]

    def __init__(self) -> None:
        super().__init__()
        record = application(self.bank, "2000000.00")
        self.record = record["id"]
        self.instance = submit(self.bank, record)["id"]

    def detail(self) -> dict[str, Any]:
        response = self.bank["rm"].get(f"{API}/flow-instances/{self.instance}")
        assert response.status_code == 200, response.text
        return dict(response.json())

    def todo(self, person: str) -> list[dict[str, Any]]:
        response = self.bank[person].get(f"{API}/inbox", params={"tab": "todo", "limit": 100})
        assert response.status_code == 200, response.text
        return [t for t in response.json()["items"] if t["instance"] == self.instance]

    @staticmethod
    def answered(response: Any) -> None:
        """Never 5xx; a refusal is problem+json with a code."""
        assert response.status_code < 500, response.text
        if response.status_code >= 400:
            assert response.headers["content-type"].startswith("application/problem+json")
            assert response.json()["code"], response.text

    @rule(
        person=st.sampled_from(PEOPLE),
        command=st.sampled_from(TASK_COMMANDS),
        stale=st.booleans(),
        data=st.data(),
    )
    def act_on_a_task(self, person: str, command: str, stale: bool, data: st.DataObject) -> None:
        tasks = self.todo(person)
        if not tasks:
            return
        task = data.draw(st.sampled_from(tasks))
        body: dict[str, Any] = {
            "expected_version": task["version"] - 1 if stale else task["version"]
        }
        if command == "return":
            body["target"] = "initiator"
        elif command in ("transfer", "delegate"):
            body["to"] = data.draw(st.sampled_from(PEOPLE))
        elif command == "add-signer":
            body["users"] = [data.draw(st.sampled_from(PEOPLE))]
            body["position"] = data.draw(st.sampled_from(["before", "after", "parallel"]))
        elif command == "comment":
            body["comment"] = "checked"
        before = self.detail()
        response = self.bank[person].post(f"{API}/tasks/{task['id']}/{command}", json=body)
        self.answered(response)
        if stale:  # 409, or 403 for a command this person may not give at all
            assert response.status_code in (403, 409), response.text
            assert self.detail() == before, "a stale command changed the instance"

    @rule(person=st.sampled_from(("rm", "president")), command=st.sampled_from(INSTANCE_COMMANDS))
    def act_on_the_instance(self, person: str, command: str) -> None:
        body: dict[str, Any] = {"users": ["auditor"]} if command == "cc" else {}
        response = self.bank[person].post(
            f"{API}/flow-instances/{self.instance}/{command}", json=body
        )
        self.answered(response)

    @rule(data=st.data())
    def repeat_with_the_same_idempotency_key(self, data: st.DataObject) -> None:
        person = data.draw(st.sampled_from(PEOPLE))
        tasks = self.todo(person)
        if not tasks:
            return
        task = data.draw(st.sampled_from(tasks))
        headers = {"Idempotency-Key": f"k-{task['id']}-{task['version']}"}
        url = f"{API}/tasks/{task['id']}/approve"
        first = self.bank[person].post(url, json={}, headers=headers)
        self.answered(first)
        after_first = self.detail()
        again = self.bank[person].post(url, json={}, headers=headers)
        self.answered(again)
        if first.status_code == 200:
            assert again.status_code == 409, again.text
        assert self.detail() == after_first, "a repeated command had a second effect"

    @invariant()
    def instance_record_and_inboxes_agree(self) -> None:
        shown = self.detail()
        open_tasks = {
            (t["id"], t["assignee"])
            for t in shown["tasks"]
            if t["status"] == "open" and t["kind"] != "cc"
        }
        in_inboxes = {(t["id"], person) for person in PEOPLE for t in self.todo(person)}
        assert open_tasks == in_inboxes
        if shown["status"] in FINISHED:
            assert not open_tasks
        record = self.bank["rm"].get(f"{RECORDS}/{self.record}")
        assert record.status_code == 200, record.text
        assert record.json()["flow_status"] == shown["status"]


def test_random_commands_through_the_api_keep_instance_record_and_inboxes_in_step(
    client: TestClient, users: Users
) -> None:
    FlowThroughTheApi.bank = credit_app(client, users)
    run_state_machine_as_test(
        FlowThroughTheApi,
        settings=settings(
            max_examples=8,
            stateful_step_count=10,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
