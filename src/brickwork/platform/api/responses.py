"""JSON responses written with exact decimals (FastAPI's default encoder turns them into floats).

Data (records, sums, import reports, audit events) carries money and decimals as JSON strings
(``"12345678901234567.89"``), so that no client reading numbers as doubles rounds them; requests
may send either. Documents that are JSON by nature (definitions, bundles, JSON Schemas) keep
their numbers as written: ``reply_document``.
"""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse

from brickwork import jsonio


class ExactJSONResponse(JSONResponse):
    """Decimals as strings of their digits."""

    def render(self, content: Any) -> bytes:
        return jsonio.dumps(content, decimals_as_strings=True).encode("utf-8")


class DocumentJSONResponse(ExactJSONResponse):
    """Decimals as exact JSON numbers, as the document was written."""

    def render(self, content: Any) -> bytes:
        return jsonio.dumps(content).encode("utf-8")


class EncodedJSONResponse(ExactJSONResponse):
    """A body encoded by the caller (``jsonio.dumps_data``), sent as it is."""

    def render(self, content: Any) -> bytes:
        if not isinstance(content, bytes):
            raise TypeError("EncodedJSONResponse takes the encoded body")
        return content


def reply_encoded(body: bytes, status_code: int = 200) -> ExactJSONResponse:
    """Data encoded once by the caller (a page of records), with the headers of ``reply``."""
    return EncodedJSONResponse(body, status_code=status_code)


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


def reply_document(
    content: Any, status_code: int = 200, headers: dict[str, str] | None = None
) -> ExactJSONResponse:
    return DocumentJSONResponse(content, status_code=status_code, headers=headers)
