"""The form designer in a real browser (Chromium through Playwright) against `brickwork demo`:
an analyst who designs the onboarding app builds a new form only through the browser (five
fields dragged from the palette, among them a subtable with two dragged columns and a computed
field whose formula is checked as it is typed and completed by keyboard), moves a field by
keyboard and undoes it, sees the planned schema changes, publishes, and creates a record whose
computed total the server works out. Screenshots go to `test-artifacts/screenshots/`."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from test_web_in_browser import browser, demo, page, shoot, sign_in, until

pytestmark = pytest.mark.browser
__all__ = ["browser", "demo", "page"]
DESIGNER = "aum.ops"


def api_client(demo: dict[str, Any], username: str) -> httpx.Client:
    """An API client signed in as `username` (with the code its role may ask for)."""
    import pyotp

    secrets = {
        name: secret.strip()
        for name, _password, secret in (
            line.split("\t") for line in demo["users"].read_text().splitlines()
        )
    }
    client = httpx.Client(base_url=demo["base"] + "/api/v1", timeout=30)
    body = {"username": username, "password": demo["passwords"][username]}
    if secrets.get(username):
        body["otp"] = pyotp.TOTP(secrets[username]).now()
    signed = client.post("/auth/login", json=body)
    assert signed.status_code == 200, signed.text
    client.headers["X-CSRF-Token"] = signed.json()["csrf_token"]
    return client


@pytest.fixture(scope="module")
def designer(demo: dict[str, Any]) -> str:
    """The security administrator lets the analyst design the onboarding app and use its
    forms (the demo gives nobody that right)."""
    security = api_client(demo, "security")
    try:
        made = security.post(
            "/roles", json={"key": "form_builder", "label": {"zh-CN": "表单设计", "en": "Builder"}}
        )
        assert made.status_code == 201, made.text
        grants = [
            {"app": "onboarding", "actions": ["design", "publish"]},
            {"app": "onboarding", "form": "*", "actions": ["create", "read"], "rows": "all"},
        ]
        assert security.put("/roles/form_builder/permissions", json=grants).status_code == 200
        roles = security.get(f"/users/{DESIGNER}").json()["roles"]
        given = security.put(f"/users/{DESIGNER}/roles", json={"roles": [*roles, "form_builder"]})
        assert given.status_code == 200, given.text
    finally:
        security.close()
    return DESIGNER


def drag(page: Any, source: str, target: str) -> None:
    """Drag with the mouse in small steps (SortableJS follows pointer events) to the end of
    the list `target`: just right of its last card (SortableJS then appends), or into the
    list when it is empty."""
    page.locator(source).scroll_into_view_if_needed()
    start = page.locator(source).bounding_box()
    area = page.locator(target).bounding_box()
    cards = page.locator(f"{target} > .fd-card")
    assert start is not None
    assert area is not None
    if cards.count():
        last = cards.last.bounding_box()
        x = min(last["x"] + last["width"] + 12, area["x"] + area["width"] - 2)
        y = last["y"] + last["height"] / 2
    else:
        x, y = area["x"] + area["width"] / 2, area["y"] + area["height"] / 2
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    page.mouse.move(start["x"] + start["width"] / 2 + 5, start["y"] + start["height"] / 2 + 5)
    page.wait_for_timeout(100)
    page.mouse.move(x, y, steps=16)
    page.wait_for_timeout(200)
    page.mouse.move(x + 1, y + 1, steps=2)
    page.wait_for_timeout(200)
    page.mouse.up()


def card_keys(page: Any, selector: str) -> list[str]:
    return page.eval_on_selector_all(
        selector, "cards => cards.map(card => card.querySelector('.fd-key').textContent)"
    )


def test_an_analyst_builds_publishes_and_uses_a_new_form(
    page: Any, demo: dict[str, Any], designer: str
) -> None:
    from playwright.sync_api import expect

    sign_in(page, demo, designer)
    page.click("a[href='/apps/onboarding/design/forms']")
    page.wait_for_selector("#new-form")
    page.fill("#new-key", "expense")
    page.fill("#new-label-zh", "费用报销")
    page.fill("#new-label-en", "Expense claim")
    page.click("#new-form-submit")
    page.wait_for_url("**/apps/onboarding/design/forms/expense")
    page.wait_for_selector(".fd-top")
    assert page.locator("#design-forms-link[aria-current='page']").count() == 1

    # five fields dragged from the palette onto the section
    for kind in ("text", "money", "date", "subtable", "computed"):
        before = page.locator(".fd-top > .fd-card").count()
        drag(page, f"#palette-{kind}", ".fd-top")
        expect(page.locator(".fd-top > .fd-card")).to_have_count(before + 1)
    assert card_keys(page, ".fd-top > .fd-card") == [
        "text_1",
        "money_1",
        "date_1",
        "subtable_1",
        "computed_1",
    ]
    # the subtable's columns, dragged into it
    drag(page, "#palette-text", ".fd-rows")
    expect(page.locator(".fd-rows > .fd-card")).to_have_count(1)
    drag(page, "#palette-decimal", ".fd-rows")
    expect(page.locator(".fd-rows > .fd-card")).to_have_count(2)
    assert card_keys(page, ".fd-rows > .fd-card") == ["text_1", "decimal_1"]

    # properties: a required name, a fixed currency, the column's label
    page.click(".fd-top > .fd-card[data-type='text'] .fd-label")
    page.fill("#p-label-zh", "报销人")
    page.fill("#p-label-en", "Claimant")
    page.fill("#p-key", "claimant")
    page.check("#p-required")
    page.click(".fd-top > .fd-card[data-type='money'] .fd-label")
    page.fill("#p-key", "amount")
    page.fill("#p-currency", "CNY")
    page.click(".fd-rows > .fd-card[data-type='decimal'] .fd-label")
    page.fill("#p-label-zh", "单价")
    page.fill("#p-key", "price")

    # the formula: checked as it is typed, the error under it with a caret
    page.click(".fd-top > .fd-card[data-type='computed'] .fd-label")
    page.fill("#p-key", "total")
    page.fill("#p-expression", "amount + sum(subtable_1.prise)")
    problem = page.locator("#p-expression-problem")
    expect(problem).to_be_visible()
    expect(problem.locator(".expr-message")).to_contain_text("prise")
    caret = problem.locator(".expr-caret").inner_text()
    assert caret.splitlines()[1].index("^") == len("amount + sum(")
    shoot(page, "form-designer-formula-error")
    # completion by keyboard: type the start of a name, take it with Enter
    page.fill("#p-expression", "amount + sum(subtable_1.")
    page.focus("#p-expression")
    page.keyboard.press("End")
    page.keyboard.type("pri")
    expect(page.locator("#p-expression-list li").first).to_contain_text("price")
    page.keyboard.press("Enter")
    page.keyboard.type(")")
    assert page.input_value("#p-expression") == "amount + sum(subtable_1.price)"
    expect(page.locator(".expr-editor:has(#p-expression)")).to_have_attribute("data-state", "valid")
    expect(problem).to_be_hidden()

    # the live preview: sample values typed, the total worked out by the server, a bad amount
    page.click("#toggle-preview")
    expect(page.locator("#preview")).to_be_visible()
    page.fill("#preview-amount", "100.50")
    page.fill("#preview-subtable_1-price", "20.25")
    expect(page.locator("#preview-total")).to_have_value("120.75")
    page.fill("#preview-amount", "abc")
    expect(page.locator(".preview-field[data-key='amount'] .preview-error")).not_to_be_empty()
    page.fill("#preview-amount", "0.10")
    page.fill("#preview-subtable_1-price", "0.20")
    expect(page.locator("#preview-total")).to_have_value("0.30")  # exact, never 0.30000000000000004
    shoot(page, "form-designer-preview")
    page.click("#toggle-preview")

    # keyboard moves, and undo
    page.focus(".fd-top > .fd-card[data-type='date']")
    page.keyboard.press("Alt+ArrowUp")
    assert card_keys(page, ".fd-top > .fd-card")[:3] == ["claimant", "date_1", "amount"]
    page.click("#undo")
    assert card_keys(page, ".fd-top > .fd-card")[:3] == ["claimant", "amount", "date_1"]
    shoot(page, "form-designer")

    # publish: the planned schema changes first
    page.click("#publish")
    dialog = page.locator("#publish-dialog")
    expect(dialog).to_be_visible()
    expect(page.locator("#publish-steps")).to_contain_text("CREATE TABLE f_onboarding_expense")
    shoot(page, "form-designer-publish")
    page.click("#publish-confirm")
    expect(page.locator("#published-records")).to_be_visible()
    assert "已发布为第 1 版" in page.inner_text("#designer-status")

    # and the form works: a record with a subtable row, its total computed by the server
    page.goto(demo["base"] + "/apps/onboarding/forms/expense/new")
    page.fill("#field-claimant", "王小明")
    page.fill("#field-amount", "100.50")
    page.fill("#field-date_1", "2025-03-03")
    page.click("#add-subtable_1")
    page.wait_for_selector("input[name$='.0.price']")
    page.fill("input[name$='.0.text_1']", "出租车")
    page.fill("input[name$='.0.price']", "20.25")
    shoot(page, "form-designer-new-record")
    page.click("form.record-form button[type=submit]")
    page.wait_for_selector("#details-title")
    body = until(page, "() => document.querySelector('#content').innerText", None)
    assert "王小明" in body
    assert "120.75" in body
    shoot(page, "form-designer-record")


def test_an_analyst_gives_a_form_help_texts_limits_and_a_check_of_the_whole_record(
    page: Any, demo: dict[str, Any], designer: str
) -> None:
    from playwright.sync_api import expect

    sign_in(page, demo, designer)
    page.goto(demo["base"] + "/apps/onboarding/design/forms")
    page.fill("#new-key", "limit_claim")
    page.fill("#new-label-zh", "限额报销")
    page.click("#new-form-submit")
    page.wait_for_url("**/apps/onboarding/design/forms/limit_claim")
    page.wait_for_selector(".fd-top")
    for kind in ("text", "money", "money"):
        before = page.locator(".fd-top > .fd-card").count()
        drag(page, f"#palette-{kind}", ".fd-top")
        expect(page.locator(".fd-top > .fd-card")).to_have_count(before + 1)
    page.click(".fd-top > .fd-card[data-type='text'] .fd-label")
    page.fill("#p-key", "purpose")
    page.fill("#p-help-zh", "写明用途，如差旅、招待")
    page.click(".fd-top > .fd-card[data-type='money'] >> nth=0")
    page.fill("#p-key", "amount")
    page.fill("#p-label-zh", "金额")
    page.fill("#p-currency", "CNY")
    page.locator("details:has(#p-maximum) > summary").click()
    page.fill("#p-maximum", "50000.00")
    page.click(".fd-top > .fd-card[data-type='money'] >> nth=1")
    page.fill("#p-key", "approved")
    page.fill("#p-label-zh", "核准金额")
    page.fill("#p-currency", "CNY")

    # a check of the whole record: a typo first, shown under its expression and by the check
    page.click("#show-checks")
    page.click("#add-validation")
    page.fill("#v-expression-0", "approved <= amont")
    expect(page.locator("#v-expression-0-problem")).to_be_visible()
    expect(page.locator("#v-expression-0-problem .expr-message")).to_contain_text("amont")
    page.click("#save-draft")
    expect(page.locator("#form-validations [data-validation-problems]")).to_be_visible()
    expect(page.locator("#designer-problem-list")).to_contain_text("amont")
    assert page.is_visible("#designer-problems")
    page.fill("#v-expression-0", "approved <= amount")
    expect(page.locator(".expr-editor:has(#v-expression-0)")).to_have_attribute(
        "data-state", "valid"
    )
    page.fill("[data-validation] [data-vprop='message.zh-CN']", "核准金额不能超过申请金额")
    page.fill("[data-validation] [data-vprop='fields']", "approved")
    shoot(page, "form-designer-checks")
    page.click("#publish")
    expect(page.locator("#publish-dialog")).to_be_visible()
    page.click("#publish-confirm")
    expect(page.locator("#published-records")).to_be_visible()

    # the form as its users see it: the help text, the limit, the check
    page.goto(demo["base"] + "/apps/onboarding/forms/limit_claim/new")
    expect(page.locator("#content")).to_contain_text("写明用途，如差旅、招待")
    page.fill("#field-purpose", "差旅")
    page.fill("#field-amount", "50000.01")
    page.fill("#field-approved", "100.00")
    page.click("form.record-form button[type=submit]")
    expect(page.locator("#content")).to_contain_text("50000")
    assert page.locator("#details-title").count() == 0
    page.fill("#field-amount", "800.00")
    page.fill("#field-approved", "900.00")
    page.click("form.record-form button[type=submit]")
    expect(page.locator("#content")).to_contain_text("核准金额不能超过申请金额")
    assert page.locator("#details-title").count() == 0
    page.fill("#field-approved", "800.00")
    page.click("form.record-form button[type=submit]")
    page.wait_for_selector("#details-title")
