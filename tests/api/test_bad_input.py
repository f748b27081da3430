"""Bad input through the HTTP API: always a 4xx problem+json with a pointer, never a 500.

Integers beyond 64 bits, huge function arguments, lone surrogates, deep nesting, numbers with
thousands of digits and amounts beyond what a column stores, in filters and in bodies."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from brickwork import jsonio

API = "/api/v1"
RECORDS = f"{API}/apps/bank/forms/client/records"
FORM = f"{API}/apps/bank/definitions/form/client"
JSON = {"content-type": "application/json"}

FIELDS: list[dict[str, Any]] = [
    {"id": "f_name", "key": "name", "type": "text", "label": "Name"},
    {"id": "f_aum", "key": "aum", "type": "money", "label": "AUM", "currency": "CNY"},
    {"id": "f_count", "key": "count", "type": "integer", "label": "Count"},
    {"id": "f_wide", "key": "wide", "type": "decimal", "label": "Wide", "precision": 38},
    {"id": "f_cash", "key": "cash", "type": "money", "label": "Cash", "currencies": ["CNY", "KWD"]},
    {
        "id": "f_part",
        "key": "part",
        "type": "computed",
        "label": "Part",
        "result_type": "text",
        "expression": "substring(name, 1, 99999999999999999999)",
    },
    {
        "id": "f_big",
        "key": "big",
        "type": "computed",
        "label": "Big",
        "result_type": "money",
        "currency": "CNY",
        "expression": "aum * 1000000000000",
    },
]
VALIDATIONS = [
    {
        "id": "v_name",
        "expression": 'substring(name, 99999999999999999999, 2) != "x"',
        "message": "name",
    }
]


@pytest.fixture
def bank(client: TestClient) -> TestClient:
    client.post(f"{API}/apps", json={"key": "bank", "label": "Bank"})
    client.post(
        f"{API}/apps/bank/definitions", json={"kind": "form", "key": "client", "label": "Client"}
    )
    spec = {"fields": FIELDS, "validations": VALIDATIONS}
    response = client.put(FORM, json={"label": "Client", "spec": spec})
    assert response.status_code == 200, response.text
    response = client.post(f"{FORM}/publish", json={})
    assert response.status_code == 201, response.text
    created = client.post(RECORDS, json={"name": "abc", "count": 5, "aum": 10})
    assert created.status_code == 201, created.text
    return client


def problem(response: Any, status: int, code: str) -> list[dict[str, str]]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == code, body
    errors: list[dict[str, str]] = body["errors"]
    return errors


def dialect(client: TestClient) -> str:
    return str(client.app.state.engine.dialect.name)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("expression", "total"),
    [
        ("aum > 9223372036854775808", 0),
        ("aum < 9223372036854775808", 1),
        ("count < 9223372036854775808", 1),
        ("count > -9223372036854775809", 1),
        ("count = 99999999999999999999999999999999999999999", 0),
        ("count != 9223372036854775808", 1),
        ("count + 9223372036854775807 > 1", 1),
        ("aum * 99999999999999999999 > 1", 1),
    ],
)
def test_integers_beyond_64_bits_in_a_filter_are_compared_not_crashed(
    bank: TestClient, expression: str, total: int
) -> None:
    for path in ("", "/summary"):
        response = bank.get(RECORDS + path, params={"filter": expression})
        assert response.status_code == 200, response.text
        assert response.json()["total" if not path else "count"] == total
    exported = bank.get(f"{RECORDS}/export", params={"filter": expression})
    assert exported.status_code == 200, exported.text
    assert exported.text.count('"abc"') == total  # the quoted name: a random id may hold abc


@pytest.mark.parametrize(
    "expression",
    [
        'substring(name, 1, 99999999999999999999) = "a"',
        'substring(name, 99999999999999999999, 1) = "a"',
        'substring(name, -99999999999999999999) = "a"',
        'left(name, 99999999999999999999) = "a"',
        "round(aum, 99999999999999999999) > 1",
    ],
)
def test_huge_function_arguments_in_a_filter_are_refused_with_a_position(
    bank: TestClient, expression: str
) -> None:
    for path in ("", "/summary", "/export"):
        response = bank.get(RECORDS + path, params={"filter": expression})
        [error] = problem(response, 422, "filter_invalid")
        assert (error["pointer"], error["code"]) == ("/filter", "E_NOT_PUSHABLE")
        assert error["message"].startswith("line 1, column 1:")


@pytest.mark.parametrize("expression", ["name", "aum", "count + 1", '"yes"'])
def test_a_filter_that_is_no_condition_is_refused_with_a_position(
    bank: TestClient, expression: str
) -> None:
    # PostgreSQL refused `deleted_at IS NULL AND name` with a database error.
    for path in ("", "/summary", "/export"):
        response = bank.get(RECORDS + path, params={"filter": expression})
        [error] = problem(response, 422, "filter_invalid")
        assert (error["pointer"], error["code"]) == ("/filter", "E_NOT_BOOLEAN")
        assert error["message"].startswith("line 1, column 1:")


def test_huge_function_arguments_in_a_form_give_null_not_an_error(bank: TestClient) -> None:
    created = bank.post(RECORDS, json={"name": "abcdef", "count": 1})
    assert created.status_code == 201, created.text
    assert created.json()["part"] is None  # the argument is out of range: the result is null


def test_overflowing_filter_arithmetic_is_refused_or_exact(bank: TestClient) -> None:
    assert bank.post(RECORDS, json={"name": "x", "count": 9223372036854775807}).status_code == 201
    response = bank.get(RECORDS, params={"filter": "count * count > 1"})
    if dialect(bank) == "postgresql":  # 64-bit integer arithmetic overflows in the database
        [error] = problem(response, 422, "filter_invalid")
        assert (error["pointer"], error["code"]) == ("/filter", "filter_out_of_range")
    else:  # SQLite turns an overflowing product into a REAL
        assert response.status_code == 200, response.text
        assert response.json()["total"] == 2


@pytest.mark.parametrize(
    "expression", ['name = "\\ud800"', 'name = "a\\udfff"', 'name in ["\\ud83d", "b"]']
)
def test_a_lone_surrogate_in_a_filter_is_refused_with_a_position(
    bank: TestClient, expression: str
) -> None:
    [error] = problem(bank.get(RECORDS, params={"filter": expression}), 422, "filter_invalid")
    assert (error["pointer"], error["code"]) == ("/filter", "E_BAD_ESCAPE")
    assert "line 1, column" in error["message"]


def test_a_surrogate_pair_in_a_filter_is_one_character(bank: TestClient) -> None:
    assert bank.post(RECORDS, json={"name": "a😀"}).status_code == 201
    response = bank.get(RECORDS, params={"filter": 'name = "a\\ud83d\\ude00"'})
    assert response.status_code == 200, response.text
    assert [item["name"] for item in response.json()["items"]] == ["a😀"]


@pytest.mark.parametrize(
    ("body", "code", "pointer"),
    [
        ('{"name": "\\ud800"}', "json_lone_surrogate", "/name"),
        ('{"name": "a\\udfffb"}', "json_lone_surrogate", "/name"),
        ('{"name": "ok", "\\ud800x": 1}', "json_lone_surrogate", "/\ufffdx"),
        ('{"name": ' + "[" * 1000 + "]" * 1000 + "}", "json_too_deep", "/name" + "/0" * 63),
        ('{"name": ' + "[" * 100 + "]" * 100 + "}", "json_too_deep", "/name" + "/0" * 63),
        ('{"aum": ' + "9" * 5000 + "}", "json_number_too_long", "/aum"),
        ('{"count": -' + "9" * 5000 + "}", "json_number_too_long", "/count"),
        ('{"aum": {"amount": 1' + "0" * 5000 + ".5}}", "json_number_too_long", "/aum/amount"),
        ('{"aum": 1e999999999}', "json_number_too_long", "/aum"),
        ('{"aum": 1e-999999999}', "json_number_too_long", "/aum"),
        ('{"aum": 1e-150}', "json_number_too_long", "/aum"),  # 152 characters written out
    ],
)
def test_unreadable_bodies_are_refused_with_a_pointer(
    bank: TestClient, body: str, code: str, pointer: str
) -> None:
    for method, url in (("POST", RECORDS), ("POST", f"{API}/apps")):
        response = bank.request(method, url, content=body, headers=JSON)
        [error] = problem(response, 400, code)
        assert (error["pointer"], error["code"]) == (pointer, code)
    assert bank.get(RECORDS).json()["total"] == 1


@pytest.mark.parametrize(
    ("body", "code", "pointer"),
    [
        ({"aum": "99999999999999999"}, "money_precision", "/aum"),  # 17 whole digits
        ({"aum": {"amount": "1e20", "currency": "CNY"}}, "number_format", "/aum/amount"),
        ({"wide": "1" + "0" * 16}, "decimal_precision", "/wide"),  # precision 38, 17 + 2 digits
        (  # 16 whole digits fit CNY's scale 2, not the column's scale 3 (KWD)
            {"cash": {"amount": "9999999999999999", "currency": "CNY"}},
            "money_precision",
            "/cash/amount",
        ),
        ({"count": "9223372036854775808"}, "integer_range", "/count"),
    ],
)
def test_amounts_beyond_the_storable_range_are_422_with_the_field_pointer(
    bank: TestClient, body: dict[str, Any], code: str, pointer: str
) -> None:
    errors = problem(bank.post(RECORDS, json=body), 422, "record_invalid")
    assert {(e["pointer"], e["code"]) for e in errors} == {(pointer, code)}
    assert bank.get(RECORDS).json()["total"] == 1


def test_the_largest_storable_amounts_are_kept_exactly(bank: TestClient) -> None:
    body = {
        "aum": "9999999999999999.99",
        "wide": "9999999999999999.99",
        "cash": {"amount": "999999999999999.999", "currency": "KWD"},
        "count": "-9223372036854775808",
    }
    created = bank.post(RECORDS, json=body)
    assert created.status_code == 201, created.text
    # Read exactly (a float would round the amounts being checked), as strings or numbers.
    stored = jsonio.loads(bank.get(f"{RECORDS}/{created.json()['id']}").content)
    assert Decimal(str(stored["aum"]["amount"])) == Decimal("9999999999999999.99")
    assert Decimal(str(stored["wide"])) == Decimal("9999999999999999.99")
    assert Decimal(str(stored["cash"]["amount"])) == Decimal("999999999999999.999")
    assert stored["count"] == -(2**63)
    assert stored["big"] is None  # aum * 10^12 has no storable value: the result is null


def test_a_lone_surrogate_in_the_query_or_path_never_reaches_the_database(
    bank: TestClient,
) -> None:
    # Percent-encoded halves of a surrogate are invalid UTF-8: read as U+FFFD, never stored.
    response = bank.get(RECORDS + "?filter=name%20%3D%20%22%ED%A0%80%22")
    assert (response.status_code, response.json()["total"]) == (200, 0)
    [error] = problem(bank.get(RECORDS + "?sort=%ED%A0%80"), 422, "validation_failed")
    assert (error["pointer"], error["code"]) == ("/sort", "unknown_field")
    problem(bank.get(f"{RECORDS}/%ED%A0%80"), 404, "record_not_found")
