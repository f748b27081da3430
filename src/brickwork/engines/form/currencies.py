"""Money in formulas: an expression reads a money field as its bare amount, so the form refuses,
at design time, the formulas that would mix currencies without saying so.

- A subtable's money column without a fixed currency has a currency per row: a formula that
  projects the column over the rows (`sum(lines.amount)`, `max(lines.amount)`, `lines.amount`)
  would add or compare amounts in different currencies (`money_rows_mixed`). A formula inside a
  row reads its own row's amount and is not concerned.
- A money value produced by a formula (a computed money field, the default expression of a
  fixed-currency money field) is in its field's currency: it may read money fields in that
  currency only. An amount in another fixed currency is accepted when the formula converts
  (`convert currency`); an amount whose currency is chosen per record never is, because a
  formula cannot know which currency it is in (`computed_money_currency`).
- Two money fields whose currencies may differ are not added, subtracted or compared by name
  (`usd_amount - cny_amount`; `fee > limit` with a currency per record), nor gathered into
  one aggregate (`sum([usd_amount, cny_amount])`, `max(usd_amount, cny_amount)`):
  `money_currencies_differ`.

Amounts of two currencies met in other shapes (through a variable, a computed number) are not
detected: amounts are numbers to the expression language. This module must not evaluate
expressions or see records.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from itertools import pairwise
from typing import TypeGuard

from brickwork.engines.bilingual import fill
from brickwork.engines.expr import REGISTRY
from brickwork.engines.expr.syntax import Arith, Call, Compare, Expr, ListOf, Name, Path, walk
from brickwork.engines.form.definition import ComputedField, MoneyField, SubtableField
from brickwork.engines.form.elements import FieldBase
from brickwork.engines.form.problems import Problem, Words, problem

CONVERT = "convert currency"
GATHERING = frozenset({"sum", "max", "min", "mean", "median", "product", "stddev", "mode"})
"""Functions that add up or compare the amounts they are given, by canonical name."""
PER_RECORD = Words("币种按记录选择", "its currency is chosen per record")
FIX_OR_CONVERT = (
    "请将其币种设为 {currency}，或用 convert currency 换算",
    "give it the currency {currency}, or convert it with convert currency",
)
FIX_OR_SPLIT = (
    "请将其币种固定为 {currency}；如需多币种，请改用小数金额字段加币种选项，"
    "再用 convert currency 换算",
    "give it the fixed currency {currency}; for several currencies, keep the amount as a"
    " decimal beside a currency choice and convert it with convert currency",
)


def money_currencies(fields: Sequence[FieldBase]) -> dict[str, str | None]:
    """Key → currency (None: chosen per value) of the money fields and money results in
    `fields`."""
    return {field.key: field.currency for field in fields if _is_money(field)}


def _is_money(field: FieldBase) -> TypeGuard[MoneyField | ComputedField]:
    return isinstance(field, MoneyField) or (
        isinstance(field, ComputedField) and field.result_type == "money"
    )


class MoneyReads:
    """The money fields of one form, for checking the formulas that read them."""

    def __init__(self, fields: Sequence[FieldBase]) -> None:
        self.top = money_currencies(fields)
        self.columns: dict[str, dict[str, str | None]] = {
            field.key: money_currencies(field.fields)
            for field in fields
            if isinstance(field, SubtableField)
        }

    def problems(
        self,
        tree: Expr,
        names: frozenset[str],
        *,
        pointer: str,
        row: SubtableField | None,
        result_currency: str | None,
    ) -> Iterator[Problem]:
        """The problems of the formula `tree` (reading `names`; inside a row of `row`, if
        given) whose value is money in `result_currency` (None: not money)."""
        nodes = walk(tree)
        named = {node.name for node in nodes if isinstance(node, Name)} & names
        projected = [
            (subtable, node.key, columns[node.key])
            for node in nodes
            if isinstance(node, Path)
            for subtable, columns in self.columns.items()
            if subtable in named and node.key in columns
        ]
        mixed = sorted({f"{s}.{k}" for s, k, currency in projected if currency is None})
        for column in mixed:
            yield problem("money_rows_mixed", pointer=pointer, column=column)
        read = self._direct(names, row)
        yield from _unlike_pairs(nodes, read, pointer)
        if result_currency is None:
            return
        converts = any(isinstance(node, Call) and node.function == CONVERT for node in nodes)
        read.update({f"{s}.{k}": c for s, k, c in projected if c is not None})
        for key, currency in sorted(read.items(), key=lambda item: item[0]):
            if currency == result_currency or (currency is not None and converts):
                continue
            source, remedy = _source(currency), FIX_OR_SPLIT if currency is None else FIX_OR_CONVERT
            yield problem(
                "computed_money_currency",
                pointer=pointer,
                currency=result_currency,
                field=key,
                source=source,
                remedy=Words(*fill(remedy, {"currency": result_currency})),
            )

    def _direct(self, names: frozenset[str], row: SubtableField | None) -> dict[str, str | None]:
        """Money fields read by name: the row's own columns first (they shadow the parent's)."""
        own = self.columns.get(row.key, {}) if row is not None else {}
        shadowed = {column.key for column in row.fields} if row is not None else set()
        read = {key: own[key] for key in names if key in own}
        read.update(
            {key: self.top[key] for key in names if key in self.top and key not in shadowed}
        )
        return read


def _unlike_pairs(
    nodes: Sequence[Expr], read: Mapping[str, str | None], pointer: str
) -> Iterator[Problem]:
    """`a + b`, `a - b`, comparisons, lists and aggregates of two money fields read by name
    whose currencies may differ (two fixed currencies that differ, or one chosen per record)."""
    seen: set[tuple[str, str]] = set()
    for node in nodes:
        for left, right in _pairs(node):
            if left.name == right.name or left.name not in read or right.name not in read:
                continue
            pair = (left.name, right.name)
            currencies = (read[left.name], read[right.name])
            if (currencies[0] == currencies[1] and currencies[0] is not None) or pair in seen:
                continue
            seen.add(pair)
            yield _differ(left.name, right.name, currencies, pointer)


def _pairs(node: Expr) -> Iterator[tuple[Name, Name]]:
    """The names read side by side by `node`: the two sides of `+`, `-` or a comparison; each
    name with the next among the arguments of an aggregate (or the items of the list that is its
    argument). A list alone is not concerned (`count([a, b])`)."""
    if isinstance(node, Compare) or (isinstance(node, Arith) and node.op in ("+", "-")):
        if isinstance(node.left, Name) and isinstance(node.right, Name):
            yield node.left, node.right
        return
    if not (isinstance(node, Call) and _gathers(node.function)):
        return
    items: Sequence[Expr] = [arg.value for arg in node.args]
    if len(items) == 1 and isinstance(items[0], ListOf):
        items = items[0].items
    named = [item for item in items if isinstance(item, Name)]
    yield from pairwise(named)


def _gathers(function: str) -> bool:
    spec = REGISTRY.lookup(function)
    return spec is not None and spec.name in GATHERING


def _differ(
    left: str, right: str, currencies: tuple[str | None, str | None], pointer: str
) -> Problem:
    return problem(
        "money_currencies_differ",
        pointer=pointer,
        left=left,
        right=right,
        left_source=_source(currencies[0]),
        right_source=_source(currencies[1]),
    )


def _source(currency: str | None) -> Words:
    return PER_RECORD if currency is None else Words(f"币种为 {currency}", f"in {currency}")


def result_currency(field: FieldBase) -> str | None:
    """The currency a formula producing `field`'s value must give (None: no money result)."""
    return field.currency if _is_money(field) else None
