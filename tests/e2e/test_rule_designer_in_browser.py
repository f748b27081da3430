"""The rule editor in a real browser (Chromium through Playwright) against `brickwork demo`:
the demo's analyst, who designs the onboarding app, writes a rule only through the browser —
when a customer's assets exceed ten million, the customer type becomes corporate — with a
condition typed in the expression editor (a typo first: the error under it with a caret, then
fixed), a set-fields action, a test that passes, undo and redo, and publishes it after the dry
run; a clerk then creates a customer in the app and sees the rule's effect, and the analyst
tries the published rule on that record from the editor. Actions move by drag and by keyboard.
A rule with a mistake (a name the form lacks, said as it is typed; a value left empty) cannot
be published, and its error shows on the action's card. The page fixture fails on a console
error, a Content-Security-Policy violation or a request to another host. Screenshots go to
`test-artifacts/screenshots/`. One server for the module."""

from __future__ import annotations

from typing import Any

import pytest
from test_web_in_browser import browser, demo, page, shoot, sign_in

__all__ = ["browser", "demo", "page"]
pytestmark = pytest.mark.browser
EDITOR = "/apps/onboarding/design/rules"


def drag_above(page: Any, handle: str, card: str) -> None:
    """Drag by `handle` with the mouse in small steps (SortableJS follows pointer events) to
    just inside the top of `card`."""
    start = page.locator(handle).bounding_box()
    goal = page.locator(card).bounding_box()
    assert start is not None
    assert goal is not None
    x, y = start["x"] + start["width"] / 2, start["y"] + start["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 3, y - 5)
    page.wait_for_timeout(100)
    page.mouse.move(x, goal["y"] + 6, steps=16)
    page.wait_for_timeout(200)
    page.mouse.move(x, goal["y"] + 4, steps=2)
    page.wait_for_timeout(200)
    page.mouse.up()


def new_rule(page: Any, demo: dict[str, Any], key: str, name: str) -> None:
    """Start a rule on the customer form that runs when a customer is created or updated."""
    page.goto(demo["base"] + EDITOR)
    page.fill("#new-key", key)
    page.fill("#new-label", name)
    page.select_option("#new-form", "customer")
    page.select_option("#new-trigger", "record")
    page.click("#new-rule-submit")
    page.wait_for_url(f"**{EDITOR}/{key}")
    page.wait_for_selector("#trigger-form")


def test_an_analyst_writes_tests_and_publishes_a_rule_that_then_acts(
    page: Any, demo: dict[str, Any]
) -> None:
    from playwright.sync_api import expect

    sign_in(page, demo, "analyst")
    new_rule(page, demo, "large_customer", "大额客户")
    assert page.input_value("#trigger-on") == "record"
    assert page.is_checked("#trigger-events-created")
    assert page.is_checked("#trigger-events-updated")
    assert page.is_checked("#phase-before")

    # the condition, with a typo first: the checker's message under it, a caret at the name
    condition = page.locator("#rule-condition")
    condition.fill("aun > 10000000")
    problem = page.locator("#rule-condition-problem")
    expect(problem).to_be_visible()
    expect(problem.locator(".expr-message")).to_contain_text("aun")
    caret = problem.locator(".expr-caret").inner_text()
    assert caret.splitlines()[1].startswith("^")
    shoot(page, "rule-editor-condition-error")
    condition.fill("aum > 10000000")
    box = page.locator(".expr-editor:has(#rule-condition)")
    expect(box).to_have_attribute("data-state", "valid")
    expect(problem).to_be_hidden()

    # the action: set the customer type
    assert page.input_value("#new-action-type") == "set_fields"
    page.click("#add-action")
    page.wait_for_selector("#action-0")
    page.select_option("#action-0-values-key-0", "customer_type")
    page.fill("#action-0-values-value-0", '"corporate"')
    expect(page.locator(".expr-editor:has(#action-0-values-value-0)")).to_have_attribute(
        "data-state", "valid"
    )

    # a test: a customer with twenty million becomes corporate
    page.click("#add-example")
    page.wait_for_selector("#example-0")
    page.fill("#example-0-name", "两千万的个人客户")
    page.fill("#example-0-record-name", "钱多多")
    page.fill("#example-0-record-customer_type", "individual")
    page.fill("#example-0-record-aum", "20000000")
    page.fill("#example-0-expect-customer_type", "corporate")
    page.click("#run-examples")
    expect(page.locator("#example-0-result")).to_have_text("通过")
    expect(page.locator("#examples-summary")).to_contain_text("1 个通过，0 个未通过")

    # undo and redo within the page
    page.click("#add-example")
    page.wait_for_selector("#example-1")
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("Control+z")
    expect(page.locator("#example-1")).to_have_count(0)
    page.keyboard.press("Control+y")
    expect(page.locator("#example-1")).to_have_count(1)
    # the second test: a small customer updated does nothing
    page.fill("#example-1-name", "小额客户修改")
    page.select_option("#example-1-event", "updated")
    page.fill("#example-1-previous-aum", "400")
    page.fill("#example-1-record-aum", "500.50")
    page.select_option("#example-1-matched", "false")
    page.click("#run-examples")
    expect(page.locator("#example-1-result")).to_have_text("通过")
    expect(page.locator("#examples-summary")).to_contain_text("2 个通过，0 个未通过")
    shoot(page, "rule-editor")

    # publish: the dry run first, then the rule is in force
    page.click("#publish")
    dialog = page.locator("#publish-dialog")
    expect(dialog).to_be_visible()
    expect(page.locator("#publish-summary")).to_contain_text("v1")
    shoot(page, "rule-editor-publish")
    page.click("#publish-confirm")
    expect(page.locator("#designer-status")).to_contain_text("已发布为第 1 版")
    # the tests' amounts were kept exactly as typed
    api = demo["base"] + "/api/v1/apps/onboarding/definitions/rule/large_customer"
    stored = page.request.get(api).text().replace(" ", "")
    assert '"aum":500.50' in stored
    assert '"aum":20000000' in stored
    page.goto(demo["base"] + EDITOR)
    row = page.locator("#rule-large_customer")
    expect(row).to_contain_text("v1")
    expect(row).to_contain_text("保存前")
    shoot(page, "rule-list")

    # a clerk creates a customer with twenty million: the rule makes it corporate
    page.click("details.user-menu summary")
    page.click("form[action='/logout'] button")
    page.wait_for_url("**/login")
    sign_in(page, demo, "clerk.sh")
    page.goto(demo["base"] + "/apps/onboarding/forms/customer/new")
    page.fill("#field-name", "钱多多")
    page.select_option("#field-customer_type", "individual")
    page.fill("#field-aum", "20000000.00")
    page.click("form.record-form button[type=submit]")
    page.wait_for_selector("#details-title")
    details = page.inner_text("#content")
    assert "钱多多" in details
    assert "机构" in details
    assert "个人" not in details
    shoot(page, "rule-editor-effect")
    record_id = page.url.rstrip("/").rsplit("/", 1)[-1]

    # back in the editor, the analyst tries the published rule on that customer
    page.click("details.user-menu summary")
    page.click("form[action='/logout'] button")
    page.wait_for_url("**/login")
    sign_in(page, demo, "analyst")
    page.goto(demo["base"] + EDITOR + "/large_customer")
    page.wait_for_selector("#trigger-form")
    page.fill("#replay-record", record_id)
    page.select_option("#replay-event", "updated")
    page.click("#replay-run")
    expect(page.locator("#replay-verdict")).to_have_text("条件成立；它将执行：")
    expect(page.locator("#replay-effects")).to_contain_text("设置字段")
    expect(page.locator("#replay-effects")).to_contain_text("corporate")
    page.locator("#rd-replay").scroll_into_view_if_needed()
    shoot(page, "rule-editor-try")


def test_a_rule_with_a_mistake_is_not_published_and_shows_it_on_its_action(
    page: Any, demo: dict[str, Any]
) -> None:
    from playwright.sync_api import expect

    sign_in(page, demo, "analyst")
    new_rule(page, demo, "broken_rule", "有错误的规则")
    page.fill("#rule-condition", "aum > 0")
    page.click("#add-action")
    page.wait_for_selector("#action-0")
    page.click("#add-action")
    page.wait_for_selector("#action-1")
    # a name the form does not have: said under the value as it is typed
    page.fill("#action-1-values-value-0", "no_such_field + 1")
    expect(page.locator("#action-1-values-value-0-problem")).to_contain_text("no_such_field")
    page.fill("#action-1-values-value-0", "upper case(name)")
    expect(page.locator(".expr-editor:has(#action-1-values-value-0)")).to_have_attribute(
        "data-state", "valid"
    )
    # the second action goes first by drag; undone; then by keyboard
    drag_above(page, "#action-1 .rd-handle", "#action-0")
    expect(page.locator("#action-0-values-value-0")).to_have_value("upper case(name)")
    page.locator("#actions-title").click()
    page.keyboard.press("Control+z")
    expect(page.locator("#action-1-values-value-0")).to_have_value("upper case(name)")
    page.focus("#action-1-up")
    page.keyboard.press("Enter")
    expect(page.locator("#action-0-up")).to_be_disabled()
    expect(page.locator("#action-0-values-value-0")).to_have_value("upper case(name)")
    expect(page.locator("#action-1-values-value-0")).to_have_value("")
    page.click("#publish")
    card = page.locator("#action-1")
    expect(card).to_have_class("rd-card has-problem")
    expect(page.locator("#action-1-problems")).to_be_visible()
    expect(page.locator("#action-0")).to_have_class("rd-card")
    expect(page.locator("#designer-problem-list")).to_contain_text("动作 2")
    expect(page.locator("#publish-dialog")).to_be_hidden()
    shoot(page, "rule-editor-problem")
    page.click("#designer-problem-list button")
    expect(page.locator("#action-1")).to_be_focused()
    page.goto(demo["base"] + EDITOR)
    expect(page.locator("#rule-broken_rule")).to_contain_text("未发布")
