"""The file store through create_app(): upload, download, limits, refusals, audit, ref checks."""

from __future__ import annotations

import hashlib
import unicodedata
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from brickwork.app import create_app
from brickwork.engines.form.fieldtypes.files import FileRef
from brickwork.platform.api.deps import unit_of_work
from brickwork.platform.clock import Clock
from brickwork.platform.files.service import FileService
from brickwork.platform.models import AuditEvent, StoredFile
from brickwork.settings import Settings
from conftest import write_inside

API = "/api/v1"
PROBLEM = "application/problem+json"
CONTRACT = "客户合同 2026 年版.pdf"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 16
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
WRITER = {"app": "*", "actions": ["create", "read"], "rows": "own"}
"""A grant that lets its holder create records, and therefore upload files."""


def pdf(tag: str = "") -> bytes:
    """A small PDF whose bytes differ per tag (tests share the data directory)."""
    unique = tag or uuid.uuid4().hex
    return b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n% " + unique.encode() + b"\n%%EOF\n"


def problem_of(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["code"] == code
    return body


def upload(
    client: TestClient,
    content: bytes,
    name: str | None = "file.pdf",
    content_type: str | None = "application/pdf",
    *,
    encoded_name: str | None = None,
    query: str = "",
) -> Any:
    headers: dict[str, str] = {}
    if content_type is not None:
        headers["content-type"] = content_type
    if encoded_name is not None:
        headers["x-filename"] = encoded_name
    elif name is not None:
        headers["x-filename"] = quote(name, safe="")
    return client.post(f"{API}/files{query}", content=content, headers=headers)


def stored_path(settings: Settings, sha256: str) -> Path:
    return settings.data_dir / "files" / sha256[:2] / sha256


@pytest.fixture
def client_with(
    app_settings: Settings,
    session: Session,
    clock: Clock,
    tmp_path: Path,
    admin_on: Callable[[TestClient], TestClient],
) -> Iterator[Callable[..., TestClient]]:
    """Apps with their own settings (and data directory), in the test's transaction."""
    with ExitStack() as stack:

        def make(**overrides: Any) -> TestClient:
            settings = app_settings.with_overrides(data_dir=tmp_path / "data", **overrides)
            app = create_app(settings, clock=clock)
            write_inside(app, session.connection())

            def test_unit_of_work() -> Iterator[Session]:
                try:
                    yield session
                    session.commit()
                except BaseException:
                    session.rollback()
                    raise

            app.dependency_overrides[unit_of_work] = test_unit_of_work
            stack.callback(app.state.engine.dispose)
            return admin_on(stack.enter_context(TestClient(app, raise_server_exceptions=False)))

        yield make


def settings_of(client: TestClient) -> Settings:
    settings: Settings = client.app.state.settings  # type: ignore[attr-defined]
    return settings


def files_service(client: TestClient) -> FileService:
    service: FileService = client.app.state.files  # type: ignore[attr-defined]
    return service


# ---------------------------------------------------------------- upload and download


def test_chinese_named_pdf_round_trip(client: TestClient) -> None:
    content = pdf()
    response = upload(client, content, CONTRACT)
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == {"id", "name", "size", "content_type", "sha256", "created_at"}
    assert body["name"] == CONTRACT
    assert (body["size"], body["content_type"]) == (len(content), "application/pdf")
    assert body["sha256"] == hashlib.sha256(content).hexdigest()
    assert response.headers["location"] == f"{API}/files/{body['id']}"
    assert stored_path(settings_of(client), body["sha256"]).read_bytes() == content

    download = client.get(f"{API}/files/{body['id']}")
    assert download.status_code == 200
    assert download.content == content
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["x-content-type-options"] == "nosniff"
    disposition = download.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote(CONTRACT, safe='')}" in disposition
    assert disposition.encode("latin-1").isascii()

    meta = client.get(f"{API}/files/{body['id']}/meta")
    assert meta.status_code == 200
    assert meta.json() == body


@pytest.mark.parametrize(
    ("header", "query", "expected"),
    [
        ("UTF-8''" + quote(CONTRACT, safe=""), "", CONTRACT),
        ("utf-8'zh-CN'" + quote("报告.pdf"), "", "报告.pdf"),
        (None, "?filename=" + quote("年报.pdf"), "年报.pdf"),
        ("  spaced.pdf  ", "", "spaced.pdf"),
        ("100%.pdf", "", "100%.pdf"),
        (quote(unicodedata.normalize("NFD", "résumé.pdf")), "", "résumé.pdf"),
    ],
)
def test_name_forms(client: TestClient, header: str | None, query: str, expected: str) -> None:
    response = upload(client, pdf(), None, encoded_name=header, query=query)
    assert response.status_code == 201, response.text
    assert response.json()["name"] == expected


def test_header_name_wins_over_query(client: TestClient) -> None:
    response = upload(client, pdf(), "header.pdf", query="?filename=query.pdf")
    assert response.json()["name"] == "header.pdf"


def test_identical_content_is_stored_once(client_with: Callable[..., TestClient]) -> None:
    client = client_with()
    content = pdf("same")
    first = upload(client, content, "a.pdf").json()
    second = upload(client, content, "b.pdf").json()
    assert first["id"] != second["id"]
    assert first["sha256"] == second["sha256"]
    root = settings_of(client).data_dir / "files"
    assert [p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()] == [
        f"{first['sha256'][:2]}/{first['sha256']}"
    ]
    for item in (first, second):
        assert client.get(f"{API}/files/{item['id']}").content == content
    assert client.get(f"{API}/files/{second['id']}/meta").json()["name"] == "b.pdf"


def test_files_have_their_own_size_limit(client_with: Callable[..., TestClient]) -> None:
    client = client_with(max_upload_bytes=128, max_body_bytes=100)  # sign-in (with a code) fits
    content = b"x" * 128
    accepted = upload(client, content, "limit.txt", "text/plain")
    assert accepted.status_code == 201, accepted.text
    body = problem_of(
        upload(client, content + b"x", "big.txt", "text/plain"), 413, "body_too_large"
    )
    assert "BRICKWORK_MAX_UPLOAD_BYTES" in body["detail"]

    def chunks() -> Iterator[bytes]:
        yield content
        yield b"more"

    streamed = client.post(
        f"{API}/files",
        content=chunks(),
        headers={"x-filename": "s.txt", "content-type": "text/plain"},
    )
    problem_of(streamed, 413, "body_too_large")
    # Other endpoints keep the general limit.
    other = client.post(
        f"{API}/apps",
        content=b"{" + b" " * 110 + b"}",
        headers={"content-type": "application/json"},
    )
    assert "BRICKWORK_MAX_BODY_BYTES" in problem_of(other, 413, "body_too_large")["detail"]


def test_upload_above_the_body_limit_but_within_the_upload_limit(client: TestClient) -> None:
    settings = settings_of(client)
    assert settings.max_upload_bytes > settings.max_body_bytes
    content = pdf() + b"%" * settings.max_body_bytes
    response = upload(client, content, "large.pdf")
    assert response.status_code == 201, response.text
    assert response.json()["size"] == len(content)


# ---------------------------------------------------------------- refusals


def test_empty_file_is_refused(client: TestClient) -> None:
    problem_of(upload(client, b"", "empty.pdf"), 400, "file_empty")


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"<html><script>alert(1)</script></html>", "application/pdf"),
        (pdf(), "image/png"),
        (PNG, "image/jpeg"),
        (b"%PDF-1.4 pretending", DOCX_TYPE),
        (JPEG, "application/zip"),
    ],
)
def test_declared_type_must_match_the_content(
    client: TestClient, content: bytes, content_type: str
) -> None:
    body = problem_of(upload(client, content, "x.bin", content_type), 422, "file_type_mismatch")
    assert content_type in body["detail"]


@pytest.mark.parametrize(
    ("content", "content_type", "stored_type"),
    [
        (PNG, "image/png", "image/png"),
        (JPEG, "IMAGE/JPEG; q=1", "image/jpeg"),
        (b"PK\x03\x04" + b"\x00" * 26, DOCX_TYPE, DOCX_TYPE),
        (b"plain words", "text/plain; charset=utf-8", "text/plain"),
        (b"\x00\x01", None, "application/octet-stream"),
    ],
)
def test_matching_and_unchecked_types_are_accepted(
    client: TestClient, content: bytes, content_type: str | None, stored_type: str
) -> None:
    response = upload(client, content + uuid.uuid4().bytes, "f.bin", content_type)
    assert response.status_code == 201, response.text
    assert response.json()["content_type"] == stored_type


def test_malformed_content_type_is_refused(client: TestClient) -> None:
    problem_of(upload(client, b"data", "f.bin", "not a type"), 400, "file_type_invalid")


@pytest.mark.parametrize(
    "encoded",
    [
        quote("../etc/passwd", safe=""),
        quote("a/b.pdf", safe=""),
        quote("a\\b.pdf", safe=""),
        "a%00b.pdf",
        "a%0Ab.pdf",
        "invoice%E2%80%AEfdp.exe",
        "%FF%FE.pdf",
        "..",
        "x" * 256,
        "%20%20",
    ],
)
def test_bad_names_are_refused(client: TestClient, encoded: str) -> None:
    problem_of(upload(client, pdf(), encoded_name=encoded), 400, "file_name_invalid")


def test_missing_name_is_refused(client: TestClient) -> None:
    body = problem_of(upload(client, pdf(), None), 400, "file_name_invalid")
    assert "X-Filename" in body["detail"]


def test_refused_uploads_write_nothing(client_with: Callable[..., TestClient]) -> None:
    client = client_with()
    upload(client, b"not a pdf", "x.pdf")
    upload(client, pdf(), "../x.pdf")
    assert not (settings_of(client).data_dir / "files").exists()


def test_unknown_files_are_404(client: TestClient) -> None:
    unknown = str(uuid.uuid4())
    problem_of(client.get(f"{API}/files/{unknown}"), 404, "file_not_found")
    problem_of(client.get(f"{API}/files/{unknown}/meta"), 404, "file_not_found")
    problem_of(client.get(f"{API}/files/not-an-id"), 404, "file_not_found")
    problem_of(client.get(f"{API}/files/a%00b/meta"), 400, "nul_character")


def test_lost_content_is_reported(client_with: Callable[..., TestClient]) -> None:
    client = client_with()
    body = upload(client, pdf(), "gone.pdf").json()
    stored_path(settings_of(client), body["sha256"]).unlink()
    problem_of(client.get(f"{API}/files/{body['id']}"), 404, "file_content_missing")


# ---------------------------------------------------------------- audit


def test_uploads_and_downloads_are_audited(users: Any, session: Session) -> None:
    uploader = users.client("zhang.san", grants=[WRITER])
    other = users.client("li.si")
    content = pdf()
    response = uploader.post(
        f"{API}/files",
        content=content,
        headers={"content-type": "application/pdf", "x-filename": quote(CONTRACT, safe="")},
    )
    file_id = response.json()["id"]
    assert uploader.get(f"{API}/files/{file_id}").content == content
    assert uploader.get(f"{API}/files/{file_id}/meta").json()["name"] == CONTRACT
    # Anyone else opens a file only through a record they may read.
    problem_of(other.get(f"{API}/files/{file_id}"), 403, "file_forbidden")
    problem_of(other.get(f"{API}/files/{file_id}/meta"), 403, "file_forbidden")
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.object_id == file_id).order_by(AuditEvent.id)
    ).all()
    assert [(e.action, e.actor, e.object_type) for e in events] == [
        ("file.upload", "zhang.san", "file"),
        ("file.download", "zhang.san", "file"),
    ]
    assert events[0].details["name"] == CONTRACT
    assert events[0].details["sha256"] == hashlib.sha256(content).hexdigest()
    assert events[0].details["size"] == len(content)


def test_refused_upload_is_not_stored_or_audited(client: TestClient, session: Session) -> None:
    before = session.scalars(select(StoredFile)).all()
    upload(client, b"", "empty.pdf")
    assert session.scalars(select(StoredFile)).all() == before
    assert session.scalars(select(AuditEvent).where(AuditEvent.action == "file.upload")).all() == []


# ---------------------------------------------------------------- reference checks


def test_check_refs_detects_forged_references(client: TestClient, session: Session) -> None:
    body = upload(client, pdf(), CONTRACT).json()
    service = files_service(client)
    genuine = FileRef(body["id"], body["name"], body["size"], body["content_type"])
    as_record = {"id": body["id"], **{k: body[k] for k in ("name", "size", "content_type")}}
    refs: list[FileRef | dict[str, Any]] = [
        genuine,
        as_record,
        {**as_record, "name": unicodedata.normalize("NFD", CONTRACT)},
        {**as_record, "content_type": "Application/PDF"},
        {**as_record, "size": body["size"] + 1},
        {**as_record, "name": "other.pdf", "content_type": "image/png"},
        {**as_record, "id": str(uuid.uuid4())},
        {**as_record, "id": "bad\x00id"},
        {"id": body["id"], "name": CONTRACT, "size": "12", "content_type": "x/y"},
        {"name": CONTRACT},
    ]
    assert service.check_refs(session, refs) == [
        (4, "file_size_mismatch"),
        (5, "file_name_mismatch"),
        (5, "file_type_mismatch"),
        (6, "file_not_found"),
        (7, "file_not_found"),
        (8, "file_ref_invalid"),
        (9, "file_ref_invalid"),
    ]
    assert service.check_refs(session, []) == []


def test_raw_utf8_header_name_is_understood(client: TestClient) -> None:
    response = client.post(
        f"{API}/files",
        content=pdf(),
        headers={"content-type": "application/pdf", "x-filename": "合同.pdf".encode()},
    )
    assert response.status_code == 201, response.text
    assert response.json()["name"] == "合同.pdf"
