"""The credit approval of docs/flows.md §8, run to completion by Brickwork's flow engine and by
SpiffWorkflow on the equivalent BPMN (`benchmarks/flow/credit.bpmn`), in one process.

Run: `.venv/bin/pip install -r benchmarks/requirements-flow.txt` once, then
`.venv/bin/python benchmarks/bench_flow.py [--seconds 2]`.

One run: start an instance for 2,000,000, the branch president approves, risk and compliance
approve in parallel, three of five committee members approve (the vote closes early, the two
other tasks are cancelled), CC, end. Both engines compile/parse the definition once, outside the
timing; each run starts a new instance and looks up the task it acts on among the open ones.
The branch president's SLA (docs/flows.md §8: two working days, a reminder four hours before,
then escalation) is two non-interrupting boundary timers on the president's task, each leading
to a script task (Brickwork schedules the two timers and cancels them on the approval; in
neither engine does a timer fire). SpiffWorkflow has no vote or or-sign: the committee is a
parallel multi-instance user task whose completion condition reads an approval count the
caller keeps (as an application on it would), and risk management (an or-sign of two officers)
a parallel multi-instance user task closed by the first approval.

`round trip`: after every action the state is saved to JSON text and loaded back, as a
persisted engine does per command (Brickwork: `json.dumps(state.to_json())` then
`FlowState.from_json(json.loads(...))`; SpiffWorkflow: `BpmnWorkflowSerializer.serialize_json`
then `deserialize_json`, with the workflow converter SpiffWorkflow's serialization guide shows
for stores that keep specs apart from instances: the parsed spec is referred to by name, not
written into every save, as Brickwork's state does not carry its compiled flow). Rounds of both
engines are interleaved so load hits them alike; the best round is reported, with the machine load.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar
from uuid import UUID

from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnParser
from SpiffWorkflow.bpmn.serializer.config import DEFAULT_CONFIG
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from brickwork.engines.flow import (
    Approve,
    CompiledFlow,
    FlowEnvironment,
    FlowState,
    World,
    compile_flow,
    start,
    step,
)

HERE = Path(__file__).resolve().parent
DOCS = HERE.parent / "docs" / "flows.md"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MEMBERS = ["c1", "c2", "c3", "c4", "c5"]
ACTIONS = [
    ("president", "president"),
    ("risk", "risk1"),
    ("compliance", "comp1"),
    ("committee", "c1"),
    ("committee", "c2"),
    ("committee", "c3"),
]


HEADS = {"branch_sh": "president", "east": "regional", "hq": "ceo"}
PARENTS = {"branch_sh": "east", "east": "hq"}
ROLES = {
    "risk_officer": ["risk1", "risk2"],
    "compliance_officer": ["comp1"],
    "credit_committee": MEMBERS,
}


class Directory:
    def users_with_role(self, role: str, department: str | None) -> Sequence[str]:
        return ROLES.get(role, [])

    def department_of(self, username: str) -> str | None:
        return "branch_sh" if username in ("am", "president") else None

    def department_head(self, department: str) -> str | None:
        return HEADS.get(department)

    def parent_department(self, department: str) -> str | None:
        return PARENTS.get(department)

    def is_active(self, username: str) -> bool:
        return True

    def usernames_of(self, user_ids: Sequence[str]) -> Mapping[str, str]:
        return {}  # the scenario names no user by id

    def department_keys_of(self, department_ids: Sequence[str]) -> Sequence[str]:
        return []

    def delegate_of(self, username: str, at: datetime) -> str | None:
        return None

    def administrator(self) -> str:
        return "admin"


def brickwork_flow() -> CompiledFlow:
    block = DOCS.read_text(encoding="utf-8").split("## 8.")[1].split("```json")[1]
    spec = json.loads(block.split("```")[0])
    spec["settings"].pop("calendar")  # the credit spec's working-day SLA uses Monday-Friday
    env = FlowEnvironment(
        fields={"amount": "money", "risk_level": "text", "note": "text"},
        roles=frozenset(ROLES),
    )
    return compile_flow(spec, env)


def run_brickwork(flow: CompiledFlow, world: World, *, round_trip: bool) -> str:
    state = start(flow, instance_id="i1", initiator="am", now=NOW, world=world).state
    for node, user in ACTIONS:
        task = next(t for t in state.tasks if t.node == node and t.assignee == user)
        event = Approve(user, task.id, expected_version=task.version)
        state = step(flow, state, event, now=NOW, world=world).state
        if round_trip:
            state = FlowState.from_json(json.loads(json.dumps(state.to_json())))
    return state.status


def spiff_spec() -> Any:
    parser = BpmnParser()
    parser.add_bpmn_file(str(HERE / "flow" / "credit.bpmn"))
    return parser.get_spec("credit")


class InstanceConverter(BpmnWorkflowConverter):  # type: ignore[misc]
    """A workflow saved without its spec (kept once, as parsed, in `specs`)."""

    specs: ClassVar[dict[str, Any]] = {}

    def to_dict(self, workflow: BpmnWorkflow) -> dict[str, Any]:
        dct: dict[str, Any] = super(BpmnWorkflowConverter, self).to_dict(workflow)
        dct["spec"] = workflow.spec.name
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct: dict[str, Any]) -> BpmnWorkflow:
        workflow = self.target_class(self.specs[dct.pop("spec")], {}, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


def spiff_serializer(spec: Any) -> BpmnWorkflowSerializer:
    InstanceConverter.specs[spec.name] = spec
    config = {**DEFAULT_CONFIG, BpmnWorkflow: InstanceConverter}
    return BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(config))


def run_spiff(spec: Any, serializer: BpmnWorkflowSerializer, *, round_trip: bool) -> str:
    workflow = BpmnWorkflow(spec)
    workflow.do_engine_steps()
    first = workflow.get_tasks(state=TaskState.READY, manual=True)[0]
    first.data.update(
        amount=2_000_000, members=list(MEMBERS), risk_officers=["risk1", "risk2"], approvals=0
    )
    approvals = 0
    for node, user in ACTIONS:
        if node == "president":
            task = first
        else:
            ready = workflow.get_tasks(state=TaskState.READY, manual=True)
            task = next(
                t
                for t in ready
                if t.task_spec.name in (node, f"{node} [child]")
                and t.data.get("member", user) == user
            )
        if node == "committee":
            approvals += 1
            task.data.update(vote="approve", approvals=approvals)
        elif node == "risk":
            task.data["vote"] = "approve"
        task.run()
        workflow.do_engine_steps()
        if round_trip:
            workflow = serializer.deserialize_json(serializer.serialize_json(workflow))
    return "approved" if workflow.is_completed() else "running"


def best_rate(runner: Callable[[], Any], seconds: float) -> float:
    """Runs per second over `seconds` (at least one run)."""
    count = 0
    began = time.perf_counter()
    while True:
        runner()
        count += 1
        elapsed = time.perf_counter() - began
        if elapsed >= seconds:
            return count / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="per round and engine")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    flow = brickwork_flow()
    world = World({"amount": Decimal(2_000_000)}, Directory())
    spec = spiff_spec()
    serializer = spiff_serializer(spec)
    for round_trip in (False, True):
        assert run_brickwork(flow, world, round_trip=round_trip) == "approved"
        assert run_spiff(spec, serializer, round_trip=round_trip) == "approved"
    rows = []
    for round_trip in (False, True):
        ours: list[float] = []
        theirs: list[float] = []
        for _ in range(args.rounds):
            ours.append(
                best_rate(
                    lambda rt=round_trip: run_brickwork(flow, world, round_trip=rt), args.seconds
                )
            )
            theirs.append(
                best_rate(
                    lambda rt=round_trip: run_spiff(spec, serializer, round_trip=rt), args.seconds
                )
            )
        rows.append(("round trip" if round_trip else "in memory", max(ours), max(theirs)))
    load = subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()
    print(f"credit scenario to completion (7 commands), best of {args.rounds} x {args.seconds}s")
    print(f"{'mode':<12} {'brickwork/s':>12} {'spiff/s':>10} {'ratio':>8}")
    for name, ours_rate, theirs_rate in rows:
        print(
            f"{name:<12} {ours_rate:>12,.0f} {theirs_rate:>10,.0f} {ours_rate / theirs_rate:>7.1f}x"
        )
    print(f"load: {load}")


if __name__ == "__main__":
    main()
