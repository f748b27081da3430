"""A step reads the bound record only when it evaluates something that needs it (a condition,
an assignee taken from a field or an expression, an action): the platform's record is loaded
from the database on first look."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

from flow_support import NOW, approval, bank, chain, credit_spec, env

from brickwork.engines.flow import Approve, World, compile_flow, start, step


class CountingRecord(Mapping[str, Any]):
    """A record that counts how often it is read."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        self.values = dict(values)
        self.reads = 0

    def __getitem__(self, key: str) -> Any:
        self.reads += 1
        return self.values[key]

    def __iter__(self) -> Iterator[str]:
        self.reads += 1
        return iter(self.values)

    def __len__(self) -> int:
        self.reads += 1
        return len(self.values)


def test_steps_without_expressions_do_not_read_the_record() -> None:
    flow = compile_flow(chain(approval("a", "alice"), approval("b", "bob")), env())
    record = CountingRecord({"amount": Decimal(10)})
    world = World(record, bank())
    state = start(flow, instance_id="i1", initiator="am", now=NOW, world=world).state
    (task,) = state.tasks
    state = step(flow, state, Approve("alice", task.id), now=NOW, world=world).state
    assert [t.assignee for t in state.tasks] == ["bob"]
    assert record.reads == 0


def test_a_condition_reads_the_record() -> None:
    flow = compile_flow(credit_spec(), env())
    record = CountingRecord({"amount": Decimal(2_000_000)})
    world = World(record, bank())
    state = start(flow, instance_id="i1", initiator="am", now=NOW, world=world).state
    assert record.reads == 0
    (task,) = state.tasks
    state = step(flow, state, Approve(task.assignee, task.id), now=NOW, world=world).state
    assert record.reads > 0
    assert {t.node for t in state.tasks} == {"risk", "compliance"}
