"""Record checks that need the database: unique values and links to existing records."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
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
    SubtableField,
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


Given = list[tuple[int, str, Any]]
"""A field's values in a batch: (the item's index, the value's pointer, the value), each given
one (not null)."""


def _slots(
    form: PublishedForm, batch: Sequence[Mapping[str, Any]], kinds: type | tuple[type, ...]
) -> Iterator[tuple[Any, Given]]:
    """Each field of `kinds` with the values the batch gives it: a field of the record's
    (pointer `/<field>`) or of a subtable's rows (`/<subtable>/<row>/<field>`), each checked
    as the other."""
    for item in form.definition.fields:
        if isinstance(item, kinds):
            given = [
                (index, f"/{item.key}", value)
                for index, values in enumerate(batch)
                if (value := values.get(item.key)) is not None
            ]
            yield item, given
        elif isinstance(item, SubtableField):
            for child in item.fields:
                if not isinstance(child, kinds):
                    continue
                given = [
                    (index, f"/{item.key}/{place}/{child.key}", value)
                    for index, values in enumerate(batch)
                    for place, row in enumerate(_rows(values.get(item.key)))
                    if (value := row.get(child.key)) is not None
                ]
                yield child, given


def _rows(value: Any) -> list[Mapping[str, Any]]:
    if not isinstance(value, list | tuple):
        return []
    return [row if isinstance(row, Mapping) else {} for row in value]


def _add(problems: dict[int, tuple[Problem, ...]], found: Iterable[tuple[int, Problem]]) -> None:
    for index, problem in found:
        problems[index] = (*problems.get(index, ()), problem)


def _missing(
    given: Given, found: set[str] | frozenset[str], problem: Problem
) -> Iterator[tuple[int, Problem]]:
    """`problem` (at its value's pointer) for each value naming an id not `found`."""
    for index, pointer, value in given:
        if any(i not in found for i in _ids(value)):
            yield index, problem.under(pointer)


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
        for _item, given in _slots(form, batch, (AttachmentField, SignatureField)):
            owners: list[tuple[int, str]] = []
            refs: list[Any] = []
            for index, pointer, value in given:
                if isinstance(value, tuple | list):
                    owners.extend((index, f"{pointer}/{place}") for place in range(len(value)))
                    refs.extend(value)
                else:
                    owners.append((index, pointer))
                    refs.append(value)
            found = (
                self.files.check_refs(session, refs, uploader=uploader, kept=kept) if refs else ()
            )
            for ref_index, code in found:
                owner, pointer = owners[ref_index]
                zh, en = FILE_PROBLEMS.get(code, FILE_PROBLEMS["file_ref_invalid"])
                problems[owner] = (*problems.get(owner, ()), Problem(code, zh, en, pointer))
        return problems

    def _people(
        self, session: Session, form: PublishedForm, batch: Sequence[Mapping[str, Any]]
    ) -> dict[int, tuple[Problem, ...]]:
        """Member fields name active users; department fields name departments."""
        problems: dict[int, tuple[Problem, ...]] = {}
        for item, given in _slots(form, batch, (MemberField, DepartmentField)):
            if isinstance(item, MemberField):
                table, where = User.__table__, [User.__table__.c.status == "active"]
            else:
                table, where = Department.__table__, []
            every = sorted({i for _, _, value in given for i in _ids(value)})
            if every:
                found = self.repo.existing_ids(session, table, every, where)  # type: ignore[arg-type]
                _add(problems, _missing(given, found, REFERENCE_NOT_FOUND))
        return problems

    def _options(
        self, session: Session, form: PublishedForm, batch: Sequence[Mapping[str, Any]]
    ) -> dict[int, tuple[Problem, ...]]:
        """Choices whose options come from another form must be values found there."""
        problems: dict[int, tuple[Problem, ...]] = {}
        for item, given in _slots(form, batch, (SingleSelectField, MultiSelectField)):
            source = item.options_from
            every = sorted({v for _, _, value in given for v in _ids(value)})
            if source is None or not every:
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
            _add(problems, _missing(given, found, OPTION_NOT_FOUND))
        return problems

    def _references(
        self, session: Session, form: PublishedForm, batch: Sequence[Mapping[str, Any]]
    ) -> dict[int, tuple[Problem, ...]]:
        problems: dict[int, tuple[Problem, ...]] = {}
        for item, given in _slots(form, batch, LookupField):
            every = sorted({i for _, _, value in given for i in _ids(value)})
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
            _add(problems, _missing(given, found, REFERENCE_NOT_FOUND))
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
