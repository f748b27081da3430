"""The flow designer in a real browser (Chromium through Playwright) against `brickwork demo`:
the demo's analyst builds a two-step approval with a condition on the canvas (steps placed from
the palette by drag and by keyboard, lines connected, the condition typed), sees the problems
on the nodes while the graph is incomplete, publishes it, and the flow runs: a clerk starts it
on a customer, the manager approves the first step, the condition sends the large customer to
the second step, and the analyst approves that. No console error, CSP violation or request to
another host; screenshots of the canvas go to `test-artifacts/screenshots/`. One server."""

from __future__ import annotations

from typing import Any

import pytest
from test_web_in_browser import browser, demo, page, shoot, sign_in, until

__all__ = ["browser", "demo", "page"]
pytestmark = pytest.mark.browser


def settled(page: Any) -> None:
    """Wait until the server has answered for the graph as it is now (drawing, problems)."""
    until(page, "() => document.getElementById('flow-designer').dataset.pending === 'false'", None)


def node_ids(page: Any) -> list[str]:
    return list(
        page.evaluate(
            "() => [...document.querySelectorAll('[data-node]')].map(n => n.dataset.node)"
        )
    )


def drag_onto(page: Any, source: str, target: str) -> None:
    """Drag `source` with the mouse and drop it on the middle of `target` (a line's box may
    have no height, which Playwright's own drag refuses as invisible)."""
    box = page.evaluate(
        "s => { const r = document.querySelector(s).getBoundingClientRect();"
        " return [r.x + r.width / 2, r.y + r.height / 2]; }",
        target,
    )
    page.hover(source)
    page.mouse.down()
    page.mouse.move(box[0] - 20, box[1], steps=5)
    page.mouse.move(box[0], box[1], steps=5)
    page.mouse.up()


def open_task(page: Any, demo: dict[str, Any], step: str, record: str) -> None:
    """Open the to-do of step `step` on the record named `record` from the inbox."""
    page.goto(demo["base"] + "/inbox")
    page.locator("table.dense tbody tr", has_text=step).locator("a", has_text=record).click()


def new_flow(
    page: Any, demo: dict[str, Any], app: str, form: str, key: str, zh: str, en: str
) -> None:
    """Start flow `key` on `form` from the app's flow list and wait for its empty canvas."""
    page.goto(demo["base"] + f"/apps/{app}/design/flows")
    page.fill("#new-flow-key", key)
    page.fill("#new-flow-label-zh", zh)
    page.fill("#new-flow-label-en", en)
    page.select_option("#new-flow-form", form)
    page.click("#new-flow-submit")
    page.wait_for_url(f"**/apps/{app}/design/flows/{key}")
    page.wait_for_selector("[data-node='start']")


def published_action_steps(page: Any, demo: dict[str, Any], flow: str) -> list[dict[str, Any]]:
    """Publish the credit app's flow on the canvas; the action steps of its first version."""
    page.click("#publish")
    page.wait_for_selector("#publish-dialog[open]")
    page.click("#publish-confirm")
    until(page, "id => document.getElementById(id).textContent.includes('1')", "designer-status")
    published = page.request.get(
        demo["base"] + f"/api/v1/apps/credit/definitions/flow/{flow}/versions/1"
    )
    assert published.ok, published.text()
    return [n for n in published.json()["body"]["spec"]["nodes"] if n["type"] == "action"]


def sign_out(page: Any) -> None:
    page.click("details.user-menu summary")
    page.click("form[action='/logout'] button")
    page.wait_for_url("**/login")


def test_an_analyst_builds_a_two_step_approval_with_a_condition_publishes_and_it_runs(
    page: Any, demo: dict[str, Any]
) -> None:
    sign_in(page, demo, "analyst")
    new_flow(
        page,
        demo,
        "onboarding",
        "customer",
        "large_review",
        "大额客户复核",
        "Large customer review",
    )
    assert sorted(node_ids(page)) == ["end", "start"]

    # the first approval: dragged from the palette onto the line from start to end
    drag_onto(page, "#palette-approval", "[data-edge='e_start_end'] .flow-line")
    page.wait_for_selector("[data-node='approval_1']")
    assert page.is_visible("#node-props")
    page.fill("#n-label-zh", "主管审核")
    page.fill("#n-label-en", "Manager review")
    page.click("#n-add-assignee")
    page.select_option("#n-assignees li:first-child select.assignee-role", "onboarding_manager")
    settled(page)
    assert page.locator(".has-problem").count() == 0

    # an exclusive branch after it, by keyboard: the chosen node, then Enter on the palette
    page.focus("#palette-exclusive")
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-node='exclusive_1']")
    # the second approval on the branch's line, by keyboard too
    page.focus("#palette-approval")
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-node='approval_2']")
    page.fill("#n-label-zh", "分析师复核")
    page.fill("#n-label-en", "Analyst review")
    page.click("#n-add-assignee")
    page.select_option("#n-assignees li:first-child select.assignee-type", "user")
    page.fill("#n-assignees li:first-child input", "analyst")
    page.keyboard.press("Tab")

    # the line into the second approval gets the condition instead of being the default
    page.focus("[data-edge='e_exclusive_1_end']")
    page.keyboard.press("Enter")
    assert page.is_visible("#edge-props")
    page.uncheck("#e-default")
    page.fill("#e-condition", "aum >")
    page.wait_for_selector("#e-condition-problem:not([hidden])")
    page.fill("#e-condition", "aum > 1000000")
    until(page, "id => document.getElementById(id).hidden", "e-condition-problem")
    settled(page)
    # without a default line the branch may find no way: shown on the gateway
    page.wait_for_selector("[data-node='exclusive_1'].has-problem")
    shoot(page, "flow-designer-problem")
    assert page.is_disabled("#publish")

    # connect the branch straight to the end: the default way
    page.locator("[data-node='exclusive_1']").click()
    page.select_option("#n-connect-to", "end")
    page.click("#n-connect")
    page.wait_for_selector("#edge-props:not([hidden])")
    page.check("#e-default")
    settled(page)
    until(page, "() => !document.querySelector('.has-problem')", None)
    assert page.is_hidden("#designer-problems")

    # zoom by keyboard and back to fit
    page.focus("#flow-canvas")
    before = page.evaluate("() => document.getElementById('flow-designer').dataset.zoom")
    page.keyboard.press("+")
    assert page.evaluate("() => document.getElementById('flow-designer').dataset.zoom") != before
    page.keyboard.press("0")
    shoot(page, "flow-designer")

    # undo the default, redo it
    page.click("#undo")
    page.wait_for_selector("[data-node='exclusive_1'].has-problem")
    page.click("#redo")
    until(page, "() => !document.querySelector('.has-problem')", None)

    page.click("#publish")
    page.wait_for_selector("#publish-dialog[open]")
    page.fill("#publish-note", "两级审批")
    page.click("#publish-confirm")
    until(page, "id => document.getElementById(id).textContent.includes('1')", "designer-status")
    published = page.request.get(
        demo["base"] + "/api/v1/apps/onboarding/definitions/flow/large_review/versions/1"
    )
    assert published.ok
    spec = published.json()["body"]["spec"]
    conditions = [e.get("condition") for e in spec["edges"] if e.get("condition")]
    assert conditions == ["aum > 1000000"]
    assert [n["type"] for n in spec["nodes"]].count("approval") == 2
    sign_out(page)

    # it runs: a clerk starts it on a large customer
    sign_in(page, demo, "clerk.sh")
    page.goto(demo["base"] + "/apps/onboarding/forms/customer/new")
    page.fill("#field-name", "高净值客户")
    page.fill("#field-aum", "2500000.00")
    page.click("form.record-form button[type=submit]")
    page.wait_for_selector("#details-title")
    record = page.url.rsplit("/", 1)[-1]
    page.select_option("#start-flow", "large_review")
    page.click("form.start-flow button[type=submit]")
    page.wait_for_selector("#details-title")
    sign_out(page)

    # the manager approves the first step (the demo's own review waits there too)
    sign_in(page, demo, "manager")
    open_task(page, demo, "主管审核", "高净值客户")
    page.wait_for_selector("#decide-title")
    page.click("#approve")
    page.wait_for_selector("#inbox-message")
    sign_out(page)

    # the condition holds (2,500,000 > 1,000,000): the analyst has the second step
    sign_in(page, demo, "analyst")
    open_task(page, demo, "分析师复核", "高净值客户")
    page.wait_for_selector("#decide-title")
    page.click("#approve")
    page.wait_for_selector("#inbox-message")
    flows = page.request.get(
        demo["base"] + f"/api/v1/apps/onboarding/forms/customer/records/{record}/flows"
    ).json()["items"]
    ours = [flow for flow in flows if flow["flow"] == "large_review"]
    assert [flow["status"] for flow in ours] == ["approved"], ours


def test_a_step_calls_a_decision_model_chosen_on_the_canvas(
    page: Any, demo: dict[str, Any]
) -> None:
    """The credit app's parameter owner adds an action step that calls the approval-authority
    model: the call starts with the model's inputs taken from fields of the same name, a typo
    in an input is marked on the step, and the published flow holds the call as built."""
    sign_in(page, demo, "credit.loans")
    new_flow(
        page, demo, "credit", "application", "authority_check", "审批权限测算", "Authority check"
    )
    drag_onto(page, "#palette-action", "[data-edge='e_start_end'] .flow-line")
    page.wait_for_selector("[data-node='action_1']")

    page.click("#n-add-call")
    page.wait_for_selector("#n-calls li[data-call='0']")
    assert page.input_value("#n-calls .call-model") == "authority_matrix"
    assert page.input_value("#n-calls input[data-input='amount']") == "amount"
    assert page.input_value("#n-calls input[data-input='branch_level']") == "branch_level"
    page.select_option("#n-calls .entry-field", "authority")
    page.fill("#n-calls input[data-input='branch_level']", "branch_levle")
    page.keyboard.press("Tab")
    settled(page)
    page.wait_for_selector("[data-node='action_1'].has-problem")
    assert page.is_disabled("#publish")
    page.fill("#n-calls input[data-input='branch_level']", "branch_level")
    page.keyboard.press("Tab")
    settled(page)
    until(page, "() => !document.querySelector('.has-problem')", None)
    shoot(page, "flow-designer-decision-call")

    (step,) = published_action_steps(page, demo, "authority_check")
    assert step["actions"] == [
        {
            "type": "call_decision",
            "model": "authority_matrix",
            "inputs": {"amount": "amount", "branch_level": "branch_level"},
            "outputs": {"authority": "result"},
        }
    ]


def test_a_step_books_the_loan_in_another_form(page: Any, demo: dict[str, Any]) -> None:
    """The credit app's analyst adds an action step that creates a loan record from the
    application: the fields both forms have are taken by name, a field given what it cannot
    take (the customer's name for the balance) is marked on the step until it is fixed, and the
    published flow holds the action as built."""
    sign_in(page, demo, "credit.loans")
    new_flow(page, demo, "credit", "application", "book_loan", "放款登记", "Book the loan")
    drag_onto(page, "#palette-action", "[data-edge='e_start_end'] .flow-line")
    page.wait_for_selector("[data-node='action_1']")

    page.click("#n-add-create")
    page.wait_for_selector("#n-writes li[data-write='0']")
    assert page.input_value("#n-writes .write-form") == "loan"
    entries = page.locator("#n-writes .write-values li")
    assert entries.count() == 4
    shared = [entries.nth(i).locator(".entry-field").input_value() for i in range(4)]
    assert shared == ["customer_no", "customer_name", "product", "guarantee_type"]

    page.click("#n-writes .write-add-value")  # the first field not set yet: the loan number
    until(page, "() => document.querySelectorAll('#n-writes .write-values li').length === 5", None)
    assert entries.nth(4).locator(".entry-field").input_value() == "loan_no"
    entries.nth(4).locator(".entry-expression").fill("application_no")
    page.keyboard.press("Tab")
    page.click("#n-writes .write-add-value")
    until(page, "() => document.querySelectorAll('#n-writes .write-values li').length === 6", None)
    assert entries.nth(5).locator(".entry-field").input_value() == "balance"
    entries.nth(5).locator(".entry-expression").fill("customer_name")
    page.keyboard.press("Tab")
    settled(page)
    page.wait_for_selector("[data-node='action_1'].has-problem")
    assert page.is_disabled("#publish")
    said = page.inner_text("#element-problems")
    assert "`balance`" in said
    assert "E_FLOW_VALUE_TYPE" in page.inner_text("#designer-problem-list")
    entries.nth(5).locator(".entry-expression").fill("amount")
    page.keyboard.press("Tab")
    settled(page)
    until(page, "() => !document.querySelector('.has-problem')", None)
    shoot(page, "flow-designer-create-record")

    (step,) = published_action_steps(page, demo, "book_loan")
    assert step["actions"] == [
        {
            "type": "create_record",
            "form": "loan",
            "values": {
                "customer_no": "customer_no",
                "customer_name": "customer_name",
                "product": "product",
                "guarantee_type": "guarantee_type",
                "loan_no": "application_no",
                "balance": "amount",
            },
        }
    ]
