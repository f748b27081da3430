"""Out-of-office delegation over HTTP: users name a delegate for a date range; the flow
directory hands tasks given to them meanwhile to that delegate."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from brickwork.platform.runs.directory import SqlDirectory
from conftest import Users

API = "/api/v1/me/out-of-office"
PROBLEM = "application/problem+json"


def test_a_delegate_stands_in_only_within_the_range(users: Users, session: Session) -> None:
    users.user("bob")
    alice = users.client("alice")
    created = alice.post(
        API,
        json={"delegate": "bob", "from": "2026-03-02T00:00:00Z", "to": "2026-03-06T00:00:00Z"},
    )
    assert created.status_code == 201, created.text
    assert created.json()["delegate"] == "bob"
    listed = alice.get(API).json()["items"]
    assert [item["id"] for item in listed] == [created.json()["id"]]
    directory = SqlDirectory(session)
    assert directory.delegate_of("alice", datetime(2026, 3, 3, tzinfo=UTC)) == "bob"
    assert directory.delegate_of("alice", datetime(2026, 3, 6, tzinfo=UTC)) is None
    assert directory.delegate_of("alice", datetime(2026, 3, 1, tzinfo=UTC)) is None
    assert directory.delegate_of("bob", datetime(2026, 3, 3, tzinfo=UTC)) is None


def test_bad_absences_are_refused_with_pointers(users: Users) -> None:
    users.user("bob")
    alice = users.client("alice")
    cases = [
        ({"delegate": "bob", "from": "2026-03-06T00:00:00Z", "to": "2026-03-02T00:00:00Z"}, "/to"),
        (
            {"delegate": "alice", "from": "2026-03-02T00:00:00Z", "to": "2026-03-06T00:00:00Z"},
            "/delegate",
        ),
        (
            {"delegate": "nobody", "from": "2026-03-02T00:00:00Z", "to": "2026-03-06T00:00:00Z"},
            "/delegate",
        ),
    ]
    for body, pointer in cases:
        response = alice.post(API, json=body)
        assert response.status_code == 422, response.text
        assert response.headers["content-type"].startswith(PROBLEM)
        assert response.json()["errors"][0]["pointer"] == pointer
    naive = alice.post(
        API, json={"delegate": "bob", "from": "2026-03-02T00:00", "to": "2026-03-06T00:00"}
    )
    assert naive.status_code == 422


def test_overlaps_are_refused_and_entries_belong_to_their_user(users: Users) -> None:
    users.user("bob")
    alice = users.client("alice")
    carol = users.client("carol")
    first = alice.post(
        API,
        json={"delegate": "bob", "from": "2026-03-02T00:00:00Z", "to": "2026-03-06T00:00:00Z"},
    ).json()
    clash = alice.post(
        API,
        json={"delegate": "bob", "from": "2026-03-05T00:00:00Z", "to": "2026-03-09T00:00:00Z"},
    )
    assert clash.status_code == 409
    assert clash.json()["code"] == "out_of_office_overlap"
    assert carol.delete(f"{API}/{first['id']}").json()["code"] == "out_of_office_not_found"
    assert alice.delete(f"{API}/{first['id']}").status_code == 204
    assert alice.get(API).json()["items"] == []


def test_a_disabled_delegate_does_not_stand_in(users: Users, session: Session) -> None:
    bob = users.user("bob")
    alice = users.client("alice")
    alice.post(
        API,
        json={"delegate": "bob", "from": "2026-03-02T00:00:00Z", "to": "2026-03-06T00:00:00Z"},
    )
    bob.status = "disabled"
    session.commit()
    assert SqlDirectory(session).delegate_of("alice", datetime(2026, 3, 3, tzinfo=UTC)) is None
