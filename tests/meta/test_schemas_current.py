"""The JSON Schema files shipped in the package match the pydantic models."""

from __future__ import annotations

import pytest

from brickwork.platform.metadata.schema_export import EXPORTS, render, schema_dir


@pytest.mark.parametrize("name", sorted(EXPORTS))
def test_schema_file_is_current(name: str) -> None:
    shipped = (schema_dir() / name).read_text(encoding="utf-8")
    assert shipped == render(EXPORTS[name]), (
        f"{name} is stale: run `python -m brickwork.platform.metadata.schema_export`"
    )
