"""Facts read from PRC resident ID numbers and residence permits (GB 11643): birth date, sex,
region code, kind of number, and the 18-character form of a legacy 15-digit number.

The checks are those of the `resident_id` field type (`brickwork.engines.identifiers`), less
the one that needs the clock (a birth date after today), so these functions stay pure and never
read the time. A number that fails a check gives null plus `E_ID_INVALID`, whose message names
the fault code (never the number). None of them runs in SQL.
"""

from __future__ import annotations

from datetime import date

from brickwork.engines.expr.datatypes import DATE, STRING
from brickwork.engines.expr.functions import FunctionError, FunctionSpec, ex, sig
from brickwork.engines.identifiers import ResidentIdResult, check_resident_id

KINDS = "mainland, hong_kong_permit, macau_permit, taiwan_permit, foreign_permanent"


def _checked(number: str) -> ResidentIdResult:
    result = check_resident_id(number, today=None)
    if result.problems:
        faults = ", ".join(result.codes)
        message = f"not a valid resident ID or residence permit number ({faults})"
        zh_cn = f"不是有效的居民身份证号码或居住证号码（{'、'.join(result.codes)}）"
        raise FunctionError(message, "E_ID_INVALID", zh_cn=zh_cn)
    return result


def id_birth_date(number: str) -> date | None:
    return _checked(number).birth_date


def id_sex(number: str) -> str | None:
    sex = _checked(number).sex
    return None if sex is None else sex.value


def id_region(number: str) -> str | None:
    return _checked(number).region_code


def id_type(number: str) -> str | None:
    kind = _checked(number).id_type
    return None if kind is None else kind.value


def id_to_18(number: str) -> str:
    return _checked(number).normalized


_NOTE = (
    "An invalid number (length, characters, province, birth date, check character) gives null "
    "and `E_ID_INVALID`; a birth date after today is not checked here (the field type does)."
)

SPECS: tuple[FunctionSpec, ...] = (
    FunctionSpec(
        "id birth date", "identifiers",
        (sig("id: string", id_birth_date, DATE),),
        "The birth date in a resident ID or residence permit number (positions 7-14); a legacy "
        "15-digit number is read as born in the 1900s.",
        "居民身份证号或居住证号码中的出生日期（第 7-14 位）；15 位旧号按 19xx 年出生读取。",
        (ex('id birth date("11010519491231002X")', '@"1949-12-31"'),
         ex('id birth date("110105491231002")', '@"1949-12-31"'),
         ex('id birth date("110105194912310021")', "null")),
        notes=(_NOTE,),
    ),
    FunctionSpec(
        "id sex", "identifiers",
        (sig("id: string", id_sex, STRING),),
        'The sex the number records: "male" for an odd 17th digit, "female" for an even one.',
        '号码记录的性别：第 17 位为奇数是 "male"，偶数是 "female"。',
        (ex('id sex("11010519491231002X")', '"female"'),
         ex('id sex("110105491231001")', '"male"')),
        notes=(_NOTE,),
    ),
    FunctionSpec(
        "id region", "identifiers",
        (sig("id: string", id_region, STRING),),
        "The six-digit region code (GB/T 2260) the number starts with, as text.",
        "号码开头的 6 位行政区划代码（GB/T 2260），为文本。",
        (ex('id region("11010519491231002X")', '"110105"'),
         ex('id region("00010519491231002X")', "null")),
        notes=(_NOTE,),
    ),
    FunctionSpec(
        "id type", "identifiers",
        (sig("id: string", id_type, STRING),),
        f"The kind of number, from its prefix: one of {KINDS} (the values of the `resident_id` "
        "field's `id_types` option).",
        f"号码种类（由开头判断）：{KINDS} 之一"
        "（与 `resident_id` 字段的 `id_types` 选项取值相同）。",
        (ex('id type("11010519491231002X")', '"mainland"'),
         ex('id type("810000199408230021")', '"hong_kong_permit"')),
        notes=(_NOTE,),
    ),
    FunctionSpec(
        "id to 18", "identifiers",
        (sig("id: string", id_to_18, STRING),),
        'The 18-character form of a number: a legacy 15-digit number gets "19" after its region '
        "code and a check character; an 18-character number comes back normalised (trimmed, X "
        "upper-cased).",
        "号码的 18 位形式：15 位旧号在地区码后补 \"19\" 并加校验码；"
        "18 位号码原样返回（去空白、X 大写）。",
        (ex('id to 18("110105491231002")', '"11010519491231002X"'),
         ex('id to 18("11010519491231002x")', '"11010519491231002X"')),
        aliases=("id18",),
        notes=(_NOTE,),
    ),
)  # fmt: skip
