"""Maker-checker publishing: when an app requires approval, a draft is published only after a
different user holding ``publish`` approves the request for it.

A request pins the draft revision and checksum it was made for: approving after the draft
changed is refused (``publish_request_stale``), so the checker approves exactly what they saw.
The requester can never approve (or reject) their own request, only withdraw it. One request per
definition may be pending. Every step is audited. Never commits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.orm import Session

from brickwork.jsonio import checksum
from brickwork.platform.audit.service import AuditLog
from brickwork.platform.auth.actor import Actor
from brickwork.platform.clock import Clock, new_id, system_clock
from brickwork.platform.errors import Conflict, ErrorItem, Forbidden, Invalid, NotFound
from brickwork.platform.metadata.schemas import Kind
from brickwork.platform.metadata.service import MetadataService, PublishOutcome, kind_zh
from brickwork.platform.models import Definition, PublishRequest

PENDING, APPROVED, REJECTED, WITHDRAWN = "pending", "approved", "rejected", "withdrawn"
CLOSED_ZH = {APPROVED: "已批准", REJECTED: "已驳回", WITHDRAWN: "已撤回"}


def request_out(row: PublishRequest, definition: Definition) -> dict[str, Any]:
    return {
        "id": row.id,
        "kind": definition.kind,
        "key": definition.key,
        "draft_revision": row.draft_revision,
        "checksum": row.checksum,
        "note": row.note,
        "conversions": row.conversions,
        "status": row.status,
        "requested_by": row.requested_by,
        "requested_at": row.requested_at,
        "decided_by": row.decided_by,
        "decided_at": row.decided_at,
        "decision_note": row.decision_note,
        "published_version": row.published_version,
    }


class PublishApprovals:
    def __init__(
        self, *, metadata: MetadataService, clock: Clock = system_clock, audit: AuditLog
    ) -> None:
        self.metadata = metadata
        self.repo = metadata.repo
        self.clock = clock
        self.audit = audit

    def request(
        self,
        session: Session,
        actor: Actor,
        app_key: str,
        kind: Kind,
        key: str,
        *,
        note: str = "",
        base_revision: int | None = None,
        conversions: Mapping[str, str] | None = None,
    ) -> tuple[PublishRequest, Definition]:
        """Ask for the current draft to be published; checked now as publishing would be."""
        # Checked as publishing would be (permission, draft valid and changed, storage steps
        # possible with these conversions), without writing anything.
        self.metadata.publish(
            session,
            actor,
            app_key,
            kind,
            key,
            base_revision=base_revision,
            conversions=conversions,
            dry_run=True,
        )
        definition = self.metadata.definition(session, app_key, kind, key)
        if self.repo.publish_requests(
            session, definition.app_id, status=PENDING, definition_id=definition.id
        ):
            raise Conflict(
                f"{kind.value} {key!r} already has a pending publish request; decide or "
                "withdraw it first",
                code="publish_request_pending",
                zh_cn=f"{kind_zh(kind)} {key!r} 已有待审批的发布申请：请先审批或撤回",
            )
        row = PublishRequest(
            id=new_id(),
            definition_id=definition.id,
            draft_revision=definition.draft_revision,
            checksum=checksum(definition.draft),
            note=note,
            conversions=dict(conversions or {}),
            status=PENDING,
            requested_by=actor.username,
            requested_at=self.clock(),
            decided_by=None,
            decided_at=None,
            decision_note=None,
            published_version=None,
        )
        self.repo.add(session, row)
        self._audit(session, actor, "publish.request", app_key, definition, row)
        return row, definition

    def list(
        self, session: Session, actor: Actor, app_key: str, *, status: str | None = None
    ) -> list[tuple[PublishRequest, Definition]]:
        app = self.metadata.require_visible(session, actor, app_key)
        rows = self.repo.publish_requests(session, app.id, status=status)
        found = [(row, self._definition(session, row)) for row in rows]
        return [
            (row, definition)
            for row, definition in found
            if self._visible(actor, app_key, definition)
        ]

    def _visible(self, actor: Actor, app_key: str, definition: Definition) -> bool:
        return self.metadata.definition_visible(
            actor, app_key, Kind(definition.kind), definition.key
        )

    def get(
        self, session: Session, actor: Actor, app_key: str, request_id: str
    ) -> tuple[PublishRequest, Definition]:
        app = self.metadata.require_visible(session, actor, app_key)
        row = self.repo.publish_request(session, request_id)
        definition = self._definition(session, row) if row is not None else None
        if (
            row is None
            or definition is None
            or definition.app_id != app.id
            or not self._visible(actor, app_key, definition)
        ):
            raise NotFound(
                f"app {app_key!r} has no publish request {request_id!r}",
                code="publish_request_not_found",
                zh_cn=f"应用 {app_key!r} 没有发布申请 {request_id!r}",
            )
        return row, definition

    def approve(
        self, session: Session, actor: Actor, app_key: str, request_id: str, *, note: str = ""
    ) -> tuple[PublishRequest, Definition, PublishOutcome]:
        """Publish the pinned draft as ``actor`` (who must hold publish and not be the maker)."""
        row, definition = self._decidable(session, actor, app_key, request_id)
        if (
            definition.draft_revision != row.draft_revision
            or checksum(definition.draft) != row.checksum
        ):
            raise Conflict(
                f"the draft changed after the request (revision {row.draft_revision}, now "
                f"{definition.draft_revision}); the requester must withdraw it and ask again",
                code="publish_request_stale",
                zh_cn=f"提交申请后草稿已有改动（申请时为修订 {row.draft_revision}，现为修订 "
                f"{definition.draft_revision}）：须由申请人撤回后重新申请",
            )
        outcome = self.metadata.publish(
            session,
            actor,
            app_key,
            Kind(definition.kind),
            definition.key,
            note=row.note,
            conversions=row.conversions,
            approval=row.id,
        )
        self._close(row, actor, APPROVED, note)
        row.published_version = outcome.version_number
        self.repo.save(session)
        self._audit(session, actor, "publish.approve", app_key, definition, row)
        return row, definition, outcome

    def reject(
        self, session: Session, actor: Actor, app_key: str, request_id: str, *, note: str
    ) -> tuple[PublishRequest, Definition]:
        row, definition = self._decidable(session, actor, app_key, request_id)
        if not note.strip():
            message = "say why the request is rejected"
            raise Invalid(
                message,
                code="decision_note_required",
                errors=[ErrorItem("/note", "decision_note_required", message)],
                zh_cn="请写明驳回的原因",
            )
        self._close(row, actor, REJECTED, note)
        self.repo.save(session)
        self._audit(session, actor, "publish.reject", app_key, definition, row)
        return row, definition

    def withdraw(
        self, session: Session, actor: Actor, app_key: str, request_id: str
    ) -> tuple[PublishRequest, Definition]:
        row, definition = self.get(session, actor, app_key, request_id)
        if row.requested_by != actor.username:
            raise Forbidden(
                "only the requester may withdraw a publish request",
                code="not_the_requester",
                zh_cn="只有申请人可以撤回发布申请",
            )
        self._pending(row)
        self._close(row, actor, WITHDRAWN, "")
        self.repo.save(session)
        self._audit(session, actor, "publish.withdraw", app_key, definition, row)
        return row, definition

    # ------------------------------------------------------------ helpers

    def _decidable(
        self, session: Session, actor: Actor, app_key: str, request_id: str
    ) -> tuple[PublishRequest, Definition]:
        self.metadata.require(session, actor, "publish", app_key)
        row, definition = self.get(session, actor, app_key, request_id)
        self._pending(row)
        if row.requested_by == actor.username:
            raise Forbidden(
                "you requested this publication; another user holding 'publish' must decide it "
                "(maker-checker)",
                code="self_approval_forbidden",
                zh_cn="这是您提交的发布申请：须由另一位拥有发布权限的用户审批（双人复核）",
            )
        return row, definition

    @staticmethod
    def _pending(row: PublishRequest) -> None:
        if row.status != PENDING:
            raise Conflict(
                f"the publish request is already {row.status}",
                code="publish_request_closed",
                zh_cn=f"该发布申请{CLOSED_ZH.get(row.status, '已处理')}",
            )

    def _close(self, row: PublishRequest, actor: Actor, status: str, note: str) -> None:
        row.status = status
        row.decided_by = actor.username
        row.decided_at = self.clock()
        row.decision_note = note

    def _definition(self, session: Session, row: PublishRequest) -> Definition:
        definition = self.repo.definition_by_id(session, row.definition_id)
        assert definition is not None  # a foreign key guarantees it
        return definition

    def _audit(
        self,
        session: Session,
        actor: Actor,
        action: str,
        app_key: str,
        definition: Definition,
        row: PublishRequest,
    ) -> None:
        self.audit.record(
            session,
            actor,
            action,
            object_type="publish_request",
            object_id=row.id,
            details={
                "definition": f"{app_key}/{definition.kind}/{definition.key}",
                "draft_revision": row.draft_revision,
                "requested_by": row.requested_by,
                "status": row.status,
                "note": row.decision_note if row.decided_by else row.note,
                "published_version": row.published_version,
            },
        )


def decided(rows: Sequence[tuple[PublishRequest, Definition]]) -> list[dict[str, Any]]:
    return [request_out(row, definition) for row, definition in rows]
