"""Invariants under random command sequences (a Hypothesis state machine), and the state size
across many returns."""

from __future__ import annotations

import json
from collections import Counter
from decimal import Decimal
from typing import Any

from flow_support import Driver, approval, credit_spec
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from brickwork.engines.flow import (
    Abstain,
    AddSigner,
    Approve,
    CommandRefused,
    Comment,
    Complete,
    Delegate,
    Finished,
    FlowState,
    History,
    NodeEntered,
    NodeLeft,
    Reassign,
    Reject,
    Resubmit,
    Return,
    TaskClosed,
    TaskCreated,
    Terminate,
    TimerFired,
    Transfer,
    Urge,
    Withdraw,
)

PEOPLE = ("am", "president", "risk1", "risk2", "comp1", "c1", "c2", "c3", "x1", "x2")
DECISIONS = {Approve: "approved", Reject: "rejected", Abstain: "abstained", Complete: "completed"}


def scenario() -> dict[str, Any]:
    spec = credit_spec()
    for node in spec["nodes"]:
        if node["id"] == "risk":
            node["sla"] = {"duration": "P1D", "on_breach": "approve"}
        if node["id"] == "compliance":
            node["sla"] = {"duration": "P1D", "remind_before": "PT1H", "on_breach": "reject"}
    return spec


def branchy() -> dict[str, Any]:
    """Two steps in one parallel branch, an inclusive split/join, a countersign and a
    sequential node: returns inside branches, joins that wait, ties of seats."""
    return {
        "form": "credit_application",
        "nodes": [
            {"id": "s", "type": "start"},
            {"id": "fork", "type": "parallel"},
            approval("a1", "x1", "x2", mode="all"),
            approval("a2", "risk1", "risk2", mode="sequential"),
            approval("b", "comp1", mode="or"),
            {"id": "join", "type": "parallel"},
            {"id": "any", "type": "inclusive"},
            approval("c", "c1", "c2", "c3", mode="vote"),
            approval("d", "president"),
            {"id": "merge", "type": "inclusive"},
            {"id": "end", "type": "end"},
        ],
        "edges": [
            {"id": "e1", "from": "s", "to": "fork"},
            {"id": "e2", "from": "fork", "to": "a1"},
            {"id": "e3", "from": "a1", "to": "a2"},
            {"id": "e4", "from": "fork", "to": "b"},
            {"id": "e5", "from": "a2", "to": "join"},
            {"id": "e6", "from": "b", "to": "join"},
            {"id": "e7", "from": "join", "to": "any"},
            {"id": "e8", "from": "any", "to": "c", "condition": "amount > 10"},
            {"id": "e9", "from": "any", "to": "d", "condition": "amount > 100"},
            {"id": "e10", "from": "c", "to": "merge"},
            {"id": "e11", "from": "d", "to": "merge"},
            {"id": "e12", "from": "merge", "to": "end"},
            {"id": "e13", "from": "any", "to": "merge", "default": True},
        ],
    }


class FlowMachine(RuleBasedStateMachine):
    spec = staticmethod(scenario)

    def __init__(self) -> None:
        super().__init__()
        self.driver = Driver(self.spec(), record={"amount": Decimal(2_000_000)})
        self.created: set[str] = set()
        self.closed: set[str] = set()
        self.entered: Counter[str] = Counter()
        self.left: Counter[str] = Counter()
        self.finished = 0
        self.check(self.driver.effects)

    def check(self, effects: Any) -> None:
        for effect in effects:
            if isinstance(effect, TaskCreated):
                assert effect.task not in self.created
                self.created.add(effect.task)
            elif isinstance(effect, TaskClosed):
                assert effect.task in self.created, "closed a task never created"
                assert effect.task not in self.closed, "closed a task twice"
                self.closed.add(effect.task)
            elif isinstance(effect, NodeEntered):
                self.entered[effect.node] += 1
            elif isinstance(effect, NodeLeft):
                self.left[effect.node] += 1
                assert self.left[effect.node] <= self.entered[effect.node]
            elif isinstance(effect, Finished):
                self.finished += 1
                assert self.finished == 1, "finished twice"

    def send(self, event: Any) -> tuple[Any, ...] | None:
        before = self.driver.state
        try:
            effects = self.driver.send(event)
        except CommandRefused as refused:
            unchanged = refused.state is before and self.driver.state is before
            assert unchanged, "a refused command changed the state"
            return None
        self.check(effects)
        return effects

    def pick_task(self, data: st.DataObject) -> Any:
        return data.draw(st.sampled_from(self.driver.state.tasks))

    @precondition(lambda self: bool(self.driver.state.tasks))
    @rule(data=st.data(), kind=st.sampled_from(list(DECISIONS)), own=st.booleans())
    def decide(self, data: st.DataObject, kind: Any, own: bool) -> None:
        task = self.pick_task(data)
        actor = task.assignee if own else data.draw(st.sampled_from(PEOPLE))
        effects = self.send(kind(actor, task.id, expected_version=task.version))
        if effects is not None:
            outcome = DECISIONS[kind]
            assert TaskClosed(task.id, outcome) in effects, "a decision left no trace"
            assert any(
                isinstance(e, History) and e.actor == actor and e.task == task.id for e in effects
            )

    @precondition(lambda self: bool(self.driver.state.tasks))
    @rule(data=st.data())
    def go_ahead(self, data: st.DataObject) -> None:
        task = self.pick_task(data)
        kind = Approve if task.kind == "approve" else Complete
        effects = self.send(kind(task.assignee, task.id, expected_version=task.version))
        assert effects is not None, "the assignee could not act on an open task"

    @precondition(lambda self: bool(self.driver.state.tasks))
    @rule(data=st.data(), resume=st.sampled_from(["rerun", "jump_back"]))
    def give_back(self, data: st.DataObject, resume: Any) -> None:
        task = self.pick_task(data)
        targets = [*self.driver.state.path, "initiator", "committee", "a2"]
        target = data.draw(st.sampled_from(targets))
        self.send(Return(task.assignee, task.id, target=target, resume=resume))

    @precondition(lambda self: bool(self.driver.state.tasks))
    @rule(data=st.data(), to=st.sampled_from(PEOPLE), how=st.sampled_from([Transfer, Delegate]))
    def hand_over(self, data: st.DataObject, to: str, how: Any) -> None:
        task = self.pick_task(data)
        self.send(how(task.assignee, task.id, to=to))

    @precondition(lambda self: bool(self.driver.state.tasks))
    @rule(
        data=st.data(),
        users=st.lists(st.sampled_from(PEOPLE), min_size=1, max_size=2),
        position=st.sampled_from(["before", "after", "parallel"]),
    )
    def add_signer(self, data: st.DataObject, users: list[str], position: Any) -> None:
        task = self.pick_task(data)
        self.send(AddSigner(task.assignee, task.id, users=tuple(users), position=position))

    @precondition(lambda self: bool(self.driver.state.timers))
    @rule(data=st.data())
    def fire(self, data: st.DataObject) -> None:
        timer = data.draw(st.sampled_from(self.driver.state.timers))
        self.send(TimerFired(timer.id))

    @rule(kind=st.sampled_from([Withdraw, Resubmit, Urge]))
    def initiator(self, kind: Any) -> None:
        self.send(kind("am"))

    @rule(actor=st.sampled_from(PEOPLE))
    def comment(self, actor: str) -> None:
        self.send(Comment(actor, "noted"))

    @precondition(lambda self: bool(self.driver.state.tasks))
    @rule(data=st.data(), to=st.sampled_from(PEOPLE))
    def reassign(self, data: st.DataObject, to: str) -> None:
        task = self.pick_task(data)
        effects = self.send(Reassign("admin", task.id, to, "holder away"))
        if effects is not None:
            assert TaskClosed(task.id, "transferred") in effects
            assert [t.assignee for t in self.driver.state.tasks if t.node == task.node].count(
                to
            ) == 1

    @rule(stale=st.booleans())
    def terminate(self, stale: bool) -> None:
        before = self.driver.state
        effects = self.send(Terminate("admin", "ends here", before.version - stale))
        if effects is not None:
            assert not stale, "a stale termination was applied"
            closed = {e.task for e in effects if isinstance(e, TaskClosed)}
            assert closed == {t.id for t in before.tasks}, "a task outlived the instance"
            assert self.driver.state.status == "terminated"

    @invariant()
    def always_ends_or_waits(self) -> None:
        state = self.driver.state
        if state.finished:
            assert state.tokens == ()
            assert state.tasks == ()
            assert state.timers == ()
            return
        waits = {t.wait for t in state.tokens}
        assert state.tasks or state.timers or waits & {"incident", "subflow"}, state

    @invariant()
    def everything_live_belongs_to_a_live_token(self) -> None:
        state = self.driver.state
        tokens = {t.id: t for t in state.tokens}
        seated = [s.task for t in state.tokens for s in t.seats]
        assert len(seated) == len(set(seated))
        for task in state.tasks:
            assert task.token in tokens
            assert task.id in self.created
            assert task.id not in self.closed
        assert {t.id for t in state.tasks} >= set(seated)
        assert all(timer.token in tokens for timer in state.timers)
        assert FlowState.from_json(json.loads(json.dumps(state.to_json()))) == state


TestFlowMachine = FlowMachine.TestCase


class BranchyFlowMachine(FlowMachine):
    spec = staticmethod(branchy)


TestBranchyFlowMachine = BranchyFlowMachine.TestCase


def test_five_hundred_returns_keep_the_state_small() -> None:
    driver = Driver(scenario(), record={"amount": Decimal(2_000_000)})
    sizes = []
    for _ in range(500):
        driver.send(Approve("president", driver.task("president").id))
        driver.send(Approve("risk1", driver.task("risk", "risk1").id))
        target = driver.task("compliance")
        driver.send(Return("comp1", target.id, target="president"))
        data = driver.state.to_json()
        assert FlowState.from_json(json.loads(json.dumps(data))) == driver.state
        sizes.append(len(json.dumps(data)))
    assert max(sizes) < 800
    assert sizes[-1] - sizes[0] < 64  # only the digits of ids and the version grow
    assert [t.node for t in driver.state.tasks] == ["president"]
