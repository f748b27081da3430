"""Decision graphs: dependency order, knowledge models invoked with arguments, and every boxed
expression of the decision-model format (contexts, lists, relations, invocations,
conditionals, filters, iterators, functions)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rules_support import codes, one_table, table

from brickwork.engines.rules import compile_model


def lit(text: str, **extra: Any) -> dict[str, Any]:
    return {"type": "literal", "text": text, **extra}


def decision(name: str, logic: dict[str, Any], **requires: list[str]) -> dict[str, Any]:
    return {"id": name.replace(" ", "_"), "name": name, "requires": requires, "logic": logic}


DIAMOND = {
    "inputs": [{"id": "amount", "name": "Amount", "type_ref": "number"}],
    "decisions": [
        decision("Total", lit("Fee + Tax"), decisions=["Fee", "Tax"]),
        decision("Fee", lit("Base * 0.01"), decisions=["Base"]),
        decision("Tax", lit("Base * 0.1"), decisions=["Base"]),
        decision("Base", lit("Amount + 100"), inputs=["Amount"]),
    ],
}


def test_decisions_run_in_dependency_order_each_once() -> None:
    model = compile_model(DIAMOND)
    result = model.evaluate(None, {"Amount": 900}, trace=True)
    assert result.value == Decimal(110)
    assert result.trace is not None
    assert [step.name for step in result.trace] == ["Base", "Fee", "Tax", "Total"]
    assert result.decisions == {
        "Base": Decimal(1000),
        "Fee": Decimal(10),
        "Tax": Decimal(100),
        "Total": Decimal(110),
    }
    only_fee = model.evaluate("Fee", {"Amount": 900}, trace=True)
    assert only_fee.value == Decimal(10)
    assert [step.name for step in only_fee.trace or ()] == ["Base", "Fee"]


def test_without_an_entry_several_top_decisions_give_a_context() -> None:
    spec = {
        "decisions": [decision("A", lit("1")), decision("B", lit("2"))],
    }
    assert compile_model(spec).evaluate().value == {"A": Decimal(1), "B": Decimal(2)}
    assert compile_model({**spec, "entry": "B"}).evaluate().value == Decimal(2)


def test_an_unknown_decision_is_a_diagnostic() -> None:
    result = compile_model(DIAMOND).evaluate("Nope", {})
    assert (result.value, codes(result)) == (None, ["E_DMN_UNKNOWN_DECISION"])


FEES = {
    "inputs": [{"id": "amount", "name": "Amount"}, {"id": "tier", "name": "Tier"}],
    "knowledge": [
        {
            "id": "rate_bkm",
            "name": "Rate",
            "parameters": [{"name": "tier", "type_ref": "string"}],
            "logic": table(
                "U",
                [(['"gold"'], ["0.01"]), (['"basic"'], ["0.02"])],
                inputs=("tier",),
                outputs=("rate",),
            ),
        },
        {
            "id": "fee_bkm",
            "name": "Fee of",
            "parameters": [{"name": "amount"}, {"name": "tier"}],
            "requires": {"knowledge": ["Rate"]},
            "logic": lit("amount * Rate(tier)"),
        },
    ],
    "decisions": [
        decision(
            "Fee", lit("Fee of(Amount, Tier)"), inputs=["Amount", "Tier"], knowledge=["Fee of"]
        ),
        decision(
            "Fee by invocation",
            {
                "type": "invocation",
                "function": "Fee of",
                "bindings": [
                    {"name": "amount", "value": lit("Amount * 2")},
                    {"name": "tier", "value": lit('"gold"')},
                ],
            },
            inputs=["Amount"],
            knowledge=["Fee of"],
        ),
    ],
}


def test_knowledge_models_are_called_from_feel_and_by_invocation() -> None:
    model = compile_model(FEES)
    assert model.evaluate("Fee", {"Amount": 1000, "Tier": "basic"}).value == Decimal(20)
    assert model.evaluate("Fee by invocation", {"Amount": 1000}).value == Decimal(20)


def test_a_knowledge_model_argument_of_the_wrong_type_is_null_in_its_body() -> None:
    result = compile_model(FEES).evaluate("Fee", {"Amount": 1000, "Tier": 7})
    assert result.value is None
    assert "E_DMN_TYPE_MISMATCH" in codes(result)


def evaluate(logic: dict[str, Any], **inputs: Any) -> Any:
    names = tuple(inputs) or ("x",)
    result = one_table(logic, names=names).evaluate("d", inputs)
    assert result.ok, result.diagnostics
    return result.value


def test_boxed_context_entries_see_earlier_entries_and_the_last_is_the_result() -> None:
    logic = {
        "type": "context",
        "entries": [
            {"name": "rate", "value": lit("0.05")},
            {"name": "interest", "value": lit("principal * rate")},
            {"value": lit("principal + interest")},
        ],
    }
    assert evaluate(logic, principal=1000) == Decimal(1050)
    logic["entries"] = logic["entries"][:2]
    assert evaluate(logic, principal=1000) == {
        "rate": Decimal("0.05"),
        "interest": Decimal("50.00"),
    }


def test_boxed_list_and_relation() -> None:
    listed = {"type": "list", "items": [lit("x"), lit("x + 1"), lit('"three"')]}
    assert evaluate(listed, x=1) == [Decimal(1), Decimal(2), "three"]
    relation = {
        "type": "relation",
        "columns": ["name", "limit"],
        "rows": [[lit('"retail"'), lit("x")], [lit('"sme"'), lit("x * 10")]],
    }
    assert evaluate(relation, x=5) == [
        {"name": "retail", "limit": Decimal(5)},
        {"name": "sme", "limit": Decimal(50)},
    ]


def test_boxed_conditional_takes_else_when_the_condition_is_not_true() -> None:
    logic = {
        "type": "conditional",
        "if": lit("x > 10"),
        "then": lit('"big"'),
        "else": lit('"small"'),
    }
    assert evaluate(logic, x=11) == "big"
    assert evaluate(logic, x=3) == "small"
    result = one_table(logic).evaluate("d", {"x": None})
    assert result.value == "small"


def test_boxed_filter_sees_the_item_and_its_entries() -> None:
    logic = {
        "type": "filter",
        "in": lit("deposits"),
        "match": lit('amount >= 45000 and item.channel = "cash"'),
    }
    deposits = [
        {"amount": 46000, "channel": "cash"},
        {"amount": 50000, "channel": "wire"},
        {"amount": 1000, "channel": "cash"},
    ]
    assert evaluate(logic, deposits=deposits) == [{"amount": Decimal(46000), "channel": "cash"}]


def test_boxed_iterators() -> None:
    source = lit("[1, 2, 3]")
    each = {
        "type": "iterator",
        "kind": "for",
        "variable": "n",
        "in": source,
        "return": lit("n * x"),
    }
    assert evaluate(each, x=2) == [Decimal(2), Decimal(4), Decimal(6)]
    some = {
        "type": "iterator",
        "kind": "some",
        "variable": "n",
        "in": source,
        "satisfies": lit("n > x"),
    }
    every = {**some, "kind": "every"}
    assert evaluate(some, x=2) is True
    assert evaluate(every, x=2) is False
    assert evaluate(every, x=0) is True


def test_boxed_function_called_from_a_later_entry() -> None:
    logic = {
        "type": "context",
        "entries": [
            {
                "name": "double",
                "value": {
                    "type": "function",
                    "parameters": [{"name": "n"}],
                    "body": lit("n * 2"),
                },
            },
            {"value": lit("double(x) + 1")},
        ],
    }
    assert evaluate(logic, x=20) == Decimal(41)


def test_a_decision_table_inside_a_context() -> None:
    logic = {
        "type": "context",
        "entries": [
            {"name": "score", "value": lit("x * 10")},
            {
                "value": table(
                    "U", [(["< 50"], ['"low"']), ([">= 50"], ['"high"'])], inputs=("score",)
                )
            },
        ],
    }
    assert evaluate(logic, x=7) == "high"
    assert evaluate(logic, x=2) == "low"
