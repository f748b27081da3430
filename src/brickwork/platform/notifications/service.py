"""Notifications: in-app notices stored in the caller's transaction (a notice exists only if
its cause commits), and outbound ones (e-mail, webhooks) queued as jobs in that transaction (an
outbox: the worker sends them, retrying with backoff). Rules' notify actions and flows use it.

Who reads what: a user lists, reads and marks only their own notices; another user's notice
does not exist for them (404).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy.orm import Session

from brickwork import jsonio
from brickwork.platform.audit.service import AuditLog
from brickwork.platform.auth.actor import Actor
from brickwork.platform.auth.identity import ACTIVE
from brickwork.platform.auth.repository import IdentityRepository
from brickwork.platform.clock import Clock, system_clock
from brickwork.platform.crypto.cipher import Cipher
from brickwork.platform.errors import NotFound
from brickwork.platform.jobs.repository import JobRepository
from brickwork.platform.jobs.service import Completed, JobContext, JobQueue
from brickwork.platform.models import Notification
from brickwork.platform.notifications.delivery import (
    one_line,
    post_webhook,
    send_mail,
    smtp_config,
)
from brickwork.platform.notifications.repository import NotificationRepository
from brickwork.platform.notifications.webhooks import WebhookService, url_problem
from brickwork.settings import Settings

EMAIL_JOB = "notify.email"
WEBHOOK_JOB = "notify.webhook"
MAX_TITLE = 500
DELIVERY_ATTEMPTS = 8
"""Attempts of an outbound notice: with the queue's backoff (10 s doubling), about 20 minutes."""


class DeliveryFailed(Exception):
    """An outbound notice cannot be sent now (the job is retried, then dead)."""


class NotificationService:
    def __init__(
        self,
        *,
        audit: AuditLog,
        cipher: Cipher,
        settings: Settings | None = None,
        clock: Clock = system_clock,
        identities: IdentityRepository | None = None,
        jobs: JobRepository | None = None,
    ) -> None:
        settings = settings or Settings()
        self.clock = clock
        self.repo = NotificationRepository()
        self.identities = identities or IdentityRepository()
        self.queue = JobQueue(clock=clock, repo=jobs or JobRepository())
        self.smtp = smtp_config(settings)
        self.webhook_timeout = settings.webhook_timeout_seconds
        self.webhooks = WebhookService(
            audit=audit,
            cipher=cipher,
            http_hosts=settings.webhook_http_hosts,
            clock=clock,
            repo=self.repo,
        )

    @property
    def mail_configured(self) -> bool:
        return self.smtp is not None

    # ------------------------------------------------------------ sending

    def notify(
        self,
        session: Session,
        recipients: Iterable[str],
        *,
        app_key: str | None,
        kind: str,
        title: str,
        body: str,
        link: str | None = None,
    ) -> int:
        """In-app notices for `recipients` (user names, each once), in the caller's
        transaction; returns how many were stored."""
        now = self.clock()
        rows = [
            {
                "recipient": username,
                "app_key": app_key,
                "kind": kind,
                "title": one_line(title)[:MAX_TITLE],
                "body": body,
                "link": link,
                "created_at": now,
                "read_at": None,
            }
            for username in dict.fromkeys(recipients)
        ]
        self.repo.insert_all(session, rows)
        return len(rows)

    def email(
        self,
        session: Session,
        recipient: str,
        *,
        app_key: str | None,
        kind: str,
        subject: str,
        body: str,
    ) -> bool:
        """Queue an e-mail to an active user's address; False when they have none."""
        user = self.identities.user_by_username(session, recipient)
        if user is None or user.status != ACTIVE or not user.email:
            return False
        payload = {
            "to": user.email,
            "recipient": user.username,
            "app": app_key,
            "kind": kind,
            "subject": one_line(subject)[:MAX_TITLE],
            "body": body,
        }
        self.queue.enqueue(session, EMAIL_JOB, payload, max_attempts=DELIVERY_ATTEMPTS)
        return True

    def post(self, session: Session, webhook: str, document: dict[str, Any]) -> None:
        """Queue a signed POST of `document` (JSON) to the webhook registered as `webhook`."""
        payload = {"webhook": webhook, "document": document}
        self.queue.enqueue(session, WEBHOOK_JOB, payload, max_attempts=DELIVERY_ATTEMPTS)

    # ------------------------------------------------------------ job handlers

    def deliver_email(self, session: Session, payload: Any, job: JobContext) -> Completed:
        if self.smtp is None:
            raise DeliveryFailed("no SMTP server is configured (BRICKWORK_SMTP_URL)")
        send_mail(
            self.smtp,
            to=payload["to"],
            subject=payload["subject"],
            body=payload["body"],
            message_id=f"<notice-{job.id}@brickwork>",
        )
        # The rendered text has left: the job keeps whom it went to, not what it said.
        kept = {"recipient": payload["recipient"], "app": payload["app"], "kind": payload["kind"]}
        return Completed({"sent_to": payload["recipient"]}, kept)

    def deliver_webhook(self, session: Session, payload: Any, job: JobContext) -> Completed:
        key = payload["webhook"]
        target = self.webhooks.target(session, key)
        if target is None:
            raise DeliveryFailed(f"there is no webhook {key!r} any more")
        url, secret = target
        problem = url_problem(url, self.webhooks.http_hosts)
        if problem is not None:
            raise DeliveryFailed(f"webhook {key!r}: {problem}")
        body = jsonio.dumps(payload["document"], decimals_as_strings=True).encode("utf-8")
        status = post_webhook(
            url,
            secret,
            body,
            delivery=str(job.id),
            timestamp=str(int(job.now.timestamp())),
            timeout=self.webhook_timeout,
        )
        return Completed({"webhook": key, "status": status}, {"webhook": key})

    # ------------------------------------------------------------ reading

    def page(
        self, session: Session, actor: Actor, *, unread: bool, limit: int, offset: int
    ) -> dict[str, Any]:
        """The actor's notices, newest first, with the count of unread ones."""
        rows = self.repo.page(
            session, actor.username, unread=unread, limit=limit + 1, offset=offset
        )
        return {
            "items": [_shown(row) for row in rows[:limit]],
            "has_more": len(rows) > limit,
            "unread_count": self.unread(session, actor),
        }

    def read(self, session: Session, actor: Actor, notification_id: int) -> dict[str, Any]:
        """Mark one of the actor's notices read (another user's does not exist for them)."""
        row = self.repo.own(session, actor.username, notification_id)
        if row is None:
            raise NotFound(
                f"you have no notification {notification_id}",
                code="notification_not_found",
                zh_cn=f"您没有编号为 {notification_id} 的消息",
            )
        if row.read_at is None:
            row.read_at = self.clock()
            session.flush()
        return _shown(row)

    def unread(self, session: Session, actor: Actor) -> int:
        """How many of the actor's notices are not read yet (one query)."""
        return self.repo.unread_count(session, actor.username)

    def read_all(self, session: Session, actor: Actor) -> dict[str, int]:
        return {"read": self.repo.mark_all_read(session, actor.username, self.clock())}


def _shown(row: Notification) -> dict[str, Any]:
    return {
        "id": row.id,
        "app": row.app_key,
        "kind": row.kind,
        "title": row.title,
        "body": row.body,
        "link": row.link,
        "created_at": row.created_at,
        "read_at": row.read_at,
        "read": row.read_at is not None,
    }
