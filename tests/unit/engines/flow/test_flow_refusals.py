"""A refused command says why in Chinese as well as in English: the catalog is complete and
consistent, and the sentences name what the reader knows (a node by its label in Chinese)."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest
from flow_support import Driver, FakeDirectory, approval, chain

from brickwork.engines.flow import (
    Approve,
    CommandRefused,
    Reassign,
    Return,
    Terminate,
    Transfer,
    Withdraw,
)
from brickwork.engines.flow import runtime as flow_runtime
from brickwork.engines.flow.refusals import REFUSALS, STATUS, refusal

CJK = re.compile(r"[\u4e00-\u9fff]")


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("key", sorted(REFUSALS))
def test_both_languages_of_a_refusal_use_the_same_fields(key: str) -> None:
    zh, en = REFUSALS[key]
    assert _fields(zh) == _fields(en)
    assert CJK.search(zh), f"{key}: the Chinese sentence is not Chinese"
    assert not CJK.search(en), f"{key}: the English sentence holds Chinese"


def _refusal_keys_used() -> set[str]:
    """The refusal keys the runtime passes to `refuse` (its second argument, always literal)."""
    tree = ast.parse(Path(flow_runtime.__file__).read_text(encoding="utf-8"))
    keys: set[str] = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "refuse"
        ):
            key = node.args[1]
            assert isinstance(key, ast.Constant), ast.unparse(node)
            keys.add(key.value)
    return keys


def test_every_refusal_the_runtime_says_is_in_the_catalog_and_every_entry_is_said() -> None:
    used = _refusal_keys_used()
    assert used - set(REFUSALS) == set()  # a missing one would fail the command with a KeyError
    assert set(REFUSALS) - used == set()


def _refused(driver: Driver, event: object) -> CommandRefused:
    with pytest.raises(CommandRefused) as refused:
        driver.send(event)  # type: ignore[arg-type]
    return refused.value


def test_a_stale_approval_says_so_in_both_languages() -> None:
    driver = Driver(chain(approval("a", "ua")))
    task = driver.task("a")
    refused = _refused(driver, Approve("ua", task.id, expected_version=task.version + 1))
    assert refused.code == "E_FLOW_STALE"
    assert refused.message == f"task `{task.id}` is at version {task.version}, not 2"
    assert refused.zh_cn == (
        f"任务 {task.id} 在您打开后已有变化（当前第 {task.version} 版，您看到的是第 2 版），"
        "可能已有他人办理：请刷新后再操作"
    )
    assert refused.text("zh-CN") == refused.zh_cn
    assert refused.text("en") == refused.text(None) == refused.message


def test_a_refusal_names_a_node_by_its_label_in_chinese_and_by_its_id_in_english() -> None:
    labelled = approval(
        "review", "ua", allow=["return"], label={"zh-CN": "分行审查", "en": "Review"}
    )
    driver = Driver(chain(labelled))
    refused = _refused(driver, Transfer("ua", driver.task("review").id, to="ub"))
    assert refused.code == "E_FLOW_NOT_ALLOWED"
    assert refused.message == "node `review` does not allow transfer"
    assert refused.zh_cn == "节点“分行审查”不允许转交"


def test_a_return_to_where_the_path_never_went_names_both_steps() -> None:
    driver = Driver(
        chain(approval("a", "ua", label="初审"), approval("b", "ub", label={"en": "Second"}))
    )
    driver.send(Approve("ua", driver.task("a").id))
    refused = _refused(driver, Return("ub", driver.task("b").id, target="nowhere"))
    assert refused.zh_cn == "不能退回到“nowhere”：它不是本路径上“Second”之前办理过的审批或填写节点"
    first = Driver(chain(approval("a", "ua", label="初审")))
    refused = _refused(first, Return("ua", first.task("a").id, target="a"))
    assert refused.zh_cn == "不能退回到“初审”：它不是本路径上“初审”之前办理过的审批或填写节点"


@pytest.mark.parametrize(
    ("make", "code", "zh"),
    [
        (
            lambda d: Approve("ub", d.task("a").id),
            "E_FLOW_NOT_YOUR_TASK",
            "任务 t2 不是分配给 ub 的",
        ),
        (lambda d: Approve("ua", "t99"), "E_FLOW_UNKNOWN_TASK", "任务 t99 已不在待办中"),
        (lambda d: Transfer("ua", d.task("a").id, to="ghost"), "E_FLOW_UNKNOWN_USER", "ghost 不是"),
        (lambda d: Withdraw("ua"), "E_FLOW_NOT_INITIATOR", "只有发起人可以撤回流程"),
        (
            lambda d: Terminate("admin", " \u200b "),
            "E_FLOW_REASON_REQUIRED",
            "请写明终止流程的原因",
        ),
        (
            lambda d: Reassign("admin", d.task("a").id, to="ub", reason="\t"),
            "E_FLOW_REASON_REQUIRED",
            "请写明把任务交给他人的原因",
        ),
    ],
)
def test_refusals_of_everyday_commands_read_in_chinese(make: object, code: str, zh: str) -> None:
    driver = Driver(chain(approval("a", "ua")), directory=FakeDirectory(inactive={"ghost"}))
    refused = _refused(driver, make(driver))  # type: ignore[operator]
    assert refused.code == code
    assert refused.zh_cn.startswith(zh)
    assert not CJK.search(refused.message)


def test_a_finished_instance_says_how_it_ended() -> None:
    driver = Driver(chain(approval("a", "ua")))
    task = driver.task("a")
    driver.send(Approve("ua", task.id))
    refused = _refused(driver, Withdraw("am"))
    assert refused.code == "E_FLOW_FINISHED"
    assert (refused.zh_cn, refused.message) == refusal("finished", status=STATUS["approved"])
    assert refused.zh_cn == "该流程已结束（已通过），不能再办理"
    assert refused.message == "the instance is already approved"
