"""Templates of notices (subjects and bodies of a rule's notify action): Jinja2 in an
immutable sandbox, checked when the rule is published and rendered per recipient.

A template sees `record` (the triggering record's fields by key, as the reader may see them:
masked values masked, hidden ones empty), `rule` (`key`, `version`), `app` (`key`) and `now`
(the evaluation time). Publishing refuses a template that does not compile, that names anything
else, or that names a field the form does not have, with the line inside the template.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined, TemplateSyntaxError, Undefined, meta, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment

NAMES = frozenset({"record", "rule", "app", "now"})
MAX_SOURCE = 10_000
MAX_RENDERED = 20_000
"""Longer rendered text is cut (a loop cannot fill the outbox)."""


@dataclass(frozen=True, slots=True)
class TemplateProblem:
    """`code` is `E_RULE_TEMPLATE` or `E_RULE_UNKNOWN_FIELD`; `line` counts from 1."""

    code: str
    message: str
    line: int


_CHECKING = ImmutableSandboxedEnvironment(autoescape=False, undefined=StrictUndefined)
_RENDERING = ImmutableSandboxedEnvironment(autoescape=False, undefined=Undefined)


def check_template(source: str, fields: Collection[str]) -> list[TemplateProblem]:
    """What is wrong with a template whose `record` has `fields` (empty: every problem)."""
    if len(source) > MAX_SOURCE:
        return [TemplateProblem("E_RULE_TEMPLATE", f"longer than {MAX_SOURCE} characters", 1)]
    try:
        tree = _CHECKING.parse(source)
        _CHECKING.compile(tree)
    except TemplateSyntaxError as exc:
        return [TemplateProblem("E_RULE_TEMPLATE", exc.message or "syntax error", exc.lineno)]
    problems = [
        TemplateProblem("E_RULE_TEMPLATE", "a notice template cannot use other templates", n.lineno)
        for n in tree.find_all((nodes.Extends, nodes.Include, nodes.Import, nodes.FromImport))
    ]
    problems += [
        TemplateProblem(
            "E_RULE_TEMPLATE",
            f"unknown name `{name}` (a template sees {', '.join(sorted(NAMES))})",
            _first_line(tree, name),
        )
        for name in sorted(meta.find_undeclared_variables(tree) - NAMES)
    ]
    for key, line in _record_fields(tree):
        if key not in fields:
            problems.append(
                TemplateProblem("E_RULE_UNKNOWN_FIELD", f"the record has no field `{key}`", line)
            )
    return problems


def _first_line(tree: nodes.Template, name: str) -> int:
    lines = [node.lineno for node in tree.find_all(nodes.Name) if node.name == name]
    return min(lines, default=1)


def _record_fields(tree: nodes.Template) -> list[tuple[str, int]]:
    """`record.x` and `record["x"]` in the template, with their lines."""
    found: list[tuple[str, int]] = []
    for node in tree.find_all(nodes.Getattr):
        assert isinstance(node, nodes.Getattr)
        if isinstance(node.node, nodes.Name) and node.node.name == "record":
            found.append((node.attr, node.lineno))
    for item in tree.find_all(nodes.Getitem):
        assert isinstance(item, nodes.Getitem)
        if not (isinstance(item.node, nodes.Name) and item.node.name == "record"):
            continue
        if isinstance(item.arg, nodes.Const) and isinstance(item.arg.value, str):
            found.append((item.arg.value, item.lineno))
    return found


@lru_cache(maxsize=512)
def _compiled(source: str) -> Any:
    return _RENDERING.from_string(source)


def render(source: str, context: Mapping[str, Any]) -> str:
    """The template rendered (a template checked at publish; a failure at run time, such as a
    division by zero, renders a short note instead of failing the cause)."""
    try:
        text: str = _compiled(source).render(**context)
    except Exception as exc:  # the sandbox's and the template's own errors alike
        return f"[the template could not be rendered: {type(exc).__name__}]"
    return text[:MAX_RENDERED]
