"""The flow simulation page in a real browser (Chromium through Playwright) against `brickwork
demo`: the designer of the credit app (`credit.loans`, who holds `design` on it) simulates the
credit pack's approval flow on sample values: within the branch's authority the path ends at
the branch; changed to the head office's authority it goes through the parallel reviews, the
committee and its chair; a rejection by the branch ends it there; an amount that is no amount
is said next to its input. The path is coloured on the diagram and the steps are listed.
Screenshots go to `test-artifacts/screenshots/`. No console error, CSP violation or request to
another host. One server for the module."""

from __future__ import annotations

from typing import Any

import pytest
from test_web_in_browser import browser, demo, page, shoot, sign_in

pytestmark = pytest.mark.browser
__all__ = ["browser", "demo", "page"]
DESIGNER = "credit.loans"
PAGE = "/apps/credit/design/flows/credit_approval/simulate"


def steps(page: Any) -> list[str]:
    return [
        str(node)
        for node in page.eval_on_selector_all(
            "#steps > li", "items => items.map(item => item.dataset.node)"
        )
    ]


def test_a_designer_simulates_the_credit_approval_and_sees_another_path(
    page: Any, demo: dict[str, Any]
) -> None:
    sign_in(page, demo, DESIGNER)
    page.goto(demo["base"] + PAGE)
    page.wait_for_selector("#simulate-form")
    assert page.get_attribute("#canvas-link", "href") == "/apps/credit/design/flows/credit_approval"
    page.fill("#value-customer_name", "上海浦江机械有限公司")
    page.select_option("#value-branch_level", "sub_branch")
    page.fill("#value-amount", "3000000.00")
    page.select_option("#value-authority", "branch")
    page.click("#simulate")
    page.wait_for_selector("#result")
    assert steps(page) == ["n_start", "n_branch", "n_authority", "n_branch_done"]
    assert "赵静" in page.inner_text("#steps li[data-node='n_branch']")  # the branch reviewer
    assert page.locator(".flow-diagram .node-box.done[data-node='n_branch_done']").count() == 1
    assert page.locator(".flow-diagram .node-box.skipped[data-node='n_committee']").count() == 1
    assert page.locator(".flow-diagram .edge.taken").count() == 3
    assert page.input_value("#value-amount") == "3000000.00"  # the values stay for another try
    shoot(page, "flow-simulation-branch")

    page.select_option("#value-authority", "head_office")
    page.click("#simulate")
    page.wait_for_selector("#result")
    path = steps(page)
    assert path[:3] == ["n_start", "n_branch", "n_authority"]
    assert {"n_split", "n_risk", "n_compliance", "n_join", "n_committee", "n_chair"} <= set(path)
    assert path[-1] == "n_done"
    assert page.locator("#result-end").count() == 1
    assert page.locator(".flow-diagram .node-box.done[data-node='n_committee']").count() == 1
    assert page.locator(".flow-diagram .node-box.skipped[data-node='n_branch_done']").count() == 1
    shoot(page, "flow-simulation-head-office")

    page.select_option("#outcome-n_branch", "rejected")
    page.click("#simulate")
    page.wait_for_selector("#result")
    assert steps(page) == ["n_start", "n_branch"]
    assert page.locator(".flow-diagram .node-box.rejected[data-node='n_branch']").count() == 1

    page.select_option("#outcome-n_branch", "approved")
    page.fill("#value-amount", "three million")
    page.click("#simulate")
    page.wait_for_selector("#value-amount-error")
    assert page.get_attribute("#value-amount", "aria-invalid") == "true"
    assert page.locator("#result").count() == 0
    shoot(page, "flow-simulation-bad-value")
