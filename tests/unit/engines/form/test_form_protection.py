"""The default protection is written into drafts, which may not validate yet: what it does not
understand it leaves alone, whatever its shape (a field id that is a list answered a server
error when such a draft was saved)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from brickwork.engines.form.protection import fields_by_id, with_protection

TODAY = date(2026, 12, 7)
RESIDENT = {"id": "f_rid", "key": "resident_no", "type": "resident_id", "label": "ID"}


def test_a_new_identifier_field_is_encrypted_and_a_published_one_keeps_its_storage() -> None:
    spec = {"fields": [RESIDENT, {"id": "f_name", "key": "name", "type": "text", "label": "N"}]}
    [resident, name] = with_protection(spec, published={}, today=TODAY)["fields"]
    assert resident["encrypted"] is True
    assert "encrypted" not in name
    published = fields_by_id({"fields": [{**RESIDENT, "encrypted": False}]})
    [kept, _name] = with_protection(spec, published=published, today=TODAY)["fields"]
    assert kept["encrypted"] is False


@pytest.mark.parametrize(
    "odd",
    [
        {**RESIDENT, "id": ["f_rid"]},
        {**RESIDENT, "id": {"a": 1}},
        {**RESIDENT, "id": "f_new", "type": []},
        {**RESIDENT, "id": "f_new", "type": {"x": 1}},
        {**RESIDENT, "key": ["resident_no"]},
        "resident_no",
        None,
        [RESIDENT],
    ],
)
def test_fields_of_any_shape_are_left_alone(odd: Any) -> None:
    spec = {"fields": [odd, {"id": "f_c", "key": "c", "type": "text", "label": "C"}]}
    protected = with_protection(spec, published={"f_rid": RESIDENT}, today=TODAY)
    first = protected["fields"][0]
    if isinstance(first, dict):  # an identifier without a usable id is new: encrypted
        first = {key: value for key, value in first.items() if key != "encrypted"}
    assert first == odd
    assert protected["fields"][1] == spec["fields"][1]
