"""The composition root: builds the platform's services and plugs the areas together.

Both the HTTP app and the CLI call ``build_services``, so a definition published from either place
goes through the same validators and publish hooks.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from brickwork.engines.rules.definition import ID_PATTERN
from brickwork.platform.audit.anchor import AnchorKeys
from brickwork.platform.audit.service import AuditLog
from brickwork.platform.auth.directory import DirectoryService
from brickwork.platform.auth.policy import parse_grants
from brickwork.platform.auth.service import IdentityConfig, IdentityService
from brickwork.platform.clock import Clock, system_clock
from brickwork.platform.crypto.cipher import KeyringCipher
from brickwork.platform.crypto.keyring import (
    Keyring,
    ensure_key_file,
    key_file_path,
    load_keyring,
    parse_keyring,
)
from brickwork.platform.db.session import write_side
from brickwork.platform.files.service import FileService
from brickwork.platform.files.storage import FileStorage
from brickwork.platform.jobs.service import Handler, Scheduler, Worker
from brickwork.platform.metadata.approvals import PublishApprovals
from brickwork.platform.metadata.bundle import BundleService
from brickwork.platform.metadata.parameters import (
    ParameterTables,
    validate_parameter_table_spec,
)
from brickwork.platform.metadata.schemas import Kind
from brickwork.platform.metadata.service import MetadataService
from brickwork.platform.metadata.validation import (
    register_element_id_pattern,
    register_kind_validator,
)
from brickwork.platform.models import AuditEvent
from brickwork.platform.notifications.service import (
    EMAIL_JOB,
    WEBHOOK_JOB,
    NotificationService,
)
from brickwork.platform.packs.manifest import shipped_packs
from brickwork.platform.packs.service import PackService
from brickwork.platform.records.definitions import validate_form_spec
from brickwork.platform.records.grant_identity import grant_identity_hook
from brickwork.platform.records.grants import grant_checker, row_scope_fields
from brickwork.platform.records.protection import clear_fields_note, protect_form_spec
from brickwork.platform.records.publishing import FormStorage
from brickwork.platform.records.service import RecordService
from brickwork.platform.reports.dashboards import DashboardService, validate_dashboard_spec
from brickwork.platform.reports.definitions import ReportCompiler, validate_report_spec
from brickwork.platform.reports.delivery import DELIVERY_JOB, EXPORT_JOB, ReportDelivery
from brickwork.platform.reports.service import ReportService
from brickwork.platform.rules.calendars import CalendarService
from brickwork.platform.rules.definitions import validate_decision_spec, validate_rule_spec
from brickwork.platform.rules.runner import LATER, SCHEDULED, RuleRunner, cron_next
from brickwork.platform.rules.service import DecisionService
from brickwork.platform.runs.definitions import FlowCompiler, validate_flow_spec
from brickwork.platform.runs.notify import InAppNotices
from brickwork.platform.runs.service import TIMER_JOB, FlowService
from brickwork.settings import Settings


class ReadSafeAuditLog(AuditLog):
    """The audit trail, appended to outside a read request's deferred transaction.

    A GET that audits (a sensitive value shown in clear, a download, an audit search) serves
    from a deferred read session on SQLite, which must never be upgraded to a write; its event
    goes through ``write_side`` in a short transaction of its own. Writing requests append in
    their own transaction, as before."""

    def record(self, session: Session, *args: Any, **kwargs: Any) -> AuditEvent | None:
        with write_side(session) as target:
            return super().record(target, *args, **kwargs)


@dataclass(frozen=True, slots=True)
class Services:
    audit: AuditLog
    metadata: MetadataService
    bundles: BundleService
    approvals: PublishApprovals
    records: RecordService
    files: FileService
    identities: IdentityService
    crypto: KeyringCipher
    decisions: DecisionService
    rules: RuleRunner
    notifications: NotificationService
    runs: FlowService
    reports: ReportService
    dashboards: DashboardService
    delivery: ReportDelivery
    packs: PackService


# Kind validators are part of what a definition *is*, whoever builds the services.
register_kind_validator(Kind.FORM, validate_form_spec)
register_kind_validator(Kind.DECISION_TABLE, validate_decision_spec)
register_kind_validator(Kind.RULE, validate_rule_spec)
register_kind_validator(Kind.FLOW, validate_flow_spec)
register_kind_validator(Kind.REPORT, validate_report_spec)
register_kind_validator(Kind.DASHBOARD, validate_dashboard_spec)
register_kind_validator(Kind.PARAMETER_TABLE, validate_parameter_table_spec)
register_element_id_pattern(Kind.DECISION_TABLE, ID_PATTERN)


KEYS_ENV = "BRICKWORK_SECRET_KEYS"


def keyring_cipher(settings: Settings | None) -> KeyringCipher:
    """Keys from ``BRICKWORK_SECRET_KEYS`` when set, else from the key file
    (``secret_key_file`` or ``<data_dir>/keys.json``). With ``settings`` a missing key file is
    created and the keys are read now, so a bad one stops the process at start; without them
    the file is only read when an encrypted field is first used."""
    if settings is not None and settings.secret_keys:
        keyring = parse_keyring(settings.secret_keys, KEYS_ENV)
        return KeyringCipher(lambda: keyring)
    key_file = key_file_path(
        (settings or Settings()).data_dir, settings.secret_key_file if settings else None
    )
    crypto = KeyringCipher(lambda: load_keyring(key_file))
    if settings is not None:
        ensure_key_file(key_file)
        crypto.keyring  # noqa: B018 - loading checks the file now, not at the first record
    return crypto


def anchor_keys(keyring: Callable[[], Keyring]) -> AnchorKeys:
    """The audit chain's anchor keys, derived from the keyring's encryption keys."""

    def source() -> tuple[str, Mapping[str, bytes]]:
        keys = keyring()
        return keys.active, keys.keys

    return AnchorKeys(source)


def build_services(
    *,
    clock: Clock = system_clock,
    data_dir: Path | None = None,
    settings: Settings | None = None,
) -> Services:
    """``data_dir`` is ``settings.data_dir`` (files go to its ``files/``); it defaults to the
    settings' default for callers that never touch files. ``settings`` give the identity rules
    (password policy, lockout, session lifetimes; defaults when absent) and the key file.

    With ``settings`` the key file (``secret_key_file`` or ``<data_dir>/keys.json``) is created
    when absent and read now, so a bad one stops the process at start; without them it is only
    read when an encrypted field is first used."""
    files_root = (data_dir or Settings().data_dir) / "files"
    crypto = keyring_cipher(settings)
    # Without settings the key file may not exist: the trail is then not anchored.
    anchor = anchor_keys(lambda: crypto.keyring) if settings is not None else None
    audit = ReadSafeAuditLog(clock=clock, anchor=anchor)
    identities = IdentityService(
        clock=clock,
        audit=audit,
        config=IdentityConfig.from_settings(settings or Settings()),
        cipher=crypto,
    )
    metadata = MetadataService(clock=clock, audit=audit, permissions=identities.permissions)
    metadata.add_publish_hook(Kind.FORM, grant_identity_hook(audit, identities.repo))
    storage = FormStorage(
        clock=clock,
        cipher=crypto,
        scope_fields=row_scope_fields(
            lambda session: [
                grant
                for role in identities.repo.roles(session)
                for grant in parse_grants(role.permissions)
            ],
            now=clock,
        ),
    )
    metadata.add_publish_hook(Kind.FORM, storage.check_publish)
    metadata.add_draft_hook(Kind.FORM, protect_form_spec)
    metadata.add_publish_note(Kind.FORM, clear_fields_note)
    files = FileService(
        storage=FileStorage(files_root),
        clock=clock,
        audit=audit,
        permissions=identities.permissions,
        quota_bytes=(settings or Settings()).upload_quota_bytes,
    )
    identities.permissions.add_grant_check(grant_checker(metadata, now=clock))
    parameters = ParameterTables(metadata.repo)
    for kind in (Kind.FORM, Kind.DECISION_TABLE, Kind.FLOW, Kind.RULE, Kind.REPORT):
        metadata.add_publish_hook(kind, parameters.check_references)
    records = RecordService(
        parameters=parameters,
        metadata=metadata,
        clock=clock,
        audit=audit,
        files=files,
        cipher=crypto,
        permissions=identities.permissions,
    )
    decisions = DecisionService(
        metadata=metadata, permissions=identities.permissions, clock=clock, parameters=parameters
    )
    notifications = NotificationService(
        audit=audit, cipher=crypto, settings=settings, clock=clock, identities=identities.repo
    )
    flows = FlowCompiler(metadata=metadata, decisions=decisions)
    metadata.add_publish_hook(Kind.FLOW, flows.on_publish)
    metadata.add_publish_hook(Kind.FORM, flows.on_form_publish)
    metadata.add_publish_hook(Kind.DECISION_TABLE, flows.on_model_publish)
    runs = FlowService(audit=audit, records=records, compiler=flows, clock=clock)
    records.add_save_hook(runs)  # before rules: what rules set is no user's edit
    calendars = CalendarService(audit=audit, clock=clock)
    rules = RuleRunner(
        metadata=metadata,
        records=records,
        identities=identities.repo,
        decisions=decisions,
        calendars=calendars,
        clock=clock,
        notifications=notifications,
    )
    records.add_save_hook(rules)
    metadata.add_publish_hook(Kind.RULE, rules.on_publish)
    metadata.add_publish_hook(Kind.FORM, rules.on_form_publish)
    metadata.add_publish_hook(Kind.DECISION_TABLE, rules.on_model_publish)
    metadata.add_publish_hook(Kind.FLOW, rules.on_flow_publish)
    metadata.add_archive_check(Kind.DECISION_TABLE, rules.model_in_use)
    metadata.add_archive_check(Kind.RULE, rules.rule_restorable)
    metadata.add_archive_check(Kind.FLOW, rules.flow_in_use)
    runs.use_notifier(InAppNotices(notifications))
    runs.add_listener(rules.on_flow_event)  # rules triggered by flow events
    rules.use_flow_starter(runs.start_from_rule)  # rules' start_flow action
    report_compiler = ReportCompiler(metadata=metadata, records=records)
    metadata.add_publish_hook(Kind.REPORT, report_compiler.on_publish)
    metadata.add_publish_hook(Kind.FORM, report_compiler.on_form_publish)
    # Last: the checks above read the app's published forms through their tables as they
    # are; this one changes the form's table (a field whose id changed has no column after;
    # `check_publish` said first whether the change fits).
    metadata.add_publish_hook(Kind.FORM, storage.on_publish)
    reports = ReportService(compiler=report_compiler, records=records, audit=audit, clock=clock)
    records.add_save_hook(reports)  # a save makes cached results of its form stale
    dashboards = DashboardService(compiler=report_compiler, reports=reports)
    metadata.add_publish_hook(Kind.DASHBOARD, dashboards.on_publish)
    packs = PackService(
        metadata=metadata,
        records=records,
        directory=DirectoryService(identities),
        calendars=calendars,
        catalog=shipped_packs(),
        audit=audit,
        clock=clock,
        runs=runs,
    )
    return Services(
        packs=packs,
        audit=audit,
        metadata=metadata,
        bundles=BundleService(
            clock=clock, audit=audit, permissions=identities.permissions, metadata=metadata
        ),
        approvals=PublishApprovals(metadata=metadata, clock=clock, audit=audit),
        records=records,
        files=files,
        identities=identities,
        crypto=crypto,
        decisions=decisions,
        rules=rules,
        notifications=notifications,
        runs=runs,
        reports=reports,
        dashboards=dashboards,
        delivery=ReportDelivery(
            reports=reports,
            files=files,
            notifications=notifications,
            identities=identities.repo,
            audit=audit,
            next_fire=cron_next,
            clock=clock,
        ),
    )


def job_handlers(services: Services) -> dict[str, Handler]:
    """What each kind of background job runs."""
    return {
        SCHEDULED: services.rules.run_scheduled,
        LATER: services.rules.run_later,
        EMAIL_JOB: services.notifications.deliver_email,
        WEBHOOK_JOB: services.notifications.deliver_webhook,
        TIMER_JOB: services.runs.run_timer,
        EXPORT_JOB: services.delivery.run_export,
        DELIVERY_JOB: services.delivery.run_delivery,
    }


def job_runners(
    services: Services, factory: sessionmaker[Session], *, name: str, clock: Clock = system_clock
) -> tuple[Worker, Scheduler]:
    """A worker for every kind of job, and the scheduler that queues scheduled rules' ticks."""
    worker = Worker(factory, job_handlers(services), name=name, clock=clock)
    return worker, Scheduler(factory, cron_next, clock=clock)
