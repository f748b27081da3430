"""SQL of flow runs: instances (compare-and-swap on the state version, a row lock on
PostgreSQL), tasks, the timeline, idempotency keys, timers' jobs and out-of-office entries."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Table,
    and_,
    bindparam,
    case,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql import Update

from brickwork.platform.models import (
    BusinessCalendarRow,
    FlowCommand,
    FlowHistory,
    FlowInstance,
    FlowTask,
    Job,
    OutOfOffice,
    Role,
)
from brickwork.platform.models.flow_task import CLOSED, OPEN
from brickwork.platform.models.job import DONE, QUEUED


class RunRepository:
    # ------------------------------------------------------------ instances

    def add(self, session: Session, row: Any) -> None:
        session.add(row)
        session.flush()

    def instances_by_id(self, session: Session, ids: Sequence[str]) -> list[FlowInstance]:
        """The instances of `ids` that exist (one query)."""
        if not ids:
            return []
        return list(session.scalars(select(FlowInstance).where(FlowInstance.id.in_(ids))))

    def open_tasks_in(
        self, session: Session, assignee: str, instance_ids: Sequence[str]
    ) -> list[FlowTask]:
        """`assignee`'s open tasks in the instances of `instance_ids`, oldest first."""
        if not instance_ids:
            return []
        statement = (
            select(FlowTask)
            .where(
                FlowTask.instance_id.in_(instance_ids),
                FlowTask.assignee == assignee,
                FlowTask.status == OPEN,
            )
            .order_by(FlowTask.id)
        )
        return list(session.scalars(statement))

    def instance(self, session: Session, instance_id: str, *, lock: bool = False) -> FlowInstance:
        """The instance (None when missing); with `lock`, its row is locked on PostgreSQL until
        the transaction ends (SQLite has one writer at a time)."""
        locked = lock and session.get_bind().dialect.name == "postgresql"
        statement = _INSTANCE_LOCKED if locked else _INSTANCE
        found: FlowInstance = session.scalars(statement, {"id": instance_id}).one()
        return found

    def instance_to_step(self, session: Session, instance_id: str) -> tuple[FlowInstance, int]:
        """The instance, locked as `instance(lock=True)` does, with the sequence number its
        next timeline row takes (one statement on SQLite, where a transaction that writes
        holds the database from its first statement)."""
        if session.get_bind().dialect.name == "postgresql":
            # The sequence is read after the lock is held: a statement that waited for the lock
            # would see the timeline as it was when the statement began.
            instance = self.instance(session, instance_id, lock=True)
            return instance, self.next_seq(session, instance_id)
        row = session.execute(_TO_STEP, {"instance": instance_id}).one()
        return row[0], int(row[1])

    def find_instance(self, session: Session, instance_id: str) -> FlowInstance | None:
        return session.get(FlowInstance, instance_id)

    def swap(
        self, session: Session, instance_id: str, expected: int, values: dict[str, Any]
    ) -> bool:
        """Write `values` while the instance's version is still `expected` (False otherwise)."""
        names = tuple(sorted(values))
        statement = _SWAPS.get(names)
        if statement is None:
            instances = _table(FlowInstance)
            statement = (
                update(instances)
                .where(instances.c.id == bindparam("_id"), instances.c.version == bindparam("_v"))
                .values({name: bindparam(name) for name in names})
            )
            _SWAPS[names] = statement
        result = session.execute(statement, {"_id": instance_id, "_v": expected, **values})
        return result.rowcount == 1  # type: ignore[attr-defined, no-any-return]

    def of_record(
        self, session: Session, app_key: str, form_key: str, record_id: str
    ) -> list[FlowInstance]:
        values = {"app": app_key, "form": form_key, "record": record_id}
        return list(session.scalars(_OF_RECORD, values))

    def latest_of_record(
        self, session: Session, app_key: str, form_key: str, record_id: str
    ) -> str | None:
        """The id of the flow started last on the record (subflows left out)."""
        values = {"app": app_key, "form": form_key, "record": record_id}
        found: str | None = session.scalars(_LATEST_OF_RECORD, values).first()
        return found

    def running_children(self, session: Session, parent_id: str) -> list[FlowInstance]:
        """The running subflow instances of `parent_id`, locked (PostgreSQL) for ending them."""
        statement = (
            select(FlowInstance)
            .where(FlowInstance.parent_id == parent_id, FlowInstance.status == "running")
            .order_by(FlowInstance.started_at, FlowInstance.id)
        )
        if session.get_bind().dialect.name == "postgresql":
            statement = statement.with_for_update()
        return list(session.scalars(statement))

    def running_on(self, session: Session, app_key: str, form_key: str, record_id: str) -> bool:
        statement = select(FlowInstance.id).where(
            FlowInstance.app_key == app_key,
            FlowInstance.form_key == form_key,
            FlowInstance.record_id == record_id,
            FlowInstance.running_key.is_not(None),
        )
        return session.execute(statement.limit(1)).first() is not None

    def running_of(
        self, session: Session, app_key: str, form_key: str, record_id: str, *, lock: bool = False
    ) -> list[FlowInstance]:
        """The instances running on a record; with `lock`, their rows are locked on PostgreSQL
        until the transaction ends."""
        locked = lock and session.get_bind().dialect.name == "postgresql"
        values = {"app": app_key, "form": form_key, "record": record_id}
        return list(session.scalars(_RUNNING_OF_LOCKED if locked else _RUNNING_OF, values))

    def running_versions(self, session: Session, app_key: str) -> list[tuple[str, int, int]]:
        """(flow key, version, running instances) of the app's flow versions still in use."""
        statement = (
            select(FlowInstance.flow_key, FlowInstance.flow_version, func.count())
            .where(FlowInstance.app_key == app_key, FlowInstance.finished_at.is_(None))
            .group_by(FlowInstance.flow_key, FlowInstance.flow_version)
            .order_by(FlowInstance.flow_key, FlowInstance.flow_version)
        )
        return [(row[0], int(row[1]), int(row[2])) for row in session.execute(statement)]

    def running_key_taken(self, session: Session, key: str) -> bool:
        return session.execute(_RUNNING_KEY, {"key": key}).first() is not None

    def role_keys(self, session: Session) -> list[str]:
        return list(session.scalars(select(Role.key)))

    def calendars(self, session: Session) -> list[tuple[str, Any]]:
        """(key, body) of every business calendar."""
        rows = session.execute(select(BusinessCalendarRow.key, BusinessCalendarRow.body))
        return [(row[0], row[1]) for row in rows]

    # ------------------------------------------------------------ tasks

    def task_row(self, session: Session, task_id: int) -> FlowTask | None:
        found: FlowTask | None = session.scalars(_TASK_BY_ID, {"id": task_id}).first()
        return found

    def tasks_of(
        self, session: Session, instance_id: str, status: str | None = None
    ) -> list[FlowTask]:
        """The instance's tasks (with `status` only), oldest first."""
        if status is not None:
            return list(
                session.scalars(_TASKS_WITH_STATUS, {"instance": instance_id, "status": status})
            )
        statement = select(FlowTask).where(FlowTask.instance_id == instance_id)
        return list(session.scalars(statement.order_by(FlowTask.id)))

    def open_task(self, session: Session, instance_id: str, task: str) -> FlowTask | None:
        statement = select(FlowTask).where(
            FlowTask.instance_id == instance_id, FlowTask.task == task
        )
        return session.scalars(statement).first()

    def close_task(
        self,
        session: Session,
        instance_id: str,
        task: str,
        values: dict[str, Any],
    ) -> None:
        tasks = _table(FlowTask)
        statement = (
            update(tasks)
            .where(tasks.c.instance_id == instance_id, tasks.c.task == task, tasks.c.status == OPEN)
            .values(status=CLOSED, **values)
        )
        session.execute(statement)

    def update_task(
        self, session: Session, instance_id: str, task: str, values: dict[str, Any]
    ) -> None:
        tasks = _table(FlowTask)
        statement = (
            update(tasks)
            .where(tasks.c.instance_id == instance_id, tasks.c.task == task)
            .values(**values)
        )
        session.execute(statement)

    def participants(self, session: Session, instance_id: str) -> set[str]:
        statement = select(FlowTask.assignee, FlowTask.owner).where(
            FlowTask.instance_id == instance_id
        )
        found: set[str] = set()
        for assignee, owner in session.execute(statement):
            found.add(assignee)
            if owner:
                found.add(owner)
        return found

    # ------------------------------------------------------------ history

    def next_seq(self, session: Session, instance_id: str) -> int:
        return int(session.execute(_LAST_SEQ, {"instance": instance_id}).scalar() or 0) + 1

    def add_history(self, session: Session, lines: Sequence[dict[str, Any]]) -> None:
        """Timeline rows in one statement (nobody reads them back as objects meanwhile)."""
        session.execute(_ADD_HISTORY, list(lines))

    def history(self, session: Session, instance_id: str) -> list[FlowHistory]:
        statement = select(FlowHistory).where(FlowHistory.instance_id == instance_id)
        return list(session.scalars(statement.order_by(FlowHistory.seq)))

    # ------------------------------------------------------------ idempotency

    def claim_key(
        self, session: Session, instance_id: str, key: str, action: str, actor: str, at: datetime
    ) -> bool:
        """Store a command's idempotency key; False when it was stored before."""
        values = {
            "instance_id": instance_id,
            "key": key,
            "action": action,
            "actor": actor,
            "at": at,
        }
        if session.get_bind().dialect.name == "postgresql":
            statement: Any = postgresql.insert(FlowCommand).on_conflict_do_nothing()
        else:
            statement = sqlite.insert(FlowCommand).on_conflict_do_nothing()
        found = session.execute(statement.values(**values).returning(FlowCommand.key)).scalar()
        return found is not None

    # ------------------------------------------------------------ timers

    def cancel_job(self, session: Session, key: str, at: datetime) -> None:
        """A timer's queued job done without running (its timer was cancelled)."""
        statement = (
            update(Job)
            .where(Job.key == key, Job.status == QUEUED)
            .values(status=DONE, finished_at=at, result={"cancelled": True})
            .execution_options(synchronize_session=False)
        )
        session.execute(statement)

    # ------------------------------------------------------------ inbox

    def inbox(
        self,
        session: Session,
        conditions: Sequence[ColumnElement[bool]],
        *,
        order: Sequence[Any],
        limit: int,
        offset: int,
    ) -> tuple[list[tuple[FlowTask | None, FlowInstance]], int]:
        """One page of (task, instance) rows matching `conditions`, and how many match."""
        page = self.inbox_page(session, conditions, order=order, limit=limit, offset=offset)
        return page, self.count(session, conditions)

    def inbox_page(
        self,
        session: Session,
        conditions: Sequence[ColumnElement[bool]],
        *,
        order: Sequence[Any],
        limit: int,
        offset: int,
    ) -> list[tuple[FlowTask | None, FlowInstance]]:
        """One page of (task, instance) rows matching `conditions`, without counting them."""
        statement = (
            select(FlowTask, FlowInstance)
            .select_from(FlowInstance)
            .outerjoin(FlowTask, FlowTask.instance_id == FlowInstance.id)
            .where(*conditions)
            .order_by(*order)
        )
        rows = session.execute(statement.limit(limit).offset(offset)).all()
        return [(row[0], row[1]) for row in rows]

    def count_each(
        self,
        session: Session,
        cases: Mapping[str, Sequence[ColumnElement[bool]]],
        where: Sequence[ColumnElement[bool]],
    ) -> dict[str, int]:
        """How many (instance, task) rows matching `where` match each case's conditions, in one
        query (as `count(where + case)` per case would answer)."""
        counted = [
            func.count(case((and_(*conditions), 1))).label(name)
            for name, conditions in cases.items()
        ]
        statement = (
            select(*counted)
            .select_from(FlowInstance)
            .outerjoin(FlowTask, FlowTask.instance_id == FlowInstance.id)
            .where(*where)
        )
        row = session.execute(statement).one()
        return {name: int(row[index] or 0) for index, name in enumerate(cases)}

    def count(self, session: Session, conditions: Sequence[ColumnElement[bool]]) -> int:
        base = (
            select(FlowInstance.id)
            .select_from(FlowInstance)
            .outerjoin(FlowTask, FlowTask.instance_id == FlowInstance.id)
            .where(*conditions)
        )
        total = session.execute(select(func.count()).select_from(base.subquery())).scalar()
        return int(total or 0)

    def instances(
        self,
        session: Session,
        conditions: Sequence[ColumnElement[bool]],
        *,
        limit: int,
        offset: int,
        newest_first: bool = False,
    ) -> tuple[list[FlowInstance], int]:
        """One page of the instances matching `conditions` by start (oldest first unless
        `newest_first`), and how many match."""
        started = FlowInstance.started_at.desc() if newest_first else FlowInstance.started_at
        statement = select(FlowInstance).where(*conditions).order_by(started, FlowInstance.id)
        page = list(session.scalars(statement.limit(limit).offset(offset)))
        return page, self.count_instances(session, conditions)

    def count_instances(self, session: Session, conditions: Sequence[ColumnElement[bool]]) -> int:
        """How many instances match `conditions`."""
        statement = select(func.count()).select_from(FlowInstance).where(*conditions)
        return int(session.execute(statement).scalar() or 0)

    # ------------------------------------------------------------ out of office

    def absences(self, session: Session, username: str) -> list[OutOfOffice]:
        statement = select(OutOfOffice).where(OutOfOffice.username == username)
        return list(session.scalars(statement.order_by(OutOfOffice.starts_at, OutOfOffice.id)))

    def absence(self, session: Session, entry_id: int) -> OutOfOffice | None:
        return session.get(OutOfOffice, entry_id)

    def overlapping(
        self, session: Session, username: str, starts: datetime, ends: datetime
    ) -> OutOfOffice | None:
        statement = select(OutOfOffice).where(
            OutOfOffice.username == username,
            and_(OutOfOffice.starts_at < ends, OutOfOffice.ends_at > starts),
        )
        return session.scalars(statement.limit(1)).first()

    def delete(self, session: Session, row: Any) -> None:
        session.delete(row)
        session.flush()


def text_match(text: str) -> ColumnElement[bool]:
    """Instances whose flow, form, initiator or record id contains `text` (case-insensitive)."""
    pattern = f"%{text.lower()}%"
    return or_(
        func.lower(FlowInstance.flow_key).like(pattern),
        func.lower(FlowInstance.form_key).like(pattern),
        func.lower(FlowInstance.initiator).like(pattern),
        func.lower(FlowInstance.record_id).like(pattern),
    )


def _table(model: type[Any]) -> Table:
    """The Core table of a model: statements over it skip the ORM's per-statement work."""
    table: Table = model.__table__
    return table


def _to_step() -> Any:
    history = _table(FlowHistory)
    seq = (
        select(func.coalesce(func.max(history.c.seq), 0) + 1)
        .where(history.c.instance_id == bindparam("instance"))
        .scalar_subquery()
    )
    statement = select(FlowInstance, seq).where(FlowInstance.id == bindparam("instance"))
    return statement.execution_options(populate_existing=True)


# Statements of every command, built once: building one costs more than running it on SQLite.
_TO_STEP = _to_step()
_TASKS_WITH_STATUS = (
    select(FlowTask)
    .where(FlowTask.instance_id == bindparam("instance"), FlowTask.status == bindparam("status"))
    .order_by(FlowTask.id)
)
_TASK_BY_ID = select(FlowTask).where(FlowTask.id == bindparam("id"))
_INSTANCE = (
    select(FlowInstance)
    .where(FlowInstance.id == bindparam("id"))
    .execution_options(populate_existing=True)
)
_INSTANCE_LOCKED = _INSTANCE.with_for_update()
_ON_RECORD = (
    FlowInstance.app_key == bindparam("app"),
    FlowInstance.form_key == bindparam("form"),
    FlowInstance.record_id == bindparam("record"),
)
_LATEST_OF_RECORD = (
    select(FlowInstance.id)
    .where(*_ON_RECORD, FlowInstance.parent_id.is_(None))
    .order_by(FlowInstance.started_at.desc(), FlowInstance.id.desc())
    .limit(1)
)
_OF_RECORD = (
    select(FlowInstance).where(*_ON_RECORD).order_by(FlowInstance.started_at, FlowInstance.id)
)
_RUNNING_OF = (
    select(FlowInstance)
    .where(*_ON_RECORD, FlowInstance.running_key.is_not(None))
    .order_by(FlowInstance.id)
    .execution_options(populate_existing=True)
)
_RUNNING_OF_LOCKED = _RUNNING_OF.with_for_update()
_RUNNING_KEY = select(FlowInstance.id).where(FlowInstance.running_key == bindparam("key"))
_LAST_SEQ = select(func.max(FlowHistory.seq)).where(
    FlowHistory.instance_id == bindparam("instance")
)
_ADD_HISTORY = insert(_table(FlowHistory))
"""Statements of every flow command, built once: building one and its cache key costs more than
running it (about 0.1 ms each)."""
_SWAPS: dict[tuple[str, ...], Update] = {}
