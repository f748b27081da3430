"""The design overview and the app settings page in a real browser (Chromium through Playwright)
against `brickwork demo`: the demo's analyst opens the overview, moves the onboarding app's
dashboard to the top of its menu by keyboard, drags a report up, hides another, saves and sees
the runtime menu follow (the hidden report still opens by its address), and reads the role
matrix; the system administrator downloads the app bundle, checks a changed copy (a dry run
saying what changes), then imports it. No console error, CSP violation or request to another
host; screenshots go to `test-artifacts/screenshots/`. One server for the module."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from test_web_in_browser import browser, demo, page, shoot, sign_in, sign_in_with_code, until

__all__ = ["browser", "demo", "page"]
pytestmark = pytest.mark.browser
SETTINGS = "/apps/onboarding/design/settings"
ORDER = "() => Array.from(document.querySelectorAll('#menu-entries li')).map(li => li.dataset.ref)"
RUNTIME = "() => Array.from(document.querySelectorAll('[data-menu]')).map(a => a.dataset.menu)"


def test_an_analyst_arranges_the_menu_by_keyboard(page: Any, demo: dict[str, Any]) -> None:
    sign_in(page, demo, "analyst")
    page.goto(demo["base"] + "/apps/onboarding/forms/customer")
    assert page.evaluate(RUNTIME)[0] == "form:customer"
    page.click("#design-link")
    page.wait_for_url("**/apps/onboarding/design")
    assert page.locator("#hub-forms a[href='/apps/onboarding/design/forms/customer']").count()
    assert page.locator("#hub-reports .design-list li").count() >= 1
    shoot(page, "design-overview")

    page.click("#design-settings-link")
    page.wait_for_url("**" + SETTINGS)
    assert page.locator("#design-settings-link[aria-current='page']").count() == 1
    order = page.evaluate(ORDER)
    assert order[-1] == "dashboard:overview"
    for _step in range(len(order) - 1):
        page.focus("#up-dashboard-overview:not([disabled])")
        page.keyboard.press("Enter")
    until(page, "() => document.querySelector('#menu-entries li').dataset.ref", None)
    assert page.evaluate(ORDER)[0] == "dashboard:overview"
    assert page.evaluate("() => document.activeElement.closest('li').dataset.ref") == (
        "dashboard:overview"
    )
    # the newest customers report is dragged above the customer form
    handle = page.locator("#entry-report-newest_customers .drag-handle").bounding_box()
    target = page.locator("#entry-form-customer").bounding_box()
    page.mouse.move(handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2)
    page.mouse.down()
    page.mouse.move(target["x"] + 40, target["y"] + 4, steps=12)
    page.mouse.up()
    dragged = page.evaluate(ORDER)
    assert dragged.index("report:newest_customers") < dragged.index("form:customer")
    page.check("#hide-report-customers_by_type")
    shoot(page, "app-settings-menu")
    page.click("#save-menu")
    page.wait_for_selector("#notice")
    assert page.evaluate(ORDER)[0] == "dashboard:overview"

    page.goto(demo["base"] + "/apps/onboarding/forms/customer")
    shown = page.evaluate(RUNTIME)
    assert shown[:2] == ["dashboard:overview", "report:newest_customers"]
    assert "report:customers_by_type" not in shown
    opened = page.goto(demo["base"] + "/apps/onboarding/reports/customers_by_type")
    assert opened is not None
    assert opened.status == 200, "hidden from the menu, not forbidden"

    page.goto(demo["base"] + SETTINGS + "#roles")
    matrix = page.locator("#role-matrix")
    assert matrix.is_visible()
    assert page.locator("#import-needs-admin").is_visible()
    assert page.locator("#matrix-customer td .badge").count() >= 1
    assert "报表分析师" in matrix.inner_text()
    assert page.locator("#download-bundle").get_attribute("href") == (
        "/api/v1/apps/onboarding/export"
    )
    shoot(page, "app-settings")


def test_the_administrator_checks_then_imports_a_bundle(
    page: Any, demo: dict[str, Any], tmp_path: Path
) -> None:
    sign_in_with_code(page, demo, "admin")
    page.goto(demo["base"] + SETTINGS)
    with page.expect_download() as started:
        page.click("#download-bundle")
    saved = tmp_path / "onboarding.bundle.json"
    started.value.save_as(saved)
    bundle = json.loads(saved.read_text(encoding="utf-8"))
    assert bundle["app"]["key"] == "onboarding"
    bundle["app"]["navigation"] = {
        "groups": [{"key": "daily", "label": {"zh-CN": "日常工作", "en": "Daily work"}}],
        "entries": [{"kind": "form", "key": "customer", "group": "daily"}],
    }
    changed = tmp_path / "changed.bundle.json"
    changed.write_text(json.dumps(bundle, ensure_ascii=False), encoding="utf-8")

    page.set_input_files("#bundle-file", str(changed))
    page.click("#check-bundle")
    page.wait_for_selector("#import-check")
    assert "菜单将改变" in page.inner_text("#import-check")
    shoot(page, "app-settings-import-check")
    before = page.request.get(demo["base"] + "/api/v1/apps/onboarding/navigation").json()
    assert before["groups"] == [], "a dry run writes nothing"
    page.click("#apply-bundle")
    page.wait_for_selector("#notice")
    after = page.request.get(demo["base"] + "/api/v1/apps/onboarding/navigation").json()
    assert after["groups"][0]["key"] == "daily"
    assert page.input_value("#group-form-customer") == "daily"
