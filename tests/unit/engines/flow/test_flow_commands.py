"""Commands: return (rerun / jump back / to the initiator), transfer, delegate, add signer,
withdraw, resubmit, urge, comment, CC, terminate and reassign, with their refusals."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from flow_support import Driver, approval, bank, chain, credit_spec

from brickwork.engines.flow import (
    AddSigner,
    Approve,
    CancelTimer,
    Cc,
    CommandRefused,
    Comment,
    Complete,
    Delegate,
    Finished,
    History,
    Notify,
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


def three_steps(**settings: Any) -> dict[str, Any]:
    return chain(approval("a", "ua"), approval("b", "ub"), approval("c", "uc"), settings=settings)


def test_return_rerun_goes_through_the_path_again() -> None:
    driver = Driver(three_steps())
    driver.send(Approve("ua", driver.task("a").id))
    driver.send(Approve("ub", driver.task("b").id))
    effects = driver.send(Return("uc", driver.task("c").id, target="a"))
    assert driver.assignees("a") == ["ua"]
    assert Notify("returned", ("ua",), driver.task("a").id) in effects
    assert driver.state.path == ("s", "a")
    driver.send(Approve("ua", driver.task("a").id))
    assert driver.assignees("b") == ["ub"]


def test_return_jump_back_goes_straight_to_the_returner() -> None:
    driver = Driver(three_steps())
    driver.send(Approve("ua", driver.task("a").id))
    driver.send(Approve("ub", driver.task("b").id))
    driver.send(Return("uc", driver.task("c").id, target="a", resume="jump_back"))
    driver.send(Approve("ua", driver.task("a").id))
    assert driver.assignees("c") == ["uc"]
    assert driver.assignees("b") == []
    assert driver.state.jumps == ()


def test_a_jump_back_over_a_node_owed_to_an_earlier_jump_back_enters_it_again() -> None:
    """Compliance returns to the president (jump back), so the president owes compliance a
    decision; before it is taken, risk returns to the initiator (jump back), which cancels the
    president's task. After the resubmission risk and the president are asked again, and the
    president's approval goes straight to compliance: the join gets both branches (the join
    waited forever for a compliance nobody would reach)."""
    spec = credit_spec()
    for node in spec["nodes"]:
        if node["id"] == "risk":
            node["sla"] = {"duration": "P1D", "on_breach": "approve"}
    driver = Driver(spec, record={"amount": 2_000_000})
    driver.send(Approve("president", driver.task("president").id))
    compliance = driver.task("compliance")
    driver.send(Return("comp1", compliance.id, target="president", resume="jump_back"))
    risk = driver.task("risk", "risk1")
    driver.send(Return("risk1", risk.id, target="initiator", resume="jump_back"))
    assert [t.node for t in driver.state.tasks] == ["submit"]
    driver.send(Resubmit("am"))
    assert sorted({t.node for t in driver.state.tasks}) == ["president", "risk"]
    breach = next(t for t in driver.state.timers if t.purpose == "sla_breach")
    driver.send(TimerFired(breach.id))  # risk approved automatically: it waits at the join
    assert [t.node for t in driver.state.tasks] == ["president"]
    driver.send(Approve("president", driver.task("president").id))
    assert driver.assignees("compliance") == ["comp1"]
    driver.send(Approve("comp1", driver.task("compliance").id))
    assert {t.node for t in driver.state.tasks} == {"committee"}
    assert driver.state.jumps == ()


def two_splits() -> dict[str, Any]:
    """s -> (a | b) -> join -> (c | d) -> join2 -> end, each pair in parallel."""
    return {
        "form": "credit_application",
        "nodes": [
            {"id": "s", "type": "start"},
            {"id": "fork", "type": "parallel"},
            approval("a", "ua"),
            approval("b", "ub"),
            {"id": "join", "type": "parallel"},
            {"id": "fork2", "type": "parallel"},
            approval("c", "uc"),
            approval("d", "ud"),
            {"id": "join2", "type": "parallel"},
            {"id": "end", "type": "end"},
        ],
        "edges": [
            {"id": "e1", "from": "s", "to": "fork"},
            {"id": "e2", "from": "fork", "to": "a"},
            {"id": "e3", "from": "fork", "to": "b"},
            {"id": "e4", "from": "a", "to": "join"},
            {"id": "e5", "from": "b", "to": "join"},
            {"id": "e6", "from": "join", "to": "fork2"},
            {"id": "e7", "from": "fork2", "to": "c"},
            {"id": "e8", "from": "fork2", "to": "d"},
            {"id": "e9", "from": "c", "to": "join2"},
            {"id": "e10", "from": "d", "to": "join2"},
            {"id": "e11", "from": "join2", "to": "end"},
        ],
    }


def test_a_jump_back_to_an_initiator_who_owes_a_rerun_keeps_the_rerun() -> None:
    """c returns to the initiator (jump back to c); d's re-run return to a drops that jump
    (c is re-run after a), so the pending resubmission re-runs the whole path; then a returns
    to the initiator (jump back). The resubmission still re-runs the path: b is asked again
    (a jump straight to a left the join waiting forever for b, whose earlier approval the
    re-run return had not kept, since the resubmission was to run it again)."""
    driver = Driver(two_splits())
    driver.send(Approve("ua", driver.task("a").id))
    driver.send(Approve("ub", driver.task("b").id))
    driver.send(Return("uc", driver.task("c").id, target="initiator", resume="jump_back"))
    driver.send(Return("ud", driver.task("d").id, target="a"))
    assert sorted(t.node for t in driver.state.tasks) == ["a", "s"]
    driver.send(Return("ua", driver.task("a").id, target="initiator", resume="jump_back"))
    driver.send(Resubmit("am"))
    assert sorted(t.node for t in driver.state.tasks) == ["a", "b"]
    driver.send(Approve("ua", driver.task("a").id))
    driver.send(Approve("ub", driver.task("b").id))
    assert sorted(t.node for t in driver.state.tasks) == ["c", "d"]
    driver.send(Approve("uc", driver.task("c").id))
    driver.send(Approve("ud", driver.task("d").id))
    assert driver.state.status == "approved"


def test_return_to_the_initiator_then_resubmit() -> None:
    driver = Driver(three_steps())
    driver.send(Approve("ua", driver.task("a").id))
    driver.send(Return("ub", driver.task("b").id, target="initiator", comment="missing file"))
    task = driver.task("s")
    assert (task.assignee, task.kind) == ("am", "fill")
    with pytest.raises(CommandRefused) as refused:
        driver.send(Resubmit("ua"))
    assert refused.value.code == "E_FLOW_NOT_INITIATOR"
    driver.send(Resubmit("am"))
    assert driver.assignees("a") == ["ua"]


def test_completing_the_initiator_task_resubmits() -> None:
    driver = Driver(three_steps())
    driver.send(Return("ua", driver.task("a").id, target="initiator", resume="jump_back"))
    driver.send(Complete("am", driver.task("s").id))
    assert driver.assignees("a") == ["ua"]


@pytest.mark.parametrize("target", ["c", "b", "nowhere", "end"])
def test_return_target_must_precede_on_this_path(target: str) -> None:
    driver = Driver(three_steps())
    driver.send(Approve("ua", driver.task("a").id))
    with pytest.raises(CommandRefused) as refused:
        driver.send(Return("ub", driver.task("b").id, target=target))
    assert refused.value.code == "E_FLOW_RETURN_TARGET"


def test_return_cancels_parallel_siblings_and_their_timers() -> None:
    spec = credit_spec()
    for node in spec["nodes"]:
        if node["id"] == "compliance":
            node["sla"] = {"duration": "P1D"}
    driver = Driver(spec, record={"amount": 5_000_000})
    driver.send(Approve("president", driver.task("president").id))
    compliance = driver.task("compliance")
    timers = [t.id for t in driver.state.timers if t.task == compliance.id]
    assert timers
    effects = driver.send(Return("risk1", driver.task("risk", "risk1").id, target="president"))
    assert TaskClosed(compliance.id, "cancelled") in effects
    assert all(CancelTimer(t) in effects for t in timers)
    assert [t.node for t in driver.state.tasks] == ["president"]


def test_return_is_refused_where_the_node_does_not_allow_it() -> None:
    driver = Driver(chain(approval("a", "ua"), approval("b", "ub", allow=["transfer"])))
    driver.send(Approve("ua", driver.task("a").id))
    with pytest.raises(CommandRefused) as refused:
        driver.send(Return("ub", driver.task("b").id, target="a"))
    assert refused.value.code == "E_FLOW_NOT_ALLOWED"


def test_transfer_hands_the_task_over() -> None:
    driver = Driver(chain(approval("a", "ua")))
    old = driver.task("a")
    effects = driver.send(Transfer("ua", old.id, to="ux", comment="on leave"))
    assert TaskClosed(old.id, "transferred") in effects
    new = driver.task("a")
    assert (new.assignee, new.owner) == ("ux", None)
    driver.send(Approve("ux", new.id))
    assert driver.state.status == "approved"


def test_transfer_to_an_inactive_user_is_refused() -> None:
    driver = Driver(chain(approval("a", "ua")))
    driver.directory.inactive.add("gone")
    with pytest.raises(CommandRefused) as refused:
        driver.send(Transfer("ua", driver.task("a").id, to="gone"))
    assert refused.value.code == "E_FLOW_UNKNOWN_USER"


@pytest.mark.parametrize("decision", [Approve, Reject])
def test_delegated_task_comes_back_to_the_owner(decision: Any) -> None:
    driver = Driver(chain(approval("a", "ua")))
    driver.send(Delegate("ua", driver.task("a").id, to="helper"))
    delegated = driver.task("a")
    assert (delegated.assignee, delegated.owner) == ("helper", "ua")
    with pytest.raises(CommandRefused):
        driver.send(Transfer("helper", delegated.id, to="other"))
    driver.send(decision("helper", delegated.id, comment="my view"))
    back = driver.task("a")
    assert (back.assignee, back.owner) == ("ua", None)
    assert driver.state.status == "running"
    driver.send(Approve("ua", back.id))
    assert driver.state.status == "approved"


def test_add_signer_before() -> None:
    driver = Driver(chain(approval("a", "ua")))
    driver.send(AddSigner("ua", driver.task("a").id, users=("s1", "s2"), position="before"))
    assert driver.assignees("a") == ["s1"]
    driver.send(Approve("s1", driver.task("a").id))
    driver.send(Approve("s2", driver.task("a").id))
    assert driver.assignees("a") == ["ua"]
    driver.send(Approve("ua", driver.task("a").id))
    assert driver.state.status == "approved"


def test_add_signer_after() -> None:
    driver = Driver(chain(approval("a", "ua")))
    driver.send(AddSigner("ua", driver.task("a").id, users=("s1",), position="after"))
    driver.send(Approve("ua", driver.task("a").id))
    assert driver.assignees("a") == ["s1"]
    driver.send(Approve("s1", driver.task("a").id))
    assert driver.state.status == "approved"


def test_add_signer_after_then_rejected_by_the_added_signer() -> None:
    driver = Driver(chain(approval("a", "ua")))
    driver.send(AddSigner("ua", driver.task("a").id, users=("s1",), position="after"))
    driver.send(Approve("ua", driver.task("a").id))
    driver.send(Reject("s1", driver.task("a").id))
    assert driver.state.status == "rejected"


def test_add_signer_parallel_in_countersign() -> None:
    driver = Driver(chain(approval("a", "ua", "ub", mode="all")))
    driver.send(AddSigner("ua", driver.task("a", "ua").id, users=("s1",), position="parallel"))
    assert sorted(driver.assignees("a")) == ["s1", "ua", "ub"]
    driver.send(Approve("ua", driver.task("a", "ua").id))
    driver.send(Approve("ub", driver.task("a", "ub").id))
    assert driver.state.status == "running"
    driver.send(Approve("s1", driver.task("a", "s1").id))
    assert driver.state.status == "approved"


def test_add_signer_of_someone_already_asked_is_refused() -> None:
    driver = Driver(chain(approval("a", "ua", "ub", mode="all")))
    with pytest.raises(CommandRefused) as refused:
        driver.send(AddSigner("ua", driver.task("a", "ua").id, users=("ub",), position="after"))
    assert refused.value.code == "E_FLOW_NOT_ALLOWED"


def test_withdraw_before_the_first_decision() -> None:
    driver = Driver(three_steps())
    task = driver.task("a")
    effects = driver.send(Withdraw("am", expected_version=driver.state.version))
    assert TaskClosed(task.id, "withdrawn") in effects
    assert Finished("withdrawn") in effects
    assert driver.state.status == "withdrawn"
    with pytest.raises(CommandRefused) as refused:
        driver.send(Approve("ua", task.id))
    assert refused.value.code == "E_FLOW_FINISHED"


def test_withdraw_after_a_decision_is_refused() -> None:
    driver = Driver(three_steps())
    driver.send(Approve("ua", driver.task("a").id))
    with pytest.raises(CommandRefused) as refused:
        driver.send(Withdraw("am"))
    assert refused.value.code == "E_FLOW_WITHDRAW_CLOSED"


@pytest.mark.parametrize(
    ("actor", "settings", "code"),
    [("ua", {}, "E_FLOW_NOT_INITIATOR"), ("am", {"withdraw": "never"}, "E_FLOW_WITHDRAW_CLOSED")],
)
def test_withdraw_refusals(actor: str, settings: dict[str, Any], code: str) -> None:
    driver = Driver(three_steps(**settings))
    with pytest.raises(CommandRefused) as refused:
        driver.send(Withdraw(actor))
    assert refused.value.code == code


def test_withdraw_racing_an_approval_only_one_wins() -> None:
    driver = Driver(three_steps())
    base = driver.state
    task = driver.task("a")
    driver.send(Approve("ua", task.id, expected_version=task.version))
    with pytest.raises(CommandRefused):
        driver.send(Withdraw("am", expected_version=base.version))
    other = Driver(three_steps())
    other.send(Withdraw("am", expected_version=other.state.version))
    with pytest.raises(CommandRefused):
        other.send(Approve("ua", task.id, expected_version=task.version))


def test_urge_notifies_the_assignees() -> None:
    driver = Driver(chain(approval("a", "ua", "ub", mode="all")))
    effects = driver.send(Urge("am"))
    assert {e.users for e in effects if isinstance(e, Notify) and e.kind == "urged"} == {
        ("ua",),
        ("ub",),
    }
    with pytest.raises(CommandRefused):
        driver.send(Urge("ua"))


def test_comment_and_cc_leave_history_only() -> None:
    driver = Driver(chain(approval("a", "ua")))
    tasks_before = driver.state.tasks
    effects = driver.send(Comment("ua", "please attach the balance sheet", task=tasks_before[0].id))
    assert History("ua", "comment", "a", tasks_before[0].id, "please attach the balance sheet") in (
        effects
    )
    effects = driver.send(Cc("ua", users=("auditor", "auditor")))
    created = [e for e in effects if isinstance(e, TaskCreated)]
    assert [(e.assignee, e.kind) for e in created] == [("auditor", "cc")]
    assert driver.state.tasks == tasks_before


def test_return_inside_a_branch_keeps_the_sibling_waiting_at_the_join() -> None:
    spec: dict[str, Any] = {
        "form": "f",
        "nodes": [
            {"id": "s", "type": "start"},
            {"id": "fork", "type": "parallel"},
            approval("a1", "u1"),
            approval("a2", "u2"),
            approval("b", "ub"),
            {"id": "join", "type": "parallel"},
            approval("last", "boss"),
            {"id": "end", "type": "end"},
        ],
        "edges": [
            {"id": "e1", "from": "s", "to": "fork"},
            {"id": "e2", "from": "fork", "to": "a1"},
            {"id": "e3", "from": "a1", "to": "a2"},
            {"id": "e4", "from": "fork", "to": "b"},
            {"id": "e5", "from": "a2", "to": "join"},
            {"id": "e6", "from": "b", "to": "join"},
            {"id": "e7", "from": "join", "to": "last"},
            {"id": "e8", "from": "last", "to": "end"},
        ],
    }
    driver = Driver(spec)
    driver.send(Approve("ub", driver.task("b").id))
    driver.send(Approve("u1", driver.task("a1").id))
    driver.send(Return("u2", driver.task("a2").id, target="a1"))
    assert [t.edge for t in driver.state.tokens if t.wait == "join"] == ["e6"]
    driver.send(Approve("u1", driver.task("a1").id))
    driver.send(Approve("u2", driver.task("a2").id))
    assert driver.assignees("last") == ["boss"]


def test_return_from_after_a_join_into_one_branch_keeps_the_other_branch() -> None:
    driver = Driver(credit_spec(), record={"amount": 5_000_000})
    driver.send(Approve("president", driver.task("president").id))
    driver.send(Approve("risk1", driver.task("risk", "risk1").id))
    driver.send(Approve("comp1", driver.task("compliance").id))
    driver.send(Return("c1", driver.task("committee", "c1").id, target="compliance"))
    assert [t.node for t in driver.state.tasks] == ["compliance"]
    assert [(t.node, t.edge) for t in driver.state.tokens if t.wait == "join"] == [("join", "e7")]
    driver.send(Approve("comp1", driver.task("compliance").id))
    assert driver.assignees("committee") == ["c1", "c2", "c3", "c4", "c5"]


def test_a_gateway_is_not_a_return_target() -> None:
    driver = Driver(credit_spec(), record={"amount": 5_000_000})
    driver.send(Approve("president", driver.task("president").id))
    with pytest.raises(CommandRefused) as refused:
        driver.send(Return("risk1", driver.task("risk", "risk1").id, target="split"))
    assert refused.value.code == "E_FLOW_RETURN_TARGET"


@pytest.mark.parametrize("how", [Transfer, Delegate])
def test_handing_over_to_someone_already_asked_at_the_node_is_refused(how: Any) -> None:
    driver = Driver(chain(approval("a", "ua", "ub", mode="all")))
    with pytest.raises(CommandRefused) as refused:
        driver.send(how("ua", driver.task("a", "ua").id, to="ub"))
    assert refused.value.code == "E_FLOW_NOT_ALLOWED"


def test_withdraw_while_returned_to_the_initiator() -> None:
    driver = Driver(three_steps())
    driver.send(Approve("ua", driver.task("a").id))
    driver.send(Return("ub", driver.task("b").id, target="initiator"))
    own = driver.task("s")
    effects = driver.send(Withdraw("am"))
    assert TaskClosed(own.id, "withdrawn") in effects
    assert driver.state.status == "withdrawn"


def test_terminate_ends_every_branch_with_its_tasks() -> None:
    driver = Driver(credit_spec(), record={"amount": Decimal("2000000")})
    driver.send(Approve("president", driver.task("president").id))
    open_tasks = driver.tasks()
    assert {t.node for t in open_tasks} == {"risk", "compliance"}
    effects = driver.send(Terminate("ops", "started for the wrong customer", driver.state.version))
    assert {e for e in effects if isinstance(e, TaskClosed)} == {
        TaskClosed(t.id, "cancelled") for t in open_tasks
    }
    assert History("ops", "terminate", comment="started for the wrong customer") in effects
    assert Finished("terminated") in effects
    assert Notify("finished", ("am",), None) in effects
    state = driver.state
    assert (state.status, state.tokens, state.tasks, state.timers) == ("terminated", (), (), ())


def test_terminate_cancels_the_sla_timers() -> None:
    driver = Driver(credit_spec())
    timers = driver.state.timers
    assert len(timers) == 2  # the president's reminder and escalation
    effects = driver.send(Terminate("ops", "duplicate application", driver.state.version))
    assert [e for e in effects if isinstance(e, CancelTimer)] == [CancelTimer(t.id) for t in timers]
    assert driver.state.timers == ()


@pytest.mark.parametrize(
    ("reason", "version_offset", "code"),
    [("  \t ", 0, "E_FLOW_REASON_REQUIRED"), ("wrong customer", -1, "E_FLOW_STALE")],
)
def test_terminate_refusals_change_nothing(reason: str, version_offset: int, code: str) -> None:
    driver = Driver(three_steps())
    before = driver.state
    with pytest.raises(CommandRefused) as refused:
        driver.send(Terminate("ops", reason, before.version + version_offset))
    assert refused.value.code == code
    assert refused.value.state == before
    assert driver.state == before


def test_a_finished_instance_cannot_be_terminated() -> None:
    driver = Driver(three_steps())
    driver.send(Withdraw("am"))
    with pytest.raises(CommandRefused) as refused:
        driver.send(Terminate("ops", "clean up the inbox", driver.state.version))
    assert refused.value.code == "E_FLOW_FINISHED"


def test_terminate_racing_an_approval_only_one_wins() -> None:
    driver = Driver(three_steps())
    base = driver.state
    task = driver.task("a")
    driver.send(Approve("ua", task.id, expected_version=task.version))
    with pytest.raises(CommandRefused) as refused:
        driver.send(Terminate("ops", "wrong customer", base.version))
    assert refused.value.code == "E_FLOW_STALE"


def test_reassign_gives_a_task_to_someone_else_with_a_fresh_sla() -> None:
    driver = Driver(credit_spec())
    task = driver.task("president")
    old_timers = driver.state.timers
    effects = driver.send(Reassign("ops", task.id, "x1", "the president left", task.version))
    assert TaskClosed(task.id, "transferred") in effects
    assert [CancelTimer(t.id) for t in old_timers] == [
        e for e in effects if isinstance(e, CancelTimer)
    ]
    (new,) = driver.tasks("president")
    assert (new.assignee, new.owner, new.kind) == ("x1", None, "approve")
    assert new.due is not None
    assert {t.task for t in driver.state.timers} == {new.id}
    assert Notify("assigned", ("x1",), new.id) in effects
    detail = {"from": "president", "to": "x1"}
    assert History("ops", "reassign", "president", task.id, "the president left", detail) in (
        effects
    )
    driver.send(Approve("x1", new.id))
    assert {t.node for t in driver.tasks()} == {"committee"}


def test_reassign_keeps_the_seat_of_a_countersign() -> None:
    driver = Driver(chain(approval("a", "ua", "ub", mode="all")))
    task = driver.task("a", "ua")
    driver.send(Reassign("ops", task.id, "x1", "ua moved to another branch"))
    assert sorted(driver.assignees("a")) == ["ub", "x1"]
    driver.send(Approve("ub", driver.task("a", "ub").id))
    assert driver.state.status == "running"
    driver.send(Approve("x1", driver.task("a", "x1").id))
    assert driver.state.status == "approved"


def test_a_reassigned_delegated_task_still_goes_back_to_its_owner() -> None:
    driver = Driver(three_steps())
    driver.send(Delegate("ua", driver.task("a").id, to="ub"))
    delegated = driver.task("a")
    driver.send(Reassign("ops", delegated.id, "x1", "ub is away for a month"))
    (task,) = driver.tasks("a")
    assert (task.assignee, task.owner) == ("x1", "ua")
    driver.send(Approve("x1", task.id))
    assert driver.task("a").assignee == "ua"  # the owner decides


@pytest.mark.parametrize(
    ("task", "to", "reason", "code"),
    [
        ("t99", "x1", "left the bank", "E_FLOW_UNKNOWN_TASK"),
        ("a", "x1", " \u200b ", "E_FLOW_REASON_REQUIRED"),
        ("a", "ua", "left the bank", "E_FLOW_NOT_ALLOWED"),  # it is theirs already
        ("a", "ghost", "left the bank", "E_FLOW_UNKNOWN_USER"),
    ],
)
def test_reassign_refusals_change_nothing(task: str, to: str, reason: str, code: str) -> None:
    directory = bank()
    directory.inactive.add("ghost")
    driver = Driver(three_steps(), directory=directory)
    task_id = driver.task(task).id if task == "a" else task
    before = driver.state
    with pytest.raises(CommandRefused) as refused:
        driver.send(Reassign("ops", task_id, to, reason))
    assert refused.value.code == code
    assert driver.state == before


def test_reassign_with_a_stale_version_is_refused() -> None:
    driver = Driver(three_steps())
    task = driver.task("a")
    with pytest.raises(CommandRefused) as refused:
        driver.send(Reassign("ops", task.id, "x1", "left the bank", task.version + 1))
    assert refused.value.code == "E_FLOW_STALE"


def test_the_initiator_s_task_is_not_reassigned() -> None:
    driver = Driver(three_steps())
    driver.send(Return("ua", driver.task("a").id, target="initiator"))
    own = driver.task("s")
    with pytest.raises(CommandRefused) as refused:
        driver.send(Reassign("ops", own.id, "x1", "the initiator left"))
    assert refused.value.code == "E_FLOW_NOT_ALLOWED"


def test_reassign_never_hands_an_approval_to_the_maker() -> None:
    driver = Driver(three_steps(maker_checker=True))
    with pytest.raises(CommandRefused) as refused:
        driver.send(Reassign("ops", driver.task("a").id, "am", "left the bank"))
    assert (refused.value.code, refused.value.pointer) == ("E_FLOW_MAKER_CHECKER", "/to")
