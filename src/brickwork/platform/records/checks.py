"""Record checks that need the database: unique values and links to existing records."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from brickwork.engines.form.definition import (
    AttachmentField,
    DepartmentField,
    LookupField,
    MemberField,
    MultiSelectField,
    SignatureField,
    SingleSelectField,
)
from brickwork.engines.form.problems import Problem
from brickwork.platform.auth.actor import Actor
from brickwork.platform.errors import NotFound
from brickwork.platform.files.service import FileService
from brickwork.platform.models import Department, User
from brickwork.platform.records.layout import unique_column
from brickwork.platform.records.published import (
    REFERENCE_NOT_FOUND,
    UNIQUE_VIOLATION,
    PublishedForm,
)
from brickwork.platform.records.repository import RecordRepository
from brickwork.platform.records.storage import to_columns

FindForm = Callable[[Session, str, str], PublishedForm]


def _ids(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    return tuple(value) if isinstance(value, tuple | list) else (str(value),)


OPTION_NOT_FOUND = Problem("option_unknown", "不是可选的选项", "is not one of the options")

FILE_PROBLEMS: dict[str, tuple[str, str]] = {
    "file_ref_invalid": ("附件引用格式不正确", "the file reference is not valid"),
    "file_not_found": ("附件不存在（请先上传）", "no stored file has this id; upload it first"),
    "file_name_mismatch": ("附件名称与已上传文件不符", "the name differs from the stored file's"),
    "file_size_mismatch": ("附件大小与已上传文件不符", "the size differs from the stored file's"),
    "file_type_mismatch": ("附件类型与已上传文件不符", "the type differs from the stored file's"),
    "file_not_yours": (
        "只能附加自己上传的文件（或记录中已有的附件）",
        "attach files you uploaded (or that the record already has)",
    ),
}


class StoredChecks:
    def __init__(
        self, repository: RecordRepository, find_form: FindForm, files: FileService | None = None
    ) -> None:
        self.repo = repository
        self.form = find_form
        self.files = files

    def run(
        self,
        session: Session,
        form: PublishedForm,
        batch: Sequence[Mapping[str, Any]],
        *,
        exclude_id: str | None = None,
        uploader: str | None = None,
        kept_files: frozenset[str] = frozenset(),
    ) -> dict[int, tuple[Problem, ...]]:
        """Checks that need the database: unique values, links to existing records, stored
        files (with ``uploader``: theirs, or among ``kept_files`` already on the record) and
        options read from another form."""
        problems = self._unique(session, form, batch, exclude_id=exclude_id)
        for found_by_index in (
            self._references(session, form, batch),
            self._attachments(session, form, batch, uploader, kept_files),
            self._options(session, form, batch),
            self._people(session, form, batch),
        ):
            for index, found in found_by_index.items():
                problems[index] = (*problems.get(index, ()), *found)
        return problems

    def _attachments(
        self,
        session: Session,
        form: PublishedForm,
        batch: Sequence[Mapping[str, Any]],
        uploader: str | None,
        kept: frozenset[str],
    ) -> dict[int, tuple[Problem, ...]]:
        """Attached files must be stored files, described exactly as they were uploaded."""
        problems: dict[int, tuple[Problem, ...]] = {}
        if self.files is None:
            return problems
        for item in form.definition.fields:
            if not isinstance(item, AttachmentField | SignatureField):
                continue
            owners: list[tuple[int, int | None]] = []
            refs: list[Any] = []
            for index, values in enumerate(batch):
                value = values.get(item.key)
                if isinstance(value, tuple | list):
                    owners.extend((index, place) for place in range(len(value)))
                    refs.extend(value)
                elif value is not None:
                    owners.append((index, None))
                    refs.append(value)
            found = (
                self.files.check_refs(session, refs, uploader=uploader, kept=kept) if refs else ()
            )
            for ref_index, code in found:
                owner, place = owners[ref_index]
                zh, en = FILE_PROBLEMS.get(code, FILE_PROBLEMS["file_ref_invalid"])
                pointer = f"/{item.key}" + ("" if place is None else f"/{place}")
                problems[owner] = (*problems.get(owner, ()), Problem(code, zh, en, pointer))
        return problems

    def _people(
        self, session: Session, form: PublishedForm, batch: Sequence[Mapping[str, Any]]
    ) -> dict[int, tuple[Problem, ...]]:
        """Member fields name active users; department fields name departments."""
        problems: dict[int, tuple[Problem, ...]] = {}
        for item in form.definition.fields:
            if isinstance(item, MemberField):
                table, where = User.__table__, [User.__table__.c.status == "active"]
            elif isinstance(item, DepartmentField):
                table, where = Department.__table__, []
            else:
                continue
            wanted = {index: _ids(values.get(item.key)) for index, values in enumerate(batch)}
            every = sorted({i for ids in wanted.values() for i in ids})
            if not every:
                continue
            found = self.repo.existing_ids(session, table, every, where)  # type: ignore[arg-type]
            for index, ids in wanted.items():
                if any(i not in found for i in ids):
                    problems[index] = (
                        *problems.get(index, ()),
                        REFERENCE_NOT_FOUND.under(f"/{item.key}"),
                    )
        return problems

    def _options(
        self, session: Session, form: PublishedForm, batch: Sequence[Mapping[str, Any]]
    ) -> dict[int, tuple[Problem, ...]]:
        """Choices whose options come from another form must be values found there."""
        problems: dict[int, tuple[Problem, ...]] = {}
        for item in form.definition.fields:
            # isinstance first: asking a pydantic model for an attribute it lacks is slow
            if not isinstance(item, SingleSelectField | MultiSelectField):
                continue
            source = item.options_from
            if source is None:
                continue
            wanted = {index: _ids(values.get(item.key)) for index, values in enumerate(batch)}
            every = sorted({v for values in wanted.values() for v in values})
            if not every:
                continue
            target = self.form(session, form.app_key, source.form)
            column = {f.key: c for f, c in target.shape.columns}.get(source.value_field)
            if column is None:
                raise NotFound(
                    f"form {source.form!r} has no field {source.value_field!r}",
                    code="option_source_missing",
                    zh_cn=f"表单 {source.form} 没有字段 {source.value_field}",
                )
            found = self.repo.taken_values(session, target.table, column.column, every)
            for index, values in wanted.items():
                if any(v not in found for v in values):
                    problems[index] = (
                        *problems.get(index, ()),
                        OPTION_NOT_FOUND.under(f"/{item.key}"),
                    )
        return problems

    def _references(
        self, session: Session, form: PublishedForm, batch: Sequence[Mapping[str, Any]]
    ) -> dict[int, tuple[Problem, ...]]:
        problems: dict[int, tuple[Problem, ...]] = {}
        for item in form.definition.fields:
            if not isinstance(item, LookupField):
                continue
            wanted = {index: _ids(values.get(item.key)) for index, values in enumerate(batch)}
            every = sorted({i for ids in wanted.values() for i in ids})
            if not every:
                continue
            target = self.form(session, item.target.app or form.app_key, item.target.form)
            where: list[ColumnElement[bool]] = [target.table.c.deleted_at.is_(None)]
            if item.where:
                from brickwork.platform.records.query import RecordQuery

                dialect = session.get_bind().dialect.name
                where += RecordQuery(
                    target, actor=Actor("system", system=True), dialect=dialect
                ).where(item.where)
            found = self.repo.existing_ids(session, target.table, every, where)
            for index, ids in wanted.items():
                if any(i not in found for i in ids):
                    problems[index] = (
                        *problems.get(index, ()),
                        REFERENCE_NOT_FOUND.under(f"/{item.key}"),
                    )
        return problems

    def _unique(
        self,
        session: Session,
        form: PublishedForm,
        batch: Sequence[Mapping[str, Any]],
        *,
        exclude_id: str | None = None,
    ) -> dict[int, tuple[Problem, ...]]:
        """Problems by batch index for values of unique fields that are already taken."""
        problems: dict[int, tuple[Problem, ...]] = {}
        columns = {item.key: (item, column) for item, column in form.shape.columns}
        for field_id in form.shape.layout.unique:
            item, column = next(pair for pair in columns.values() if pair[0].id == field_id)
            # An encrypted field is compared through its blind index (ciphertexts never repeat).
            target = unique_column(column)
            stored = [
                to_columns(
                    item,
                    column,
                    values.get(item.key),
                    cipher=form.shape.cipher,
                    table=form.table.name,
                ).get(target)
                for values in batch
            ]
            present = [v for v in stored if v is not None]
            taken = (
                self.repo.taken_values(session, form.table, target, present, exclude_id=exclude_id)
                if present
                else set()
            )
            seen: set[Any] = set()
            for index, value in enumerate(stored):
                if value is not None and (value in taken or value in seen):
                    problems[index] = (
                        *problems.get(index, ()),
                        UNIQUE_VIOLATION.under(f"/{item.key}"),
                    )
                seen.add(value)
        return problems
