"""The file store: accept uploads, hand files out, and vouch for file references in records.

Orchestrates the content checks, the disk storage, the metadata repository and the audit trail;
never commits (the caller owns the transaction). Bytes are written before the metadata row, so a
rolled-back upload can leave unreferenced content on disk but never a row without content.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from brickwork.engines.form.fieldtypes.files import FileRef
from brickwork.platform.audit.service import AuditLog
from brickwork.platform.auth.actor import Actor
from brickwork.platform.auth.permissions import PermissionService
from brickwork.platform.clock import Clock, new_id, system_clock
from brickwork.platform.errors import Forbidden, NotFound, PayloadTooLarge
from brickwork.platform.files.content import check_content, clean_name, media_type
from brickwork.platform.files.repository import FileRepository
from brickwork.platform.files.storage import FileStorage
from brickwork.platform.models import StoredFile
from brickwork.settings import DEFAULT_UPLOAD_QUOTA_BYTES

FILE_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
"""Ids are lower-case UUID text; anything else names no file and never reaches the database."""

RefProblem = tuple[int, str]
"""(index into the checked references, problem code)."""

REF_CHECKS: tuple[tuple[str, str], ...] = (
    ("name", "file_name_mismatch"),
    ("size", "file_size_mismatch"),
    ("content_type", "file_type_mismatch"),
)
"""Each FileRef attribute that must equal the stored row's, and the code when it does not."""


def file_ref(row: StoredFile) -> FileRef:
    return FileRef(row.id, row.name, row.size, row.content_type)


def _as_ref(raw: FileRef | Mapping[str, Any]) -> FileRef | None:
    """A reference from a FileRef or its JSON (``file_id`` or the form engine's ``id``)."""
    if isinstance(raw, FileRef):
        return raw
    if not isinstance(raw, Mapping):
        return None
    file_id = raw.get("file_id", raw.get("id"))
    name, size, content_type = raw.get("name"), raw.get("size"), raw.get("content_type")
    if (
        not isinstance(file_id, str)
        or not isinstance(name, str)
        or isinstance(size, bool)
        or not isinstance(size, int)
        or not isinstance(content_type, str)
    ):
        return None
    return FileRef(file_id, name, size, content_type)


def _comparable(ref: FileRef) -> FileRef:
    # The form engine stores names in NFC and media types in lower case; compare the same way.
    return FileRef(
        ref.file_id, unicodedata.normalize("NFC", ref.name), ref.size, ref.content_type.lower()
    )


class FileService:
    def __init__(
        self,
        *,
        storage: FileStorage,
        clock: Clock = system_clock,
        repository: FileRepository | None = None,
        audit: AuditLog | None = None,
        permissions: PermissionService | None = None,
        quota_bytes: int = DEFAULT_UPLOAD_QUOTA_BYTES,
    ) -> None:
        self.storage = storage
        self.clock = clock
        self.repo = repository or FileRepository()
        self.audit = audit or AuditLog(clock=clock)
        self.permissions = permissions or PermissionService.standalone(self.audit)
        self.quota_bytes = quota_bytes

    def upload(
        self,
        session: Session,
        actor: Actor,
        content: bytes,
        *,
        name: str | None,
        content_type: str | None,
    ) -> StoredFile:
        """Check, store (once per distinct content) and record one uploaded file.

        Only someone who may write records (create or update, some form) uploads, and within
        their quota: the bytes of all their stored uploads."""
        refusal = self.permissions.upload_denial(self.permissions.principal(session, actor))
        if refusal is not None:
            raise refusal
        cleaned = clean_name(name)
        declared = media_type(content_type)
        check_content(content, declared)
        self._check_quota(session, actor, len(content))
        blob = self.storage.put(content)
        row = StoredFile(
            id=new_id(),
            sha256=blob.sha256,
            name=cleaned,
            size=blob.size,
            content_type=declared,
            created_at=self.clock(),
            created_by=actor.username,
        )
        self.repo.add(session, row)
        self.audit.record(
            session,
            actor,
            "file.upload",
            object_type="file",
            object_id=row.id,
            details={
                "name": row.name,
                "size": row.size,
                "content_type": row.content_type,
                "sha256": row.sha256,
                "deduplicated": not blob.written,
            },
        )
        return row

    def store_generated(
        self,
        session: Session,
        actor: Actor,
        content: bytes,
        *,
        name: str,
        content_type: str,
        source: str,
    ) -> StoredFile:
        """Store a file the platform made for `actor` (a report export): theirs to download,
        like an upload, but neither an upload permission nor the upload quota applies (it is
        their own data, made at their request). Audited as `file.generate` with `source`."""
        blob = self.storage.put(content)
        row = StoredFile(
            id=new_id(),
            sha256=blob.sha256,
            name=clean_name(name),
            size=blob.size,
            content_type=content_type,
            created_at=self.clock(),
            created_by=actor.username,
        )
        self.repo.add(session, row)
        self.audit.record(
            session,
            actor,
            "file.generate",
            object_type="file",
            object_id=row.id,
            details={"name": row.name, "size": row.size, "sha256": row.sha256, "source": source},
        )
        return row

    def _check_quota(self, session: Session, actor: Actor, size: int) -> None:
        if actor.system:
            return
        used = self.repo.stored_bytes(session, actor.username)
        if used + size > self.quota_bytes:
            raise PayloadTooLarge(
                f"this upload ({size} bytes) would take your stored uploads to {used + size} "
                f"bytes, over your quota of {self.quota_bytes} bytes "
                "(BRICKWORK_UPLOAD_QUOTA_BYTES); nothing was stored",
                code="upload_quota_exceeded",
                zh_cn=f"本次上传（{size} 字节）后，您上传的文件将共占 {used + size} 字节，"
                f"超出您的配额 {self.quota_bytes} 字节（BRICKWORK_UPLOAD_QUOTA_BYTES）："
                "未保存任何内容",
            )

    def get(self, session: Session, file_id: str) -> StoredFile:
        row = self.repo.get(session, file_id) if FILE_ID.fullmatch(file_id) else None
        if row is None:
            raise NotFound(
                f"there is no file with id {file_id!r}",
                code="file_not_found",
                zh_cn=f"没有编号为 {file_id} 的文件",
            )
        return row

    def owned(self, session: Session, actor: Actor, file_id: str) -> StoredFile:
        """The file, if ``actor`` uploaded it. Everyone else opens a file through a record it is
        attached to (the record's permissions decide), never by id alone."""
        row = self.get(session, file_id)
        if not actor.system and row.created_by != actor.username:
            raise Forbidden(
                "only the uploader can open a file by its id; open it from the record it is "
                "attached to",
                code="file_forbidden",
                zh_cn="只有上传者才能按编号打开文件：请从文件所附的记录中打开它",
            )
        return row

    def download(
        self, session: Session, actor: Actor, file_id: str, *, via: str | None = None
    ) -> tuple[StoredFile, Path]:
        """The row and the path of its content; the read is audited. Without ``via`` (the record
        that lets the actor see the file) only the uploader may download it."""
        row = self.get(session, file_id) if via is not None else self.owned(session, actor, file_id)
        path = self.storage.path_of(row.sha256)
        if not path.is_file():
            raise NotFound(
                f"the content of file {file_id!r} is missing from storage; restore the data"
                " directory from a backup",
                code="file_content_missing",
                zh_cn=f"文件 {file_id} 的内容在存储中缺失：请从备份恢复数据目录",
            )
        self.audit.record(
            session,
            actor,
            "file.download",
            object_type="file",
            object_id=row.id,
            details={
                "name": row.name,
                "size": row.size,
                "sha256": row.sha256,
                **({"record": via} if via is not None else {}),
            },
        )
        return row, path

    def check_refs(
        self,
        session: Session,
        refs: Sequence[FileRef | Mapping[str, Any]],
        *,
        uploader: str | None = None,
        kept: frozenset[str] = frozenset(),
    ) -> list[RefProblem]:
        """Problems of references a client sent, in index order (possibly several per index).

        A reference must name a stored file and repeat its name, size and media type exactly, so a
        client cannot attach someone's file under another name or forge its size or type. With
        ``uploader`` a file must also be theirs, unless it is already attached (``kept``): nobody
        opens another user's file by attaching it to a record of their own.
        """
        parsed = [_as_ref(raw) for raw in refs]
        wanted = {
            ref.file_id for ref in parsed if ref is not None and FILE_ID.fullmatch(ref.file_id)
        }
        stored = {row.id: row for row in self.repo.many(session, wanted)}
        problems: list[RefProblem] = []
        for index, ref in enumerate(parsed):
            if ref is None:
                problems.append((index, "file_ref_invalid"))
                continue
            row = stored.get(ref.file_id)
            if row is None:
                problems.append((index, "file_not_found"))
                continue
            if uploader is not None and row.created_by != uploader and row.id not in kept:
                problems.append((index, "file_not_yours"))
                continue
            sent, stored_ref = _comparable(ref), file_ref(row)
            problems.extend(
                (index, code)
                for attribute, code in REF_CHECKS
                if getattr(sent, attribute) != getattr(stored_ref, attribute)
            )
        return problems
