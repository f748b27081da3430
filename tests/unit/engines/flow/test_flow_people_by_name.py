"""A flow names people by username and departments by key, as its analyst knows them; the
record holds their ids. Conditions, expression and field assignees and action values read a
member field's users by username and a department field's departments by key, so that
`relationship_manager = initiator` or `branch = "branch_sh"` mean what they say."""

from __future__ import annotations

from typing import Any

import pytest
from flow_support import Driver, approval, chain, env
from test_flow_gateways import exclusive

from brickwork.engines.flow import CreateRecord, FlowDefinitionError, compile_flow

MINE = {"id": "a", "from": "x", "to": "high", "condition": "relationship_manager = initiator"}
SHANGHAI = {"id": "b", "from": "x", "to": "mid", "condition": 'branch = "branch_sh"'}
OTHERWISE = {"id": "c", "from": "x", "to": "low", "default": True}


@pytest.mark.parametrize(
    ("record", "initiator", "node"),
    [
        ({"relationship_manager": "u-rm1"}, "rm1", "high"),  # the initiator manages it
        ({"relationship_manager": "u-rm2"}, "rm1", "low"),
        ({"relationship_manager": "u-gone"}, "rm1", "low"),  # an id of nobody
        ({"branch": "d-sh"}, "am", "mid"),
        ({"branch": "d-hq"}, "am", "low"),
    ],
)
def test_conditions_compare_people_by_username_and_departments_by_key(
    record: dict[str, Any], initiator: str, node: str
) -> None:
    driver = Driver(exclusive([MINE, SHANGHAI, OTHERWISE]), record=record, initiator=initiator)
    assert [t.node for t in driver.state.tasks] == [node]


@pytest.mark.parametrize(
    ("condition", "record", "node"),
    [
        (
            'list contains(relationship_manager, "rm2")',
            {"relationship_manager": ["u-rm1", "u-rm2"]},
            "high",
        ),
        ("relationship_manager = null", {"relationship_manager": "u-gone"}, "high"),
        ("relationship_manager = null", {"relationship_manager": "u-rm1"}, "low"),
        ("count(relationship_manager) = 1", {"relationship_manager": ["u-rm1", "u-gone"]}, "high"),
    ],
)
def test_several_people_read_as_usernames_and_nobody_as_null(
    condition: str, record: dict[str, Any], node: str
) -> None:
    edges = [{"id": "a", "from": "x", "to": "high", "condition": condition}, SHANGHAI, OTHERWISE]
    several = {"f": frozenset({"relationship_manager"})} if "(" in condition else {}
    flow = compile_flow(exclusive(edges), env(several=several))
    driver = Driver(flow, record=record)
    assert [t.node for t in driver.state.tasks] == [node]


def test_a_member_field_an_action_sets_by_username_names_the_next_approver() -> None:
    set_manager = {
        "id": "assign",
        "type": "action",
        "actions": [{"type": "set_fields", "values": {"relationship_manager": '"president"'}}],
    }
    by_field = {
        "id": "a",
        "type": "approval",
        "assignees": [{"type": "field", "field": "relationship_manager"}],
    }
    settings = {"empty_assignee": {"policy": "user", "user": "nobody"}}
    driver = Driver(chain(set_manager, by_field, settings=settings), record={})
    assert driver.assignees("a") == ["president"]


def test_an_expression_assignee_gives_the_username_a_member_field_holds() -> None:
    by_expression = {
        "id": "a",
        "type": "approval",
        "assignees": [
            {
                "type": "expression",
                "expression": 'if branch = "branch_sh" then relationship_manager else "ceo"',
            }
        ],
    }
    driver = Driver(
        chain(by_expression), record={"branch": "d-sh", "relationship_manager": "u-rm2"}
    )
    assert driver.assignees("a") == ["rm2"]
    elsewhere = Driver(chain(by_expression), record={"branch": "d-hq"})
    assert elsewhere.assignees("a") == ["ceo"]


def test_an_action_value_names_people_as_the_flow_reads_them() -> None:
    create = {
        "id": "log",
        "type": "action",
        "actions": [
            {
                "type": "create_record",
                "form": "credit_log",
                "values": {"note": "relationship_manager"},
            }
        ],
    }
    driver = Driver(
        chain(create, approval("a", "president")), record={"relationship_manager": "u-rm1"}
    )
    created = [e.values for e in driver.effects if isinstance(e, CreateRecord)]
    assert created == [{"note": "rm1"}]


@pytest.mark.parametrize(
    ("where", "refused"),
    [
        ('it.rm = "rm1"', ["it.rm"]),
        ('record.branch = "branch_sh" and it.note = "x"', ["record.branch"]),
        ("it.rm = record.relationship_manager", []),
    ],
)
def test_an_update_filter_compares_people_as_the_database_holds_them(
    where: str, refused: list[str]
) -> None:
    """An `update_records` filter runs in the database, where member and department fields hold
    ids: a name there never matches, and is refused when the flow is published."""
    update = {
        "id": "sync",
        "type": "action",
        "actions": [
            {
                "type": "update_records",
                "form": "credit_log",
                "where": where,
                "values": {"note": '"done"'},
            }
        ],
    }
    forms = {"credit_log": {"amount": "money", "note": "text", "rm": "member"}}
    spec = chain(update)
    if not refused:
        compile_flow(spec, env(forms=forms))
        return
    with pytest.raises(FlowDefinitionError) as caught:
        compile_flow(spec, env(forms=forms))
    found = [(p.code, p.pointer) for p in caught.value.problems]
    assert found == [("E_FLOW_PEOPLE_BY_NAME", "/nodes/1/actions/0/where")] * len(refused)
    assert all(field in str(caught.value) for field in refused)
