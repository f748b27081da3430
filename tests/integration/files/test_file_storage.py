"""Content-addressed storage on a real disk, and the body-size table of the HTTP middleware."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from brickwork.platform.api.limits import FORM_ALONGSIDE, BodySizeLimit, body_limits
from brickwork.platform.files.storage import TEMP_PREFIX, FileStorage
from brickwork.settings import Settings


def test_content_is_stored_once_under_its_digest(tmp_path: Path) -> None:
    storage = FileStorage(tmp_path / "files")
    content = b"%PDF-1.7 contract"
    sha256 = hashlib.sha256(content).hexdigest()
    first = storage.put(content)
    second = storage.put(content)
    assert (first.sha256, first.size, first.written) == (sha256, len(content), True)
    assert (second.sha256, second.written) == (sha256, False)
    assert storage.path_of(sha256) == tmp_path / "files" / sha256[:2] / sha256
    assert storage.read(sha256) == content
    assert [p.name for p in (tmp_path / "files").rglob("*") if p.is_file()] == [sha256]


def test_a_truncated_copy_is_replaced(tmp_path: Path) -> None:
    storage = FileStorage(tmp_path)
    content = b"0123456789"
    target = storage.path_of(hashlib.sha256(content).hexdigest())
    target.parent.mkdir(parents=True)
    target.write_bytes(content[:4])
    assert storage.put(content).written
    assert target.read_bytes() == content


def test_a_failed_write_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    storage = FileStorage(tmp_path)

    def broken_replace(source: str, target: Path) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("brickwork.platform.files.storage.os.replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        storage.put(b"content")
    leftovers = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert leftovers == []
    assert not any(p.name.startswith(TEMP_PREFIX) for p in tmp_path.rglob("*"))


@pytest.mark.parametrize("digest", ["../" + "a" * 61, "A" * 64, "a" * 63, ""])
def test_only_digests_become_paths(tmp_path: Path, digest: str) -> None:
    with pytest.raises(ValueError, match="SHA-256"):
        FileStorage(tmp_path).path_of(digest)


UPLOADS = "BRICKWORK_MAX_UPLOAD_BYTES"
ROW = "0b7d4f0e-6a51-4f64-9d7e-2f3c1a9b8e10"


@pytest.mark.parametrize(
    ("path", "limit", "setting"),
    [
        ("/api/v1/files", 300, "BRICKWORK_MAX_UPLOAD_BYTES"),
        ("/api/v1/files/", 300, "BRICKWORK_MAX_UPLOAD_BYTES"),
        ("/api/v1/apps/kyc/forms/customer/imports", 200, "BRICKWORK_MAX_IMPORT_BYTES"),
        ("/api/v1/apps/kyc/forms/customer/imports/", 200, "BRICKWORK_MAX_IMPORT_BYTES"),
        ("/apps/kyc/forms/customer/import", 200, "BRICKWORK_MAX_IMPORT_BYTES"),
        ("/apps/kyc/forms/customer/attachments/scan", 300 + FORM_ALONGSIDE, UPLOADS),
        (f"/apps/kyc/forms/customer/records/{ROW}/attachments/scan", 300 + FORM_ALONGSIDE, UPLOADS),
        ("/apps/kyc/forms/customer/new", 100, "BRICKWORK_MAX_BODY_BYTES"),
        ("/api/v1/files/abc/meta", 100, "BRICKWORK_MAX_BODY_BYTES"),
        ("/api/v1/apps", 100, "BRICKWORK_MAX_BODY_BYTES"),
        ("/api/v1/filesystem", 100, "BRICKWORK_MAX_BODY_BYTES"),
    ],
)
def test_each_path_gets_its_limit(path: str, limit: int, setting: str) -> None:
    settings = Settings(max_body_bytes=100, max_import_bytes=200, max_upload_bytes=300)

    async def app(scope: object, receive: object, send: object) -> None:  # pragma: no cover
        raise AssertionError

    middleware = BodySizeLimit(app, max_bytes=100, rules=body_limits(settings))
    rule = middleware.limit_for(path)
    assert (rule.max_bytes, rule.setting) == (limit, setting)
