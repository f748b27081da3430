"""What a report or dashboard that cannot be published says, in the product's two languages.

Every sentence is a key of `PROBLEMS` with a Simplified Chinese and an English template (the
same `str.format` fields in both; a unit test checks it); `problem()` builds a `ReportProblem`
from one, so a Chinese analyst in the report designer reads the same problem in Chinese. The
English sentences are the API's default and never change with this catalog. A parameter of a
sentence that differs by language is a `Words` (a field type, a chart type, a list of names).
Pure: this module must not know about definitions, compilation or HTTP.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from brickwork.engines.bilingual import Words, fill
from brickwork.engines.bilingual import schema_zh as schema_zh  # the report engine says it


@dataclass(frozen=True, slots=True)
class ReportProblem:
    """One problem of a report or dashboard definition: where (JSON pointer into it), what
    (stable code) and a sentence in English (`message`) and Simplified Chinese (`zh_cn`)."""

    pointer: str
    code: str
    message: str
    zh_cn: str | None = None


_UNUSABLE = (
    "{path!r} 不能用于报表：加密字段、文件、富文本、时间、多选和子表均不可用（文本、数字、金额、"
    "日期、选项、用户、部门和关联字段可以）",
    "{path!r} cannot be used in a report: encrypted fields, files, rich text, times, multiple "
    "choices and subtables cannot (text, numbers, money, dates, choices, users, departments and "
    "lookups can)",
)
_MIXED_HEAD = (
    "它的值各自带有币种（该字段未设固定币种），不同币种的金额将",
    "its values name their own currencies (the field has no fixed currency), so amounts in "
    "different currencies would be ",
)
_MIXED_TAIL = (
    "；请为该字段设置固定币种；如需多币种，可将金额存为小数并配一个币种选项，"
    "用 convert currency(...) 换算出计算金额后再做报表",
    "; give the field a fixed currency, or, for several currencies, keep the amount as a decimal "
    "beside a currency choice and report a computed amount converted with convert currency(...)",
)

# key -> (zh-CN template, en template). Values the analyst wrote (keys, field paths, form names)
# are quoted with `!r` in both languages, as the pointers and codes name them.
PROBLEMS: dict[str, tuple[str, str]] = {
    # ---- the whole report
    "timezone": (
        "{zone!r} 不是 IANA 时区（如 Asia/Shanghai）",
        "{zone!r} is no IANA zone",
    ),
    "summary_columns": (
        '汇总报表由维度和度量组成，不设明细列（或设置 "kind": "detail"）',
        'a summary report has dimensions and measures, not columns (or set "kind": "detail")',
    ),
    "summary_empty": (
        "请添加一个度量（如计数）或一个维度",
        "add a measure (e.g. a count) or a dimension",
    ),
    "detail_sort": (
        "明细报表按记录从新到旧分页列出：不能设置排序或行数上限",
        "a detail report lists the newest records first, page by page: no sort or limit",
    ),
    "detail_aggregates": (
        '明细报表按列列出记录：不能有维度、度量或后处理步骤（或设置 "kind": "summary"）',
        "a detail report lists rows with columns: no dimensions, measures or post steps (or set "
        '"kind": "summary")',
    ),
    "detail_empty": ("明细报表需要设置列", "a detail report needs columns"),
    "key_taken": (
        "{key!r} 已是某个{what}的键；键即结果中的列名，必须唯一",
        "{key!r} is already the key of a {what}; keys name columns of the result and must be "
        "unique",
    ),
    # ---- the dataset: form, subtable, joins, fields
    "unknown_form": (
        "应用中没有已发布的表单 {form!r}（已发布：{known}）",
        "the app has no published form {form!r} (published: {known})",
    ),
    "unknown_subtable": (
        "表单 {form!r} 没有字段 {key!r}（子表：{known}）",
        "form {form!r} has no field {key!r} (subtables: {known})",
    ),
    "not_a_subtable": (
        "{key!r} 是{kind}字段，不是子表：请对表单本身做报表，或指定它的某个子表",
        "{key!r} is a {kind} field, not a subtable: report on the form, or name one of its "
        "subtables",
    ),
    "detail_over_rows": (
        "暂不支持基于子表行的明细报表：请改用汇总报表（或对表单本身做明细报表）",
        "detail reports over subtable rows are not available: use a summary report (or a detail "
        "report of the form)",
    ),
    "column_named_parent": (
        "子表 {key!r} 有一列名为 {parent!r}，而在基于其行的报表中它指父记录；请给该列改名",
        "subtable {key!r} has a column named {parent!r}, which names the parent record in a "
        "report over its rows; rename the column",
    ),
    "alias_taken": (
        "{alias!r} 已是数据集中的字段或关联；请换一个别名",
        "{alias!r} is already a field or join of the dataset; choose another alias",
    ),
    "join_not_before": (
        "{source!r} 不是在此之前定义的关联",
        "{source!r} is not a join defined before this one",
    ),
    "join_no_field": (
        "{lookup!r} 不是字段；关联须沿关联字段建立",
        "{lookup!r} is no field; joins follow lookup fields",
    ),
    "join_not_lookup": (
        "{lookup!r} 是{kind}字段，不是关联字段；关联须沿关联字段建立",
        "{lookup!r} is a {kind} field, not a lookup; joins follow lookup fields",
    ),
    "join_form_unpublished": (
        "{lookup!r} 指向的表单 {form!r} 尚未发布",
        "{lookup!r} points to form {form!r}, which is not published",
    ),
    "unknown_source": (
        "{source!r} 不是数据集的关联（可用：{joins}）",
        "{source!r} is no join of the dataset (joins: {joins})",
    ),
    "where_form": ("表单", "the form"),
    "where_subtable": ("子表 {key!r} ", "subtable {key!r}"),
    "where_parent": ("父表单 {form!r} ", "the parent form {form!r}"),
    "where_join": ("关联 {key!r} ", "join {key!r}"),
    "no_field": ("{where}中没有字段 {name!r}", "{where} has no field {name!r}"),
    "no_field_of_rows": (
        "{where}中没有字段 {name!r}；父记录的字段请写作 {parent}.{name}",
        "{where} has no field {name!r}; the parent record's field is {parent}.{name}",
    ),
    "field_unusable": _UNUSABLE,
    "subtable_unusable": (
        _UNUSABLE[0] + '；如需统计它的行，请设置 "dataset": {{"subtable": "{name}"}}',
        _UNUSABLE[1] + '; report over its rows with "dataset": {{"subtable": "{name}"}}',
    ),
    # ---- dimensions
    "grain_type": (
        "{field!r} 是{kind}字段：时间粒度只适用于日期或日期时间字段",
        "{field!r} is {kind}: a time grain needs a date or date-time field",
    ),
    "mixed_dimension": (
        "{field!r} 不能作为维度：" + _MIXED_HEAD[0] + "被归入同一分组或分桶" + _MIXED_TAIL[0],
        "{field!r} cannot be a dimension: "
        + _MIXED_HEAD[1]
        + "grouped and bucketed together"
        + _MIXED_TAIL[1],
    ),
    "buckets_type": (
        "{field!r} 是{kind}字段：分桶只适用于数字或金额字段",
        "{field!r} is {kind}: buckets need a number or money field",
    ),
    "grain_or_buckets": ("时间粒度和分桶只能二选一", "use a grain or buckets"),
    "bounds_ascending": ("分桶边界必须严格递增", "bounds must be strictly ascending"),
    "bucket_labels": (
        "{bounds} 个边界分出 {buckets} 个分桶：请给出同样数量的标签",
        "{bounds} bound(s) make {buckets} buckets: give that many labels",
    ),
    # ---- measures
    "measure_shape": (
        "度量要么使用 `function`（配合 `field`），要么使用基于其他度量的 `expression`",
        "a measure has either a `function` (with a `field`) or an `expression` over other measures",
    ),
    "function_needs_field": ("{function} 需要指定 `field`", "{function} needs a `field`"),
    "aggregate_type": (
        "{function} 不能用于 {field!r}（{kind}）：只适用于{allowed}；count 或 count_distinct "
        "适用于任何字段",
        "{function} of {field!r} ({kind}) is not possible: {allowed} only; count or "
        "count_distinct work on any field",
    ),
    "mixed_aggregate": (
        "{function} 不能用于 {field!r}："
        + _MIXED_HEAD[0]
        + "被相互比较和累加"
        + _MIXED_TAIL[0]
        + "；count 或 count_distinct 可以使用",
        "{function} of {field!r} is not possible: "
        + _MIXED_HEAD[1]
        + "compared and added up"
        + _MIXED_TAIL[1]
        + "; count or count_distinct work",
    ),
    "percentile_range": (
        "请给出 0 到 100 之间（不含两端）的 `percentile`，如 90",
        "give `percentile` between 0 and 100 (exclusive), e.g. 90",
    ),
    "percentile_alone": (
        "`percentile` 只能与 percentile 函数一起使用",
        "`percentile` goes with the percentile function only",
    ),
    # `detail` is the expression engine's diagnostic, with its hint, in each language.
    "calculated_expression": (
        "计算度量的表达式有误（第 {line} 行第 {column} 列）：{detail}；"
        "计算度量只能使用在它之前定义的度量",
        "line {line}, column {column}: {detail}; a calculated measure uses the measures defined "
        "before it",
    ),
    # ---- parameters and filters
    "parameter_again": ("参数键 {key!r} 重复", "{key!r} again"),
    "select_options": ("下拉选择参数需要提供选项（`options`）", "a select needs options"),
    "multiple_not_select": ("只有下拉选择参数可以多选", "only a select takes several"),
    "default_unfit": ("默认值无效：{detail}", "the default does not fit: {detail}"),
    "filter_expression": (
        "筛选条件有误（第 {line} 行第 {column} 列）：{detail}",
        "line {line}, column {column}: {detail}",
    ),
    "filter_not_an_option": (
        '第 {line} 行第 {column} 列："{value}" 不是 `{field}` 的选项（{options}），'
        "这个筛选条件永远不会匹配：请使用其中之一（区分大小写）",
        'line {line}, column {column}: "{value}" is not an option of `{field}` ({options}), so'
        " the filter never matches it: use one of them (case matters)",
    ),
    "filter_people_by_name": (
        '第 {line} 行第 {column} 列：`{field}` 存放的是用户或部门的 id，不是 "{value}" 这样的名称，'
        "这个筛选条件永远不会匹配：请与另一个成员或部门字段比较",
        "line {line}, column {column}: `{field}` holds the id of a user or department, never a"
        ' name such as "{value}", so the filter never matches: compare it with another member or'
        " department field",
    ),
    "mixed_filter": (
        "筛选条件不能比较 {field!r}：" + _MIXED_HEAD[0] + "与同一个阈值相比较" + _MIXED_TAIL[0],
        "the filter cannot compare {field!r}: "
        + _MIXED_HEAD[1]
        + "compared against one threshold"
        + _MIXED_TAIL[1],
    ),
    # ---- steps after aggregation (pivot, running total, percent of total, ...)
    "pivot_last": ("透视必须是最后一个后处理步骤", "a pivot must be the last post step"),
    "pivot_keys": (
        "{keys}：透视的行和列须为维度，值须为度量",
        "{keys}: rows and columns name dimensions, values measures",
    ),
    "pivot_cover": (
        "透视的行和列合起来必须恰好包含每个维度各一次",
        "rows and columns together must name every dimension once",
    ),
    "no_measure": ("{key!r} 不是度量", "{key!r} is no measure"),
    "no_dimension": ("{key!r} 不是维度", "{key!r} is no dimension"),
    "not_dimensions": ("{keys}：不是维度", "{keys}: not dimensions"),
    "needs_grain": (
        "{key!r} 必须是设有时间粒度的维度",
        "{key!r} must be a dimension with a time grain",
    ),
    # ---- sort, drill, chart
    "unknown_sort_key": (
        "{key!r} 不是结果中的列（{keys}）",
        "{key!r} is not a column of the result ({keys})",
    ),
    "no_column": ("{key!r} 不是结果中的列", "{key!r} is no column"),
    "drill_target": ("请给出 `list` 或 `report` 之一", "give either `list` or `report`"),
    "drill_no_form": ("没有已发布的表单 {form!r}", "no published form {form!r}"),
    "drill_rows_to_list": (
        "基于子表行的报表不能钻取到记录列表（列表列出的是表单的记录，而不是子表行）；请改为钻取到报表",
        "a report over subtable rows cannot drill to a record list (it lists the form's records, "
        "not the rows); drill to a report instead",
    ),
    "drill_other_list": (
        "钻取到记录列表时打开的是数据集本身的表单，并按所点击的行筛选",
        "a drill to a record list opens the dataset's own form, filtered to the clicked row",
    ),
    "drill_no_report": ("没有已发布的报表 {report!r}", "no published report {report!r}"),
    "report_no_parameter": (
        "报表 {report!r} 没有参数 {parameter!r}",
        "report {report!r} has no parameter {parameter!r}",
    ),
    "drill_source": (
        "{source!r} 既不是本报表的维度，也不是本报表的参数",
        "{source!r} is neither a dimension nor a parameter of this report",
    ),
    "chart_needs_x": ("{chart}需要 `x`", "a {chart} chart needs `x`"),
    "chart_y_count": (
        "{chart}的 `y` 须为 {count} 个度量",
        "a {chart} chart takes {count} measure(s) in `y`",
    ),
    "chart_y_range": (
        "{chart}的 `y` 须为 {fewest} 到 {most} 个度量",
        "a {chart} chart takes {fewest} to {most} measure(s) in `y`",
    ),
    "chart_series": (
        "`series` 须为 `x` 以外的另一个维度",
        "`series` names another dimension than `x`",
    ),
    "heatmap_series": ("热力图需要 `series`", "a heatmap needs `series`"),
    # ---- dashboards
    "item_again": ("面板编号 {id!r} 重复", "{id!r} again"),
    "item_grid": (
        "面板超出网格：x + w 不能超过 {columns} 列",
        "x + w must fit the {columns} columns",
    ),
    "item_overlap": ("与面板 {item!r} 重叠", "overlaps item {item!r}"),
    "item_no_report": (
        "没有已发布的报表 {report!r}（已发布：{known}）",
        "no published report {report!r} (published: {known})",
    ),
    "dashboard_no_parameter": (
        "仪表盘没有参数 {parameter!r}",
        "the dashboard has no parameter {parameter!r}",
    ),
    "parameter_types": (
        "参数类型不一致：{source!r} 是{given}参数，而 {target!r} 是{wanted}参数",
        "{source!r} is a {given}, {target!r} a {wanted}",
    ),
    "no_item": ("仪表盘上没有面板 {item!r}", "no item {item!r}"),
    "report_no_dimension": (
        "报表 {report!r} 没有维度 {dimension!r}",
        "report {report!r} has no dimension {dimension!r}",
    ),
    "item_no_parameter": (
        "报表 {report!r}（面板 {item!r}）没有参数 {parameter!r}",
        "report {report!r} (item {item!r}) has no parameter {parameter!r}",
    ),
    # ---- parameter values (a default at publish; what a run is given)
    "not_a_period": (
        "{value!r} 不是可用的期间；可选：{periods}",
        "{value!r} is not a period; one of {periods}",
    ),
    "range_shape": (
        '请给出 {{"start": "YYYY-MM-DD", "end": "YYYY-MM-DD"}} 或一个期间',
        'give {{"start": "YYYY-MM-DD", "end": "YYYY-MM-DD"}} or a period',
    ),
    "range_reversed": ("开始日期晚于结束日期", "the start is after the end"),
    "one_value": ("只能给出一个值", "give one value"),
    "not_an_option": (
        "{value!r} 不在可选项 {options} 之中",
        "{value!r} is not one of the options {options}",
    ),
    "date_shape": ("请按 YYYY-MM-DD 给出日期", "give a date as YYYY-MM-DD"),
    "not_a_date": ("{value!r} 不是有效日期（YYYY-MM-DD）", "{value!r} is not a date (YYYY-MM-DD)"),
    "number_shape": ("请给出一个数字", "give a number"),
    "not_a_number": ("{value!r} 不是数字", "{value!r} is not a number"),
    "unusable_number": ("{value!r} 不是可用的数字", "{value!r} is not a usable number"),
    "text_shape": ("请给出不超过 200 个字符的文本", "give a text of at most 200 characters"),
    "unknown_parameter": (
        "报表没有参数 {key!r}（参数：{known}）",
        "the report has no parameter {key!r} ({known})",
    ),
    "parameter_required": ("此参数为必填项", "this parameter is required"),
}

KINDS: Mapping[str, Words] = {
    # value and field types (`FieldInfo.type`, `FieldRef.type`) and parameter types
    "text": Words("文本", "text"),
    "number": Words("数字", "number"),
    "money": Words("金额", "money"),
    "percent": Words("百分比", "percent"),
    "date": Words("日期", "date"),
    "datetime": Words("日期时间", "datetime"),
    "boolean": Words("是/否", "boolean"),
    "choice": Words("选项", "choice"),
    "user": Words("用户", "user"),
    "department": Words("部门", "department"),
    "lookup": Words("关联", "lookup"),
    "subtable": Words("子表", "subtable"),
    "other": Words("其他类型", "other"),
    "date_range": Words("日期区间", "date_range"),
    "select": Words("下拉选择", "select"),
}
CHARTS: Mapping[str, Words] = {
    "table": Words("表格", "table"),
    "pivot": Words("透视表", "pivot"),
    "bar": Words("柱状图", "bar"),
    "stacked_bar": Words("堆叠柱状图", "stacked_bar"),
    "line": Words("折线图", "line"),
    "area": Words("面积图", "area"),
    "pie": Words("饼图", "pie"),
    "funnel": Words("漏斗图", "funnel"),
    "kpi": Words("指标卡", "kpi"),
    "scatter": Words("散点图", "scatter"),
    "heatmap": Words("热力图", "heatmap"),
}
OUTPUTS: Mapping[str, Words] = {  # what a key of the result names (`key_taken`)
    "dimension": Words("维度", "dimension"),
    "measure": Words("度量", "measure"),
    "column": Words("列", "column"),
    "post step output": Words("后处理步骤的输出", "post step output"),
}
NUMBERS = Words("数字和金额", "numbers and money")
NUMBERS_AND_DATES = Words("数字、金额和日期", "numbers, money and dates")
OWN_FIELDS = Words("数据集自身的字段", "(the dataset's own fields)")


def problem(pointer: str, code: str, key: str, /, **params: object) -> ReportProblem:
    """The problem `key` of `PROBLEMS` at `pointer` under `code`; `params` fill the templates
    of both languages."""
    zh_cn, en = fill(PROBLEMS[key], params)
    return ReportProblem(pointer, code, en, zh_cn)


def said(key: str, /, **params: object) -> Words:
    """The sentence `key` of `PROBLEMS` in both languages, to be part of another one."""
    zh_cn, en = fill(PROBLEMS[key], params)
    return Words(zh_cn, en)


def kind(name: str) -> Words:
    """A field, value or parameter type by its name in each language."""
    return KINDS.get(name, Words(name, name))
