"""Money is exact, and sorted lists are in one order, through the HTTP API, on SQLite and
PostgreSQL alike (Hypothesis).

Amounts arrive as JSON numbers or strings; each is either stored and then read back, listed,
exported and summed without a digit changed, or, beyond the 18 significant digits every
database holds exactly (whatever the field's declared precision), refused with a pointer to the
field, on both databases alike. Nothing gives a 5xx."""

from __future__ import annotations

import csv
import io
import itertools
import json
from decimal import Decimal
from functools import cmp_to_key
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

API = "/api/v1"
APP = f"{API}/apps/bank"
RECORDS = f"{APP}/forms/deposit/records"
PRECISION = 20
LARGEST = Decimal(10) ** (PRECISION - 2) - Decimal("0.01")
"""The largest amount the field declares: 20 digits in a currency of 2 decimals."""
STORABLE = Decimal(10) ** 16 - Decimal("0.01")
"""The largest amount stored: 18 significant digits (SQLite keeps cents as 64-bit integers)."""
TAGS = itertools.count(1)
AMOUNTS = st.one_of(
    st.decimals(min_value=-LARGEST, max_value=LARGEST, places=2),
    st.decimals(min_value=-1000, max_value=1000, places=2),
    st.sampled_from([STORABLE, -STORABLE, STORABLE + Decimal("0.01"), LARGEST, -LARGEST]),
)


DEPOSIT_FIELDS: list[dict[str, Any]] = [
    {"id": "f_tag", "key": "tag", "type": "text", "label": "Tag", "required": True},
    {
        "id": "f_amount",
        "key": "amount",
        "type": "money",
        "label": "Amount",
        "currency": "CNY",
        "precision": PRECISION,
    },
]
NAME_FIELD = {"id": "f_name", "key": "name", "type": "text", "label": "Name"}
NUMBER_SUM = {"key": "total", "function": "sum", "field": "n"}
NUMBER_MAX = {"key": "most", "function": "max", "field": "n"}


@pytest.fixture
def bank(client: TestClient) -> TestClient:
    assert client.post(f"{API}/apps", json={"key": "bank", "label": "Bank"}).status_code == 201
    body = {"kind": "form", "key": "deposit", "label": "Deposit"}
    assert client.post(f"{APP}/definitions", json=body).status_code == 201
    draft = {"label": "Deposit", "spec": {"fields": DEPOSIT_FIELDS}}
    assert client.put(f"{APP}/definitions/form/deposit", json=draft).status_code == 200
    published = client.post(f"{APP}/definitions/form/deposit/publish", json={})
    assert published.status_code == 201, published.text
    return client


@given(amounts=st.lists(AMOUNTS, min_size=1, max_size=4), as_numbers=st.booleans())
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_amounts_are_stored_read_listed_exported_and_summed_exactly(
    bank: TestClient, amounts: list[Decimal], as_numbers: bool
) -> None:
    tag = f"t{next(TAGS)}"
    kept: dict[str, Decimal] = {}
    for amount in amounts:
        literal = str(amount) if as_numbers else json.dumps(str(amount))
        created = bank.post(
            RECORDS,
            content=f'{{"tag": "{tag}", "amount": {literal}}}',
            headers={"Content-Type": "application/json"},
        )
        if abs(amount) > STORABLE:
            assert created.status_code == 422, created.text
            assert created.json()["errors"] == [
                {
                    "pointer": "/amount",
                    "code": "money_precision",
                    "message": "amount has too many digits",
                }
            ]
            continue
        assert created.status_code == 201, created.text
        stored = created.json()["amount"]["amount"]
        assert isinstance(stored, str)
        assert Decimal(stored) == amount
        kept[created.json()["id"]] = amount

    for record_id, amount in kept.items():
        read = bank.get(f"{RECORDS}/{record_id}")
        assert read.status_code == 200, read.text
        assert Decimal(read.json()["amount"]["amount"]) == amount
    tagged = {"filter": f'tag = "{tag}"'}
    listed = bank.get(RECORDS, params={**tagged, "limit": 100})
    assert listed.status_code == 200, listed.text
    assert {i["id"]: Decimal(i["amount"]["amount"]) for i in listed.json()["items"]} == kept
    exported = bank.get(f"{RECORDS}/export", params={**tagged, "format": "csv"})
    assert exported.status_code == 200, exported.text
    rows = csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig")))
    # "12.50 CNY"; a negative amount is text starting with "-", so it carries the formula guard
    cells = [row["amount"].removeprefix("'").split(" ") for row in rows]
    assert sorted(Decimal(amount) for amount, _ in cells) == sorted(kept.values())
    assert {currency for _, currency in cells} <= {"CNY"}

    summary = bank.get(f"{RECORDS}/summary", params={**tagged, "sum": "amount"})
    assert summary.status_code == 200, summary.text
    found: Any = summary.json()["sum"]["amount"]
    if not kept:
        assert found is None, "the sum of no rows is null, as in SQL"
        return
    assert isinstance(found, str)
    assert Decimal(found) == sum(kept.values(), Decimal(0))


def test_sums_beyond_64_bit_integers_stay_exact(bank: TestClient) -> None:
    """Ten of the largest amounts hold more cents than a 64-bit integer (SQLite's sum() fails
    there); the summary, a report's sum and its average are still exact, on both databases."""
    batch = [{"tag": "big", "amount": str(STORABLE)}] * 10 + [{"tag": "small", "amount": "0.01"}]
    created = bank.post(f"{RECORDS}/batch", json={"records": batch})
    assert created.status_code == 201, created.text
    summary = bank.get(f"{RECORDS}/summary", params={"sum": "amount"})
    assert summary.status_code == 200, summary.text
    assert summary.json()["sum"] == {"amount": "99999999999999999.91"}
    spec = {
        "dataset": {"form": "deposit"},
        "dimensions": [{"key": "tag", "field": "tag"}],
        "measures": [
            {"key": "total", "function": "sum", "field": "amount"},
            {"key": "mean", "function": "avg", "field": "amount"},
        ],
        "sort": [{"key": "tag"}],
    }
    created = bank.post(
        f"{APP}/definitions", json={"kind": "report", "key": "totals", "label": "T"}
    )
    assert created.status_code == 201, created.text
    saved = bank.put(f"{APP}/definitions/report/totals", json={"label": "T", "spec": spec})
    assert saved.status_code == 200, saved.text
    assert bank.post(f"{APP}/definitions/report/totals/publish").status_code == 201
    ran = bank.post(f"{APP}/reports/totals/run", json={})
    assert ran.status_code == 200, ran.text
    rows = {row[0]: row[1:] for row in ran.json()["rows"]}
    assert Decimal(rows["big"][0]) == STORABLE * 10
    assert Decimal(rows["big"][1]) == STORABLE
    assert Decimal(rows["small"][0]) == Decimal("0.01")


def test_sorted_lists_order_values_as_python_does_empty_last(bank: TestClient) -> None:
    """On both databases a sorted list orders amounts by value and text by character, empty
    values last in either direction, then by id (checked against the same order worked out
    here, for random values and sorts)."""
    add = bank.put(
        f"{APP}/definitions/form/deposit",
        json={"label": "Deposit", "spec": {"fields": [*DEPOSIT_FIELDS, NAME_FIELD]}},
    )
    assert add.status_code == 200, add.text
    published = bank.post(f"{APP}/definitions/form/deposit/publish", json={})
    assert published.status_code == 201, published.text

    @given(
        rows=st.lists(
            st.tuples(
                st.none() | st.decimals(min_value=-100, max_value=100, places=2),
                st.none() | st.text(alphabet="abc", min_size=1, max_size=3),
            ),
            min_size=1,
            max_size=6,
        ),
        keys=st.lists(
            st.sampled_from(["amount", "-amount", "name", "-name"]),
            min_size=1,
            max_size=2,
            unique_by=lambda key: key.lstrip("-"),
        ),
    )
    @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
    def check(rows: list[tuple[Decimal | None, str | None]], keys: list[str]) -> None:
        tag = f"s{next(TAGS)}"
        values: dict[str, dict[str, Any]] = {}
        for amount, name in rows:
            text = None if amount is None else str(amount)
            body = {"tag": tag, "amount": text, "name": name}
            created = bank.post(RECORDS, json={k: v for k, v in body.items() if v is not None})
            assert created.status_code == 201, created.text
            values[created.json()["id"]] = {"amount": amount, "name": name}

        def compare(left: str, right: str) -> int:
            for key in keys:
                field = key.lstrip("-")
                a, b = values[left][field], values[right][field]
                if a == b:
                    continue
                if a is None or b is None:
                    return 1 if a is None else -1  # empty last, either way
                order = -1 if a < b else 1
                return -order if key.startswith("-") else order
            return -1 if left < right else 1

        expected = sorted(values, key=cmp_to_key(compare))
        listed = bank.get(RECORDS, params={"filter": f'tag = "{tag}"', "sort": ",".join(keys)})
        assert listed.status_code == 200, listed.text
        assert [item["id"] for item in listed.json()["items"]] == expected

    check()


def test_sums_of_whole_numbers_are_exact_strings_on_both_databases(client: TestClient) -> None:
    """PostgreSQL sums whole numbers as NUMERIC, SQLite as integers (text beyond 64 bits): the
    summary and a report give both as the same JSON string, as they give decimal sums."""
    assert client.post(f"{API}/apps", json={"key": "bank", "label": "Bank"}).status_code == 201
    spec = {"fields": [{"id": "f_n", "key": "n", "type": "integer", "label": "N"}]}
    for kind, key, body in (("form", "stat", spec), ("report", "totals", None)):
        made = client.post(f"{APP}/definitions", json={"kind": kind, "key": key, "label": key})
        assert made.status_code == 201, made.text
        if body is None:
            body = {"dataset": {"form": "stat"}, "measures": [NUMBER_SUM, NUMBER_MAX]}
        saved = client.put(f"{APP}/definitions/{kind}/{key}", json={"label": key, "spec": body})
        assert saved.status_code == 200, saved.text
        published = client.post(f"{APP}/definitions/{kind}/{key}/publish", json={})
        assert published.status_code == 201, published.text
    stats = f"{APP}/forms/stat/records"
    stored: list[int] = []
    for values in ([5, 7], [9_000_000_000_000_000_000] * 2):  # the second pair passes 2**63
        for value in values:
            assert client.post(stats, json={"n": str(value)}).status_code == 201
            stored.append(value)
        summary = client.get(f"{stats}/summary", params={"sum": "n"}).json()
        [[total, most]] = client.post(f"{APP}/reports/totals/run", json={}).json()["rows"]
        assert summary["sum"] == {"n": str(sum(stored))}
        assert total == str(sum(stored))
        assert most == max(stored), "a maximum is a whole number, as the field's values"
