"""Outbound notices through the job queue (an outbox): e-mail to a real SMTP server and signed
webhooks to a real HTTP server, both on 127.0.0.1. Nothing leaves before the cause commits; a
failed attempt is retried with backoff; each recipient's message goes through their own field
permissions (a webhook's through the rule owner's); webhook targets are data kept by system
administrators, who alone may register a URL."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from outbound_servers import Hook, Mailbox, smtp_server, webhook_server
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session, sessionmaker

from brickwork.platform.assembly import job_runners
from brickwork.platform.jobs.service import Worker
from brickwork.platform.models import AuditEvent, Job
from brickwork.settings import Settings

API = "/api/v1"
APP = f"{API}/apps/aml"
PHONE = "13812345678"
SECRET = "s3cret-signing-key-0123"
FIELDS: list[dict[str, Any]] = [
    {"id": "f_cust", "key": "customer", "type": "text", "label": "Customer"},
    {"id": "f_phone", "key": "phone", "type": "phone", "label": "Phone"},
    {"id": "f_amt", "key": "amount", "type": "money", "label": "Amount", "currency": "CNY"},
]
RULE: dict[str, Any] = {
    "trigger": {"on": "record", "form": "deposit", "events": ["created"]},
    "condition": "amount >= 10000",
    "actions": [
        {
            "type": "notify",
            "channel": "email",
            "to": [{"user": "alice"}, {"user": "bob"}],
            "subject": "Large deposit\nby {{ record.customer }}",
            "body": "Phone: {{ record.phone }}\nAmount: {{ record.amount }}",
        }
    ],
}


@pytest.fixture(scope="module")
def mailbox() -> Iterator[tuple[int, Mailbox]]:
    with smtp_server() as found:
        yield found


@pytest.fixture(scope="module")
def hook() -> Iterator[tuple[int, Hook]]:
    with webhook_server() as found:
        yield found


@pytest.fixture(scope="module")
def app_settings(
    app_settings: Settings, mailbox: tuple[int, Mailbox], hook: tuple[int, Hook]
) -> Settings:
    """The test settings with an SMTP server, plain http allowed to 127.0.0.1 and a short
    webhook timeout."""
    return app_settings.with_overrides(
        smtp_url=f"smtp://127.0.0.1:{mailbox[0]}",
        mail_from="alerts@bank.test",
        webhook_http_hosts=("127.0.0.1",),
        webhook_timeout_seconds=1,
    )


@pytest.fixture
def box(mailbox: tuple[int, Mailbox]) -> Iterator[Mailbox]:
    found = mailbox[1]
    yield found
    found.messages.clear()
    found.recipients.clear()
    found.refuse = 0


@pytest.fixture
def receiver(hook: tuple[int, Hook]) -> Iterator[Hook]:
    found = hook[1]
    yield found
    found.requests.clear()
    found.answers.clear()
    found.delay = 0


def define(client: TestClient, kind: str, key: str, spec: dict[str, Any]) -> Any:
    created = client.post(f"{APP}/definitions", json={"kind": kind, "key": key, "label": key})
    assert created.status_code in (201, 409), created.text
    response = client.put(f"{APP}/definitions/{kind}/{key}", json={"label": key, "spec": spec})
    assert response.status_code == 200, response.text
    return client.post(f"{APP}/definitions/{kind}/{key}/publish")


def reader_grant(**fields: str) -> dict[str, Any]:
    return {"app": "aml", "form": "deposit", "actions": ["read"], "rows": "all", "fields": fields}


@pytest.fixture
def aml(client: TestClient, users: Any, session: Session) -> TestClient:
    """The app, alice (phone masked) and bob (phone in clear), both with e-mail addresses."""
    assert client.post(f"{API}/apps", json={"key": "aml", "label": "AML"}).status_code == 201
    assert define(client, "form", "deposit", {"fields": FIELDS}).status_code == 201
    for name, grant in (("alice", reader_grant(phone="masked")), ("bob", reader_grant())):
        user = users.user(name, grants=[grant])
        user.email = f"{name}@bank.test"
    session.commit()
    return client


@pytest.fixture
def worker(users: Any, connection: Connection, clock: Any) -> Worker:
    factory = sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    found, _scheduler = job_runners(users.app.state.services, factory, name="test", clock=clock)
    return found


def deposit(client: TestClient, amount: str = "46000") -> dict[str, Any]:
    body = {"customer": "C1", "phone": PHONE, "amount": amount}
    response = client.post(f"{APP}/forms/deposit/records", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def jobs(session: Session, kind: str) -> list[Job]:
    session.expire_all()
    return list(session.scalars(select(Job).where(Job.kind == kind).order_by(Job.id)))


def later(clock: Any, minutes: int = 5) -> None:
    clock.now += timedelta(minutes=minutes)


def test_emails_leave_through_the_outbox_each_through_its_recipients_permissions(
    aml: TestClient, box: Mailbox, worker: Worker, session: Session
) -> None:
    assert define(aml, "rule", "large", RULE).status_code == 201
    deposit(aml)
    assert box.messages == [], "nothing is sent inside the save"
    assert len(jobs(session, "notify.email")) == 2
    assert worker.run_until_idle() == 2
    sent = {
        recipients[0]: message
        for recipients, message in zip(box.recipients, box.messages, strict=True)
    }
    assert set(sent) == {"alice@bank.test", "bob@bank.test"}
    alice, bob = sent["alice@bank.test"], sent["bob@bank.test"]
    assert (alice["From"], alice["To"], alice["Subject"]) == (
        "alerts@bank.test",
        "alice@bank.test",
        "Large deposit by C1",
    )
    assert PHONE not in alice.get_content()
    assert "Phone: 138" in alice.get_content()
    assert "Amount: 46000.00 CNY" in alice.get_content()
    assert f"Phone: {PHONE}" in bob.get_content()
    assert alice["Message-ID"] != bob["Message-ID"]
    delivered = jobs(session, "notify.email")
    assert {job.status for job in delivered} == {"done"}
    for job in delivered:  # the rendered text left with the message; the job keeps whom to
        assert set(job.payload) == {"recipient", "app", "kind"}
        assert PHONE not in str(job.payload)


def test_a_refused_email_is_retried_with_backoff(
    aml: TestClient, box: Mailbox, worker: Worker, session: Session, clock: Any
) -> None:
    one = {**RULE, "actions": [{**RULE["actions"][0], "to": [{"user": "bob"}]}]}
    assert define(aml, "rule", "large", one).status_code == 201
    deposit(aml)
    box.refuse = 1
    assert worker.run_until_idle() == 1
    (job,) = jobs(session, "notify.email")
    assert (job.status, job.attempts) == ("queued", 1)
    assert "451" in (job.last_error or "")
    assert "body" in job.payload, "a job still to run keeps what it sends"
    assert box.messages == []
    assert worker.run_until_idle() == 0, "not due before its backoff"
    later(clock)
    assert worker.run_until_idle() == 1
    (message,) = box.messages
    assert message["To"] == "bob@bank.test"
    assert jobs(session, "notify.email")[0].status == "done"


def test_nothing_is_queued_when_the_cause_does_not_commit(
    aml: TestClient, box: Mailbox, worker: Worker, session: Session
) -> None:
    assert define(aml, "rule", "large", RULE).status_code == 201
    block = {
        "trigger": {"on": "record", "form": "deposit"},
        "phase": "before_save",
        "condition": "amount > 1000000",
        "actions": [{"type": "block", "message": "too large", "field": "amount"}],
    }
    assert define(aml, "rule", "huge", block).status_code == 201
    batch = [
        {"customer": "C1", "phone": PHONE, "amount": "46000"},
        {"customer": "C2", "phone": PHONE, "amount": "2000000"},
    ]
    refused = aml.post(f"{APP}/forms/deposit/records/batch", json={"records": batch})
    assert refused.status_code == 422, refused.text
    assert jobs(session, "notify.email") == []
    assert worker.run_until_idle() == 0
    assert box.messages == []


def put_hook(client: TestClient, port: int, path: str = "/hook", **more: Any) -> Any:
    body = {"url": f"http://127.0.0.1:{port}{path}", "secret": SECRET, **more}
    return client.put(f"{API}/webhooks/siem", json=body)


def test_a_webhook_receives_a_signed_notice_rendered_through_the_rule_owner(
    aml: TestClient,
    users: Any,
    hook: tuple[int, Hook],
    receiver: Hook,
    worker: Worker,
    session: Session,
    clock: Any,
) -> None:
    assert put_hook(aml, hook[0], description="SIEM").status_code == 200
    designer = users.client(
        "designer",
        grants=[{"app": "aml", "actions": ["design", "publish"]}, reader_grant(phone="masked")],
    )
    spec = {
        **RULE,
        "actions": [
            {
                "type": "notify",
                "channel": "webhook",
                "webhook": "siem",
                "subject": "Large deposit by {{ record.customer }}",
                "body": "{{ record.phone }} / {{ record.amount }}",
            }
        ],
    }
    published = define(designer, "rule", "large", spec)
    assert published.status_code == 201, published.text
    record = deposit(aml)
    assert receiver.requests == []
    receiver.answers = [500]
    assert worker.run_until_idle() == 1
    (job,) = jobs(session, "notify.webhook")
    assert (job.status, job.attempts) == ("queued", 1)
    later(clock)
    assert worker.run_until_idle() == 1
    first, second = receiver.requests
    assert first["headers"]["X-Brickwork-Delivery"] == second["headers"]["X-Brickwork-Delivery"]
    headers, body = second["headers"], second["body"]
    expected = hmac.new(
        SECRET.encode(), headers["X-Brickwork-Timestamp"].encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    assert headers["X-Brickwork-Signature"] == f"sha256={expected}"
    assert headers["Content-Type"] == "application/json"
    document = json.loads(body)
    assert (document["app"], document["rule"], document["version"], document["event"]) == (
        "aml",
        "large",
        1,
        "created",
    )
    assert (document["form"], document["record"]) == ("deposit", record["id"])
    assert document["link"] == f"/apps/aml/forms/deposit/records/{record['id']}"
    assert document["subject"] == "Large deposit by C1"
    assert PHONE not in document["body"], "the owner sees the phone masked"
    assert document["body"].endswith(" / 46000.00 CNY")
    (done,) = jobs(session, "notify.webhook")
    assert (done.status, done.payload) == ("done", {"webhook": "siem"})


def test_webhooks_are_not_redirected_and_time_out(
    aml: TestClient,
    hook: tuple[int, Hook],
    receiver: Hook,
    worker: Worker,
    session: Session,
    clock: Any,
) -> None:
    assert put_hook(aml, hook[0]).status_code == 200
    spec = {
        **RULE,
        "actions": [{"type": "notify", "channel": "webhook", "webhook": "siem", "subject": "x"}],
    }
    assert define(aml, "rule", "large", spec).status_code == 201
    deposit(aml)
    receiver.answers = [302]
    assert worker.run_until_idle() == 1
    assert [r["path"] for r in receiver.requests] == ["/hook"], "the redirect is not followed"
    (job,) = jobs(session, "notify.webhook")
    assert "302" in (job.last_error or "")
    receiver.delay = 1.5
    later(clock)
    assert worker.run_until_idle() == 1
    (job,) = jobs(session, "notify.webhook")
    assert (job.status, job.attempts) == ("queued", 2)
    assert "timed out" in (job.last_error or "")


def test_webhook_targets_are_data_kept_by_system_administrators(
    aml: TestClient, users: Any, hook: tuple[int, Hook], session: Session
) -> None:
    created = put_hook(aml, hook[0], description="SIEM")
    assert created.status_code == 200, created.text
    shown = aml.get(f"{API}/webhooks/siem").json()
    assert shown["url"] == f"http://127.0.0.1:{hook[0]}/hook"
    assert SECRET not in json.dumps(shown)
    assert SECRET not in aml.get(f"{API}/webhooks").text
    events = session.scalars(select(AuditEvent).where(AuditEvent.action == "webhook.put")).all()
    assert len(events) == 1
    assert SECRET not in json.dumps(events[0].details)
    kept = aml.put(f"{API}/webhooks/siem", json={"url": "https://siem.bank.test/in"})
    assert kept.status_code == 200, "the secret is kept when left out"
    for url in (
        "http://siem.bank.test/in",
        "https://user:pw@siem.bank.test/in",
        "ftp://siem.bank.test/in",
        "https:///in",
    ):
        refused = aml.put(f"{API}/webhooks/other", json={"url": url, "secret": SECRET})
        assert refused.status_code == 422, url
        assert refused.json()["code"] == "webhook_url_refused"
    missing_secret = aml.put(f"{API}/webhooks/other", json={"url": "https://siem.bank.test/"})
    assert missing_secret.status_code == 422
    assert missing_secret.json()["errors"][0]["pointer"] == "/secret"
    clerk = users.client("clerk", grants=[reader_grant()])
    assert put_hook(clerk, hook[0]).status_code == 403
    assert clerk.get(f"{API}/webhooks/siem").status_code == 403
    spec = {
        **RULE,
        "actions": [{"type": "notify", "channel": "webhook", "webhook": "siem", "subject": "x"}],
    }
    assert define(aml, "rule", "large", spec).status_code == 201
    in_use = aml.delete(f"{API}/webhooks/siem")
    assert in_use.status_code == 409
    assert in_use.json()["code"] == "webhook_in_use"
    assert in_use.json()["errors"][0]["pointer"] == "/rules/aml/large"
    assert aml.post(f"{APP}/definitions/rule/large/archive").status_code == 200
    assert aml.delete(f"{API}/webhooks/siem").status_code == 204
    gone = aml.get(f"{API}/webhooks/siem")
    assert gone.status_code == 404
    assert gone.json()["code"] == "webhook_not_found"
    restore = aml.post(f"{APP}/definitions/rule/large/restore")
    assert restore.status_code == 409, "a rule is restored only while its webhook exists"
    assert [(e["pointer"], e["code"]) for e in restore.json()["errors"]] == [
        ("/spec/actions/0/webhook", "E_RULE_UNKNOWN_WEBHOOK")
    ]
    assert put_hook(aml, hook[0]).status_code == 200
    assert aml.post(f"{APP}/definitions/rule/large/restore").status_code == 200


def test_an_email_rule_publishes_when_smtp_is_configured(aml: TestClient) -> None:
    assert define(aml, "rule", "large", RULE).status_code == 201
