"""Report exports that run in the background, and reports delivered on a schedule.

- **Export jobs**: `request` checks now everything that running the report would refuse (no
  published version, bad parameters, no read access, a field the requester may not read), then
  queues a job. The worker runs the report as the requester (their roles, row scope and field
  levels at the time it runs, and their API token's scopes), reading outside the job's write
  transaction, and reports progress (`{"stage", "rows", "total"}`) as it goes. The file is
  stored as the requester's (only they can download it), the export is audited as
  `report.export` (with the job's id) and an in-app notice links to the file. A refusal met
  while running (access revoked meanwhile) ends the job as `failed` with its code; it is not
  retried.
- **Subscriptions**: a user subscribes to a report (format, parameters, daily or weekly at a
  time of day in a time zone). Each tick runs the same export as that user, at that moment,
  and puts the file into their in-app notices. A subscriber who is disabled or lost access
  gets nothing delivered (an active one gets a notice saying why); a subscription belongs to
  its subscriber, who lists and cancels it.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.orm import Session

from brickwork.engines.report import text_of
from brickwork.platform.audit.service import AuditLog
from brickwork.platform.auth.actor import Actor
from brickwork.platform.auth.identity import ACTIVE
from brickwork.platform.auth.repository import IdentityRepository
from brickwork.platform.clock import Clock, system_clock
from brickwork.platform.errors import ErrorItem, Invalid, NotFound, PlatformError
from brickwork.platform.files.service import FileService
from brickwork.platform.jobs.repository import JobRepository
from brickwork.platform.jobs.service import JobContext, JobQueue, NextFire, put_schedule
from brickwork.platform.models import Job, JobSchedule
from brickwork.platform.models.job import DEAD, DONE, RUNNING
from brickwork.platform.notifications.service import NotificationService
from brickwork.platform.reports.exports import EXPORT_TYPES, audit_export, produce
from brickwork.platform.reports.service import ReportService

EXPORT_JOB = "report.export"
DELIVERY_JOB = "report.deliver"
EXPORT_ATTEMPTS = 3
SUBSCRIPTION_PREFIX = "report-subscription:"
MAX_SUBSCRIPTIONS = 50
"""Subscriptions one user may hold."""
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class ReportDelivery:
    def __init__(
        self,
        *,
        reports: ReportService,
        files: FileService,
        notifications: NotificationService,
        identities: IdentityRepository,
        audit: AuditLog,
        next_fire: NextFire,
        clock: Clock = system_clock,
    ) -> None:
        self.reports = reports
        self.files = files
        self.notifications = notifications
        self.identities = identities
        self.audit = audit
        self.next_fire = next_fire
        self.clock = clock
        self.jobs = JobRepository()
        self.queue = JobQueue(clock=clock, repo=self.jobs)

    # ------------------------------------------------------------ export jobs

    def request(
        self,
        session: Session,
        actor: Actor,
        app_key: str,
        key: str,
        format_: str,
        parameters: Mapping[str, Any],
    ) -> dict[str, Any]:
        """Queue an export of the report for `actor`, refusing now what would fail later."""
        self.reports.check(session, actor, app_key, key, parameters=parameters, action="export")
        payload = _payload(actor, app_key, key, format_, parameters)
        job_id = self.queue.enqueue(session, EXPORT_JOB, payload, max_attempts=EXPORT_ATTEMPTS)
        assert job_id is not None  # no key: always queued
        job = self.jobs.get(session, job_id)
        assert job is not None
        return self._status(job)

    def status(self, session: Session, actor: Actor, job_id: int) -> dict[str, Any]:
        """An export job of `actor`'s: queued, running (with progress), done (with the file)
        or failed (with the reason). Anyone else's job does not exist for them."""
        job = self.jobs.get(session, job_id)
        if job is None or job.kind != EXPORT_JOB or job.payload.get("user") != actor.username:
            raise NotFound(
                f"you have no report export {job_id}",
                code="report_export_not_found",
                zh_cn=f"您没有编号为 {job_id} 的报表导出",
            )
        return self._status(job)

    def _status(self, job: Job) -> dict[str, Any]:
        payload, result = job.payload, job.result if isinstance(job.result, dict) else {}
        status = {DONE: "done", DEAD: "failed", RUNNING: "running"}.get(job.status, "queued")
        error = result.get("error")
        if job.status == DONE and error is not None:
            status = "failed"
        if job.status == DEAD:
            error = {
                "code": "report_export_failed",
                "message": f"the export failed {job.attempts} times; the last error was "
                f"kept in job {job.id} for the administrators",
            }
        return {
            "id": job.id,
            "app": payload.get("app"),
            "report": payload.get("report"),
            "format": payload.get("format"),
            "status": status,
            "progress": job.progress,
            "file": result.get("file"),
            "rows": result.get("rows"),
            "error": error,
            "created_at": job.created_at,
            "finished_at": job.finished_at,
        }

    def run_export(self, session: Session, payload: Any, job: JobContext) -> dict[str, Any]:
        """Job handler: the requested export, stored as the requester's file."""
        return self._deliver(session, payload, job, source=f"job {job.id}")

    # ------------------------------------------------------------ subscriptions

    def subscribe(
        self,
        session: Session,
        actor: Actor,
        app_key: str,
        key: str,
        *,
        format_: str,
        parameters: Mapping[str, Any],
        every: str,
        at: str,
        weekday: str | None,
        timezone: str,
    ) -> dict[str, Any]:
        """Deliver the report to `actor`'s notices daily or weekly, from the next tick on."""
        cron = _cron(every, at, weekday, timezone)
        self.reports.check(session, actor, app_key, key, parameters=parameters, action="export")
        if len(self._subscriptions(session, actor)) >= MAX_SUBSCRIPTIONS:
            raise Invalid(
                f"you already have {MAX_SUBSCRIPTIONS} report subscriptions; cancel one first",
                code="report_subscriptions_full",
                zh_cn=f"您已有 {MAX_SUBSCRIPTIONS} 个报表订阅：请先取消一个",
            )
        payload = {
            **_payload(actor, app_key, key, format_, parameters),
            "every": every,
            "at": at,
            "weekday": weekday,
        }
        name = f"{SUBSCRIPTION_PREFIX}{uuid.uuid4()}"
        row = put_schedule(
            session,
            self.jobs,
            self.next_fire,
            self.clock(),
            name,
            DELIVERY_JOB,
            payload,
            cron=cron,
            timezone=timezone,
        )
        self.audit.record(
            session,
            actor,
            "report.subscribe",
            object_type="report",
            object_id=f"{app_key}/{key}",
            details={"subscription": _id(row), "every": every, "at": at, "format": format_},
        )
        return _subscription(row)

    def subscriptions(self, session: Session, actor: Actor) -> list[dict[str, Any]]:
        return [_subscription(row) for row in self._subscriptions(session, actor)]

    def unsubscribe(self, session: Session, actor: Actor, subscription: str) -> None:
        name = f"{SUBSCRIPTION_PREFIX}{subscription}"
        row = self.jobs.schedule(session, name)
        if row is None or row.kind != DELIVERY_JOB or row.payload.get("user") != actor.username:
            raise NotFound(
                f"you have no report subscription {subscription!r}",
                code="report_subscription_not_found",
                zh_cn=f"您没有报表订阅 {subscription!r}",
            )
        self.jobs.remove_schedule(session, name)
        self.audit.record(
            session,
            actor,
            "report.unsubscribe",
            object_type="report",
            object_id=f"{row.payload['app']}/{row.payload['report']}",
            details={"subscription": subscription},
        )

    def _subscriptions(self, session: Session, actor: Actor) -> list[JobSchedule]:
        return [
            row
            for row in self.jobs.schedules_of(session, DELIVERY_JOB)
            if row.payload.get("user") == actor.username
        ]

    def run_delivery(self, session: Session, payload: Any, job: JobContext) -> dict[str, Any]:
        """Job handler of a subscription's tick."""
        source = f"subscription {payload['schedule'].removeprefix(SUBSCRIPTION_PREFIX)}"
        return self._deliver(session, payload["payload"], job, source=source, tick=payload["tick"])

    # ------------------------------------------------------------ making the file

    def _deliver(
        self,
        session: Session,
        payload: Mapping[str, Any],
        job: JobContext,
        *,
        source: str,
        tick: str | None = None,
    ) -> dict[str, Any]:
        app_key, key, format_ = payload["app"], payload["report"], payload["format"]
        actor = self._actor(session, payload)
        if actor is None:
            return {"error": _inactive(payload["user"])}
        try:
            if job.reader is None:
                run, content = produce(
                    self.reports, session, actor, app_key, key, format_, payload["parameters"]
                )
            else:
                with job.reader() as reader:
                    run, content = produce(
                        self.reports,
                        reader,
                        actor,
                        app_key,
                        key,
                        format_,
                        payload["parameters"],
                        progress=job.progress,
                    )
        except PlatformError as exc:  # refused for this user now: say why, do not retry
            error = {"code": exc.code, "message": exc.message}
            self._notice_failure(session, actor, payload, error, tick=tick)
            return {"error": error}
        title = text_of(run.plan.title, actor.locale)
        stamp = (tick or self.clock().isoformat())[:16].replace(":", "").replace("T", "-")
        stored = self.files.store_generated(
            session,
            actor,
            content,
            name=f"{key}-{stamp}.{format_}",
            content_type=EXPORT_TYPES[format_].split(";")[0],
            source=f"report {app_key}/{key}, {source}",
        )
        audit_export(
            self.reports, session, actor, app_key, key, format_, run, job=job.id, source=source
        )
        link = f"/api/v1/files/{stored.id}"
        zh = actor.locale == "zh-CN"
        self.notifications.notify(
            session,
            [actor.username],
            app_key=app_key,
            kind="report.delivered" if tick else "report.exported",
            title=f"报表已生成：{title}" if zh else f"Report ready: {title}",
            body=(
                f"{len(run.table.rows)} 行，{format_.upper()}"
                if zh
                else f"{len(run.table.rows)} rows, {format_.upper()}"
            ),
            link=link,
        )
        return {
            "file": {"id": stored.id, "name": stored.name, "size": stored.size, "url": link},
            "rows": len(run.table.rows),
        }

    def _notice_failure(
        self,
        session: Session,
        actor: Actor,
        payload: Mapping[str, Any],
        error: Mapping[str, Any],
        *,
        tick: str | None,
    ) -> None:
        if tick is None:
            return  # the requester watches the job's status
        zh = actor.locale == "zh-CN"
        self.notifications.notify(
            session,
            [actor.username],
            app_key=payload["app"],
            kind="report.delivery_failed",
            title=(
                f"订阅的报表 {payload['report']} 未能生成"
                if zh
                else f"Subscribed report {payload['report']} could not be made"
            ),
            body=f"{error['code']}: {error['message']}",
        )

    def _actor(self, session: Session, payload: Mapping[str, Any]) -> Actor | None:
        user = self.identities.user_by_username(session, payload["user"])
        if user is None or user.status != ACTIVE:
            return None
        roles = tuple(role.key for role in self.identities.roles_of(session, user.id))
        scopes = payload.get("scopes")
        return Actor(
            user.username,
            roles=roles,
            user_id=user.id,
            channel="job",
            locale=payload.get("locale") or "zh-CN",
            scopes=None if scopes is None else tuple(scopes),
        )


def _payload(
    actor: Actor, app_key: str, key: str, format_: str, parameters: Mapping[str, Any]
) -> dict[str, Any]:
    return {
        "app": app_key,
        "report": key,
        "format": format_,
        "parameters": dict(parameters),
        "user": actor.username,
        "scopes": None if actor.scopes is None else list(actor.scopes),
        "locale": actor.locale,
    }


def _inactive(username: str) -> dict[str, str]:
    return {
        "code": "report_requester_inactive",
        "message": f"{username} is no longer an active user; nothing was made",
    }


def _cron(every: str, at: str, weekday: str | None, timezone: str) -> str:
    problems: list[ErrorItem] = []
    hour, minute = _time_of_day(at)
    if hour is None:
        problems.append(
            ErrorItem(
                "/at",
                "invalid_time",
                "a time of day as HH:MM, 00:00-23:59",
                "请按 HH:MM 给出一天中的时间（00:00-23:59）",
            )
        )
    if every == "week" and weekday not in WEEKDAYS:
        problems.append(
            ErrorItem(
                "/weekday",
                "invalid_weekday",
                f"a weekly delivery needs one of {WEEKDAYS}",
                f"每周发送须指定星期：{WEEKDAYS} 之一",
            )
        )
    if every == "day" and weekday is not None:
        problems.append(
            ErrorItem(
                "/weekday",
                "not_allowed",
                "only weekly deliveries have one",
                "只有每周发送才指定星期",
            )
        )
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(
            ErrorItem(
                "/timezone",
                "invalid_timezone",
                "an IANA time zone",
                "请给出 IANA 时区（如 Asia/Shanghai）",
            )
        )
    if problems:
        raise Invalid(
            "the delivery schedule is not valid",
            code="report_schedule_invalid",
            errors=problems,
            zh_cn="发送计划无效",
        )
    day = "*" if every == "day" else str(WEEKDAYS.index(weekday or "") + 1)
    return f"{minute} {hour} * * {day}"


def _time_of_day(at: str) -> tuple[int | None, int | None]:
    hours, _, minutes = at.partition(":")
    if not (hours.isdigit() and minutes.isdigit() and len(hours) == 2 and len(minutes) == 2):
        return None, None
    hour, minute = int(hours), int(minutes)
    if hour > 23 or minute > 59:
        return None, None
    return hour, minute


def _id(row: JobSchedule) -> str:
    return row.name.removeprefix(SUBSCRIPTION_PREFIX)


def _subscription(row: JobSchedule) -> dict[str, Any]:
    payload = row.payload
    return {
        "id": _id(row),
        "app": payload["app"],
        "report": payload["report"],
        "format": payload["format"],
        "parameters": payload["parameters"],
        "every": payload["every"],
        "at": payload["at"],
        "weekday": payload["weekday"],
        "timezone": row.timezone,
        "next_at": row.next_at,
        "last_at": row.last_tick_at,
    }
