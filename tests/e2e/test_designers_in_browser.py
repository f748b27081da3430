"""The report builder and the dashboard layout editor in a real browser (Chromium through
Playwright) against `brickwork demo`: the demo's analyst builds a bar-chart report of the
onboarding app (dataset, a dimension, measures moved by keyboard, the chart type), watches the
preview, publishes it, places it on a new dashboard with the layout buttons, publishes that and
opens it. No console error, CSP violation or request to another host; screenshots of the
builder and the layout editor go to `test-artifacts/screenshots/`. One server for the module."""

from __future__ import annotations

from typing import Any

import pytest
from test_web_in_browser import browser, demo, page, shoot, sign_in, until

__all__ = ["browser", "demo", "page"]
pytestmark = pytest.mark.browser


def test_an_analyst_builds_a_bar_chart_report_and_puts_it_on_a_dashboard(
    page: Any, demo: dict[str, Any]
) -> None:
    sign_in(page, demo, "analyst")
    page.goto(demo["base"] + "/apps/onboarding/forms/customer")
    page.click("#design-link")
    page.wait_for_url("**/apps/onboarding/design")
    page.fill("#new-report-key", "aum_by_type")
    page.fill("#new-report-label", "客户类型资产")
    page.select_option("#new-report-form", "customer")
    page.click("#new-report button[type=submit]")
    page.wait_for_url("**/apps/onboarding/design/reports/aum_by_type")
    assert page.is_disabled("#publish")  # nothing to group or measure yet

    page.select_option("#new-dimension-field", "customer_type")
    page.click("#add-dimension")
    page.wait_for_selector("#dimensions-0")
    page.select_option("#new-measure-function", "sum")
    page.select_option("#new-measure-field", "aum")
    page.focus("#add-measure")
    page.keyboard.press("Enter")
    page.wait_for_selector("#measures-0")
    page.select_option("#new-measure-function", "count")
    page.focus("#add-measure")
    page.keyboard.press("Enter")
    page.wait_for_selector("#measures-1")
    # the count goes first, by keyboard
    page.focus("#up-measures-1")
    page.keyboard.press("Enter")
    first_function = "id => (document.getElementById(id) || {}).value === 'count'"
    until(page, first_function, "measures-0-function")
    assert page.evaluate("() => document.activeElement.id") == "down-measures-0"
    # a filter naming no field is shown next to it, and publishing waits
    page.fill("#new-filter", "no_such_field = 1")
    page.click("#add-filter")
    page.wait_for_selector("#filters-0 .field-error")
    assert page.is_disabled("#publish")
    shoot(page, "report-builder-problem")
    page.focus("#remove-filters-0")
    page.keyboard.press("Enter")
    until(page, "() => !document.getElementById('filters-0')", None)
    # undo brings the removed filter back, redo removes it again
    page.click("#undo")
    page.wait_for_selector("#filters-0")
    page.click("#redo")
    until(page, "() => !document.getElementById('filters-0')", None)

    page.select_option("#chart", "bar")
    page.wait_for_selector("#preview-chart svg")
    assert page.locator(".preview .report-table tbody tr").count() == 2
    shoot(page, "report-builder")
    page.click("#publish")
    page.wait_for_selector("#published")

    page.click("nav.breadcrumb a[href='/apps/onboarding/design']")
    page.wait_for_url("**/apps/onboarding/design")
    page.fill("#new-dashboard-key", "asset_board")
    page.fill("#new-dashboard-label", "资产看板")
    page.click("#new-dashboard button[type=submit]")
    page.wait_for_url("**/apps/onboarding/design/dashboards/asset_board")
    page.select_option("#new-item-report", "aum_by_type")
    page.click("#add-item")
    page.wait_for_selector("#item-0")
    before = page.inner_text("#item-0-place")
    page.focus("#wider-0")
    page.keyboard.press("Enter")
    until(page, "text => document.getElementById('item-0-place').innerText !== text", before)
    assert "7" in page.inner_text("#item-0-place")
    shoot(page, "dashboard-layout")
    page.click("#publish")
    page.wait_for_selector("#open-dashboard")
    page.click("#open-dashboard")
    page.wait_for_selector("#panel-aum_by_type .chart svg")
    assert "资产看板" in page.inner_text(".content h1")
    assert page.locator("nav.sidebar a[href='/apps/onboarding/dashboards/asset_board']").count()
