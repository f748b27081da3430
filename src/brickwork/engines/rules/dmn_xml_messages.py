"""What a refused DMN XML document (a model or a TCK test-case file) says, in the two languages of
the product.

Every `DmnXmlProblem` is made from an entry of `XML_MESSAGES` (`dmn_xml.xml_problem`): a message
and a hint, each a (zh-CN, en) pair of `str.format` templates with the same fields (a test checks
it), as in `messages`. XML element and attribute names stay as they are in both languages; what
the XML parser or pydantic says is English and kept as a detail after a Chinese lead-in. Pure.
"""

from __future__ import annotations

from brickwork.engines.rules.messages import Pair

NOT_DMN: Pair = (
    "根元素是命名空间 `{namespace}` 中的 `{tag}`，不是 DMN 1.3、1.4 或 1.5 的 `definitions`",
    "the root element is `{tag}` in namespace `{namespace}`, not a DMN 1.3, 1.4 or 1.5 "
    "`definitions`",
)
UNSUPPORTED: Pair = (
    "不支持在 `{parent}` 中使用 `{tag}`",
    "`{tag}` is not supported inside `{parent}`",
)

# key -> (message, hint or None), each a (zh-CN template, en template) pair.
XML_MESSAGES: dict[str, tuple[Pair, Pair | None]] = {
    # ---- the document
    "forbidden": (
        (
            "文件声明了 DTD、实体或外部引用（{error}）",
            "the document declares a DTD, an entity or an external reference ({error})",
        ),
        (
            "请删除 DOCTYPE：DMN 文件和测试用例文件都不需要 DTD 或实体",
            "remove the DOCTYPE: DMN and test-case files need neither DTDs nor entities",
        ),
    ),
    "undecodable": (
        ("无法解码该文件：{detail}", "the document cannot be decoded: {detail}"),
        ("请以 UTF-8 编码保存文件", "save the file as UTF-8"),
    ),
    "malformed": (
        ("文件不是格式正确的 XML：{detail}", "the document is not well-formed XML: {detail}"),
        ("请在建模工具中重新保存模型", "save the model again from the modeler"),
    ),
    "too_deep": (
        ("元素嵌套超过 {depth} 层", "elements are nested more than {depth} levels deep"),
        (
            "请简化表达式（在上下文中为其中的部分命名，或拆分决策）",
            "flatten the expression (name parts of it in a context, or split decisions)",
        ),
    ),
    "invalid": (
        ("转换出的决策模型在 {at} 处无效：{detail}", "{at}: {detail}"),
        (
            "该文件转换成的决策模型无效：请检查标识和名称",
            "the model maps to an invalid decision model; check ids and names",
        ),
    ),
    "not_dmn": (
        NOT_DMN,
        ("请导入 .dmn 文件", "import a .dmn file"),
    ),
    "old_dmn": (
        NOT_DMN,
        (
            "请用 Camunda Modeler 5 打开并保存该文件（它会迁移旧版 DMN）",
            "open the file in Camunda Modeler 5 and save it (it migrates older DMN)",
        ),
    ),
    # ---- elements not supported
    "unsupported": (
        UNSUPPORTED,
        (
            "请删除该元素，或改用支持的元素表达",
            "remove the element or express it with supported elements",
        ),
    ),
    "decision_service": (
        UNSUPPORTED,
        (
            "不支持决策服务：请直接为其中的决策建模，不使用服务",
            "decision services are not supported; model the decisions without the service",
        ),
    ),
    "import": (
        UNSUPPORTED,
        (
            "不支持导入其他模型：请把所需元素复制到本模型中",
            "imported models are not supported; copy the elements into this model",
        ),
    ),
    "expression_language": (
        ("不支持表达式语言 `{language}`", "expression language `{language}` is not supported"),
        (
            "请用 FEEL 书写表达式（删除 `expressionLanguage`）",
            "write the expression in FEEL (remove `expressionLanguage`)",
        ),
    ),
    "two_expressions": (
        ("该元素包含多个表达式", "the element holds more than one expression"),
        ("请只保留一个表达式", "keep one expression"),
    ),
    "knowledge_requires": (
        (
            "业务知识模型只能依赖其他业务知识模型",
            "a business knowledge model may only require other knowledge models",
        ),
        ("请以参数传入所需的值", "pass the values as parameters"),
    ),
    "imported_values": (
        ("不支持导入的值（importedValues）", "imported values are not supported"),
        ("请用 FEEL 文本写出该值", "write the value as FEEL text"),
    ),
    "orientation": (
        ("不支持 `{orientation}` 排列方式", "orientation `{orientation}` is not supported"),
        ("请使用“规则为行”（Rule-as-Row）排列", "use the rule-as-row orientation"),
    ),
    "entry_type_ref": (
        (
            "上下文项的值不是字面量表达式时，不支持在其变量上设置 `typeRef`",
            "a `typeRef` on the variable of a context entry whose value is not a literal "
            "expression is not supported",
        ),
        (
            "请删除该 typeRef，或在决策上声明类型",
            "remove the typeRef, or declare the type on the decision",
        ),
    ),
    "invoked_function": (
        (
            "被调用的函数必须用字面量表达式指明",
            "the invoked function must be named by a literal expression",
        ),
        ("请按名称调用业务知识模型", "invoke a business knowledge model by its name"),
    ),
    "function_kind": (
        ("不支持 `{kind}` 类型的函数", "functions of kind `{kind}` are not supported"),
        ("请用 FEEL 书写函数体", "write the function body in FEEL"),
    ),
    # ---- what is missing
    "no_id": (
        ("`{tag}` 没有 `id`", "`{tag}` has no `id`"),
        ("请为该元素设置 id（建模工具会自动设置）", "give the element an id (the modeler does)"),
    ),
    "no_name": (
        ("`{tag}` 没有 `name`", "`{tag}` has no `name`"),
        ("请为该元素命名", "give the element a name"),
    ),
    "no_decision": (
        ("模型中没有任何决策", "the model has no decision"),
        ("请至少添加一个决策", "add at least one decision"),
    ),
    "untyped_item": (
        (
            "类型定义既没有 `typeRef`，也没有 `itemComponent`",
            "the item definition has neither a `typeRef` nor `itemComponent`s",
        ),
        ("请为它指定类型", "give it a type"),
    ),
    "no_expression": (
        ("`{tag}` 没有表达式", "`{tag}` has no expression"),
        (
            "请添加其逻辑（决策表、字面量表达式等）",
            "add its logic (a decision table, a literal expression, ...)",
        ),
    ),
    "no_logic": (
        (
            "业务知识模型没有 `encapsulatedLogic`",
            "the business knowledge model has no `encapsulatedLogic`",
        ),
        ("请添加其逻辑", "add its logic"),
    ),
    "unnamed_output": (
        (
            "多输出决策表中有输出列没有 `name`",
            "an output of a table with several outputs has no `name`",
        ),
        (
            "请为每个输出列命名（名称即结果中的键）",
            "name every output (the names are the keys of the result)",
        ),
    ),
    "no_input_expression": (
        ("输入列没有输入表达式", "the input has no input expression"),
        (
            "请填写该列要检验的表达式（例如 `age`）",
            "write the expression the column tests (e.g. `age`)",
        ),
    ),
    "unbound_parameter": (
        ("参数绑定没有指明参数", "the binding has no parameter"),
        ("请指明参数", "name it"),
    ),
    "no_function": (
        ("调用没有指明所调用的函数", "the invocation does not name the function it calls"),
        (
            "请添加写有业务知识模型名称的字面量表达式",
            "add a literal expression with the knowledge model's name",
        ),
    ),
    "no_part": (
        ("`{tag}` 没有 `{part}`", "`{tag}` has no `{part}`"),
        ("请添加其 `{part}` 表达式", "add its `{part}` expression"),
    ),
    "no_iterator_variable": (
        ("`{kind}` 没有 `iteratorVariable`", "`{kind}` has no `iteratorVariable`"),
        ("请为迭代变量命名", "name the iteration variable"),
    ),
    # ---- references, hit policies and shapes
    "external_reference": (
        (
            "引用 `{href}` 指向的不是本模型中的元素",
            "the reference `{href}` is not to an element of this model",
        ),
        (
            "请引用本模型中的元素（`#id`）；不支持导入",
            "refer to elements of this model (`#id`); imports are not supported",
        ),
    ),
    "bad_reference": (
        (
            "引用 `{href}` 没有指向本模型中的 {kinds}",
            "the reference `{href}` names no {kinds} of this model",
        ),
        ("请修正 href（`#` 后接元素的 id）", "fix the href (`#` followed by the element's id)"),
    ),
    "hit_policy": (
        ("未知的命中策略 `{policy}`", "unknown hit policy `{policy}`"),
        ("请使用以下之一：{policies}", "use one of {policies}"),
    ),
    "aggregation": (
        (
            "命中策略 `{policy}` 不能使用聚合 `{aggregation}`",
            "aggregation `{aggregation}` with hit policy `{policy}`",
        ),
        (
            "只有 COLLECT 才能聚合（SUM、MIN、MAX、COUNT）",
            "aggregate (SUM, MIN, MAX, COUNT) only with COLLECT",
        ),
    ),
    "cell_count": (
        (
            "该规则行有 {inputs} 个输入项和 {outputs} 个输出项，而决策表有 {input_columns} 个"
            "输入列和 {output_columns} 个输出列",
            "the rule has {inputs} input and {outputs} output entries; the table has "
            "{input_columns} inputs and {output_columns} outputs",
        ),
        ("请每列填一项", "give the rule one entry per column"),
    ),
    "relation_cells": (
        (
            "第 {row} 行有 {cells} 个单元格，而关系表有 {columns} 列",
            "row {row} has {cells} cells; the relation has {columns} columns",
        ),
        ("请每行每列填一个单元格", "give every row one cell per column"),
    ),
    # ---- DMN TCK test-case files
    "not_test_cases": (
        (
            "根元素是 `{tag}`，不是 TCK 的 `testCases`",
            "the root element is `{tag}`, not a TCK `testCases`",
        ),
        (
            "请使用 DMN TCK 测试用例格式（命名空间 {namespace}）",
            "use the DMN TCK test-case format (namespace {namespace})",
        ),
    ),
    "no_expected": (
        ("结果节点没有 `expected` 值", "the result node has no `expected` value"),
        ("请添加含该值的 `<expected>`", "add `<expected>` with the value"),
    ),
    "test_value": (
        ("`{text}` 不是有效的 `{kind}`", "`{text}` is not a valid `{kind}`"),
        ("请按 XML Schema 的词法形式书写该值", "write the value in its XML Schema lexical form"),
    ),
}
