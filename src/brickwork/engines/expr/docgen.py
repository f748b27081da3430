"""Generate the function reference of `docs/expressions.md` from the registry.

`render_functions()` is pure: it turns `REGISTRY` into Markdown (signatures, aliases, bilingual
descriptions, examples with results, SQL pushability). `replace_block()` swaps the marked block
of a document. Only `main()` (run as `python -m brickwork.engines.expr.docgen [path]`) reads
and writes a file; nothing in the engine calls it.
"""

from __future__ import annotations

import sys
from pathlib import Path

from brickwork.engines.expr.functions import FunctionSpec
from brickwork.engines.expr.library import CATEGORIES, REGISTRY

BEGIN = "<!-- BEGIN GENERATED FUNCTIONS (python -m brickwork.engines.expr.docgen) -->"
END = "<!-- END GENERATED FUNCTIONS -->"
TITLES = {
    "logic": "Logic and conversion / 逻辑与转换",
    "text": "Text / 文本",
    "number": "Numbers / 数字",
    "list": "Lists and aggregates / 列表与汇总",
    "context": "Contexts / 上下文",
    "date and time": "Dates, times and durations / 日期、时间与时长",
    "range": "Ranges / 区间",
    "parameters": "Parameter tables / 参数表",
    "identifiers": "Identifier numbers / 证件号码",
    "ownership": "Ownership graphs / 股权穿透",
}


def _escape(text: str) -> str:
    return text.replace("|", "\\|")


def _spec(spec: FunctionSpec) -> list[str]:
    lines = [f"#### `{spec.name}`", ""]
    forms = dict.fromkeys(s.describe(spec.name) for s in spec.signatures)
    usage = " · ".join(f"`{form}`" for form in forms)
    lines.append(f"- Usage / 用法: {usage}")
    if spec.aliases:
        lines.append("- Also written / 别名: " + ", ".join(f"`{a}`" for a in spec.aliases))
    lines.append(f"- en: {spec.doc_en}")
    lines.append(f"- zh-CN: {spec.doc_zh}")
    pushable = "yes / 是" if spec.sql else "no / 否"
    lines.append(f"- Runs in SQL / 可下推到 SQL: {pushable}")
    lines += ["", "| Example / 示例 | Result / 结果 |", "|---|---|"]
    lines += [f"| `{_escape(e.source)}` | `{_escape(e.result)}` |" for e in spec.examples]
    lines.append("")
    return lines


def render_functions() -> str:
    """The Markdown of the generated block (without the markers)."""
    lines: list[str] = []
    for category in CATEGORIES:
        specs = [s for s in REGISTRY.specs if s.category == category]
        lines += [f"### {TITLES[category]}", ""]
        for spec in sorted(specs, key=lambda s: s.name.lower()):
            lines += _spec(spec)
    return "\n".join(lines).rstrip() + "\n"


def replace_block(document: str, block: str) -> str:
    """`document` with the text between the markers replaced by `block`."""
    start = document.index(BEGIN) + len(BEGIN)
    end = document.index(END)
    return document[:start] + "\n\n" + block + "\n" + document[end:]


def main(argv: list[str]) -> int:
    path = Path(argv[1] if len(argv) > 1 else "docs/expressions.md")
    document = path.read_text(encoding="utf-8")
    updated = replace_block(document, render_functions())
    if updated != document:
        path.write_text(updated, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
