"""FileService on a real database (SQLite and PostgreSQL) and a real data directory."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from brickwork.engines.form.fieldtypes.files import FileRef
from brickwork.platform.audit.service import AuditLog
from brickwork.platform.auth.actor import Actor
from brickwork.platform.clock import Clock
from brickwork.platform.errors import NotFound
from brickwork.platform.files.service import FileService
from brickwork.platform.files.storage import FileStorage

ACTOR = Actor("wang.wu")
PDF = b"%PDF-1.7\n%%EOF\n"


@pytest.fixture
def service(tmp_path: Path, clock: Clock) -> FileService:
    return FileService(
        storage=FileStorage(tmp_path / "files"), clock=clock, audit=AuditLog(clock=clock)
    )


def test_upload_download_and_refs(service: FileService, session: Session) -> None:
    row = service.upload(session, ACTOR, PDF, name="合同.pdf", content_type="application/pdf")
    assert (row.name, row.size, row.created_by) == ("合同.pdf", len(PDF), "wang.wu")
    again, path = service.download(session, ACTOR, row.id)
    assert again is row
    assert path.read_bytes() == PDF
    ref = FileRef(row.id, row.name, row.size, row.content_type)
    assert service.check_refs(session, [ref]) == []
    forged = FileRef(row.id, row.name, row.size, "image/png")
    assert service.check_refs(session, [forged, ref]) == [(0, "file_type_mismatch")]
    assert service.audit.verify(session).intact


def test_unknown_id(service: FileService, session: Session) -> None:
    with pytest.raises(NotFound) as caught:
        service.download(session, ACTOR, "0" * 36)
    assert caught.value.code == "file_not_found"
    too_long = "x" * 500
    assert service.check_refs(session, [FileRef(too_long, "a.pdf", 1, "application/pdf")]) == [
        (0, "file_not_found")
    ]
