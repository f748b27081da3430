"""The decision-table designer in a real browser (Chromium through Playwright) against
`brickwork demo`: an analyst who designs the AML app builds a table with the keyboard and the
mouse only, sees a cell's mistake as it is typed and an overlap next to its rules (gone under
the hit policy First), fixes both,
reorders rules with the keyboard, runs an embedded test and publishes. The page fixture fails
on a console error, a Content-Security-Policy violation or a request to another host.
Screenshots go to `test-artifacts/screenshots/`. One server for the module."""

from __future__ import annotations

import re
from typing import Any

import pytest
from test_web_in_browser import browser, demo, page, shoot, sign_in

__all__ = ["browser", "demo", "page"]
pytestmark = pytest.mark.browser
KEY = "country_risk"


def settled(page: Any) -> None:
    """Wait until htmx has swapped and settled the grid (its new buttons are live)."""
    from playwright.sync_api import expect

    busy = ".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added"
    expect(page.locator(busy)).to_have_count(0)


def rule_ids(page: Any) -> list[str]:
    found: list[str] = page.eval_on_selector_all(
        "#decision-grid input[name=rule_id]", "inputs => inputs.map(i => i.value)"
    )
    return found


def test_an_analyst_builds_fixes_tests_and_publishes_a_decision_table(
    page: Any, demo: dict[str, Any]
) -> None:
    from playwright.sync_api import expect

    sign_in(page, demo, "aml.officer")
    page.click("a[href='/apps/aml/design/decisions']")
    page.wait_for_url("**/apps/aml/design/decisions")
    page.fill("#new-label", "国家风险")
    page.fill("#new-key", KEY)
    page.click("form.new-model button[type=submit]")
    page.wait_for_url(f"**/apps/aml/design/decisions/{KEY}")
    expect(page.locator("#design-decisions")).to_have_attribute("aria-current", "page")

    page.evaluate("() => { window.sameDocument = true; }")
    page.fill("#in-name-0", "Country")
    page.select_option("#in-type-0", "string")
    page.fill("#out-name-0", "risk")
    page.select_option("#out-type-0", "string")
    page.locator("#when-0-0").fill("")
    page.locator("#when-0-0").press_sequentially('"KP", [1..', delay=20)
    expect(page.locator("#check-when-0-0")).to_contain_text("第 1 行", timeout=10_000)
    page.fill("#when-0-0", '"KP", "IR"')
    page.locator("#when-0-0").press("Space")
    page.locator("#when-0-0").press("Backspace")
    expect(page.locator("#check-when-0-0 .cell-error")).to_have_count(0, timeout=10_000)
    page.fill("#then-0-0", '"high"')
    page.click("#add-rule")
    page.wait_for_selector("#then-1-0")
    settled(page)
    page.fill("#then-1-0", '"low"')
    page.click("#save")
    findings = page.locator("#findings")
    expect(findings).to_be_visible()
    expect(findings).to_contain_text("重叠")
    for row in ("#rule-0", "#rule-1"):
        expect(page.locator(row)).to_have_class(re.compile(r"\brow-warning\b"))
    expect(page.locator("#rule-1 + tr.row-note")).to_contain_text("r_1")
    settled(page)
    shoot(page, "decision-table-overlap")

    page.select_option("#hit-policy", "F")  # first match wins: overlaps are allowed
    expect(page.locator("#findings")).to_have_count(0)
    settled(page)
    expect(page.locator("#hit-policy")).to_have_value("F")
    page.select_option("#hit-policy", "U")
    expect(page.locator("#findings")).to_be_visible()
    settled(page)

    page.fill("#when-1-0", 'not("KP", "IR")')
    page.click("#save")
    expect(page.locator("#findings")).to_have_count(0)
    settled(page)

    page.focus("#down-r_1")
    page.keyboard.press("Enter")
    expect(page.locator("#decision-grid input[name=rule_id]").first).to_have_value("r_2")
    settled(page)
    assert rule_ids(page) == ["r_2", "r_1"]
    page.focus("#up-r_1")
    page.keyboard.press("Enter")
    expect(page.locator("#decision-grid input[name=rule_id]").first).to_have_value("r_1")
    settled(page)

    page.click("#add-test")
    page.wait_for_selector("#expect-0")
    settled(page)
    page.fill("#test-0-0", '"IR"')
    page.fill("#expect-0", '"low"')
    page.click("#run-tests")
    expect(page.locator("#test-0 .badge.fail")).to_be_visible()
    settled(page)
    page.fill("#expect-0", '"high"')
    page.click("#run-tests")
    expect(page.locator("#test-0 .badge.pass")).to_be_visible()
    settled(page)
    page.click("#publish")
    expect(page.locator("#editor-message")).to_have_text("已发布为第 1 版。")
    assert page.evaluate("() => window.sameDocument === true")  # swapped in place throughout
    shoot(page, "decision-table-published")

    token = page.evaluate("() => document.querySelector('meta[name=csrf-token]').content")
    answer = page.request.post(
        f"{demo['base']}/api/v1/apps/aml/decisions/{KEY}/evaluate",
        data={"inputs": {"Country": "KP"}},
        headers={"X-CSRF-Token": token},
    )
    assert answer.status == 200, answer.text()
    assert answer.json()["value"] == "high"
