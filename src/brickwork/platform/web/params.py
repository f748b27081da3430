"""What the page routes take from their address and their forms: app, form and record keys,
a submitted form's fields with all their values, and the last value of one field."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Path

from brickwork.platform.vocabulary import KEY_PATTERN
from brickwork.platform.web.pages import form_lists

AppKey = Annotated[str, Path(pattern=KEY_PATTERN)]
FormKey = Annotated[str, Path(pattern=KEY_PATTERN)]
FieldKey = Annotated[str, Path(pattern=KEY_PATTERN)]
RecordId = Annotated[str, Path(pattern=r"^[0-9a-f-]{36}$")]
FormListsDep = Annotated[dict[str, list[str]], Depends(form_lists)]


def first(sent: dict[str, list[str]], key: str, default: str | None = None) -> Any:
    """The last value of a submitted field (a field sent twice keeps the later one)."""
    values = sent.get(key)
    return values[-1] if values else default
