"""The metadata store's hooks for forms that carry the default protection (see
`brickwork.engines.form.protection`): completing a draft's spec when it is saved or published,
and naming in the publish audit event the sensitive fields a version stores in clear."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from pydantic import ValidationError

from brickwork.engines.form.definition import FormDefinition
from brickwork.engines.form.protection import fields_by_id, unencrypted_protected, with_protection


def protect_form_spec(spec: Any, previous: Any, today: date) -> Any:
    """The draft hook: fields new since the latest published version get the defaults, the
    others keep the published choice."""
    published = previous.get("spec") if isinstance(previous, Mapping) else None
    return with_protection(spec, published=fields_by_id(published), today=today)


def clear_fields_note(body: Any, today: date) -> dict[str, Any]:
    """The publish note: ``unencrypted_fields`` lists identifiers of class C2 or above and
    computed fields deriving from encrypted ones that this version stores in clear (turned off
    with ``"encrypted": false``, or published in clear before the defaults existed)."""
    try:
        definition = FormDefinition.model_validate(body["spec"])
    except (KeyError, TypeError, ValidationError):
        return {}
    keys = unencrypted_protected(definition, today=today)
    return {"unencrypted_fields": keys} if keys else {}
