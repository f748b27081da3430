"""Design-time validation of form definitions, plugged into the metadata store for kind ``form``.

The spec must parse as a ``FormDefinition`` (pointers follow the submitted document, not
pydantic's internal union names), then pass the form engine's own checks: field definitions,
every expression against the form's fields, computed-field cycles.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from pydantic import ValidationError

from brickwork.engines.bilingual import schema_zh
from brickwork.engines.form import check_form
from brickwork.engines.form.definition import FormDefinition
from brickwork.jsonio import escape_pointer
from brickwork.platform.clock import business_date, system_clock
from brickwork.platform.errors import PYDANTIC_CODES, ErrorItem


def _child(current: Any, part: Any) -> tuple[bool, Any]:
    """Whether ``part`` exists in ``current``, and the value there."""
    if isinstance(current, Mapping) and isinstance(part, str) and part in current:
        return True, current[part]
    if isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current):
        return True, current[part]
    return False, None


def pointer_in(document: Any, loc: Sequence[Any]) -> str:
    """A JSON pointer for a pydantic ``loc``, skipping parts that name union branches."""
    tokens: list[str] = []
    current = document
    for index, part in enumerate(loc):
        found, value = _child(current, part)
        if found:
            current = value
        elif not (index == len(loc) - 1 and isinstance(current, Mapping)):
            continue  # a union branch name ("text", "function-after[...]"): not in the document
        tokens.append(escape_pointer(str(part)))
    return "".join(f"/{token}" for token in tokens)


def validate_form_spec(spec: Mapping[str, Any]) -> Iterator[ErrorItem]:
    try:
        definition = FormDefinition.model_validate(spec)
    except ValidationError as exc:
        for error in exc.errors():
            yield ErrorItem(
                pointer_in(spec, error["loc"]),
                PYDANTIC_CODES.get(error["type"], "invalid_value"),
                error["msg"],
                schema_zh(error),
            )
        return
    for problem in check_form(definition, today=business_date(system_clock())):
        yield ErrorItem(problem.pointer, problem.code, problem.en, problem.zh_cn)
