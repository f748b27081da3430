"""The runtime web UI in a real browser (Chromium through Playwright) against `brickwork demo`:
sign-in, the launcher, a record list (search, sort, paging through htmx with the address bar
kept in step), a record's detail, masked values, the language switch. Every page must load
without a console error, a Content-Security-Policy violation or a request to another host.
Screenshots of the main pages (1440x900 and a tablet width) go to
`test-artifacts/screenshots/`. One server for the module."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from conftest import IN_CI

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
SIZES = {"desktop": {"width": 1440, "height": 900}, "tablet": {"width": 820, "height": 1180}}
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """`brickwork demo` on a free port: its address and the demo users' passwords."""
    if not CHROMIUM.exists():
        if IN_CI:
            pytest.fail("Chromium is missing at /usr/bin/chromium; CI must provide it")
        pytest.skip("no Chromium at /usr/bin/chromium")
    from test_demo_server import free_port

    port = free_port()
    data = tmp_path_factory.mktemp("web") / "data"
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRICKWORK_")}
    brickwork = Path(sys.executable).with_name("brickwork")
    process = subprocess.Popen(
        [str(brickwork), "demo", "--data-dir", str(data), "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(f"{base}/api/v1/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert process.poll() is None, "the demo server stopped"
            assert time.monotonic() < deadline, "the demo server did not answer in 90 s"
            time.sleep(0.3)
        passwords = {
            name: password
            for name, password, _secret in (
                line.split("\t") for line in (data / "demo-users.tsv").read_text().splitlines()
            )
        }
        yield {"base": base, "passwords": passwords, "users": data / "demo-users.tsv"}
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(scope="module")
def browser(demo: dict[str, Any]) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM))
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any, demo: dict[str, Any]) -> Iterator[Any]:
    """A fresh browser context whose page fails the test on a console error (CSP violations
    are reported there), an uncaught script error, or a request to any other host."""
    context = browser.new_context(viewport=SIZES["desktop"], locale="zh-CN")
    opened = context.new_page()
    problems: list[str] = []
    local = urlsplit(demo["base"]).netloc

    def check(route: Any) -> None:
        if urlsplit(route.request.url).netloc != local:
            problems.append(f"request to another host: {route.request.url}")
            route.abort()
        else:
            route.continue_()

    opened.route("**/*", check)
    opened.on(
        "console",
        lambda message: (
            problems.append(f"console {message.type}: {message.text}")
            if message.type == "error"
            else None
        ),
    )
    opened.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    yield opened
    context.close()
    assert problems == []


def sign_in(page: Any, demo: dict[str, Any], username: str) -> None:
    page.goto(demo["base"] + "/")
    page.fill("#username", username)
    page.fill("#password", demo["passwords"][username])
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url("**/apps")


def until(page: Any, script: str, argument: Any, seconds: float = 10) -> Any:
    """Wait until `script` (a function of `argument`) answers something true, reading it
    from the page (the page's policy forbids the evaluated strings `wait_for_function` uses)."""
    deadline = time.monotonic() + seconds
    while not (found := page.evaluate(script, argument)):
        assert time.monotonic() < deadline, f"{script} stayed false"
        page.wait_for_timeout(100)
    return found


def shows_text(page: Any, element_id: str) -> None:
    """Wait until the element has text (the server's answer swapped in)."""
    until(page, "id => ((document.getElementById(id) || {}).textContent || '').trim()", element_id)


def shoot(page: Any, name: str) -> None:
    """Screenshots at a desktop and a tablet width (CI keeps them as artifacts)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for size, viewport in SIZES.items():
        page.set_viewport_size(viewport)
        page.screenshot(path=str(SHOTS / f"{name}-{size}.png"), full_page=True)
    page.set_viewport_size(SIZES["desktop"])


def test_a_wrong_password_is_said_plainly(page: Any, demo: dict[str, Any]) -> None:
    page.goto(demo["base"] + "/")
    shoot(page, "sign-in")
    page.fill("#username", "clerk.sh")
    page.fill("#password", "not the password")
    page.click("form[action='/login'] button[type=submit]")
    alert = page.locator("#signin-error")
    alert.wait_for()
    assert alert.inner_text() == "用户名或密码错误。"
    assert page.input_value("#username") == "clerk.sh"


def test_a_clerk_finds_a_customer_and_opens_it(page: Any, demo: dict[str, Any]) -> None:
    from playwright.sync_api import expect

    sign_in(page, demo, "clerk.sh")
    shoot(page, "launcher")
    page.click("a[href='/apps/onboarding/forms/customer']")
    page.wait_for_selector("table.dense tbody tr")
    assert page.locator("table.dense tbody tr").count() >= 5  # other tests may add some
    assert re.fullmatch(r"共 \d+ 条记录", page.inner_text("#record-count").strip())
    shoot(page, "record-list")
    # the search swaps the table only, and the address bar follows
    page.fill("#q", "李雷")
    page.press("#q", "Enter")
    expect(page.locator("table.dense tbody tr")).to_have_count(1)
    assert "q=%E6%9D%8E%E9%9B%B7" in page.url
    assert page.locator(".content h1").inner_text() == "客户"
    # sort by amount, descending (two clicks on the header)
    page.goto(demo["base"] + "/apps/onboarding/forms/customer")
    header = page.locator("th a", has_text="资产规模")
    header.click()
    page.wait_for_url("**sort=aum**")
    page.locator("th a", has_text="资产规模").click()
    page.wait_for_url("**sort=-aum**")
    first = page.locator("table.dense tbody tr").first.inner_text()
    assert "上海浦江资产管理有限公司" in first
    page.go_back()
    page.wait_for_url("**sort=aum**")
    # the detail of a record
    page.click("table.dense tbody tr >> nth=0 >> a")
    page.wait_for_selector("#details-title")
    assert page.locator("#history-title").count() == 1
    assert "张敏 (上海分行柜员)" in page.inner_text(".timeline")  # who made it, by name
    shoot(page, "record-detail")


def test_a_manager_sees_identifiers_masked(page: Any, demo: dict[str, Any]) -> None:
    sign_in(page, demo, "manager")
    page.goto(demo["base"] + "/apps/onboarding/forms/customer")
    page.wait_for_selector("table.dense tbody tr")
    masked = page.locator("td .masked")
    assert masked.count() >= 6  # resident IDs and mobiles of three individuals
    shown = page.inner_text("table.dense")
    assert "13812345678" not in shown
    assert "138****5678" in shown
    shoot(page, "record-list-masked")


def test_the_language_switch_changes_every_text(page: Any, demo: dict[str, Any]) -> None:
    sign_in(page, demo, "clerk.sh")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert "应用" in page.inner_text(".content h1")
    page.click("form.language button[value='en']")
    page.wait_for_load_state("load")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.inner_text(".content h1") == "Apps"
    assert page.locator("summary", has_text="张敏").count() == 1
    page.click("form.language button[value='zh-CN']")
    page.wait_for_load_state("load")
    assert page.inner_text(".content h1") == "应用"


def test_a_clerk_adds_a_customer_after_fixing_what_the_server_finds(
    page: Any, demo: dict[str, Any]
) -> None:

    sign_in(page, demo, "clerk.sh")
    page.goto(demo["base"] + "/apps/onboarding/forms/customer")
    page.click("#new-record")
    page.wait_for_selector("form.record-form")
    # the server checks as the clerk types: a wrong check character is named at once
    page.fill("#field-resident_id", "110101199003070012")
    page.press("#field-resident_id", "Tab")
    shows_text(page, "err-resident_id")
    page.fill("#field-aum", "1,2")
    page.click("form.record-form button[type=submit]")
    page.wait_for_selector("#form-problems")
    assert page.locator("#form-problems li").count() == 3  # name, resident ID, amount
    assert page.input_value("#field-resident_id") == "110101199003070012", "kept"
    shoot(page, "record-form-problems")
    page.fill("#field-name", "赵小明")
    page.fill("#field-resident_id", "110101199003070011")
    page.fill("#field-aum", "1200000.00")
    page.select_option("#field-customer_type", "individual")
    # the customer signs on the pad: the drawing is stored as an image with the form
    pad = page.locator("canvas.signature-pad")
    box = pad.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + 20, box["y"] + 40)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(box["x"] + 20 + step * 25, box["y"] + 40 + (step % 3) * 20)
    page.mouse.up()
    page.click("[data-signature-save]")
    page.wait_for_selector("img.signature-image")
    page.click("form.record-form button[type=submit]")
    page.wait_for_selector("#details-title")
    assert page.locator(".content h1").inner_text() == "赵小明"
    loaded = until(
        page,
        "selector => { const image = document.querySelector(selector);"
        " return image && image.complete ? image.naturalWidth : 0; }",
        "#value-signature img.signature-image",
    )
    assert loaded == 480, "the drawing, stored"
    page.click("nav.breadcrumb a >> nth=1")
    page.wait_for_selector("table.dense tbody tr")
    assert "赵小明" in page.inner_text("table.dense")
    assert "1,200,000.00 CNY" in page.inner_text("table.dense")


def test_a_manager_reads_a_report_with_its_chart(page: Any, demo: dict[str, Any]) -> None:
    sign_in(page, demo, "manager")
    page.goto(demo["base"] + "/apps/onboarding/reports/customers_by_type")
    page.wait_for_selector(".chart svg")
    assert page.locator(".report-table tbody tr").count() == 2
    table = page.inner_text(".report-table")
    assert "资产占比" in table
    assert "¥" in table
    shoot(page, "report")


def test_a_manager_opens_the_dashboard_with_its_chart_and_table(
    page: Any, demo: dict[str, Any]
) -> None:
    sign_in(page, demo, "manager")
    page.click("a[href='/apps/onboarding/forms/customer']")
    page.click("nav.sidebar a[href='/apps/onboarding/dashboards/overview']")
    page.wait_for_selector("#panel-by_type .chart svg")
    assert page.locator("#panel-newest table tbody tr").count() >= 5
    assert "开户概览" in page.inner_text(".content h1")
    shoot(page, "dashboard")


def test_a_manager_approves_from_the_inbox_and_the_timeline_shows_both(
    page: Any, demo: dict[str, Any]
) -> None:
    # the clerk adds a customer: the demo's rule starts the review flow
    sign_in(page, demo, "clerk.sh")
    page.goto(demo["base"] + "/apps/onboarding/forms/customer/new")
    page.fill("#field-name", "钱多多")
    page.fill("#field-aum", "300000.00")
    page.click("form.record-form button[type=submit]")
    page.wait_for_selector("#details-title")
    # the flow's diagram: the start done, the review waiting
    page.wait_for_selector(".flow-diagram svg .node-box.active")
    assert page.locator(".flow-diagram .node-box.event.done").count() == 1
    shoot(page, "record-flow")
    page.click("details.user-menu summary")
    page.click("form[action='/logout'] button")
    page.wait_for_url("**/login")
    sign_in(page, demo, "manager")
    page.click("#inbox-link")
    page.wait_for_selector("#tab-todo")
    shoot(page, "inbox")
    page.locator("table.dense tbody a", has_text="钱多多").click()
    page.wait_for_selector("#decide-title")
    page.fill("#comment", "资料齐全，同意开户。")
    shoot(page, "task")
    page.click("#approve")
    page.wait_for_selector("#inbox-message")
    assert page.locator("#tab-done[aria-current='page']").count() == 1
    page.locator("table.dense tbody a", has_text="钱多多").click()
    page.wait_for_selector("#timeline")
    timeline = page.inner_text("#timeline")
    assert "张敏 (上海分行柜员)" in timeline  # the clerk submitted
    assert "陈静 (总行主管)" in timeline  # the manager approved
    assert "资料齐全，同意开户。" in timeline


def test_the_manager_picks_whom_to_hand_tasks_over_to_by_name_on_the_open_tasks_page(
    page: Any, demo: dict[str, Any]
) -> None:
    sign_in(page, demo, "manager")
    page.goto(demo["base"] + "/apps/onboarding/flow-tasks")
    page.wait_for_selector("#open-tasks")
    # typing part of a display name fills the input's suggestions with who is meant
    page.type("#handover-to", "刘")
    options = until(
        page,
        "id => [...document.querySelectorAll('#' + id + ' option')]"
        ".map(o => o.value + ' ' + o.textContent)",
        "handover-to-people",
    )
    assert options == ["clerk.bj 刘洋 (北京分行柜员)"]
    page.fill("#handover-to", "")
    page.type("#handover-to", "clerk")
    until(
        page,
        "id => document.querySelectorAll('#' + id + ' option').length == 2",
        "handover-to-people",
    )
    shoot(page, "open-tasks")


def test_the_branch_reviewer_opens_a_notification_from_the_top_bar(
    page: Any, demo: dict[str, Any]
) -> None:
    sign_in(page, demo, "credit.branch")
    unread = int(page.inner_text("#notifications-link .count"))
    assert unread > 0  # the credit pack's sample applications wait for the branch review
    page.click("#notifications-link")
    page.wait_for_selector("#notices")
    first = page.locator("#notices li.unread").first
    notice = first.get_attribute("id")
    assert "授信审批：有一项任务等您办理" in first.inner_text()
    shoot(page, "notifications")
    first.locator("button.notice-title").click()
    page.wait_for_load_state()
    assert re.search(r"/inbox/tasks/\d+$|/records/[^/]+$", page.url), page.url
    page.goto(demo["base"] + "/notifications")
    assert page.locator(f"#{notice}.unread").count() == 0
    counted = page.locator("#notifications-link .count")
    assert (int(counted.inner_text()) if counted.count() else 0) == unread - 1


def test_a_clerk_imports_customers_after_the_wizard_finds_a_bad_row(
    page: Any, demo: dict[str, Any]
) -> None:
    sign_in(page, demo, "clerk.sh")
    page.goto(demo["base"] + "/apps/onboarding/forms/customer")
    page.click("#import-records")
    page.wait_for_selector("#check-file")
    bad = "客户名称,资产规模\n孙悟空,100\n,abc\n".encode()
    page.set_input_files("#file", {"name": "客户.csv", "mimeType": "text/csv", "buffer": bad})
    page.click("#check-file")
    page.wait_for_selector("#import-problems")
    assert page.locator("#import-errors tbody tr").count() == 2  # no name, a bad amount
    assert page.locator("#run-import").count() == 0
    shoot(page, "import-check")
    page.click("text=选择其他文件")
    good = "客户名称,资产规模\n孙悟空,100\n猪八戒,200.5\n".encode()
    page.set_input_files("#file", {"name": "客户.csv", "mimeType": "text/csv", "buffer": good})
    page.click("#check-file")
    page.wait_for_selector("#import-ok")
    page.click("#run-import")
    page.wait_for_selector("#import-done", timeout=60_000)
    assert "已导入 2 条记录。" in page.inner_text("#import-done")
    page.click("text=查看记录")
    page.wait_for_selector("table.dense tbody tr")
    assert "猪八戒" in page.inner_text("table.dense")


def sign_in_with_code(page: Any, demo: dict[str, Any], username: str) -> None:
    """An administrator signs in: the password first, then the page asks for the code."""
    import pyotp

    secrets = {
        name: secret
        for name, _password, secret in (
            line.split("\t") for line in demo["users"].read_text().splitlines()
        )
    }
    page.goto(demo["base"] + "/")
    page.fill("#username", username)
    page.fill("#password", demo["passwords"][username])
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_selector("#otp")
    page.fill("#password", demo["passwords"][username])
    page.fill("#otp", pyotp.TOTP(secrets[username].strip()).now())
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url("**/apps")


def test_the_security_administrator_gives_a_new_role_rights_in_the_matrix(
    page: Any, demo: dict[str, Any]
) -> None:
    from playwright.sync_api import expect

    sign_in_with_code(page, demo, "security")
    page.click("summary >> text=安全管理员")
    page.click("#admin-link")
    page.wait_for_url("**/admin/users")
    assert page.locator("#users tbody tr").count() >= 6
    shoot(page, "admin-users")
    page.goto(demo["base"] + "/admin/roles")
    page.fill("#role-form input[name=key]", "reviewer")
    page.fill("#role-form input[name=label_zh]", "复核员")
    page.click("#role-form button[type=submit]")
    page.wait_for_url("**/admin/roles/reviewer?done=created")
    row = page.locator("#row-onboarding-customer")
    row.get_by_label("客户: 查看").check()
    row.get_by_label("客户: 修改").check()
    row.locator("select").select_option("department")
    page.click("#save-permissions")
    expect(page.locator("#notice")).to_contain_text("权限已保存")
    assert page.locator("#row-onboarding-customer").get_by_label("客户: 修改").is_checked()
    shoot(page, "admin-role-matrix")
    # a choice the check refuses is shown on its row, and the choices stay
    page.locator("#row-onboarding-customer").get_by_label("客户: 查看").uncheck()
    page.click("#save-permissions")
    expect(page.locator("#row-onboarding-customer .field-error")).to_contain_text("read")
    assert page.locator("#row-onboarding-customer").get_by_label("客户: 修改").is_checked()


def test_the_system_administrator_sees_the_installed_packs_and_an_analyst_their_alerts(
    page: Any, demo: dict[str, Any]
) -> None:
    sign_in_with_code(page, demo, "admin")
    page.click("summary >> text=系统管理员")
    page.click("#admin-link")
    page.wait_for_url("**/admin/packs")
    row = page.inner_text("#pack-aml")
    assert "反洗钱交易监测" in row
    assert "已安装" in row
    shoot(page, "admin-packs")
    page.click("details.user-menu summary")
    page.click("form[action='/logout'] button")
    page.wait_for_url("**/login")
    sign_in(page, demo, "aml.analyst")
    page.goto(demo["base"] + "/apps/aml/forms/alert")
    page.wait_for_selector("#records tbody tr")
    assert "大额交易" in page.inner_text("#records")
    shoot(page, "aml-alerts")


def test_the_audit_administrator_finds_a_refusal_in_the_log(
    page: Any, demo: dict[str, Any]
) -> None:
    refused = httpx.get(demo["base"] + "/api/v1/users")  # a stranger knocks: audited
    assert refused.status_code == 401
    sign_in_with_code(page, demo, "auditor")
    page.goto(demo["base"] + "/admin/audit")
    page.select_option("#audit-filters select[name=result]", "denied")
    page.click("#audit-filters button[type=submit]")
    page.wait_for_url("**result=denied**")
    page.wait_for_selector("#events tbody tr")
    shoot(page, "admin-audit")
    page.click("#events tbody tr >> nth=0 >> a")
    page.wait_for_selector("#event-details")
    page.goto(demo["base"] + "/admin/audit/verify")
    assert "哈希链完整" in page.inner_text("#verdict")


def test_a_clerk_searches_every_form_from_the_top_bar(page: Any, demo: dict[str, Any]) -> None:
    sign_in(page, demo, "clerk.sh")
    page.fill("#global-q", "李")
    page.press("#global-q", "Enter")
    page.wait_for_url("**/search?q=**")
    page.wait_for_selector(".search-group table tbody tr")
    assert "李雷" in page.inner_text(".search-group")
    shoot(page, "search")


def test_a_manager_filters_chooses_columns_saves_a_view_reveals_and_deletes(
    page: Any, demo: dict[str, Any]
) -> None:
    from playwright.sync_api import expect

    # a record of the Shanghai clerk, for the manager to delete at the end
    with httpx.Client(base_url=demo["base"]) as clerk:
        signed = clerk.post(
            "/api/v1/auth/login",
            json={"username": "clerk.sh", "password": demo["passwords"]["clerk.sh"]},
        )
        assert signed.status_code == 200, signed.text
        made = clerk.post(
            "/api/v1/apps/onboarding/forms/customer/records",
            json={"name": "待删除客户", "customer_type": "individual", "aum": 1.5},
            headers={"X-CSRF-Token": signed.json()["csrf_token"]},
        )
    assert made.status_code == 201, made.text
    sign_in(page, demo, "manager")
    page.goto(demo["base"] + "/apps/onboarding/forms/customer")
    page.click("#builder summary")
    page.select_option("select[name=bf] >> nth=0", "aum")
    page.select_option("select[name=bo] >> nth=0", "gt")
    page.fill("input[name=bv] >> nth=0", "1000000")
    page.click("#column-chooser summary")
    page.locator("#column-chooser input[value=mobile]").uncheck()
    page.click("form.filterbar button[type=submit]")
    page.wait_for_url("**bf=aum**")
    page.reload()  # the address holds it all
    headers = page.inner_text("#records thead")
    assert "手机号码" not in headers
    assert "待删除客户" not in page.inner_text("#records")
    shoot(page, "record-list-conditions")
    page.click("#views summary")
    page.fill("#view-name", "千万级客户")
    page.click("#save-view button[type=submit]")
    page.wait_for_url("**view=**")
    expect(page.locator(".view-link a[aria-current=page]")).to_have_text("千万级客户")
    page.goto(demo["base"] + "/apps/onboarding/forms/customer")
    page.click(".view-link a >> text=千万级客户")
    page.wait_for_url("**bf=aum**")
    assert "手机号码" not in page.inner_text("#records thead")
    # a masked mobile in clear, for a reason
    page.goto(demo["base"] + "/apps/onboarding/forms/customer?q=李雷")
    page.click("#records tbody tr >> nth=0 >> td >> nth=1 >> a")
    page.wait_for_selector("#details-title")
    page.click("#reveal summary")
    page.fill("#reveal-reason", "客户来电核实身份")
    page.click("#reveal button[type=submit]")
    expect(page.locator("#revealed")).to_be_visible()
    assert "13812345678" in page.inner_text("#value-mobile")
    # the clerk's record, chosen and deleted after a confirmation
    page.goto(demo["base"] + "/apps/onboarding/forms/customer?q=待删除客户")
    page.locator("#records tbody input[name=ids]").first.check()
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#bulk-delete")
    expect(page.locator("#bulk-result")).to_contain_text("已删除 1 条记录")


def test_a_kyc_officer_sees_who_owns_a_company_on_its_page(page: Any, demo: dict[str, Any]) -> None:
    with httpx.Client(base_url=demo["base"]) as officer:
        signed = officer.post(
            "/api/v1/auth/login",
            json={"username": "ubo.kyc", "password": demo["passwords"]["ubo.kyc"]},
        )
        assert signed.status_code == 200, signed.text
        found = officer.get(
            "/api/v1/apps/ubo/forms/party/records", params={"filter": 'party_no = "E101"'}
        )
        assert found.status_code == 200, found.text
        (company,) = found.json()["items"]
    sign_in(page, demo, "ubo.kyc")
    page.goto(f"{demo['base']}/apps/ubo/forms/party/records/{company['id']}")
    page.wait_for_selector(".relations-graph svg .node-box.center")
    # E100 owns 70 % of E101 and is owned 40/60 by P101 and P102; P101 also holds 30 % directly
    shares = {
        row.get_attribute("data-node"): row.locator("td.num").inner_text()
        for row in page.locator(".graph-nodes tbody tr").all()
    }
    assert {key: shares.get(key) for key in ("P101", "P102", "E100")} == {
        "P101": "58%",
        "P102": "42%",
        "E100": "70%",
    }
    highlighted = page.locator(".graph-nodes tbody tr.highlighted")
    assert sorted(r.get_attribute("data-node") for r in highlighted.all()) == ["P101", "P102"]
    assert page.locator(".relations-graph svg .node-box.highlighted").count() == 2
    shoot(page, "ubo-graph")


def test_a_relationship_manager_opens_a_customer_360(page: Any, demo: dict[str, Any]) -> None:
    sign_in(page, demo, "aum.rm")
    page.goto(demo["base"] + "/apps/aum/dashboards/customer_360")
    page.wait_for_selector("#panel-classes .chart svg")
    page.wait_for_selector("#panel-trend .chart svg")
    assert page.locator("#panel-tiers table tbody tr").count() >= 1
    assert "客户360视图" in page.inner_text(".content h1")
    shoot(page, "customer-360")
