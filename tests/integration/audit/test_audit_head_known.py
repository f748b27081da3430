"""Appends that start from the head this process knows (one compare-and-set statement) keep the
chain linear when another process appended in between or a transaction rolled back."""

from __future__ import annotations

import os

from sqlalchemy import select
from sqlalchemy.orm import Session

from brickwork.platform.actor import Actor
from brickwork.platform.audit.anchor import AnchorKeys
from brickwork.platform.audit.service import AuditLog
from brickwork.platform.models import AuditChain, AuditEvent

KEYS = {"k1": os.urandom(32)}
ACTOR = Actor("ops", roles=("clerk",))


def anchored() -> AuditLog:
    return AuditLog(anchor=AnchorKeys(lambda: ("k1", KEYS)))


def append(log: AuditLog, session: Session, label: str) -> AuditEvent:
    return log.record(session, ACTOR, "record.update", object_type="record", object_id=label)


def test_two_processes_taking_turns_keep_one_chain(session: Session) -> None:
    first, second = anchored(), anchored()  # two app processes on one database
    labels = ["a1", "a2", "b1", "a3", "b2", "b3", "a4"]
    appended = [append(first if label[0] == "a" else second, session, label) for label in labels]
    ids = [event.id for event in appended]
    assert ids == list(range(ids[0], ids[0] + len(labels)))
    stored = session.scalars(
        select(AuditEvent).where(AuditEvent.id >= ids[0]).order_by(AuditEvent.id)
    ).all()
    assert [e.object_id for e in stored] == labels
    assert [e.prev_hash for e in stored[1:]] == [e.hash for e in stored[:-1]]
    head = session.scalars(select(AuditChain).execution_options(populate_existing=True)).one()
    assert (head.last_event_id, head.last_hash) == (ids[-1], stored[-1].hash)
    assert first.verify(session).intact


def test_an_append_after_a_rolled_back_one_follows_the_stored_head(session: Session) -> None:
    log = anchored()
    kept = append(log, session, "kept")
    savepoint = session.begin_nested()
    append(log, session, "undone")
    savepoint.rollback()
    after = append(log, session, "after")
    assert (after.id, after.prev_hash) == (kept.id + 1, kept.hash)
    assert log.verify(session).intact


def test_a_forged_head_is_still_reported_before_the_next_event(session: Session) -> None:
    log = anchored()
    append(log, session, "first")
    second = append(log, session, "second")
    head = session.get(AuditChain, 1)
    assert head is not None
    head.anchor = "hmac-sha256:" + "0" * 64  # not what this process knows, nor signed
    session.flush()
    nxt = append(log, session, "next")
    assert nxt.id == second.id + 2
    broken = session.scalars(select(AuditEvent).where(AuditEvent.id == second.id + 1)).one()
    assert broken.action == "audit.anchor_broken"
