"""Vote quorum (share of voters whose counted votes make the vote valid, exact fractions) and
maker-checker (the initiator never decides an approval task of the instance)."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest
from flow_support import Driver, approval, chain, env
from hypothesis import example, given, settings
from hypothesis import strategies as st
from test_flow_validation import problems

from brickwork.engines.flow import (
    Abstain,
    AddSigner,
    Approve,
    CommandRefused,
    Complete,
    Delegate,
    History,
    Incident,
    Notify,
    Reject,
    TimerFired,
    Transfer,
    compile_flow,
)

VOTERS = tuple(f"v{i}" for i in range(1, 7))  # six voters


def run_vote(vote: dict[str, Any], decisions: list[str], voters: tuple[str, ...] = VOTERS) -> str:
    driver = Driver(chain(approval("board", *voters, mode="vote", vote=vote)))
    for user, decision in zip(voters, decisions, strict=False):
        if driver.state.status != "running":
            break
        task = driver.task("board", user)
        event: Any = {"a": Approve, "r": Reject, "x": Abstain}[decision](user, task.id)
        driver.send(event)
    return driver.state.status


QUORUM_CASES = [
    # quorum, pass ratio, abstain, early, decisions of six voters, status
    # 2/3 quorum of six is four counted votes; 2/3 pass of the counted votes
    ("2/3", "2/3", "exclude", True, ["a", "a", "a"], "running"),  # 3 for: quorum not yet met
    ("2/3", "2/3", "exclude", True, ["a", "a", "a", "a"], "approved"),  # exactly at quorum
    ("2/3", "2/3", "exclude", True, ["a", "a", "x", "x"], "running"),  # 2 counted, 2 open
    ("2/3", "2/3", "exclude", True, ["a", "a", "x", "x", "x"], "rejected"),  # quorum impossible
    ("2/3", "2/3", "exclude", False, ["a", "a", "a", "x", "x", "x"], "rejected"),  # ends short
    ("2/3", "2/3", "exclude", False, ["a", "a", "a", "r", "x", "x"], "approved"),  # 4 counted, 3/4
    ("2/3", "2/3", "exclude", False, ["a", "a", "r", "r", "x", "x"], "rejected"),  # 2/4 < 2/3
    ("2/3", "2/3", "against", True, ["a", "a", "a", "a", "x"], "approved"),
    ("2/3", "2/3", "against", False, ["a", "a", "a", "a", "x", "x"], "approved"),  # 4/6 = 2/3
    ("2/3", "2/3", "exclude", True, ["r", "r", "r"], "rejected"),  # 2/3 for out of reach
    ("1", "0.5", "exclude", True, ["a", "a", "a", "a", "a"], "running"),  # all must vote
    ("1", "0.5", "exclude", True, ["a", "x"], "rejected"),
    ("0", "0.5", "exclude", True, ["a", "a", "a"], "approved"),  # no quorum: as before
    ("0.5", "0.5", "for", True, ["x", "x", "x"], "approved"),  # abstentions counted for
]


@pytest.mark.parametrize(
    ("quorum", "ratio", "abstain", "early", "decisions", "status"), QUORUM_CASES
)
def test_vote_quorum(
    quorum: str, ratio: str, abstain: str, early: bool, decisions: list[str], status: str
) -> None:
    vote = {"quorum": quorum, "pass_ratio": ratio, "abstain": abstain, "early_decision": early}
    assert run_vote(vote, decisions) == status


def test_two_thirds_as_a_fraction_is_exact() -> None:
    # 0.666667 would refuse 2 of 3; the fraction passes exactly at two thirds
    assert run_vote(
        {"pass_ratio": "2/3", "early_decision": False}, ["a", "a", "r"], VOTERS[:3]
    ) == ("approved")
    assert run_vote(
        {"pass_ratio": "0.666667", "early_decision": False}, ["a", "a", "r"], VOTERS[:3]
    ) == ("rejected")
    assert run_vote({"pass_ratio": "2/3", "comparison": ">"}, ["a", "a", "r"], VOTERS[:3]) == (
        "rejected"
    )


def test_a_signer_added_in_parallel_raises_the_quorum() -> None:
    vote = {"quorum": "1", "pass_ratio": "0.5"}
    driver = Driver(chain(approval("board", "v1", "v2", mode="vote", vote=vote)))
    first = driver.task("board", "v1")
    driver.send(AddSigner("v1", first.id, ("v3",), "parallel"))
    driver.send(Approve("v1", first.id))
    driver.send(Approve("v2", driver.task("board", "v2").id))
    assert driver.state.status == "running"  # v3 has not voted: 2 of 3 is short of the quorum
    driver.send(Approve("v3", driver.task("board", "v3").id))
    assert driver.state.status == "approved"


@pytest.mark.parametrize(
    ("vote", "pointer"),
    [
        ({"quorum": "1.5"}, "/nodes/1/vote/quorum"),
        ({"quorum": "4/3"}, "/nodes/1/vote/quorum"),
        ({"quorum": "-0.1"}, "/nodes/1/vote/quorum"),
        ({"quorum": "2/0"}, "/nodes/1/vote/quorum"),
        ({"pass_ratio": "3/2"}, "/nodes/1/vote/pass_ratio"),
    ],
)
def test_out_of_range_ratios_are_refused_with_a_pointer(vote: dict[str, Any], pointer: str) -> None:
    spec = chain(approval("board", "v1", "v2", mode="vote", vote=vote))
    assert (pointer, "E_FLOW_SCHEMA") in problems(spec)


# ---------------------------------------------------------------- maker-checker

MAKER = {"maker_checker": True}


def test_the_maker_is_left_out_of_the_approvers() -> None:
    driver = Driver(chain(approval("review", "am", "u1", mode="all"), settings=MAKER))
    assert driver.assignees("review") == ["u1"]
    assert History("system", "maker_excluded", "review", detail={"user": "am"}) in driver.effects
    driver.send(Approve("u1", driver.task("review", "u1").id))
    assert driver.state.status == "approved"


def test_without_maker_checker_the_maker_approves_automatically() -> None:
    driver = Driver(chain(approval("review", "am", "u1", mode="all")))
    assert driver.assignees("review") == ["u1"]
    assert not any(isinstance(e, History) and e.action == "maker_excluded" for e in driver.effects)


@pytest.mark.parametrize(
    ("empty", "expected"),
    [({"policy": "user", "user": "u9"}, ["u9"]), ({"policy": "admin"}, ["admin"])],
)
def test_only_the_maker_resolved_falls_to_the_empty_assignee_policy(
    empty: dict[str, Any], expected: list[str]
) -> None:
    settings = {**MAKER, "empty_assignee": empty}
    driver = Driver(chain(approval("review", "am"), settings=settings))
    assert driver.assignees("review") == expected


def test_a_fallback_that_is_the_maker_stops_with_an_incident() -> None:
    settings = {**MAKER, "empty_assignee": {"policy": "user", "user": "am"}}
    driver = Driver(chain(approval("review", "am"), settings=settings))
    assert driver.state.status == "incident"
    assert driver.tasks() == []
    [incident] = [e for e in driver.effects if isinstance(e, Incident)]
    assert (incident.code, incident.message, incident.zh_cn) == (
        "E_FLOW_MAKER_CHECKER",
        "the only approver left for `review` is the initiator (maker-checker)",
        "`review` 剩下的唯一审批人是发起人（制单与审批须分离）",
    )


def test_empty_skip_passes_the_node() -> None:
    settings = {**MAKER, "empty_assignee": {"policy": "skip"}}
    driver = Driver(chain(approval("review", "am"), settings=settings))
    assert driver.state.status == "approved"


@pytest.mark.parametrize(
    "command",
    [
        lambda task: Transfer("u1", task, "am"),
        lambda task: Delegate("u1", task, "am"),
        lambda task: AddSigner("u1", task, ("u2", "am"), "after"),
        lambda task: AddSigner("u1", task, ("am",), "parallel"),
        lambda task: AddSigner("u1", task, ("am",), "before"),
    ],
)
def test_no_task_goes_to_the_maker(command: Any) -> None:
    driver = Driver(chain(approval("review", "u1"), settings=MAKER))
    task = driver.task("review", "u1")
    with pytest.raises(CommandRefused) as refused:
        driver.send(command(task.id))
    assert refused.value.code == "E_FLOW_MAKER_CHECKER"


def test_without_maker_checker_a_transfer_to_the_maker_is_taken() -> None:
    driver = Driver(chain(approval("review", "u1")))
    driver.send(Transfer("u1", driver.task("review", "u1").id, "am"))
    assert driver.assignees("review") == ["am"]


def test_fill_in_tasks_stay_the_makers() -> None:
    fill = {"id": "docs", "type": "task", "assignees": [{"type": "initiator"}]}
    driver = Driver(chain(fill, approval("review", "u1"), settings=MAKER))
    driver.send(Complete("am", driver.task("docs", "am").id))
    assert driver.assignees("review") == ["u1"]


def test_an_approval_naming_the_initiator_is_refused_at_design_time() -> None:
    node = {"id": "review", "type": "approval", "assignees": [{"type": "initiator"}]}
    spec = chain(node, settings=MAKER)
    assert problems(spec) == {("/nodes/1/assignees/0", "E_FLOW_MAKER_CHECKER")}
    compile_flow(chain(node), env())  # without maker-checker it is allowed


# ---------------------------------------------------------------- early decision is safe

RATIOS = st.sampled_from(["0", "1/3", "0.5", "2/3", "0.75", "1"])


@settings(max_examples=300, deadline=None)
@example(quorum="1", ratio="0.5", comparison=">=", abstain="exclude", decisions=list("aax"))
@example(quorum="2/3", ratio="2/3", comparison=">=", abstain="exclude", decisions=list("aaaxxx"))
@example(quorum=None, ratio="0", comparison=">=", abstain="exclude", decisions=list("xx"))
@given(
    quorum=st.one_of(st.none(), RATIOS),
    ratio=RATIOS,
    comparison=st.sampled_from([">=", ">"]),
    abstain=st.sampled_from(["exclude", "against", "for"]),
    decisions=st.lists(st.sampled_from("arx"), min_size=2, max_size=6),
)
def test_an_early_decision_is_the_one_all_votes_would_give(
    quorum: str | None, ratio: str, comparison: str, abstain: str, decisions: list[str]
) -> None:
    """Closing early never contradicts the outcome once every voter has voted, and a vote
    never passes while fewer than the quorum have counted votes."""
    voters = VOTERS[: len(decisions)]
    vote: dict[str, Any] = {"pass_ratio": ratio, "comparison": comparison, "abstain": abstain}
    if quorum is not None:
        vote["quorum"] = quorum
    early = run_vote({**vote, "early_decision": True}, decisions, voters)
    final = run_vote({**vote, "early_decision": False}, decisions, voters)
    assert final in ("approved", "rejected")
    assert early == final
    if final == "approved" and quorum is not None:
        counted = sum(1 for d in decisions if d != "x" or abstain != "exclude")
        numerator, denominator = (Fraction(quorum).numerator, Fraction(quorum).denominator)
        assert counted * denominator >= numerator * len(voters)


@pytest.mark.parametrize(
    ("escalate_to", "assignee", "notified"),
    [(["am", "u2"], "u2", "escalated"), (["am"], "u1", "reminder")],
)
def test_escalation_skips_the_maker(escalate_to: list[str], assignee: str, notified: str) -> None:
    sla = {
        "duration": "P1D",
        "on_breach": "escalate",
        "escalate_to": [{"type": "user", "user": u} for u in escalate_to],
    }
    driver = Driver(chain(approval("review", "u1", sla=sla), settings=MAKER))
    breach = next(t.id for t in driver.state.timers if t.purpose == "sla_breach")
    effects = driver.send(TimerFired(breach))
    assert driver.assignees("review") == [assignee]
    assert any(isinstance(e, Notify) and e.kind == notified for e in effects)
