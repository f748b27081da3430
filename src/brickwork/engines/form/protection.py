"""Protection a form definition gets by default: encryption of identifiers, and of values computed
from encrypted fields.

- An identifier field of class C2 or above (resident ID, which also covers permits and foreign
  permanent residence cards; passport, bank card, mobile phone, IBAN) that is new in the
  definition and does not say `encrypted` is stored encrypted: `"encrypted": true` is written
  into the definition. Storing one in clear takes an explicit `"encrypted": false`.
- A top-level computed field whose value derives from an encrypted field (directly or through
  other computed fields) inherits the protection: when new and silent it becomes encrypted too,
  and when it does not name a `sensitivity` it takes the highest class of those fields (at most
  C2 while it is stored in clear, since C3 is never stored in clear).

"New" means: its element id is not in the latest published version. A field already published
keeps its storage: when the draft does not say `encrypted`, the published version's choice is
written out (a client that sends a spec without the key never flips a field between clear and
encrypted by omission), and a field published in clear before these defaults existed stays
clear (turning encryption on moves it to a new column and needs a conversion, an explicit
step). The definition is JSON that may not validate yet: what this module does not understand
it leaves alone. Pure: no I/O, no clock (`today` is passed in).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from datetime import date
from typing import Any

from pydantic import ValidationError

from brickwork.engines.form.compiled import computed_sources, sketch_form
from brickwork.engines.form.definition import ComputedField, FormDefinition
from brickwork.engines.form.elements import FieldBase, Sensitivity
from brickwork.engines.form.fieldtypes import sensitivity_of

ENCRYPTED_BY_DEFAULT = frozenset({"resident_id", "passport", "bank_card", "phone", "iban"})
"""Identifier types (default class C2) whose new fields are encrypted unless told otherwise."""
CLASS_ORDER = (Sensitivity.C1, Sensitivity.C2, Sensitivity.C3)


def fields_by_id(spec: Any) -> dict[str, dict[str, Any]]:
    """The fields (and subtable columns) of a form spec in JSON form, by element id."""
    return {item["id"]: item for item in _raw_fields(spec) if isinstance(item.get("id"), str)}


def with_protection(spec: Any, *, published: Mapping[str, Any], today: date) -> Any:
    """A copy of the form spec with the default protection written out (see the module);
    ``published``: the fields of the latest published version by id (see `fields_by_id`)."""
    if not isinstance(spec, Mapping) or not isinstance(spec.get("fields"), list):
        return spec
    protected = copy.deepcopy(dict(spec))
    published_ids = frozenset(published)
    for item in _raw_fields(protected):
        element = item.get("id")
        before = published.get(element) if isinstance(element, str) else None
        if "encrypted" in item:
            continue
        if isinstance(before, Mapping):
            if "encrypted" in before:  # keep the published storage
                item["encrypted"] = before["encrypted"]
        elif (
            isinstance(item.get("type"), str)
            and item["type"] in ENCRYPTED_BY_DEFAULT
            and item.get("sensitivity") != Sensitivity.C1.value
        ):
            item["encrypted"] = True
    try:
        definition = FormDefinition.model_validate(protected)
    except ValidationError:
        return protected
    fields = {item.key: item for item in definition.fields}
    raw = {
        item["key"]: item
        for item in protected["fields"]
        if isinstance(item, dict) and isinstance(item.get("key"), str)
    }
    for key, sources in computed_sources(sketch_form(definition, today=today)).items():
        encrypted: list[FieldBase] = [
            fields[name] for name in sources if name in fields and fields[name].encrypted
        ]
        if encrypted and key in raw:
            _inherit(raw[key], fields[key], encrypted, published_ids)
    return protected


def _inherit(
    raw: dict[str, Any], field: FieldBase, sources: list[FieldBase], published_ids: frozenset[str]
) -> None:
    if "encrypted" not in raw and field.id not in published_ids:
        raw["encrypted"] = True
    if "sensitivity" not in raw:
        highest = max(CLASS_ORDER.index(sensitivity_of(source)) for source in sources)
        if raw.get("encrypted") is not True:
            highest = min(highest, CLASS_ORDER.index(Sensitivity.C2))
        raw["sensitivity"] = CLASS_ORDER[highest].value


def unencrypted_protected(definition: FormDefinition, *, today: date) -> list[str]:
    """Keys of fields stored in clear that the defaults would encrypt: identifiers of class C2
    or above, and computed fields deriving from an encrypted field (for the publish audit)."""
    keys = [
        item.key
        for item in definition.fields
        if item.type in ENCRYPTED_BY_DEFAULT
        and not item.encrypted
        and sensitivity_of(item) is not Sensitivity.C1
    ]
    fields = {item.key: item for item in definition.fields}
    for key, sources in computed_sources(sketch_form(definition, today=today)).items():
        item = fields.get(key)
        if (
            isinstance(item, ComputedField)
            and not item.encrypted
            and any(name in fields and fields[name].encrypted for name in sources)
        ):
            keys.append(key)
    return keys


def _raw_fields(spec: Any) -> Iterator[dict[str, Any]]:
    """The field objects of a spec in JSON form, subtable columns included."""
    fields = spec.get("fields") if isinstance(spec, Mapping) else None
    for item in fields if isinstance(fields, list) else ():
        if not isinstance(item, dict):
            continue
        yield item
        columns = item.get("fields")
        if item.get("type") == "subtable" and isinstance(columns, list):
            yield from (column for column in columns if isinstance(column, dict))
