"""Flow notices reach people as in-app notifications (`GET /me/notifications`): the assignee
of a new task, the initiator when the flow finishes, those copied; each only their own."""

from __future__ import annotations

from credit_flow import API, application, credit_app, decide, submit
from fastapi.testclient import TestClient

from conftest import Users


def notices(client: TestClient) -> list[dict[str, str]]:
    response = client.get(f"{API}/me/notifications")
    assert response.status_code == 200, response.text
    return [
        {"kind": item["kind"], "title": item["title"], "link": item["link"]}
        for item in response.json()["items"]
    ]


def test_assignees_initiators_and_copied_users_are_notified_in_app(
    client: TestClient, users: Users
) -> None:
    bank = credit_app(client, users)
    started = submit(bank, application(bank, "50000.00"))
    link = f"/flow-instances/{started['id']}"
    assert notices(bank["president"]) == [
        {
            "kind": "flow.assigned",
            "title": "A task of flow `large_credit` is waiting for you",
            "link": link,
        }
    ]
    assert notices(bank["risk1"]) == []  # a small credit never reaches risk
    decide(bank["president"])
    assert [n["kind"] for n in notices(bank["cm1"])] == ["flow.assigned"]
    for member in ("cm1", "cm2"):
        decide(bank[member])
    finished = decide(bank["cm3"])  # 3 of 5 for: decided early
    assert finished["status"] == "approved"
    assert [n["kind"] for n in notices(bank["rm"])] == ["flow.finished"]
    assert [n["kind"] for n in notices(bank["auditor"])] == ["flow.cc"]
    unread = bank["president"].get(f"{API}/me/notifications", params={"unread": True})
    assert unread.json()["unread_count"] == 1
