"""Response shapes of the file store (for the OpenAPI document; replies are built in endpoints)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class FileOut(BaseModel):
    """A stored file: the reference a record keeps, plus its digest and upload time."""

    id: str = Field(description="Id to put in a record's attachment value")
    name: str = Field(description="File name as uploaded (NFC, no path)")
    size: int = Field(description="Size in bytes")
    content_type: str = Field(description="Media type as declared and checked at upload")
    sha256: str = Field(description="SHA-256 of the content, lower-case hex")
    created_at: datetime
