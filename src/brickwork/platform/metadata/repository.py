"""SQL of the metadata store. Nothing else in the area runs queries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, Table, bindparam, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from brickwork.platform.errors import Conflict
from brickwork.platform.models import (
    Application,
    Definition,
    DefinitionVersion,
    PublishRequest,
)

_APP_BY_KEY = select(Application).where(Application.key == bindparam("key"))
_DEFINITION = select(Definition).where(
    Definition.app_id == bindparam("app"),
    Definition.kind == bindparam("kind"),
    Definition.key == bindparam("key"),
)
"""Built once: most requests that start or show a flow look up its app and definition."""


class MetadataRepository:
    def app_by_key(self, session: Session, key: str) -> Application | None:
        return session.scalars(_APP_BY_KEY, {"key": key}).one_or_none()

    def app_by_id(self, session: Session, app_id: str) -> Application | None:
        return session.get(Application, app_id)

    def apps(self, session: Session, *, include_archived: bool) -> Sequence[Application]:
        query = select(Application).order_by(Application.key)
        if not include_archived:
            query = query.where(Application.archived_at.is_(None))
        return session.scalars(query).all()

    def definition(self, session: Session, app_id: str, kind: str, key: str) -> Definition | None:
        values = {"app": app_id, "kind": kind, "key": key}
        return session.scalars(_DEFINITION, values).one_or_none()

    def definition_by_id(self, session: Session, definition_id: str) -> Definition | None:
        return session.get(Definition, definition_id)

    def definitions(
        self, session: Session, app_id: str, *, kind: str | None, include_archived: bool
    ) -> Sequence[Definition]:
        query = select(Definition).where(Definition.app_id == app_id)
        if kind is not None:
            query = query.where(Definition.kind == kind)
        if not include_archived:
            query = query.where(Definition.archived_at.is_(None))
        return session.scalars(query.order_by(Definition.kind, Definition.key)).all()

    def published(self, session: Session, app_key: str, kind: str) -> list[tuple[str, str, int]]:
        """(definition id, key, latest version) of the app's published, live definitions of a
        kind, in one statement."""
        found = session.execute(_PUBLISHED, {"app": app_key, "kind": kind})
        return [(row[0], row[1], row[2] or 0) for row in found]

    def published_as_of(
        self, session: Session, app_key: str, kind: str, at: datetime, key: str | None = None
    ) -> list[tuple[str, DefinitionVersion]]:
        """(key, version) of the app's definitions of a kind as they were in force at `at`: the
        latest version published by then, of each definition not archived by then (one
        statement). A definition archived and restored again counts by its last archive."""
        latest = (
            select(
                DefinitionVersion.definition_id,
                func.max(DefinitionVersion.version).label("number"),
            )
            .where(DefinitionVersion.published_at <= at)
            .group_by(DefinitionVersion.definition_id)
            .subquery()
        )
        query = (
            select(Definition.key, DefinitionVersion)
            .join(Application, Application.id == Definition.app_id)
            .join(latest, latest.c.definition_id == Definition.id)
            .join(
                DefinitionVersion,
                (DefinitionVersion.definition_id == Definition.id)
                & (DefinitionVersion.version == latest.c.number),
            )
            .where(
                Application.key == app_key,
                Definition.kind == kind,
                (Definition.archived_at.is_(None)) | (Definition.archived_at > at),
            )
            .order_by(Definition.key)
        )
        if key is not None:
            query = query.where(Definition.key == key)
        return [(row[0], row[1]) for row in session.execute(query)]

    def version(
        self, session: Session, definition_id: str, number: int
    ) -> DefinitionVersion | None:
        query = select(DefinitionVersion).where(
            DefinitionVersion.definition_id == definition_id, DefinitionVersion.version == number
        )
        return session.scalars(query).one_or_none()

    def versions(self, session: Session, definition_id: str) -> Sequence[DefinitionVersion]:
        query = (
            select(DefinitionVersion)
            .where(DefinitionVersion.definition_id == definition_id)
            .order_by(DefinitionVersion.version)
        )
        return session.scalars(query).all()

    def publish_request(self, session: Session, request_id: str) -> PublishRequest | None:
        return session.get(PublishRequest, request_id)

    def publish_requests(
        self,
        session: Session,
        app_id: str,
        *,
        status: str | None = None,
        definition_id: str | None = None,
    ) -> Sequence[PublishRequest]:
        query = (
            select(PublishRequest)
            .join(Definition, Definition.id == PublishRequest.definition_id)
            .where(Definition.app_id == app_id)
        )
        if status is not None:
            query = query.where(PublishRequest.status == status)
        if definition_id is not None:
            query = query.where(PublishRequest.definition_id == definition_id)
        return session.scalars(query.order_by(PublishRequest.requested_at.desc())).all()

    def add(
        self,
        session: Session,
        row: Application | Definition | DefinitionVersion | PublishRequest,
    ) -> None:
        session.add(row)
        self.save(session)

    def save(self, session: Session) -> None:
        """Flush; a concurrent writer's change surfaces as a 409, never as a lost update."""
        try:
            session.flush()
        except (StaleDataError, IntegrityError) as exc:
            raise Conflict(
                "someone else changed this at the same moment; reload and try again",
                code="concurrent_change",
                zh_cn="他人同时修改了此内容：请刷新后重试",
            ) from exc


def _table(model: type[Any]) -> Table:
    """The Core table of a model: statements over it skip the ORM's per-statement work."""
    table: Table = model.__table__
    return table


def _published() -> Select[Any]:
    definitions, apps = _table(Definition), _table(Application)
    return (
        select(definitions.c.id, definitions.c.key, definitions.c.latest_version)
        .join(apps, apps.c.id == definitions.c.app_id)
        .where(
            apps.c.key == bindparam("app"),
            definitions.c.kind == bindparam("kind"),
            definitions.c.archived_at.is_(None),
            definitions.c.latest_version.is_not(None),
        )
        .order_by(definitions.c.key)
    )


# Read on every command that may trigger rules: built once (building costs more than running).
_PUBLISHED = _published()
