"""In-app notifications through the HTTP API: a rule's notify action stores a notice per
recipient (users, role holders, a member field, the record's owner), each rendered through the
recipient's own field permissions (also after a field rename); a user lists, filters and marks
only their own notices; notices exist only if their cause commits; shadow rules send nothing;
refusals at publish point into the template with its line."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from brickwork.platform.assembly import job_runners
from brickwork.platform.models import AuditEvent

API = "/api/v1"
APP = f"{API}/apps/aml"
MINE = f"{API}/me/notifications"
FIELDS: list[dict[str, Any]] = [
    {"id": "f_cust", "key": "customer", "type": "text", "label": "Customer"},
    {"id": "f_phone", "key": "phone", "type": "phone", "label": "Phone"},
    {"id": "f_note", "key": "note", "type": "text", "label": "Note"},
    {"id": "f_amt", "key": "amount", "type": "money", "label": "Amount", "currency": "CNY"},
    {"id": "f_rm", "key": "rm", "type": "member", "label": "Relationship manager"},
]
ALERT_FIELDS: list[dict[str, Any]] = [
    {"id": "a_cust", "key": "customer", "type": "text", "label": "Customer"},
]
NOTICE: dict[str, Any] = {
    "type": "notify",
    "to": [{"user": "alice"}, {"field": "rm"}, {"owner": True}, {"role": "aml_officer"}],
    "subject": "Large deposit by {{ record.customer }}",
    "body": "phone {{ record.phone }}; note [{{ record.note }}]; {{ record.amount }}; "
    "rule {{ rule.key }} v{{ rule.version }} in {{ app.key }}",
}
RULE: dict[str, Any] = {
    "trigger": {"on": "record", "form": "deposit", "events": ["created"]},
    "condition": "amount >= 10000",
    "actions": [NOTICE],
}
PHONE = "13812345678"


def define(client: TestClient, kind: str, key: str, spec: dict[str, Any]) -> Any:
    created = client.post(f"{APP}/definitions", json={"kind": kind, "key": key, "label": key})
    assert created.status_code in (201, 409), created.text
    response = client.put(f"{APP}/definitions/{kind}/{key}", json={"label": key, "spec": spec})
    assert response.status_code == 200, response.text
    return client.post(f"{APP}/definitions/{kind}/{key}/publish")


def reader_grant(**fields: str) -> dict[str, Any]:
    return {"app": "aml", "form": "deposit", "actions": ["read"], "rows": "all", "fields": fields}


@pytest.fixture
def aml(client: TestClient) -> TestClient:
    assert client.post(f"{API}/apps", json={"key": "aml", "label": "AML"}).status_code == 201
    assert define(client, "form", "deposit", {"fields": FIELDS}).status_code == 201
    assert define(client, "form", "alert", {"fields": ALERT_FIELDS}).status_code == 201
    return client


@pytest.fixture
def people(users: Any) -> dict[str, TestClient]:
    """alice sees the phone masked and not the note; bob (a relationship manager) and carol (an
    AML officer) see everything."""
    users.role("aml_officer", [reader_grant()])
    people = {
        "alice": users.client("alice", grants=[reader_grant(phone="masked", note="hidden")]),
        "bob": users.client("bob", grants=[reader_grant()]),
        "carol": users.client("carol", roles=("aml_officer",)),
    }
    return people


@pytest.fixture
def bob(users: Any, people: dict[str, TestClient]) -> str:
    """bob's user id: the relationship manager (a member field) of every deposit."""
    return str(users.identities.repo.user_by_username(users.session, "bob").id)


def deposit(
    client: TestClient, rm: str, amount: str = "46000", phone: str = "phone"
) -> dict[str, Any]:
    """A deposit of C1 whose relationship manager is `rm` (a user id)."""
    body = {"customer": "C1", phone: PHONE, "note": "tip-off", "amount": amount, "rm": rm}
    response = client.post(f"{APP}/forms/deposit/records", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def notices(client: TestClient, query: str = "") -> dict[str, Any]:
    response = client.get(f"{MINE}{query}")
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_a_rule_notifies_each_recipient_through_their_own_field_permissions(
    aml: TestClient, people: dict[str, TestClient], bob: str
) -> None:
    assert define(aml, "rule", "large", RULE).status_code == 201
    record = deposit(aml, bob)
    deposit(aml, bob, amount="500")  # the condition does not hold: no notice
    link = f"/apps/aml/forms/deposit/records/{record['id']}"
    seen_by_alice = people["alice"].get(f"{APP}/forms/deposit/records/{record['id']}").json()
    assert seen_by_alice["phone"] != PHONE
    assert "note" not in seen_by_alice
    (alice,) = notices(people["alice"])["items"]
    assert (alice["title"], alice["link"], alice["kind"], alice["app"]) == (
        "Large deposit by C1",
        link,
        "rule",
        "aml",
    )
    assert alice["body"] == (
        f"phone {seen_by_alice['phone']}; note []; 46000.00 CNY; rule large v1 in aml"
    )
    assert PHONE not in str(notices(people["alice"]))
    for name in ("bob", "carol"):  # the member field and the role holder see it in clear
        (item,) = notices(people[name])["items"]
        assert item["body"] == f"phone {PHONE}; note [tip-off]; 46000.00 CNY; rule large v1 in aml"
    (own,) = notices(aml)["items"]  # the record's owner (who created it)
    assert own["link"] == link
    executions = aml.get(f"{APP}/forms/deposit/records/{record['id']}/rule-executions").json()
    (execution,) = executions["items"]
    assert execution["outcome"]["effects"] == [
        {
            "type": "notify",
            "channel": "in_app",
            "to": [{"user": "alice"}, {"field": "rm"}, {"owner": True}, {"role": "aml_officer"}],
            "webhook": None,
        }
    ]
    assert PHONE not in str(executions)
    assert "tip-off" not in str(executions)


def test_a_user_pages_filters_and_marks_only_their_own_notices(
    aml: TestClient, people: dict[str, TestClient], bob: str
) -> None:
    assert define(aml, "rule", "large", RULE).status_code == 201
    for _ in range(3):
        deposit(aml, bob)
    alice, bob = people["alice"], people["bob"]
    first = notices(alice, "?limit=2")
    assert (len(first["items"]), first["has_more"], first["unread_count"]) == (2, True, 3)
    rest = notices(alice, "?limit=2&offset=2")
    assert (len(rest["items"]), rest["has_more"]) == (1, False)
    ids = [item["id"] for item in first["items"] + rest["items"]]
    assert ids == sorted(ids, reverse=True), "newest first"
    read = alice.post(f"{MINE}/{ids[0]}/read")
    assert read.status_code == 200, read.text
    assert read.json()["read"] is True
    assert read.json()["read_at"] is not None
    unread = notices(alice, "?unread=true")
    assert [item["id"] for item in unread["items"]] == ids[1:]
    assert unread["unread_count"] == 2
    stranger = bob.post(f"{MINE}/{ids[1]}/read")
    assert stranger.status_code == 404
    assert stranger.json()["code"] == "notification_not_found"
    assert notices(alice)["unread_count"] == 2, "bob's attempt changed nothing"
    assert alice.post(f"{MINE}/read-all").json() == {"read": 2}
    assert notices(alice, "?unread=true") == {"items": [], "has_more": False, "unread_count": 0}
    assert notices(bob)["unread_count"] == 3
    assert alice.get(f"{MINE}?limit=0").status_code == 422


def test_a_notice_exists_only_if_its_cause_commits(
    aml: TestClient, users: Any, session: Session, people: dict[str, TestClient]
) -> None:
    service = users.app.state.notifications
    with session.begin_nested() as cause:
        service.notify(session, ["alice"], app_key=None, kind="test", title="gone", body="")
        cause.rollback()
    service.notify(
        session, ["alice", "alice"], app_key=None, kind="test", title="a\nb", body="kept"
    )
    session.commit()
    (item,) = notices(people["alice"])["items"]
    assert (item["title"], item["body"], item["app"], item["link"]) == ("a b", "kept", None, None)


def test_shadow_rules_notify_nobody_and_an_alert_key_taken_sends_no_second_notice(
    aml: TestClient, people: dict[str, TestClient], bob: str
) -> None:
    assert define(aml, "rule", "large", {**RULE, "shadow": True}).status_code == 201
    record = deposit(aml, bob)
    assert notices(people["alice"])["items"] == []
    executions = aml.get(f"{APP}/forms/deposit/records/{record['id']}/rule-executions").json()
    assert [(e["shadow"], e["outcome"]["effects"][0]["type"]) for e in executions["items"]] == [
        (True, "notify")
    ]
    alert = {
        "type": "raise_alert",
        "form": "alert",
        "values": {"customer": "customer"},
        "dedupe": "customer",
    }
    keyed = {**RULE, "shadow": False, "actions": [alert, NOTICE]}
    assert define(aml, "rule", "large", keyed).status_code == 201
    deposit(aml, bob)
    deposit(aml, bob)  # the same customer: the alert and its notice are not repeated
    assert len(notices(people["alice"])["items"]) == 1
    alerts = aml.get(f"{APP}/forms/alert/records").json()["items"]
    assert len(alerts) == 1


def test_masking_follows_a_renamed_field_into_the_notices(
    aml: TestClient, people: dict[str, TestClient], bob: str
) -> None:
    assert define(aml, "rule", "large", RULE).status_code == 201
    renamed = [{**f, "key": "mobile"} if f["key"] == "phone" else f for f in FIELDS]
    draft = aml.put(
        f"{APP}/definitions/form/deposit", json={"label": "d", "spec": {"fields": renamed}}
    )
    assert draft.status_code == 200, draft.text
    refused = aml.post(f"{APP}/definitions/form/deposit/publish")
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "rules_broken_by_change"
    assert [(e["pointer"], e["code"]) for e in refused.json()["errors"]] == [
        ("/rules/large/actions/0/body", "E_RULE_UNKNOWN_FIELD")
    ]
    assert aml.post(f"{APP}/definitions/rule/large/archive").status_code == 200
    assert aml.post(f"{APP}/definitions/form/deposit/publish").status_code == 201
    body = NOTICE["body"].replace("record.phone", "record.mobile")
    moved = {**RULE, "actions": [{**NOTICE, "body": body}]}
    assert aml.post(f"{APP}/definitions/rule/large/restore").status_code == 200
    assert define(aml, "rule", "large", moved).status_code == 201, "the rule follows the rename"
    deposit(aml, bob, phone="mobile")
    (alice,) = notices(people["alice"])["items"]
    assert PHONE not in alice["body"]
    assert "tip-off" not in alice["body"]
    assert alice["body"].startswith("phone 138")
    (bob,) = notices(people["bob"])["items"]
    assert bob["body"].startswith(f"phone {PHONE}; note [tip-off]")


@pytest.mark.parametrize(
    ("change", "pointer", "code", "line"),
    [
        (
            {"subject": "Deposit {{ record.customer "},
            "/spec/actions/0/subject",
            "E_RULE_TEMPLATE",
            1,
        ),
        (
            {"body": "Hello\n\n{{ record.branch }}"},
            "/spec/actions/0/body",
            "E_RULE_UNKNOWN_FIELD",
            3,
        ),
        ({"body": "{{ config }}"}, "/spec/actions/0/body", "E_RULE_TEMPLATE", 1),
        ({"body": "x\n{% include 'other' %}"}, "/spec/actions/0/body", "E_RULE_TEMPLATE", 2),
        (
            {"body": "{{ record.amount | nosuchfilter }}"},
            "/spec/actions/0/body",
            "E_RULE_TEMPLATE",
            1,
        ),
        ({"channel": "email"}, "/spec/actions/0/channel", "E_RULE_NO_MAIL", None),
        (
            {"channel": "webhook", "to": [], "webhook": "siem"},
            "/spec/actions/0/webhook",
            "E_RULE_UNKNOWN_WEBHOOK",
            None,
        ),
        ({"to": [{"field": "branch"}]}, "/spec/actions/0/to/0/field", "E_RULE_UNKNOWN_FIELD", None),
    ],
)
def test_a_notify_action_that_cannot_work_is_refused_at_publish(
    aml: TestClient, change: dict[str, Any], pointer: str, code: str, line: int | None
) -> None:
    spec = {**RULE, "actions": [{**NOTICE, **change}]}
    refused = define(aml, "rule", "bad", spec)
    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == "definition_invalid"
    (error,) = refused.json()["errors"]
    assert (error["pointer"], error["code"]) == (pointer, code)
    if line is not None:
        assert error["message"].startswith(f"line {line}: ")


def test_notifications_are_in_the_openapi_document(anonymous_client: TestClient) -> None:
    paths = anonymous_client.get(f"{API}/openapi.json").json()["paths"]
    assert "get" in paths[f"{MINE}"]
    assert "post" in paths[f"{MINE}/{{notification_id}}/read"]
    assert "post" in paths[f"{MINE}/read-all"]
    assert {"get", "put", "delete"} <= set(paths[f"{API}/webhooks/{{key}}"])


def test_notices_use_the_evaluation_time(
    aml: TestClient, people: dict[str, TestClient], bob: str
) -> None:
    dated = {**RULE, "actions": [{**NOTICE, "body": "{{ now.year }}-{{ now.tzinfo }}"}]}
    assert define(aml, "rule", "large", dated).status_code == 201
    deposit(aml, bob)
    (item,) = notices(people["alice"])["items"]
    assert item["body"] == f"{datetime(2026, 1, 5, tzinfo=UTC).year}-UTC"


def test_templates_run_in_a_sandbox(
    aml: TestClient, people: dict[str, TestClient], bob: str
) -> None:
    notices_of = [
        {**NOTICE, "to": [{"user": "alice"}], "body": body}
        for body in (
            "{{ now.__class__.__mro__ }}",
            "{{ rule.update({'key': 'other'}) }}{{ rule.key }}",
            "{% for i in range(100000000) %}{{ i }}{% endfor %}",
        )
    ]
    assert define(aml, "rule", "large", {**RULE, "actions": notices_of}).status_code == 201
    deposit(aml, bob)
    bodies = [item["body"] for item in notices(people["alice"])["items"]]
    assert len(bodies) == 3
    for body in bodies:
        assert body.startswith("[the template could not be rendered: "), body
        assert "class" not in body.lower()
        assert "other" not in body


def test_async_and_manual_rules_notify_too(
    aml: TestClient,
    people: dict[str, TestClient],
    bob: str,
    users: Any,
    connection: Any,
) -> None:
    later = {**RULE, "mode": "async", "actions": [{**NOTICE, "to": [{"user": "alice"}]}]}
    assert define(aml, "rule", "large", later).status_code == 201
    record = deposit(aml, bob)
    assert notices(people["alice"])["items"] == [], "an async rule acts when its job runs"
    factory = sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    worker, _scheduler = job_runners(users.app.state.services, factory, name="test-worker")
    assert worker.run_until_idle() == 1
    (item,) = notices(people["alice"])["items"]
    assert item["title"] == "Large deposit by C1"
    assert PHONE not in item["body"]
    button = {
        "trigger": {"on": "manual", "form": "deposit"},
        "actions": [
            {**NOTICE, "to": [{"field": "rm"}], "subject": "Please look at {{ record.id }}"}
        ],
    }
    assert define(aml, "rule", "ask_rm", button).status_code == 201
    run = aml.post(f"{APP}/forms/deposit/records/{record['id']}/rules/ask_rm/run")
    assert run.status_code == 200, run.text
    assert run.json()["effects"][0]["type"] == "notify"
    titles = [i["title"] for i in notices(people["bob"])["items"]]
    assert titles == [f"Please look at {record['id']}"]


def test_a_sensitive_value_sent_in_clear_is_audited_as_its_recipients_read(
    aml: TestClient, people: dict[str, TestClient], bob: str, session: Session
) -> None:
    assert define(aml, "rule", "large", RULE).status_code == 201
    record = deposit(aml, bob)
    reads = session.scalars(select(AuditEvent).where(AuditEvent.action == "record.read")).all()
    readers = {event.actor for event in reads if record["id"] in str(event.details)}
    assert {"bob", "carol"} <= readers
    assert "alice" not in readers, "alice saw the phone masked"


def test_a_deletion_notifies_with_the_record_as_it_was(
    aml: TestClient, people: dict[str, TestClient], bob: str
) -> None:
    gone = {
        "trigger": {"on": "record", "form": "deposit", "events": ["deleted"]},
        "actions": [
            {**NOTICE, "to": [{"user": "alice"}], "subject": "Deleted: {{ record.customer }}"}
        ],
    }
    assert define(aml, "rule", "gone", gone).status_code == 201
    record = deposit(aml, bob)
    assert aml.delete(f"{APP}/forms/deposit/records/{record['id']}").status_code in (200, 204)
    (item,) = notices(people["alice"])["items"]
    assert item["title"] == "Deleted: C1"
    assert PHONE not in item["body"]


def test_a_notice_names_the_people_of_the_record_by_user_name(
    aml: TestClient, people: dict[str, TestClient], bob: str
) -> None:
    """The record holds its relationship manager's user id; a message says who it is."""
    notice = {**NOTICE, "to": [{"field": "rm"}], "body": "RM {{ record.rm }}"}
    assert define(aml, "rule", "large", {**RULE, "actions": [notice]}).status_code == 201
    deposit(aml, bob)
    (item,) = notices(people["bob"])["items"]
    assert item["body"] == "RM bob"
