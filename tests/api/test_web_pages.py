"""The web pages over HTTP (server-rendered HTML), on SQLite and PostgreSQL: sign-in, the
launcher, a form's record list and a record's detail, through the same permission layer as the
API; CSRF on every change; a strict Content-Security-Policy on every page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from conftest import TEST_PASSWORD, Users

API = "/api/v1"
APP = f"{API}/apps/wealth"
PAGE = "/apps/wealth/forms/customer"
FIELDS: list[dict[str, Any]] = [
    {"id": "c_name", "key": "name", "type": "text", "label": {"zh-CN": "客户名称", "en": "Name"}},
    {"id": "c_aum", "key": "aum", "type": "money", "currency": "CNY", "label": "AUM"},
    {"id": "c_mobile", "key": "mobile", "type": "phone", "label": "Mobile", "encrypted": False},
]
CLERK = [
    {
        "app": "wealth",
        "form": "customer",
        "actions": ["create", "read"],
        "rows": "own",
        "fields": {"mobile": "masked"},
    }
]
POLICY = re.compile(r"script-src 'self';")


@pytest.fixture
def wealth(client: TestClient) -> TestClient:
    assert client.post(f"{API}/apps", json={"key": "wealth", "label": "Wealth"}).status_code == 201
    made = client.post(
        f"{APP}/definitions", json={"kind": "form", "key": "customer", "label": "Customer"}
    )
    assert made.status_code == 201, made.text
    saved = client.put(
        f"{APP}/definitions/form/customer", json={"label": "Customer", "spec": {"fields": FIELDS}}
    )
    assert saved.status_code == 200, saved.text
    assert client.post(f"{APP}/definitions/form/customer/publish").status_code == 201
    return client


@pytest.fixture
def clerk(wealth: TestClient, users: Users) -> TestClient:
    signed_in = users.client("clerk", grants=CLERK)
    for name, aum, mobile in (
        ("Li Lei", "3200000.00", "13812345678"),
        ("Han Meimei", "-860000.50", "13987654321"),
    ):
        made = signed_in.post(f"{APP}/forms/customer/records", json={"name": name, "aum": aum})
        assert made.status_code == 201, made.text
        record = made.json()
        identified = wealth.patch(  # the clerk may not write what they see masked
            f"{APP}/forms/customer/records/{record['id']}",
            json={"mobile": mobile},
            headers={"If-Match": f'"{record["version"]}"'},
        )
        assert identified.status_code == 200, identified.text
    other = wealth.post(f"{APP}/forms/customer/records", json={"name": "Not yours"})
    assert other.status_code == 201
    return signed_in


def page(client: TestClient, url: str, **options: Any) -> str:
    response = client.get(url, **options)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert POLICY.search(response.headers["content-security-policy"])
    assert "unsafe-inline" not in response.headers["content-security-policy"]
    assert "<script>" not in response.text, "no inline script"
    assert " style=" not in response.text, "no inline style"
    return response.text


def test_the_home_page_is_the_sign_in_page_and_signing_in_opens_the_launcher(
    anonymous_client: TestClient, users: Users, wealth: TestClient
) -> None:
    users.user("clerk", grants=CLERK)
    for key, published in (("ledger", True), ("prospect", False)):  # not the clerk's to read
        body = {"label": key, "spec": {"fields": FIELDS}}
        made = wealth.post(f"{APP}/definitions", json={"kind": "form", "key": key, **body})
        assert made.status_code == 201, made.text
        assert wealth.put(f"{APP}/definitions/form/{key}", json=body).status_code == 200
        if published:
            assert wealth.post(f"{APP}/definitions/form/{key}/publish").status_code == 201
    browser = TestClient(anonymous_client.app, follow_redirects=False)
    home = page(browser, "/", headers={"Accept-Language": "en"})
    assert 'action="/login"' in home
    wrong = browser.post(
        "/login",
        data={"username": "clerk", "password": "not it", "next": "/apps"},
        headers={"Accept-Language": "en"},
    )
    assert wrong.status_code == 200, "the form again, with the reason"
    assert 'role="alert"' in wrong.text
    assert "The user name or the password is wrong." in wrong.text
    assert "brickwork_session" not in wrong.headers.get("set-cookie", "")
    signed = browser.post(
        "/login", data={"username": "clerk", "password": TEST_PASSWORD, "next": PAGE}
    )
    assert signed.status_code == 303, signed.text
    assert signed.headers["location"] == PAGE
    launcher = page(browser, "/apps", headers={"Accept-Language": "en"})
    assert f'href="{PAGE}"' in launcher
    assert "Wealth" in launcher
    assert "/forms/ledger" not in launcher
    assert "/forms/prospect" not in launcher
    # somewhere else after signing in: never another host
    for target in ("https://evil.example/x", "//evil.example/x", "javascript:alert(1)"):
        again = browser.get("/login", params={"next": target})
        assert again.status_code == 303
        assert again.headers["location"] == "/apps"


def test_a_page_asks_for_a_sign_in_and_the_api_still_answers_json(
    anonymous_client: TestClient,
) -> None:
    browser = TestClient(anonymous_client.app, follow_redirects=False)
    asked = browser.get(f"{PAGE}?q=li")
    assert asked.status_code == 303
    assert asked.headers["location"] == "/login?next=%2Fapps%2Fwealth%2Fforms%2Fcustomer%3Fq%3Dli"
    api = browser.get(f"{APP}/forms/customer/records")
    assert api.status_code == 401
    assert api.headers["content-type"] == "application/problem+json"


def test_the_list_shows_the_viewers_rows_with_masked_fields_masked(clerk: TestClient) -> None:
    listed = page(clerk, PAGE, headers={"Accept-Language": "en"})
    assert "Li Lei" in listed
    assert "Not yours" not in listed, "rows of other owners stay out"
    assert "13812345678" not in listed
    assert "138****5678" in listed
    assert 'class="masked"' in listed
    assert "3,200,000.00 CNY" in listed
    assert re.search(r'class="num negative">\s*-860,000.50 CNY', listed)
    assert "2 records" in listed
    searched = page(clerk, PAGE, params={"q": "Han"}, headers={"Accept-Language": "en"})
    assert "Han Meimei" in searched
    assert "Li Lei" not in searched
    filtered = page(clerk, PAGE, params={"filter": "aum > 0"}, headers={"Accept-Language": "en"})
    assert "Li Lei" in filtered
    assert "Han Meimei" not in filtered
    broken = page(clerk, PAGE, params={"filter": "aum >"}, headers={"Accept-Language": "en"})
    assert 'id="filter-error"' in broken
    # a masked field cannot be searched or sorted by: its header is no link
    assert f'href="{PAGE}?q=&amp;filter=&amp;sort=mobile' not in listed
    sorted_page = page(clerk, PAGE, params={"sort": "-aum"}, headers={"Accept-Language": "en"})
    assert sorted_page.index("Li Lei") < sorted_page.index("Han Meimei")
    assert 'aria-sort="descending"' in sorted_page


def test_htmx_swaps_the_table_alone(clerk: TestClient) -> None:
    fragment = page(
        clerk, PAGE, params={"q": "Li"}, headers={"HX-Request": "true", "HX-Target": "records"}
    )
    assert "<html" not in fragment
    assert "<table" in fragment
    assert "Li Lei" in fragment


def test_the_detail_shows_the_record_and_its_history(clerk: TestClient) -> None:
    listed = clerk.get(f"{APP}/forms/customer/records").json()["items"]
    record = next(item for item in listed if item["name"] == "Li Lei")
    detail = page(clerk, f"{PAGE}/records/{record['id']}", headers={"Accept-Language": "en"})
    assert "<h1>Li Lei</h1>" in detail
    assert "138****5678" in detail
    assert "13812345678" not in detail
    assert "History" in detail
    assert "Created" in detail
    # the change of the masked field is in the history, masked
    assert re.search(
        r"Mobile</td><td class=\"before\"></td><td class=\"after\">138\*\*\*\*5678", detail
    )
    missing = clerk.get(f"{PAGE}/records/00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("text/html")
    assert "record_not_found" in missing.text
    chinese = clerk.get(
        f"{PAGE}/records/00000000-0000-0000-0000-000000000000", headers={"Accept-Language": "zh-CN"}
    )
    assert "没有这条记录（00000000-0000-0000-0000-000000000000）" in chinese.text


def test_a_record_refusal_reads_in_the_language_the_client_asks_for(clerk: TestClient) -> None:
    """An edit the clerk's roles do not allow, through the API: English unless the client asks
    for Chinese; the code stays."""
    listed = clerk.get(f"{APP}/forms/customer/records").json()["items"]
    record = next(item for item in listed if item["name"] == "Li Lei")
    url = f"{APP}/forms/customer/records/{record['id']}"
    english = clerk.patch(url, json={"name": "Li Lei"}).json()
    assert english["code"] == "permission_denied"
    assert english["detail"].startswith("you may not update form 'customer'")
    chinese = clerk.patch(url, json={"name": "Li Lei"}, headers={"Accept-Language": "zh-CN"})
    assert chinese.status_code == 403
    assert chinese.json()["code"] == "permission_denied"
    assert re.fullmatch(
        r"您无权修改应用 \w+ 的表单 customer：您的角色都没有这项权限，请联系安全管理员",
        chinese.json()["detail"],
    )


def test_the_language_switch_and_chinese_pages(clerk: TestClient) -> None:
    switched = clerk.post(
        "/language", data={"language": "zh-CN", "next": PAGE}, follow_redirects=False
    )
    assert switched.status_code == 303
    assert switched.headers["location"] == PAGE
    listed = page(clerk, PAGE)
    assert '<html lang="zh-CN"' in listed
    assert "客户名称" in listed
    assert "共 2 条记录" in listed
    assert "退出登录" in listed
    back = clerk.post("/language", data={"language": "en", "next": PAGE}, follow_redirects=False)
    assert back.status_code == 303
    assert "Sign out" in page(clerk, PAGE)


def test_signing_out_needs_the_sessions_csrf_token(clerk: TestClient) -> None:
    clerk.headers.pop("X-CSRF-Token", None)
    forged = clerk.post("/logout", data={"csrf_token": "forged"}, follow_redirects=False)
    assert forged.status_code == 403
    assert "csrf_failed" in forged.text
    listed = page(clerk, PAGE)
    token = re.search(r'name="csrf_token" value="([^"]+)"', listed)
    assert token is not None
    out = clerk.post("/logout", data={"csrf_token": token.group(1)}, follow_redirects=False)
    assert out.status_code == 303
    assert clerk.get(PAGE, follow_redirects=False).status_code == 303


def test_a_user_who_must_change_their_password_is_sent_to_do_it(
    anonymous_client: TestClient, users: Users, wealth: TestClient
) -> None:
    user = users.user("newbie", grants=CLERK)
    user.must_change_password = True
    users.session.commit()
    browser = TestClient(anonymous_client.app, follow_redirects=False)
    signed = browser.post("/login", data={"username": "newbie", "password": TEST_PASSWORD})
    assert signed.headers["location"] == "/password"
    assert browser.get(PAGE).headers["location"] == "/password"
    form = page(browser, "/password", headers={"Accept-Language": "en"})
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token is not None
    new = "Another-pass-2026!"
    mismatch = browser.post(
        "/password",
        data={
            "csrf_token": token.group(1),
            "password": TEST_PASSWORD,
            "new_password": new,
            "repeat_password": new + "x",
        },
    )
    assert mismatch.status_code == 200
    assert "两次输入的新密码不一致" in mismatch.text  # the page speaks Chinese by default
    changed = browser.post(
        "/password",
        data={
            "csrf_token": token.group(1),
            "password": TEST_PASSWORD,
            "new_password": new,
            "repeat_password": new,
        },
    )
    assert changed.status_code == 303, changed.text
    assert browser.get(PAGE).status_code == 200


def test_signing_in_from_another_site_is_refused(
    anonymous_client: TestClient, users: Users, wealth: TestClient
) -> None:
    users.user("clerk", grants=CLERK)
    browser = TestClient(anonymous_client.app, follow_redirects=False)
    body = {"username": "clerk", "password": TEST_PASSWORD}
    for headers in ({"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site"}):
        forged = browser.post("/login", data=body, headers=headers)
        assert forged.status_code == 403, headers
        assert "cross_site_form" in forged.text
        assert "brickwork_session" not in forged.headers.get("set-cookie", "")
    same = browser.post(
        "/login",
        data=body,
        headers={"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"},
    )
    assert same.status_code == 303


def test_a_masked_value_is_shown_in_clear_for_a_reason_and_only_to_whom_may(
    wealth: TestClient, users: Users, session: Any
) -> None:
    from sqlalchemy import select

    from brickwork.platform.models import AuditEvent

    made = wealth.post(f"{APP}/forms/customer/records", json={"name": "Li Lei"})
    record_id = made.json()["id"]
    set_mobile = wealth.patch(
        f"{APP}/forms/customer/records/{record_id}",
        json={"mobile": "13812345678"},
        headers={"If-Match": '"1"'},
    )
    assert set_mobile.status_code == 200, set_mobile.text
    officer_grants = [
        {
            "app": "wealth",
            "form": "customer",
            "actions": ["read"],
            "rows": "all",
            "fields": {"mobile": "masked"},
            "unmask": ["mobile"],
        }
    ]
    officer = users.client("officer", grants=officer_grants)
    url = f"{PAGE}/records/{record_id}"
    html = page(officer, url, headers={"Accept-Language": "en"})
    assert "138****5678" in html
    assert 'id="reveal"' in html
    no_reason = officer.post(f"{url}/reveal", data={"fields": "mobile", "reason": ""})
    assert no_reason.status_code == 200
    assert 'id="record-problem"' in no_reason.text
    assert "13812345678" not in no_reason.text
    shown = officer.post(
        f"{url}/reveal", data={"fields": "mobile", "reason": "the customer called to verify"}
    )
    assert shown.status_code == 200, shown.text
    assert re.search(r'id="value-mobile">\s*13812345678', shown.text)
    assert 'id="revealed"' in shown.text
    reasons = session.scalars(
        select(AuditEvent.details).where(AuditEvent.action == "record.unmask")
    ).all()
    assert reasons == [{"fields": ["mobile"], "reason": "the customer called to verify"}]
    # a clerk who may not unmask sees no offer, and a forged request shows nothing in clear
    clerk = users.client("clerk2", grants=[{**officer_grants[0], "unmask": []}])
    assert 'id="reveal"' not in page(clerk, url)
    forged = clerk.post(f"{url}/reveal", data={"fields": "mobile", "reason": "curious, sorry"})
    assert forged.status_code in (200, 403)
    assert "13812345678" not in forged.text
    # the right to unmask follows the field through a rename
    renamed = [dict(f, key="cell") if f["key"] == "mobile" else f for f in FIELDS]
    saved = wealth.put(
        f"{APP}/definitions/form/customer", json={"label": "Customer", "spec": {"fields": renamed}}
    )
    assert saved.status_code == 200, saved.text
    assert wealth.post(f"{APP}/definitions/form/customer/publish").status_code == 201
    again = officer.post(f"{url}/reveal", data={"fields": "cell", "reason": "verify after rename"})
    assert re.search(r'id="value-cell">\s*13812345678', again.text)
    assert "138****5678" in page(officer, url), "masked again on the next page"
