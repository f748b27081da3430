"""Parameter tables: the checks a table must pass (with pointers and codes) and lookups by day
(both period ends inclusive, gaps give no value, periods of one key never overlap)."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from brickwork.engines.rules.parameters import (
    ParameterLookupError,
    ParameterSet,
    ParameterTable,
    ParameterTableError,
    check_table,
)


def table(*rows: dict[str, Any], **spec: Any) -> dict[str, Any]:
    return {"source": "policy 7", **spec, "rows": list(rows)}


def problems(spec: dict[str, Any]) -> list[tuple[str, str]]:
    return [(p.pointer, p.code) for p in check_table(spec)]


def test_a_sound_table_has_no_problems() -> None:
    spec = table(
        {
            "key": "cash_cny",
            "value": 200000,
            "effective_from": "2007-03-01",
            "effective_to": "2017-06-30",
        },
        {"key": "cash_cny", "value": 50000, "effective_from": "2017-07-01"},
        {"key": "USD/CNY", "value": Decimal("7.1850"), "effective_from": "2025-01-01"},
        value_type="number",
    )
    assert problems(spec) == []


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (table(), [("/rows", "E_PARAM_SCHEMA")]),
        (
            table({"key": "a b", "value": 1, "effective_from": "2020-01-01"}),
            [("/rows/0/key", "E_PARAM_SCHEMA")],
        ),
        (
            table({"key": "a", "value": 1, "effective_from": "2020-02-30"}),
            [("/rows/0/effective_from", "E_PARAM_SCHEMA")],
        ),
        (
            table({"key": "a", "value": 1, "effective_from": "2020-01-01", "colour": "red"}),
            [("/rows/0/colour", "E_PARAM_SCHEMA")],
        ),
        (
            table(
                {"key": "a", "value": "50000", "effective_from": "2020-01-01"}, value_type="number"
            ),
            [("/rows/0/value", "E_PARAM_VALUE_TYPE")],
        ),
        (
            table({"key": "a", "value": True, "effective_from": "2020-01-01"}, value_type="number"),
            [("/rows/0/value", "E_PARAM_VALUE_TYPE")],
        ),
        (
            table(
                {"key": "a", "value": "2020-13-01", "effective_from": "2020-01-01"},
                value_type="date",
            ),
            [("/rows/0/value", "E_PARAM_VALUE_TYPE")],
        ),
        (
            table({"key": "a", "value": [1.5], "effective_from": "2020-01-01"}, value_type="list"),
            [("/rows/0/value", "E_PARAM_VALUE_TYPE")],
        ),
        (
            table({"key": "a", "value": None, "effective_from": "2020-01-01"}),
            [("/rows/0/value", "E_PARAM_VALUE_TYPE")],
        ),
        (
            table(
                {
                    "key": "a",
                    "value": 1,
                    "effective_from": "2020-01-02",
                    "effective_to": "2020-01-01",
                }
            ),
            [("/rows/0/effective_to", "E_PARAM_PERIOD")],
        ),
        (
            {"rows": [{"key": "a", "value": 1, "effective_from": "2020-01-01"}]},
            [("/rows/0/source", "E_PARAM_SOURCE")],
        ),
        (  # an open-ended period overlaps any later one
            table(
                {"key": "a", "value": 1, "effective_from": "2020-01-01"},
                {"key": "a", "value": 2, "effective_from": "2021-01-01"},
            ),
            [("/rows/1/effective_from", "E_PARAM_OVERLAP")],
        ),
        (  # ending on the day the next starts is an overlap of one day
            table(
                {"key": "a", "value": 2, "effective_from": "2021-01-01"},
                {
                    "key": "a",
                    "value": 1,
                    "effective_from": "2020-01-01",
                    "effective_to": "2021-01-01",
                },
            ),
            [("/rows/0/effective_from", "E_PARAM_OVERLAP")],
        ),
        (  # a long period overlaps a later one even past a short one inside it
            table(
                {
                    "key": "a",
                    "value": 1,
                    "effective_from": "2020-01-01",
                    "effective_to": "2025-12-31",
                },
                {
                    "key": "a",
                    "value": 2,
                    "effective_from": "2021-01-01",
                    "effective_to": "2021-06-30",
                },
                {"key": "a", "value": 3, "effective_from": "2023-01-01"},
            ),
            [
                ("/rows/1/effective_from", "E_PARAM_OVERLAP"),
                ("/rows/2/effective_from", "E_PARAM_OVERLAP"),
            ],
        ),
    ],
)
def test_a_faulty_table_is_refused_with_pointers(
    spec: dict[str, Any], expected: list[tuple[str, str]]
) -> None:
    assert problems(spec) == expected
    with pytest.raises(ParameterTableError):
        ParameterTable("t", spec)
    for found in check_table(spec):  # a Chinese analyst reads each in Chinese
        assert found.zh_cn is not None
        assert re.search(r"[\u4e00-\u9fff]", found.zh_cn), found


def test_lookups_take_the_row_in_force_on_the_day() -> None:
    limits = ParameterTable(
        "limits",
        table(
            {
                "key": "cash",
                "value": 200000,
                "effective_from": "2007-03-01",
                "effective_to": "2017-06-30",
            },
            {
                "key": "cash",
                "value": 50000,
                "effective_from": "2017-07-01",
                "effective_to": "2030-12-31",
            },
            {"key": "lists", "value": ["KP", "IR"], "effective_from": "2020-01-01"},
            {
                "key": "tiers",
                "value": {"affluent": Decimal("500000")},
                "effective_from": "2020-01-01",
            },
        ),
    )
    assert limits.value("cash", date(2017, 6, 30)) == Decimal(200000)
    assert limits.value("cash", date(2017, 7, 1)) == Decimal(50000)
    assert limits.value("cash", date(2030, 12, 31)) == Decimal(50000)
    assert limits.value("lists", date(2024, 1, 1)) == ["KP", "IR"]
    assert limits.value("tiers", date(2024, 1, 1)) == {"affluent": Decimal("500000")}
    for day in (date(2007, 2, 28), date(2031, 1, 1)):
        with pytest.raises(ParameterLookupError) as caught:
            limits.value("cash", day)
        assert caught.value.code == "E_PARAM_NOT_IN_FORCE"
    with pytest.raises(ParameterLookupError) as unknown:
        limits.value("wire", date(2024, 1, 1))
    assert unknown.value.code == "E_PARAM_UNKNOWN_KEY"
    assert set(limits.values(date(2031, 1, 1))) == {"lists", "tiers"}


def test_dates_are_dates_and_other_apps_tables_are_resolved_once() -> None:
    asked: list[str] = []
    periods = ParameterTable(
        "periods",
        table(
            {"key": "since", "value": "2016-12-28", "effective_from": "2017-07-01"},
            value_type="date",
        ),
    )

    def resolve(name: str) -> ParameterTable | None:
        asked.append(name)
        return periods if name == "kyc.periods" else None

    source = ParameterSet({}, resolve)
    assert source.parameter("kyc.periods", "since", date(2020, 1, 1)) == date(2016, 12, 28)
    assert source.parameters("kyc.periods", date(2020, 1, 1)) == {"since": date(2016, 12, 28)}
    with pytest.raises(ParameterLookupError) as missing:
        source.parameter("kyc.other", "since", date(2020, 1, 1))
    assert missing.value.code == "E_PARAM_UNKNOWN_TABLE"
    with pytest.raises(ParameterLookupError):
        source.parameters("kyc.other", date(2020, 1, 1))  # asked once, remembered
    assert asked == ["kyc.periods", "kyc.other"]
