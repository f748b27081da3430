"""Money helpers: amounts in Chinese capitals (`rmb capitals`) and exact allocation (`allocate`).

Both work on `Decimal` and integers only (shares become exact fractions); they never round
silently: an amount with more decimals than the function can represent is an error the caller
fixes with an explicit `round half up(...)`. Neither has an SQL form, so an expression using them
is refused by the SQL translator instead of being pushed down. Evaluators are pure.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction

from brickwork.engines.expr.datatypes import NUMBER, STRING, list_of
from brickwork.engines.expr.functions import FunctionError, FunctionSpec, ex, sig
from brickwork.engines.expr.library.text import whole
from brickwork.engines.expr.values import Value, kind_of
from brickwork.engines.expr.words import zh_kind

# ---------------------------------------------------------------- amounts in capitals

DIGITS = "零壹贰叁肆伍陆柒捌玖"
PLACES = ("", "拾", "佰", "仟")
CAPITALS_LIMIT = 10**16
"""Amounts up to 9999万亿 (exclusive of 10^16 yuan) are written; larger ones are errors."""


def _four(number: int) -> str:
    """0 < number < 10^4 without leading zeros; one 零 for each run of inner zeros."""
    text = ""
    zero_pending = False
    for place in range(3, -1, -1):
        digit = number // 10**place % 10
        if digit == 0:
            zero_pending = bool(text)
            continue
        if zero_pending:
            text += "零"
            zero_pending = False
        text += DIGITS[digit] + PLACES[place]
    return text


def _grouped(number: int, unit: int, name: str, lower: Callable[[int], str]) -> str:
    """`number` (>= unit) as higher part + `name` + lower part; 零 when the lower part does not
    fill its leading place (10,0500 -> 壹拾万零伍佰, 1,0500,0000 -> 壹亿零伍佰万) or when a
    whole group of four in between is zero (1,0000,1000,0000 -> 壹万亿零壹仟万)."""
    high, low = divmod(number, unit)
    text = _integer_words(high) + name
    if low:
        skipped_group = high >= 10**4 and high % 10**4 == 0
        text += ("零" if low < unit // 10 or skipped_group else "") + lower(low)
    return text


def _integer_words(number: int) -> str:
    """A positive whole number below 10^16 in capitals, grouped by 万 and 亿."""
    if number >= 10**8:
        return _grouped(number, 10**8, "亿", _below_hundred_million)
    return _below_hundred_million(number)


def _below_hundred_million(number: int) -> str:
    if number >= 10**4:
        return _grouped(number, 10**4, "万", _four)
    return _four(number)


def _fen(amount: Decimal) -> int:
    """The amount in fen (1/100 yuan), refusing amounts that need rounding."""
    fen = Fraction(amount) * 100
    if fen.denominator != 1:
        message = (
            f"{amount} has more than 2 decimal places; round it first, "
            f"e.g. round half up(amount, 2)"
        )
        zh_cn = f"{amount} 的小数超过 2 位；请先舍入，例如 round half up(amount, 2)"
        raise FunctionError(message, "E_ARG_VALUE", zh_cn=zh_cn)
    return fen.numerator


def rmb_capitals(amount: Decimal) -> str:
    """The amount in Chinese capitals as written on bank vouchers (人民币大写)."""
    if abs(amount) >= CAPITALS_LIMIT:
        raise FunctionError(
            f"{amount} is too large for capitals (limit 10^16)",
            "E_NUMBER_RANGE",
            zh_cn=f"{amount} 过大，无法写成大写金额（上限 10^16）",
        )
    fen = _fen(amount)
    sign = "负" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), 100)
    jiao, fen_digit = divmod(cents, 10)
    if yuan == 0 and cents == 0:
        return "零元整"
    text = _integer_words(yuan) + "元" if yuan else ""
    if cents == 0:
        return sign + text + "整"
    if jiao:
        text += DIGITS[jiao] + "角"
    elif yuan:
        text += "零"  # 元 followed directly by 分 always takes 零 (1005.07: ...伍元零柒分)
    if fen_digit:
        text += DIGITS[fen_digit] + "分"
    return sign + text


# ---------------------------------------------------------------- allocation

MAX_ALLOCATION_SCALE = 20


def _shares(shares: list[Value]) -> list[Fraction]:
    if not shares:
        raise FunctionError(
            "`shares` is empty; give at least one share",
            "E_ARG_VALUE",
            zh_cn="`shares` 为空；请至少给出一个份额",
        )
    exact: list[Fraction] = []
    for index, share in enumerate(shares, start=1):
        if not isinstance(share, Decimal):
            message = f"share {index} must be a number, not {kind_of(share)}"
            zh_cn = f"第 {index} 个份额须为数字，不能是{zh_kind(kind_of(share))}"
            raise FunctionError(message, "E_ARG_TYPE", zh_cn=zh_cn)
        if share < 0:
            raise FunctionError(
                f"share {index} is negative ({share})",
                "E_ARG_VALUE",
                zh_cn=f"第 {index} 个份额为负数（{share}）",
            )
        exact.append(Fraction(share))
    if not any(exact):
        raise FunctionError(
            "all shares are zero; nothing to allocate by",
            "E_ARG_VALUE",
            zh_cn="份额全为 0，无法按比例分配",
        )
    return exact


def largest_remainder(units: int, shares: list[Fraction]) -> list[int]:
    """Split `units` (>= 0) in proportion to `shares`: each part is the floor of its exact
    quota, and the units left over go one each to the largest fractional remainders, the
    earlier position first on ties. The parts sum to `units` exactly."""
    whole_shares = sum(shares, Fraction(0))
    quotas = [units * share / whole_shares for share in shares]
    parts = [quota.numerator // quota.denominator for quota in quotas]
    left = units - sum(parts)
    by_remainder = sorted(range(len(quotas)), key=lambda i: (-(quotas[i] - parts[i]), i))
    for index in by_remainder[:left]:
        parts[index] += 1
    return parts


def allocate(amount: Decimal, shares: list[Value], scale: Decimal | None = None) -> list[Value]:
    places = 2 if scale is None else whole(scale, "the scale", "小数位数")
    if not 0 <= places <= MAX_ALLOCATION_SCALE:
        message = f"the scale {places} is outside 0..{MAX_ALLOCATION_SCALE}"
        zh_cn = f"小数位数 {places} 超出 0..{MAX_ALLOCATION_SCALE}"
        raise FunctionError(message, "E_ARG_VALUE", zh_cn=zh_cn)
    exact = _shares(shares)
    scaled = Fraction(amount) * 10**places
    if scaled.denominator != 1:
        message = (
            f"{amount} has more than {places} decimal places; round it first, "
            f"e.g. round half up(amount, {places})"
        )
        zh_cn = f"{amount} 的小数超过 {places} 位；请先舍入，例如 round half up(amount, {places})"
        raise FunctionError(message, "E_ARG_VALUE", zh_cn=zh_cn)
    units = scaled.numerator
    parts = largest_remainder(abs(units), exact)
    sign = -1 if units < 0 else 1
    return [Decimal(sign * part).scaleb(-places) for part in parts]


SPECS: tuple[FunctionSpec, ...] = (
    FunctionSpec(
        "rmb capitals", "number", (sig("amount: number", rmb_capitals, STRING),),
        "The amount in Chinese capitals as written on vouchers (人民币大写), without the "
        "人民币 prefix: 整 after 元 when there are no jiao and fen (none after 角); one 零 for "
        "each run of inner zeros and before 分 when the jiao digit is 0 (none between 元 and "
        "角); amounts below 1 yuan start at 角 or 分; negatives start with 负; zero is 零元整. "
        "At most 2 decimal places (round first) and below 10^16.",
        "金额的中文大写（人民币大写，不含“人民币”字样）：只到元时写“整”，到角时不写；"
        "中间连续的零只写一个“零”，角位为 0 而有分时“元”后写“零”，元与角之间不写“零”；"
        "不足 1 元从角或分写起；负数前加“负”；零写作“零元整”。小数最多 2 位（请先舍入），"
        "金额须小于 10^16。",
        (ex("rmb capitals(8600.00)", '"捌仟陆佰元整"'), ex("rmb capitals(10.50)", '"壹拾元伍角"'),
         ex("rmb capitals(1005.07)", '"壹仟零伍元零柒分"'),
         ex("rmb capitals(100000000)", '"壹亿元整"'), ex("rmb capitals(-0.5)", '"负伍角"'),
         ex("rmb capitals(0)", '"零元整"'), ex("rmb capitals(1.005)", "null")),
    ),
    FunctionSpec(
        "allocate", "number",
        (sig("amount: number, shares: list, scale?: number", allocate, list_of(NUMBER)),),
        "Split `amount` by `shares` (non-negative weights, not necessarily summing to 100) "
        "into parts with `scale` decimals (default 2) that add up exactly to `amount`: each "
        "part is its exact proportion rounded towards zero, and the units left over go one each "
        "to the largest remainders (the earlier position first on ties); a negative amount "
        "splits as its opposite, negated. `amount` must not have more than `scale` decimals "
        "(0 to 20); empty, negative or all-zero shares are errors.",
        "按 `shares`（非负权重，合计不必为 100）把 `amount` 拆分为保留 `scale` 位小数"
        "（默认 2 位）的若干份，各份之和恰好等于 `amount`：每份先取精确比例向零舍入，"
        "剩余的最小单位按余数从大到小逐一分配（余数相同时靠前者优先）；负数金额按其绝对值"
        "拆分后取负。`amount` 的小数位不得多于 `scale`（0 至 20）；份额为空、为负或全为 0 "
        "时报错。",
        (ex("allocate(100, [1, 1, 1])", "[33.34, 33.33, 33.33]"),
         ex("allocate(1000.00, [50, 30, 20])", "[500.00, 300.00, 200.00]"),
         ex("allocate(0.05, [1, 1])", "[0.03, 0.02]"),
         ex("allocate(-100, [1, 2], 0)", "[-33, -67]"),
         ex("allocate(10, [])", "null")),
    ),
)  # fmt: skip
