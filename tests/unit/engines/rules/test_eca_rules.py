"""Event-condition-action rules: compile-time refusals with pointers, triggers, aggregates
requested for an event, outcomes (effects, shadow, blocks), effective dating and examples."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from brickwork.engines.expr import Scope
from brickwork.engines.rules.eca import (
    AlertEffect,
    BlockEffect,
    CreateRecordEffect,
    RuleDefinitionError,
    RuleEvent,
    SetFieldsEffect,
    compile_rule,
)

SCOPES = {
    "deposit": Scope.of(
        {
            "customer": "string",
            "channel": "string",
            "amount": "number",
            "at": "date and time",
            "branch": "string",
        }
    ),
    "alert": Scope.of(
        {"customer": "string", "kind": "string", "total": "number", "note": "string"}
    ),
    "loan": Scope.of({"amount": "number", "income": "number", "rate": "number", "due": "date"}),
}
NOW = datetime(2026, 3, 9, 10, 0, tzinfo=UTC)
STRUCTURING: dict[str, Any] = {
    "trigger": {"on": "record", "form": "deposit", "events": ["created"]},
    "aggregates": [
        {
            "name": "near_threshold",
            "form": "deposit",
            "function": "count",
            "where": 'it.customer = record.customer and it.channel = "cash" '
            "and it.amount >= 45000 and it.amount <= 49999.99",
            "window": {"field": "at", "before": "P7D", "anchor": "at"},
        }
    ],
    "condition": 'channel = "cash" and amount >= 45000 and amount <= 49999.99 '
    "and near_threshold >= 3",
    "actions": [
        {
            "type": "raise_alert",
            "form": "alert",
            "values": {"customer": "customer", "kind": '"structuring"', "total": "amount"},
            "dedupe": 'customer + "/structuring/" + string(date(at))',
        }
    ],
}


def deposit(amount: str, **more: Any) -> dict[str, Any]:
    return {"customer": "C1", "channel": "cash", "amount": Decimal(amount), "at": NOW, **more}


def created(record: dict[str, Any], form: str = "deposit") -> RuleEvent:
    return RuleEvent("created", NOW, form, record)


def test_structuring_requests_its_window_and_raises_one_keyed_alert_on_the_third_deposit() -> None:
    rule = compile_rule(STRUCTURING, scopes=SCOPES)
    event = created(deposit("46000"))
    (request,) = rule.aggregate_requests(event)
    assert (request.form, request.function, request.window_field) == ("deposit", "count", "at")
    assert (request.start, request.end) == (NOW - timedelta(days=7), NOW)
    assert "record.customer" in (request.where or "")
    second = rule.evaluate(event, {"near_threshold": 2})
    assert (second.matched, second.effects) == (False, ())
    third = rule.evaluate(event, {"near_threshold": 3})
    assert third.matched
    assert third.effects == (
        AlertEffect(
            "alert",
            {"customer": "C1", "kind": "structuring", "total": Decimal("46000")},
            "C1/structuring/2026-03-09",
        ),
    )
    assert third.bindings == {"near_threshold": Decimal(3)}
    assert not third.shadow
    large = rule.evaluate(created(deposit("50000")), {"near_threshold": 3})
    assert not large.matched


def test_a_before_save_rule_sets_fields_or_blocks_with_a_pointer() -> None:
    spec = {
        "trigger": {"on": "record", "form": "loan"},
        "phase": "before_save",
        "let": [{"name": "ratio", "expression": "amount / income"}],
        "condition": "ratio > 5",
        "actions": [
            {"type": "block", "message": "the loan exceeds 5 times income", "field": "amount"}
        ],
    }
    rule = compile_rule(spec, scopes=SCOPES)
    outcome = rule.evaluate(created({"amount": 600, "income": 100}, "loan"))
    assert outcome.blocked == BlockEffect("the loan exceeds 5 times income", "amount")
    assert outcome.bindings == {"ratio": Decimal(6)}
    assert not rule.evaluate(created({"amount": 400, "income": 100}, "loan")).matched
    pricing = {
        "trigger": {"on": "record", "form": "loan"},
        "phase": "before_save",
        "actions": [
            {"type": "set_fields", "values": {"rate": "if amount > 1000000 then 0.035 else 0.042"}}
        ],
    }
    outcome = compile_rule(pricing, scopes=SCOPES).evaluate(created({"amount": 2000000}, "loan"))
    assert outcome.effects == (SetFieldsEffect({"rate": Decimal("0.035")}),)


def test_triggers_select_events_and_changed_fields() -> None:
    spec = {
        "trigger": {"on": "record", "form": "loan", "events": ["updated"], "fields": ["amount"]},
        "actions": [{"type": "create_record", "form": "alert", "values": {"note": '"re-check"'}}],
    }
    rule = compile_rule(spec, scopes=SCOPES)

    def updated(changed: set[str], form: str = "loan") -> RuleEvent:
        return RuleEvent("updated", NOW, form, {"amount": 1}, {"amount": 2}, frozenset(changed))

    assert rule.triggered_by(updated({"amount", "rate"}))
    assert not rule.triggered_by(updated({"rate"}))
    assert not rule.triggered_by(updated({"amount"}, "deposit"))
    assert not rule.triggered_by(created({"amount": 1}, "loan"))
    outcome = rule.evaluate(updated({"amount"}))
    assert outcome.effects == (CreateRecordEffect("alert", {"note": "re-check"}),)


def test_shadow_rules_say_what_they_would_do_and_effective_dates_bound_them() -> None:
    spec = {
        **STRUCTURING,
        "shadow": True,
        "effective_from": "2026-01-01",
        "effective_to": "2026-06-30",
    }
    rule = compile_rule(spec, scopes=SCOPES)
    outcome = rule.evaluate(created(deposit("46000")), {"near_threshold": 5})
    assert outcome.shadow
    assert outcome.matched
    assert len(outcome.effects) == 1
    assert rule.in_force(date(2026, 1, 1))
    assert rule.in_force(date(2026, 6, 30))
    assert not rule.in_force(date(2025, 12, 31))
    assert not rule.in_force(date(2026, 7, 1))


def test_a_window_anchored_on_a_missing_value_asks_for_nothing() -> None:
    rule = compile_rule(STRUCTURING, scopes=SCOPES)
    (request,) = rule.aggregate_requests(created(deposit("46000", at=None)))
    assert request.missing_anchor
    outcome = rule.evaluate(created(deposit("46000", at=None)), {"near_threshold": None})
    assert not outcome.matched


def test_a_missing_aggregate_value_is_reported_not_guessed() -> None:
    rule = compile_rule(STRUCTURING, scopes=SCOPES)
    outcome = rule.evaluate(created(deposit("46000")), {})
    assert not outcome.matched
    assert [(p.code, p.pointer) for p in outcome.diagnostics] == [
        ("E_RULE_AGGREGATE_MISSING", "/aggregates/0")
    ]


def test_an_evaluation_error_is_a_diagnostic_with_a_pointer() -> None:
    spec = {
        "trigger": {"on": "record", "form": "loan"},
        "phase": "before_save",
        "condition": "amount / income > 5",
        "actions": [{"type": "block", "message": "too much"}],
    }
    outcome = compile_rule(spec, scopes=SCOPES).evaluate(
        created({"amount": 1, "income": 0}, "loan")
    )
    assert not outcome.matched
    assert outcome.diagnostics
    assert {p.pointer for p in outcome.diagnostics} == {"/condition"}


@pytest.mark.parametrize(
    ("change", "code", "pointer"),
    [
        ({"trigger": {"on": "record", "form": "nowhere"}}, "E_RULE_UNKNOWN_FORM", "/trigger/form"),
        ({"condition": "amount >"}, "E_RULE_EXPRESSION", "/condition"),
        ({"condition": "amount + 1"}, "E_RULE_CONDITION", "/condition"),
        ({"condition": "amont > 1"}, "E_RULE_EXPRESSION", "/condition"),
        ({"phase": "before_save"}, "E_RULE_PHASE", "/actions/0/type"),
        (
            {"effective_from": "2026-02-01", "effective_to": "2026-01-31"},
            "E_RULE_EFFECTIVE",
            "/effective_to",
        ),
        ({"salience": 5000}, "E_RULE_SCHEMA", "/salience"),
        ({"actions": []}, "E_RULE_SCHEMA", "/actions"),
    ],
)
def test_a_bad_rule_is_refused_with_a_code_and_pointer(
    change: dict[str, Any], code: str, pointer: str
) -> None:
    with pytest.raises(RuleDefinitionError) as refused:
        compile_rule({**STRUCTURING, **change}, scopes=SCOPES)
    assert (code, pointer) in [(p.code, p.pointer) for p in refused.value.problems]


def test_every_problem_is_listed_at_once_with_positions_in_feel_text() -> None:
    aggregate = {
        **STRUCTURING["aggregates"][0],
        "function": "sum",
        "field": "channel",
        "where": "it.colour = record.customer",
        "window": {"field": "customer", "before": "P7D", "anchor": "branch"},
    }
    action = {"type": "raise_alert", "form": "alert", "values": {"colour": '"red"'}}
    spec = {**STRUCTURING, "aggregates": [aggregate], "actions": [action]}
    with pytest.raises(RuleDefinitionError) as refused:
        compile_rule(spec, scopes=SCOPES)
    found = {(p.code, p.pointer) for p in refused.value.problems}
    assert found >= {
        ("E_RULE_AGGREGATE", "/aggregates/0/field"),
        ("E_RULE_EXPRESSION", "/aggregates/0/where"),
        ("E_RULE_WINDOW", "/aggregates/0/window/field"),
        ("E_RULE_WINDOW", "/aggregates/0/window/anchor"),
        ("E_RULE_UNKNOWN_FIELD", "/actions/0/values/colour"),
    }
    where = next(p for p in refused.value.problems if p.pointer == "/aggregates/0/where")
    assert (where.line, where.column) == (1, 1)


@pytest.mark.parametrize(
    ("action", "pointer", "english", "chinese"),
    [
        (
            {"type": "set_fields", "values": {"amount": '"lots"'}},
            "/actions/0/values/amount",
            "field `amount` takes a number; this expression gives a string",
            "字段 `amount` 的值应为数字，这个表达式的结果是文本",
        ),
        (
            {"type": "raise_alert", "form": "alert", "values": {"total": "at"}},
            "/actions/0/values/total",
            "field `total` takes a number; this expression gives a date and time",
            "字段 `total` 的值应为数字，这个表达式的结果是日期时间",
        ),
        (
            {"type": "create_record", "form": "loan", "values": {"due": "string(at)"}},
            "/actions/0/values/due",
            "field `due` takes a date; this expression gives a string",
            "字段 `due` 的值应为日期，这个表达式的结果是文本",
        ),
        (
            {
                "type": "update_records",
                "form": "alert",
                "where": "it.customer = record.customer",
                "values": {"note": "amount"},
            },
            "/actions/0/values/note",
            "field `note` takes a string; this expression gives a number",
            "字段 `note` 的值应为文本，这个表达式的结果是数字",
        ),
    ],
)
def test_a_value_its_field_cannot_take_is_refused(
    action: dict[str, Any], pointer: str, english: str, chinese: str
) -> None:
    """The records layer would refuse it when the rule runs, failing the save that triggered
    the rule: refused when the rule is published instead."""
    phase = "before_save" if action["type"] == "set_fields" else "after_save"
    spec = {**STRUCTURING, "aggregates": [], "condition": "true", "actions": [action]}
    spec["phase"] = phase
    with pytest.raises(RuleDefinitionError) as refused:
        compile_rule(spec, scopes=SCOPES)
    [problem] = refused.value.problems
    assert (problem.code, problem.pointer) == ("E_RULE_VALUE_TYPE", pointer)
    assert (problem.message, problem.zh_cn) == (english, chinese)


def test_values_of_the_types_their_fields_take_are_accepted() -> None:
    values = {"total": "amount * 2", "note": 'string(amount) + " " + channel', "kind": "null"}
    spec = {**STRUCTURING, "actions": [{"type": "raise_alert", "form": "alert", "values": values}]}
    assert compile_rule(spec, scopes=SCOPES).spec.actions[0].type == "raise_alert"


def test_a_where_that_cannot_run_in_the_database_is_refused() -> None:
    aggregate = {**STRUCTURING["aggregates"][0], "where": "count(it.customer) > 1"}
    with pytest.raises(RuleDefinitionError) as refused:
        compile_rule({**STRUCTURING, "aggregates": [aggregate]}, scopes=SCOPES)
    assert [p.pointer for p in refused.value.problems] == ["/aggregates/0/where"]


def test_scheduled_rules_check_their_cron_and_phase() -> None:
    spec = {
        "trigger": {"on": "schedule", "cron": "0 2 * * mon-fri", "timezone": "Asia/Shanghai"},
        "actions": [{"type": "create_record", "form": "alert", "values": {"note": '"daily"'}}],
    }
    rule = compile_rule(spec, scopes=SCOPES)
    assert rule.cron is not None
    assert rule.cron.next_after(NOW) == datetime(2026, 3, 9, 18, 0, tzinfo=UTC)
    assert rule.triggered_by(RuleEvent("schedule", NOW))
    assert not rule.triggered_by(created({}, "loan"))
    bad = {**spec, "trigger": {"on": "schedule", "cron": "0 25 * * *"}}
    with pytest.raises(RuleDefinitionError) as refused:
        compile_rule(bad, scopes=SCOPES)
    problem = refused.value.problems[0]
    assert (problem.code, problem.pointer) == ("E_RULE_CRON", "/trigger/cron")
    assert "hour" in problem.message


def test_examples_must_hold_before_a_rule_compiles() -> None:
    example = {
        "name": "third near-threshold deposit",
        "given": {
            "record": {
                "customer": "C9",
                "channel": "cash",
                "amount": 46000,
                "at": "2026-03-09T10:00:00Z",
            },
            "aggregates": {"near_threshold": 3},
        },
        "expect": {
            "matched": True,
            "actions": ["raise_alert"],
            "values": {"customer": "C9", "kind": "structuring"},
        },
    }
    compile_rule({**STRUCTURING, "examples": [example]}, scopes=SCOPES)
    wrong = {**example, "expect": {"matched": True, "values": {"kind": "smurfing"}}}
    quiet = {
        **example,
        "name": "quiet",
        "given": {**example["given"], "aggregates": {"near_threshold": 1}},
    }
    with pytest.raises(RuleDefinitionError) as refused:
        compile_rule({**STRUCTURING, "examples": [wrong, quiet]}, scopes=SCOPES)
    assert [(p.code, p.pointer) for p in refused.value.problems] == [
        ("E_RULE_EXAMPLE", "/examples/0"),
        ("E_RULE_EXAMPLE", "/examples/1"),
    ]
    assert "kind = 'smurfing'" in refused.value.problems[0].message
    assert "expected the rule to match" in refused.value.problems[1].message


def test_examples_type_their_records_by_the_form() -> None:
    """JSON has no dates or exact numbers: an example's record gives them as text, read as the
    field's type (as record input is), so date and amount rules can carry examples."""
    overdue: dict[str, Any] = {
        "trigger": {"on": "record", "form": "loan", "events": ["updated"]},
        "condition": 'due < date("2026-04-01") and amount >= 1000.50 and amount > previous.amount',
        "phase": "before_save",
        "actions": [{"type": "block", "message": "overdue loans cannot grow"}],
    }

    def example(due: str, amount: str, matched: bool) -> dict[str, Any]:
        return {
            "name": f"due {due}, amount {amount}",
            "given": {
                "event": "updated",
                "record": {"due": due, "amount": amount},
                "previous": {"due": due, "amount": "1000.49"},
            },
            "expect": {"matched": matched},
        }

    examples = [example("2026-03-31", "1000.50", True), example("2026-04-01", "5000", False)]
    compile_rule({**overdue, "examples": examples}, scopes=SCOPES)
    with pytest.raises(RuleDefinitionError) as refused:  # text that is no date stays text
        compile_rule(
            {**overdue, "examples": [example("31/03/2026", "1000.50", True)]}, scopes=SCOPES
        )
    assert [p.pointer for p in refused.value.problems] == ["/examples/0"]
