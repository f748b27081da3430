"""The approval inbox pages over HTTP, on SQLite and PostgreSQL: tabs with counts, the task
page as the step shows the record, decisions through the flow service (CSRF, the task's
version), refusals shown on the page, and batch approval after a confirmation."""

from __future__ import annotations

import re

from credit_flow import (
    API,
    Bank,
    act,
    application,
    credit_app,
    credit_flow,
    decide,
    submit,
    todo,
)
from fastapi.testclient import TestClient

from conftest import Users


def opened(client: TestClient, url: str) -> str:
    response = client.get(url, headers={"Accept-Language": "en"})
    assert response.status_code == 200, response.text
    assert "script-src 'self'" in response.headers["content-security-policy"]
    return response.text


def token(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


def test_the_inbox_lists_the_tasks_and_a_decision_moves_them(
    client: TestClient, users: Users
) -> None:
    bank = credit_app(client, users)
    record = application(bank, "50000.00")
    submit(bank, record)
    president = bank["president"]
    (task,) = todo(president)
    inbox = opened(president, "/inbox")
    assert re.search(r'id="tab-todo">To do <span class="count">1</span>', inbox)
    assert f'href="/inbox/tasks/{task["id"]}">ACME</a>' in inbox
    assert 'id="inbox-link">Inbox <span class="count"' in inbox
    page = opened(president, f"/inbox/tasks/{task['id']}")
    assert "ACME" in page
    assert 'id="approve"' in page
    assert "Submitted" in page
    # nobody else sees it
    outsider = bank["outsider"].get(f"/inbox/tasks/{task['id']}")
    assert outsider.status_code == 404
    assert outsider.headers["content-type"].startswith("text/html")
    # a forged decision is refused
    president.headers.pop("X-CSRF-Token", None)
    forged = president.post(
        f"/inbox/tasks/{task['id']}", data={"csrf_token": "x", "action": "approve"}
    )
    assert forged.status_code == 403
    decided = president.post(
        f"/inbox/tasks/{task['id']}",
        data={
            "csrf_token": token(page),
            "action": "approve",
            "comment": "Fine by the branch",
            "version": str(task["version"]),
        },
        follow_redirects=False,
    )
    assert decided.status_code == 303, decided.text
    assert decided.headers["location"] == "/inbox?tab=done&message=approve"
    done = opened(president, "/inbox?tab=done&message=approve")
    assert 'id="inbox-message"' in done
    assert re.search(r'id="tab-todo">To do <span class="count">0</span>', done)
    instance = president.get(f"{API}/flow-instances/{task['instance']}").json()
    approvals = [step for step in instance["timeline"] if step["action"] == "approved"]
    assert approvals[0]["actor"] == "president"
    assert approvals[0]["comment"] == "Fine by the branch"
    again = president.post(
        f"/inbox/tasks/{task['id']}",
        data={"csrf_token": token(page), "action": "approve", "version": str(task["version"])},
        headers={"Accept-Language": "en"},
    )
    assert again.status_code == 200, "the page again, with the reason"
    assert 'id="task-problem"' in again.text


def test_the_inbox_names_only_the_records_its_reader_may_read(
    client: TestClient, users: Users
) -> None:
    bank = credit_app(client, users)
    customers = {}
    for customer, amount in (("ACME", "2000000.00"), ("Globex", "50000.00")):
        record = application(bank, amount, customer=customer)
        submit(bank, record)
        customers[record["id"]] = customer
    president = bank["president"]
    inbox = opened(president, "/inbox")
    tasks = todo(president)
    for task in tasks:
        title = customers[task["flow"]["record"]]
        assert f'href="/inbox/tasks/{task["id"]}">{title}</a>' in inbox
    (large,) = [task for task in tasks if customers[task["flow"]["record"]] == "ACME"]
    assert act(president, large).status_code == 200
    # risk reads only its own records (none of these), compliance all of them
    form = {"app": "credit", "form": "credit_application", "actions": ["read"]}
    users.role("risk_officer", [{**form, "rows": "own"}])
    users.role("compliance_officer", [{**form, "rows": "all"}])
    for person, shown in (("risk1", False), ("comp1", True)):
        (task,) = todo(bank[person])
        inbox = opened(bank[person], "/inbox")
        assert f'href="/inbox/tasks/{task["id"]}">' in inbox
        assert (f'href="/inbox/tasks/{task["id"]}">ACME</a>' in inbox) is shown, person


def test_a_transfer_needs_a_user_and_is_said_so(client: TestClient, users: Users) -> None:
    bank = credit_app(client, users)
    submit(bank, application(bank, "50000.00"))
    president = bank["president"]
    (task,) = todo(president)
    page = opened(president, f"/inbox/tasks/{task['id']}")
    refused = president.post(
        f"/inbox/tasks/{task['id']}",
        data={"csrf_token": token(page), "action": "transfer", "to": ""},
        headers={"Accept-Language": "en"},
    )
    assert refused.status_code == 200
    assert "name the user who takes the task" in refused.text
    chinese = president.post(
        f"/inbox/tasks/{task['id']}",
        data={"csrf_token": token(page), "action": "transfer", "to": " "},
        headers={"Accept-Language": "zh-CN"},
    )
    assert "请填写接手任务的用户" in chinese.text
    assert todo(president), "nothing happened"


def test_where_a_page_asks_for_a_user_typing_part_of_a_name_suggests_the_active_users(
    client: TestClient, users: Users
) -> None:
    bank = credit_app(client, users)
    submit(bank, application(bank, "50000.00"))
    president = bank["president"]
    (task,) = todo(president)
    repo = users.identities.repo
    repo.user_by_username(users.session, "risk1").display_name = "Wang Risk (Head office)"
    repo.user_by_username(users.session, "comp1").display_name = "Wang Compliance"
    repo.user_by_username(users.session, "comp1").status = "disabled"
    users.session.commit()
    page = opened(president, f"/inbox/tasks/{task['id']}")
    # the hand-over and delegate inputs look up who is meant as they are typed in
    for name, list_id in (("to", "to-people"), ("delegate_to", "delegate-to-people")):
        assert re.search(
            rf'<input id="[a-z-]+" name="{name}" [^>]*list="{list_id}" '
            rf'hx-get="/people/options" hx-trigger="input changed delay:250ms" '
            rf'hx-target="#{list_id}"',
            page,
        ), name
        assert f'<datalist id="{list_id}"></datalist>' in page

    def options(**typed: str) -> list[tuple[str, str]]:
        response = president.get("/people/options", params=typed)
        assert response.status_code == 200, response.text
        return re.findall(r'<option value="([^"]*)">([^<]*)</option>', response.text)

    # by display name, whatever the case, under the input's own name; a disabled user is not
    # suggested
    assert options(to="wang") == [("risk1", "Wang Risk (Head office)")]
    assert options(delegate_to="RISK") == [("risk1", "Wang Risk (Head office)")]
    # by user name, shown with the user name when there is no display name
    assert options(assignee="cm") == [(f"cm{n}", f"cm{n}") for n in range(1, 6)]
    # wildcards are taken literally; blank, overlong or NUL text suggests nobody
    for typed in ("%", "_isk", " ", "x" * 129, "risk\x00"):
        assert options(to=typed) == [], typed
    # only a signed-in user looks people up
    anonymous = TestClient(client.app, raise_server_exceptions=False)
    asked = anonymous.get("/people/options", params={"to": "risk"}, follow_redirects=False)
    assert asked.status_code == 303
    assert asked.headers["location"] == "/login?next=%2Fpeople%2Foptions%3Fto%3Drisk"


def test_batch_approval_asks_for_a_confirmation_first(client: TestClient, users: Users) -> None:
    bank = credit_app(client, users)
    for customer in ("ACME", "Globex"):
        submit(bank, application(bank, "50000.00", customer=customer))
    president = bank["president"]
    tasks = todo(president)
    assert len(tasks) == 2
    inbox = opened(president, "/inbox")
    ids = [str(task["id"]) for task in tasks]
    asked = president.post(
        "/inbox/batch",
        data={"csrf_token": token(inbox), "task": ids},
        headers={"Accept-Language": "en"},
    )
    assert asked.status_code == 200
    assert "These 2 tasks will be approved:" in asked.text
    assert len(todo(president)) == 2, "nothing approved before the confirmation"
    confirmed = president.post(
        "/inbox/batch",
        data={"csrf_token": token(inbox), "task": ids, "confirmed": "yes", "comment": "ok"},
        headers={"Accept-Language": "en"},
    )
    assert confirmed.status_code == 200
    assert "2 tasks approved." in confirmed.text
    assert todo(president) == []


def test_pages_name_people_by_their_display_names(client: TestClient, users: Users) -> None:
    bank = credit_app(client, users)
    repo = users.identities.repo
    repo.user_by_username(users.session, "rm").display_name = "李娜 (客户经理)"
    repo.user_by_username(users.session, "president").display_name = "赵伟 (行长)"
    users.session.commit()
    record = application(bank, "50000.00")
    submit(bank, record)
    president = bank["president"]
    (task,) = todo(president)
    assert "<td>李娜 (客户经理)</td>" in opened(president, "/inbox")
    page = opened(president, f"/inbox/tasks/{task['id']}")
    assert "submitted by 李娜 (客户经理) on" in page
    assert "<strong>李娜 (客户经理)</strong>" in page  # the timeline's submission
    decide(president, comment="fine")
    shown = opened(bank["rm"], f"/apps/credit/forms/credit_application/records/{record['id']}")
    assert re.search(r"Created [^<]* by 李娜 \(客户经理\)", shown)
    assert "started by 李娜 (客户经理) on" in shown
    # the approval in the timeline, at its step (a step without a label is not named)
    assert "<strong>赵伟 (行长)</strong> · Branch president review · " in shown
    assert re.search(r'<p><strong>李娜 \(客户经理\)</strong> · [^<]* · <span class="badge">', shown)
    assert ">rm<" not in shown
    assert ">president<" not in shown


def test_the_task_page_names_the_steps_a_task_may_be_returned_to(
    client: TestClient, users: Users
) -> None:
    bank = credit_app(client, users)
    submit(bank, application(bank, "50000.00"))
    decide(bank["president"])
    member = bank["cm1"]
    (task,) = todo(member)
    page = opened(member, f"/inbox/tasks/{task['id']}")
    assert "</strong> · Branch president review · " in page  # the timeline names the step
    targets = re.search(r'<select id="target" name="target">(.*?)</select>', page, re.S)
    assert targets is not None
    assert re.findall(r'<option value="([^"]*)">([^<]*)</option>', targets.group(1)) == [
        ("branch_review", "Branch president review"),
        ("initiator", "the submitter"),
    ]


def test_a_record_page_starts_its_flow_and_shows_where_it_is(
    client: TestClient, users: Users
) -> None:
    bank = credit_app(client, users)
    label = {"en": "Large credit approval", "zh-CN": "大额授信审批"}
    renamed = bank.admin.put(
        f"{API}/apps/credit/definitions/flow/large_credit",
        json={"label": label, "spec": credit_flow()},
    )
    assert renamed.status_code == 200, renamed.text
    record = application(bank, "50000.00")
    rm = bank["rm"]
    url = f"/apps/credit/forms/credit_application/records/{record['id']}"
    before = opened(rm, url)
    assert "No flow has run on this record." in before
    # flows are offered by their labels, on the record and for chosen rows of the list
    offered = '<option value="large_credit">Large credit approval</option>'
    assert offered in before
    assert offered in opened(rm, "/apps/credit/forms/credit_application")
    started = rm.post(
        f"{url}/flows",
        data={"csrf_token": token(before), "flow": "large_credit"},
        follow_redirects=False,
    )
    assert started.status_code == 303, started.text
    after = opened(rm, url)
    assert '<strong>Large credit approval</strong> <span class="badge info">Running</span>' in after
    assert '<title id="flow-1-title">Diagram of Large credit approval</title>' in after
    assert re.search(r'<li class="node active">[^<]+</li>', after)
    assert 'name="flow"' not in after, "one flow at a time"
    (task,) = todo(bank["president"])
    president = opened(bank["president"], url)
    assert f'href="/inbox/tasks/{task["id"]}" class="task-link"' in president


def flow_under_administration(client: TestClient, users: Users) -> tuple[Bank, TestClient, str]:
    """An application whose flow waits for the president; a client of `ops_admin`, who
    administers the app; the record's page."""
    bank = credit_app(client, users)
    admin = [{"app": "credit", "actions": ["admin", "read"], "rows": "all"}]
    ops = users.client("ops_admin", grants=admin)
    record = application(bank, "50000.00")
    submit(bank, record)
    return bank, ops, f"/apps/credit/forms/credit_application/records/{record['id']}"


def test_an_administrator_of_the_app_ends_a_flow_from_the_record_page(
    client: TestClient, users: Users
) -> None:
    bank, ops, url = flow_under_administration(client, users)
    assert "End this flow" not in opened(bank["rm"], url)  # the initiator withdraws instead
    page = opened(ops, url)
    assert "End this flow" in page
    action = re.search(r'action="([^"]+/terminate)"', page)
    version = re.search(r'name="expected_version" value="(\d+)"', page)
    assert action is not None
    assert version is not None
    ended = ops.post(
        action.group(1),
        data={
            "csrf_token": token(page),
            "expected_version": version.group(1),
            "reason": "opened twice by mistake",
        },
        follow_redirects=False,
    )
    assert ended.status_code == 303, ended.text
    assert todo(bank["president"]) == []
    after = opened(ops, url)
    assert 'class="badge info">Ended</span>' in after
    assert "opened twice by mistake" in after
    assert "End this flow" not in after
    short = ops.post(
        action.group(1),
        data={"csrf_token": token(after), "expected_version": version.group(1), "reason": "x"},
        headers={"Accept": "text/html"},
    )
    assert short.status_code == 422
    assert short.headers["content-type"].startswith("text/html")


def test_an_administrator_of_the_app_gives_a_task_to_someone_else_from_the_record_page(
    client: TestClient, users: Users
) -> None:
    bank, ops, url = flow_under_administration(client, users)
    assert "Give a task to someone else" not in opened(bank["president"], url)
    page = opened(ops, url)
    (task,) = todo(bank["president"])
    action = f"{url}/tasks/{task['id']}/reassign"
    assert f'action="{action}"' in page
    picker = f"reassign-to-{task['id']}-people"
    assert f'list="{picker}" hx-get="/people/options"' in page
    given = ops.post(
        action,
        data={
            "csrf_token": token(page),
            "expected_version": str(task["version"]),
            "to": "risk1",
            "reason": "the president is on leave",
        },
        follow_redirects=False,
    )
    assert given.status_code == 303, given.text
    assert todo(bank["president"]) == []
    assert [t["node"] for t in todo(bank["risk1"])] == ["branch_review"]
    after = opened(ops, url)
    assert '<span class="badge">Reassigned</span> — the president is on leave' in after
    stale = ops.post(
        action,
        data={
            "csrf_token": token(after),
            "expected_version": str(task["version"]),
            "to": "cm1",
            "reason": "the president is on leave",
        },
        headers={"Accept": "text/html"},
    )
    assert stale.status_code == 409  # that task is closed: the page says so
    assert stale.headers["content-type"].startswith("text/html")
    assert [t["node"] for t in todo(bank["risk1"])] == ["branch_review"]


def test_an_administrator_hands_a_leaver_s_tasks_over_on_the_open_tasks_page(
    client: TestClient, users: Users
) -> None:
    bank, ops, _url = flow_under_administration(client, users)
    submit(bank, application(bank, "60000.00", customer="Globex"))
    page = "/apps/credit/flow-tasks"
    assert 'id="app-tasks-link"' not in opened(bank["president"], "/inbox")
    assert bank["president"].get(page).status_code == 403
    president = users.identities.repo.user_by_username(users.session, "president")
    president.display_name = "Zhao Wei (North)"
    users.session.commit()
    listed = opened(ops, f"{page}?assignee=president")
    assert 'id="app-tasks-link"' in listed
    # each holder by display name (the user name on hover); the submitter has none
    assert listed.count('<td title="president">Zhao Wei (North)</td>') == 2
    assert listed.count("<td>rm</td>") == 2
    for picker in ("held-by", "handover-from", "handover-to"):  # each suggests people
        assert f'list="{picker}-people" hx-get="/people/options"' in listed
    assert re.search(r'id="handover-from" name="from" value="president"', listed)
    assert "No task waits here." in opened(ops, f"{page}?assignee=risk1")
    done = ops.post(
        f"{page}/handover",
        data={
            "csrf_token": token(listed),
            "from": "president",
            "to": "risk1",
            "reason": "the president retired",
        },
        headers={"Accept-Language": "en"},
    )
    assert done.status_code == 200, done.text
    assert "2 tasks handed over." in done.text
    assert "No task waits here." in done.text  # the president holds nothing any more
    assert len(todo(bank["risk1"])) == 2
    refused = ops.post(
        f"{page}/handover",
        data={"csrf_token": token(done.text), "from": "risk1", "to": "ghost", "reason": "moved on"},
        headers={"Accept-Language": "en"},
    )
    assert "0 tasks handed over." in refused.text
    assert "2 tasks were refused:" in refused.text
    assert "`ghost` is not an active user" in refused.text
    short = ops.post(
        f"{page}/handover",
        data={"csrf_token": token(done.text), "from": "risk1", "to": "cm1", "reason": "bye"},
        headers={"Accept-Language": "en"},
    )
    assert short.status_code == 422
    assert 'id="problem"' in short.text
    assert len(todo(bank["risk1"])) == 2


def test_a_flow_s_status_and_every_line_of_its_timeline_read_in_the_reader_s_language(
    client: TestClient, users: Users
) -> None:
    bank = credit_app(client, users)
    record = application(bank, "50000.00")
    started = submit(bank, record)
    returned = decide(bank["president"], "return", target="initiator")
    again = bank["rm"].post(
        f"{API}/flow-instances/{started['id']}/resubmit",
        json={"expected_version": returned["version"]},
    )
    assert again.status_code == 200, again.text
    (task,) = todo(bank["president"])
    assert act(bank["president"], task, "transfer", to="risk1").status_code == 200
    urged = bank["rm"].post(
        f"{API}/flow-instances/{started['id']}/urge", headers={"Idempotency-Key": "urge-1"}
    )
    assert urged.status_code == 200, urged.text
    url = f"/apps/credit/forms/credit_application/records/{record['id']}"
    page = bank["rm"].get(url, headers={"Accept-Language": "zh-CN"}).text
    assert page.count('<span class="badge info">进行中</span>') == 2  # the record's and its flow's
    flows = page[page.index('id="flows-title"') : page.index('id="history-title"')]
    names = re.findall(r'<span class="badge">([^<]*)</span>', flows)
    assert names == ["提交", "退回", "重新提交", "转交", "催办"]
    (task,) = todo(bank["risk1"])
    chinese = {"Accept-Language": "zh-CN"}
    task_page = bank["risk1"].get(f"/inbox/tasks/{task['id']}", headers=chinese).text
    timeline = task_page[task_page.index('id="timeline"') :]
    assert re.findall(r'<span class="badge">([^<]*)</span>', timeline)[:5] == names


def test_during_a_flow_the_edit_page_lets_an_assignee_change_only_the_fields_of_the_step(
    client: TestClient, users: Users
) -> None:
    from credit_flow import RECORDS

    review = {
        "id": "branch_review",
        "type": "approval",
        "assignees": [{"type": "department_head", "of": "initiator"}],
        "mode": "or",
        "field_permissions": {"risk_note": "write"},
    }
    bank = credit_app(client, users, flow=credit_flow(branch_review=review))
    record = application(bank, "50000.00")
    president = bank["president"]
    edit = f"/apps/credit/forms/credit_application/records/{record['id']}/edit"
    before = opened(president, edit)
    assert 'id="step-fields"' not in before, "no flow yet: the roles decide"
    assert 'name="f.amount"' in before
    submit(bank, record)
    during = opened(president, edit)
    assert 'id="step-fields"' in during
    assert 'name="f.risk_note"' in during
    assert 'name="f.amount"' not in during, "shown read-only"
    saved = president.post(
        edit,
        data={"f.risk_note": "collateral checked", "f.amount": "90000.00", "version": "1"},
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    stored = president.get(f"{RECORDS}/{record['id']}").json()
    assert (stored["risk_note"], stored["amount"]) == ("collateral checked", "50000.00")
    # someone without a task in the flow edits as their roles allow
    assert 'id="step-fields"' not in opened(bank["rm"], edit)


def test_the_task_page_adds_approvers_delegates_and_abstains_as_the_step_allows(
    client: TestClient, users: Users
) -> None:
    from credit_flow import credit_flow

    review = {
        "id": "branch_review",
        "type": "approval",
        "assignees": [{"type": "department_head", "of": "initiator"}],
        "mode": "or",
        "allow": ["delegate", "add_signer"],
    }
    bank = credit_app(client, users, flow=credit_flow(branch_review=review))
    submit(bank, application(bank, "50000.00"))
    president = bank["president"]
    (task,) = todo(president)
    url = f"/inbox/tasks/{task['id']}"
    html = opened(president, url)
    assert 'id="add-signer"' in html
    assert 'name="delegate_to"' in html
    empty = president.post(
        url, data={"action": "add-signer", "signers": "", "version": task["version"]}
    )
    assert "请填写要加签的用户及加签位置" in empty.text
    added = president.post(
        url,
        data={
            "action": "add-signer",
            "signers": "risk1",
            "position": "before",
            "version": task["version"],
            "comment": "risk should look first",
        },
        follow_redirects=False,
    )
    assert added.status_code == 303, added.text
    (first_task,) = todo(bank["risk1"])
    approved = bank["risk1"].post(
        f"/inbox/tasks/{first_task['id']}",
        data={"action": "approve", "version": first_task["version"]},
        follow_redirects=False,
    )
    assert approved.status_code == 303
    (back,) = todo(president)
    delegated = president.post(
        f"/inbox/tasks/{back['id']}",
        data={"action": "delegate", "delegate_to": "comp1", "to": "", "version": back["version"]},
        follow_redirects=False,
    )
    assert delegated.status_code == 303, delegated.text
    assert delegated.headers["location"] == "/inbox?tab=done&message=delegate"
    assert [t["node"] for t in todo(bank["comp1"])] == ["branch_review"]
    # the committee votes: a member abstains from the page
    (acting,) = todo(bank["comp1"])
    assert opened(bank["comp1"], f"/inbox/tasks/{acting['id']}")
    bank["comp1"].post(
        f"/inbox/tasks/{acting['id']}", data={"action": "approve", "version": acting["version"]}
    )
    (decide_now,) = todo(president)
    president.post(
        f"/inbox/tasks/{decide_now['id']}",
        data={"action": "approve", "version": decide_now["version"]},
    )
    (vote,) = todo(bank["cm1"])
    ballot = opened(bank["cm1"], f"/inbox/tasks/{vote['id']}")
    assert 'id="abstain"' in ballot
    abstained = bank["cm1"].post(
        f"/inbox/tasks/{vote['id']}",
        data={"action": "abstain", "version": vote["version"]},
        follow_redirects=False,
    )
    assert abstained.status_code == 303, abstained.text
    assert todo(bank["cm1"]) == []
    done = opened(bank["cm1"], "/inbox?tab=done&message=abstain")
    assert "Abstained." in done


def test_a_chinese_reader_is_told_in_chinese_why_a_flow_command_was_refused(
    client: TestClient, users: Users
) -> None:
    """Refusals from the flow engine and the platform read in the page's language (they were
    English on zh-CN pages); the API answers in English unless its client asks for Chinese."""
    bank, ops, _url = flow_under_administration(client, users)
    chinese = {"Accept-Language": "zh-CN"}
    president = bank["president"]
    (task,) = todo(president)
    page = president.get(f"/inbox/tasks/{task['id']}", headers=chinese).text
    stale = president.post(
        f"/inbox/tasks/{task['id']}",
        data={"csrf_token": token(page), "action": "approve", "version": str(task["version"] + 1)},
        headers=chinese,
    )
    assert stale.status_code == 200
    assert (
        f"任务 {task['task']} 在您打开后已有变化（当前第 {task['version']} 版，"
        f"您看到的是第 {task['version'] + 1} 版），可能已有他人办理：请刷新后再操作"
    ) in stale.text
    # the API: English by default, Chinese when asked, in `detail` and in the item
    url = f"{API}/tasks/{task['id']}/approve"
    body = {"expected_version": task["version"] + 1}
    english = president.post(url, json=body).json()
    assert english["code"] == "flow_stale"
    assert english["detail"].startswith(f"task `{task['task']}` is at version")
    assert english["errors"][0]["message"] == english["detail"]
    asked = president.post(url, json=body, headers=chinese).json()
    assert asked["detail"].startswith(f"任务 {task['task']} 在您打开后已有变化")
    assert asked["errors"][0]["message"] == asked["detail"]
    assert asked["code"] == english["code"]
    # a hand-over: each refused task and a reason too short say why in Chinese
    listed = ops.get("/apps/credit/flow-tasks", headers=chinese).text
    refused = ops.post(
        "/apps/credit/flow-tasks/handover",
        data={
            "csrf_token": token(listed),
            "from": "president",
            "to": "ghost",
            "reason": "调岗工作交接",
        },
        headers=chinese,
    )
    assert refused.status_code == 200
    assert "ghost 不是启用中的用户" in refused.text
    assert "is not an active user" not in refused.text
    short = ops.post(
        "/apps/credit/flow-tasks/handover",
        data={"csrf_token": token(listed), "from": "president", "to": "risk1", "reason": " 离职 "},
        headers=chinese,
    )
    assert short.status_code == 422
    assert "请写明把任务交给他人的原因（至少 5 个可见字符）" in short.text
    # a page refused for want of a grant says so in Chinese, with the stable code
    denied = president.get("/apps/credit/flow-tasks", headers=chinese)
    assert denied.status_code == 403
    assert "您无权管理应用 credit：您的角色都没有这项权限，请联系安全管理员" in denied.text
    assert "<code>permission_denied</code>" in denied.text
    assert todo(president) == [task], "nothing happened"


def test_a_step_without_a_label_is_named_by_its_type_in_the_reader_s_language(
    client: TestClient, users: Users
) -> None:
    """Risk review has no label: the inbox and the task page named it by its id (`risk`)."""
    bank = credit_app(client, users)
    submit(bank, application(bank, "2000000.00"))
    (president_task,) = todo(bank["president"])
    assert act(bank["president"], president_task).status_code == 200
    risk = bank["risk1"]
    (task,) = todo(risk)
    assert task["node"] == "risk"
    chinese = {"Accept-Language": "zh-CN"}
    inbox = risk.get("/inbox", headers=chinese).text
    assert "<td>审批</td>" in inbox
    assert "<td>risk</td>" not in inbox
    page = risk.get(f"/inbox/tasks/{task['id']}", headers=chinese).text
    assert '<span class="badge info">审批</span>' in page
    assert '<span class="badge info">Approval</span>' in opened(risk, f"/inbox/tasks/{task['id']}")
