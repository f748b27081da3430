"""The decision-table designer in a real browser (Chromium through Playwright) against
`brickwork demo`: an analyst who designs the AML app builds a table with the keyboard and the
mouse only, sees a cell's mistake as it is typed and an overlap next to its rules (gone under
the hit policy First), fixes both,
reorders rules with the keyboard, runs an embedded test and publishes; then drags a rule by its
handle, undoes and redoes the move with Ctrl+Z and Ctrl+Y, and does the same with an input
column. The page fixture fails
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


def drag_to(page: Any, source: str, x: float, y: float) -> None:
    """Drag `source` with the mouse to the point (x, y) in small steps (SortableJS and the
    dashboard grid follow pointer events)."""
    box = page.locator(source).bounding_box()
    assert box is not None
    start_x, start_y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(start_x, start_y)
    page.mouse.down()
    page.mouse.move(start_x + 2, start_y + 5, steps=2)
    page.wait_for_timeout(100)
    page.mouse.move(x, y, steps=16)
    page.wait_for_timeout(200)
    page.mouse.move(x, y + 1, steps=2)
    page.wait_for_timeout(200)
    page.mouse.up()


def saved_rules(page: Any, demo: dict[str, Any]) -> list[str]:
    """The rules of the draft the API reads, in order."""
    url = f"{demo['base']}/api/v1/apps/aml/definitions/decision_table/sector_risk"
    logic = page.request.get(url).json()["draft"]["spec"]["decisions"][0]["logic"]
    return [rule["id"] for rule in logic["rules"]]


def saved_inputs(page: Any, demo: dict[str, Any]) -> list[str]:
    """The input columns of the draft the API reads, in order."""
    url = f"{demo['base']}/api/v1/apps/aml/definitions/decision_table/sector_risk"
    logic = page.request.get(url).json()["draft"]["spec"]["decisions"][0]["logic"]
    return [column["expression"] for column in logic["inputs"]]


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


def test_a_rule_is_dragged_and_the_move_undone_and_redone_by_keys(
    page: Any, demo: dict[str, Any]
) -> None:
    from playwright.sync_api import expect

    sign_in(page, demo, "aml.officer")
    page.goto(demo["base"] + "/apps/aml/design/decisions")
    page.fill("#new-label", "行业风险")
    page.fill("#new-key", "sector_risk")
    page.click("form.new-model button[type=submit]")
    page.wait_for_url("**/apps/aml/design/decisions/sector_risk")
    for row in (1, 2):
        page.click("#add-rule")
        page.wait_for_selector(f"#then-{row}-0")
        settled(page)
    for row, risk in enumerate(('"high"', '"medium"', '"low"')):
        page.fill(f"#then-{row}-0", risk)
    page.click("#save")
    settled(page)
    assert rule_ids(page) == ["r_1", "r_2", "r_3"]

    # the last rule dragged by its handle above the first
    target = page.locator("#rule-0").bounding_box()
    assert target is not None
    drag_to(page, "#grip-r_3", target["x"] + target["width"] / 2, target["y"] + 4)
    expect(page.locator("#decision-grid input[name=rule_id]").first).to_have_value("r_3")
    settled(page)
    assert rule_ids(page) == ["r_3", "r_1", "r_2"]
    assert page.input_value("#then-0-0") == '"low"'  # its cells went with it
    shoot(page, "decision-table-dragged")
    assert saved_rules(page, demo) == ["r_3", "r_1", "r_2"]

    # undone and redone from the keyboard (not typing in a cell)
    page.locator("#decision-grid").click(position={"x": 2, "y": 2})
    page.keyboard.press("Control+z")
    expect(page.locator("#decision-grid input[name=rule_id]").first).to_have_value("r_1")
    settled(page)
    assert rule_ids(page) == ["r_1", "r_2", "r_3"]
    assert saved_rules(page, demo) == ["r_1", "r_2", "r_3"]
    page.keyboard.press("Control+y")
    expect(page.locator("#decision-grid input[name=rule_id]").first).to_have_value("r_3")
    settled(page)
    assert saved_rules(page, demo) == ["r_3", "r_1", "r_2"]
    # and by keyboard alone: Alt+arrow keys on a rule's handle
    page.focus("#grip-r_3")
    page.keyboard.press("Alt+ArrowDown")
    expect(page.locator("#decision-grid input[name=rule_id]").nth(1)).to_have_value("r_3")
    settled(page)
    assert rule_ids(page) == ["r_1", "r_3", "r_2"]
    assert page.evaluate("() => document.activeElement.id") == "grip-r_3"
    page.click("#undo")
    expect(page.locator("#decision-grid input[name=rule_id]").first).to_have_value("r_3")
    settled(page)
    shoot(page, "decision-table-undone")

    # a second input column dragged before the first, its cells with it; undone by keys
    page.click("#add-input")
    page.wait_for_selector("#in-name-1")
    settled(page)
    page.fill("#when-0-1", '"bank"')
    page.click("#save")
    settled(page)
    first_input = page.locator("#decision-grid input[name=in_id]").first
    target = page.locator("th[data-row=in_1]").bounding_box()
    assert target is not None
    drag_to(page, "#grip-in_2", target["x"] + 6, target["y"] + target["height"] / 2)
    expect(first_input).to_have_value("in_2")
    settled(page)
    assert page.input_value("#when-0-0") == '"bank"'
    assert saved_inputs(page, demo) == ["Input 2", "Input 1"]
    shoot(page, "decision-table-column-dragged")
    page.locator("#decision-grid").click(position={"x": 2, "y": 2})
    page.keyboard.press("Control+z")
    expect(first_input).to_have_value("in_1")
    settled(page)
    assert saved_inputs(page, demo) == ["Input 1", "Input 2"]
    page.focus("#grip-in_1")
    page.keyboard.press("Alt+ArrowRight")
    expect(first_input).to_have_value("in_2")
    settled(page)
    assert saved_inputs(page, demo) == ["Input 2", "Input 1"]
