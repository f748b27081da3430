"""The import wizard's check over HTTP, on SQLite and PostgreSQL: an uploaded file's columns
mapped to fields and every row's problems, nothing written; only who may import gets it.
(The background import itself needs a database of its own: tests/integration/web.)"""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from test_web_forms import APP, PAGE, officer

from conftest import Users

__all__ = ["officer"]
IMPORTER = [
    {"app": "loans", "form": "loan", "actions": ["create", "read", "import"], "rows": "all"}
]


def token(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


def test_a_file_is_checked_row_by_row_before_anything_is_written(
    officer: TestClient, users: Users
) -> None:
    importer = users.client("importer", grants=IMPORTER)
    listed = importer.get(PAGE, headers={"Accept-Language": "en"})
    assert 'id="import-records"' in listed.text
    start = importer.get(f"{PAGE}/import", headers={"Accept-Language": "en"})
    assert start.status_code == 200, start.text
    assert 'enctype="multipart/form-data"' in start.text
    csv = "Borrower,amount,rate\nAcme,100.50,0.02\n,12abc,0.01\nGlobex,7,\n"
    checked = importer.post(
        f"{PAGE}/import",
        data={"csrf_token": token(start.text)},
        files={"file": ("loans.csv", csv.encode(), "text/csv")},
        headers={"Accept-Language": "en"},
    )
    assert checked.status_code == 200, checked.text
    page = checked.text
    assert "loans.csv: 3 rows read." in page
    assert re.search(r"<tr><td>Borrower</td><td>Borrower</td></tr>", page)
    assert re.search(r"<tr><td>amount</td><td>Amount</td></tr>", page)
    assert 'id="import-problems"' in page
    rows = re.findall(r'<tr><td class="num">(\d+)</td><td>(\w+)</td>', page)
    assert ("3", "borrower") in rows or ("3", "Borrower") in rows
    assert 'id="run-import"' not in page, "nothing to import until the file is right"
    assert importer.get(f"{APP}/forms/loan/records").json()["items"] == []
    good = importer.post(
        f"{PAGE}/import",
        data={"csrf_token": token(start.text)},
        files={"file": ("loans.csv", b"Borrower,amount\nAcme,100.50\nGlobex,7\n", "text/csv")},
        headers={"Accept-Language": "en"},
    )
    assert 'id="import-ok"' in good.text
    assert "Import 2 rows" in good.text
    assert importer.get(f"{APP}/forms/loan/records").json()["items"] == [], "a dry run"


def test_only_importers_get_the_wizard(officer: TestClient) -> None:
    assert 'id="import-records"' not in officer.get(PAGE).text
    refused = officer.get(f"{PAGE}/import", headers={"Accept-Language": "en"})
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("text/html")
    wrong = officer.post(
        f"{PAGE}/import",
        data={"csrf_token": "x"},
        files={"file": ("loans.txt", b"x", "text/plain")},
    )
    assert wrong.status_code in (403, 422)
