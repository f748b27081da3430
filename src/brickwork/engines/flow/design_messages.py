"""What a design problem of a flow says, in the two languages of the product.

Every `FlowProblem` the engine finds in a definition is made by `design_problem` from an entry of
`DESIGN_MESSAGES`: a message and, mostly, a hint, each a (zh-CN, en) pair of `str.format`
templates with the same fields (a test checks it). The English sentences are the API's default;
a client or a designer page that prefers Chinese gets the Chinese ones. Node ids, edge ids, field
keys and JSON stay as they are in both languages. A `Words` parameter differs by language: a node
type is named by a noun in Chinese (`审批节点`) and by its `type` in English. An expression's
diagnostic follows a lead-in in each language (the expression engine says it in both); sentences
that come from elsewhere in English only (pydantic's, a decision model's) are kept as a detail
after a Chinese lead-in. Pure: no I/O, no locale from the environment.
"""

from __future__ import annotations

from collections.abc import Iterable

from brickwork.engines.bilingual import Words, fill, fill_hinted
from brickwork.engines.flow.graph import FlowGraph
from brickwork.engines.flow.problems import FlowProblem

Pair = tuple[str, str]
"""A (zh-CN, en) pair of templates."""

BLOCKS_HINT: Pair = ("分支块的写法见 docs/flows.md", "see docs/flows.md, branch blocks")
MONEY_HINT: Pair = (
    "请为该字段指定固定币种；如需多币种，请改用小数金额字段加币种选项，"
    "再按 convert currency 换算后的金额判断",
    "give the field a fixed currency; for several currencies, keep the amount as a decimal"
    " beside a currency choice and decide on an amount converted with convert currency",
)

# key -> (message, hint or None), each a (zh-CN template, en template) pair.
DESIGN_MESSAGES: dict[str, tuple[Pair, Pair | None]] = {
    # ---- ids, start and end (docs/flows.md §11.1)
    "duplicate_node": (
        ("有两个节点的 id 都是 `{node}`", "two nodes have the id `{node}`"),
        ("请为每个节点设置不同的 id", "give every node its own id"),
    ),
    "duplicate_edge": (
        ("有两条连线的 id 都是 `{edge}`", "two edges have the id `{edge}`"),
        ("请为每条连线设置不同的 id", "give every edge its own id"),
    ),
    "unknown_node": (
        ("不存在节点 `{node}`", "there is no node `{node}`"),
        ("请填写本流程中某个节点的 id", "name the id of a node of this flow"),
    ),
    "start_count": (
        (
            "流程必须有且只有一个开始节点，当前有 {count} 个",
            "a flow has exactly one start node, this one has {count}",
        ),
        ('请只保留一个 {{"type": "start"}} 节点', 'keep one {{"type": "start"}} node'),
    ),
    "no_end": (
        ("流程没有结束节点", "the flow has no end node"),
        ('请添加一个 {{"type": "end"}} 节点', 'add an {{"type": "end"}} node'),
    ),
    "start_incoming": (
        (
            "连线 `{edge}` 指回了开始节点 `{node}`",
            "edge `{edge}` leads back to the start node `{node}`",
        ),
        ("请改为连到开始节点之后的第一个节点", "lead it to the first node after the start instead"),
    ),
    "end_outgoing": (
        ("连线 `{edge}` 从结束节点 `{node}` 引出", "edge `{edge}` leaves the end node `{node}`"),
        (
            "结束节点是路径的终点：请删除这条连线，或改用其他节点",
            "an end node finishes its path: remove the edge or use another node",
        ),
    ),
    # ---- splits and their edges (§11.3)
    "on_outside_approval": (
        (
            "连线 `{edge}` 设置了 `on`，但它从 `{node}`（{type}）引出：只有审批节点、"
            "子流程节点（以及超时后按驳回处理的填写节点）才有审批结果",
            "edge `{edge}` has `on` but leaves `{node}` ({type}): only approvals and subflows "
            "(and tasks whose SLA rejects) have outcomes",
        ),
        (
            "请去掉 `on`，或用排他网关加条件来分支",
            "remove `on`, or branch with an exclusive gateway and a condition",
        ),
    ),
    "parallel_condition": (
        (
            "连线 `{edge}` 从并行网关 `{node}` 引出，却设置了{name}：并行网关会走所有引出的连线",
            "edge `{edge}` leaves the parallel gateway `{node}` with a {name}: a parallel split "
            "takes every outgoing edge",
        ),
        (
            "请去掉{name}，或改用排他网关或包容网关",
            "remove the {name}, or use an exclusive or inclusive gateway",
        ),
    ),
    "two_defaults": (
        (
            "{type} `{node}` 有不止一条默认连线（`{first}`、`{second}`）",
            "the {type} gateway `{node}` has more than one default edge (`{first}`, `{second}`)",
        ),
        (
            "只保留一条默认连线，其余连线请设置条件",
            "keep one default edge; give the others a condition",
        ),
    ),
    "default_condition": (
        (
            "`{node}` 的默认连线 `{edge}` 设置了条件：默认连线恰在其他连线都不走时才走，"
            "这个条件不会生效",
            "the default edge `{edge}` of `{node}` has a condition; it is taken exactly when no "
            "other edge is, so the condition would be ignored",
        ),
        (
            "请去掉条件，或把它改为普通连线（`default: false`）",
            "remove the condition, or make it a normal edge (`default: false`)",
        ),
    ),
    "condition_missing": (
        (
            "连线 `{edge}` 从排他网关 `{node}` 引出，既没有条件，也不是默认连线："
            "排在它之后的连线永远不会被尝试",
            "edge `{edge}` leaves the exclusive gateway `{node}` without a condition and is not "
            "its default: edges after it would never be tried",
        ),
        (
            "请为它设置条件，或把它设为默认连线（`default: true`）",
            "give it a condition, or make it the default edge (`default: true`)",
        ),
    ),
    "no_default": (
        (
            "{type} `{node}` 没有默认连线：所有条件都不成立时，任何分支都不会走",
            "the {type} gateway `{node}` has no default edge: when no condition holds, no "
            "branch is taken",
        ),
        (
            "请把一条连线标为 `default: true`；否则所有条件都不成立时，流程实例会因异常而停住",
            "mark one edge `default: true`; otherwise, when no condition holds, the instance "
            "stops with an incident",
        ),
    ),
    "condition_outside_gateway": (
        (
            "连线 `{edge}` 从 `{node}`（{type}）引出，却设置了{name}：只有排他网关和包容网关"
            "才会选择连线",
            "edge `{edge}` leaves `{node}` ({type}) with a {name}: only exclusive and inclusive "
            "gateways choose edges",
        ),
        (
            "请去掉{name}，或在 `{node}` 之后加一个排他网关",
            "remove the {name}, or put an exclusive gateway after `{node}`",
        ),
    ),
    "duplicate_outcome": (
        (
            "{type} `{node}` 有多条“{outcome}”结果的连线（`{first}`、`{second}`）",
            "the {type} `{node}` has several edges for the outcome {outcome} "
            "(`{first}`, `{second}`)",
        ),
        (
            "“{outcome}”结果只保留一条连线，在它之后用网关分支",
            "keep one {outcome} edge and branch after it with a gateway",
        ),
    ),
    "split_without_gateway": (
        (
            "`{node}`（{type}）有 {count} 条引出的连线（{edges}）：只有网关才能分支",
            "`{node}` ({type}) has {count} outgoing edges ({edges}); only gateways split",
        ),
        (
            "`{node}` 只保留一条引出的连线，并在它之后加一个网关（排他网关只走一个分支，"
            "并行网关走全部分支，包容网关走条件成立的分支）",
            "keep one edge out of `{node}` and put a gateway after it (exclusive to choose one "
            "branch, parallel for all, inclusive for those whose condition holds)",
        ),
    ),
    # ---- reachability and dead ends (§11.2)
    "unreachable": (
        (
            "从开始节点 `{start}` 无法到达 `{node}`",
            "`{node}` cannot be reached from the start node `{start}`",
        ),
        (
            "请从前面的节点连一条连线到它，或删除它",
            "connect it with an edge from an earlier node, or remove it",
        ),
    ),
    "dead_end": (
        (
            "`{node}`（{type}）没有引出的连线：流转到这里就会停住",
            "`{node}` ({type}) has no outgoing edge: a token that gets there stops",
        ),
        (
            "请加一条连线，连到下一个节点或结束节点",
            "add an edge to the next node or to an end node",
        ),
    ),
    "no_approved_edge": (
        (
            "{type} `{node}` 没有“通过”结果的连线",
            "the {type} `{node}` has no edge for the approved outcome",
        ),
        (
            '请加一条不带 `on`（或带 `"on": "approved"`）的连线',
            'add an edge without `on` (or with `"on": "approved"`)',
        ),
    ),
    "endless_loop": (
        (
            "循环（{nodes}）没有出口：无论其中的网关如何选择、审批如何决定，"
            "令牌都会再次进入循环，流程实例永远不会结束",
            "no token ever leaves the loop through {nodes}: however its gateways choose and its "
            "approvals decide, a token goes round again, so the instance never finishes",
        ),
        (
            "请给循环一个出口：一条通向结束节点的排他分支或审批结果连线",
            "give the loop a way out: an exclusive branch or an approval outcome towards an end",
        ),
    ),
    "no_path_to_end": (
        (
            "从循环（{nodes}）无法到达任何结束节点",
            "no end node can be reached from the loop through {nodes}",
        ),
        (
            "请从循环中加一条通向结束节点的连线（或网关分支）",
            "add an edge (or a gateway branch) from the loop towards an end node",
        ),
    ),
    # ---- joins (§11.4)
    "join_entered_from_outside": (
        (
            "连线 `{edge}` 从 `{source}` 连回并行网关 `{split}` 从 `{start}` 开始的分支，却没有"
            "经过 `{split}`：并行汇聚网关 `{join}` 只会收到这一个分支的令牌，会一直等待其他分支",
            "edge `{edge}` leads from `{source}` back into the branch of parallel split "
            "`{split}` that starts at `{start}` without passing `{split}`: parallel join "
            "`{join}` would get that branch's token alone and wait for the others forever",
        ),
        (
            "请把连线连回 `{split}` 之前的节点，或改用“退回”操作退回流程",
            "lead the edge back to a node before `{split}`, or send the case back with the "
            "return command",
        ),
    ),
    "join_own_output": (
        (
            "并行汇聚网关 `{node}` 等待来自 `{source}` 的连线 `{edge}`，而这条连线位于 `{node}` "
            "之后：汇聚网关会一直等待自己的输出",
            "parallel join `{node}` waits for edge `{edge}` from `{source}`, which comes after "
            "`{node}`: the join waits for its own output forever",
        ),
        (
            "请把循环连回并行网关拆分之前的节点，而不是连到汇聚网关",
            "lead the loop back to a node before the parallel split, not to the join",
        ),
    ),
    "join_unreached": (
        (
            "并行汇聚网关 `{node}` 等待来自 `{source}` 的连线 `{edge}`，但这条连线永远不会被走到："
            "汇聚网关会一直等待",
            "parallel join `{node}` waits for edge `{edge}` from `{source}`, which is never "
            "reached: the join waits forever",
        ),
        ("请删除这条连线，或把它的起点接入流程", "remove the edge or connect its source"),
    ),
    "join_deadlock": (
        (
            "并行汇聚网关 `{join}` 要等每条进入的连线都有令牌，但 `{first}` 和 `{second}` "
            "不一定都会有（{cause}）：汇聚网关会一直等待",
            "parallel join `{join}` waits for a token on every incoming edge, but `{first}` and "
            "`{second}` may not both get one ({cause}): the join would wait forever",
        ),
        (
            "互斥的分支请用排他网关汇聚（包容分支用包容网关汇聚），或用并行网关拆分这些分支",
            "join alternatives with an exclusive gateway (inclusive branches with an inclusive "
            "gateway), or open the branches with a parallel split",
        ),
    ),
    "cause_not_branches": (
        (
            "它们不在同一个并行网关的不同分支上",
            "they are not on different branches of one parallel split",
        ),
        None,
    ),
    "cause_gateway": (
        (
            "它们是{type} `{decider}` 之后互斥的走向，不是并行分支",
            "they are alternatives after {type} gateway `{decider}`, not parallel branches",
        ),
        None,
    ),
    "cause_outcome": (
        (
            "它们是{type} `{decider}` 不同审批结果之后的走向，不是并行分支",
            "they are alternatives after the outcome of {type} `{decider}`, not parallel branches",
        ),
        None,
    ),
    "unsynchronized_merge": (
        (
            "`{node}` 经由 `{first}` 和 `{second}` 从{type} `{split}` 的不同分支到达，"
            "却不等待两者汇合：它会每个分支各执行一次",
            "`{node}` is reached over `{first}` and `{second}` from different branches of "
            "{type} split `{split}` without waiting for both: it would run once per branch",
        ),
        (
            "请在 `{node}` 之前用{type}汇聚这些分支",
            "join the branches with a {type} gateway before `{node}`",
        ),
    ),
    "join_starved": (
        (
            "连线 `{edge}` 位于并行网关 `{split}` 从 `{start}` 开始的分支上，并{where} "
            "`{node}`：并行汇聚网关 `{join}` 永远等不到这个分支的令牌，会一直等待",
            "edge `{edge}` is on the branch of parallel split `{split}` that starts at "
            "`{start}` and {where} `{node}`: parallel join `{join}` never gets that branch's "
            "token and waits forever",
        ),
        (
            '请把这条路径连到 `{join}`，或让它止于终止结束节点（`"terminate": true`），'
            "或改用“退回”操作退回流程",
            "lead this path to `{join}`, end it at a terminating end "
            '(`"terminate": true`), or send the case back with the return command',
        ),
    ),
    "inclusive_join_loop": (
        (
            "包容汇聚网关 `{node}` 位于{type} `{other}` 汇聚时所等待的分支中，且两者在同一个"
            "循环上：`{node}` 会等待所有仍可能到达它的令牌，在 `{other}` 等待的令牌可以经循环"
            "到达它，而 `{other}` 又在等待 `{node}`：两者会永远互相等待",
            "inclusive join `{node}` is inside a branch that the {type} join `{other}` waits "
            "for, on a loop through both: `{node}` waits for every token that can still reach "
            "it, the token waiting at `{other}` can reach it through the loop, and `{other}` "
            "waits for `{node}`: both would wait forever",
        ),
        (
            "请用并行网关汇聚这些分支，或把包容分支块移出循环（用“退回”操作代替回连的连线）",
            "join those branches with a parallel gateway, or keep the inclusive block out of "
            "the loop (send the case back with the return command instead of an edge back)",
        ),
    ),
    # ---- loops and parallel writes (§11.5)
    "busy_loop": (
        (
            "循环（{nodes}）中没有审批、填写、定时或子流程节点：一旦进入就会无休止地运转",
            "the loop through {nodes} has no approval, task, timer or subflow node: once "
            "entered, it runs without end",
        ),
        (
            "请在循环中加一个需要等待的节点（审批、填写、定时），或删除回连的连线",
            "put a node that waits (approval, task, timer) on the loop, or remove the edge back",
        ),
    ),
    "parallel_write": (
        (
            "`{first}` 和 `{second}` 位于{type} `{split}` 的不同分支上，都会写字段 `{field}`："
            "后写的会悄悄覆盖先写的",
            "`{first}` and `{second}` are on different branches of {type} split `{split}` and "
            "both write the field `{field}`: the later one silently overwrites the other",
        ),
        (
            "请只让一个分支写 `{field}`，或在分支汇聚之后再写",
            "let one branch write `{field}`, or write it after the branches join",
        ),
    ),
    # ---- what the flow names (§11.6)
    "unknown_except_node": (
        ("不存在节点 `{node}`", "there is no node `{node}`"),
        ("请填写本流程中某个审批节点的 id", "name the id of an approval node of this flow"),
    ),
    "unknown_permission_field": (
        ("表单没有字段 `{field}`", "the form has no field `{field}`"),
        ("请填写所绑定表单中的字段", "name a field of the bound form"),
    ),
    "maker_checker": (
        (
            "审批节点 `{node}` 把发起人列为审批人，但按经办与复核分离（`maker_checker`），"
            "发起人不能审批",
            "approval node `{node}` names the initiator, who may not decide under `maker_checker`",
        ),
        (
            "请指定其他审批人，或关闭 `settings.maker_checker`",
            "name other approvers, or turn `settings.maker_checker` off",
        ),
    ),
    "unknown_role": (
        ("应用中没有角色 `{role}`", "the app has no role `{role}`"),
        ("请填写应用中已有的角色（{roles}）", "name a role of the app ({roles})"),
    ),
    "unknown_role_none": (
        ("应用中没有角色 `{role}`", "the app has no role `{role}`"),
        ("请先在应用中创建该角色", "create the role in the app first"),
    ),
    "unknown_flow": (
        (
            "子流程节点 `{node}` 指向的流程 `{flow}` 在本应用中尚未发布",
            "subflow `{node}` names the flow `{flow}`, which the app has not published",
        ),
        ("请先发布该流程，或改用已发布的流程", "publish that flow first, or name a published one"),
    ),
    "subflow_version": (
        (
            "子流程节点 `{node}` 固定使用 `{flow}` 的第 {version} 版，该版本尚未发布"
            "（已发布：{published}）",
            "subflow `{node}` pins version {version} of `{flow}`, which is not published "
            "(published: {published})",
        ),
        ("请固定为已发布的版本", "pin a published version"),
    ),
    # ---- the compiler: shape, expressions, fields, forms, decisions, calendar
    "schema": (
        ("定义的结构不符合要求：{detail}", "{detail}"),
        ("结构说明见 docs/flows.md", "see docs/flows.md for the shape"),
    ),
    "expression": (("表达式有误（{code}）：{detail}", "{code}: {detail}"), None),
    "condition_type": (
        ("条件的结果是{type}，不是 true/false", "the condition gives a {type}, not true/false"),
        ("例如 amount > 1000000", "e.g. amount > 1000000"),
    ),
    "until_type": (
        (
            "等待到的时刻应为日期或日期时间，这个表达式的结果是{found}",
            "a timer waits until a date or a date and time; this expression gives a {found}",
        ),
        (
            '例如 due_date + duration("P1D") 或 signed_at + duration("PT4H")',
            'e.g. due_date + duration("P1D") or signed_at + duration("PT4H")',
        ),
    ),
    "assignee_type": (
        (
            "处理人表达式应给出用户名或用户名列表（文本），这个表达式的结果是{found}",
            "an assignee expression gives a username or a list of them (text); this expression "
            "gives a {found}",
        ),
        (
            "结果不是用户名时没有人会收到这一步，空处理人策略会接管（可能跳过审批）",
            "given anything else, nobody gets the step and the empty-assignee policy takes over "
            "(it may skip the approval)",
        ),
    ),
    "not_an_option": (
        (
            '"{value}" 不是 `{field}` 的选项（{options}）',
            '"{value}" is not an option of `{field}` ({options})',
        ),
        (
            "比较永远不会匹配、赋值会被拒绝：请使用其中之一（区分大小写）",
            "a comparison never matches it and setting it is refused: use one of them (case "
            "matters)",
        ),
    ),
    "people_by_name": (
        (
            '`{field}` 存放的是用户或部门的 id，不是 "{value}" 这样的名称',
            '`{field}` holds the id of a user or department, never a name such as "{value}"',
        ),
        (
            "数据库中运行的筛选条件按 id 比较，这个比较永远不会匹配：请与另一个成员或部门字段比较"
            "（如 it.manager = record.manager）",
            "a filter the database runs compares ids, so this never matches: compare it with "
            "another member or department field (it.manager = record.manager)",
        ),
    ),
    "field_not_writable": (
        (
            "字段 `{field}` 由表单计算或由系统编号，动作不能设置它",
            "field `{field}` is computed by its form or numbered by the system: an action cannot "
            "set it",
        ),
        (
            "请设置它所依据的字段，或删除这一项",
            "set the fields it is computed from, or remove this entry",
        ),
    ),
    "value_type": (
        (
            "字段 `{field}` 的值应为{wanted}，这个表达式的结果是{found}",
            "field `{field}` takes a {wanted}; this expression gives a {found}",
        ),
        (
            "请在表达式中转换类型，例如 number(text)、string(n)、date(text)",
            "convert it, e.g. number(text), string(n), date(text)",
        ),
    ),
    "money_currency": (
        (
            "`{field}` 是按记录选择币种的金额：这个表达式会不分币种地比较或计算它",
            "`{field}` is an amount whose currency is chosen per record: this expression would "
            "compare or compute it whatever its currency",
        ),
        MONEY_HINT,
    ),
    "unknown_calendar": (
        ("不存在工作日历 `{calendar}`", "there is no business calendar `{calendar}`"),
        ("请填写应用中已有的工作日历", "name a calendar of the app"),
    ),
    "unknown_assignee_field": (
        ("表单没有字段 `{field}`", "the form has no field `{field}`"),
        ("请填写所绑定表单中的{wanted}字段", "name a {wanted} field of the bound form"),
    ),
    "assignee_field_type": (
        (
            "`{field}` 是 `{kind}` 类型的字段，不是{wanted}字段",
            "`{field}` is a {kind} field, not a {wanted} field",
        ),
        ("请填写所绑定表单中的{wanted}字段", "name a {wanted} field of the bound form"),
    ),
    "unknown_form": (
        ("应用中没有表单 `{form}`", "the app has no form `{form}`"),
        ("请填写应用中的表单", "name a form of the app"),
    ),
    "unknown_set_field": (("没有可赋值的字段 `{field}`", "no field `{field}` to set"), None),
    "unknown_output_field": (("记录没有字段 `{field}`", "the record has no field `{field}`"), None),
    "unknown_decision_model": (
        (
            "应用中没有已发布的决策模型 `{model}`",
            "the app has no published decision model `{model}`",
        ),
        ("请先发布该决策模型", "publish the decision model first"),
    ),
    "model_lacks_decision": (
        ("决策调用有误：{detail}", "{detail}"),
        ("请填写该模型中的决策", "name a decision of the model"),
    ),
    "model_input_type": (
        ("决策调用有误：{detail}", "{detail}"),
        (
            "请在表达式中转换类型，例如 number(text)、string(n)、date(text)",
            "convert it, e.g. number(text), string(n), date(text)",
        ),
    ),
    "model_lacks_input": (
        ("决策调用有误：{detail}", "{detail}"),
        ("请填写该模型中的输入项", "name an input of the model"),
    ),
    # ---- branch blocks (§12)
    "block_duplicate_id": (
        (
            "`{key}` 已是 {where} 处{what}的 id",
            "`{key}` is already the id of the {what} at {where}",
        ),
        (
            "请为每个步骤、分支块和分支设置不同的 id",
            "give every step, branches block and branch its own id",
        ),
    ),
    "document_not_object": (
        ("分支块文档应为带有 `steps` 的对象", "a block document is an object with `steps`"),
        BLOCKS_HINT,
    ),
    "document_unknown_key": (
        ("分支块文档中不能有 `{key}`", "a block document has no `{key}`"),
        ("请只使用 `start`、`steps` 和 `end`", "use `start`, `steps` and `end`"),
    ),
    "steps_not_list": (("`steps` 应为步骤列表", "`steps` is a list of steps"), BLOCKS_HINT),
    "step_type": (("步骤的类型须是 {types} 之一", "a step is one of {types}"), BLOCKS_HINT),
    "block_unknown_key": (
        ("分支块中不能有 `{key}`", "a branches block has no `{key}`"),
        BLOCKS_HINT,
    ),
    "block_kind": (
        (
            "`kind` 须是 `exclusive`、`parallel` 或 `inclusive`",
            "`kind` is `exclusive`, `parallel` or `inclusive`",
        ),
        BLOCKS_HINT,
    ),
    "block_too_few_branches": (
        ("分支块至少要有两个分支", "a branches block has at least two branches"),
        (
            "请再加一个分支，或删除该分支块并保留其中的步骤",
            "add a branch, or remove the block and keep its steps",
        ),
    ),
    "branch_not_object": (
        ("分支应为带有 `id` 和 `steps` 的对象", "a branch is an object with `id` and `steps`"),
        BLOCKS_HINT,
    ),
    "branch_unknown_key": (("分支中不能有 `{key}`", "a branch has no `{key}`"), BLOCKS_HINT),
    "parallel_branch_setting": (
        (
            "并行分支块中的分支不能设置{name}：每个分支都会执行",
            "a branch of parallel branches has no {name}: every branch runs",
        ),
        (
            "请去掉它，或把分支块改为条件分支或包容分支",
            "remove it, or make the block exclusive or inclusive",
        ),
    ),
    "default_branch_condition": (
        (
            "默认分支不能设置条件：它在其他分支都不走时才走",
            "the default branch has no condition: it is taken when no other is",
        ),
        (
            "请去掉条件，或把它改为普通分支",
            "remove the condition, or make the branch a normal one",
        ),
    ),
    "branch_condition_missing": (
        (
            "条件分支块的每个分支都需要条件（或设为默认分支）",
            "a branch of exclusive branches needs a condition (or is the default)",
        ),
        ("请填写走这个分支的条件", "write the condition under which this branch is taken"),
    ),
    "branch_two_defaults": (
        ("只能有一个默认分支", "only one branch is the default"),
        ("请为其他分支设置条件", "give the other branches a condition"),
    ),
    "branch_no_default": (
        (
            "{kind}需要一个默认分支，在所有条件都不成立时走",
            "{kind} branches need a default branch, taken when no condition holds",
        ),
        ("请把一个分支设为默认分支", "mark one branch as the default"),
    ),
}

NODE_TYPES = {
    "start": Words("开始节点", "start"),
    "end": Words("结束节点", "end"),
    "approval": Words("审批节点", "approval"),
    "task": Words("填写节点", "task"),
    "cc": Words("抄送节点", "cc"),
    "exclusive": Words("排他网关", "exclusive"),
    "parallel": Words("并行网关", "parallel"),
    "inclusive": Words("包容网关", "inclusive"),
    "action": Words("自动处理节点", "action"),
    "timer": Words("定时节点", "timer"),
    "subflow": Words("子流程节点", "subflow"),
}
BLOCK_KINDS = {
    "exclusive": Words("条件分支块", "exclusive"),
    "parallel": Words("并行分支块", "parallel"),
    "inclusive": Words("包容分支块", "inclusive"),
}
EDGE_SETTINGS = {
    "condition": Words("条件", "condition"),
    "default": Words("默认标记", "default"),
}
OUTCOMES = {"approved": Words("通过", "approved"), "rejected": Words("驳回", "rejected")}
FIELD_KINDS = {"member": Words("成员", "member"), "department": Words("部门", "department")}
BLOCK_ITEMS = {"node": Words("节点", "node"), "connection": Words("连线", "connection")}
STARVING_END = Words("止于", "ends at")
STARVING_EXIT = Words("由此离开该分支、去往", "leaves the branch for")


def design_problem(pointer: str, code: str, key: str, /, **params: object) -> FlowProblem:
    """Problem `code` at `pointer`, saying entry `key` of `DESIGN_MESSAGES` with `params`."""
    zh_cn, en, hint_zh_cn, hint_en = fill_hinted(*DESIGN_MESSAGES[key], params)
    return FlowProblem(pointer, code, en, hint_en, zh_cn=zh_cn, hint_zh_cn=hint_zh_cn)


def phrase(key: str, /, **params: object) -> Words:
    """Entry `key` of `DESIGN_MESSAGES` (one without a hint) as a parameter of another."""
    return Words(*fill(DESIGN_MESSAGES[key][0], params))


def node_names(graph: FlowGraph, nodes: Iterable[str], limit: int = 6) -> Words:
    """Nodes in definition order, in backticks, the first `limit` of them (`graph.names`)."""
    ordered = sorted(nodes, key=graph.position.__getitem__)
    shown = "、".join(f"`{n}`" for n in ordered[:limit])
    more = f" 等共 {len(ordered)} 个节点" if len(ordered) > limit else ""
    return Words(shown + more, graph.names(ordered, limit))
