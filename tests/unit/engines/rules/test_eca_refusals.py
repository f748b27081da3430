"""Every refusal of a rule definition: its stable code, its JSON pointer and a hint."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from rules_support import SCOPES, block_rule, structuring_rule

from brickwork.engines.rules.calendar import BusinessCalendar
from brickwork.engines.rules.eca import RuleDefinitionError, compile_rules

Edit = Callable[[dict[str, Any]], None]


def _set(path: str, value: Any) -> Edit:
    def edit(rule: dict[str, Any]) -> None:
        *parents, last = path.split("/")
        node: Any = rule
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value

    return edit


AGG = "aggregates/0"
ALERT = "actions/0"
CASES: list[tuple[str, Edit, str, str]] = [
    ("definition", _set("trigger/form", "Bad Key"), "E_RULE_DEFINITION", "/trigger/form"),
    ("definition_extra", _set("colour", "red"), "E_RULE_DEFINITION", "/colour"),
    ("form", _set("trigger/form", "nope"), "E_RULE_UNKNOWN_FORM", "/trigger/form"),
    ("agg_form", _set(f"{AGG}/form", "nope"), "E_RULE_UNKNOWN_FORM", f"/{AGG}/form"),
    ("alert_form", _set(f"{ALERT}/alert_form", "nope"), "E_RULE_UNKNOWN_FORM",
     f"/{ALERT}/alert_form"),
    ("changed_field", _set("trigger/changed_fields", ["amount", "nope"]),
     "E_RULE_UNKNOWN_FIELD", "/trigger/changed_fields/1"),
    ("window_field", _set(f"{AGG}/window/field", "nope"), "E_RULE_UNKNOWN_FIELD",
     f"/{AGG}/window/field"),
    ("anchor", _set(f"{AGG}/window/relative_to", "nope"), "E_RULE_UNKNOWN_FIELD",
     f"/{AGG}/window/relative_to"),
    ("alert_value", _set(f"{ALERT}/values/nope", "1"), "E_RULE_UNKNOWN_FIELD",
     f"/{ALERT}/values/nope"),
    ("window_type", _set(f"{AGG}/window/field", "amount"), "E_RULE_FIELD_TYPE",
     f"/{AGG}/window/field"),
    ("sum_type", _set("aggregates/1/field", "customer"), "E_RULE_FIELD_TYPE",
     "/aggregates/1/field"),
    ("no_field", _set("aggregates/1/field", None), "E_RULE_AGGREGATE_FIELD",
     "/aggregates/1/field"),
    ("duration", _set(f"{AGG}/window/within", "P1M"), "E_RULE_DURATION", f"/{AGG}/window/within"),
    ("reserved", _set("let/0/name", "record"), "E_RULE_DUPLICATE_NAME", "/let/0/name"),
    ("twice", _set("let/0/name", "near_total"), "E_RULE_DUPLICATE_NAME", "/let/0/name"),
    ("param_twice", _set("parameters/1/name", "low"), "E_RULE_DUPLICATE_NAME",
     "/parameters/1/name"),
    ("action_id", lambda r: r["actions"].append(copy.deepcopy(r["actions"][0])),
     "E_RULE_DUPLICATE_ID", "/actions/1/id"),
    ("syntax", _set("condition", "record.amount >"), "E_RULE_EXPRESSION", "/condition"),
    ("unknown_name", _set("let/0/expression", "amount > 1"), "E_RULE_EXPRESSION",
     "/let/0/expression"),
    ("let_order", _set("let", [{"name": "a", "expression": "b > 1"},
                              {"name": "b", "expression": "1"}]), "E_RULE_EXPRESSION",
     "/let/0/expression"),
    ("not_boolean", _set("condition", "record.amount"), "E_RULE_NOT_BOOLEAN", "/condition"),
    ("filter_boolean", _set(f"{AGG}/filter", "it.amount"), "E_RULE_NOT_BOOLEAN",
     f"/{AGG}/filter"),
    ("filter_sql", _set(f"{AGG}/filter", "some x in [1, 2] satisfies x = it.amount"),
     "E_RULE_FILTER_NOT_PUSHABLE", f"/{AGG}/filter"),
    ("template", _set(f"{ALERT}/title", "{{ record.customer "), "E_RULE_TEMPLATE",
     f"/{ALERT}/title"),
    ("template_name", _set(f"{ALERT}/message", "{{ secret }}"), "E_RULE_TEMPLATE_NAME",
     f"/{ALERT}/message"),
    ("phase", _set("phase", "before_save"), "E_RULE_PHASE", "/actions/0/type"),
    ("dedup_window", _set("dedup/window_of", "nope"), "E_RULE_DEDUP_WINDOW", "/dedup/window_of"),
    ("effective", lambda r: r.update(effective_from="2025-01-01T00:00:00Z",
                                     effective_to="2025-01-01T00:00:00Z"),
     "E_RULE_EFFECTIVE_RANGE", "/effective_to"),
    ("param_value", _set("parameters/0/versions/0/value", "lots"), "E_RULE_PARAMETER",
     "/parameters/0/versions/0/value"),
    ("param_dates", lambda r: r["parameters"][0]["versions"].append(
        {"effective_from": "2020-01-01T00:00:00Z", "value": "1"}),
     "E_RULE_PARAMETER", "/parameters/0/versions/1/effective_from"),
    ("calendar", _set("calendar", "mars"), "E_RULE_UNKNOWN_CALENDAR", "/calendar"),
    ("example_field", _set("examples/0/given/record/nope", 1), "E_RULE_EXAMPLE",
     "/examples/0/given/record/nope"),
    ("example_aggregate", _set("examples/0/given/aggregates/nope", 1), "E_RULE_EXAMPLE",
     "/examples/0/given/aggregates/nope"),
    ("example_action", _set("examples/0/expect/actions/0/action", "nope"), "E_RULE_EXAMPLE",
     "/examples/0/expect/actions/0/action"),
    ("webhook", _set("actions/0", {"type": "notify", "id": "n", "channel": "webhook",
                                   "body": "hi"}), "E_RULE_NOTIFY", "/actions/0/endpoint"),
    ("cron", lambda r: r.update(trigger={"type": "schedule", "cron": "61 * * * *",
                                         "time_zone": "UTC"}, aggregates=[], let=[],
                                examples=[], dedup=None, condition=None),
     "E_RULE_CRON", "/trigger/cron"),
    ("time_zone", lambda r: r.update(trigger={"type": "schedule", "cron": "0 * * * *",
                                              "time_zone": "Mars/Base"}, aggregates=[], let=[],
                                     examples=[], dedup=None, condition=None),
     "E_RULE_TIME_ZONE", "/trigger/time_zone"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "edit", "code", "pointer"), CASES, ids=[c[0] for c in CASES])
def test_refusal(name: str, edit: Edit, code: str, pointer: str) -> None:
    rule = structuring_rule()
    edit(rule)
    with pytest.raises(RuleDefinitionError) as caught:
        compile_rules([rule], SCOPES, calendars={"cn": BusinessCalendar(key="cn")})
    found = [(p.code, p.pointer) for p in caught.value.problems]
    assert (code, pointer) in found, found
    problem = next(p for p in caught.value.problems if (p.code, p.pointer) == (code, pointer))
    assert problem.message
    assert problem.hint


def test_the_unedited_rules_compile() -> None:
    compile_rules([structuring_rule(), block_rule()], SCOPES)


def test_duplicate_rule_keys_and_all_problems_of_all_rules() -> None:
    bad = block_rule(phase="after_save")
    with pytest.raises(RuleDefinitionError) as caught:
        compile_rules([block_rule(), bad, structuring_rule(condition="1")], SCOPES)
    codes = [(p.rule, p.code) for p in caught.value.problems]
    assert ("loan_limit", "E_RULE_DUPLICATE_KEY") in codes
    assert ("loan_limit", "E_RULE_PHASE") in codes
    assert ("aml_structuring", "E_RULE_NOT_BOOLEAN") in codes
    assert "E_RULE_PHASE at /actions/0/type" in str(caught.value)


def test_before_save_needs_a_record_trigger_and_no_async() -> None:
    rule = block_rule(mode="async", trigger={"type": "manual", "form": "loan"})
    with pytest.raises(RuleDefinitionError) as caught:
        compile_rules([rule], SCOPES)
    pointers = {p.pointer for p in caught.value.problems if p.code == "E_RULE_PHASE"}
    assert pointers == {"/phase", "/mode"}
