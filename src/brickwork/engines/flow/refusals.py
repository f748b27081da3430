"""What a refused command says, in the two languages of the product.

Every refusal has a stable code (`E_FLOW_STALE`, ...) and a sentence per language, made from a
template of `REFUSALS` by `refusal`. The English sentences are the API's default; a client or
page that prefers Chinese gets the Chinese one. Both templates of a key use the same fields (a
unit test checks it). A `Words` parameter differs by language: a node is named by its label in
Chinese (its id in English, as the API's pointers name it), a status or a capability by a word.
"""

from __future__ import annotations

from collections.abc import Mapping

from brickwork.engines.bilingual import Words, fill

# key -> (zh-CN template, en template)
REFUSALS: dict[str, tuple[str, str]] = {
    "finished": ("该流程已结束（{status}），不能再办理", "the instance is already {status}"),
    "not_your_task": (
        "任务 {task} 不是分配给 {actor} 的：只有当前处理人可以办理",
        "task `{task}` is not assigned to `{actor}`",
    ),
    "task_kind": ("任务 {task} 应当{wanted}", "task `{task}` is to be {wanted}"),
    "unknown_task": (
        "任务 {task} 已不在待办中：可能已被处理、收回或流转，请刷新后查看最新状态",
        "there is no open task `{task}`",
    ),
    "task_stale": (
        "任务 {task} 在您打开后已有变化（当前第 {version} 版，您看到的是第 {expected} 版），"
        "可能已有他人办理：请刷新后再操作",
        "task `{task}` is at version {version}, not {expected}",
    ),
    "instance_stale": (
        "流程在您打开后已有变化（当前第 {version} 版，您看到的是第 {expected} 版）：请刷新后再操作",
        "the instance is at version {version}, not {expected}",
    ),
    "abstain_vote_only": ("只有投票节点可以弃权", "only a vote can be abstained from"),
    "delegate_decides": (
        "受托人只能同意或驳回，其余操作由委托人办理",
        "a delegate approves or rejects; the owner does the rest",
    ),
    "node_disallows": (
        "节点“{node}”不允许{capability}",
        "node `{node}` does not allow {capability}",
    ),
    "task_disallows": (
        "“{node}”的任务不允许{capability}",
        "a task of `{node}` does not allow {capability}",
    ),
    "inactive_user": ("{user} 不是启用中的用户", "`{user}` is not an active user"),
    "maker_checker": (
        "{user} 发起了本流程，按经办与复核分离（maker-checker）不能办理其审批任务",
        "`{user}` started this instance and may not decide its tasks (maker-checker)",
    ),
    "already_at_node": ("{user} 在此节点已有任务", "`{user}` already has a task at this node"),
    "all_already_sign": (
        "所列用户都已在此节点审批",
        "every user named already approves at this node",
    ),
    "return_target": (
        "不能退回到“{target}”：它不是本路径上“{node}”之前办理过的审批或填写节点",
        "`{target}` is not an approval or fill-in node executed before `{node}` on this path",
    ),
    "not_returned": ("流程没有退回给发起人", "the instance was not returned to the initiator"),
    "only_initiator_resubmits": ("只有发起人可以重新提交", "only the initiator resubmits"),
    "not_resubmission": ("任务 {task} 不是重新提交", "task `{task}` is not a resubmission"),
    "only_initiator_withdraws": (
        "只有发起人可以撤回流程",
        "only the initiator withdraws an instance",
    ),
    "withdraw_never": ("此流程不允许撤回", "this flow cannot be withdrawn"),
    "withdraw_decided": ("已有人作出审批决定，不能再撤回", "a decision was already taken"),
    "only_initiator_urges": ("只有发起人可以催办", "only the initiator urges"),
    "nothing_to_urge": ("没有可催办的待办任务", "there is no open task to urge"),
    "unknown_timer": ("定时器 {timer} 已不存在", "there is no live timer `{timer}`"),
    "not_waiting_subflow": (
        "节点“{node}”没有在等待子流程",
        "node `{node}` is not waiting for a subflow",
    ),
    "no_incident": ("节点“{node}”没有停在异常上", "there is no incident at node `{node}`"),
    "unknown_target": (
        "流程不能转到“{target}”：请选择开始节点以外的节点",
        "`{target}` is not a node the instance can move to (any node but the start)",
    ),
    "reason_required": ("请写明{why}的原因", "say why {why}"),
    "initiator_task_stays": (
        "发起人自己的任务不能交给他人",
        "the initiator's own task stays the initiator's",
    ),
}

STATUS = {
    "approved": Words("已通过", "approved"),
    "rejected": Words("已驳回", "rejected"),
    "withdrawn": Words("已撤回", "withdrawn"),
    "terminated": Words("已终止", "terminated"),
}
CAPABILITY = {
    "return": Words("退回", "return"),
    "transfer": Words("转交", "transfer"),
    "delegate": Words("委托", "delegate"),
    "add_signer": Words("加签", "add_signer"),
    "withdraw": Words("撤回", "withdraw"),
}
WANTED = {
    "approve": Words("审批（同意或驳回）", "approved or rejected"),
    "fill": Words("填写后提交", "completed"),
}
WHY = {
    "terminate": Words("终止流程", "the instance is terminated"),
    "reassign": Words("把任务交给他人", "the task is given to someone else"),
}


def refusal(key: str, **params: object) -> tuple[str, str]:
    """The sentences (zh-CN, en) of refusal `key` with `params` filled in."""
    return fill(REFUSALS[key], params)


def words_of(table: Mapping[str, Words], key: str) -> Words:
    """The words for `key` in `table`, or the key itself in both languages."""
    return table.get(key) or Words(key, key)


def node_words(node_id: str, label: str | Mapping[str, str] | None) -> Words:
    """A node as a message names it: by its Chinese label (else any label, else its id) in
    Chinese, by its id in English."""
    if isinstance(label, Mapping):
        shown = label.get("zh-CN") or label.get("en") or node_id
    else:
        shown = label or node_id
    return Words(shown, node_id)
