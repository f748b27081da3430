"""Approval flows run to completion by Brickwork's flow engine and by SpiffWorkflow on the
equivalent BPMN (`benchmarks/flow/*.bpmn`), in one process: the credit approval of
docs/flows.md §8 (the target's scenario) and five everyday shapes beside it.

Run: `.venv/bin/pip install -r benchmarks/requirements-flow.txt` once, then
`.venv/bin/python benchmarks/bench_flow.py [--seconds 2] [--only credit]`.

Scenarios (commands after the start):
- credit (6): start an instance for 2,000,000, the branch president approves, risk and
  compliance approve in parallel, three of five committee members approve (the vote closes
  early, the two other tasks are cancelled), CC, end. The branch president's SLA (two working
  days, a reminder four hours before, then escalation) is two non-interrupting boundary timers
  on the president's task in BPMN, each leading to a script task (Brickwork schedules the two
  timers and cancels them on the approval; in neither engine does a timer fire). SpiffWorkflow
  has no vote or or-sign: the committee is a parallel multi-instance user task whose completion
  condition reads an approval count the caller keeps (as an application on it would), and risk
  management (an or-sign of two officers) a parallel multi-instance user task closed by the
  first approval.
- leave (1): the head of the initiator's department approves.
- countersign (3): three board members all approve (a parallel multi-instance task).
- sequential (3): three board members approve one after another (a sequential one).
- return (3): the reviewer returns the request to the initiator, who resubmits, and the
  reviewer approves (in BPMN an exclusive gateway on the reviewer's decision loops back).
- routing (1): an exclusive gateway sends 2,000,000 to the regional head (above 5,000,000 the
  chief executive, otherwise the branch manager), who approves.

Both engines compile/parse each definition once, outside the timing; each run starts a new
instance and looks up every task it acts on among the open ones (Brickwork resolves assignees
through its directory; SpiffWorkflow is given the member lists as data at the start).

`round trip`: after every action the state is saved to JSON text and loaded back, as a
persisted engine does per command (Brickwork: `json.dumps(state.to_json())` then
`FlowState.from_json(json.loads(...))`; SpiffWorkflow: `BpmnWorkflowSerializer.serialize_json`
then `deserialize_json`, with the workflow converter SpiffWorkflow's serialization guide shows
for stores that keep specs apart from instances: the parsed spec is referred to by name, not
written into every save, as Brickwork's state does not carry its compiled flow). Rounds of both
engines are interleaved so load hits them alike; the best round is reported, with the machine
load, and per mode the geometric mean and the worst of the ratios.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any, ClassVar, Literal
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
    Resubmit,
    Return,
    World,
    compile_flow,
    start,
    step,
)

HERE = Path(__file__).resolve().parent
DOCS = HERE.parent / "docs" / "flows.md"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MEMBERS = ["c1", "c2", "c3", "c4", "c5"]
BOARD = ["b1", "b2", "b3"]


HEADS = {"branch_sh": "president", "east": "regional", "hq": "ceo"}
PARENTS = {"branch_sh": "east", "east": "hq"}
ROLES = {
    "risk_officer": ["risk1", "risk2"],
    "compliance_officer": ["comp1"],
    "credit_committee": MEMBERS,
    "board": BOARD,
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

    def department_keys_of(self, department_ids: Sequence[str]) -> Mapping[str, str]:
        return {}

    def delegate_of(self, username: str, at: datetime) -> str | None:
        return None

    def administrator(self) -> str:
        return "admin"


@dataclass(frozen=True)
class Action:
    """One command on an open task: Brickwork's task at `node` of `user`; SpiffWorkflow's ready
    task `spiff_node` (or its multi-instance child for `user`), run with `spiff_data` set."""

    command: Literal["approve", "return", "resubmit"]
    node: str
    user: str
    spiff_node: str = ""
    spiff_data: Mapping[str, Any] = field(default_factory=dict)

    @property
    def spiff_names(self) -> tuple[str, str]:
        name = self.spiff_node or self.node
        return name, f"{name} [child]"


@dataclass(frozen=True)
class Scenario:
    name: str
    spec: Mapping[str, Any]
    actions: tuple[Action, ...]
    data: Mapping[str, Any] = field(default_factory=dict)
    """SpiffWorkflow's workflow data at the start (Brickwork reads the record and directory)."""


def _credit_spec() -> dict[str, Any]:
    block = DOCS.read_text(encoding="utf-8").split("## 8.")[1].split("```json")[1]
    spec = json.loads(block.split("```")[0])
    spec["settings"].pop("calendar")  # the credit spec's working-day SLA uses Monday-Friday
    return dict(spec)


def _single(node: str, assignee: dict[str, Any], mode: str = "single") -> dict[str, Any]:
    """start -> one approval `node` -> end."""
    return {
        "form": "request",
        "nodes": [
            {"id": "submit", "type": "start"},
            {"id": node, "type": "approval", "mode": mode, "assignees": [assignee]},
            {"id": "done", "type": "end"},
        ],
        "edges": [
            {"id": "e1", "from": "submit", "to": node},
            {"id": "e2", "from": node, "to": "done"},
        ],
    }


BOARD_ROLE = {"type": "role", "role": "board"}
ROUTING = {
    "form": "request",
    "nodes": [
        {"id": "submit", "type": "start"},
        {"id": "route", "type": "exclusive"},
        {"id": "ceo", "type": "approval", "assignees": [{"type": "user", "user": "ceo"}]},
        {"id": "regional", "type": "approval", "assignees": [{"type": "user", "user": "regional"}]},
        {"id": "branch", "type": "approval", "assignees": [{"type": "user", "user": "manager"}]},
        {"id": "done", "type": "end"},
    ],
    "edges": [
        {"id": "e1", "from": "submit", "to": "route"},
        {"id": "e2", "from": "route", "to": "ceo", "condition": "amount > 5000000"},
        {
            "id": "e3",
            "from": "route",
            "to": "regional",
            "condition": "amount > 1000000",
            "priority": 1,
        },
        {"id": "e4", "from": "route", "to": "branch", "default": True},
        {"id": "e5", "from": "ceo", "to": "done"},
        {"id": "e6", "from": "regional", "to": "done"},
        {"id": "e7", "from": "branch", "to": "done"},
    ],
}
SCENARIOS = (
    Scenario(
        "credit",
        _credit_spec(),
        (
            Action("approve", "president", "president"),
            Action("approve", "risk", "risk1", spiff_data={"vote": "approve"}),
            Action("approve", "compliance", "comp1"),
            *(
                Action(
                    "approve",
                    "committee",
                    member,
                    spiff_data={"vote": "approve", "approvals": count},
                )
                for count, member in enumerate(MEMBERS[:3], start=1)
            ),
        ),
        {"amount": 2_000_000, "members": MEMBERS, "risk_officers": ["risk1", "risk2"]},
    ),
    Scenario(
        "leave",
        _single("head", {"type": "department_head", "of": "initiator"}),
        (Action("approve", "head", "president"),),
    ),
    Scenario(
        "countersign",
        _single("board", BOARD_ROLE, "all"),
        tuple(Action("approve", "board", m, spiff_data={"vote": "approve"}) for m in BOARD),
        {"board": BOARD},
    ),
    Scenario(
        "sequential",
        _single("board", BOARD_ROLE, "sequential"),
        tuple(Action("approve", "board", m, spiff_data={"vote": "approve"}) for m in BOARD),
        {"board": BOARD},
    ),
    Scenario(
        "return",
        _single("review", {"type": "user", "user": "reviewer"}),
        (
            Action("return", "review", "reviewer", spiff_data={"decision": "return"}),
            Action("resubmit", "submit", "am", spiff_node="resubmit"),
            Action("approve", "review", "reviewer", spiff_data={"decision": "approve"}),
        ),
    ),
    Scenario(
        "routing",
        ROUTING,
        (Action("approve", "regional", "regional"),),
        {"amount": 2_000_000},
    ),
)


def brickwork_flow(scenario: Scenario) -> CompiledFlow:
    env = FlowEnvironment(
        fields={"amount": "money", "risk_level": "text", "note": "text"},
        roles=frozenset(ROLES),
    )
    return compile_flow(scenario.spec, env)


def _event(action: Action, task_id: str, version: int) -> Any:
    if action.command == "return":
        return Return(action.user, task_id, "initiator", expected_version=version)
    if action.command == "resubmit":
        return Resubmit(action.user, task_id, expected_version=version)
    return Approve(action.user, task_id, expected_version=version)


def run_brickwork(
    flow: CompiledFlow, world: World, actions: Sequence[Action], *, round_trip: bool
) -> str:
    state = start(flow, instance_id="i1", initiator="am", now=NOW, world=world).state
    for action in actions:
        node, user = action.node, action.user
        task = next(t for t in state.tasks if t.node == node and t.assignee == user)
        event = _event(action, task.id, task.version)
        state = step(flow, state, event, now=NOW, world=world).state
        if round_trip:
            state = FlowState.from_json(json.loads(json.dumps(state.to_json())))
    return state.status


def spiff_spec(name: str) -> Any:
    parser = BpmnParser()
    parser.add_bpmn_file(str(HERE / "flow" / f"{name}.bpmn"))
    return parser.get_spec(name)


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


def run_spiff(
    spec: Any, serializer: BpmnWorkflowSerializer, scenario: Scenario, *, round_trip: bool
) -> str:
    workflow = BpmnWorkflow(spec)
    first = workflow.get_tasks(state=TaskState.READY)[0]
    first.data.update({k: list(v) if isinstance(v, list) else v for k, v in scenario.data.items()})
    workflow.do_engine_steps()
    for action in scenario.actions:
        names, user = action.spiff_names, action.user
        ready = workflow.get_tasks(state=TaskState.READY, manual=True)
        task = next(
            t for t in ready if t.task_spec.name in names and t.data.get("member", user) == user
        )
        task.data.update(action.spiff_data)
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
    parser.add_argument("--only", action="append", help="a scenario (repeatable); default all")
    args = parser.parse_args()
    chosen = [s for s in SCENARIOS if not args.only or s.name in args.only]
    world = World({"amount": Decimal(2_000_000)}, Directory())
    ratios: dict[bool, list[float]] = {False: [], True: []}
    rows = []
    for scenario in chosen:
        flow = brickwork_flow(scenario)
        spec = spiff_spec(scenario.name)
        serializer = spiff_serializer(spec)
        actions = scenario.actions
        for round_trip in (False, True):
            ours_once = run_brickwork(flow, world, actions, round_trip=round_trip)
            theirs_once = run_spiff(spec, serializer, scenario, round_trip=round_trip)
            assert ours_once == theirs_once == "approved", (scenario.name, ours_once, theirs_once)
        for round_trip in (False, True):
            ours: list[float] = []
            theirs: list[float] = []
            ours_run = partial(run_brickwork, flow, world, actions, round_trip=round_trip)
            theirs_run = partial(run_spiff, spec, serializer, scenario, round_trip=round_trip)
            for _ in range(args.rounds):
                ours.append(best_rate(ours_run, args.seconds))
                theirs.append(best_rate(theirs_run, args.seconds))
            ratio = max(ours) / max(theirs)
            ratios[round_trip].append(ratio)
            mode = "round trip" if round_trip else "in memory"
            rows.append((scenario.name, len(actions), mode, max(ours), max(theirs), ratio))
    load = subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()
    print(f"scenarios to completion, best of {args.rounds} x {args.seconds}s per engine")
    print(
        f"{'scenario':<12} {'cmds':>4} {'mode':<11} {'brickwork/s':>12} {'spiff/s':>9} {'ratio':>7}"
    )
    for name, commands, mode, ours_rate, theirs_rate, ratio in rows:
        print(
            f"{name:<12} {commands:>4} {mode:<11} {ours_rate:>12,.0f} {theirs_rate:>9,.0f}"
            f" {ratio:>6.1f}x"
        )
    for round_trip, found in ratios.items():
        if found:
            mode = "round trip" if round_trip else "in memory"
            mean = math.exp(sum(map(math.log, found)) / len(found))
            print(f"{mode}: geometric mean {mean:.1f}x, worst {min(found):.1f}x")
    print(f"load: {load}")


if __name__ == "__main__":
    main()
