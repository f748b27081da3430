"""Problems found while checking a value or a definition: a stable code and two messages.

Every code the form engine can report is a key of `MESSAGES`, with a Simplified Chinese and an
English template; `problem()` is the only way to build a `Problem`, so an unknown code fails
loudly in tests instead of reaching a user. This module must not know about fields, records or
HTTP, and must not pick a language from the environment (the caller passes the locale).
"""

# Chinese messages use full-width commas, brackets and colons: correct typography there.
# ruff: noqa: RUF001

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, assert_never

from brickwork.engines.bilingual import Words as Words  # the parameters of `problem`
from brickwork.engines.bilingual import fill

Locale = Literal["zh-CN", "en"]
LOCALES: tuple[Locale, ...] = ("zh-CN", "en")

# code -> (zh-CN template, en template). Templates use str.format fields; both languages must use
# the same fields (a unit test checks it). Values that came from the user are never interpolated:
# messages describe the problem, the pointer says where it is.
MESSAGES: dict[str, tuple[str, str]] = {
    # ---- any field
    "value_type": ("应为{expected}", "expected {expected}"),
    "unknown_field": ("未知字段", "unknown field"),
    "too_short": ("长度不能少于 {limit} 个字符", "must be at least {limit} characters long"),
    "too_long": ("长度不能超过 {limit} 个字符", "must be at most {limit} characters long"),
    "too_few": ("至少需要 {limit} 项", "needs at least {limit} items"),
    "too_many": ("最多允许 {limit} 项", "allows at most {limit} items"),
    "below_minimum": ("不能小于 {limit}", "must not be less than {limit}"),
    "above_maximum": ("不能大于 {limit}", "must not be greater than {limit}"),
    # ---- text
    "text_control_chars": ("包含不允许的控制字符", "contains control characters"),
    "text_single_line": ("只能填写一行文字", "must be a single line"),
    "text_pattern": ("格式不符合要求", "does not match the required pattern"),
    # ---- numbers and money
    "number_format": ("不是有效的数字", "is not a valid number"),
    "number_float": (
        "数字须以十进制数或字符串提供，不接受二进制浮点数",
        "numbers must be given as decimal numbers or strings, not binary floats",
    ),
    "number_not_finite": ("数字必须是有限值", "must be a finite number"),
    "integer_fraction": ("必须是整数", "must be a whole number"),
    "integer_range": ("整数超出可存储的范围", "whole number is out of the storable range"),
    "decimal_scale": ("小数位数不能超过 {scale} 位", "allows at most {scale} decimal places"),
    "decimal_precision": ("数字位数过多", "has too many digits"),
    "money_scale": (
        "{currency} 金额最多 {scale} 位小数",
        "{currency} amounts allow at most {scale} decimal places",
    ),
    "money_precision": ("金额位数过多", "amount has too many digits"),
    "money_format": (
        '金额应为数字、数字字符串或 {{"amount": ..., "currency": ...}}',
        'money must be a number, a numeric string or {{"amount": ..., "currency": ...}}',
    ),
    "money_currency": ("币种无效或不被允许", "currency is unknown or not allowed"),
    "money_currency_mismatch": ("币种必须为 {currency}", "currency must be {currency}"),
    "money_currency_required": ("须同时提供币种", "a currency is required"),
    # ---- boolean and time
    "boolean_format": ("只能是 true 或 false", "must be true or false"),
    "date_format": ("日期格式应为 YYYY-MM-DD", "date must be written YYYY-MM-DD"),
    "date_invalid": ("日期不存在", "is not a real calendar date"),
    "datetime_format": (
        "日期时间格式应为 ISO 8601（如 2024-01-31T09:30:00+08:00）",
        "date-time must be ISO 8601 (e.g. 2024-01-31T09:30:00+08:00)",
    ),
    "datetime_offset": ("日期时间必须带时区偏移", "date-time must carry a UTC offset"),
    "datetime_invalid": ("日期时间不存在", "is not a real date-time"),
    "time_format": ("时间格式应为 HH:MM 或 HH:MM:SS", "time must be written HH:MM or HH:MM:SS"),
    # ---- choices and references
    "option_unknown": ("不是可选的选项", "is not one of the options"),
    "duplicate_item": ("重复的项", "the same item is given twice"),
    "reference_format": ("引用标识无效", "is not a valid reference id"),
    # ---- contact
    "email_format": ("不是有效的电子邮箱地址", "is not a valid e-mail address"),
    "email_length": ("电子邮箱地址过长", "e-mail address is too long"),
    "mobile_format": (
        "不是有效的中国大陆手机号（11 位，以 13–19 开头）",
        "is not a valid mainland China mobile number (11 digits starting 13-19)",
    ),
    "phone_format": (
        "不是有效的国际电话号码（E.164，如 +8613800138000）",
        "is not a valid international number (E.164, e.g. +8613800138000)",
    ),
    "url_format": ("不是有效的网址", "is not a valid URL"),
    "url_scheme": (
        "网址必须以 http:// 或 https:// 开头",
        "URL must start with http:// or https://",
    ),
    "url_length": ("网址过长", "URL is too long"),
    "url_credentials": (
        "网址中不能包含用户名或密码",
        "URL must not contain a user name or password",
    ),
    # ---- PRC resident ID (GB 11643)
    "resident_id_length": (
        "身份证号应为 18 位（或旧版 15 位）",
        "resident ID must have 18 characters",
    ),
    "resident_id_chars": (
        "身份证号只能包含数字，最后一位可为 X",
        "resident ID must be digits, with X allowed as the last character",
    ),
    "resident_id_checksum": ("身份证号校验码错误", "resident ID check character is wrong"),
    "resident_id_birth_date": (
        "身份证号中的出生日期不存在",
        "resident ID birth date is not a real date",
    ),
    "resident_id_birth_future": (
        "身份证号中的出生日期晚于今天",
        "resident ID birth date is after today",
    ),
    "resident_id_legacy": (
        "不接受 15 位旧版身份证号",
        "15-digit legacy resident IDs are not accepted",
    ),
    "resident_id_type": ("不接受此类证件号码", "this kind of resident ID is not accepted"),
    "resident_id_province": (
        "身份证号第 {positions} 位不是 GB/T 2260 省级行政区划代码：请对照证件核对这两位",
        "resident ID positions {positions} are not a province-level region code of GB/T 2260:"
        " check these two digits against the card",
    ),
    "resident_id_permit_region": (
        "港澳台居民居住证号码以 810000、820000 或 830000 开头：第 3-6 位应为 0000",
        "residence permits of Hong Kong, Macau and Taiwan residents start 810000, 820000 or"
        " 830000: positions 3-6 must be 0000",
    ),
    "resident_id_region": (
        "身份证号前 6 位不在 GB/T 2260 行政区划代码表中（仅提示）：请核对",
        "resident ID positions 1-6 are not in the GB/T 2260 table of region codes (warning):"
        " check them",
    ),
    # ---- unified social credit code (GB 32100) and organisation code (GB 11714)
    "uscc_length": (
        "统一社会信用代码应为 18 位",
        "unified social credit code must have 18 characters",
    ),
    "uscc_chars": (
        "统一社会信用代码含有不允许的字符（不使用 I、O、Z、S、V）",
        "unified social credit code has characters outside its alphabet (no I, O, Z, S, V)",
    ),
    "uscc_authority_unknown": (
        "统一社会信用代码第 1 位不是 GB 32100 的登记管理部门代码（1-9、A、N、Y）：请核对首位",
        "unified social credit code position 1 is not a registration authority of GB 32100"
        " (1-9, A, N, Y): check the first character",
    ),
    "uscc_type_unknown": (
        "统一社会信用代码第 2 位不是该登记管理部门的机构类别代码：请核对第 2 位",
        "unified social credit code position 2 is not an organisation type of the registration"
        " authority in position 1: check the second character",
    ),
    "uscc_region_chars": (
        "统一社会信用代码第 3-8 位是登记管理机关行政区划码，只能是数字：请核对这 6 位",
        "unified social credit code positions 3-8 are the region code of the registering"
        " office and must be digits: check these six characters",
    ),
    "uscc_checksum": (
        "统一社会信用代码校验码错误",
        "unified social credit code check character is wrong",
    ),
    "uscc_org_code": (
        "统一社会信用代码中的组织机构代码校验错误",
        "the organisation code inside the unified social credit code fails its check",
    ),
    "org_code_length": ("组织机构代码应为 9 位", "organisation code must have 9 characters"),
    "org_code_chars": (
        "组织机构代码只能包含数字和大写字母，最后一位可为 X",
        "organisation code must be digits and capital letters, with X allowed last",
    ),
    "org_code_checksum": ("组织机构代码校验码错误", "organisation code check character is wrong"),
    # ---- banking
    "bank_card_chars": ("银行卡号只能包含数字", "card number must contain digits only"),
    "bank_card_length": ("银行卡号应为 12–19 位数字", "card number must have 12 to 19 digits"),
    "luhn_checksum": ("银行卡号校验位错误", "card number check digit is wrong (Luhn)"),
    "lei_length": ("LEI 应为 20 位", "LEI must have 20 characters"),
    "lei_chars": (
        "LEI 只能包含数字和大写字母，最后两位为数字",
        "LEI must be digits and capital letters, ending with two digits",
    ),
    "lei_checksum": ("LEI 校验码错误", "LEI check digits are wrong (ISO 7064 MOD 97-10)"),
    "iban_chars": (
        "IBAN 只能包含数字和大写字母",
        "IBAN must contain digits and capital letters only",
    ),
    "iban_format": (
        "IBAN 应以两位国家代码和两位校验数字开头",
        "IBAN must start with a two-letter country code and two check digits",
    ),
    "iban_length": (
        "该国 IBAN 应为 {length} 位",
        "an IBAN of this country must have {length} characters",
    ),
    "iban_country_not_in_registry": (
        "IBAN 第 1-2 位的国家不在 IBAN 注册表中（该国不使用 IBAN）：请填写该国的本地账号",
        "IBAN positions 1-2 name a country outside the IBAN registry (it has no IBANs):"
        " give the account number in that country's own form",
    ),
    "iban_bban_format": (
        "IBAN 第 {positions} 位应为{expected}（该国账号结构）：请核对这几位",
        "IBAN positions {positions} must be {expected} in this country's account structure:"
        " check these characters",
    ),
    "iban_national_checksum": (
        "IBAN 中该国账号自身的校验位错误：请核对账号",
        "the national check digits inside the IBAN are wrong: check the account number",
    ),
    "iban_checksum": ("IBAN 校验码错误", "IBAN check digits are wrong"),
    "iban_country_unknown": (
        "IBAN 国家代码不在已知列表中，未校验长度（仅提示）",
        "IBAN country is not in the known table; its length was not checked (warning)",
    ),
    "bic_length": ("SWIFT/BIC 应为 8 或 11 位", "SWIFT/BIC must have 8 or 11 characters"),
    "bic_format": (
        "SWIFT/BIC 格式错误（4 位字母机构代码、2 位国家代码、2 位地区代码、可选 3 位分行代码）",
        "SWIFT/BIC must be 4 letters, a country code, 2 location and optionally 3 branch chars",
    ),
    "bic_country": ("SWIFT/BIC 中的国家代码无效", "SWIFT/BIC country code is not an ISO 3166 code"),
    "mrz_chars": (
        "机读区只能包含数字、大写字母和 <",
        "machine-readable zone allows digits, capital letters and < only",
    ),
    "mrz_length": ("机读区字段长度错误", "machine-readable zone field has the wrong length"),
    "mrz_checksum": ("机读区校验位错误", "machine-readable zone check digit is wrong"),
    "passport_chars": (
        "护照号码只能包含数字和大写字母",
        "passport number must contain digits and capital letters only",
    ),
    "passport_length": (
        "护照号码应为 5-9 位（或填写护照机读区第 2 行，44 位）",
        "passport number must have 5 to 9 characters (or give line 2 of the machine-readable"
        " zone, 44 characters)",
    ),
    "passport_mrz_required": (
        "请填写护照机读区（第 2 行 44 位，或两行共 88 位），以便核对校验位",
        "give the passport's machine-readable zone (line 2, 44 characters, or both lines) so"
        " that its check digits can be checked",
    ),
    # ---- files, serial numbers, places, rows
    "attachment_format": ("附件信息无效", "attachment reference is invalid"),
    "attachment_too_large": ("文件大小超过 {limit} 字节", "file is larger than {limit} bytes"),
    "attachment_content_type": ("不允许的文件类型", "file type is not allowed"),
    "serial_format": ("编号与编号规则不符", "does not match the serial number pattern"),
    "location_format": (
        '位置应为 {{"lat": 纬度, "lng": 经度}}',
        'location must be {{"lat": latitude, "lng": longitude}}',
    ),
    "location_range": (
        "纬度须在 -90 到 90 之间，经度须在 -180 到 180 之间",
        "latitude must be within -90..90 and longitude within -180..180",
    ),
    "subtable_format": ("子表应为由对象组成的列表", "subtable must be a list of objects"),
    "rich_text_format": ("富文本应为 HTML 字符串", "rich text must be an HTML string"),
    # ---- definitions (design time)
    "field_key_duplicate": ("字段键重复", "field key is used twice"),
    "field_key_reserved": (
        "字段键与系统字段重名",
        "field key is reserved for a system column",
    ),
    "element_id_duplicate": ("元素标识重复", "element id is used twice"),
    "pattern_invalid": ("正则表达式无效", "pattern is not a valid regular expression"),
    "pattern_unsafe": (
        "正则表达式过长或含有嵌套重复，可能导致性能问题",
        "pattern is too long or nests repetition (could run for a very long time)",
    ),
    "range_inverted": ("最小值大于最大值", "minimum is greater than maximum"),
    "option_value_duplicate": ("选项值重复", "option value is used twice"),
    "money_rows_mixed": (
        "`{column}` 每行的币种可以不同，不能跨行相加或比较：请为该列指定固定币种",
        "the rows of `{column}` may each be in a different currency, so they cannot be added up"
        " or compared across rows: give the column a fixed currency",
    ),
    "money_currencies_differ": (
        "`{left}`（{left_source}）与 `{right}`（{right_source}）可能是不同币种的金额，不能相加、"
        "相减或比较：请先用 convert currency 换算为同一币种，或为两者指定同一固定币种",
        "`{left}` ({left_source}) and `{right}` ({right_source}) may be amounts in different"
        " currencies, so they cannot be added, subtracted or compared: convert one with convert"
        " currency, or give both the same fixed currency",
    ),
    "expression_not_an_option": (
        '第 {line} 行第 {column} 列："{value}" 不是 `{field}` 的选项（{options}），'
        "这个比较永远不会匹配：请使用其中之一（区分大小写）",
        'line {line}, column {column}: "{value}" is not an option of `{field}` ({options}), so'
        " the comparison never matches: use one of them (case matters)",
    ),
    "expression_people_by_name": (
        '第 {line} 行第 {column} 列：`{field}` 存放的是用户或部门的 id，不是 "{value}" 这样的名称，'
        "这个比较永远不会匹配：请与另一个成员或部门字段比较",
        "line {line}, column {column}: `{field}` holds the id of a user or department, never a"
        ' name such as "{value}", so the comparison never matches: compare it with another'
        " member or department field",
    ),
    "default_not_an_option": (
        '第 {line} 行第 {column} 列："{value}" 不是该字段的选项（{options}），'
        "这个默认值会被拒绝：请使用其中之一（区分大小写）",
        'line {line}, column {column}: "{value}" is not an option of the field ({options}),'
        " so the default would be refused: use one of them (case matters)",
    ),
    "computed_money_currency": (
        "结果为 {currency} 金额，但读取了 `{field}`（{source}）：{remedy}",
        "the result is an amount in {currency} but reads `{field}` ({source}): {remedy}",
    ),
    "options_need_text_result": (
        "选项只能为文本结果的代码命名（result_type 须为 text）",
        "options name the codes of a text result only (result_type must be text)",
    ),
    "default_invalid": ("默认值不符合字段类型", "default value is not valid for the field"),
    "default_conflict": (
        "不能同时设置静态默认值和默认值表达式",
        "give either a static default or a default expression, not both",
    ),
    "currency_unknown": ("未知币种", "unknown currency"),
    "serial_pattern_invalid": (
        "编号规则无效：需且仅需一个 {{seq:N}}，只能使用 {{YYYY}}、{{YY}}、{{MM}}、{{DD}}",
        "serial pattern needs exactly one {{seq:N}} and may use {{YYYY}}, {{YY}}, {{MM}}, {{DD}}",
    ),
    "sensitivity_unencrypted": (
        "C3 级数据必须加密存储",
        "C3 data (authentication data) must be stored encrypted",
    ),
    "mask_unknown": ("未知的脱敏方式", "unknown masking preset"),
    "validation_unknown_field": ("校验规则指向不存在的字段", "validation blames an unknown field"),
    "layout_unknown_field": ("页面分区指向不存在的字段", "a section names an unknown field"),
    "layout_field_twice": ("字段已放在另一个分区", "the field is already in a section"),
    "graph_key_field": (
        "关系图须以本表单的文本字段标识记录",
        "the graph names records by a text field of this form",
    ),
    "graph_unknown_field": ("关系图指向不存在的字段", "the graph names an unknown field"),
    # ---- expressions in definitions (design time). `detail` is the expression engine's
    # diagnostic with its hint, in each language; it names what the analyst wrote, never record
    # values.
    "expression_syntax": (
        "表达式语法错误（第 {line} 行第 {column} 列）：{detail}",
        "expression syntax error at line {line}, column {column}: {detail}",
    ),
    "expression_unknown_name": (
        "表达式引用了不存在的名称（第 {line} 行第 {column} 列）：{detail}",
        "expression refers to an unknown name at line {line}, column {column}: {detail}",
    ),
    "expression_invalid": (
        "表达式有误（第 {line} 行第 {column} 列）：{detail}",
        "expression error at line {line}, column {column}: {detail}",
    ),
    "expression_type": (
        "表达式的结果应为{expected}，而不是{actual}",
        "expression must give a {expected}, not a {actual}",
    ),
    "computed_cycle": (
        "计算字段之间存在循环依赖：{cycle}",
        "computed values depend on each other in a cycle: {cycle}",
    ),
    # ---- records (run time)
    "required": ("此项为必填项", "a value is required"),
    "field_not_writable": (
        "此字段由系统生成，不能填写",
        "this field is filled in by the system and cannot be set",
    ),
    "field_readonly": (
        "此字段对该记录只读，不能修改",
        "this field is read-only for this record and cannot be changed",
    ),
    "field_hidden_ignored": (
        "此字段对该记录不显示，提交的值已忽略",
        "this field is hidden for this record; the value sent was ignored",
    ),
    "row_id_unknown": ("行标识不属于此记录", "row id does not belong to this record"),
    "expression_failed": (
        "表达式（{property}）求值失败：{detail}",
        "expression ({property}) could not be evaluated: {detail}",
    ),
    "computed_invalid": (
        "计算结果不能作为此字段的值：{reason}",
        "the computed result is not a valid value for this field: {reason}",
    ),
    "validation_failed": ("校验未通过：{message}", "validation failed: {message}"),
    "validation_warning": ("请核对：{message}", "please check: {message}"),
}

WARNINGS: frozenset[str] = frozenset(
    {
        "resident_id_region",
        "iban_country_unknown",
        "field_hidden_ignored",
        "expression_failed",
        "computed_invalid",
        "validation_warning",
    },
)
"""Codes that are reported as warnings (look-ups and checks that are never a reason to refuse)."""

QUOTING: frozenset[str] = frozenset({"expression_failed"})
"""Codes whose message may quote values of the record: an expression's run-time detail names
what it was given (`"abc" is not a number`)."""

WITHHELD = (
    "表达式求值失败（详情可能引用受保护的值，未显示）",
    "an expression could not be evaluated (its details may quote protected values: not shown)",
)


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem: a stable code, a pointer relative to the checked value, two messages."""

    code: str
    zh_cn: str
    en: str
    pointer: str = ""

    def message(self, locale: Locale) -> str:
        match locale:
            case "zh-CN":
                return self.zh_cn
            case "en":
                return self.en
            case _:
                assert_never(locale)

    def under(self, prefix: str) -> Problem:
        """The same problem with `prefix` (a JSON pointer) put in front of its pointer."""
        return Problem(self.code, self.zh_cn, self.en, prefix + self.pointer)


def without_values(found: Problem) -> Problem:
    """`found` with a message that cannot quote values of the record: a problem of a `QUOTING`
    code loses its details (same code and pointer), any other is returned as it is."""
    if found.code not in QUOTING:
        return found
    return Problem(found.code, WITHHELD[0], WITHHELD[1], found.pointer)


def problem(code: str, *, pointer: str = "", **params: object) -> Problem:
    """Build the problem `code`; `params` fill the message templates of both languages."""
    zh_cn, en = fill(MESSAGES[code], params)
    return Problem(code=code, zh_cn=zh_cn, en=en, pointer=pointer)


EXPECTED: dict[str, Words] = {
    "string": Words("文本", "a string"),
    "number": Words("数字", "a number"),
    "integer": Words("整数", "a whole number"),
    "boolean": Words("布尔值（true/false）", "a boolean (true/false)"),
    "list": Words("列表", "a list"),
    "object": Words("对象", "an object"),
}


def wrong_type(expected: str, *, pointer: str = "") -> Problem:
    """The `value_type` problem, naming the expected JSON type (a key of `EXPECTED`)."""
    return problem("value_type", pointer=pointer, expected=EXPECTED[expected])


def pointer_token(part: str | int) -> str:
    """One JSON pointer segment (RFC 6901 escaping), with its leading slash."""
    return "/" + str(part).replace("~", "~0").replace("/", "~1")
