"""The notifications page over HTTP, on SQLite and PostgreSQL: what flows tell a user reads in
their language with the flow's label and the record's title, the top bar counts the unread
ones, opening one marks it read and leads to the task (or the record), and marking read is
only ever a POST with the session's CSRF token, on one's own notices."""

from __future__ import annotations

import re

from credit_flow import API, act, application, credit_app, submit, todo
from fastapi.testclient import TestClient

from conftest import Users

CHINESE = {"Accept-Language": "zh-CN"}
ENGLISH = {"Accept-Language": "en"}


def token(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


def notice_ids(html: str) -> list[int]:
    return [int(found) for found in re.findall(r'id="notice-(\d+)"', html)]


def test_a_flow_s_notices_lead_to_the_task_and_read_in_the_reader_s_language(
    client: TestClient, users: Users
) -> None:
    bank = credit_app(client, users)
    record = application(bank, "50000.00", customer="Globex")
    submit(bank, record)
    president = bank["president"]
    (task,) = todo(president)
    page = president.get("/notifications", headers=CHINESE)
    assert page.status_code == 200
    html = page.text
    assert re.search(r'id="notifications-link">消息 <span class="count"[^>]*>1</span>', html)
    assert "large_credit：有一项任务等您办理" in html  # the flow has no label: its key
    assert "Globex · credit_application" in html
    assert '<span class="badge info">待办</span>' in html
    (notice,) = notice_ids(html)
    english = president.get("/notifications", headers=ENGLISH).text
    assert "large_credit: a task waits for you" in english
    # opening it marks it read and leads to the task
    opened = president.post(
        f"/notifications/{notice}/open",
        data={"csrf_token": token(html)},
        follow_redirects=False,
    )
    assert opened.status_code == 303
    assert opened.headers["location"] == f"/inbox/tasks/{task['id']}"
    after = president.get("/notifications", headers=CHINESE).text
    assert 'id="notifications-link">消息</a>' in after  # no count any more
    assert 'class="notice unread"' not in after
    assert "消息都已读。" in president.get("/notifications?unread=true", headers=CHINESE).text
    # once the task is decided, the same notice leads to the record
    assert act(president, task).status_code == 200
    again = president.post(
        f"/notifications/{notice}/open", data={"csrf_token": token(html)}, follow_redirects=False
    )
    record_page = f"/apps/credit/forms/credit_application/records/{record['id']}"
    assert again.headers["location"] == record_page


def test_the_initiator_is_told_when_the_flow_finishes_and_marks_everything_read(
    client: TestClient, users: Users
) -> None:
    bank = credit_app(client, users)
    submit(bank, application(bank, "50000.00", customer="ACME"))
    president = bank["president"]
    (task,) = todo(president)
    assert act(president, task, "reject", comment="no collateral").status_code == 200
    rm = bank["rm"]
    html = rm.get("/notifications", headers=CHINESE).text
    assert "large_credit 已办结" in html
    assert "ACME · credit_application · 驳回 · " in html
    assert 'id="read-all"' in html
    done = rm.post(
        "/notifications/read-all", data={"csrf_token": token(html)}, follow_redirects=False
    )
    assert (done.status_code, done.headers["location"]) == (303, "/notifications")
    assert rm.get(f"{API}/me/notifications?unread=true").json()["unread_count"] == 0
    assert 'id="read-all"' not in rm.get("/notifications", headers=CHINESE).text


def test_a_rule_s_notice_shows_what_its_rule_wrote_and_leads_to_its_record(
    client: TestClient, users: Users
) -> None:
    bank = credit_app(client, users)
    record = application(bank, "50000.00")
    link = f"/apps/credit/forms/credit_application/records/{record['id']}"
    service = users.app.state.notifications
    service.notify(
        users.session,
        ["rm"],
        app_key="credit",
        kind="rule",
        title="大额申请待复核",
        body="金额 50000.00，请尽快复核",
        link=link,
    )
    service.notify(users.session, ["rm"], app_key=None, kind="test", title="plain", body="")
    users.session.commit()
    rm = bank["rm"]
    html = rm.get("/notifications", headers=CHINESE).text
    assert "大额申请待复核" in html
    assert "金额 50000.00，请尽快复核" in html
    assert '<span class="badge info">通知</span>' in html
    rule_notice, plain = sorted(notice_ids(html))
    opened = rm.post(
        f"/notifications/{rule_notice}/open",
        data={"csrf_token": token(html)},
        follow_redirects=False,
    )
    assert opened.headers["location"] == link
    stays = rm.post(
        f"/notifications/{plain}/open", data={"csrf_token": token(html)}, follow_redirects=False
    )
    assert stays.headers["location"] == "/notifications"


def test_marking_read_needs_the_session_s_token_and_one_s_own_notice(
    client: TestClient, users: Users
) -> None:
    bank = credit_app(client, users)
    submit(bank, application(bank, "50000.00"))
    president = bank["president"]
    html = president.get("/notifications").text
    (notice,) = notice_ids(html)
    president.headers.pop("X-CSRF-Token", None)
    forged = president.post(f"/notifications/{notice}/open", data={"csrf_token": "x"})
    assert forged.status_code == 403
    outsider = bank["outsider"]
    outsider.headers.pop("X-CSRF-Token", None)
    theirs = outsider.get("/notifications").text
    assert notice_ids(theirs) == []
    assert "No notifications yet." in outsider.get("/notifications", headers=ENGLISH).text
    refused = outsider.post(
        f"/notifications/{notice}/open", data={"csrf_token": token(theirs)}, headers=ENGLISH
    )
    assert refused.status_code == 404
    assert "notification_not_found" in refused.text
    assert president.get(f"{API}/me/notifications").json()["unread_count"] == 1, "still unread"
    anonymous = TestClient(client.app).get("/notifications", follow_redirects=False)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"].startswith("/login")
