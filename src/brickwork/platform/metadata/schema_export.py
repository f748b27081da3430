"""Write the JSON Schema files shipped in ``brickwork/schemas`` from the pydantic models.

Run ``python -m brickwork.platform.metadata.schema_export`` after changing a model;
``tests/meta/test_schemas_current.py`` fails while a file is stale.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from brickwork.engines.report import ReportSpec
from brickwork.platform.metadata.schemas import Bundle, DefinitionBody
from brickwork.platform.metadata.validation import BUNDLE_SCHEMA_FILE, ENVELOPE_SCHEMA_FILE

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
EXPORTS: dict[str, type[BaseModel]] = {
    ENVELOPE_SCHEMA_FILE: DefinitionBody,
    BUNDLE_SCHEMA_FILE: Bundle,
    "report.schema.json": ReportSpec,
}


def render(model: type[BaseModel]) -> str:
    schema: dict[str, Any] = {
        "$schema": SCHEMA_DIALECT,
        **model.model_json_schema(by_alias=True),
    }
    return json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def schema_dir() -> Path:
    return Path(__file__).resolve().parent.parent.parent / "schemas"


def main() -> None:
    for name, model in EXPORTS.items():
        (schema_dir() / name).write_text(render(model), encoding="utf-8")


if __name__ == "__main__":
    main()
