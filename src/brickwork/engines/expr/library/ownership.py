"""Ownership graphs: effective (look-through) ownership, its paths, and blocking by aggregated
ownership.

An ownership graph is a list of edges, each a context `{owner, owned, share}`: `owner` and
`owned` are non-empty strings (record keys, customer numbers) and `share` is the percentage of
`owned` that `owner` holds (0 to 100; two edges between the same pair add up). Shares into one
entity may not total more than 100.

- Effective ownership multiplies the shares along each chain (in percent: 60 % of 50 % is 30 %)
  and sums the chains that reach the same owner. Only *simple* paths count: a chain never passes
  the same entity twice, so a cross-holding or a cycle adds nothing beyond its first pass and the
  result does not depend on the order of the edges.
- Blocking by aggregated ownership (OFAC's 50 percent rule) is different on purpose: an entity is
  blocked when the blocked persons and entities together hold at least the threshold of it
  *directly*; an entity so blocked blocks in turn, until nothing changes (no multiplication).

Everything is exact (fractions inside, `Decimal` out, 34 significant digits) and bounded: at most
`MAX_EDGES` edges, chains of at most `MAX_DEPTH` edges and `MAX_PATHS` chains per call, each
limit a clear error (`E_LIMIT_OWNERSHIP`) rather than a truncated answer. Evaluators are pure.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from brickwork.engines.expr.datatypes import BOOLEAN, NUMBER, STRING, context_of, list_of
from brickwork.engines.expr.functions import FunctionError, FunctionSpec, ex, sig
from brickwork.engines.expr.values import DECIMAL_CONTEXT, Value, kind_of, norm, quote
from brickwork.engines.expr.words import zh_kind

MAX_EDGES = 5_000
MAX_DEPTH = 30
MAX_PATHS = 20_000
LIMIT_CODE = "E_LIMIT_OWNERSHIP"
HUNDRED = Fraction(100)

OWNER_TYPE = context_of({"owner": STRING, "share": NUMBER, "ultimate": BOOLEAN})
PATH_TYPE = context_of({"owner": STRING, "path": list_of(STRING), "share": NUMBER})
BLOCKED_TYPE = context_of({"entity": STRING, "share": NUMBER})


@dataclass(frozen=True, slots=True)
class Graph:
    owners_of: dict[str, tuple[tuple[str, Fraction], ...]]
    """For each owned entity, its direct owners (sorted by key) with their summed shares."""


def _name(item: dict[str, Value], key: str, index: int) -> str:
    value = norm(item.get(key))
    if not isinstance(value, str) or not value.strip():
        message = f"edge {index} needs `{key}` as a non-empty string, not {kind_of(value)}"
        found = "不能为空" if isinstance(value, str) else f"不能是{zh_kind(kind_of(value))}"
        zh_cn = f"第 {index} 条边的 `{key}` 须为非空文本，{found}"
        raise FunctionError(message, "E_ARG_VALUE", zh_cn=zh_cn)
    return value


def _share(item: dict[str, Value], index: int) -> Fraction:
    value = norm(item.get("share"))
    if not isinstance(value, Decimal):
        message = f"edge {index} needs `share` as a number, not {kind_of(value)}"
        zh_cn = f"第 {index} 条边的 `share` 须为数字，不能是{zh_kind(kind_of(value))}"
        raise FunctionError(message, "E_ARG_VALUE", zh_cn=zh_cn)
    if not 0 <= value <= 100:
        raise FunctionError(
            f"edge {index} has the share {value}, outside 0..100",
            "E_ARG_VALUE",
            zh_cn=f"第 {index} 条边的持股比例为 {value}，超出 0..100",
        )
    return Fraction(value)


def graph_of(edges: list[Value]) -> Graph:
    """Check the edges and index them by the owned entity."""
    if len(edges) > MAX_EDGES:
        raise FunctionError(
            f"{len(edges)} edges; at most {MAX_EDGES} are read",
            LIMIT_CODE,
            zh_cn=f"共有 {len(edges)} 条边，最多只读取 {MAX_EDGES} 条",
        )
    shares: dict[str, dict[str, Fraction]] = defaultdict(dict)
    for index, raw in enumerate(edges, 1):
        item = norm(raw)
        if not isinstance(item, dict):
            message = f"edge {index} is a {kind_of(item)}, not a context {{owner, owned, share}}"
            zh_cn = f"第 {index} 条边是{zh_kind(kind_of(item))}，不是上下文 {{owner, owned, share}}"
            raise FunctionError(message, "E_ARG_VALUE", zh_cn=zh_cn)
        owner, owned = _name(item, "owner", index), _name(item, "owned", index)
        held = shares[owned]
        held[owner] = held.get(owner, Fraction(0)) + _share(item, index)
    for owned, held in shares.items():
        total = sum(held.values(), Fraction(0))
        if total > HUNDRED:
            message = f"the shares in {quote(owned)} total {_decimal(total)}, more than 100"
            zh_cn = f"{quote(owned)} 的股东持股比例合计为 {_decimal(total)}，超过 100"
            raise FunctionError(message, "E_ARG_VALUE", zh_cn=zh_cn)
    return Graph({owned: tuple(sorted(held.items())) for owned, held in shares.items()})


def _decimal(value: Fraction) -> Decimal:
    """An exact decimal fraction as the shortest `Decimal` (34 significant digits at most)."""
    numerator, denominator, places = value.numerator, value.denominator, 0
    while denominator != 1:
        if places > 200:  # shares are decimals, so this never happens; bounded all the same
            return DECIMAL_CONTEXT.divide(Decimal(value.numerator), Decimal(value.denominator))
        numerator *= 10
        places += 1
        quotient, remainder = divmod(numerator, denominator)
        if remainder == 0:
            numerator, denominator = quotient, 1
    return DECIMAL_CONTEXT.plus(Decimal(numerator).scaleb(-places))


def chains(graph: Graph, target: str) -> Iterator[tuple[tuple[str, ...], Fraction]]:
    """Every simple chain of owners up from `target`: (owners nearest first, effective share).

    Depth first, owners in key order, so the order is fixed by the edges' content alone."""
    stack: list[tuple[tuple[str, ...], Fraction]] = [((target,), HUNDRED)]
    count = 0
    while stack:
        path, share = stack.pop()
        for owner, direct in reversed(graph.owners_of.get(path[-1], ())):
            if owner in path or direct == 0:
                continue
            if len(path) > MAX_DEPTH:
                message = f"a chain of owners above {quote(target)} is longer than {MAX_DEPTH}"
                zh_cn = f"{quote(target)} 的上层持股链超过 {MAX_DEPTH} 层"
                raise FunctionError(message, LIMIT_CODE, zh_cn=zh_cn)
            count += 1
            if count > MAX_PATHS:
                message = f"more than {MAX_PATHS} chains of owners above {quote(target)}"
                zh_cn = f"{quote(target)} 的上层持股链超过 {MAX_PATHS} 条"
                raise FunctionError(message, LIMIT_CODE, zh_cn=zh_cn)
            longer = (*path, owner)
            effective = share * direct / HUNDRED
            yield longer, effective
            stack.append((longer, effective))


def effective_ownership(edges: list[Value], target: str) -> list[Value]:
    graph = graph_of(edges)
    totals: dict[str, Fraction] = defaultdict(Fraction)
    for path, share in chains(graph, target):
        totals[path[-1]] += share
    ranked = sorted(totals.items(), key=lambda item: (-item[1], item[0]))
    return [
        {"owner": owner, "share": _decimal(share), "ultimate": owner not in graph.owners_of}
        for owner, share in ranked
    ]


def ownership_paths(edges: list[Value], target: str) -> list[Value]:
    graph = graph_of(edges)
    found = [
        (path[-1], tuple(reversed(path)), share)
        for path, share in chains(graph, target)
        if path[-1] not in graph.owners_of
    ]
    found.sort(key=lambda item: (item[0], -item[2], item[1]))
    return [{"owner": o, "path": list(p), "share": _decimal(s)} for o, p, s in found]


def blocked_by_ownership(
    edges: list[Value], blocked: list[Value], threshold: Decimal | None = None
) -> list[Value]:
    graph = graph_of(edges)
    bound = Fraction(50) if threshold is None else Fraction(threshold)
    if not 0 < bound <= HUNDRED:
        raise FunctionError(
            f"the threshold {threshold} is outside (0, 100]",
            "E_ARG_VALUE",
            zh_cn=f"阈值 {threshold} 超出 (0, 100]",
        )
    listed: set[str] = set()
    for index, item in enumerate(blocked, 1):
        name = norm(item)
        if not isinstance(name, str):
            message = f"`blocked` item {index} is a {kind_of(name)}, not a string"
            zh_cn = f"`blocked` 的第 {index} 个元素是{zh_kind(kind_of(name))}，不是文本"
            raise FunctionError(message, "E_ARG_VALUE", zh_cn=zh_cn)
        listed.add(name)
    held = set(listed)
    changed = True
    while changed:  # each round blocks at least one more entity, so it ends
        changed = False
        for owned, owners in graph.owners_of.items():
            if owned not in held and _held_by(owners, held) >= bound:
                held.add(owned)
                changed = True
    return [
        {"entity": owned, "share": _decimal(_held_by(graph.owners_of[owned], held))}
        for owned in sorted(held - listed)
    ]


def _held_by(owners: tuple[tuple[str, Fraction], ...], blocked: set[str]) -> Fraction:
    return sum((share for owner, share in owners if owner in blocked), Fraction(0))


EDGES = (
    '[{owner: "P1", owned: "H", share: 60}, {owner: "H", owned: "C", share: 50}, '
    '{owner: "P1", owned: "C", share: 10}, {owner: "P2", owned: "C", share: 40}]'
)

SPECS: tuple[FunctionSpec, ...] = (
    FunctionSpec(
        "effective ownership", "ownership",
        (sig("edges: list, target: string", effective_ownership, list_of(OWNER_TYPE)),),
        "Everyone who owns `target` directly or through others, with the effective share in "
        "per cent: along each chain of `edges` ({owner, owned, share in per cent}) the shares "
        "multiply, and the chains that reach the same owner add up. Only simple chains count "
        "(none passes an entity twice), so a cycle adds nothing after its first pass. `ultimate` "
        "is true for an owner nobody in `edges` owns. Largest share first, then by owner. At "
        "most 5,000 edges, chains of 30 and 20,000 chains (E_LIMIT_OWNERSHIP); a share outside "
        "0..100 or shares in one entity above 100 in total are errors.",
        "穿透计算 `target` 的全部直接和间接持有人及其实际持股比例（百分比）：沿 `edges`"
        "（{owner, owned, share}，share 为百分比）的每条持股链逐层相乘，同一持有人的多条链"
        "相加。只计简单链（同一主体不重复经过），环形持股在第一次经过后不再累计。`ultimate` "
        "表示该持有人在 `edges` 中没有上层股东。按比例从大到小、再按持有人排序。最多 5,000 "
        "条边、链长 30、20,000 条链（E_LIMIT_OWNERSHIP）；比例超出 0..100 或同一主体的股东"
        "比例合计超过 100 时报错。",
        (ex(f'effective ownership({EDGES}, "C")',
            '[{"owner": "H", "share": 50, "ultimate": false}, '
            '{"owner": "P1", "share": 40, "ultimate": true}, '
            '{"owner": "P2", "share": 40, "ultimate": true}]'),
         ex('effective ownership([{owner: "A", owned: "B", share: 100}, '
            '{owner: "B", owned: "A", share: 50}], "B")',
            '[{"owner": "A", "share": 100, "ultimate": false}]'),
         ex('effective ownership([], "C")', "[]")),
    ),
    FunctionSpec(
        "ownership paths", "ownership",
        (sig("edges: list, target: string", ownership_paths, list_of(PATH_TYPE)),),
        "The chains that explain `effective ownership`: for each ultimate owner of `target` "
        "(one nobody in `edges` owns), each simple chain from it down to `target` with the "
        "product of its shares in per cent; by owner, then largest share first. Same edges, "
        "limits and errors as `effective ownership`.",
        "解释 `effective ownership` 的持股链：对 `target` 的每个最终持有人（在 `edges` 中没有"
        "上层股东者），列出从它到 `target` 的每条简单链及各层比例之积（百分比）；按持有人、"
        "再按比例从大到小排序。边的格式、限制和错误同 `effective ownership`。",
        (ex(f'ownership paths({EDGES}, "C")',
            '[{"owner": "P1", "path": ["P1", "H", "C"], "share": 30}, '
            '{"owner": "P1", "path": ["P1", "C"], "share": 10}, '
            '{"owner": "P2", "path": ["P2", "C"], "share": 40}]'),),
    ),
    FunctionSpec(
        "blocked by ownership", "ownership",
        (sig("edges: list, blocked: list, threshold?: number", blocked_by_ownership,
             list_of(BLOCKED_TYPE)),),
        "The entities blocked because `blocked` persons and entities together own at least "
        "`threshold` per cent of them (default 50, OFAC's 50 percent rule): the shares of all "
        "blocked owners of an entity add up, and an entity so blocked blocks in turn, until "
        "nothing changes; shares are direct holdings, not multiplied along chains. Each with "
        "the share its blocked owners hold, by entity; the listed `blocked` are not repeated.",
        "因被 `blocked` 中的人员和主体合计持有不少于 `threshold`%（默认 50，即 OFAC 50% "
        "规则）而被冻结的主体：同一主体的各被冻结股东持股相加，被冻结的主体继续向下传导，"
        "直到不再变化；按直接持股比例计算，不沿链相乘。返回各主体及其被冻结股东合计比例，"
        "按主体排序；不重复列出 `blocked` 本身。",
        (ex('blocked by ownership([{owner: "X", owned: "A", share: 25}, '
            '{owner: "Y", owned: "A", share: 25}], ["X", "Y"])',
            '[{"entity": "A", "share": 50}]'),
         ex('blocked by ownership([{owner: "X", owned: "A", share: 50}, '
            '{owner: "A", owned: "B", share: 50}], ["X"])',
            '[{"entity": "A", "share": 50}, {"entity": "B", "share": 50}]'),
         ex('blocked by ownership([{owner: "X", owned: "A", share: 49.99}], ["X"])', "[]")),
    ),
)  # fmt: skip
