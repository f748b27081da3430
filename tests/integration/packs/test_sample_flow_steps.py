"""Sample data files may decide the flows their records start (`flow_steps`), so that the demo
shows work in flight at several nodes; steps whose user is missing are skipped, and an
installation with sample data outside the demo takes no step (each is a decision in a user's
name)."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import pytest
from sqlalchemy import select

from brickwork.platform.actor import Actor
from brickwork.platform.models.flow_instance import FlowInstance
from brickwork.platform.models.flow_task import FlowTask
from brickwork.platform.packs.manifest import SampleData

SETUP = Actor("setup", channel="cli", system=True)
PEOPLE = {
    "credit.branch": ("credit_branch_reviewer",),
    "credit.risk": ("credit_risk_officer",),
    "credit.compliance": ("credit_compliance_officer",),
    "credit.chair": ("credit_committee_chair", "credit_committee"),
    "credit.member1": ("credit_committee",),
    "credit.member2": ("credit_committee",),
}


def open_tasks(users: Any) -> Counter[tuple[str, str]]:
    rows = users.session.scalars(
        select(FlowTask)
        .join(FlowInstance, FlowInstance.id == FlowTask.instance_id)
        .where(FlowInstance.app_key == "credit", FlowTask.status == "open")
    )
    return Counter((row.node, row.assignee) for row in rows)


def statuses(users: Any) -> Counter[str]:
    rows = users.session.scalars(select(FlowInstance).where(FlowInstance.app_key == "credit"))
    return Counter(row.status for row in rows)


def test_sample_flows_wait_at_the_nodes_the_steps_lead_to(users: Any) -> None:
    service = users.app.state.services.packs
    service.install(users.session, SETUP, "credit")
    for name, roles in PEOPLE.items():
        service.add_user(users.session, SETUP, name, "Sample-Pass-1234", roles, ("head_office",))
    service.sample_data(users.session, SETUP, "credit", flow_steps=True)
    users.session.commit()
    tasks = open_tasks(users)
    assert tasks[("n_branch", "credit.branch")] == 2  # two submitted, not yet reviewed
    assert tasks[("n_compliance", "credit.compliance")] == 1  # risk has approved
    assert tasks[("n_committee", "credit.chair")] == 1  # member1 voted, quorum not reached
    assert tasks[("n_committee", "credit.member2")] == 1
    assert tasks[("n_committee", "credit.member1")] == 0
    assert tasks[("n_chair", "credit.chair")] == 1  # the vote passed
    assert statuses(users) == Counter({"running": 5, "approved": 1, "rejected": 1})


def test_steps_of_missing_users_are_skipped(users: Any) -> None:
    service = users.app.state.services.packs
    service.install(users.session, SETUP, "credit")
    service.sample_data(users.session, SETUP, "credit", flow_steps=True)
    users.session.commit()
    tasks = open_tasks(users)
    assert {node for node, _user in tasks} == {"n_branch"}  # all wait where they started
    assert statuses(users) == Counter({"running": 7})


def test_an_installation_with_sample_data_takes_no_step_in_anyones_name(users: Any) -> None:
    service = users.app.state.services.packs
    service.install(users.session, SETUP, "credit")
    for name, roles in PEOPLE.items():
        service.add_user(users.session, SETUP, name, "Sample-Pass-1234", roles, ("head_office",))
    service.uninstall(users.session, SETUP, "credit")
    service.install(users.session, SETUP, "credit", sample_data=True)  # the people are there
    users.session.commit()
    assert {node for node, _user in open_tasks(users)} == {"n_branch"}
    assert statuses(users) == Counter({"running": 7})


def test_in_the_demo_the_relationship_manager_owns_the_sample_applications(users: Any) -> None:
    """The credit pack's sample applications name their maker (`created_by`): in the demo they
    are the relationship manager's own, so the role that reads its own rows lists them and the
    flows they start have the manager as initiator; a bank's installation makes them itself."""
    service = users.app.state.services.packs
    service.install(users.session, SETUP, "credit")
    manager = users.client("credit.rm", roles=("credit_rm",), departments=("head_office",))
    service.sample_data(users.session, SETUP, "credit", flow_steps=True)
    users.session.commit()
    listed = manager.get("/api/v1/apps/credit/forms/application/records", params={"limit": 100})
    assert listed.status_code == 200, listed.text
    items = listed.json()["items"]
    assert len(items) == 9
    assert {item["owner"] for item in items} == {"credit.rm"}
    instances = users.session.scalars(select(FlowInstance).where(FlowInstance.app_key == "credit"))
    assert {row.initiator for row in instances} == {"credit.rm"}


def test_a_banks_installation_makes_the_sample_records_itself(users: Any) -> None:
    service = users.app.state.services.packs
    service.install(users.session, SETUP, "credit")
    manager = users.client("credit.rm", roles=("credit_rm",), departments=("head_office",))
    service.sample_data(users.session, SETUP, "credit")  # as installing with sample data does
    users.session.commit()
    listed = manager.get("/api/v1/apps/credit/forms/application/records", params={"limit": 100})
    assert listed.json()["items"] == []  # none is the manager's own
    instances = users.session.scalars(select(FlowInstance).where(FlowInstance.app_key == "credit"))
    assert {row.initiator for row in instances} == {"pack:credit"}  # the installer


def test_a_step_naming_a_record_that_is_not_there_is_refused() -> None:
    with pytest.raises(ValueError, match="record 1"):
        SampleData.model_validate(
            {"form": "f", "records": [{}], "flow_steps": [{"record": 1, "node": "n", "as": "u"}]}
        )


def records_by(reader: Any, app: str, form: str, key: str) -> dict[Any, str]:
    """A record id of the form for each value of `key` the reader sees (through the API)."""
    found = reader.get(f"/api/v1/apps/{app}/forms/{form}/records", params={"limit": 100})
    assert found.status_code == 200, found.text
    return {item[key]: item["id"] for item in found.json()["items"]}


def shown(reader: Any, app: str, form: str, record_id: str, key: str) -> str:
    """What the record's page shows for `key`, in Chinese."""
    page = reader.get(
        f"/apps/{app}/forms/{form}/records/{record_id}", headers={"accept-language": "zh-CN"}
    )
    assert page.status_code == 200, page.text
    found = re.search(rf'id="value-{key}">\s*([^<]*?)\s*<', page.text)
    assert found is not None, key
    return found.group(1)


def test_codes_show_by_their_names(users: Any) -> None:
    """A choice (the approval authority) and a computed text that yields codes (the lowest loan
    class by days past due) show the codes' names."""
    service = users.app.state.services.packs
    service.install(users.session, SETUP, "credit")
    service.sample_data(users.session, SETUP, "credit")
    users.session.commit()
    reader = users.client("risk", roles=("credit_risk_officer",), departments=("head_office",))
    by_authority = records_by(reader, "credit", "application", "authority")
    for code, name in (("branch", "经营机构审批"), ("head_office", "总行审批")):
        assert shown(reader, "credit", "application", by_authority[code], "authority") == name
    by_class = records_by(reader, "credit", "loan", "minimum_class")
    assert shown(reader, "credit", "loan", by_class["substandard"], "minimum_class") == "次级"


def test_a_screening_alert_names_its_list(users: Any) -> None:
    service = users.app.state.services.packs
    service.install(users.session, SETUP, "kyc")
    service.sample_data(users.session, SETUP, "kyc")
    users.session.commit()
    reader = users.client("screener", roles=("kyc_analyst",), departments=("head_office",))
    by_list = records_by(reader, "kyc", "kyc_alert", "list_type")
    assert "internal" in by_list, "the sample data raises an alert on the internal watch list"
    assert shown(reader, "kyc", "kyc_alert", by_list["internal"], "list_type") == "本行内部关注名单"
