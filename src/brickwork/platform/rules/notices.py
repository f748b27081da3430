"""The notify action of rules on the platform: checked at publish (templates, e-mail, webhooks)
and carried out after the save, in the rule's transaction.

Each recipient's notice is rendered through that recipient's own field permissions on the
triggering record (masked values masked, hidden fields empty, nothing of a record they may not
read); a webhook's through the rule owner's. What is rendered goes to the notifications area:
in-app notices are stored, e-mails and webhook posts queued as jobs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from brickwork.engines.rules import NotifyEffect, RuleEvent
from brickwork.engines.rules.rule_definition import (
    ManualTrigger,
    Notify,
    Recipient,
    RecordTrigger,
    RuleDefinition,
)
from brickwork.platform.auth.actor import Actor
from brickwork.platform.auth.identity import ACTIVE
from brickwork.platform.auth.repository import IdentityRepository
from brickwork.platform.errors import ErrorItem, PlatformError
from brickwork.platform.notifications.service import NotificationService
from brickwork.platform.notifications.templates import check_template, render
from brickwork.platform.records.service import RecordService

KIND = "rule"
"""The kind of the in-app notices rules send."""


class RuleNotices:
    def __init__(
        self,
        *,
        records: RecordService,
        identities: IdentityRepository,
        notifications: NotificationService | None,
    ) -> None:
        self.records = records
        self.identities = identities
        self.notifications = notifications

    def publish_problems(
        self, session: Session, spec: RuleDefinition, scopes: Mapping[str, Any], prefix: str
    ) -> list[ErrorItem]:
        """Notify actions the platform cannot carry out: templates that do not compile or name
        unknown fields, e-mail without an SMTP server, webhooks nobody registered."""
        return [
            *template_problems(spec, scopes, prefix),
            *self.unavailable(session, spec, prefix),
        ]

    def unavailable(self, session: Session, spec: RuleDefinition, prefix: str) -> list[ErrorItem]:
        """E-mail notices without an SMTP server, webhook notices naming no registered webhook
        (also checked when an archived rule is restored)."""
        problems: list[ErrorItem] = []
        service = self.notifications
        for index, action in enumerate(spec.actions):
            if not isinstance(action, Notify):
                continue
            here = f"{prefix}/actions/{index}"
            if action.channel == "email" and (service is None or not service.mail_configured):
                message = "e-mail cannot be sent: no SMTP server is configured (BRICKWORK_SMTP_URL)"
                zh_cn = "无法发送电子邮件：未配置 SMTP 服务器（BRICKWORK_SMTP_URL）"
                problems.append(ErrorItem(f"{here}/channel", "E_RULE_NO_MAIL", message, zh_cn))
            key = action.webhook
            if key is not None and (service is None or not service.webhooks.exists(session, key)):
                message = f"there is no webhook `{key}` (a system administrator registers it)"
                zh_cn = f"没有 webhook `{key}`（由系统管理员登记）"
                pointer = f"{here}/webhook"
                problems.append(ErrorItem(pointer, "E_RULE_UNKNOWN_WEBHOOK", message, zh_cn))
        return problems

    def send(
        self,
        session: Session,
        app_key: str,
        rule_key: str,
        version: int,
        owner: Actor | None,
        event: RuleEvent,
        effect: NotifyEffect,
    ) -> None:
        """Render and hand over one notify effect (`owner`: who a webhook notice reads as)."""
        service = self.notifications
        if service is None:
            return
        record_id = (event.record or {}).get("id")
        link = None
        if record_id is not None and event.form is not None:
            link = f"/apps/{app_key}/forms/{event.form}/records/{record_id}"
        base: dict[str, Any] = {
            "rule": {"key": rule_key, "version": version},
            "app": {"key": app_key},
            "now": event.now,
        }
        if effect.channel == "webhook":
            seen = {**base, "record": self._seen_by(session, owner, app_key, event)}
            document = {
                "app": app_key,
                "rule": rule_key,
                "version": version,
                "event": event.kind,
                "form": event.form,
                "record": record_id,
                "link": link,
                "at": event.now.isoformat(),
                "subject": render(effect.subject, seen),
                "body": render(effect.body, seen),
            }
            service.post(session, effect.webhook or "", document)
            return
        for username in self._recipients(session, app_key, event, effect.recipients):
            reader = self._reader(session, username)
            if reader is None:
                continue
            seen = {**base, "record": self._seen_by(session, reader, app_key, event)}
            subject, body = render(effect.subject, seen), render(effect.body, seen)
            if effect.channel == "email":
                service.email(
                    session, username, app_key=app_key, kind=KIND, subject=subject, body=body
                )
            else:
                service.notify(
                    session,
                    [username],
                    app_key=app_key,
                    kind=KIND,
                    title=subject,
                    body=body,
                    link=link,
                )

    def _recipients(
        self,
        session: Session,
        app_key: str,
        event: RuleEvent,
        recipients: tuple[Recipient, ...],
    ) -> list[str]:
        """The user names the recipients stand for, each once, in order."""
        names: list[str] = []
        record = event.record or {}
        for recipient in recipients:
            if recipient.user is not None:
                names.append(recipient.user)
            elif recipient.role is not None:
                holders = self.identities.holders_of(session, recipient.role)
                names.extend(user.username for user in holders)
            elif recipient.field is not None:
                value = record.get(recipient.field)
                found = value if isinstance(value, list | tuple) else [value]
                given = [item for item in found if isinstance(item, str) and item]
                names.extend(self._username(session, item) for item in given)
            elif record.get("id") is not None and event.form is not None:
                stored = self.records.stored(session, app_key, event.form, record["id"])
                if stored.get("owner"):
                    names.append(stored["owner"])
        return list(dict.fromkeys(names))

    def _username(self, session: Session, value: str) -> str:
        """A member field holds a user id; a text field a user name."""
        user = self.identities.user_by_id(session, value)
        return value if user is None else user.username

    def _reader(self, session: Session, username: str) -> Actor | None:
        """A recipient as a reader of records (None: no such active user)."""
        user = self.identities.user_by_username(session, username)
        if user is None or user.status != ACTIVE:
            return None
        roles = tuple(role.key for role in self.identities.roles_of(session, user.id))
        return Actor(user.username, roles=roles, user_id=user.id, channel="rule")

    def _seen_by(
        self, session: Session, reader: Actor | None, app_key: str, event: RuleEvent
    ) -> dict[str, Any]:
        """The triggering record's fields as `reader` may see them (masked values masked,
        hidden fields left out, people by user name and departments by key); nothing when they
        may not read the record at all."""
        record_id = (event.record or {}).get("id")
        if reader is None or record_id is None or event.form is None:
            return {}
        try:
            shown = self.records.get(session, reader, app_key, event.form, record_id)
        except PlatformError:
            return {}
        named = self.records.with_names(session, app_key, event.form, shown)
        return {key: _template_value(value) for key, value in named.items()}


def _template_value(value: Any) -> Any:
    """A record value as templates print it (money as "12.50 CNY")."""
    if isinstance(value, dict) and set(value) == {"amount", "currency"}:
        return f"{value['amount']} {value['currency']}"
    return value


TEMPLATE_LEADS = {  # what a template problem is, before its (English) detail
    "E_RULE_TEMPLATE": "通知模板有误：",
    "E_RULE_UNKNOWN_FIELD": "通知模板用到了记录中不存在的字段：",
}


def template_problems(
    spec: RuleDefinition, scopes: Mapping[str, Any], prefix: str
) -> list[ErrorItem]:
    """Notify templates that do not compile, or name fields the triggering form lacks (a
    scheduled rule has no record), each with the line inside the template."""
    trigger = spec.trigger
    fields: set[str] = set()
    if isinstance(trigger, RecordTrigger | ManualTrigger) and trigger.form in scopes:
        fields = {*scopes[trigger.form].fields, "id"}
    problems: list[ErrorItem] = []
    for index, action in enumerate(spec.actions):
        if not isinstance(action, Notify):
            continue
        for part in ("subject", "body"):
            for problem in check_template(getattr(action, part), fields):
                lead = TEMPLATE_LEADS.get(problem.code, TEMPLATE_LEADS["E_RULE_TEMPLATE"])
                problems.append(
                    ErrorItem(
                        f"{prefix}/actions/{index}/{part}",
                        problem.code,
                        f"line {problem.line}: {problem.message}",
                        f"第 {problem.line} 行：{lead}{problem.message}",
                    )
                )
    return problems
