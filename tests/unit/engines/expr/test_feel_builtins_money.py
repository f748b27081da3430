"""Money helpers: `rmb capitals` against amounts written as on bank vouchers, read back by an
independent parser, and `allocate` by the largest-remainder method with its exactness laws."""

from __future__ import annotations

import itertools
from decimal import Decimal
from fractions import Fraction

import pytest
from expr_support import run, shown
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

# (source, expected value as literal text, expected diagnostic codes)
CASES: list[tuple[str, str, tuple[str, ...]]] = [
    ("rmb capitals(8600.00)", '"捌仟陆佰元整"', ()),
    ("rmb capitals(10.50)", '"壹拾元伍角"', ()),
    ("rmb capitals(1005.07)", '"壹仟零伍元零柒分"', ()),
    ("rmb capitals(100000000)", '"壹亿元整"', ()),
    ("rmb capitals(-1005.07)", '"负壹仟零伍元零柒分"', ()),
    ("rmb capitals(0)", '"零元整"', ()),
    ("rmb capitals(-0.00)", '"零元整"', ()),
    ("rmb capitals(1.000)", '"壹元整"', ()),
    ("rmb capitals(1.005)", "null", ("E_ARG_VALUE",)),
    ("rmb capitals(0.001)", "null", ("E_ARG_VALUE",)),
    ("rmb capitals(9999999999999999.99)",
     '"玖仟玖佰玖拾玖万玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"', ()),
    ("rmb capitals(10000000000000000)", "null", ("E_NUMBER_RANGE",)),
    ("rmb capitals(-10000000000000000)", "null", ("E_NUMBER_RANGE",)),
    ("rmb capitals(null)", "null", ()),
    ('rmb capitals("100")', "null", ("E_ARGUMENT_TYPE",)),
    ('"人民币" + rmb capitals(amount)', '"人民币壹佰元整"', ()),
    ("allocate(100, [1, 1, 1])", "[33.34, 33.33, 33.33]", ()),
    ("allocate(100, [1, 1, 1], 0)", "[34, 33, 33]", ()),
    ("allocate(1000.00, [50, 30, 20])", "[500.00, 300.00, 200.00]", ()),
    ("allocate(100, [0.5, 0.25, 0.25])", "[50.00, 25.00, 25.00]", ()),
    ("allocate(0.05, [1, 1])", "[0.03, 0.02]", ()),
    ("allocate(0.01, [1, 1, 1])", "[0.01, 0.00, 0.00]", ()),
    ("allocate(0.01, [1, 1, 2])", "[0.00, 0.00, 0.01]", ()),
    ("allocate(-100, [1, 1, 1])", "[-33.34, -33.33, -33.33]", ()),
    ("allocate(0, [1, 2])", "[0.00, 0.00]", ()),
    ("allocate(10, [0, 1, 0])", "[0.00, 10.00, 0.00]", ()),
    ("allocate(100, [33.3, 33.3, 33.4])", "[33.30, 33.30, 33.40]", ()),
    ("allocate(1, [1, 1, 1], 4)", "[0.3334, 0.3333, 0.3333]", ()),
    ("allocate(amount, [2, 1])", "[66.67, 33.33]", ()),
    ("sum(allocate(100, [1, 1, 1]))", "100.00", ()),
    ("allocate(10, [])", "null", ("E_ARG_VALUE",)),
    ("allocate(10, [0, 0])", "null", ("E_ARG_VALUE",)),
    ("allocate(10, [1, -1])", "null", ("E_ARG_VALUE",)),
    ('allocate(10, [1, "2"])', "null", ("E_ARG_TYPE",)),
    ("allocate(10, [1, null])", "null", ("E_ARG_TYPE",)),
    ("allocate(10.005, [1, 1])", "null", ("E_ARG_VALUE",)),
    ("allocate(10.5, [1, 1], 0)", "null", ("E_ARG_VALUE",)),
    ("allocate(10, [1, 1], 1.5)", "null", ("E_ARG_VALUE",)),
    ("allocate(10, [1, 1], -1)", "null", ("E_ARG_VALUE",)),
    ("allocate(10, [1, 1], 21)", "null", ("E_ARG_VALUE",)),
    ("allocate(null, [1])", "null", ()),
    ("allocate(10, null)", "null", ()),
    ('allocate(10, "1,1")', "null", ("E_ARGUMENT_TYPE",)),
]  # fmt: skip


@pytest.mark.parametrize(("source", "expected", "codes"), CASES)
def test_money_case(source: str, expected: str, codes: tuple[str, ...]) -> None:
    assert shown(source, {"amount": Decimal(100)}) == (expected, codes)


# Amounts as the People's Bank of China's rules for filling in vouchers write them (the forms
# Brickwork chooses where the rules allow two: no 零 between 元 and 角, none before a thousands
# digit that follows 万), and further amounts as bank clerks write them.
BANK_PRACTICE: list[tuple[str, str]] = [
    ("1409.50", "壹仟肆佰零玖元伍角"),
    ("6007.14", "陆仟零柒元壹角肆分"),
    ("1680.32", "壹仟陆佰捌拾元叁角贰分"),
    ("107000.53", "壹拾万柒仟元伍角叁分"),
    ("16409.02", "壹万陆仟肆佰零玖元零贰分"),
    ("325.04", "叁佰贰拾伍元零肆分"),
    ("0.50", "伍角"),
    ("0.05", "伍分"),
    ("0.55", "伍角伍分"),
    ("1", "壹元整"),
    ("10", "壹拾元整"),
    ("15", "壹拾伍元整"),
    ("20.00", "贰拾元整"),
    ("101", "壹佰零壹元整"),
    ("110", "壹佰壹拾元整"),
    ("1010", "壹仟零壹拾元整"),
    ("1001", "壹仟零壹元整"),
    ("10000", "壹万元整"),
    ("10001", "壹万零壹元整"),
    ("10010", "壹万零壹拾元整"),
    ("11000", "壹万壹仟元整"),
    ("100010", "壹拾万零壹拾元整"),
    ("105000000", "壹亿零伍佰万元整"),
    ("100000001", "壹亿零壹元整"),
    ("110000000", "壹亿壹仟万元整"),
    ("1000000000000", "壹万亿元整"),
    ("1000100000000", "壹万零壹亿元整"),
    ("1000000010000", "壹万亿零壹万元整"),
    ("1000010000000", "壹万亿零壹仟万元整"),
    ("1000000000001", "壹万亿零壹元整"),
    ("100001000", "壹亿零壹仟元整"),
    ("10001000", "壹仟万壹仟元整"),
    ("123456789.12", "壹亿贰仟叁佰肆拾伍万陆仟柒佰捌拾玖元壹角贰分"),
    ("30000000.30", "叁仟万元叁角"),
    ("-8600", "负捌仟陆佰元整"),
]


@pytest.mark.parametrize(("amount", "capitals"), BANK_PRACTICE)
def test_bank_practice(amount: str, capitals: str) -> None:
    result = run("rmb capitals(a)", {"a": Decimal(amount)})
    assert (result.value, result.diagnostics) == (capitals, ())


# ---------------------------------------------------------------- an independent reader

NUMERALS = {c: i for i, c in enumerate("零壹贰叁肆伍陆柒捌玖")}
SMALL_UNITS = {"拾": 10, "佰": 100, "仟": 1000}


def _read_section(text: str) -> int:
    """Digits with 拾/佰/仟 (零 only marks a gap); each digit multiplies the unit after it."""
    total, digit = 0, 0
    for char in text:
        if char in SMALL_UNITS:
            total += digit * SMALL_UNITS[char]
            digit = 0
        else:
            digit = NUMERALS[char]
    return total + digit


def _read_whole(text: str) -> int:
    """Split at the rightmost 亿, then 万, reading each side as a number of those units."""
    for mark, unit in (("亿", 10**8), ("万", 10**4)):
        head, found, tail = text.rpartition(mark)
        if found:
            return _read_whole(head) * unit + _read_whole(tail)
    return _read_section(text)


def read_capitals(text: str) -> Decimal:
    sign = -1 if text.startswith("负") else 1
    body = text.removeprefix("负").removesuffix("整")
    yuan_text, _, cents_text = body.rpartition("元") if "元" in body else ("", "", body)
    jiao_text, _, fen_text = cents_text.rpartition("角") if "角" in cents_text else ("", "", "")
    if "角" not in cents_text:
        fen_text = cents_text
    yuan = _read_whole(yuan_text) if yuan_text else 0
    jiao = NUMERALS[jiao_text[-1]] if jiao_text else 0
    fen = NUMERALS[fen_text.removesuffix("分")[-1]] if fen_text.endswith("分") else 0
    return sign * (Decimal(yuan) + Decimal(jiao) / 10 + Decimal(fen) / 100)


def expected_zero_marks(amount: Decimal) -> int:
    """How many 零 the conventions call for, counted from the digits alone: one per run of
    zeros between non-zero digits of the yuan, except a run that ends before a thousands digit
    without covering a whole group of four (10,7000 -> 壹拾万柒仟); one between 元 and 分."""
    yuan, cents = divmod(abs(int(amount.scaleb(2))), 100)
    digits = str(yuan)[::-1]  # digits[place]
    marks, run = 0, 0
    for place in range(len(digits) - 1, -1, -1):
        if digits[place] == "0":
            run += 1
            continue
        if run and place < len(digits) - 1 and not (place % 4 == 3 and run < 4):
            marks += 1
        run = 0
    return marks + (1 if yuan and cents and cents < 10 else 0)


FEN = st.integers(min_value=-(10**18) + 1, max_value=10**18 - 1)
AMOUNTS = FEN.map(lambda fen: Decimal(fen).scaleb(-2))
SPARSE_AMOUNTS = st.lists(st.sampled_from([0, 0, 0, 1, 5, 9]), min_size=1, max_size=18).map(
    lambda digits: Decimal(int("".join(map(str, digits)))).scaleb(-2)
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(AMOUNTS, SPARSE_AMOUNTS))
def test_capitals_read_back_as_the_amount(amount: Decimal) -> None:
    text = run("rmb capitals(a)", {"a": amount}).value
    assert isinstance(text, str)
    assert read_capitals(text) == amount
    assert "零零" not in text
    if amount:
        assert text.count("零") == expected_zero_marks(amount)
    assert not text.removesuffix("整").endswith("零")
    assert text.endswith("整") == (amount == amount.to_integral_value())
    assert text.startswith("负") == (amount < 0)


# ---------------------------------------------------------------- allocation laws

SHARES = st.lists(
    st.decimals(min_value=0, max_value=10**6, places=3, allow_nan=False, allow_infinity=False),
    min_size=1,
    max_size=12,
).filter(any)
SCALES = st.integers(min_value=0, max_value=6)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(min_value=-(10**15), max_value=10**15), SHARES, SCALES)
def test_allocation_is_exact_and_close(units: int, shares: list[Decimal], scale: int) -> None:
    amount = Decimal(units).scaleb(-scale)
    result = run("allocate(a, s, k)", {"a": amount, "s": shares, "k": Decimal(scale)})
    assert result.diagnostics == ()
    parts = result.value
    assert isinstance(parts, list)
    assert len(parts) == len(shares)
    assert sum(parts, Decimal(0)) == amount
    one_unit = Fraction(1, 10**scale)
    whole_shares = sum(map(Fraction, shares))
    for part, share in zip(parts, shares, strict=True):
        assert isinstance(part, Decimal)
        assert part.as_tuple().exponent == -scale
        exact = Fraction(amount) * Fraction(share) / whole_shares
        assert abs(Fraction(part) - exact) < one_unit


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(min_value=0, max_value=10**9), SHARES)
def test_allocation_keeps_order(units: int, shares: list[Decimal]) -> None:
    """A larger share never gets less; equal shares get the earlier position first."""
    amount = Decimal(units).scaleb(-2)
    parts = run("allocate(a, s)", {"a": amount, "s": shares}).value
    assert isinstance(parts, list)
    for i, j in itertools.combinations(range(len(shares)), 2):
        if shares[i] == shares[j]:
            assert parts[i] - parts[j] in (0, Decimal("0.01"))
        elif shares[i] > shares[j]:
            assert parts[i] >= parts[j]
        else:
            assert parts[i] <= parts[j]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(min_value=-(10**12), max_value=10**12), SHARES)
def test_allocation_of_a_negative_amount_mirrors_the_positive(
    units: int, shares: list[Decimal]
) -> None:
    amount = Decimal(units).scaleb(-2)
    parts = run("allocate(a, s)", {"a": amount, "s": shares}).value
    mirrored = run("allocate(a, s)", {"a": -amount, "s": shares}).value
    assert isinstance(parts, list)
    assert isinstance(mirrored, list)
    assert [-p for p in parts] == mirrored
