"""JSON responses written with exact Decimals (FastAPI's default encoder turns them into floats)."""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse

from brickwork import jsonio


class ExactJSONResponse(JSONResponse):
    def render(self, content: Any) -> bytes:
        return jsonio.dumps(content).encode("utf-8")


def reply(
    content: Any,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
    *,
    media_type: str | None = None,
) -> ExactJSONResponse:
    return ExactJSONResponse(
        content, status_code=status_code, headers=headers, media_type=media_type
    )
