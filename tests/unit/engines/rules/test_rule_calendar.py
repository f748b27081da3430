"""Rules use the business calendar the platform passes in the evaluation context: a computed due
date in working days, and null plus `E_NO_CALENDAR` when no calendar was passed."""

from __future__ import annotations

from datetime import UTC, date, datetime

from brickwork.engines.expr import EvaluationContext, Scope
from brickwork.engines.rules.calendar import BusinessCalendar
from brickwork.engines.rules.eca import RuleEvent, SetFieldsEffect, compile_rule

SCOPES = {"loan": Scope.of({"amount": "number", "applied": "date", "due": "date"})}
DUE_IN_THREE_WORKING_DAYS = {
    "trigger": {"on": "record", "form": "loan", "events": ["created"]},
    "phase": "before_save",
    "condition": "true",
    "actions": [
        {"type": "set_fields", "values": {"due": "add working days(applied, 3)"}},
    ],
}
# National Day 2025: 1-8 October off, Saturday 11 October worked.
CN = BusinessCalendar(
    key="cn",
    holidays=tuple(date(2025, 10, day) for day in range(1, 9)),
    make_up_working_days=(date(2025, 9, 28), date(2025, 10, 11)),
)
NOW = datetime(2025, 9, 30, 9, 0, tzinfo=UTC)


def _event() -> RuleEvent:
    return RuleEvent(kind="created", now=NOW, form="loan", record={"applied": date(2025, 9, 30)})


def test_a_rule_counts_working_days_on_the_calendar_of_the_context() -> None:
    rule = compile_rule(DUE_IN_THREE_WORKING_DAYS, scopes=SCOPES)
    context = EvaluationContext(now=NOW, calendar=CN)
    outcome = rule.evaluate(_event(), {}, context=context)
    # 9 Oct (Thu), 10 Oct (Fri), then the make-up Saturday 11 Oct
    assert outcome.effects == (SetFieldsEffect({"due": date(2025, 10, 11)}),)
    assert outcome.diagnostics == ()


def test_without_a_calendar_the_value_is_null_with_a_diagnostic() -> None:
    rule = compile_rule(DUE_IN_THREE_WORKING_DAYS, scopes=SCOPES)
    outcome = rule.evaluate(_event(), {}, context=EvaluationContext(now=NOW))
    assert outcome.effects == (SetFieldsEffect({"due": None}),)
    assert [p.code for p in outcome.diagnostics] == ["E_NO_CALENDAR"]
