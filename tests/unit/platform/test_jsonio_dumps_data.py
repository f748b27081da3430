"""``dumps_data`` (the C encoder, for pages of records) writes what ``dumps`` writes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal
from enum import Enum
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from brickwork.jsonio import dumps, dumps_data


class Colour(Enum):
    RED = "red"


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.text(),
    st.decimals(allow_nan=False, allow_infinity=False),
    st.dates(),
    st.datetimes(timezones=st.just(UTC)),
    st.times(),
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(values)
def test_dumps_data_writes_what_dumps_writes(value: Any) -> None:
    assert dumps_data(value) == dumps(value, decimals_as_strings=True)


@pytest.mark.parametrize(
    "value",
    [
        {"amount": Decimal("12345678901234567.89"), "currency": "CNY"},
        [Decimal("1E+3"), Decimal("-0.00"), date(2026, 1, 2), time(9, 30)],
        {"at": datetime(2026, 12, 4, 16, 0, tzinfo=UTC), "name": '王 "x"\n', "c": Colour.RED},
        ("tuple", 1, True, None),
    ],
)
def test_dumps_data_examples(value: Any) -> None:
    assert dumps_data(value) == dumps(value, decimals_as_strings=True)


def test_dumps_data_refuses_what_is_not_json() -> None:
    with pytest.raises(TypeError):
        dumps_data({"x": object()})
