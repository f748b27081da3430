"""The report builder and the dashboard layout editor in a real browser (Chromium through
Playwright) against `brickwork demo`: the demo's analyst builds a bar-chart report of the
onboarding app (dataset, a dimension, measures moved by keyboard, the chart type), watches the
preview, publishes it, places it on a new dashboard with the layout buttons, publishes that and
opens it; then drags a measure and a dashboard tile (its place and its size), undoing and redoing
with Ctrl+Z and Ctrl+Y. No console error, CSP violation or request to another host; screenshots of
the builder and the layout editor go to `test-artifacts/screenshots/`. One server for the module."""

from __future__ import annotations

from typing import Any

import pytest
from test_web_in_browser import browser, demo, page, shoot, sign_in, until

__all__ = ["browser", "demo", "page"]
pytestmark = pytest.mark.browser
API = "/api/v1/apps/onboarding/definitions"


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


def saved(page: Any, demo: dict[str, Any], kind: str, key: str) -> dict[str, Any]:
    """The draft's spec as the API reads it."""
    answer = page.request.get(f"{demo['base']}{API}/{kind}/{key}")
    assert answer.status == 200, answer.text()
    spec: dict[str, Any] = answer.json()["draft"]["spec"]
    return spec


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
    # focus follows the row once the swap has settled
    until(
        page, "id => document.activeElement && document.activeElement.id === id", "down-measures-0"
    )
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


def test_a_measure_and_a_tile_are_dragged_and_undone_by_keys(
    page: Any, demo: dict[str, Any]
) -> None:
    sign_in(page, demo, "analyst")
    page.goto(demo["base"] + "/apps/onboarding/design")
    page.fill("#new-report-key", "aum_by_risk")
    page.fill("#new-report-label", "风险等级资产")
    page.select_option("#new-report-form", "customer")
    page.click("#new-report button[type=submit]")
    page.wait_for_url("**/apps/onboarding/design/reports/aum_by_risk")
    page.select_option("#new-dimension-field", "customer_type")
    page.click("#add-dimension")
    page.wait_for_selector("#dimensions-0")
    for index, function in enumerate(("sum", "max", "count")):
        page.select_option("#new-measure-function", function)
        page.select_option("#new-measure-field", "aum" if function != "count" else "")
        page.click("#add-measure")
        page.wait_for_selector(f"#measures-{index}")

    def measures() -> list[str]:
        return [m["key"] for m in saved(page, demo, "report", "aum_by_risk")["measures"]]

    assert measures() == ["sum_aum", "max_aum", "count"]
    # the count dragged by its handle to the top of the list
    target = page.locator("#measures-0").bounding_box()
    assert target is not None
    drag_to(page, "#grip-measures-2", target["x"] + target["width"] / 2, target["y"] + 3)
    count_first = "id => (document.getElementById(id) || {}).value === 'count'"
    until(page, count_first, "measures-0-function")
    assert measures() == ["count", "sum_aum", "max_aum"]
    shoot(page, "report-builder-dragged")
    page.locator("#preview-head").click()
    page.keyboard.press("Control+z")
    until(page, "id => (document.getElementById(id) || {}).value === 'sum'", "measures-0-function")
    assert measures() == ["sum_aum", "max_aum", "count"]
    page.keyboard.press("Control+y")
    until(page, count_first, "measures-0-function")
    assert measures() == ["count", "sum_aum", "max_aum"]
    page.click("#publish")
    page.wait_for_selector("#published")

    page.goto(demo["base"] + "/apps/onboarding/design")
    page.fill("#new-dashboard-key", "risk_board")
    page.fill("#new-dashboard-label", "风险看板")
    page.click("#new-dashboard button[type=submit]")
    page.wait_for_url("**/apps/onboarding/design/dashboards/risk_board")
    page.select_option("#new-item-report", "aum_by_risk")
    page.click("#add-item")
    page.wait_for_selector("#item-0")

    def tile() -> tuple[int, int, int, int]:
        item = saved(page, demo, "dashboard", "risk_board")["items"][0]
        return item["x"], item["y"], item["w"], item["h"]

    def shown(place: tuple[int, int, int, int]) -> None:
        expected = "{} {} {} {}".format(*place)
        script = "want => { const t = document.getElementById('item-0'); return t && "
        script += "[t.dataset.x, t.dataset.y, t.dataset.w, t.dataset.h].join(' ') === want; }"
        until(page, script, expected)

    assert tile() == (0, 0, 6, 4)
    # three columns right and two rows down: one column is a twelfth of the grid
    grid = page.locator("ol.layout").bounding_box()
    grip = page.locator("#grip-0").bounding_box()
    assert grid is not None
    assert grip is not None
    column, row = (grid["width"] - 16) / 12, 40 + 8
    x, y = grip["x"] + grip["width"] / 2, grip["y"] + grip["height"] / 2
    drag_to(page, "#grip-0", x + 3 * column, y + 2 * row)
    shown((3, 2, 6, 4))
    assert tile() == (3, 2, 6, 4)
    # the corner two columns narrower and one row taller
    corner = page.locator("#resize-0").bounding_box()
    assert corner is not None
    x, y = corner["x"] + corner["width"] / 2, corner["y"] + corner["height"] / 2
    drag_to(page, "#resize-0", x - 2 * column, y + row)
    shown((3, 2, 4, 5))
    assert tile() == (3, 2, 4, 5)
    shoot(page, "dashboard-layout-dragged")
    page.locator("#layout-form > p.muted.small").click()
    page.keyboard.press("Control+z")
    shown((3, 2, 6, 4))
    page.keyboard.press("Control+z")
    shown((0, 0, 6, 4))
    assert tile() == (0, 0, 6, 4)
    page.keyboard.press("Control+Shift+z")
    shown((3, 2, 6, 4))
    assert tile() == (3, 2, 6, 4)
    # by keyboard alone: Alt+arrow keys on the tile's handle, Alt+Shift+arrow keys size it
    page.focus("#grip-0")
    page.keyboard.press("Alt+ArrowLeft")
    shown((2, 2, 6, 4))
    assert page.evaluate("() => document.activeElement.id") == "grip-0"
    page.keyboard.press("Alt+Shift+ArrowRight")
    shown((2, 2, 7, 4))
    assert tile() == (2, 2, 7, 4)
