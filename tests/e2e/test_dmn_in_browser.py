"""Exported decision models open in dmn-js (the DMN viewer of Camunda Modeler), in a real
browser: the XML the platform writes imports without a warning, the diagram shows every
decision, and each decision table shows its rules, hit policy and annotations. The viewer is
the package's own pinned copy (package-lock.json), so nothing leaves the machine."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from brickwork.engines.rules import compile_model
from brickwork.engines.rules.dmn_xml import export_dmn, import_dmn
from conftest import IN_CI

CHROMIUM = Path("/usr/bin/chromium")
VIEWER = (
    Path(__file__).parents[2]
    / "src/brickwork/platform/web/static/vendor/dmn-js/dist/dmn-viewer.production.min.js"
)
MODELS = Path(__file__).parents[1] / "unit" / "engines" / "rules" / "models"
pytestmark = pytest.mark.browser

POLICIES = ["U", "A", "P", "F", "R", "O", "C", "C+", "C<", "C>", "C#"]
POLICY_NAMES = {
    "U": "Unique",
    "A": "Any",
    "P": "Priority",
    "F": "First",
    "R": "Rule order",
    "O": "Output order",
    "C": "Collect",
    "C+": "Collect (Sum)",
    "C<": "Collect (Min)",
    "C>": "Collect (Max)",
    "C#": "Collect (Count)",
}


def table(policy: str, index: int) -> dict[str, Any]:
    """A three-rule table under `policy` whose cells use ranges, lists, negation and `-`."""
    suffix = f"t{index}"
    numeric = policy in ("C+", "C<", "C>", "C#")
    outputs = [
        {
            "id": f"out_{suffix}",
            "name": "points" if numeric else "band",
            "type_ref": "number" if numeric else "string",
        }
    ]
    if policy in ("P", "O"):
        outputs[0]["output_values"] = '"high","medium","low"'
    cells = ["< 18", "[18..65)", ">= 65"]
    values = ["10", "20", "30"] if numeric else ['"high"', '"medium"', '"low"']
    return {
        "id": f"Decision_{suffix}",
        "name": f"Policy {policy} {index}",
        "requires": {"inputs": ["Age", "Country"]},
        "logic": {
            "type": "decision_table",
            "id": f"Table_{suffix}",
            "hit_policy": policy,
            "inputs": [
                {"id": f"in_age_{suffix}", "expression": "Age", "type_ref": "number"},
                {"id": f"in_country_{suffix}", "expression": "Country", "type_ref": "string"},
            ],
            "outputs": outputs,
            "annotations": ["Note"],
            "rules": [
                {
                    "id": f"rule_{suffix}_{n}",
                    "when": [cell, '"CN","HK"' if n == 0 else ('not("US")' if n == 1 else "-")],
                    "then": [value],
                    "annotations": [f"rule {n + 1} of {policy}"],
                }
                for n, (cell, value) in enumerate(zip(cells, values, strict=True))
            ],
        },
    }


def broad_model() -> dict[str, Any]:
    """Every hit policy, a decision that requires another, a business knowledge model invoked
    from a literal expression, a boxed context, item definitions and input data."""
    decisions = [table(policy, index) for index, policy in enumerate(POLICIES)]
    decisions.append(
        {
            "id": "Decision_summary",
            "name": "Summary",
            "requires": {"decisions": ["Policy F 3"], "knowledge": ["Label of"]},
            "logic": {"type": "literal", "id": "Literal_summary", "text": "Label of(Policy F 3)"},
        }
    )
    decisions.append(
        {
            "id": "Decision_context",
            "name": "Applicant facts",
            "requires": {"inputs": ["Age"]},
            "logic": {
                "type": "context",
                "id": "Context_facts",
                "entries": [
                    {
                        "name": "adult",
                        "value": {"type": "literal", "id": "Lit_adult", "text": "Age >= 18"},
                    },
                    {"value": {"type": "literal", "id": "Lit_result", "text": "adult"}},
                ],
            },
        }
    )
    return {
        "name": "Broad model",
        "namespace": "https://bank.example/dmn/broad",
        "item_definitions": [
            {
                "id": "Item_country",
                "name": "tCountry",
                "type_ref": "string",
                "allowed_values": '"CN","HK","US"',
            }
        ],
        "inputs": [
            {"id": "Input_age", "name": "Age", "type_ref": "number"},
            {"id": "Input_country", "name": "Country", "type_ref": "tCountry"},
        ],
        "decisions": decisions,
        "knowledge": [
            {
                "id": "Bkm_label",
                "name": "Label of",
                "parameters": [{"name": "band", "type_ref": "string"}],
                "logic": {"type": "literal", "id": "Literal_label", "text": '"band: " + band'},
            }
        ],
        "entry": "Summary",
    }


@pytest.fixture(scope="module")
def page() -> Iterator[Any]:
    if not CHROMIUM.exists():
        if IN_CI:
            pytest.fail("Chromium is missing at /usr/bin/chromium; CI must provide it")
        pytest.skip("no Chromium at /usr/bin/chromium")
    assert VIEWER.is_file(), "the dmn-js assets are missing: reinstall the package to build them"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM))
        try:
            yield browser.new_page()
        finally:
            browser.close()


OPEN_EVERY_VIEW = """async (xml) => {
  document.body.innerHTML = "<div id='canvas' style='width:1400px;height:900px'></div>";
  const viewer = new DmnJS({container: '#canvas'});
  let imported;
  try {
    imported = await viewer.importXML(xml);
  } catch (error) {
    return {error: String(error), warnings: (error.warnings || []).map(w => w.message)};
  }
  const result = {warnings: imported.warnings.map(w => w.message), views: [], tables: {}};
  for (const view of viewer.getViews()) {
    result.views.push([view.type, view.element.id]);
    await viewer.open(view);
    if (view.type === 'drd') {
      result.shapes = [...document.querySelectorAll('.djs-element[data-element-id]')]
        .map(e => e.getAttribute('data-element-id'));
    }
    if (view.type === 'decisionTable') {
      result.tables[view.element.id] = {
        rows: document.querySelectorAll('.tjs-table tbody tr').length,
        hitPolicy: document.querySelector('.hit-policy').textContent.trim(),
        text: document.querySelector('.tjs-table').textContent,
      };
    }
    if (view.type === 'literalExpression') {
      result.literal = document.querySelector('.textarea, .content-editable, .literal-expression')
        ?.textContent;
    }
  }
  return result;
}"""


def open_in_dmn_js(page: Any, xml: str) -> dict[str, Any]:
    page.set_content("<html><body></body></html>")
    page.add_script_tag(path=str(VIEWER))
    opened: dict[str, Any] = page.evaluate(OPEN_EVERY_VIEW, xml)
    assert "error" not in opened, opened
    return opened


def test_an_exported_model_with_every_hit_policy_opens_in_dmn_js(page: Any) -> None:
    spec = broad_model()
    compile_model(spec)  # a valid model
    xml = export_dmn(spec, version="auto")
    assert 'xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/"' in xml  # what dmn-js reads
    opened = open_in_dmn_js(page, xml)
    assert opened["warnings"] == []
    decision_ids = [decision["id"] for decision in spec["decisions"]]
    assert set(decision_ids) <= set(opened["shapes"])
    assert {"Input_age", "Input_country", "Bkm_label"} <= set(opened["shapes"])
    for index, policy in enumerate(POLICIES):
        shown = opened["tables"][f"Decision_t{index}"]
        assert shown["rows"] == 3
        assert shown["hitPolicy"] == f"Hit policy:{POLICY_NAMES[policy]}"
        assert f"rule 2 of {policy}" in shown["text"]
        assert "[18..65)" in shown["text"]
    assert ["literalExpression", "Decision_summary"] in opened["views"]
    assert opened["literal"] == "Label of(Policy F 3)"


def test_a_model_written_by_camunda_modeler_opens_again_after_export(page: Any) -> None:
    spec = import_dmn((MODELS / "risk.dmn").read_text(encoding="utf-8"))
    opened = open_in_dmn_js(page, export_dmn(spec, version="auto"))
    assert opened["warnings"] == []
    tables = opened["tables"]
    assert len(tables) == len(
        [d for d in spec["decisions"] if d["logic"]["type"] == "decision_table"]
    )
    for decision in spec["decisions"]:
        if decision["logic"]["type"] == "decision_table":
            assert tables[decision["id"]]["rows"] == len(decision["logic"]["rules"])


def test_dmn_js_refuses_dmn_1_5_so_the_default_export_is_1_3(page: Any) -> None:
    """Why "auto" writes DMN 1.3: the viewer reads no later namespace."""
    spec = import_dmn((MODELS / "risk.dmn").read_text(encoding="utf-8"))
    page.set_content("<html><body></body></html>")
    page.add_script_tag(path=str(VIEWER))
    refused = page.evaluate(OPEN_EVERY_VIEW, export_dmn(spec, version="1.5"))
    assert "error" in refused
