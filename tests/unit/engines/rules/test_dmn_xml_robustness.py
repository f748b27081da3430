"""DMN XML import never fails with anything but `DmnXmlError`: files with elements or
attributes removed, or renamed to unknown ones, import or are refused with coded problems."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree

from hypothesis import given
from hypothesis import strategies as st

from brickwork.engines.rules import DecisionModel
from brickwork.engines.rules.dmn_xml import DmnXmlError, import_dmn

MODELS = Path(__file__).parent / "models"
SOURCES = {name: (MODELS / name).read_text(encoding="utf-8") for name in ("risk.dmn", "loan.dmn")}


def mutate(xml: str, choices: list[tuple[int, int]]) -> str:
    """Apply edits to the document: (element index, action) with action 0 = remove the element,
    1 = drop its attributes, 2 = rename it to an unknown DMN element, 3 = empty its text."""
    root = ElementTree.fromstring(xml)
    for index, action in choices:
        parents = [(parent, child) for parent in root.iter() for child in parent]
        if not parents:
            break
        parent, child = parents[index % len(parents)]
        if action == 0:
            parent.remove(child)
        elif action == 1:
            child.attrib.clear()
        elif action == 2:
            namespace = child.tag.partition("}")[0] + "}" if child.tag.startswith("{") else ""
            child.tag = f"{namespace}mystery"
        else:
            child.text = ""
    return ElementTree.tostring(root, encoding="unicode")


@given(
    st.sampled_from(sorted(SOURCES)),
    st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 3)), min_size=1, max_size=4),
)
def test_damaged_files_import_or_are_refused_with_codes(
    name: str, choices: list[tuple[int, int]]
) -> None:
    xml = mutate(SOURCES[name], choices)
    try:
        spec = import_dmn(xml)
    except DmnXmlError as exc:
        problems = exc.problems
    else:
        DecisionModel.model_validate(spec)
        return
    assert problems
    assert all(p.code.startswith("E_DMN_XML_") and p.hint for p in problems)
