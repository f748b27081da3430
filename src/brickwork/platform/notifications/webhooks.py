"""Webhook targets as data: system administrators register each under a key (URL, signing
secret, description; audited); rules name a key, never a URL, so whoever writes rules cannot
make the server call an address of their choosing. A URL is `https://`, or `http://` only to a
host of `BRICKWORK_WEBHOOK_HTTP_HOSTS`, and carries no credentials. The secret is stored
encrypted with the key file and never shown again."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from brickwork.platform.audit.service import AuditLog
from brickwork.platform.auth.actor import Actor
from brickwork.platform.auth.permissions import PermissionService
from brickwork.platform.auth.roles import SYSTEM_ADMIN
from brickwork.platform.clock import Clock, system_clock
from brickwork.platform.crypto.cipher import Cipher
from brickwork.platform.errors import Conflict, ErrorItem, Invalid, NotFound
from brickwork.platform.models import Webhook
from brickwork.platform.notifications.repository import NotificationRepository
from brickwork.platform.notifications.schemas import WebhookBody

SECRET_CONTEXT = "webhooks:secret"


def url_problem(url: str, http_hosts: Collection[str]) -> str | None:
    """Why a webhook may not call `url` (None: it may)."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - reading it checks the port
    except ValueError:
        return "the URL cannot be read"
    if parts.username or parts.password:
        return "a webhook URL carries no credentials (the secret signs the requests)"
    if not parts.hostname:
        return "the URL names no host"
    if parts.scheme == "https":
        return None
    if parts.scheme == "http":
        if parts.hostname.lower() in http_hosts:
            return None
        return (
            f"plain http is allowed only to the hosts of BRICKWORK_WEBHOOK_HTTP_HOSTS; "
            f"use https for {parts.hostname}"
        )
    return "a webhook URL is https:// (or http:// to an allowed host)"


class WebhookService:
    def __init__(
        self,
        *,
        audit: AuditLog,
        cipher: Cipher,
        http_hosts: Collection[str] = (),
        clock: Clock = system_clock,
        repo: NotificationRepository | None = None,
    ) -> None:
        self.audit = audit
        self.cipher = cipher
        self.http_hosts = frozenset(host.lower() for host in http_hosts)
        self.clock = clock
        self.repo = repo or NotificationRepository()

    def exists(self, session: Session, key: str) -> bool:
        return self.repo.webhook(session, key) is not None

    def target(self, session: Session, key: str) -> tuple[str, str] | None:
        """The URL and clear secret of a webhook, for sending (never for a client)."""
        row = self.repo.webhook(session, key)
        if row is None:
            return None
        return row.url, self.cipher.decrypt(row.secret, context=SECRET_CONTEXT)

    def listing(self, session: Session, actor: Actor) -> list[dict[str, Any]]:
        PermissionService.require_admin(actor, SYSTEM_ADMIN, "admin")
        return [_shown(row) for row in self.repo.webhooks(session)]

    def get(self, session: Session, actor: Actor, key: str) -> dict[str, Any]:
        PermissionService.require_admin(actor, SYSTEM_ADMIN, "admin")
        return _shown(self._row(session, key))

    def put(self, session: Session, actor: Actor, key: str, body: WebhookBody) -> dict[str, Any]:
        """Create or replace a webhook target (system administrators; audited without the
        secret)."""
        PermissionService.require_admin(actor, SYSTEM_ADMIN, "admin")
        problem = url_problem(body.url, self.http_hosts)
        if problem is not None:
            raise Invalid(
                f"webhook {key!r} cannot call this URL: {problem}",
                code="webhook_url_refused",
                zh_cn=f"Webhook {key} 不能调用这个地址：{problem}",
                errors=[ErrorItem("/url", "webhook_url_refused", problem)],
            )
        row = self.repo.webhook(session, key)
        before = None if row is None else _shown(row)
        if row is None and body.secret is None:
            raise Invalid(
                "a new webhook needs a signing secret",
                zh_cn="新建 Webhook 须设置签名密钥",
                errors=[ErrorItem("/secret", "required", "at least 16 characters")],
            )
        secret = None
        if body.secret is not None:
            secret = self.cipher.encrypt(body.secret, context=SECRET_CONTEXT)
        if row is None:
            row = Webhook(key=key, secret=secret)
            self.repo.add_webhook(session, row)
        row.url = body.url
        row.description = body.description
        if secret is not None:
            row.secret = secret
        row.updated_at = self.clock()
        row.updated_by = actor.username
        self.repo.save(session)
        after = _shown(row)
        details = {"before": before, "after": after, "secret_changed": body.secret is not None}
        self.audit.record(
            session, actor, "webhook.put", object_type="webhook", object_id=key, details=details
        )
        return after

    def delete(self, session: Session, actor: Actor, key: str) -> None:
        """Delete a webhook no published rule names."""
        PermissionService.require_admin(actor, SYSTEM_ADMIN, "admin")
        row = self._row(session, key)
        users = self.repo.rules_naming_webhook(session, key)
        if users:
            raise Conflict(
                f"webhook {key!r} is named by published rules; change them first",
                code="webhook_in_use",
                zh_cn=f"已发布的规则引用了 Webhook {key}：请先修改这些规则",
                errors=[ErrorItem(f"/rules/{name}", "webhook_in_use", name) for name in users],
            )
        self.audit.record(
            session,
            actor,
            "webhook.delete",
            object_type="webhook",
            object_id=key,
            details={"before": _shown(row)},
        )
        self.repo.delete_webhook(session, row)

    def _row(self, session: Session, key: str) -> Webhook:
        row = self.repo.webhook(session, key)
        if row is None:
            raise NotFound(
                f"there is no webhook {key!r}",
                code="webhook_not_found",
                zh_cn=f"没有 Webhook {key}",
            )
        return row


def _shown(row: Webhook) -> dict[str, Any]:
    return {
        "key": row.key,
        "url": row.url,
        "description": row.description,
        "updated_at": row.updated_at,
        "updated_by": row.updated_by,
    }
