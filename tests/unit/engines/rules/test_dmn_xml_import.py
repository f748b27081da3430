"""DMN XML import: files written the way Camunda Modeler writes them map to the JSON form of a
decision model, compile and evaluate; export writes DMN 1.5 that imports to the same spec."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from brickwork.engines.rules import DecisionModel, compile_model
from brickwork.engines.rules.dmn_xml import (
    DMN13,
    DMN14,
    DMN15,
    element_at,
    export_dmn,
    import_dmn,
)

MODELS = Path(__file__).parent / "models"


def read(name: str) -> str:
    return (MODELS / name).read_text(encoding="utf-8")


def lit(text: str, id_: str, **extra: Any) -> dict[str, Any]:
    return {"id": id_, "type": "literal", "text": text, **extra}


RISK_SPEC: dict[str, Any] = {
    "name": "Risk rating",
    "namespace": "http://camunda.org/schema/1.0/dmn",
    "inputs": [
        {"id": "InputData_age", "name": "age", "type_ref": "number"},
        {"id": "InputData_income", "name": "Monthly Income", "type_ref": "number"},
    ],
    "decisions": [
        {
            "id": "Decision_risk",
            "name": "Risk level",
            "requires": {"inputs": ["age", "Monthly Income"]},
            "logic": {
                "id": "DecisionTable_risk",
                "type": "decision_table",
                "hit_policy": "F",
                "inputs": [
                    {"id": "Input_age", "label": "Age", "expression": "age", "type_ref": "number"},
                    {
                        "id": "Input_income",
                        "label": "Monthly Income",
                        "expression": "Monthly Income",
                        "type_ref": "number",
                    },
                ],
                "outputs": [
                    {
                        "id": "Output_level",
                        "name": "level",
                        "label": "Level",
                        "type_ref": "string",
                        "output_values": '"high","medium","low"',
                    }
                ],
                "annotations": ["Reason"],
                "rules": [
                    {
                        "id": "DecisionRule_young",
                        "when": ["< 18", "-"],
                        "then": ['"high"'],
                        "annotations": ["minors"],
                    },
                    {
                        "id": "DecisionRule_poor",
                        "when": ["-", "< 1000"],
                        "then": ['"medium"'],
                        "annotations": ["low income"],
                    },
                    {
                        "id": "DecisionRule_other",
                        "when": ["-", "-"],
                        "then": ['"low"'],
                        "annotations": [""],
                    },
                ],
            },
        }
    ],
}


def test_a_camunda_decision_table_maps_to_the_spec() -> None:
    """DMN 1.3 as Camunda Modeler writes it: empty input entries are `-`, annotations kept,
    the diagram, text annotations and `camunda:`/`biodi:` attributes ignored."""
    assert import_dmn(read("risk.dmn")) == RISK_SPEC
    assert import_dmn(read("risk.dmn").encode("utf-8")) == RISK_SPEC


def test_an_imported_table_evaluates() -> None:
    model = compile_model(import_dmn(read("risk.dmn")))
    cases = [
        ({"age": 16, "Monthly Income": 5000}, "high"),
        ({"age": 30, "Monthly Income": 500}, "medium"),
        ({"age": 30, "Monthly Income": 5000}, "low"),
    ]
    for inputs, expected in cases:
        result = model.evaluate(None, inputs)
        assert (result.value, result.diagnostics) == (expected, ())


def test_item_definitions_knowledge_and_requirements_map_by_name() -> None:
    spec = import_dmn(read("loan.dmn"))
    assert spec["item_definitions"] == [
        {
            "id": "ItemDefinition_applicant",
            "name": "Applicant",
            "components": [
                {"id": "ItemComponent_name", "name": "name", "type_ref": "string"},
                {"id": "ItemComponent_age", "name": "age", "type_ref": "number"},
            ],
        },
        {
            "id": "ItemDefinition_grade",
            "name": "Grade",
            "type_ref": "string",
            "allowed_values": '"A","B","C"',
        },
        {
            "id": "ItemDefinition_amounts",
            "name": "Amounts",
            "type_ref": "number",
            "is_collection": True,
        },
    ]
    assert spec["inputs"][0] == {
        "id": "InputData_applicant",
        "name": "Applicant",
        "type_ref": "Applicant",
    }
    assert spec["knowledge"] == [
        {
            "id": "BusinessKnowledgeModel_instalment",
            "name": "Instalment",
            "parameters": [
                {"name": "principal", "type_ref": "number"},
                {"name": "months", "type_ref": "number"},
            ],
            "type_ref": "number",
            "logic": lit("principal / months", "LiteralExpression_instalment"),
        }
    ]
    fees, offer, _ = spec["decisions"]
    assert fees["type_ref"] == "number"
    assert offer["requires"] == {
        "decisions": ["Fees"],
        "inputs": ["Applicant", "Amounts"],
        "knowledge": ["Instalment"],
    }
    assert offer["description"] == "What the bank offers the applicant"


def test_collect_with_aggregation_default_output_and_rule_descriptions() -> None:
    fees = import_dmn(read("loan.dmn"))["decisions"][0]["logic"]
    assert fees["hit_policy"] == "C+"
    assert fees["outputs"] == [
        {"id": "Output_fee", "name": "fee", "type_ref": "number", "default": "0"}
    ]
    assert fees["annotations"] == ["Description"]
    assert [r["annotations"] for r in fees["rules"]] == [["every loan"], [""]]


def test_every_boxed_expression_maps() -> None:
    context = import_dmn(read("loan.dmn"))["decisions"][1]["logic"]
    entries = {e["name"]: e["value"] for e in context["entries"]}
    assert entries["total"] == lit(
        "sum(Amounts) + Fees", "LiteralExpression_total", type_ref="number"
    )
    assert entries["monthly"] == {
        "id": "Invocation_monthly",
        "type": "invocation",
        "function": "Instalment",
        "bindings": [
            {"name": "principal", "value": lit("total", "LiteralExpression_bp")},
            {"name": "months", "value": lit("12", "LiteralExpression_bn")},
        ],
    }
    assert entries["adult"] == {
        "id": "Conditional_adult",
        "type": "conditional",
        "if": lit("Applicant.age >= 18", "LiteralExpression_if"),
        "then": lit('"yes"', "LiteralExpression_then"),
        "else": lit('"no"', "LiteralExpression_else"),
    }
    assert entries["big"] == {
        "id": "Filter_big",
        "type": "filter",
        "in": lit("Amounts", "LiteralExpression_in"),
        "match": lit("item > 100", "LiteralExpression_match"),
    }
    assert entries["doubled"]["kind"] == "for"
    assert entries["doubled"]["return"] == lit("a * 2", "LiteralExpression_for_return")
    assert entries["any large"]["kind"] == "some"
    assert entries["all positive"]["satisfies"] == lit("a > 0", "LiteralExpression_every_satisfies")
    assert entries["pair"]["items"][1] == lit("Applicant.name", "LiteralExpression_second")
    assert entries["rates"]["columns"] == ["grade", "rate"]
    assert entries["rates"]["rows"][1] == [
        lit('"B"', "LiteralExpression_r2g"),
        lit("0.07", "LiteralExpression_r2r"),
    ]
    assert entries["triple"] == {
        "id": "FunctionDefinition_triple",
        "type": "function",
        "parameters": [{"name": "x", "type_ref": "number"}],
        "body": lit("x * 3", "LiteralExpression_triple"),
    }


def test_an_imported_graph_of_boxed_expressions_evaluates() -> None:
    model = compile_model(import_dmn(read("loan.dmn")))
    inputs = {"Applicant": {"name": "Li", "age": 17}, "Amounts": [50, 200, 300]}
    result = model.evaluate("Offer", inputs)
    assert result.diagnostics == ()
    value = result.value
    assert result.decisions is not None
    assert result.decisions["Fees"] == Decimal(15)
    assert value["total"] == Decimal(565)
    assert value["monthly"].quantize(Decimal("0.0001")) == Decimal("47.0833")  # 565 / 12
    assert value["adult"] == "no"
    assert value["big"] == [Decimal(200), Decimal(300)]
    assert value["doubled"] == [Decimal(100), Decimal(400), Decimal(600)]
    assert (value["any large"], value["all positive"]) == (False, True)
    assert value["pair"] == [Decimal(1), "Li"]
    assert value["rates"][0] == {"grade": "A", "rate": Decimal("0.05")}
    assert value["tripled"] == Decimal(6)
    one_fee = model.evaluate("Fees", {"Amounts": []})
    assert one_fee.value == Decimal(0)  # no rule matches: the default output entry


def test_type_refs_are_normalised() -> None:
    xml = read("risk.dmn").replace('typeRef="number" />', 'typeRef="feel:number" />')
    xml = xml.replace('name="level" typeRef="string"', 'name="level" typeRef="xsd:string"')
    spec = import_dmn(
        xml.replace('label="Age" ', 'label="Age" ').replace(
            '<inputExpression id="InputExpression_age" typeRef="number">',
            '<inputExpression id="InputExpression_age" typeRef="dateTime">',
        )
    )
    assert spec["inputs"][0]["type_ref"] == "number"
    table = spec["decisions"][0]["logic"]
    assert table["outputs"][0]["type_ref"] == "string"
    assert table["inputs"][0]["type_ref"] == "date and time"


def test_dmn_13_14_and_15_namespaces_are_read() -> None:
    for namespace in (DMN13, DMN14, DMN15):
        spec = import_dmn(read("risk.dmn").replace(DMN13, namespace))
        assert spec == RISK_SPEC


def test_hit_policies_and_aggregations_map_both_ways() -> None:
    policies = {
        'hitPolicy="UNIQUE"': "U",
        'hitPolicy="ANY"': "A",
        'hitPolicy="PRIORITY"': "P",
        'hitPolicy="FIRST"': "F",
        'hitPolicy="RULE ORDER"': "R",
        'hitPolicy="OUTPUT ORDER"': "O",
        'hitPolicy="COLLECT"': "C",
        'hitPolicy="COLLECT" aggregation="SUM"': "C+",
        'hitPolicy="COLLECT" aggregation="MIN"': "C<",
        'hitPolicy="COLLECT" aggregation="MAX"': "C>",
        'hitPolicy="COLLECT" aggregation="COUNT"': "C#",
    }
    without = read("risk.dmn").replace(' hitPolicy="FIRST"', "")
    assert import_dmn(without)["decisions"][0]["logic"]["hit_policy"] == "U"
    for attributes, short in policies.items():
        xml = read("risk.dmn").replace('hitPolicy="FIRST"', attributes)
        spec = import_dmn(xml)
        assert spec["decisions"][0]["logic"]["hit_policy"] == short
        exported = export_dmn(spec)
        assert attributes in exported
        assert import_dmn(exported) == spec


def test_export_writes_dmn_15_with_a_diagram() -> None:
    xml = export_dmn(import_dmn(read("loan.dmn")))
    assert f'xmlns="{DMN15}"' in xml
    assert xml.count("<dmndi:DMNShape ") == 6  # 3 decisions, 2 input data, 1 knowledge model
    assert xml.count("<dmndi:DMNEdge ") == 6  # one per requirement
    assert 'dmnElementRef="Decision_offer"' in xml


def test_export_then_import_gives_the_same_spec() -> None:
    for name in ("risk.dmn", "loan.dmn"):
        spec = import_dmn(read(name))
        again = import_dmn(export_dmn(spec))
        assert again == spec
        assert import_dmn(export_dmn(DecisionModel.model_validate(spec))) == spec


def test_export_as_dmn_13_for_tools_that_read_only_13() -> None:
    spec = import_dmn(read("risk.dmn"))
    xml = export_dmn(spec, version="1.3")
    assert f'xmlns="{DMN13}"' in xml
    assert 'xmlns:dmndi="https://www.omg.org/spec/DMN/20191111/DMNDI/"' in xml
    assert import_dmn(xml) == spec
    with pytest.raises(ValueError, match=r"DMN 1\.4"):
        export_dmn(import_dmn(read("loan.dmn")), version="1.3")
    with pytest.raises(ValueError, match=r"1\.5, 1\.3 or auto"):
        export_dmn(spec, version="1.1")
    assert export_dmn(spec, version="auto") == xml  # 1.3 when the model fits in it
    assert f'xmlns="{DMN15}"' in export_dmn(import_dmn(read("loan.dmn")), version="auto")


def test_rule_annotations_are_also_written_as_the_description_dmn_js_shows() -> None:
    spec = import_dmn(read("risk.dmn"))
    table = spec["decisions"][0]["logic"]
    table["annotations"] = ["Why", "Source"]
    for index, rule in enumerate(table["rules"]):
        rule["annotations"] = [f"reason {index}", "" if index else "policy 7"]
    xml = export_dmn(spec, version="1.3")
    assert "<description>reason 0\npolicy 7</description>" in xml
    assert "<description>reason 1</description>" in xml
    assert import_dmn(xml) == spec  # the copy is not read back as another column


def test_documentation_elements_are_ignored_and_a_bkm_variable_gives_its_type() -> None:
    xml = read("loan.dmn").replace(
        '<encapsulatedLogic id="FunctionDefinition_instalment" kind="FEEL" typeRef="number">',
        '<encapsulatedLogic id="FunctionDefinition_instalment" kind="FEEL">',
    )
    xml = xml.replace(
        '<variable id="InformationItem_instalment" name="Instalment" />',
        '<variable id="InformationItem_instalment" name="Instalment" typeRef="feel:number" />',
    )
    xml = xml.replace(
        "</definitions>",
        '<elementCollection id="EC" name="all" /><performanceIndicator id="PI" name="speed" />'
        '<organizationUnit id="OU" name="credit" /></definitions>',
    )
    assert import_dmn(xml) == import_dmn(read("loan.dmn"))


def test_a_single_unnamed_output_is_named_after_its_decision() -> None:
    xml = read("risk.dmn").replace('label="Level" name="level" ', 'label="Level" ')
    output = import_dmn(xml)["decisions"][0]["logic"]["outputs"][0]
    assert output["name"] == "Risk level"


def test_a_prefixed_type_naming_an_item_definition_is_that_item_definition() -> None:
    xml = read("loan.dmn").replace('typeRef="Applicant"', 'typeRef="tns:Applicant"')
    assert import_dmn(xml)["inputs"][0]["type_ref"] == "Applicant"


def test_a_pointer_into_an_imported_spec_names_its_xml_element() -> None:
    spec = import_dmn(read("loan.dmn"))
    assert element_at(spec, "/decisions/1/logic/entries/2/value/if/text") == "LiteralExpression_if"
    assert element_at(spec, "/decisions/0/logic/rules/1/when/0") == "DecisionRule_many"
    assert element_at(spec, "/decisions/1/requires/inputs/0") == "Decision_offer"
    assert element_at(spec, "/decisions/9") == ""
    assert element_at(spec, "") == ""
