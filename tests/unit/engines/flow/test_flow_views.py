"""Field permissions per user and node, and the diagram with node statuses."""

from __future__ import annotations

from decimal import Decimal

from flow_support import FIELDS, Driver, approval, chain, credit_spec

from brickwork.engines.flow import Approve, Reject, Return, diagram, field_permissions


def test_field_permissions_follow_the_node_of_the_user_s_open_task() -> None:
    driver = Driver(credit_spec(), record={"amount": Decimal(2_000_000)})
    president = field_permissions(driver.flow, driver.state, "president")
    assert president == {
        "amount": "read",
        "branch": "read",
        "relationship_manager": "read",
        "risk_level": "hidden",
        "note": "write",
    }
    assert field_permissions(driver.flow, driver.state, "risk1") == dict.fromkeys(FIELDS, "read")
    driver.send(Approve("president", driver.task("president").id))
    assert field_permissions(driver.flow, driver.state, "risk1")["risk_level"] == "write"
    assert field_permissions(driver.flow, driver.state, "president")["risk_level"] == "read"


def test_initiator_edits_after_a_return_to_the_initiator() -> None:
    driver = Driver(chain(approval("a", "ua")))
    driver.send(Return("ua", driver.task("a").id, target="initiator"))
    assert field_permissions(driver.flow, driver.state, "am") == dict.fromkeys(FIELDS, "write")


def statuses(driver: Driver) -> dict[str, str]:
    return {n["id"]: n["status"] for n in diagram(driver.flow, driver.state)["nodes"]}


def test_diagram_statuses_while_running_and_after_rejection() -> None:
    driver = Driver(credit_spec(), record={"amount": Decimal(100)})
    assert statuses(driver) == {
        "submit": "done",
        "president": "active",
        "large": "pending",
        "split": "pending",
        "risk": "pending",
        "compliance": "pending",
        "join": "pending",
        "committee": "pending",
        "notify": "pending",
        "done": "pending",
    }
    driver.send(Approve("president", driver.task("president").id))
    found = statuses(driver)
    assert (found["risk"], found["committee"], found["large"]) == ("skipped", "active", "done")
    edges = {e["id"]: e["taken"] for e in diagram(driver.flow, driver.state)["edges"]}
    assert edges["e4"] is True
    assert edges["e3"] is False
    driver.send(Reject("c1", driver.task("committee", "c1").id))
    driver.send(Reject("c2", driver.task("committee", "c2").id))
    assert statuses(driver)["committee"] == "active"  # 3 of 5 could still pass 0.6
    driver.send(Reject("c3", driver.task("committee", "c3").id))
    found = statuses(driver)
    assert (found["committee"], found["notify"], found["president"]) == (
        "rejected",
        "skipped",
        "done",
    )
