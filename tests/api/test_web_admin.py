"""The administration pages over HTTP, on SQLite and PostgreSQL: users, departments, roles with
their permission matrix, security settings (security administrator), the audit log (audit
administrator), one's own API tokens and the search across forms; the same services, checks and
audit as the API; refusals as pages that say why, nothing half saved."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from test_web_pages import APP, CLERK, FIELDS, PAGE, page, wealth  # noqa: F401 (a fixture)

from conftest import TEST_PASSWORD, Users

API = "/api/v1"
EN = {"Accept-Language": "en"}
NEW_PASSWORD = "Initial-pass-2026"


@pytest.fixture
def security(users: Users) -> TestClient:
    return users.client("sec.admin", roles=("security_admin",))


@pytest.fixture
def auditor(users: Users) -> TestClient:
    return users.client("auditor", roles=("audit_admin",))


def refused(client: TestClient, url: str, status: int = 403) -> str:
    answer = client.get(url, headers=EN)
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("text/html")
    return answer.text


def test_only_the_administrators_reach_their_pages(
    security: TestClient, auditor: TestClient, users: Users
) -> None:
    clerk = users.client("clerk", grants=[])
    for url in ("/admin/users", "/admin/departments", "/admin/roles", "/admin/settings"):
        assert "security administrator" in refused(clerk, url)
        assert "security administrator" in refused(auditor, url), "duties stay apart"
        page(security, url, headers=EN)
    for url in ("/admin/audit", "/admin/audit/verify"):
        assert "audit administrator" in refused(clerk, url)
        assert "audit administrator" in refused(security, url)
        page(auditor, url, headers=EN)
    assert 'id="admin-link"' in page(security, "/apps")
    assert "角色与权限" in page(security, "/admin/roles", headers={"Accept-Language": "zh-CN"})
    assert 'id="admin-link"' not in page(clerk, "/apps")
    first = security.get("/admin", follow_redirects=False)
    assert first.headers["location"] == "/admin/users"
    assert auditor.get("/admin", follow_redirects=False).headers["location"] == "/admin/audit"
    assert clerk.get("/admin", follow_redirects=False).status_code == 403


def test_a_user_is_created_with_roles_and_departments_and_a_bad_one_is_refused_by_field(
    security: TestClient, users: Users
) -> None:
    users.department("head_office")
    users.department("branch_sh", parent="head_office")
    users.role("teller", [])
    bad = security.post(
        "/admin/users",
        data={"username": "li.lei", "password": "short", "roles": ["nope"]},
        headers=EN,
    )
    assert bad.status_code == 200
    assert 'id="roles-error"' in bad.text
    assert "there is no role &#39;nope&#39;" in bad.text
    assert 'value="li.lei"' in bad.text, "what was typed stays"
    weak = security.post(
        "/admin/users", data={"username": "li.lei", "password": "short"}, headers=EN
    )
    assert weak.status_code == 200
    assert 'id="password-error"' in weak.text
    assert security.get(f"{API}/users/li.lei").status_code == 404, "nothing saved"
    made = security.post(
        "/admin/users",
        data={
            "username": "li.lei",
            "display_name": "Li Lei",
            "email": "li.lei@example.cn",
            "password": NEW_PASSWORD,
            "roles": ["teller"],
            "departments": ["head_office", "branch_sh"],
            "primary": "branch_sh",
        },
        follow_redirects=False,
    )
    assert made.status_code == 303, made.text
    assert made.headers["location"] == "/admin/users/li.lei?done=created"
    stored = security.get(f"{API}/users/li.lei").json()
    assert stored["roles"] == ["teller"]
    assert stored["must_change_password"] is True
    assert {(d["key"], d["primary"]) for d in stored["departments"]} == {
        ("head_office", False),
        ("branch_sh", True),
    }
    detail = page(security, "/admin/users/li.lei?done=created", headers=EN)
    assert "The user was created." in detail
    assert "Must change password" in detail
    listed = page(security, "/admin/users?q=li&role=teller", headers=EN)
    assert 'href="/admin/users/li.lei"' in listed
    assert "1 user" in listed
    assert "li.lei" not in page(security, "/admin/users?status=disabled", headers=EN)


def test_a_users_roles_departments_and_access_change_from_their_page(
    security: TestClient, users: Users, anonymous_client: TestClient
) -> None:
    users.department("ops")
    users.role("teller", [])
    users.user("han", roles=("teller",))
    url = "/admin/users/han"
    for data, location in (
        ({"action": "roles", "roles": []}, f"{url}?done=roles"),
        ({"action": "departments", "departments": ["ops"], "primary": "ops"}, None),
        ({"action": "profile", "display_name": "Han Meimei", "email": ""}, None),
        ({"action": "disable"}, None),
    ):
        done = security.post(url, data=data, follow_redirects=False)
        assert done.status_code == 303, done.text
        if location:
            assert done.headers["location"] == location
    stored = security.get(f"{API}/users/han").json()
    assert stored["roles"] == []
    assert stored["departments"][0]["key"] == "ops"
    assert stored["display_name"] == "Han Meimei"
    assert stored["status"] == "disabled"
    signing = anonymous_client.post(
        f"{API}/auth/login", json={"username": "han", "password": TEST_PASSWORD}
    )
    assert signing.status_code == 401, "a disabled account cannot sign in"
    assert "Disabled" in page(security, url, headers=EN)
    assert security.post(url, data={"action": "enable"}, follow_redirects=False).status_code == 303
    weak = security.post(url, data={"action": "password", "new_password": "abc"}, headers=EN)
    assert weak.status_code == 200
    assert 'id="new_password-error"' in weak.text
    myself = security.post("/admin/users/sec.admin", data={"action": "disable"}, headers=EN)
    assert myself.status_code == 200
    assert "you cannot disable your own account" in myself.text
    assert security.get(f"{API}/users/sec.admin").json()["status"] == "active"
    unknown = security.post(url, data={"action": "explode"}, headers=EN)
    assert unknown.status_code == 200
    assert "unknown action" in unknown.text


def test_a_change_without_the_pages_csrf_token_is_refused(security: TestClient) -> None:
    stranger = TestClient(security.app, cookies=dict(security.cookies), follow_redirects=False)
    forged = stranger.post("/admin/users", data={"username": "x", "password": NEW_PASSWORD})
    assert forged.status_code == 403
    assert security.get(f"{API}/users/x").status_code == 404


def test_departments_are_made_moved_and_kept_while_they_have_members(
    security: TestClient, users: Users
) -> None:
    made = security.post(
        "/admin/departments",
        data={"key": "head_office", "name_zh": "总行", "name_en": "Head office"},
        follow_redirects=False,
    )
    assert made.status_code == 303, made.text
    for key, name in (("branch_sh", "Shanghai"), ("branch_bj", "Beijing")):
        data = {"key": key, "name_en": name, "parent": "head_office"}
        assert security.post("/admin/departments", data=data).status_code == 200
    nameless = security.post("/admin/departments", data={"key": "x_dept"}, headers=EN)
    assert nameless.status_code == 200
    assert 'role="alert"' in nameless.text
    moved = security.post(
        "/admin/departments/branch_bj",
        data={"action": "update", "parent": "branch_sh", "name_en": "Beijing"},
        follow_redirects=False,
    )
    assert moved.status_code == 303, moved.text
    tree = page(security, "/admin/departments", headers=EN)
    assert re.search(r'class="depth-2">\s*Beijing', tree), "below Shanghai now"
    loop = security.post(
        "/admin/departments/head_office",
        data={"action": "update", "parent": "branch_bj", "name_en": "Head office"},
        headers=EN,
    )
    assert loop.status_code == 200
    assert 'role="alert"' in loop.text
    users.user("zhang", departments=("branch_bj",))
    kept = security.post("/admin/departments/branch_bj", data={"action": "delete"}, headers=EN)
    assert kept.status_code == 200
    assert 'role="alert"' in kept.text
    assert any(d["key"] == "branch_bj" for d in security.get(f"{API}/departments").json())


def matrix_of(html: str) -> dict[str, list[str]]:
    """The matrix form as a browser would send it untouched: checked boxes and chosen options."""
    form = html[html.index('id="matrix-form"') :]
    form = form[: form.index("</form>")]
    sent: dict[str, list[str]] = {}
    for name, value in re.findall(
        r'<input type="checkbox" name="([^"]+)" value="([^"]+)"[^>]*\bchecked\b', form
    ):
        sent.setdefault(name, []).append(value)
    for name, options in re.findall(r'<select name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected', options)
        sent.setdefault(name, []).append(chosen.group(1) if chosen else "")
    sent["action"] = ["grants"]
    return sent


@pytest.mark.usefixtures("wealth")
def test_the_matrix_sets_a_roles_grants_and_they_hold_on_the_pages(
    security: TestClient, client: TestClient, users: Users
) -> None:
    users.role("advisor", [{"app": "*", "actions": ["read"], "rows": "own"}])
    users.user("wang", roles=("advisor",))
    html = page(security, "/admin/roles/advisor", headers=EN)
    assert 'id="row-wealth-customer"' in html
    assert '"app": "*"' in html, "a wildcard grant is listed as kept"
    sent = matrix_of(html)
    sent |= {
        "wealth.customer.actions": ["read", "create"],
        "wealth.customer.rows": ["all"],
        "wealth.customer.f.mobile": ["masked"],
        "wealth.customer.unmask": ["mobile"],
    }
    saved = security.post("/admin/roles/advisor", data=sent, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    grants = security.get(f"{API}/roles/advisor/permissions").json()
    assert grants[0] == {"app": "*", "actions": ["read"], "rows": "own"}, "kept as it was"
    customer = next(g for g in grants if g.get("form") == "customer")
    assert customer["actions"] == ["create", "read"]
    assert customer["rows"] == "all"
    assert customer["fields"] == {"mobile": "masked"}
    assert customer["unmask"] == ["mobile"]
    made = client.post(
        f"{APP}/forms/customer/records", json={"name": "Zhou", "mobile": "13812345678"}
    )
    assert made.status_code == 201, made.text
    seen = page(users.sign_in("wang"), PAGE, headers=EN)
    assert "138****5678" in seen
    assert "13812345678" not in seen
    # the matrix shows what is stored, and an untouched save changes nothing
    again = security.post(
        "/admin/roles/advisor", data=matrix_of(page(security, "/admin/roles/advisor"))
    )
    assert again.status_code == 200
    assert security.get(f"{API}/roles/advisor/permissions").json() == grants


@pytest.mark.usefixtures("wealth")
def test_a_matrix_the_permission_check_refuses_is_shown_on_its_row_and_nothing_is_saved(
    security: TestClient, client: TestClient, users: Users
) -> None:
    users.role("advisor", [])
    sent = matrix_of(page(security, "/admin/roles/advisor"))
    sent["wealth.customer.actions"] = ["update"]  # changing needs reading
    refused_save = security.post("/admin/roles/advisor", data=sent, headers=EN)
    assert refused_save.status_code == 200
    row = refused_save.text[refused_save.text.index('id="row-wealth-customer"') :]
    row = row[: row.index("</tr>")]
    assert "has-problem" in refused_save.text
    assert "also needs &#39;read&#39;" in row or "also needs 'read'" in row
    assert 'value="update" aria-label="Customer: Change" checked' in row, "the choice stays"
    assert security.get(f"{API}/roles/advisor/permissions").json() == []


@pytest.mark.usefixtures("wealth")
def test_the_matrix_follows_a_renamed_field(
    security: TestClient, client: TestClient, users: Users
) -> None:
    users.role("advisor", [])
    sent = matrix_of(page(security, "/admin/roles/advisor"))
    sent |= {"wealth.customer.actions": ["read"], "wealth.customer.f.mobile": ["hidden"]}
    assert security.post("/admin/roles/advisor", data=sent).status_code == 200
    renamed = [dict(f, key="cell") if f["key"] == "mobile" else f for f in FIELDS]
    saved = client.put(
        f"{APP}/definitions/form/customer", json={"label": "Customer", "spec": {"fields": renamed}}
    )
    assert saved.status_code == 200, saved.text
    assert client.post(f"{APP}/definitions/form/customer/publish").status_code == 201
    html = page(security, "/admin/roles/advisor")
    assert re.search(
        r'name="wealth.customer.f.cell"[^>]*>.*?<option value="hidden" selected', html, re.S
    ), "the level follows the field to its new key"
    assert "wealth.customer.f.mobile" not in html


def test_a_business_role_is_created_renamed_and_deleted_and_a_built_in_one_stays(
    security: TestClient,
) -> None:
    made = security.post(
        "/admin/roles",
        data={"key": "reviewer", "label_zh": "复核员", "label_en": "Reviewer"},
        follow_redirects=False,
    )
    assert made.status_code == 303, made.text
    assert made.headers["location"] == "/admin/roles/reviewer?done=created"
    taken = security.post("/admin/roles", data={"key": "reviewer", "label_en": "X"}, headers=EN)
    assert taken.status_code == 200
    assert 'id="key-error"' in taken.text
    renamed = security.post(
        "/admin/roles/reviewer",
        data={"action": "update", "label_en": "Checker", "require_mfa": "on"},
        follow_redirects=False,
    )
    assert renamed.status_code == 303
    role = security.get(f"{API}/roles/reviewer").json()
    assert role["label"] == {"en": "Checker"}
    assert role["require_mfa"] is True
    builtin = page(security, "/admin/roles/security_admin", headers=EN)
    assert "A built-in role" in builtin
    assert 'id="matrix-form"' not in builtin
    gone = security.post("/admin/roles/reviewer", data={"action": "delete"}, follow_redirects=False)
    assert gone.status_code == 303
    assert security.get(f"{API}/roles/reviewer").status_code == 404


def test_the_security_rules_change_in_the_page_apply_at_once_and_are_audited(
    security: TestClient, users: Users, session: Any
) -> None:
    from sqlalchemy import select

    from brickwork.platform.models import AuditEvent

    html = page(security, "/admin/settings", headers=EN)
    identities = security.app.state.identities
    shown = re.search(r'name="password_min_length" type="number"[^>]*value="(\d+)"', html)
    assert shown is not None
    assert int(shown.group(1)) == identities.config.policy.min_length == 12
    assert "BRICKWORK_INACTIVE_DAYS" in html, "the deployment's own rules are listed apart"
    too_short = security.post(
        "/admin/settings", data={"password_min_length": "4"}, headers=EN, follow_redirects=False
    )
    assert too_short.status_code == 200
    assert 'id="password_min_length-error"' in too_short.text
    assert identities.config.policy.min_length == 12, "nothing changed"
    crossed = security.post(
        "/admin/settings",
        data={"lockout_attempts": "3", "lockout_per_source": "5"},
        headers=EN,
    )
    assert 'id="lockout_per_source-error"' in crossed.text
    saved = security.post(
        "/admin/settings",
        data={"password_min_length": "14", "idle_timeout_minutes": "10"},
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    assert identities.config.policy.min_length == 14
    assert identities.sessions.config.idle_timeout.total_seconds() == 600
    rules = security.get(f"{API}/security-settings").json()
    assert rules["password_min_length"] == {
        "value": 14,
        "default": 12,
        "changed": True,
        "min": 8,
        "max": 128,
    }
    refused = security.post(
        f"{API}/users", json={"username": "new.one", "password": "Abcdefgh-123"}
    )
    assert refused.status_code == 422, "a 12-character password is now too short"
    (event,) = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "security.settings")
    ).all()
    assert event.details["changes"]["password_min_length"] == {"before": 12, "after": 14}
    # another server process reads the saved rules
    store = security.app.state.security_settings
    store._apply({})
    assert identities.config.policy.min_length == 12
    store.load(session)
    assert identities.config.policy.min_length == 14
    clerk = users.client("clerk", grants=[])
    assert clerk.get(f"{API}/security-settings").status_code == 403
    assert security.patch(f"{API}/security-settings", json=[1]).status_code == 422
    unknown = security.patch(f"{API}/security-settings", json={"argon2_profile": 1})
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["pointer"] == "/argon2_profile"


def test_the_audit_log_is_searched_read_and_checked_by_the_audit_administrator(
    auditor: TestClient, users: Users
) -> None:
    clerk = users.client("clerk", grants=[])
    assert clerk.get("/admin/users").status_code == 403  # a refusal, audited
    listed = page(auditor, "/admin/audit?result=denied", headers=EN)
    assert re.search(r"<td>clerk</td>", listed)
    assert "Denied" in listed
    event = re.search(r'href="/admin/audit/(\d+)"', listed)
    assert event is not None
    detail = page(auditor, f"/admin/audit/{event.group(1)}", headers=EN)
    assert 'id="event-details"' in detail
    assert "clerk" in detail
    prefixed = page(auditor, "/admin/audit?action=auth.*", headers=EN)
    assert "auth.login" in prefixed
    assert "Signed in" in prefixed  # each action named beside its code
    named = page(auditor, "/admin/audit?action=auth.*", headers={"Accept-Language": "zh-CN"})
    assert "登录" in named
    assert "auth.login" in named
    refused = page(auditor, "/admin/audit?result=denied", headers={"Accept-Language": "zh-CN"})
    assert "拒绝访问" in refused
    export = re.search(r'href="([^"]+)" id="export-audit"', prefixed)
    assert export is not None
    exported = auditor.get(export.group(1).replace("&amp;", "&"))
    assert exported.status_code == 200, exported.text
    assert exported.headers["content-type"].startswith("text/csv")
    assert "auth.login" in exported.text
    assert "record." not in exported.text, "the same search as the page"
    bad = auditor.get("/admin/audit?since=yesterday", headers=EN)
    assert bad.status_code == 200
    assert 'role="alert"' in bad.text
    assert "since is not a date and time" in bad.text
    checked = page(auditor, "/admin/audit/verify", headers=EN)
    assert "The chain is intact" in checked
    searched = auditor.get(f"{API}/audit/events", params={"action": "audit.search"}).json()
    assert searched["total"] >= 2, "each search of the pages is itself audited"


@pytest.mark.usefixtures("wealth")
def test_a_user_makes_uses_and_revokes_an_api_token_from_their_page(
    users: Users,
) -> None:
    clerk = users.client("clerk", grants=CLERK)
    nothing = clerk.post("/me/tokens", data={"name": "reports"}, headers=EN)
    assert nothing.status_code == 200
    assert 'role="alert"' in nothing.text, "a token needs a scope"
    made = clerk.post(
        "/me/tokens",
        data={"name": "nightly", "scopes": ["read"], "expires": "2099-01-01"},
        headers=EN,
    )
    assert made.status_code == 200
    assert 'role="alert"' in made.text, "longer than the longest lifetime"
    assert "token-secret" not in made.text
    made = clerk.post("/me/tokens", data={"name": "nightly", "scopes": ["read"]}, headers=EN)
    assert made.status_code == 200, made.text
    secret = re.search(r'id="token-secret">([^<]+)<', made.text)
    assert secret is not None
    program = TestClient(clerk.app)
    bearer = {"Authorization": f"Bearer {secret.group(1)}"}
    assert program.get(f"{APP}/forms/customer/records", headers=bearer).status_code == 200
    listed = page(clerk, "/me/tokens", headers=EN)
    assert secret.group(1) not in listed, "the secret is shown once"
    chinese = page(clerk, "/me/tokens", headers={"Accept-Language": "zh-CN"})
    named = r'value="export"[^>]*> 导出 <span class="mono small muted">export</span>'
    assert re.search(named, chinese), "each scope named beside its code"
    token_id = re.search(r'action="/me/tokens/([^/]+)/revoke"', listed)
    assert token_id is not None
    revoked = clerk.post(
        f"/me/tokens/{token_id.group(1)}/revoke", data={"csrf_token": ""}, follow_redirects=False
    )
    assert revoked.status_code == 303
    assert program.get(f"{APP}/forms/customer/records", headers=bearer).status_code == 401


@pytest.mark.usefixtures("wealth")
def test_search_finds_only_what_the_viewer_may_read_and_never_by_a_masked_value(
    users: Users, client: TestClient
) -> None:
    for name, mobile in (("Li Lei", "13812345678"), ("Li Na", "13900000000")):
        made = client.post(f"{APP}/forms/customer/records", json={"name": name, "mobile": mobile})
        assert made.status_code == 201
    clerk = users.client("clerk", grants=CLERK)
    mine = clerk.post(f"{APP}/forms/customer/records", json={"name": "Li Ming"})
    assert mine.status_code == 201
    found = page(clerk, "/search?q=Li", headers=EN)
    assert "Li Ming" in found
    assert "Li Lei" not in found, "rows of other owners stay out"
    assert 'href="/apps/wealth/forms/customer?q=Li"' in found
    by_masked = page(clerk, "/search?q=1381234", headers=EN)
    assert 'id="nothing-found"' in by_masked
    everyone = page(client, "/search?q=Li", headers=EN)
    for name in ("Li Lei", "Li Na", "Li Ming"):
        assert name in everyone
    stranger = users.client("stranger", grants=[])
    assert 'id="nothing-found"' in page(stranger, "/search?q=Li", headers=EN)
