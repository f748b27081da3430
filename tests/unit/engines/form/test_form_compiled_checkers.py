"""The prepared checkers give exactly what `check_value` gives, for any input (short paths too)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from form_support import CONTEXT, fullwidth, make_field
from hypothesis import given
from hypothesis import strategies as st

from brickwork.engines.form.checkers import NeedsReport, checker_of, strict_checker_of
from brickwork.engines.form.definition import ComputedField
from brickwork.engines.form.fieldtypes import Coerced, check_value
from brickwork.engines.form.fieldtypes.structured import result_field
from brickwork.engines.identifiers import resident_id_check_char

VALID_ID = "11010519491231002X"
FUTURE_ID = "11010520260116123" + resident_id_check_char("11010520260116123")
PERMIT_ID = "81000019800101123" + resident_id_check_char("81000019800101123")
UNKNOWN_REGION_ID = "99010519491231002" + resident_id_check_char("99010519491231002")

FIELDS: list[tuple[str, dict[str, Any]]] = [
    ("text", {}),
    ("text", {"min_length": 2, "max_length": 5}),
    ("text", {"pattern": "[A-Z]{2}[0-9]+"}),
    ("textarea", {"min_length": 3, "max_length": 12}),
    ("single_select", {"options": ["a", "b", {"value": "c"}]}),
    ("single_select", {"options": ["e\u0301", "x"]}),
    ("multi_select", {"options": ["a", "b", "c"], "min_items": 1, "max_items": 2}),
    ("multi_select", {"options": ["a", "b", "c"]}),
    ("integer", {}),
    ("integer", {"minimum": -5, "maximum": 10}),
    ("boolean", {}),
    ("date", {}),
    ("date", {"minimum": "2024-01-01", "maximum": "2024-12-31"}),
    ("decimal", {}),
    ("decimal", {"scale": 3, "precision": 6, "minimum": "-10", "maximum": "100"}),
    ("decimal", {"scale": 0, "rounding": "half_up"}),
    ("money", {"currency": "CNY"}),
    ("money", {"currency": "JPY", "minimum": "0"}),
    ("money", {"currency": "KWD", "precision": 6, "rounding": "half_up"}),
    ("money", {}),
    ("money", {"currency": "CNY", "precision": 4, "minimum": "-10"}),
    ("money", {"currency": "JPY", "precision": 1}),
    ("decimal", {"precision": 2, "scale": 2}),
    ("decimal", {"precision": 1, "scale": 2}),  # refuses every number
    ("money", {"currency": "KWD", "precision": 2}),  # refuses every amount
    ("email", {}),
    ("phone", {}),
    ("phone", {"phone_kind": "e164"}),
    ("phone", {"phone_kind": "cn_mobile"}),
    ("resident_id", {}),
    ("resident_id", {"id_types": ["mainland"]}),
    ("resident_id", {"id_types": ["hong_kong_permit"]}),
]

SAMPLE_TEXTS = [
    "",
    " ",
    "a",
    " a ",
    "b",
    "c",
    "e\u0301",
    "\u00e9",
    "x\ny",
    "x\r\ny",
    "tab\there",
    "AB12",
    "ab12",
    "2024-02-29",
    "2023-02-29",
    "2024-13-01",
    fullwidth("2024") + "-01-01",
    "0",
    "-0",
    "-0.00",
    "1.5",
    "1.50",
    "1.005",
    "12345.678",
    "1e3",
    "+1",
    fullwidth("12"),
    " 7 ",
    "99999999999999999999",
    "9223372036854775808",
    "true",
    "a@example.com",
    "\u3000x\u3000",
    "x\u200b",
    "13800138000",
    "+8613800138000",
    "+441234567890",
    "12800138000",
    VALID_ID,
    VALID_ID.replace("X", "x"),
    VALID_ID[:-1] + "1",
    FUTURE_ID,
    PERMIT_ID,
    UNKNOWN_REGION_ID,
    "11010519490230002" + resident_id_check_char("11010519490230002"),
    # plain numbers around the short path's padding and digit limits
    "-0.5",
    "-0.0",
    "007.5",
    "00.00",
    "12",
    "-12.3",
    "99.99",
    "100.001",
    "1.",
    ".5",
    "-.5",
    "--1",
    "1_000",
    "1.5.1",
    "1e2",
    " 5",
    "5 ",
    "\u0663",
    "0" * 30 + "1.5",
    "9" * 18,
    "-" + "9" * 18,
    "9" * 19,
    "1." + "0" * 18,
    "1." + "0" * 19,
    # dates around the short path's shape test (hyphens at 4 and 7, ASCII)
    "2024-01-15",
    "2024-1-15 ",
    "2024/01/15",
    "20240115",
    "2024-W03-1",
    "+024-01-15",
    "2024-01-1x",
    "2024-02-30",
    "\uff12024-01-15",
    # mobiles around the short path's shape test
    "1380013800",
    "138001380000",
    "10800138000",
    "12999999999",
    "19999999999",
    "23800138000",
    "1380013800x",
    "1\uff13800138000",
    # resident IDs with characters that `int(..., 13)` would read
    VALID_ID[:4] + "a" + VALID_ID[5:],
    VALID_ID[:15] + "_" + VALID_ID[16:],
    VALID_ID[:16] + "C" + VALID_ID[17:],
    fullwidth(VALID_ID),
    VALID_ID[:2] + "\uff10" + VALID_ID[3:],
]
SAMPLE_INTEGERS = [
    0, -1, 5, 10**2, 10**4 - 1, 10**4, -(10**4), 10**16, 10**18 - 1, 10**18, -(10**18) + 1
]  # fmt: skip
SAMPLES = st.sampled_from(SAMPLE_TEXTS)
INTEGERS = st.sampled_from(SAMPLE_INTEGERS)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    SAMPLES,
    st.text(max_size=8),
    st.integers(min_value=-(2**70), max_value=2**70),
    INTEGERS,
    st.decimals(allow_nan=True, allow_infinity=True, places=None),
    st.floats(allow_nan=False),
)
RAW = st.one_of(
    SCALARS,
    st.lists(SCALARS, max_size=4),
    st.dictionaries(st.sampled_from(["amount", "currency", "x"]), SCALARS, max_size=2),
)


def _shape(found: Any) -> tuple[str, tuple[Any, ...], tuple[Any, ...]]:
    if not isinstance(found, Coerced):
        found = Coerced(found)
    return repr(found.value), found.problems, found.warnings


@pytest.mark.parametrize(("field_type", "options"), FIELDS)
@given(raw=RAW)
def test_prepared_checker_agrees_with_check_value(
    field_type: str, options: dict[str, Any], raw: Any
) -> None:
    field = make_field(field_type, **options)
    assert _shape(checker_of(field)(raw, CONTEXT)) == _shape(
        check_value(field, raw, context=CONTEXT)
    )


@pytest.mark.parametrize(("field_type", "options"), FIELDS)
def test_prepared_checker_agrees_on_every_sample(field_type: str, options: dict[str, Any]) -> None:
    field = make_field(field_type, **options)
    check = checker_of(field)
    for raw in [*SAMPLE_TEXTS, *SAMPLE_INTEGERS, *(Decimal(n) for n in SAMPLE_INTEGERS)]:
        expected = _shape(check_value(field, raw, context=CONTEXT))
        assert _shape(check(raw, CONTEXT)) == expected, raw


@pytest.mark.parametrize(("field_type", "options"), FIELDS)
@given(raw=RAW)
def test_strict_checker_gives_clean_values_and_raises_otherwise(
    field_type: str, options: dict[str, Any], raw: Any
) -> None:
    field = make_field(field_type, **options)
    found = checker_of(field)(raw, CONTEXT)
    if isinstance(found, Coerced):
        with pytest.raises(NeedsReport):
            strict_checker_of(field)(raw, CONTEXT)
    else:
        assert repr(strict_checker_of(field)(raw, CONTEXT)) == repr(found)


@pytest.mark.parametrize("result_type", ["money", "decimal", "percent", "integer", "text"])
@given(raw=RAW)
def test_computed_result_checker_agrees_with_the_registry(result_type: str, raw: Any) -> None:
    field = make_field("computed", expression="1", result_type=result_type, currency="CNY", scale=3)
    assert isinstance(field, ComputedField)
    assert _shape(checker_of(result_field(field))(raw, CONTEXT)) == _shape(
        check_value(field, raw, context=CONTEXT)
    )


@pytest.mark.parametrize(
    ("field_type", "options", "raw", "value"),
    [
        ("text", {}, "  客户  ", "客户"),
        ("single_select", {"options": ["a"]}, "a", "a"),
        ("multi_select", {"options": ["a", "b"]}, ["b", "a"], ("b", "a")),
        ("integer", {}, 7, 7),
        ("decimal", {"scale": 2}, "1.5", Decimal("1.50")),
        ("money", {"currency": "CNY"}, "-0.00", Decimal("0.00")),
    ],
)
def test_short_paths_give_registry_values(
    field_type: str, options: dict[str, Any], raw: Any, value: Any
) -> None:
    found = checker_of(make_field(field_type, **options))(raw, CONTEXT)
    assert repr(getattr(found, "amount", found)) == repr(value)


@pytest.mark.parametrize("position", [0, 1, 2, 3, 5, 6, 8, 9])
def test_date_short_path_agrees_on_every_ascii_character(position: int) -> None:
    """The short path takes ten-character ASCII texts with hyphens at 4 and 7 to
    `date.fromisoformat`: it must not accept anything but digits around them."""
    field = make_field("date")
    check = checker_of(field)
    for code in range(128):
        raw = "2024-01-15"[:position] + chr(code) + "2024-01-15"[position + 1 :]
        assert _shape(check(raw, CONTEXT)) == _shape(check_value(field, raw, context=CONTEXT))
