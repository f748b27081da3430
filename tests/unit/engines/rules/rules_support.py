"""Shared rule definitions and form scopes for the ECA rule tests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from brickwork.engines.expr import Scope

SCOPES = {
    "cash_deposit": Scope.of(
        {
            "customer": "string",
            "amount": "number",
            "kind": "string",
            "deposited_at": "date and time",
            "branch": "string",
        }
    ),
    "aml_alert": Scope.of({"customer": "string", "deposits": "number", "total": "number"}),
    "loan": Scope.of(
        {
            "amount": "number",
            "term_months": "number",
            "rate": "number",
            "tier": "string",
            "due": "date",
            "applicant": "string",
        }
    ),
}

T0 = datetime(2025, 3, 1, tzinfo=UTC)


def structuring_rule(**changes: Any) -> dict[str, Any]:
    """3 cash deposits between 45,000 and 49,999.99 within 7 days by one customer."""
    rule: dict[str, Any] = {
        "key": "aml_structuring",
        "label": {"en": "Structuring: repeated cash deposits below the reporting threshold"},
        "trigger": {"type": "record", "form": "cash_deposit", "events": ["created"]},
        "phase": "after_save",
        "parameters": [
            {
                "name": "low",
                "type": "number",
                "versions": [{"effective_from": "2020-01-01T00:00:00Z", "value": "45000"}],
            },
            {
                "name": "high",
                "type": "number",
                "versions": [{"effective_from": "2020-01-01T00:00:00Z", "value": "49999.99"}],
            },
            {
                "name": "min_count",
                "type": "number",
                "versions": [{"effective_from": "2020-01-01T00:00:00Z", "value": "3"}],
            },
        ],
        "aggregates": [
            {
                "name": "near_threshold",
                "form": "cash_deposit",
                "function": "count",
                "filter": 'it.customer = record.customer and it.kind = "cash" and '
                "it.amount >= params.low and it.amount <= params.high",
                "window": {
                    "field": "deposited_at",
                    "within": "P7D",
                    "direction": "before",
                    "relative_to": "deposited_at",
                },
            },
            {
                "name": "near_total",
                "form": "cash_deposit",
                "function": "sum",
                "field": "amount",
                "filter": 'it.customer = record.customer and it.kind = "cash" and '
                "it.amount >= params.low and it.amount <= params.high",
                "window": {
                    "field": "deposited_at",
                    "within": "P7D",
                    "relative_to": "deposited_at",
                },
            },
        ],
        "let": [
            {
                "name": "in_band",
                "expression": "record.amount >= params.low and record.amount <= params.high",
            }
        ],
        "condition": 'record.kind = "cash" and in_band and near_threshold >= params.min_count',
        "actions": [
            {
                "type": "raise_alert",
                "id": "alert",
                "alert_form": "aml_alert",
                "severity": "high",
                "title": "Possible structuring by {{ record.customer }}",
                "message": "{{ near_threshold }} cash deposits totalling {{ near_total }} "
                "within 7 days",
                "values": {
                    "customer": "record.customer",
                    "deposits": "near_threshold",
                    "total": "near_total",
                },
            }
        ],
        "dedup": {"key": "record.customer", "scope": "window", "window_of": "near_threshold"},
        "examples": [
            {
                "id": "third_deposit",
                "given": {
                    "record": {
                        "customer": "C-1",
                        "amount": "48000",
                        "kind": "cash",
                        "deposited_at": "2025-03-07T10:00:00+00:00",
                    },
                    "aggregates": {"near_threshold": 3, "near_total": "142000"},
                    "now": "2025-03-07T10:00:01Z",
                },
                "expect": {
                    "outcome": "actions",
                    "actions": [
                        {
                            "action": "alert",
                            "values": {
                                "deposits": 3,
                                "total": "142000",
                                "dedup_key": "aml_structuring:C-1",
                            },
                        }
                    ],
                },
            },
            {
                "id": "second_deposit",
                "given": {
                    "record": {
                        "customer": "C-1",
                        "amount": "46000",
                        "kind": "cash",
                        "deposited_at": "2025-03-05T10:00:00+00:00",
                    },
                    "aggregates": {"near_threshold": 2, "near_total": "94000"},
                    "now": "2025-03-05T10:00:01Z",
                },
                "expect": {"outcome": "no_action"},
            },
        ],
    }
    rule.update(changes)
    return rule


def block_rule(**changes: Any) -> dict[str, Any]:
    rule: dict[str, Any] = {
        "key": "loan_limit",
        "label": "Loan amount limit",
        "trigger": {"type": "record", "form": "loan", "events": ["created", "updated"]},
        "phase": "before_save",
        "condition": "record.amount > 1000000",
        "actions": [
            {
                "type": "block",
                "id": "too_much",
                "message": {"en": "Loans above 1,000,000 need a committee", "zh-CN": "超过限额"},
                "field": "amount",
            }
        ],
        "examples": [
            {
                "id": "big",
                "given": {"record": {"amount": "2000000"}, "now": "2025-03-01T00:00:00Z"},
                "expect": {
                    "outcome": "block",
                    "message": "Loans above 1,000,000 need a committee",
                },
            }
        ],
    }
    rule.update(changes)
    return rule
