"""Money and decimals go out as JSON strings, so that no client reading JSON numbers as doubles
rounds them; requests send numbers or strings. Definitions keep their numbers as written."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

API = "/api/v1"
RECORDS = f"{API}/apps/bank/forms/deposit/records"
FORM = f"{API}/apps/bank/definitions/form/deposit"
BIG = "1234567890123456.78"  # 18 digits, the most every backend stores; beyond 2**53
"""Rounded to 12345678901234568 by any client that reads it as a double."""
FIELDS: list[dict[str, Any]] = [
    {"id": "f_name", "key": "name", "type": "text", "label": "Name"},
    {"id": "f_amt", "key": "amount", "type": "money", "label": "Amount", "currency": "CNY"},
    {
        "id": "f_rate",
        "key": "rate",
        "type": "decimal",
        "label": "Rate",
        "scale": 4,
        "minimum": 0.0001,
    },
    {"id": "f_share", "key": "share", "type": "percent", "label": "Share"},
    {"id": "f_n", "key": "count", "type": "integer", "label": "Count"},
    {
        "id": "f_interest",
        "key": "interest",
        "type": "computed",
        "label": "Interest",
        "expression": "amount * rate",
        "result_type": "decimal",
        "scale": 2,
    },
    {
        "id": "f_parts",
        "key": "parts",
        "type": "subtable",
        "label": "Parts",
        "fields": [
            {"id": "f_p_amt", "key": "part", "type": "money", "label": "Part", "currency": "CNY"}
        ],
    },
]


@pytest.fixture
def bank(client: TestClient) -> TestClient:
    assert client.post(f"{API}/apps", json={"key": "bank", "label": "Bank"}).status_code == 201
    body = {"kind": "form", "key": "deposit", "label": "Deposit"}
    assert client.post(f"{API}/apps/bank/definitions", json=body).status_code == 201
    draft = client.put(FORM, json={"label": "Deposit", "spec": {"fields": FIELDS}})
    assert draft.status_code == 200, draft.text
    published = client.post(f"{FORM}/publish", json={})
    assert published.status_code == 201, published.text
    return client


def raw(response: Any) -> Any:
    """The body as JSON with numbers kept as Decimals (to tell 1.5 from "1.5")."""
    return json.loads(response.content, parse_float=Decimal)


def test_money_and_decimals_are_strings_in_every_record_response(bank: TestClient) -> None:
    body = {
        "name": "Li Lei",
        "amount": Decimal(BIG),  # a JSON number in the request
        "rate": "0.0125",  # a string in the request
        "share": 0.5,
        "count": 7,
        "parts": [{"part": "0.10"}, {"part": 2}],
    }
    created = bank.post(RECORDS, content=json.dumps(body, default=str).replace(f'"{BIG}"', BIG))
    assert created.status_code == 201, created.text
    assert f'"amount":{{"amount":"{BIG}","currency":"CNY"}}' in created.text
    record = raw(created)
    assert record["rate"] == "0.0125"
    assert record["share"] == "0.5000"  # 50.00 % as a ratio
    assert record["count"] == 7  # integers stay numbers
    assert record["interest"] == str((Decimal(BIG) * Decimal("0.0125")).quantize(Decimal("0.01")))
    assert [part["part"]["amount"] for part in record["parts"]] == ["0.10", "2.00"]

    url = f"{RECORDS}/{record['id']}"
    assert raw(bank.get(url))["amount"]["amount"] == BIG
    assert raw(bank.get(RECORDS))["items"][0]["amount"]["amount"] == BIG
    changed = bank.patch(url, json={"amount": {"amount": "1.05", "currency": "CNY"}})
    assert changed.status_code == 200, changed.text
    assert raw(changed)["amount"] == {"amount": "1.05", "currency": "CNY"}
    history = json.dumps(raw(bank.get(f"{url}/history")), default=repr)
    assert "Decimal(" not in history
    assert '"1.05"' in history


def test_sums_are_strings(bank: TestClient) -> None:
    for amount in (BIG, "0.11"):
        created = bank.post(RECORDS, json={"amount": amount})
        assert created.status_code == 201, created.text
    summary = raw(bank.get(f"{RECORDS}/summary", params={"sum": "amount"}))
    assert summary["sum"] == {"amount": str(Decimal(BIG) + Decimal("0.11"))}
    assert summary["count"] == 2


def test_definitions_keep_their_numbers(bank: TestClient) -> None:
    definition = raw(bank.get(FORM))
    rate = next(f for f in definition["draft"]["spec"]["fields"] if f["key"] == "rate")
    assert rate["minimum"] == Decimal("0.0001")


def value_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema of a present value (an optional field's schema also allows null)."""
    branches = [b for b in schema.get("anyOf", [schema]) if b != {"type": "null"}]
    assert len(branches) == 1
    return branches[0]


def test_the_app_document_types_decimals_as_strings(bank: TestClient) -> None:
    response = bank.get(f"{API}/apps/bank/openapi.json")
    assert response.status_code == 200, response.text
    schemas = response.json()["components"]["schemas"]
    record = schemas["deposit_record"]["properties"]
    for key in ("rate", "share", "interest"):
        value = value_schema(record[key])
        assert (value["type"], value["format"]) == ("string", "decimal"), key
    assert value_schema(record["amount"])["properties"]["amount"]["format"] == "decimal"
    assert record["interest"]["readOnly"] is True
    assert record["count"] == schemas["deposit_input"]["properties"]["count"]
    cells = value_schema(record["parts"])["items"]["properties"]
    assert value_schema(cells["part"])["properties"]["amount"]["type"] == "string"
    pattern = value_schema(record["rate"])["pattern"]
    assert re.fullmatch(pattern, BIG)
    assert not re.fullmatch(pattern, "1e5")
