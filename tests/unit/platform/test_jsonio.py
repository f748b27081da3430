"""Strict JSON reading and canonical writing."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from brickwork import jsonio


@pytest.mark.parametrize(
    ("text", "code", "pointer"),
    [
        ('{"a": 1, "a": 2}', "json_duplicate_key", "/a"),
        ('{"x": [{"b": 1}, {"c": 1, "c": 2}]}', "json_duplicate_key", "/x/1/c"),
        ('{"a~/b": {"k": 1, "k": 1}}', "json_duplicate_key", "/a~0~1b/k"),
        ('{"a": 1,}', "json_malformed", ""),
        ('{"a": Infinity}', "json_invalid_number", ""),
        ("[NaN]", "json_invalid_number", ""),
    ],
)
def test_refused_documents(text: str, code: str, pointer: str) -> None:
    with pytest.raises(jsonio.JsonError) as caught:
        jsonio.loads(text)
    assert (caught.value.code, caught.value.pointer) == (code, pointer)


def test_malformed_reports_line_and_column() -> None:
    with pytest.raises(jsonio.JsonError) as caught:
        jsonio.loads('{\n  "a": tru\n}')
    assert (caught.value.line, caught.value.column) == (2, 8)
    assert "line 2, column 8" in caught.value.message


def test_fractions_are_decimals_and_written_back_exactly() -> None:
    value = jsonio.loads('{"amount": 0.10, "big": 12345678901234567890.123456789, "n": 3}')
    assert value["amount"] == Decimal("0.10")
    assert isinstance(value["n"], int)
    assert jsonio.dumps(value) == ('{"amount":0.10,"big":12345678901234567890.123456789,"n":3}')


def test_decimals_can_be_written_as_strings_of_their_digits() -> None:
    value = {"amount": Decimal("12345678901234567.89"), "n": 3, "rows": (Decimal("1E+2"),)}
    text = jsonio.dumps(value, decimals_as_strings=True)
    assert text == '{"amount":"12345678901234567.89","n":3,"rows":["100"]}'
    with pytest.raises(TypeError, match="NaN"):
        jsonio.dumps({"a": Decimal("NaN")}, decimals_as_strings=True)


@given(st.lists(st.decimals(allow_nan=False, allow_infinity=False) | st.integers(), max_size=8))
def test_decimals_as_strings_keep_every_digit(values: list[Decimal | int]) -> None:
    again = jsonio.loads(jsonio.dumps(values, decimals_as_strings=True), stored=True)
    assert len(again) == len(values)
    for value, read in zip(values, again, strict=True):
        if isinstance(value, Decimal):
            assert Decimal(read) == value
            assert Decimal(read).as_tuple().exponent == min(value.as_tuple().exponent, 0)
        else:
            assert read == value


def test_canonical_form_sorts_keys_and_keeps_unicode() -> None:
    assert jsonio.canonical_dumps({"b": 1, "a": "客户"}) == '{"a":"客户","b":1}'
    assert jsonio.checksum({"b": 1, "a": 2}) == jsonio.checksum({"a": 2, "b": 1})
    assert jsonio.checksum({"a": Decimal("1.0")}) != jsonio.checksum({"a": Decimal("1.00")})


def test_floats_are_never_written() -> None:
    with pytest.raises(TypeError, match="Decimal"):
        jsonio.dumps({"a": 0.1})
    assert jsonio.to_jsonable({"a": 0.1}) == {"a": Decimal("0.1")}


json_values: st.SearchStrategy[Any] = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.text()
    | st.decimals(allow_nan=False, allow_infinity=False),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=20,
)


@given(json_values)
def test_round_trip_is_exact(value: Any) -> None:
    text = jsonio.canonical_dumps(value)
    again = jsonio.loads(text, stored=True)
    assert jsonio.canonical_dumps(again) == text


@pytest.mark.parametrize(
    ("text", "pointer"),
    [
        ('{"a": "x\\u0000"}', "/a"),
        ('{"a": [1, {"b": "\\u0000"}]}', "/a/1/b"),
        ('["ok", "\\u0000"]', "/1"),
    ],
)
def test_nul_characters_are_refused_with_their_pointer(text: str, pointer: str) -> None:
    with pytest.raises(jsonio.JsonError) as caught:
        jsonio.loads(text)
    assert (caught.value.code, caught.value.pointer) == ("json_nul_character", pointer)
    assert jsonio.loads(text, stored=True) is not None
    # An escaped backslash before "u0000" is text, not a NUL character.
    assert jsonio.loads('["\\\\u0000"]') == ["\\u0000"]


@pytest.mark.parametrize(
    ("text", "code", "pointer"),
    [
        ('{"a": "\\ud800"}', "json_lone_surrogate", "/a"),
        ('[1, {"b": "x\\uDC00y"}]', "json_lone_surrogate", "/1/b"),
        ('{"k\\udfff": 1}', "json_lone_surrogate", "/k\ufffd"),
        ('{"k\\udfff": 1, "k\\udfff": 2}', "json_duplicate_key", "/k\ufffd"),
        ('{"a": ' + "[" * 65 + "]" * 65 + "}", "json_too_deep", "/a" + "/0" * 63),
        (
            '{"a": {"b\\"[": ' + "[" * 3000 + "]" * 3000 + "}}",
            "json_too_deep",
            '/a/b"[' + "/0" * 62,
        ),
        ('{"a": [0, ' + "9" * 101 + "]}", "json_number_too_long", "/a/1"),
        ('{"a": -' + "9" * 5000 + "}", "json_number_too_long", "/a"),
        ('{"a": 1.' + "0" * 99 + "}", "json_number_too_long", "/a"),
        ('{"a": 1e999999999}', "json_number_too_long", "/a"),
        ('{"a": 1e-99}', "json_number_too_long", "/a"),  # 0.000…1: 101 characters written out
    ],
)
def test_unstorable_documents_are_refused_with_their_pointer(
    text: str, code: str, pointer: str
) -> None:
    with pytest.raises(jsonio.JsonError) as caught:
        jsonio.loads(text.encode())
    assert (caught.value.code, caught.value.pointer) == (code, pointer)


@pytest.mark.parametrize(
    "text",
    [
        '{"a": "\\ud83d\\ude00"}',  # a surrogate pair is one character
        '{"a": ' + "[" * 63 + "]" * 63 + "}",  # 64 levels with the object
        '{"a": ' + "9" * 100 + "}",
        '{"a": 1e97, "b": -1e-97, "c": 12345678901234567.89}',
    ],
)
def test_documents_at_the_limits_are_read(text: str) -> None:
    assert jsonio.loads(text) is not None


def test_stored_text_is_read_whatever_its_numbers() -> None:
    long = "1" + "0" * 150
    assert jsonio.loads(f'{{"a": {long}}}', stored=True) == {"a": 10**150}
