"""What a problem of a rule or a decision model says, in the two languages of the product.

Every `ModelProblem` the rules engine makes is built by `problems.problem` from an entry of
`MESSAGES`: a message and, mostly, a hint, each a (zh-CN, en) pair of `str.format` templates with
the same fields (a test checks it). The English sentences are the API's default; a client or a
designer page that prefers Chinese gets the Chinese ones. Keys, names, FEEL text and JSON stay as
they are in both languages. A `Words` parameter differs by language (a phase is `保存前` in
Chinese and `before save` in English). An expression's diagnostic and a type's reason for
refusing a value follow a lead-in in each language; sentences that come from elsewhere in English
only (pydantic's, a cron expression's) are kept as a detail after a Chinese lead-in. Pure: no
I/O, no locale from the environment.
"""

from __future__ import annotations

from brickwork.engines.bilingual import Words, fill

Pair = tuple[str, str]
"""A (zh-CN, en) pair of templates."""

# key -> (message, hint or None), each a (zh-CN template, en template) pair.
MESSAGES: dict[str, tuple[Pair, Pair | None]] = {
    # ---- FEEL text (the expression engine's diagnostics are English: kept as the detail)
    "expression": (("表达式有误（{code}）：{detail}", "{code}: {detail}"), None),
    "expression_failed": (("表达式求值出错：{detail}", "{detail}"), None),
    # ---- rules: shape, trigger, phase and dates
    "rule_schema": (("规则定义的结构不符合要求：{detail}", "{detail}"), None),
    "condition_type": (
        ("条件的结果是{kind}，不是 true/false", "the condition gives a {kind}, not true/false"),
        ("例如 amount > 50000", "e.g. amount > 50000"),
    ),
    "async_phase": (
        ("只有保存后执行的规则才能稍后执行", "only after-save rules can act later"),
        ('保存前执行的规则请用 "same_transaction"', 'use "same_transaction" before the save'),
    ),
    "effective_backwards": (
        ("规则的截止日早于生效日", "the rule would end before it starts"),
        ("effective_to 是规则生效的最后一天", "effective_to is the last day in force"),
    ),
    "schedule_phase": (
        (
            "定时规则不保存记录：它没有“保存前”阶段",
            "a scheduled rule saves nothing: it has no before-save phase",
        ),
        ('请用 "after_save"', 'use "after_save"'),
    ),
    "trigger_phase": (
        (
            "{what}不保存记录：它没有“保存前”阶段",
            "a rule {what} saves nothing: it has no before-save phase",
        ),
        ('请用 "after_save"', 'use "after_save"'),
    ),
    "cron": (
        ("定时表达式（cron）无效：{detail}", "{detail}"),
        ("例如 `0 2 * * *` 表示每天 02:00", "e.g. `0 2 * * *` for 02:00 every day"),
    ),
    "unknown_form": (("应用中没有表单 `{form}`", "the app has no form `{form}`"), None),
    "form_field": (("表单 `{form}` 没有字段 `{key}`", "form `{form}` has no field `{key}`"), None),
    "trigger_fields": (
        (
            "`fields`（变更字段）只用于筛选更新事件",
            "changed fields only narrow updates",
        ),
        ('请在 events 中加入 "updated"', 'add "updated" to events'),
    ),
    # ---- aggregates and their windows
    "aggregate_missing": (
        ("没有为聚合 `{name}` 提供值", "no value was given for aggregate `{name}`"),
        None,
    ),
    "list_sub_table": (
        (
            "`{key}` 是子表；列表只能取记录本身的字段",
            "`{key}` is a sub-table; a list takes fields of the record itself",
        ),
        None,
    ),
    "aggregate_field": (("聚合 {function} 需要指定字段", "{function} needs a field"), None),
    "aggregate_type": (
        ("不能对 {kind} 类型的值求 {function}", "cannot take the {function} of a {kind}"),
        None,
    ),
    "window_field": (
        (
            "`{field}` 不是表单 `{form}` 的日期或日期时间字段",
            "`{field}` is not a date or date-and-time field of `{form}`",
        ),
        None,
    ),
    "window_anchor": (
        (
            "`{anchor}` 不是触发记录的日期或日期时间字段",
            "`{anchor}` is not a date or date-and-time field of the triggering record",
        ),
        None,
    ),
    # ---- actions
    "action_phase": (
        ("动作 `{action}` 不能在{when}执行", "`{action}` cannot run {when}"),
        ("{phase}执行的规则可用的动作：{actions}", "{phase} rules use: {actions}"),
    ),
    "set_on_delete": (
        ("记录已被删除，不能再设置新的值", "a deleted record keeps no new values"),
        ("请在新建或更新记录时触发", "trigger on created or updated"),
    ),
    "no_field_to_set": (("没有可设置的字段 `{key}`", "no field `{key}` to set"), None),
    "action_value_type": (
        (
            "字段 `{key}` 的值应为{wanted}，这个表达式的结果是{found}",
            "field `{key}` takes a {wanted}; this expression gives a {found}",
        ),
        (
            "请在表达式中转换类型，例如 number(text)、string(n)、date(text)",
            "convert it, e.g. number(text), string(n), date(text)",
        ),
    ),
    "record_field": (("记录没有字段 `{key}`", "the record has no field `{key}`"), None),
    "start_flow_trigger": (
        (
            "流程只能在保留下来的记录上发起：不能在删除时发起，"
            "也不能由没有 `for_each` 的定时规则发起",
            "a flow starts on a record that stays: not on a deletion, nor on a schedule without "
            "`for_each`",
        ),
        (
            "请在记录新建或更新时、按钮、流程事件或逐条处理某表单记录的定时规则上触发",
            "trigger on records created or updated, a button, a flow event or a schedule for "
            "each record of a form",
        ),
    ),
    "webhook_unnamed": (
        ("Webhook 通知须指明所用的 webhook", "a webhook notice names the webhook"),
        ("填写 webhook 的编码，不要填写网址", "a key, never a URL"),
    ),
    "webhook_recipients": (
        ("Webhook 通知没有收件人", "a webhook notice has no recipients"),
        ("请去掉 `to`", "leave out `to`"),
    ),
    "webhook_channel": (
        (
            "只有 webhook 渠道才指明 webhook，{channel} 渠道不需要",
            "only the webhook channel names a webhook, not {channel}",
        ),
        ('如需 webhook，请用 "channel": "webhook"', '"channel": "webhook"'),
    ),
    "no_recipients": (
        ("通知至少需要一位收件人", "a notice needs at least one recipient"),
        ('例如 [{{"user": "alice"}}]', '[{{"user": "alice"}}]'),
    ),
    "schedule_recipient": (
        (
            "定时规则没有触发记录，无法通知记录字段中的人员或记录的所有者",
            "a scheduled rule has no record whose field or owner could be notified",
        ),
        ("请指定用户或角色", "name users or roles"),
    ),
    # ---- a rule's examples
    "example": (("示例 `{name}` 不成立：{failure}", "example `{name}`: {failure}"), None),
    "example_matched": (
        (
            "期望规则{wanted}，实际并非如此{why}",
            "expected the rule to {wanted}, but it did not{why}",
        ),
        None,
    ),
    "example_why": (("（诊断：{diagnostic}）", " ({diagnostic})"), None),
    "example_blocked": (
        ("期望保存被拦截，提示为 {message!r}", "expected the save blocked with {message!r}"),
        None,
    ),
    "example_actions": (
        ("期望的动作为 {expected}，实际为 {actual}", "expected actions {expected}, got {actual}"),
        None,
    ),
    "example_value": (
        (
            "期望 {key} = {wanted!r}，实际为 {actual!r}",
            "expected {key} = {wanted!r}, got {actual!r}",
        ),
        None,
    ),
    # ---- decision models: shape, ids, names and requirements
    "model_schema": (
        ("决策模型的结构不符合要求：{detail}", "{detail}"),
        (
            "决策模型的 JSON 写法见 docs/rules.md",
            "see docs/rules.md for the JSON form of a decision model",
        ),
    ),
    "knowledge_cycle": (
        (
            "业务知识模型相互依赖，形成了循环：{cycle}",
            "business knowledge models require each other in a cycle: {cycle}",
        ),
        ("请打破这个循环", "break the cycle"),
    ),
    "decision_cycle": (
        (
            "决策相互依赖，形成了循环：{cycle}",
            "decisions require each other in a cycle: {cycle}",
        ),
        (
            "决策不能直接或间接地依赖自身",
            "a decision cannot depend on itself, directly or through others",
        ),
    ),
    "duplicate_id": (
        ("标识 `{element}` 已在 {at} 处使用", "the id `{element}` is already used at {at}"),
        ("模型中的标识必须唯一", "ids must be unique in the model"),
    ),
    "duplicate_element": (
        ("名称 `{name}` 已在 {at} 处使用", "the name `{name}` is already used at {at}"),
        (
            "输入、决策和业务知识模型共用同一组名称",
            "inputs, decisions and knowledge models share one namespace",
        ),
    ),
    "duplicate_item_definition": (
        ("有两个类型定义都名为 `{name}`", "two item definitions are named `{name}`"),
        ("请为每个类型定义取不同的名称", "give each item definition its own name"),
    ),
    "requirement_kind": (
        ("`{name}` 属于 `{other}`，而不是 `{kind}`", "`{name}` is in `{other}`, not `{kind}`"),
        ("请把它移到 `requires.{other}`", "move it to `requires.{other}`"),
    ),
    "unknown_requirement": (
        ("模型中没有名为 `{name}` 的{noun}", "the model has no {noun} named `{name}`"),
        ("已有：{known}", "known: {known}"),
    ),
    "unknown_entry": (
        ("入口 `{entry}` 不是模型中的决策", "the entry `{entry}` is not a decision of the model"),
        ("已有的决策：{decisions}", "decisions: {decisions}"),
    ),
    # ---- boxed expressions
    "not_required": (
        (
            "表达式用到了 {names}，但所在的决策没有声明依赖它",
            "the expression uses {names}, which its decision does not require",
        ),
        (
            "请把该元素加入决策的 `requires`（decisions、inputs 或 knowledge）",
            "add the element to the decision's `requires` (decisions, inputs or knowledge)",
        ),
    ),
    "context_result": (
        (
            "上下文中只有最后一项可以不命名（它就是结果）",
            "only the last entry of a context may have no name (it is the result)",
        ),
        ("请为这一项命名，或把它移到最后", "name the entry, or move it to the end"),
    ),
    "duplicate_entry": (
        ("上下文中有两项都名为 `{name}`", "the context has two entries named `{name}`"),
        ("请为每一项取不同的名称", "give each entry its own name"),
    ),
    "relation_row": (
        (
            "这一行有 {cells} 个单元格，而关系表有 {columns} 列",
            "the row has {cells} cells; the relation has {columns} columns",
        ),
        ("请每列填一个单元格", "give one cell per column"),
    ),
    "invoke_unrequired": (
        (
            "`{name}` 不是此元素可以调用的函数",
            "`{name}` is not a function this element may invoke",
        ),
        ("请把它加入 `requires.knowledge`", "add it to `requires.knowledge`"),
    ),
    "invoke_unknown": (
        (
            "`{name}` 不是此元素可以调用的函数",
            "`{name}` is not a function this element may invoke",
        ),
        ("请按名称调用业务知识模型", "invoke a business knowledge model by name"),
    ),
    "invoke_binding": (
        ("`{name}` 没有参数 `{parameter}`", "`{name}` has no parameter `{parameter}`"),
        ("参数：{parameters}", "parameters: {parameters}"),
    ),
    "iterator_body": (
        (
            "`{kind}` 迭代需要 `{part}`（且不能有其他主体）",
            "a `{kind}` iterator needs `{part}` (and no other body)",
        ),
        (
            "`for` 用 `return`；`some` 和 `every` 用 `satisfies`",
            "`for` takes `return`; `some` and `every` take `satisfies`",
        ),
    ),
    "duplicate_parameter": (
        ("有两个参数都名为 `{name}`", "two parameters are named `{name}`"),
        ("请为每个参数取不同的名称", "give each parameter its own name"),
    ),
    # ---- decision tables
    "rule_inputs": (
        (
            "该规则行有 {cells} 个输入单元格，而决策表有 {columns} 个输入列",
            "the rule has {cells} input cells; the table has {columns} inputs",
        ),
        (
            "请每个输入列填一个单元格，任意值填 `-`",
            "give one cell per input column (`-` for any value)",
        ),
    ),
    "rule_outputs": (
        (
            "该规则行有 {cells} 个输出单元格，而决策表有 {columns} 个输出列",
            "the rule has {cells} output cells; the table has {columns} outputs",
        ),
        ("请每个输出列填一个输出表达式", "give one output expression per output column"),
    ),
    "rule_annotations": (
        (
            "该规则行有 {cells} 条注释，而决策表有 {columns} 个注释列",
            "the rule has {cells} annotations; the table has {columns} annotation columns",
        ),
        ("请每个注释列填一段文字", "give one text per annotation column"),
    ),
    "duplicate_output": (
        ("有两个输出列都名为 `{name}`", "two outputs are named `{name}`"),
        ("请为每个输出列取不同的名称", "give each output column its own name"),
    ),
    "priority_values": (
        (
            "命中策略 {policy} 按 `output_values` 给结果排序，但没有任何输出列列出字面量输出值",
            "the hit policy {policy} orders results by `output_values`, and no output lists "
            "literal output values",
        ),
        (
            '请按优先级顺序列出输出值，例如 "high", "medium", "low"',
            'list the outputs\' values in priority order, e.g. "high", "medium", "low"',
        ),
    ),
    # ---- types (item definitions)
    "unknown_type": (
        (
            "`{ref}` 既不是 FEEL 类型，也不是类型定义",
            "`{ref}` is neither a FEEL type nor an item definition",
        ),
        (
            "请填写 FEEL 类型（number、string、date、list<number> 等）或类型定义的名称"
            "（已定义：{known}）",
            "write a FEEL type (number, string, date, list<number>, ...) or the name of an "
            "item definition (defined: {known})",
        ),
    ),
    "type_cycle": (
        ("类型定义 `{name}` 引用了自身", "the item definition `{name}` refers to itself"),
        (
            "类型不能包含自身：请改用列表或另一个定义",
            "a type cannot contain itself; use a list or a separate definition",
        ),
    ),
    "type_self": (
        ("类型定义 `{name}` 引用了自身", "the item definition `{name}` refers to itself"),
        ("请引用 FEEL 类型或其他类型定义", "refer to a FEEL type or another item definition"),
    ),
    "item_definition": (
        (
            "类型定义 `{name}` 须有 `type_ref` 或 `components`，且只能有其一",
            "the item definition `{name}` needs exactly one of `type_ref` and `components`",
        ),
        (
            "简单类型填 `type_ref`，结构填 `components`",
            "give `type_ref` for a simple type or `components` for a structure",
        ),
    ),
    "duplicate_component": (
        ("组成部分 `{name}` 定义了两次", "the component `{name}` is defined twice"),
        ("请为每个组成部分取不同的名称", "give each component its own name"),
    ),
    # ---- evaluating a decision model (`detail`: a type's reason for refusing a value)
    "unknown_decision": (
        ("模型中没有名为 `{name}` 的决策", "the model has no decision named `{name}`"),
        ("已有的决策：{decisions}", "decisions: {decisions}"),
    ),
    "evaluation_failed": (
        ("无法对该决策求值（{error}）", "the decision could not be evaluated ({error})"),
        ("请报告此模型及其输入", "please report this model and its inputs"),
    ),
    "input_unsupported": (
        ("输入 `{name}` 的值无法识别：{detail}", "input `{name}`: {detail}"),
        None,
    ),
    "input_type": (
        ("输入 `{name}` 不符合其类型：{detail}", "input `{name}`: {detail}"),
        (
            "该输入不符合声明的类型，按空值（null）处理",
            "the input does not conform to its declared type; it is null",
        ),
    ),
    "decision_type": (
        ("决策 `{name}` 的结果不符合其类型：{detail}", "decision `{name}`: {detail}"),
        (
            "结果不符合决策声明的类型，按空值（null）处理",
            "the result does not conform to the decision's type; it is null",
        ),
    ),
    "value_type": (
        ("值不符合声明的类型：{detail}", "{detail}"),
        (
            "该值不符合声明的类型，按空值（null）处理",
            "the value does not conform to the declared type; it is null",
        ),
    ),
    "argument_count": (
        (
            "函数需要 {expected} 个参数，而不是 {given} 个",
            "takes {expected} argument(s), not {given}",
        ),
        None,
    ),
    "argument_name": (("函数没有参数 `{name}`", "has no parameter `{name}`"), None),
    "parameter_type": (
        ("参数 `{name}` 不符合其类型：{detail}", "parameter `{name}`: {detail}"),
        None,
    ),
    "result_type": (("结果不符合其类型：{detail}", "result: {detail}"), None),
    "not_a_function": (("`{name}` 不是函数", "`{name}` is not a function"), None),
    "output_type": (
        ("输出 `{name}` 不符合其类型：{detail}", "output `{name}`: {detail}"),
        None,
    ),
    "output_not_allowed": (
        (
            "输出 `{name}` 的值为 {value}，不在其输出值之列",
            "output `{name}` is {value}, which is not one of its output values",
        ),
        None,
    ),
    "column_input_type": (("输入值不符合其类型：{detail}", "input: {detail}"), None),
    "input_not_allowed": (
        (
            "输入值 {value} 不在该列的输入值之列",
            "the input value {value} is not one of the column's input values",
        ),
        None,
    ),
    "unique_violated": (
        (
            "命中策略 U 只允许一条规则行匹配，但以下规则行都匹配了：{rules}",
            "the hit policy U allows one matching rule; these matched: {rules}",
        ),
        (
            "请让规则行互斥，或改用其他命中策略（F、P、A 等）",
            "make the rules exclusive, or use another hit policy (F, P, A ...)",
        ),
    ),
    "any_violated": (
        (
            "命中策略 A 要求匹配的规则行给出相同的输出，但以下规则行的输出不同：{rules}",
            "the hit policy A needs matching rules to give the same output; these differ: {rules}",
        ),
        (
            "请让重叠的规则行输出相同，或改用 P 或 F",
            "give the overlapping rules the same outputs, or use P or F",
        ),
    ),
    "sum_type": (
        ("C+ 对数字求和，但有一个输出是 {kind}", "C+ adds numbers; an output is a {kind}"),
        (
            "请让每个输出都是数字，或用 C 收集它们",
            "make every output a number, or use C to collect them",
        ),
    ),
    "sum_too_large": (
        ("C+：求和结果过大", "C+: the sum is too large"),
        ("请检查输出值的数量级", "check the outputs' magnitudes"),
    ),
    "outputs_incomparable": (
        (
            "{policy} 要比较输出，但 {first} 与 {second} 无法比较",
            "{policy} compares outputs; a {first} and a {second} cannot be compared",
        ),
        (
            "请让每个输出都是同一种可比较的类型",
            "make every output the same comparable type",
        ),
    ),
    "output_unordered": (
        (
            "{policy} 要比较输出，但 {kind} 没有大小顺序",
            "{policy} compares outputs; a {kind} has no order",
        ),
        (
            "请让每个输出都是数字、文本或日期",
            "make every output a number, a string or a date",
        ),
    ),
    # ---- what a call of a model names (by a rule or a flow)
    "call_decision": (
        (
            "决策模型中没有决策 `{decision}`（已有的决策：{known}）",
            "the model has no decision `{decision}` (its decisions: {known})",
        ),
        None,
    ),
    "call_input_type": (
        (
            "决策输入 `{name}` 应为{wanted}，传入的表达式的结果是{found}",
            "decision input `{name}` takes a {wanted}; the expression passed gives a {found}",
        ),
        None,
    ),
    "call_input": (
        (
            "决策模型中没有输入 `{name}`（已有的输入：{known}）",
            "the model has no input `{name}` (its inputs: {known})",
        ),
        None,
    ),
}

AN_ELEMENT = Words("某个元素", "an element")
PHASES = {
    "before_save": Words("保存前", "before save"),
    "after_save": Words("保存后", "after save"),
}
TRIGGERED = {
    "manual": Words("由按钮触发的规则", "run by a button"),
    "flow": Words("由流程事件触发的规则", "on a flow"),
}
MATCHING = {True: Words("匹配", "match"), False: Words("不匹配", "not match")}
REQUIRED = {
    "inputs": Words("输入", "input"),
    "decisions": Words("决策", "decision"),
    "knowledge": Words("业务知识模型", "knowledge model"),
}


def phrase(key: str, /, **params: object) -> Words:
    """Entry `key` of `MESSAGES` (one without a hint) as a parameter of another."""
    return Words(*fill(MESSAGES[key][0], params))
