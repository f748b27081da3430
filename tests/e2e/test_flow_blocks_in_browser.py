"""The blocks designer of a flow in a real browser (Chromium through Playwright) against
`brickwork demo`: the demo's analyst opens a new flow of the onboarding customer form (made
through the JSON API, start to end), adds an approval, then condition branches whose first
branch holds for large assets (the condition checked as it is typed) and whose default branch
gets an approval of its own, saves, publishes, and the published flow validates. No console
error, CSP violation or request to another host; screenshots go to
`test-artifacts/screenshots/`. One server for the module."""

from __future__ import annotations

from typing import Any

import pytest
from test_form_designer_in_browser import api_client
from test_web_in_browser import browser, demo, page, shoot, sign_in, until

__all__ = ["browser", "demo", "page"]
pytestmark = pytest.mark.browser
FLOW = "/definitions/flow/large_customer"
DOWN = "下移"


def test_an_analyst_builds_a_flow_of_branches_and_publishes_it(
    page: Any, demo: dict[str, Any]
) -> None:
    api = api_client(demo, "analyst")
    try:
        made = api.post(
            "/apps/onboarding/definitions",
            json={
                "kind": "flow",
                "key": "large_customer",
                "label": {"zh-CN": "大客户审批", "en": "Large customer approval"},
                "spec": {
                    "form": "customer",
                    "nodes": [{"id": "start", "type": "start"}, {"id": "end", "type": "end"}],
                    "edges": [{"id": "e_start_end", "from": "start", "to": "end"}],
                },
            },
        )
        assert made.status_code == 201, made.text

        sign_in(page, demo, "analyst")
        page.goto(demo["base"] + "/apps/onboarding/design/flows/large_customer/blocks")
        page.wait_for_selector("#fb-flow .fb-card[data-type='end']")
        assert page.get_attribute("#canvas-link", "href") == (
            "/apps/onboarding/design/flows/large_customer"
        )

        # an approval after the start
        gaps = page.locator("#fb-flow > .fb-gap")
        gaps.nth(0).locator(".fb-add").click()
        gaps.nth(0).locator(".fb-add-menu [data-kind='approval']").click()
        page.wait_for_selector("#fb-flow > .fb-card[data-type='approval'].chosen")
        page.fill("#p-label-zh", "客户经理审批")
        page.fill("#p-label-en", "Relationship manager")
        page.click("#p-sla")
        until(
            page,
            "() => document.querySelector('.fb-card.chosen .fb-card-title')"
            ".textContent === '客户经理审批'",
            None,
        )

        # condition branches after it: large assets, otherwise another approval
        gaps.nth(1).locator(".fb-add").click()
        gaps.nth(1).locator(".fb-add-menu [data-kind='branches']").click()
        page.wait_for_selector(".fb-block .fb-branch-card.chosen")
        # saved without its condition, the branch is refused and says why on its card
        page.click("#save-draft")
        page.wait_for_selector(".fb-branch-card.has-problem .fb-card-problems li")
        assert page.is_visible("#designer-problems")
        shoot(page, "flow-blocks-problem")
        page.fill("#p-label-zh", "大额资产")
        page.fill("#p-condition", "aum > 1000000")
        until(
            page,
            "() => { const p = document.getElementById('p-condition-problem');"
            " return p && p.hidden && document.querySelector('#p-condition-box [data-ready]'); }",
            None,
        )
        page.click("#p-label-en")
        until(
            page,
            "() => [...document.querySelectorAll('.fb-branch-card .fb-card-detail')]"
            ".some(e => e.textContent === 'aum > 1000000')",
            None,
        )
        otherwise = ".fb-block .fb-branch:nth-child(2) .fb-steps > .fb-gap"
        page.click(f"{otherwise} .fb-add")
        page.click(f"{otherwise} .fb-add-menu [data-kind='approval']")
        page.wait_for_selector(".fb-branch:nth-child(2) .fb-card[data-type='approval'].chosen")
        page.select_option("#p-mode", "all")
        page.fill("#p-label-zh", "运营主管会签")
        page.click("#p-sla")
        assert page.locator(".fb-default").count() == 1

        # the first approval moves below the branches by keyboard, and undo puts it back
        order = (
            "() => [...document.querySelectorAll('#fb-flow > .fb-card, #fb-flow > .fb-block')]"
            ".map(e => e.dataset.type || 'branches').join(' ')"
        )
        page.focus(f"#fb-flow > .fb-card[data-type='approval'] .fb-tool[aria-label='{DOWN}']")
        page.keyboard.press("Enter")
        until(page, f"() => ({order})() === 'start branches approval end'", None)
        page.click("#undo")
        until(page, f"() => ({order})() === 'start approval branches end'", None)

        page.click("#save-draft")
        until(
            page,
            "() => /2/.test(document.getElementById('designer-status').textContent)"
            " && !document.getElementById('designer-status').textContent.includes('…')",
            None,
        )
        assert page.is_hidden("#designer-problems")
        assert page.locator(".has-problem").count() == 0
        shoot(page, "flow-blocks")

        page.click("#publish")
        until(
            page,
            "() => document.getElementById('designer-status').textContent.includes('1')",
            None,
            seconds=20,
        )
        shown = api.get("/apps/onboarding" + FLOW).json()
        assert shown["latest_version"] == 1, shown
        version = api.get("/apps/onboarding" + FLOW + "/versions/1").json()["body"]["spec"]
        kinds = [(node["id"], node["type"]) for node in version["nodes"]]
        assert [kind for _id, kind in kinds] == [
            "start",
            "approval",
            "exclusive",
            "approval",
            "exclusive",
            "end",
        ]
        conditions = [edge.get("condition") for edge in version["edges"] if "condition" in edge]
        assert conditions == ["aum > 1000000"]
        checked = api.post("/apps/onboarding" + FLOW + "/validate")
        assert checked.json() == {"valid": True, "problems": []}, checked.text
    finally:
        api.close()
