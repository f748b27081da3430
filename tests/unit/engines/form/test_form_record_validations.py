"""Form-level validations: true passes, false fails at the blamed field, null is not a violation."""

from __future__ import annotations

from typing import Any

import pytest
from form_support import RECORD_CONTEXT, compile_fields, pairs

from brickwork.engines.form import validate_record

FORM = compile_fields(
    {"key": "start", "type": "date"},
    {"key": "end", "type": "date"},
    {"key": "low", "type": "integer"},
    {"key": "high", "type": "integer"},
    validations=[
        {
            "id": "dates",
            "expression": "end >= start",
            "fields": ["end", "start"],
            "message": {"zh-CN": "结束日期不能早于开始日期", "en": "end must not be before start"},
        },
        {"id": "range", "expression": "low <= high", "message": "low > high"},
        {"id": "ratio", "expression": "high / low > 1", "fields": ["high"], "message": "ratio"},
    ],
)


@pytest.mark.parametrize(
    ("data", "errors", "warnings"),
    [
        ({}, [], []),
        ({"start": "2026-01-02", "end": "2026-01-01"}, [("/end", "validation_failed")], []),
        ({"start": "2026-01-01", "end": "2026-01-01"}, [], []),
        ({"start": "2026-01-01"}, [], []),
        ({"low": 5, "high": 3}, [("", "validation_failed"), ("/high", "validation_failed")], []),
        ({"low": 2, "high": 3}, [], []),
        ({"low": 0, "high": 3}, [], [("/high", "expression_failed")]),
    ],
)
def test_validations(
    data: dict[str, Any], errors: list[tuple[str, str]], warnings: list[tuple[str, str]]
) -> None:
    result = validate_record(FORM, data, context=RECORD_CONTEXT)
    assert pairs(result.errors) == errors
    assert pairs(result.warnings) == warnings


def test_the_message_is_the_validations_own_in_both_languages() -> None:
    data = {"start": "2026-01-02", "end": "2026-01-01", "low": 9, "high": 1}
    first, second, _ = validate_record(FORM, data, context=RECORD_CONTEXT).errors
    assert "结束日期不能早于开始日期" in first.message("zh-CN")
    assert "end must not be before start" in first.message("en")
    assert "low > high" in second.zh_cn
    assert "low > high" in second.en


def test_validations_run_with_field_errors_too() -> None:
    data = {"start": "2026-01-02", "end": "2026-01-01", "low": "x"}
    result = validate_record(FORM, data, context=RECORD_CONTEXT)
    assert pairs(result.errors) == [("/low", "number_format"), ("/end", "validation_failed")]


def test_validations_on_update_see_the_merged_record() -> None:
    current = {"start": None, "end": None, "low": 1, "high": 10}
    result = validate_record(FORM, {"high": 0}, context=RECORD_CONTEXT, current=current)
    assert pairs(result.errors) == [("", "validation_failed"), ("/high", "validation_failed")]


WARNED = compile_fields(
    {"key": "amount", "type": "decimal", "scale": 2},
    {"key": "limit", "type": "decimal", "scale": 2},
    validations=[
        {
            "id": "over_limit",
            "expression": "amount <= limit",
            "fields": ["amount"],
            "severity": "warning",
            "message": {"zh-CN": "金额超过额度", "en": "amount is over the limit"},
        },
        {"id": "positive", "expression": "amount > 0", "fields": ["amount"], "message": "> 0"},
    ],
)


@pytest.mark.parametrize(
    ("data", "errors", "warnings"),
    [
        ({"amount": "50", "limit": "100"}, [], []),
        ({"amount": "150", "limit": "100"}, [], [("/amount", "validation_warning")]),
        ({"amount": "150"}, [], []),
        (
            {"amount": "-150", "limit": "-200"},
            [("/amount", "validation_failed")],
            [("/amount", "validation_warning")],
        ),
    ],
)
def test_a_warning_validation_reports_without_refusing(
    data: dict[str, Any], errors: list[tuple[str, str]], warnings: list[tuple[str, str]]
) -> None:
    result = validate_record(WARNED, data, context=RECORD_CONTEXT)
    assert pairs(result.errors) == errors
    assert pairs(result.warnings) == warnings
    assert result.ok == (not errors)


def test_a_warning_carries_the_validations_message_in_both_languages() -> None:
    result = validate_record(WARNED, {"amount": "150", "limit": "100"}, context=RECORD_CONTEXT)
    (found,) = result.warnings
    assert found.message("zh-CN") == "请核对：金额超过额度"
    assert found.message("en") == "please check: amount is over the limit"


def test_severity_defaults_to_error_and_takes_no_other_value() -> None:
    assert FORM.definition.validations[0].severity == "error"
    with pytest.raises(ValueError, match="severity"):
        compile_fields(
            {"key": "a", "type": "integer"},
            validations=[{"id": "v", "expression": "a > 1", "message": "m", "severity": "info"}],
        )
