"""Generated hostile input against the records API: whatever the filter or body, the answer is
a 2xx or a 4xx problem+json whose errors carry pointers, never a 5xx (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

import pytest
from bad_input_strategies import FILTERS, JSON_BODIES
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from test_bad_input import RECORDS, bank

__all__ = ["bank"]  # the fixture, shared with the listed cases

EXAMPLES = 100
"""Per property: a few seconds on SQLite, even on a loaded machine."""


def assert_handled(response: Any) -> None:
    assert response.status_code < 500, response.text[:500]
    if response.status_code >= 400:
        assert response.headers["content-type"].startswith("application/problem+json")
        body = response.json()
        assert body["code"]
        assert isinstance(body["code"], str)
        for error in body["errors"]:
            assert isinstance(error["pointer"], str)
            assert error["code"]


@pytest.fixture
def records(bank: TestClient) -> TestClient:
    return bank


@settings(max_examples=EXAMPLES)
@given(expression=FILTERS, path=st.sampled_from(["", "/summary", "/export"]))
def test_generated_filters_never_cause_a_server_error(
    records: TestClient, expression: str, path: str
) -> None:
    assert_handled(records.get(RECORDS + path, params={"filter": expression}))


@settings(max_examples=EXAMPLES)
@given(body=JSON_BODIES)
def test_generated_bodies_never_cause_a_server_error(records: TestClient, body: str) -> None:
    response = records.post(RECORDS, content=body, headers={"content-type": "application/json"})
    assert_handled(response)
    if response.status_code == 201:  # what was stored reads back
        assert_handled(records.get(f"{RECORDS}/{response.json()['id']}"))
