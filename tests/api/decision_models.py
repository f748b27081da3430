"""A decision model the decision tests share: a risk rating table with DMN-tool ids."""

from __future__ import annotations

from typing import Any


def rating_model(**changes: Any) -> dict[str, Any]:
    table = {
        "type": "decision_table",
        "id": "DecisionTable_0x1",
        "hit_policy": "U",
        "inputs": [
            {"id": "InputClause_1", "expression": "score", "type_ref": "number"},
            {"id": "InputClause_2", "expression": "pep", "type_ref": "boolean"},
        ],
        "outputs": [{"id": "OutputClause_1", "name": "level", "type_ref": "string"}],
        "rules": [
            {"id": "_rule.1", "when": ["< 600", "-"], "then": ['"high"']},
            {"id": "_rule.2", "when": [">= 600", "true"], "then": ['"medium"']},
            {"id": "_rule.3", "when": [">= 600", "false"], "then": ['"low"']},
        ],
    }
    table.update(changes)
    return {
        "inputs": [
            {"id": "InputData_score", "name": "score", "type_ref": "number"},
            {"id": "InputData_pep", "name": "pep", "type_ref": "boolean"},
        ],
        "decisions": [
            {
                "id": "Decision_rating",
                "name": "Risk level",
                "requires": {"inputs": ["score", "pep"]},
                "logic": table,
            }
        ],
    }
