"""The notify action in the rules engine: its shape, the refusals at compile time (with
pointers), and the effect it emits (the action's parts; the platform renders and delivers)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from brickwork.engines.expr import Scope
from brickwork.engines.rules import NotifyEffect
from brickwork.engines.rules.eca import RuleDefinitionError, RuleEvent, compile_rule
from brickwork.engines.rules.rule_definition import Recipient

SCOPES = {"deposit": Scope.of({"customer": "string", "amount": "number", "rm": "string"})}
NOW = datetime(2026, 3, 9, 10, 0, tzinfo=UTC)
NOTIFY: dict[str, Any] = {
    "type": "notify",
    "channel": "in_app",
    "to": [{"user": "alice"}, {"role": "aml_officer"}, {"field": "rm"}, {"owner": True}],
    "subject": "Large deposit by {{ record.customer }}",
    "body": "{{ record.amount }}",
}


def rule(*actions: dict[str, Any], **more: Any) -> dict[str, Any]:
    return {
        "trigger": {"on": "record", "form": "deposit", "events": ["created"]},
        "condition": "amount > 1000",
        "actions": list(actions),
        **more,
    }


def refusals(spec: dict[str, Any]) -> set[tuple[str, str]]:
    with pytest.raises(RuleDefinitionError) as caught:
        compile_rule(spec, scopes=SCOPES)
    return {(p.pointer, p.code) for p in caught.value.problems}


def test_a_matching_rule_emits_the_notify_action_as_data() -> None:
    compiled = compile_rule(rule(NOTIFY), scopes=SCOPES)
    event = RuleEvent("created", NOW, "deposit", {"customer": "C1", "amount": 5000, "rm": "bob"})
    outcome = compiled.evaluate(event)
    (effect,) = outcome.effects
    assert effect == NotifyEffect(
        0,
        "in_app",
        (
            Recipient(user="alice"),
            Recipient(role="aml_officer"),
            Recipient(field="rm"),
            Recipient(owner=True),
        ),
        None,
        NOTIFY["subject"],
        NOTIFY["body"],
    )
    quiet = compiled.evaluate(RuleEvent("created", NOW, "deposit", {"amount": 10}))
    assert quiet.effects == ()


def test_examples_name_the_notify_action_by_type() -> None:
    example = {
        "name": "a large deposit notifies",
        "given": {"record": {"customer": "C1", "amount": 5000}},
        "expect": {"matched": True, "actions": ["notify"]},
    }
    compile_rule(rule(NOTIFY, examples=[example]), scopes=SCOPES)
    wrong = {**example, "expect": {"matched": True, "actions": ["raise_alert"]}}
    assert refusals(rule(NOTIFY, examples=[wrong])) == {("/examples/0", "E_RULE_EXAMPLE")}


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        ({**NOTIFY, "to": []}, {("/actions/0/to", "E_RULE_NOTIFY")}),
        (
            {**NOTIFY, "to": [{"field": "branch"}]},
            {("/actions/0/to/0/field", "E_RULE_UNKNOWN_FIELD")},
        ),
        ({**NOTIFY, "webhook": "siem"}, {("/actions/0/webhook", "E_RULE_NOTIFY")}),
        (
            {**NOTIFY, "channel": "webhook"},
            {("/actions/0/webhook", "E_RULE_NOTIFY"), ("/actions/0/to", "E_RULE_NOTIFY")},
        ),
        (
            {**NOTIFY, "to": [{"user": "alice", "role": "x"}]},
            {("/actions/0/to/0", "E_RULE_SCHEMA")},
        ),
        ({**NOTIFY, "to": [{"owner": False}]}, {("/actions/0/to/0/owner", "E_RULE_SCHEMA")}),
        ({**NOTIFY, "subject": ""}, {("/actions/0/subject", "E_RULE_SCHEMA")}),
        ({**NOTIFY, "channel": "sms"}, {("/actions/0/channel", "E_RULE_SCHEMA")}),
    ],
)
def test_a_notify_action_that_cannot_be_carried_out_is_refused(
    action: dict[str, Any], expected: set[tuple[str, str]]
) -> None:
    found = refusals(rule(action))
    assert expected <= found
    assert {code for _pointer, code in found - expected} <= {"E_RULE_SCHEMA"}


def test_webhook_notices_name_a_key_and_no_recipients() -> None:
    action = {"type": "notify", "channel": "webhook", "webhook": "siem", "subject": "x"}
    compiled = compile_rule(rule(action), scopes=SCOPES)
    event = RuleEvent("created", NOW, "deposit", {"amount": 5000})
    (effect,) = compiled.evaluate(event).effects
    assert isinstance(effect, NotifyEffect)
    assert (effect.channel, effect.webhook, effect.recipients) == ("webhook", "siem", ())


def test_notices_act_only_after_the_save_and_a_schedule_has_no_record_to_follow() -> None:
    before = rule(NOTIFY, phase="before_save")
    assert refusals(before) == {("/actions/0/type", "E_RULE_PHASE")}
    scheduled = {
        "trigger": {"on": "schedule", "cron": "0 2 * * *"},
        "actions": [{**NOTIFY, "to": [{"user": "alice"}, {"owner": True}, {"field": "rm"}]}],
    }
    assert refusals(scheduled) == {
        ("/actions/0/to/1", "E_RULE_NOTIFY"),
        ("/actions/0/to/2", "E_RULE_NOTIFY"),
    }


def test_the_documented_notify_action_compiles() -> None:
    doc = Path(__file__).resolve().parents[4] / "docs" / "rules-eca.md"
    section = doc.read_text(encoding="utf-8").split("## 7. Notifications")[1]
    action = json.loads(re.findall(r"```json\n(.*?)```", section, re.S)[0])
    scopes = {
        "deposit": Scope.of(
            {
                "customer": "string",
                "amount": "number",
                "phone": "string",
                "relationship_manager": "string",
            }
        )
    }
    compiled = compile_rule(rule(action), scopes=scopes)
    (effect,) = compiled.evaluate(RuleEvent("created", NOW, "deposit", {"amount": 5000})).effects
    assert isinstance(effect, NotifyEffect)
    assert len(effect.recipients) == 4
