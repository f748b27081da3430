"""A form publish is checked by what depends on the form (its app's rules, flows and reports)
before its table changes. A field replaced under the same key (a new element id: removed and
added) made the rules' check read the form's published version through the already changed
table and answer 500."""

from __future__ import annotations

from typing import Any

from drafts import app_with_form, draft
from fastapi.testclient import TestClient

API = "/api/v1"
APP = f"{API}/apps/desk"
FIELDS: list[dict[str, Any]] = [
    {"id": "f_customer", "key": "customer", "type": "text", "label": "Customer"},
    {"id": "f_note", "key": "note", "type": "text", "label": "Note"},
]
RULE = {
    "trigger": {"on": "record", "form": "case", "events": ["created"]},
    "phase": "before_save",
    "condition": 'customer = "ACME"',
    "actions": [{"type": "set_fields", "values": {"note": '"key account"'}}],
}


def test_a_field_replaced_under_its_key_publishes_while_a_rule_reads_the_form(
    client: TestClient,
) -> None:
    app_with_form(client, APP, "case", FIELDS)
    draft(client, APP, "rule", "key_account", RULE)
    assert client.post(f"{APP}/definitions/rule/key_account/publish").status_code == 201
    before = client.post(f"{APP}/forms/case/records", json={"customer": "ACME"})
    assert before.status_code == 201, before.text
    assert before.json()["note"] == "key account"
    replaced = {**FIELDS[1], "id": "f_note_2"}  # same key, another field
    draft(client, APP, "form", "case", {"fields": [FIELDS[0], replaced]})
    published = client.post(f"{APP}/definitions/form/case/publish")
    assert published.status_code == 201, published.text
    after = client.post(f"{APP}/forms/case/records", json={"customer": "ACME"})
    assert after.status_code == 201, after.text
    assert after.json()["note"] == "key account"
    listed = client.get(f"{APP}/forms/case/records")
    assert listed.status_code == 200, listed.text
    assert len(listed.json()["items"]) == 2
