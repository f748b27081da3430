"""Facts from resident ID and residence permit numbers in expressions: `id birth date`, `id sex`,
`id region`, `id type` and `id to 18` (alias `id18`). Invalid numbers give null plus
`E_ID_INVALID`; none of the functions runs in SQL; birth dates and sexes agree with
python-stdnum's reading of the same numbers."""

from __future__ import annotations

from datetime import date

import pytest
from expr_support import run, shown
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stdnum.cn import ric

from brickwork.engines.expr import NotPushable, Scope, to_sql_ir
from brickwork.engines.expr import datatypes as t
from brickwork.engines.identifiers import resident_id_check_char


def with_check(first17: str) -> str:
    return first17 + resident_id_check_char(first17)


HK = with_check("81000019940823002")
FOREIGN = with_check("93115619800101123")

# (source, expected value as literal text, expected diagnostic codes)
CASES: list[tuple[str, str, tuple[str, ...]]] = [
    ('id birth date("11010519491231002X")', '@"1949-12-31"', ()),
    ('id birth date(" 11010519491231002x ")', '@"1949-12-31"', ()),
    ('id birth date("110105491231002")', '@"1949-12-31"', ()),
    ('id birth date("110105194912310021")', "null", ("E_ID_INVALID",)),
    ('id birth date("11010519491331002X")', "null", ("E_ID_INVALID",)),
    ("id birth date(null)", "null", ()),
    ('id sex("11010519491231002X")', '"female"', ()),
    ('id sex("110105491231001")', '"male"', ()),
    ('id sex("123")', "null", ("E_ID_INVALID",)),
    ('id region("11010519491231002X")', '"110105"', ()),
    (f'id region("{HK}")', '"810000"', ()),
    ('id region("00010519491231002X")', "null", ("E_ID_INVALID",)),
    ('id type("11010519491231002X")', '"mainland"', ()),
    (f'id type("{HK}")', '"hong_kong_permit"', ()),
    (f'id type("{with_check("82000019940823002")}")', '"macau_permit"', ()),
    (f'id type("{with_check("83000019940823002")}")', '"taiwan_permit"', ()),
    (f'id type("{FOREIGN}")', '"foreign_permanent"', ()),
    (f'id type("{with_check("99123419800101123")}")', "null", ("E_ID_INVALID",)),
    ('id to 18("110105491231002")', '"11010519491231002X"', ()),
    ('id to 18("11010519491231002x")', '"11010519491231002X"', ()),
    ('ID18("110105491231002")', '"11010519491231002X"', ()),
    ('id to 18("990105491231002")', "null", ("E_ID_INVALID",)),
    ('id to 18("1101054912310")', "null", ("E_ID_INVALID",)),
]


@pytest.mark.parametrize(("source", "expected", "codes"), CASES)
def test_id_number_case(source: str, expected: str, codes: tuple[str, ...]) -> None:
    assert shown(source) == (expected, codes)


def test_the_diagnostic_names_the_fault_but_not_the_number() -> None:
    result = run("id sex(x)", {"x": "110105194912310021"})
    (diagnostic,) = result.diagnostics
    assert "resident_id_checksum" in diagnostic.message
    assert "110105194912310021" not in diagnostic.message


def test_a_birth_date_after_today_is_a_fact_not_a_fault() -> None:
    # The field type refuses it (it knows today); the function only reads the number.
    assert shown(f'id birth date("{with_check("11010520990101001")}")') == ('@"2099-01-01"', ())


@pytest.mark.parametrize(
    "source", ['id sex(channel) = "male"', "id birth date(channel) < opened", "id18(channel)"]
)
def test_id_functions_do_not_run_in_sql(source: str) -> None:
    scope = Scope({"channel": t.STRING, "opened": t.DATE})
    with pytest.raises(NotPushable) as caught:
        to_sql_ir(source, scope)
    assert "has no SQL form" in caught.value.diagnostic.message


LISTED_REGIONS = ("110101", "110102", "110105", "120101", "310101", "310104")
"""Region codes python-stdnum's table lists without years (valid whatever the birth year)."""


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=60)
@given(
    st.sampled_from(LISTED_REGIONS),
    st.dates(min_value=date(1950, 1, 1), max_value=date(2020, 12, 31)),
    st.integers(0, 999),
)
def test_facts_agree_with_python_stdnum(region: str, birth: date, sequence: int) -> None:
    number = with_check(f"{region}{birth:%Y%m%d}{sequence:03d}")
    assert ric.is_valid(number)
    facts = run("[id birth date(x), id sex(x), id region(x), id to 18(x)]", {"x": number})
    assert facts.diagnostics == ()
    assert facts.value == [
        ric.get_birth_date(number),
        "male" if sequence % 2 else "female",
        region,
        ric.compact(number),
    ]
