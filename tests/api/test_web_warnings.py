"""Warnings on the pages: the form shows them after the server's check without blocking the
save, and the record's page shows the warnings it keeps, in the reader's language."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from conftest import Users

API = "/api/v1"
APP = f"{API}/apps/loans"
PAGE = "/apps/loans/forms/loan"
EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh-CN"}
FIELDS: list[dict[str, Any]] = [
    {"id": "l_name", "key": "borrower", "type": "text", "label": "Borrower", "required": True},
    {
        "id": "l_amount",
        "key": "amount",
        "type": "decimal",
        "scale": 2,
        "label": {"zh-CN": "金额", "en": "Amount"},
    },
    {"id": "l_limit", "key": "limit", "type": "decimal", "scale": 2, "label": "Limit"},
]
VALIDATIONS = [
    {
        "id": "over_limit",
        "expression": "amount <= limit",
        "fields": ["amount"],
        "severity": "warning",
        "message": {"zh-CN": "金额超过额度", "en": "amount is over the limit"},
    }
]
OFFICER = [{"app": "loans", "form": "loan", "actions": ["create", "read", "update"], "rows": "all"}]


@pytest.fixture
def officer(client: TestClient, users: Users) -> TestClient:
    assert client.post(f"{API}/apps", json={"key": "loans", "label": "Loans"}).status_code == 201
    client.post(f"{APP}/definitions", json={"kind": "form", "key": "loan", "label": "Loan"})
    spec = {"fields": FIELDS, "validations": VALIDATIONS}
    saved = client.put(f"{APP}/definitions/form/loan", json={"label": "Loan", "spec": spec})
    assert saved.status_code == 200, saved.text
    assert client.post(f"{APP}/definitions/form/loan/publish").status_code == 201
    return users.client("officer", grants=OFFICER)


def csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


def warnings_block(html: str, block_id: str) -> str | None:
    found = re.search(rf'<div class="alert warning"[^>]*id="{block_id}".*?</div>', html, re.S)
    return None if found is None else found.group(0)


def test_the_form_shows_warnings_after_the_check_and_still_saves(officer: TestClient) -> None:
    page = officer.get(f"{PAGE}/new", headers=EN).text
    assert '<div id="form-warnings" role="status"></div>' in page
    token = csrf(page)
    typed = {"csrf_token": token, "f.borrower": "Acme", "f.amount": "150", "f.limit": "100"}
    checked = officer.post(f"{PAGE}/check", data={**typed, "touched": "amount"}, headers=EN)
    block = warnings_block(checked.text, "form-warnings")
    assert block is not None, checked.text
    assert 'hx-swap-oob="true"' in block
    assert '<a href="#field-amount">Amount</a>: please check: amount is over the limit' in block
    assert re.search(r'id="err-amount"[^>]*></small>', checked.text), "a warning is no error"
    fine = officer.post(f"{PAGE}/check", data={**typed, "f.limit": "200"}, headers=EN)
    assert warnings_block(fine.text, "form-warnings") is None
    assert '<div id="form-warnings" role="status" hx-swap-oob="true"></div>' in fine.text
    chinese = officer.post(f"{PAGE}/check", data=typed, headers=ZH)
    block = warnings_block(chinese.text, "form-warnings")
    assert block is not None
    assert "请核对以下提示：记录仍可保存。" in block
    assert '<a href="#field-amount">金额</a>：请核对：金额超过额度' in block
    saved = officer.post(f"{PAGE}/new", data=typed, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    (record,) = officer.get(f"{APP}/forms/loan/records").json()["items"]
    assert record["amount"] == "150.00"


def test_the_record_page_shows_the_warnings_it_keeps(officer: TestClient) -> None:
    made = officer.post(
        f"{APP}/forms/loan/records", json={"borrower": "Acme", "amount": "150", "limit": "100"}
    )
    assert made.status_code == 201, made.text
    url = f"{PAGE}/records/{made.json()['id']}"
    page = officer.get(url, headers=EN).text
    block = warnings_block(page, "record-warnings")
    assert block is not None, page
    assert "1 warning from the last save" in block
    assert '<a href="#value-amount">Amount</a>: please check: amount is over the limit' in block
    chinese = warnings_block(officer.get(url, headers=ZH).text, "record-warnings")
    assert chinese is not None
    assert "上次保存时有 1 条提示" in chinese
    token = csrf(officer.get(f"{url}/edit", headers=EN).text)
    edited = officer.post(
        f"{url}/edit",
        data={"csrf_token": token, "f.borrower": "Acme", "f.amount": "150", "f.limit": "500"},
        follow_redirects=False,
    )
    assert edited.status_code == 303, edited.text
    assert 'id="record-warnings"' not in officer.get(url, headers=EN).text


def test_the_import_check_lists_each_rows_warnings(officer: TestClient, users: Users) -> None:
    grant = {"app": "loans", "form": "loan", "actions": ["create", "read", "import"], "rows": "all"}
    importer = users.client("importer", grants=[grant])
    start = importer.get(f"{PAGE}/import", headers=EN)
    assert start.status_code == 200, start.text
    content = b"borrower,amount,limit\nAcme,150,100\nGlobex,7,100\n"
    checked = importer.post(
        f"{PAGE}/import",
        data={"csrf_token": csrf(start.text)},
        files={"file": ("loans.csv", content, "text/csv")},
        headers=EN,
    )
    assert checked.status_code == 200, checked.text
    block = warnings_block(checked.text, "import-warnings")
    assert block is not None, checked.text
    assert "1 warning" in block
    assert re.search(
        r'<tr><td class="num">2</td><td>amount</td><td class="mono">150</td>'
        r"<td>please check: amount is over the limit</td></tr>",
        checked.text,
    )
    assert 'id="import-ok"' in checked.text
    assert "Import 2 rows" in checked.text
