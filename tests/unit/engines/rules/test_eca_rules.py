"""Event-condition-action rules through the engine API: the AML structuring rule with
aggregates supplied as the platform computes them, before-save blocks, salience, shadow mode,
effective dating, the cascade limit and the embedded examples."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from rules_support import SCOPES, block_rule, structuring_rule

from brickwork.engines.expr.sql_ir import SqlColumn
from brickwork.engines.rules.calendar import BusinessCalendar
from brickwork.engines.rules.eca import (
    AlertEffect,
    BlockEffect,
    RuleSet,
    SetFieldsEffect,
    TriggerEvent,
    check_publishable,
    compile_rules,
    evaluate,
    run_examples,
)


def deposit(day: int, amount: str, customer: str = "C-1", kind: str = "cash") -> dict[str, Any]:
    at = datetime(2025, 3, day, 10, 0, tzinfo=UTC)
    return {"customer": customer, "amount": Decimal(amount), "kind": kind, "deposited_at": at}


def created(form: str, record: dict[str, Any], **more: Any) -> TriggerEvent:
    as_of = more.pop("as_of", datetime(2025, 3, 10, tzinfo=UTC))
    return TriggerEvent(kind="created", form=form, record=record, as_of=as_of, **more)


class Platform:
    """Computes aggregates the way the platform's SQL does, over an in-memory table."""

    def __init__(self, ruleset: RuleSet) -> None:
        self.ruleset = ruleset
        self.rows: list[dict[str, Any]] = []

    def save(self, record: dict[str, Any]) -> tuple[AlertEffect, ...]:
        self.rows.append(record)
        event = created("cash_deposit", record, as_of=record["deposited_at"])
        values: dict[str, dict[str, Any]] = {}
        for request in self.ruleset.aggregate_requests(event):
            params = request.parameters["params"]
            window = request.window
            assert window is not None
            matching = [
                row
                for row in self.rows
                if row["customer"] == request.parameters["record"]["customer"]
                and row["kind"] == "cash"
                and params["low"] <= row["amount"] <= params["high"]
                and window.start <= row[window.field] <= window.end
            ]
            column = [row["amount"] for row in matching]
            value = len(matching) if request.spec.function == "count" else sum(column)
            values.setdefault(request.rule, {})[request.name] = value
        outcome = evaluate(self.ruleset, event, values)
        return tuple(e for e in outcome.effects if isinstance(e, AlertEffect))


def test_structuring_raises_one_alert_on_the_third_deposit() -> None:
    ruleset = compile_rules([structuring_rule()], SCOPES)
    bank = Platform(ruleset)
    assert bank.save(deposit(1, "45000")) == ()
    assert bank.save(deposit(3, "49999.99")) == ()
    assert bank.save(deposit(4, "30000")) == ()  # below the band: not counted
    (alert,) = bank.save(deposit(6, "47000"))
    assert alert.alert_form == "aml_alert"
    assert alert.severity == "high"
    assert alert.values == {
        "customer": "C-1",
        "deposits": Decimal(3),
        "total": Decimal("141999.99"),
    }
    assert alert.title == "Possible structuring by C-1"
    assert alert.message == "3 cash deposits totalling 141999.99 within 7 days"
    assert alert.dedup is not None
    assert alert.dedup.value == "aml_structuring:C-1"
    assert alert.dedup.since == datetime(2025, 2, 27, 10, tzinfo=UTC)
    assert alert.trace.aggregates == {"near_threshold": 3, "near_total": Decimal("141999.99")}
    assert alert.trace.bindings == {"in_band": True}


def test_the_dedup_key_keeps_a_fourth_deposit_from_raising_again() -> None:
    bank = Platform(compile_rules([structuring_rule()], SCOPES))
    raised: list[AlertEffect] = []

    def save(record: dict[str, Any]) -> None:
        for alert in bank.save(record):
            assert alert.dedup is not None
            since = alert.dedup.since
            if not any(
                old.dedup is not None
                and old.dedup.value == alert.dedup.value
                and (since is None or old.dedup.at >= since)
                for old in raised
            ):
                raised.append(alert)

    for day, amount in ((1, "45000"), (3, "46000"), (6, "47000"), (7, "48000")):
        save(deposit(day, amount))
    assert [a.values["deposits"] for a in raised] == [3]
    for day, amount in ((20, "45000"), (21, "46000"), (22, "47000")):
        save(deposit(day, amount))  # a new window two weeks later raises again
    assert [a.values["deposits"] for a in raised] == [3, 3]


def test_structuring_spread_over_eight_days_raises_nothing() -> None:
    bank = Platform(compile_rules([structuring_rule()], SCOPES))
    assert bank.save(deposit(1, "45000")) == ()
    assert bank.save(deposit(5, "46000")) == ()
    assert bank.save(deposit(9, "47000")) == ()  # the first is 8 days back


def test_aggregate_requests_resolve_the_window_and_expose_the_filter() -> None:
    ruleset = compile_rules([structuring_rule()], SCOPES)
    event = created("cash_deposit", deposit(6, "47000"))
    first, second = ruleset.aggregate_requests(event)
    assert (first.rule, first.name, first.spec.function) == ("aml_structuring", "near_threshold",
                                                             "count")  # fmt: skip
    assert (second.spec.function, second.spec.field) == ("sum", "amount")
    assert first.window is not None
    assert first.window.start == datetime(2025, 2, 27, 10, tzinfo=UTC)
    assert first.window.end == datetime(2025, 3, 6, 10, tzinfo=UTC)
    assert (first.window.include_start, first.window.include_end) == (True, True)
    assert first.parameters["params"]["low"] == Decimal(45000)
    assert first.spec.filter_source is not None
    assert "it.customer = record.customer" in first.spec.filter_source
    columns = _columns(first.spec.filter_sql)
    assert ("it", "customer") in columns
    assert ("record", "customer") in columns
    assert ("params", "high") in columns
    assert ruleset.aggregate_specs("aml_structuring") == (first.spec, second.spec)


def _columns(node: object) -> set[tuple[str, ...]]:
    found: set[tuple[str, ...]] = set()
    if isinstance(node, SqlColumn):
        return {node.path}
    for name in getattr(node, "__dataclass_fields__", {}):
        value = getattr(node, name)
        for item in value if isinstance(value, tuple) else (value,):
            found |= _columns(item)
    return found


def test_a_missing_aggregate_is_an_error_in_the_trace() -> None:
    ruleset = compile_rules([structuring_rule()], SCOPES)
    outcome = evaluate(ruleset, created("cash_deposit", deposit(6, "47000")), {})
    (result,) = outcome.results
    assert result.status == "error"
    assert result.trace.reason == "aggregate `near_threshold` was not supplied"
    assert outcome.effects == ()


def test_before_save_block_has_message_and_pointer() -> None:
    ruleset = compile_rules([block_rule()], SCOPES)
    event = TriggerEvent(
        kind="created", form="loan", record={"amount": Decimal(2_000_000)},
        as_of=datetime(2025, 3, 1, tzinfo=UTC), phase="before_save",
    )  # fmt: skip
    (block,) = evaluate(ruleset, event).blocks
    assert isinstance(block, BlockEffect)
    assert block.pointer == "/amount"
    assert block.text == "Loans above 1,000,000 need a committee"
    # the same rule is not triggered after the save, nor by a small loan
    assert evaluate(ruleset, replace(event, phase="after_save")).results == ()
    small = replace(event, record={"amount": Decimal(5)})
    (result,) = evaluate(ruleset, small).results
    assert (result.status, result.trace.reason) == ("not_matched", "condition was false")


def _set_rule(key: str, salience: int, value: str, **more: Any) -> dict[str, Any]:
    return {
        "key": key, "label": key, "salience": salience, "phase": "before_save",
        "trigger": {"type": "record", "form": "loan", "events": ["created"]},
        "actions": [{"type": "set_fields", "id": "set", "values": {"tier": value}}], **more,
    }  # fmt: skip


def test_salience_orders_rules_and_later_rules_see_computed_fields() -> None:
    rules = [
        _set_rule("b_low", 1, '"low"'),
        _set_rule("a_high", 10, '"high"'),
        _set_rule("c_same", 1, 'record.tier + "!"'),
        _set_rule("d_first", 1000, '"first"', condition="record.amount > 0"),
    ]
    ruleset = compile_rules(rules, SCOPES)
    event = TriggerEvent(
        kind="created", form="loan", record={"amount": Decimal(1)},
        as_of=datetime(2025, 3, 1, tzinfo=UTC), phase="before_save",
    )  # fmt: skip
    outcome = evaluate(ruleset, event)
    assert [r.rule for r in outcome.results] == ["d_first", "a_high", "b_low", "c_same"]
    values = [e.values["tier"] for e in outcome.effects if isinstance(e, SetFieldsEffect)]
    assert values == ["first", "high", "low", "low!"]


def test_shadow_mode_computes_effects_but_applies_nothing() -> None:
    ruleset = compile_rules([structuring_rule(shadow=True)], SCOPES)
    event = created("cash_deposit", deposit(6, "47000"))
    outcome = evaluate(ruleset, event, {"aml_structuring": {"near_threshold": 3,
                                                            "near_total": Decimal(1)}})  # fmt: skip
    (result,) = outcome.results
    assert result.shadow
    assert result.status == "matched"
    assert [type(e) for e in result.effects] == [AlertEffect]
    assert outcome.effects == ()


def test_effective_dating_of_rules_and_parameters() -> None:
    rule = structuring_rule(
        effective_from="2025-01-01T00:00:00Z", effective_to="2026-01-01T00:00:00Z"
    )
    rule["parameters"][2]["versions"].append(
        {"effective_from": "2025-06-01T00:00:00Z", "value": "2"}
    )
    ruleset = compile_rules([rule], SCOPES)
    two = {"aml_structuring": {"near_threshold": 2, "near_total": Decimal(90000)}}

    def outcome_at(as_of: datetime) -> str:
        event = created("cash_deposit", deposit(6, "47000"), as_of=as_of)
        (result,) = evaluate(ruleset, event, two).results
        return result.status

    assert outcome_at(datetime(2024, 12, 31, 23, 59, tzinfo=UTC)) == "not_effective"
    assert outcome_at(datetime(2025, 3, 1, tzinfo=UTC)) == "not_matched"  # min_count 3 then
    assert outcome_at(datetime(2025, 6, 1, tzinfo=UTC)) == "matched"  # min_count 2 from June
    assert outcome_at(datetime(2026, 1, 1, tzinfo=UTC)) == "not_effective"  # `to` is exclusive
    event = created("cash_deposit", deposit(6, "47000"), as_of=datetime(2024, 1, 1, tzinfo=UTC))
    assert ruleset.aggregate_requests(event) == ()


def test_cascade_limit_names_the_rule_chain() -> None:
    rule = {
        "key": "touch", "label": "touch", "phase": "after_save",
        "trigger": {"type": "record", "form": "loan", "events": ["updated"]},
        "actions": [{"type": "update_records", "id": "again", "form": "loan",
                     "filter": "it.applicant = record.applicant",
                     "values": {"rate": "it.rate + 1"}}],
    }  # fmt: skip
    ruleset = compile_rules([rule], SCOPES, cascade_limit=2)
    event = TriggerEvent(
        kind="updated", form="loan", record={"applicant": "A"}, previous={"applicant": "B"},
        as_of=datetime(2025, 3, 1, tzinfo=UTC),
    )  # fmt: skip
    outcome = evaluate(ruleset, event)
    (update,) = outcome.effects
    assert update.values_for({"rate": Decimal(2)}) == {"rate": Decimal(3)}  # type: ignore[union-attr]
    assert evaluate(ruleset, replace(event, cascade=("touch",))).error is None
    deep = replace(event, cascade=("touch", "touch"))
    stopped = evaluate(ruleset, deep)
    assert stopped.error is not None
    assert stopped.error.code == "E_RULE_CASCADE_LIMIT"
    assert stopped.error.chain == ("touch", "touch", "touch")
    assert "touch -> touch -> touch" in stopped.error.message
    assert stopped.effects == ()


def test_changed_fields_and_flow_schedule_manual_triggers() -> None:
    rules = [
        {"key": "rate_changed", "label": "r", "trigger": {"type": "record", "form": "loan",
         "events": ["updated"], "changed_fields": ["rate"]},
         "actions": [{"type": "notify", "id": "n", "channel": "in_app",
                      "recipients": [{"kind": "field", "value": "applicant"},
                                     {"kind": "role", "value": "credit"}],
                      "body": "Rate now {{ record.rate }} (was {{ previous.rate }})"}]},
        {"key": "approved", "label": "a", "trigger": {"type": "flow", "flow": "loan_approval",
         "events": ["approved"], "node": "committee", "form": "loan"},
         "actions": [{"type": "start_flow", "id": "disburse", "flow": "disbursement",
                      "inputs": {"amount": "record.amount"}}]},
        {"key": "nightly", "label": "n", "trigger": {"type": "schedule", "cron": "0 2 * * *",
         "time_zone": "Asia/Shanghai"},
         "actions": [{"type": "create_record", "id": "mark", "form": "aml_alert",
                      "values": {"customer": '"batch"'}}]},
    ]  # fmt: skip
    ruleset = compile_rules(rules, SCOPES)
    as_of = datetime(2025, 3, 1, tzinfo=UTC)
    base = {"form": "loan", "as_of": as_of, "previous": {"rate": Decimal(1), "amount": 1}}
    moved = TriggerEvent(kind="updated", record={"rate": Decimal(2), "amount": 1,
                                                 "applicant": "u7"}, **base)  # fmt: skip
    (notify,) = evaluate(ruleset, moved).effects
    assert notify.body == "Rate now 2 (was 1)"  # type: ignore[union-attr]
    assert notify.recipients == (("user", "u7"), ("role", "credit"))  # type: ignore[union-attr]
    still = TriggerEvent(kind="updated", record={"rate": Decimal(1), "amount": 2}, **base)
    assert evaluate(ruleset, still).results == ()
    flow = TriggerEvent(kind="approved", flow="loan_approval", node="committee", as_of=as_of,
                        record={"amount": Decimal(7)})  # fmt: skip
    (start,) = evaluate(ruleset, flow).effects
    assert start.inputs == {"amount": Decimal(7)}  # type: ignore[union-attr]
    other_node = replace(flow, node="manager")
    assert evaluate(ruleset, other_node).results == ()
    tick = TriggerEvent(kind="schedule", rule="nightly", as_of=as_of)
    assert [r.rule for r in evaluate(ruleset, tick).results] == ["nightly"]
    assert ruleset.rule("nightly").schedule is not None


def test_working_day_functions_use_the_rules_calendar() -> None:
    rule = {
        "key": "due", "label": "due", "phase": "before_save", "calendar": "cn",
        "trigger": {"type": "record", "form": "loan", "events": ["created"]},
        "actions": [{"type": "set_fields", "id": "due",
                     "values": {"due": "add working days(date($now), 3)"}}],
    }  # fmt: skip
    calendar = BusinessCalendar(key="cn", holidays=(date(2025, 3, 4),))
    ruleset = compile_rules([rule], SCOPES, calendars={"cn": calendar})
    event = TriggerEvent(kind="created", form="loan", record={}, phase="before_save",
                         as_of=datetime(2025, 3, 3, 9, tzinfo=UTC))  # fmt: skip
    (effect,) = evaluate(ruleset, event).effects
    assert effect.values == {"due": date(2025, 3, 7)}  # type: ignore[union-attr]
    no_calendar = compile_rules([{**rule, "calendar": None}], SCOPES)
    (result,) = evaluate(no_calendar, event).results
    assert result.effects[0].values == {"due": None}  # type: ignore[union-attr]
    assert any("E_NO_CALENDAR" in d for d in result.trace.diagnostics)


def test_embedded_examples_pass_and_failures_are_reported() -> None:
    ruleset = compile_rules([structuring_rule(), block_rule()], SCOPES)
    report = run_examples(ruleset)
    assert report.ok, report.render()
    assert len(report.results) == 3
    wrong = structuring_rule()
    wrong["examples"][0]["expect"]["actions"][0]["values"]["deposits"] = 4
    wrong["examples"][1]["expect"] = {"outcome": "actions", "actions": [{"action": "alert"}]}
    report = run_examples(compile_rules([wrong], SCOPES))
    assert not report.ok
    assert [f.example for f in report.failures] == ["third_deposit", "second_deposit"]
    text = report.render()
    assert "alert.deposits: expected Decimal('4'), got Decimal('3')" in text
    assert "expected actions, but the rule did not act (condition was false)" in text
    assert "0 of 2 examples passed" in text


def test_block_example_with_a_wrong_message_fails() -> None:
    rule = block_rule()
    rule["examples"][0]["expect"]["message"] = "something else"
    given = {"record": {"amount": 5}, "now": "2025-03-01T00:00:00Z"}
    rule["examples"].append({"id": "small", "given": given, "expect": {"outcome": "block"}})
    report = run_examples(compile_rules([rule], SCOPES))
    assert [f.failures for f in report.failures] == [
        ("expected block message 'something else', got 'Loans above 1,000,000 need a committee'",),
        ("expected block, but the rule did not act (condition was false)",),
    ]


def test_dedup_ever_has_no_window() -> None:
    rule = structuring_rule(dedup={"key": "record.customer", "scope": "ever"})
    ruleset = compile_rules([rule], SCOPES)
    event = created("cash_deposit", deposit(6, "47000"))
    supplied = {"aml_structuring": {"near_threshold": 3, "near_total": Decimal(1)}}
    (alert,) = evaluate(ruleset, event, supplied).effects
    assert alert.dedup is not None  # type: ignore[union-attr]
    assert alert.dedup.since is None  # type: ignore[union-attr]


def test_publishing_is_refused_while_an_example_fails() -> None:
    assert check_publishable(structuring_rule(), SCOPES) == ()
    wrong = structuring_rule()
    wrong["examples"][1]["expect"] = {"outcome": "actions", "actions": [{"action": "alert"}]}
    (problem,) = check_publishable(wrong, SCOPES)
    assert (problem.code, problem.pointer) == ("E_RULE_EXAMPLE_FAILED", "/examples/1")
    assert "second_deposit" in problem.message
    (invalid,) = check_publishable(structuring_rule(condition="record.amount"), SCOPES)
    assert invalid.code == "E_RULE_NOT_BOOLEAN"


def test_templates_are_sandboxed() -> None:
    rule = structuring_rule()
    rule["actions"][0]["title"] = "{{ record.__class__.__mro__ }}"
    ruleset = compile_rules([rule], SCOPES)
    supplied = {"aml_structuring": {"near_threshold": 3, "near_total": Decimal(1)}}
    outcome = evaluate(ruleset, created("cash_deposit", deposit(6, "47000")), supplied)
    (alert,) = outcome.effects
    assert alert.title is None  # type: ignore[union-attr]
    (problem,) = outcome.results[0].trace.diagnostics
    assert problem.startswith("alert.title: E_RULE_TEMPLATE")
