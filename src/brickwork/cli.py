"""The ``brickwork`` command: initialise, serve, demo, schema upgrades, app bundles, users.

Passwords are read from stdin, ``BRICKWORK_ADMIN_PASSWORD`` or a hidden prompt; never echoed,
logged or given a default."""

from __future__ import annotations

import gc
import logging
import os
import socket
import sys
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from brickwork import __version__, jsonio
from brickwork.engines.identifiers.resident_id import load_region_table
from brickwork.platform.assembly import KEYS_ENV, anchor_keys, build_services, job_runners
from brickwork.platform.audit.service import AuditLog
from brickwork.platform.auth.actor import Actor
from brickwork.platform.auth.directory import DirectoryService
from brickwork.platform.auth.roles import ADMIN_ROLE_KEYS, SYSTEM_ADMIN
from brickwork.platform.crypto.cipher import KeyringCipher
from brickwork.platform.crypto.errors import KeyringError
from brickwork.platform.crypto.keyring import (
    Keyring,
    ensure_key_file,
    key_file_path,
    load_keyring,
    parse_keyring,
    write_keyring,
)
from brickwork.platform.db import migrate
from brickwork.platform.db.filemodes import private_dir
from brickwork.platform.db.session import (
    make_engine,
    make_read_session_factory,
    make_session_factory,
    unit_of_work,
)
from brickwork.platform.errors import PlatformError
from brickwork.platform.jobs.service import serve as serve_jobs
from brickwork.platform.packs.demo import (
    install_demo,
    install_demo_flows,
    install_demo_packs,
    install_demo_records,
    install_demo_users,
)
from brickwork.platform.packs.manifest import Pack, read_pack
from brickwork.platform.packs.manifest import seal as seal_pack
from brickwork.platform.packs.scenarios import ScenarioResult, ScenarioRunner
from brickwork.platform.records.key_rotation import KeyRotation
from brickwork.platform.system.service import InstanceService
from brickwork.settings import Settings, SettingsError, load_settings

app = typer.Typer(
    help="Brickwork: metadata-driven applications for financial institutions.",
    no_args_is_help=True,
    add_completion=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
apps_app = typer.Typer(help="Apps and their bundles.", no_args_is_help=True)
audit_app = typer.Typer(help="The audit trail.", no_args_is_help=True)
users_app = typer.Typer(help="Users and administrators.", no_args_is_help=True)
keys_app = typer.Typer(help="Field encryption keys (the key file).", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(apps_app, name="apps")
app.add_typer(audit_app, name="audit")
app.add_typer(users_app, name="users")
app.add_typer(keys_app, name="keys")
dmn_app = typer.Typer(help="DMN decision models (XML files).", no_args_is_help=True)
app.add_typer(dmn_app, name="dmn")
rules_app = typer.Typer(help="Event-condition-action rules.", no_args_is_help=True)
app.add_typer(rules_app, name="rules")

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

DataDir = Annotated[
    Path | None,
    typer.Option("--data-dir", help="Data directory (default: $BRICKWORK_DATA_DIR or ./data)."),
]
DatabaseUrl = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        help="SQLAlchemy URL (default: $BRICKWORK_DATABASE_URL or SQLite in the data directory).",
    ),
]


def _settings(
    data_dir: Path | None = None, database_url: str | None = None, **changes: Any
) -> Settings:
    try:
        settings = load_settings()
    except SettingsError as exc:
        _fail(str(exc), code="settings_invalid")
    if data_dir is not None:
        changes["data_dir"] = data_dir.expanduser().resolve()
    if database_url is not None:
        changes["database_url"] = database_url
    settings = settings.with_overrides(**changes) if changes else settings
    problem = _database_url_problem(settings.effective_database_url)
    if problem is not None:
        _fail(problem, code="database_url_invalid")
    return settings


def _database_url_problem(url: str) -> str | None:
    """What is wrong with a database URL the platform cannot use; None when it can."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        backend = make_url(url).get_backend_name()
    except ArgumentError:
        return "the database URL is not a URL (e.g. postgresql+psycopg://user@host/db)"
    if backend not in ("sqlite", "postgresql"):
        return f"{backend} is not supported: use SQLite or PostgreSQL (postgresql+psycopg://...)"
    return None


def _fail(message: str, *, code: str, details: list[str] | None = None) -> typer.Exit:
    _say(message, code=code, details=details)
    raise typer.Exit(2)


def _say(message: str, *, code: str, details: list[str] | None = None) -> None:
    err.print(f"[bold red]error[/] {escape(f'[{code}]')} {escape(message)}", highlight=False)
    for line in details or []:
        err.print(f"  {escape(line)}", highlight=False)


def _details(error: PlatformError) -> list[str]:
    return [f"{item.pointer or '/'}: [{item.code}] {item.message}" for item in error.errors]


def _configure_logging(settings: Settings) -> None:
    logging.basicConfig(level=settings.log_level, format="%(levelname)s %(name)s: %(message)s")


def _version_callback(value: bool) -> None:
    if value:
        out.print(f"brickwork {__version__}")
        raise typer.Exit


@app.callback()
def main_options(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_version_callback,
            is_eager=True,
            help="Show the version and exit.",
        ),
    ] = False,
) -> None:
    """Brickwork command line."""


def _initialise(settings: Settings, admin: str) -> None:
    private_dir(settings.data_dir)
    engine = make_engine(settings.effective_database_url)
    before, after = migrate.upgrade(engine)
    if before != after:
        out.print(f"database schema upgraded: {before or 'empty'} → {after}")
    with unit_of_work(make_session_factory(engine)) as session:
        info = InstanceService().initialise(session, admin=admin)
    state = "initialised" if info.created else "already initialised"
    out.print(f"instance {info.instance_id} {state}; data directory {settings.data_dir}")
    engine.dispose()


CLI_ACTOR = Actor("system", channel="cli", system=True)
PasswordStdin = Annotated[
    bool,
    typer.Option(
        "--password-stdin", help="Read the password from the first line of standard input."
    ),
]


@app.command()
def init(
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    admin: Annotated[
        str | None,
        typer.Option(
            help="User name of the first system administrator (or $BRICKWORK_ADMIN_USERNAME)."
        ),
    ] = None,
    admin_password_stdin: Annotated[
        bool,
        typer.Option(
            "--admin-password-stdin",
            help="Read the administrator's password from the first line of standard input.",
        ),
    ] = False,
) -> None:
    """Create the data directory and database, and the first system administrator.

    The password comes from --admin-password-stdin, $BRICKWORK_ADMIN_PASSWORD or a hidden prompt
    (in a terminal); there is never a default password. Without any of them no administrator is
    created (run `brickwork users create-admin` later). Running it again changes nothing.
    """
    settings = _settings(data_dir, database_url)
    username = admin or settings.admin_username or settings.bootstrap_admin
    _initialise(settings, username)
    factory = _session_factory(settings)
    identities = build_services(settings=settings).identities
    with unit_of_work(factory) as session:
        existing = [user.username for user in identities.system_admins(session)]
    if existing:
        out.print(f"system administrator already exists: {existing[0]!r}")
        return
    interactive = _interactive() and not admin_password_stdin and not settings.admin_password
    if interactive:
        username = typer.prompt("administrator user name", default=username)
    password, source = _password(settings, from_stdin=admin_password_stdin)
    if password is None:
        out.print(
            f"no administrator was created: no password was given for {username!r}. Create one"
            " with `brickwork users create-admin` (or set BRICKWORK_ADMIN_PASSWORD, or pass"
            " --admin-password-stdin)"
        )
        return
    _create_admin(factory, settings, username, password, SYSTEM_ADMIN, source=source)


def _interactive() -> bool:
    return sys.stdin.isatty()


def _password(settings: Settings, *, from_stdin: bool) -> tuple[str | None, str]:
    """The new password and where it came from (stdin, env, prompt); None without a source."""
    if from_stdin:
        line = sys.stdin.readline().rstrip("\r\n")
        return (line or None), "stdin"
    if settings.admin_password:
        return settings.admin_password, "env"
    if _interactive():
        first = typer.prompt("password", hide_input=True)
        if typer.prompt("repeat the password", hide_input=True) != first:
            _fail("the two passwords differ; nothing was created", code="password_mismatch")
        return first, "prompt"
    return None, ""


def _create_admin(
    factory: Any, settings: Settings, username: str, password: str, role: str, *, source: str
) -> None:
    """Typed at a prompt, the password is the person's own; passed through stdin or the
    environment it went through deployment tooling, so it must be changed at first sign-in."""
    must_change = source != "prompt"
    try:
        with unit_of_work(factory) as session:
            user = build_services(settings=settings).identities.create_admin(
                session,
                CLI_ACTOR,
                username=username,
                password=password,
                role=role,
                must_change_password=must_change,
            )
    except PlatformError as exc:
        _report(exc)
    note = " (the password must be changed at first sign-in)" if must_change else ""
    out.print(f"administrator {user.username!r} created with role {role}{note}")


@users_app.command("create-admin")
def users_create_admin(
    username: Annotated[
        str | None,
        typer.Option("--username", help="User name (default: $BRICKWORK_ADMIN_USERNAME)."),
    ] = None,
    role: Annotated[str, typer.Option(help=f"One of {', '.join(ADMIN_ROLE_KEYS)}.")] = SYSTEM_ADMIN,
    password_stdin: PasswordStdin = False,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Create an administrator (system, security or audit; nobody may hold two of these roles)."""
    settings = _settings(data_dir, database_url)
    if role not in ADMIN_ROLE_KEYS:
        _fail(f"the role must be one of {', '.join(ADMIN_ROLE_KEYS)}", code="role_not_found")
    name = username or settings.admin_username
    if name is None:
        if not _interactive():
            _fail("give --username or set BRICKWORK_ADMIN_USERNAME", code="username_invalid")
        name = typer.prompt("administrator user name")
    factory = _session_factory(settings)
    password, source = _password(settings, from_stdin=password_stdin)
    if password is None:
        raise _fail(
            "no password: pass --password-stdin, set BRICKWORK_ADMIN_PASSWORD, or run this in a"
            " terminal",
            code="password_required",
        )
    _create_admin(factory, settings, name, password, role, source=source)


@users_app.command("unlock")
def users_unlock(
    username: Annotated[str, typer.Argument(help="User name.")],
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Lift a lockout after too many wrong passwords."""
    settings = _settings(data_dir, database_url)
    try:
        with unit_of_work(_session_factory(settings)) as session:
            build_services(settings=settings).identities.unlock(session, CLI_ACTOR, username)
    except PlatformError as exc:
        _report(exc)
    out.print(f"{username!r} unlocked")


@users_app.command("reset-password")
def users_reset_password(
    username: Annotated[str, typer.Argument(help="User name.")],
    password_stdin: PasswordStdin = False,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Set a new password that the user must change at next sign-in; ends their sessions and
    lifts a lockout."""
    settings = _settings(data_dir, database_url).with_overrides(admin_password=None)
    password, _source = _password(settings, from_stdin=password_stdin)
    if password is None:
        raise _fail(
            "no password: pass --password-stdin or run this in a terminal", code="password_required"
        )
    try:
        with unit_of_work(_session_factory(settings)) as session:
            identities = build_services(settings=settings).identities
            identities.reset_password(session, CLI_ACTOR, username, password)
    except PlatformError as exc:
        _report(exc)
    out.print(f"password of {username!r} reset; it must be changed at next sign-in")


@users_app.command("reset-mfa")
def users_reset_mfa(
    username: Annotated[str, typer.Argument(help="User name.")],
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Forget a user's multi-factor enrolment and recovery codes (a lost device); ends their
    sessions. They enrol again at next sign-in."""
    settings = _settings(data_dir, database_url)
    try:
        with unit_of_work(_session_factory(settings)) as session:
            build_services(settings=settings).identities.reset_mfa(session, CLI_ACTOR, username)
    except PlatformError as exc:
        _report(exc)
    out.print(f"multi-factor enrolment of {username!r} reset; they enrol again at next sign-in")


@users_app.command("disable-inactive")
def users_disable_inactive(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only list the accounts; change nothing.")
    ] = False,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Disable accounts unused for BRICKWORK_INACTIVE_DAYS (90); never the last active system or
    security administrator. The server also does this every BRICKWORK_INACTIVE_CHECK_MINUTES."""
    settings = _settings(data_dir, database_url)
    if settings.inactive_days == 0:
        out.print("BRICKWORK_INACTIVE_DAYS is 0: accounts are never disabled for inactivity")
        return
    with unit_of_work(_session_factory(settings)) as session:
        identities = build_services(settings=settings).identities
        users = identities.inactivity.sweep(session, CLI_ACTOR, dry_run=dry_run)
        names = [user.username for user in users]
    verb = "would be disabled" if dry_run else "disabled"
    for name in names:
        out.print(f"{name}: {verb}", highlight=False)
    out.print(
        f"{len(names)} account(s) unused for {settings.inactive_days} days {verb}",
        highlight=False,
    )


@app.command()
def serve(
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    host: Annotated[str | None, typer.Option(help="Interface to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
) -> None:
    """Serve the HTTP API and web UI (upgrades the schema on first start)."""
    settings = _settings(data_dir, database_url)
    _serve(settings.with_overrides(host=host or settings.host, port=port or settings.port))


def settle_heap() -> None:
    """Before a long-running process starts its work: read the tables that checks otherwise
    load at their first use (the region codes of resident IDs), collect what start-up left
    behind, then move every object still alive (modules, the app and its routes, schemas,
    compiled definitions, those tables) to the garbage collector's permanent generation, so that
    its full collections no longer walk them. Under load those walks were the long pauses of
    the server: with eight clients they set the 99th percentile of request time
    (`benchmarks/bench_api.py`, docs/decisions/0007-sqlite-write-path.md)."""
    load_region_table()
    gc.collect()
    gc.freeze()


def _serve(settings: Settings) -> None:
    import uvicorn

    from brickwork.app import create_app
    from brickwork.platform.api.access_log import log_config

    _configure_logging(settings)
    private_dir(settings.data_dir)
    out.print(
        f"Brickwork {__version__} on http://{settings.host}:{settings.port}"
        f"  (API: /api/v1, docs: /api/v1/docs)"
    )
    application = create_app(settings)
    settle_heap()
    uvicorn.run(
        application,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level.lower(),
        log_config=log_config(),
    )


@app.command()
def demo(
    data_dir: DataDir = None,
    host: Annotated[str | None, typer.Option(help="Interface to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
    no_serve: Annotated[
        bool, typer.Option("--no-serve", help="Load the demo data and exit.")
    ] = False,
) -> None:
    """Start on the embedded SQLite database with demo data installed."""
    settings = _settings(data_dir)
    settings = settings.with_overrides(host=host or settings.host, port=port or settings.port)
    _initialise(settings, settings.bootstrap_admin)
    engine = make_engine(settings.effective_database_url)
    services = build_services(settings=settings)
    actor = Actor(settings.bootstrap_admin, channel="cli", system=True)
    with unit_of_work(make_session_factory(engine)) as session:
        created = install_demo(session, services.metadata, actor)
    with unit_of_work(make_session_factory(engine)) as session:
        accounts = install_demo_users(session, DirectoryService(services.identities), actor)
    with unit_of_work(make_session_factory(engine)) as session:
        install_demo_flows(session, services.metadata, actor)
    with unit_of_work(make_session_factory(engine)) as session:
        customers = install_demo_records(session, services.records, services.identities)
    with unit_of_work(make_session_factory(engine)) as session:
        packs = install_demo_packs(session, services.packs, services.identities, actor)
    engine.dispose()
    out.print("demo data installed" if created else "demo data already present")
    if customers:
        out.print(f"{customers} demo customer record(s) created")
    if packs:
        out.print(f"finance packs installed with sample data: {', '.join(packs)}")
    credentials = settings.data_dir / DEMO_CREDENTIALS
    if accounts:
        lines = (f"{name}\t{password}\t{totp}\n" for name, (password, totp) in accounts.items())
        _write_private(credentials, "".join(lines))
    if credentials.is_file():
        out.print(
            "demo users (admin, security, auditor, clerk.sh, clerk.bj, manager, analyst, "
            "aml.teller, aml.analyst, aml.officer, adviser, sales.ops, kyc.rm, kyc.analyst, "
            "kyc.officer, kyc.senior, credit.rm, credit.branch, credit.risk, credit.compliance, "
            "credit.chair, credit.member1, credit.member2, credit.loans, aum.rm, aum.ops, "
            "ubo.kyc): "
            f"user name, password and, for the administrators, TOTP secret in {credentials}"
        )
    if not no_serve:
        out.print(
            "demo: session cookies without the Secure flag (plain http on "
            f"{settings.host}; BRICKWORK_INSECURE_COOKIES=true). Never run production so."
        )
        out.print(
            f"open http://{settings.host}:{settings.port}/ and sign in as clerk.sh (a branch "
            f"clerk) or manager, with the password in {credentials}"
        )
        _serve(settings.with_overrides(insecure_cookies=True))


@app.command()
def worker(
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    once: Annotated[
        bool, typer.Option("--once", help="Queue due ticks, run due jobs, then exit.")
    ] = False,
) -> None:
    """Run background jobs and scheduled rules (the server runs them too unless
    BRICKWORK_WORKER=false); several workers may run at once."""
    settings = _settings(data_dir, database_url)
    _configure_logging(settings)
    engine = make_engine(settings.effective_database_url)
    migrate.ensure_current(engine)
    factory = make_session_factory(engine, audit_at_commit=True)  # long jobs hold no chain lock
    services = build_services(settings=settings)
    name = f"{socket.gethostname()}:{os.getpid()}:cli"
    runner, scheduler = job_runners(services, factory, name=name)
    if once:
        queued = scheduler.tick()
        ran = runner.run_until_idle()
        out.print(f"{queued} tick(s) queued, {ran} job(s) run")
        engine.dispose()
        return
    stop = threading.Event()
    settle_heap()
    out.print(f"worker {name}: running jobs and schedules (Ctrl-C stops)")
    try:
        serve_jobs(
            runner,
            scheduler,
            stop,
            settings.worker_poll_seconds,
            probe=make_read_session_factory(engine, factory),
        )
    except KeyboardInterrupt:
        stop.set()
    finally:
        engine.dispose()


@db_app.command("upgrade")
def db_upgrade(
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    revision: Annotated[str, typer.Option(help="Target revision.")] = "head",
) -> None:
    """Upgrade the database schema."""
    settings = _settings(data_dir, database_url)
    engine = make_engine(settings.effective_database_url)
    before, after = migrate.upgrade(engine, revision)
    out.print(f"schema at {after}" + ("" if before == after else f" (was {before or 'empty'})"))


@db_app.command("current")
def db_current(data_dir: DataDir = None, database_url: DatabaseUrl = None) -> None:
    """Show the schema revision of the database and the newest one this version knows."""
    settings = _settings(data_dir, database_url)
    engine = make_engine(settings.effective_database_url)
    out.print(
        f"database: {migrate.current_revision(engine) or 'empty'};"
        f" newest: {migrate.head_revision()}"
    )


DEMO_CREDENTIALS = "demo-users.tsv"


def _write_private(path: Path, text: str) -> None:
    """Write a file only its owner can read (mode 0600 from the start)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)


def _session_factory(settings: Settings) -> Any:
    engine = make_engine(settings.effective_database_url)
    migrate.ensure_current(engine)
    return make_session_factory(engine)


def _report(error: PlatformError) -> None:
    _fail(error.message, code=error.code, details=_details(error))


@apps_app.command("list")
def apps_list(data_dir: DataDir = None, database_url: DatabaseUrl = None) -> None:
    """List apps."""
    settings = _settings(data_dir, database_url)
    table = Table("key", "label", "archived")
    with unit_of_work(_session_factory(settings)) as session:
        for row in build_services().metadata.list_apps(session, include_archived=True):
            table.add_row(row.key, jsonio.dumps(row.label), "yes" if row.archived_at else "")
    out.print(table)


@apps_app.command("export")
def apps_export(
    app_key: Annotated[str, typer.Argument(metavar="APP", help="App key.")],
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="File (default: stdout).")
    ] = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Export an app with all definitions and versions as one JSON bundle."""
    settings = _settings(data_dir, database_url)
    actor = Actor(settings.bootstrap_admin, channel="cli", system=True)
    try:
        with unit_of_work(_session_factory(settings)) as session:
            app_row = build_services().metadata.app(session, app_key)
            bundle = build_services().bundles.export_app(session, actor, app_row)
    except PlatformError as exc:
        _report(exc)
    text = jsonio.dumps(bundle) + "\n"
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        out.print(f"exported {app_key!r} to {output}")


@apps_app.command("import")
def apps_import(
    path: Annotated[Path, typer.Argument(help="Bundle file.")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check only; write nothing.")] = False,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Import an app bundle (all or nothing; importing the same bundle twice changes nothing)."""
    settings = _settings(data_dir, database_url)
    try:
        document = jsonio.loads(path.read_bytes())
    except OSError as exc:
        _fail(f"cannot read {path}: {exc.strerror}", code="file_unreadable")
    except jsonio.JsonError as exc:
        _fail(f"{path}: {exc.message}", code=exc.code)
    try:
        with unit_of_work(_session_factory(settings)) as session:
            outcome = build_services().bundles.import_bundle(
                session,
                Actor(settings.bootstrap_admin, channel="cli", system=True),
                document,
                dry_run=dry_run,
            )
    except PlatformError as exc:
        _report(exc)
    verb = "would import" if dry_run else "imported"
    out.print(
        f"{verb} {outcome.app!r}: {outcome.definitions_created} created, "
        f"{outcome.definitions_updated} updated, {outcome.definitions_unchanged} unchanged,"
        f" {outcome.versions_added} version(s) added"
    )


@audit_app.command("verify")
def audit_verify(data_dir: DataDir = None, database_url: DatabaseUrl = None) -> None:
    """Recompute the hash chain; exit 1 and name each event where it is broken."""
    from rich.progress import Progress as Bar

    settings = _settings(data_dir, database_url)
    with Bar(console=err, transient=True) as bar, unit_of_work(_session_factory(settings)) as s:
        task = bar.add_task("verifying audit trail", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        result = _audit_log(settings).verify(s, progress=progress)
    if result.intact:
        out.print(f"audit trail intact: {result.checked} event(s) verified")
        return
    for item in result.breaks:
        err.print(
            f"event {item.event_id}: {escape(f'[{item.kind}]')} {escape(item.message)}",
            highlight=False,
        )
    err.print(f"audit trail BROKEN at {len(result.breaks)} point(s); {result.checked} checked")
    raise typer.Exit(1)


@audit_app.command("anchor")
def audit_anchor(data_dir: DataDir = None, database_url: DatabaseUrl = None) -> None:
    """Check the whole trail, then anchor its head with the key file's active key (once, for a
    trail recorded before anchoring, or after the keys were replaced). Audited."""
    settings = _settings(data_dir, database_url)
    try:
        with unit_of_work(_session_factory(settings)) as session:
            result = _audit_log(settings).anchor_head(session, CLI_ACTOR)
    except PlatformError as exc:
        _report(exc)
    if not result.intact:
        for item in result.breaks:
            err.print(
                f"event {item.event_id}: {escape(f'[{item.kind}]')} {escape(item.message)}",
                highlight=False,
            )
        _fail("the audit trail is broken; it was not anchored", code="audit_broken")
    out.print(f"audit trail anchored after {result.checked} event(s) verified")


def _audit_log(settings: Settings) -> AuditLog:
    """The audit trail with its anchor keys (from the key file or the environment)."""
    keyring = _keyring_or_fail(_key_file(settings), settings)
    return AuditLog(anchor=anchor_keys(lambda: keyring))


def _key_file(settings: Settings) -> Path:
    return key_file_path(settings.data_dir, settings.secret_key_file)


def _keyring_or_fail(path: Path, settings: Settings | None = None) -> Keyring:
    """The keys: from ``BRICKWORK_SECRET_KEYS`` when set, else from the key file."""
    try:
        if settings is not None and settings.secret_keys:
            return parse_keyring(settings.secret_keys, KEYS_ENV)
        return load_keyring(path)
    except KeyringError as exc:
        _report(exc)
        raise  # not reached: _report exits


def _writable_keys(settings: Settings) -> None:
    """Adding keys writes the key file; keys from the environment change where they are kept."""
    if settings.secret_keys:
        _fail(
            f"the keys come from {KEYS_ENV}; add or activate keys where that secret is managed "
            "(the same JSON as a key file), then run `brickwork keys rotate`",
            code="keys_from_environment",
        )


@keys_app.command("init")
def keys_init(data_dir: DataDir = None) -> None:
    """Create the key file ($BRICKWORK_SECRET_KEY_FILE or <data dir>/keys.json, mode 0600) with
    one key; an existing file is left as it is."""
    settings = _settings(data_dir)
    _writable_keys(settings)
    path = _key_file(settings)
    try:
        created = ensure_key_file(path)
    except KeyringError as exc:
        _report(exc)
    out.print(f"key file {'created' if created else 'already exists'}: {path}")


@keys_app.command("add")
def keys_add(
    activate: Annotated[
        bool, typer.Option("--activate", help="Encrypt new values with the new key.")
    ] = False,
    data_dir: DataDir = None,
) -> None:
    """Add a random encryption key to the key file (the blind-index key stays the same)."""
    settings = _settings(data_dir)
    _writable_keys(settings)
    path = _key_file(settings)
    keyring, key_id = _keyring_or_fail(path).with_new_key(activate=activate)
    write_keyring(path, keyring)
    state = "active" if activate else "not active (use `brickwork keys rotate --new`)"
    out.print(f"key {key_id} added to {path}; {state}")


@keys_app.command("rotate")
def keys_rotate(
    new: Annotated[
        bool, typer.Option("--new", help="First add a new key and make it the active one.")
    ] = False,
    batch: Annotated[
        int, typer.Option(min=1, help="Values per batch (one transaction each).")
    ] = 500,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Re-encrypt every encrypted value under the active key, batch by batch (resumable):
    encrypted form fields, MFA seeds and webhook signing secrets.

    Older keys must stay in the key file until this reports the rotation complete."""
    settings = _settings(data_dir, database_url)
    path = _key_file(settings)
    if new:
        _writable_keys(settings)
    keyring = _keyring_or_fail(path, settings)
    if new:
        keyring, key_id = keyring.with_new_key(activate=True)
        write_keyring(path, keyring)
        out.print(f"key {key_id} added to {path} and made active")
    rotation = KeyRotation(KeyringCipher(lambda: keyring))
    factory = _session_factory(settings)
    moved, batches = 0, 0
    try:
        while True:
            with unit_of_work(factory) as session:
                report = rotation.step(session, batch=batch)
            if report is None:
                break
            moved, batches = moved + report.reencrypted, batches + 1
            out.print(
                f"batch {batches}: {report.reencrypted} value(s) of {report.column.context} "
                f"re-encrypted, {report.remaining} left there; {moved} in all"
            )
        with unit_of_work(factory) as session:
            status = rotation.status(session)
            AuditLog(anchor=anchor_keys(lambda: keyring)).record(
                session,
                CLI_ACTOR,
                "keys.rotate",
                object_type="keyring",
                object_id=keyring.active,
                details={"reencrypted": moved, "batches": batches, **status},
            )
    except PlatformError as exc:
        _report(exc)
    out.print(
        f"rotation complete: {moved} value(s) re-encrypted in {batches} batch(es); all "
        f"{status['total']} value(s) are under key {keyring.active}. Keys no value uses any "
        "more may now be removed from the key file"
    )


@keys_app.command("status")
def keys_status(data_dir: DataDir = None, database_url: DatabaseUrl = None) -> None:
    """The key file, its active key, and how many stored values each key encrypts."""
    settings = _settings(data_dir, database_url)
    path = _key_file(settings)
    keyring = _keyring_or_fail(path, settings)
    try:
        with unit_of_work(_session_factory(settings)) as session:
            status = KeyRotation(KeyringCipher(lambda: keyring)).status(session)
    except PlatformError as exc:
        _report(exc)
    source = KEYS_ENV if settings.secret_keys else f"key file {path}"
    out.print(f"{source}; active key {keyring.active}")
    table = Table("key", "active", "values")
    for key_id, count in status["counts"].items():
        table.add_row(key_id, "yes" if key_id == keyring.active else "", str(count))
    if status["unknown"]:
        table.add_row("(unknown)", "", str(status["unknown"]))
    out.print(table)


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise _fail(f"cannot read {path}: {exc.strerror or exc}", code="file_unreadable") from None


@dmn_app.command("check")
def dmn_check(
    model_file: Annotated[Path, typer.Argument(metavar="MODEL.dmn", help="The DMN model.")],
    tests_file: Annotated[
        Path, typer.Argument(metavar="TESTS.xml", help="A DMN TCK test-case file.")
    ],
) -> None:
    """Check a DMN model against DMN TCK test cases.

    Prints pass/fail per case with the expected and actual values. Exit code 1 if any case
    fails, 2 if a file cannot be read or used."""
    from brickwork.engines.rules import DecisionModelError, compile_model
    from brickwork.engines.rules.dmn_xml import DmnXmlError, element_at, import_dmn
    from brickwork.engines.rules.tck import read_test_cases, run_test_cases

    model_xml, tests_xml = _read_bytes(model_file), _read_bytes(tests_file)
    try:
        spec = import_dmn(model_xml)
    except DmnXmlError as exc:
        _fail(f"{model_file} cannot be imported", code="dmn_invalid", details=_lines(exc.problems))
    try:
        model = compile_model(spec)
    except DecisionModelError as exc:
        details = [f"{p} [element {element_at(spec, p.pointer) or '-'}]" for p in exc.problems]
        _fail(f"{model_file} cannot be compiled", code="dmn_invalid", details=details)
    try:
        suite = read_test_cases(tests_xml)
    except DmnXmlError as exc:
        _fail(f"{tests_file} cannot be read", code="tck_invalid", details=_lines(exc.problems))
    outcomes = run_test_cases(model, suite)
    for outcome in outcomes:
        verdict = "[green]PASS[/]" if outcome.passed else "[bold red]FAIL[/]"
        text = f"{outcome.case_id} {outcome.name}: expected {outcome.expected}"
        text += f", actual {outcome.actual}"
        if outcome.note:
            text += f" ({outcome.note})"
        out.print(f"{verdict} {escape(text)}", highlight=False)
    failed = sum(1 for outcome in outcomes if not outcome.passed)
    out.print(f"{len(outcomes) - failed} passed, {failed} failed", highlight=False)
    if failed or not outcomes:
        raise typer.Exit(1)


@rules_app.command("test")
def rules_test(
    app_key: Annotated[
        str | None, typer.Option("--app", help="Only this app's rules (default: every app).")
    ] = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Run the examples embedded in every rule: the draft where there is one (what the next
    publish would check), else the published version. Exit code 1 if any example fails or a
    rule does not compile."""
    from brickwork.engines.rules import RuleDefinition, RuleDefinitionError, compile_rule
    from brickwork.engines.rules.eca import run_examples
    from brickwork.platform.metadata.schemas import Kind

    settings = _settings(data_dir, database_url)
    engine = make_engine(settings.effective_database_url)
    services = build_services(settings=settings)
    passed = failed = 0
    with unit_of_work(make_session_factory(engine)) as session:
        if app_key is not None:
            try:
                services.metadata.app(session, app_key)
            except PlatformError as exc:
                _report(exc)
        apps = [app_key] if app_key else [a.key for a in services.metadata.list_apps(session)]
        for key in apps:
            scopes = {
                f.form_key: f.compiled.scope for f in services.records.published_forms(session, key)
            }
            for definition in services.metadata.list_definitions(session, key, kind=Kind.RULE):
                body = definition.draft if definition.draft is not None else None
                if body is None and definition.latest_version is not None:
                    body = services.metadata.version(
                        session, key, Kind.RULE, definition.key, definition.latest_version
                    ).body
                if body is None:
                    continue
                name = f"{key}/{definition.key}"
                try:
                    spec = RuleDefinition.model_validate(body["spec"])
                    rule = compile_rule(spec.model_copy(update={"examples": ()}), scopes=scopes)
                except (RuleDefinitionError, ValueError) as exc:
                    failed += 1
                    out.print(
                        f"[bold red]FAIL[/] {escape(name)}: does not compile: {escape(str(exc))}"
                    )
                    continue
                for example, failure in run_examples(rule, spec.examples):
                    if failure is None:
                        passed += 1
                        out.print(
                            f"[green]PASS[/] {escape(name)}: {escape(example)}", highlight=False
                        )
                    else:
                        failed += 1
                        out.print(
                            f"[bold red]FAIL[/] {escape(name)}: {escape(example)}: "
                            f"{escape(failure.en)}",
                            highlight=False,
                        )
    engine.dispose()
    out.print(f"{passed} passed, {failed} failed", highlight=False)
    if failed:
        raise typer.Exit(1)


def _lines(problems: Any) -> list[str]:
    return [str(problem) for problem in problems]


def main() -> None:
    from sqlalchemy.exc import InterfaceError, OperationalError

    try:
        app()
    except (OperationalError, InterfaceError) as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else str(exc)
        err.print(
            f"[bold red]error[/] {escape('[database_unreachable]')} cannot use the database: "
            f"{escape(reason)}; check BRICKWORK_DATABASE_URL (or --database-url) and that the "
            "server runs",
            highlight=False,
        )
        raise SystemExit(2) from None
    except PlatformError as exc:  # a command that did not catch it (an invalid shipped pack)
        _say(exc.message, code=exc.code, details=_details(exc))
        raise SystemExit(2) from None


# ---------------------------------------------------------------- packs

packs_app = typer.Typer(help="Template packs (finance apps as metadata).", no_args_is_help=True)
app.add_typer(packs_app, name="packs")
PackKeys = Annotated[list[str] | None, typer.Argument(metavar="PACK...", help="Pack keys.")]


def _pack_actor(settings: Settings) -> Actor:
    return Actor(settings.bootstrap_admin, channel="cli", system=True)


@packs_app.command("list")
def packs_list(data_dir: DataDir = None, database_url: DatabaseUrl = None) -> None:
    """The shipped packs and what is installed of each."""
    settings = _settings(data_dir, database_url)
    table = Table("key", "version", "installed", "status", "title", "needs")
    with unit_of_work(_session_factory(settings)) as session:
        for status in build_services().packs.statuses(session):
            manifest = status.pack.manifest
            state = (status.state or {}).get("status", "available")
            if status.upgradable:
                state = f"{state} (upgrade available)"
            table.add_row(
                manifest.key,
                manifest.version,
                status.installed_version or "",
                state,
                f"{manifest.title.zh_CN} / {manifest.title.en}",
                ", ".join(f"{k} ≥ {v}" for k, v in manifest.requires.items()),
            )
    out.print(table)


def _wanted(keys: list[str] | None, every: bool) -> list[str]:
    """The packs named (each one shipped: a typo stops the command before it does anything),
    or every shipped pack."""
    packs = build_services().packs
    if every:
        return [pack.key for pack in packs.catalog.values()]
    if not keys:
        _fail("name the packs, or --all", code="pack_not_named")
    for key in keys or []:
        try:
            packs.pack(key)
        except PlatformError as exc:
            _report(exc)
    return list(keys or [])


@packs_app.command("install")
def packs_install(
    keys: PackKeys = None,
    every: Annotated[bool, typer.Option("--all", help="Every shipped pack.")] = False,
    sample_data: Annotated[
        bool, typer.Option("--sample-data", help="Also create the packs' sample records.")
    ] = False,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Install packs, each all or nothing, in the order given (with --all: dependencies
    first); packs already installed are skipped."""
    settings = _settings(data_dir, database_url)
    factory = _session_factory(settings)
    service = build_services(settings=settings).packs
    for key in _wanted(keys, every):
        try:
            with unit_of_work(factory) as session:
                state = service.state(session, key)
                if state is not None and state.get("status") == "installed":
                    out.print(f"{key} {state['version']} already installed")
                    continue
                outcome = service.install(
                    session, _pack_actor(settings), key, sample_data=sample_data
                )
        except PlatformError as exc:
            _report(exc)
        verb = "restored" if outcome.restored else "installed"
        out.print(
            f"{verb} {key} {outcome.version}: {outcome.definitions} definition(s), "
            f"{len(outcome.roles)} role(s) created, {outcome.records} sample record(s)"
        )


@packs_app.command("upgrade")
def packs_upgrade(
    key: Annotated[str, typer.Argument(metavar="PACK", help="Pack key.")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show the plan only.")] = False,
    keep: Annotated[
        list[str] | None,
        typer.Option("--keep", metavar="KIND/KEY", help="Conflict: keep the local definition."),
    ] = None,
    take: Annotated[
        list[str] | None,
        typer.Option("--take", metavar="KIND/KEY", help="Conflict: take the pack's definition."),
    ] = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Show what upgrading a pack changes, then (without --dry-run) upgrade it. A definition
    changed here and by the pack needs --keep or --take."""
    settings = _settings(data_dir, database_url)
    service = build_services(settings=settings).packs
    resolutions: dict[str, Any] = dict.fromkeys(keep or [], "keep_local")
    resolutions.update(dict.fromkeys(take or [], "take_pack"))
    try:
        with unit_of_work(_session_factory(settings)) as session:
            plan = service.plan_upgrade(session, key)
            out.print(f"{key}: {plan.installed} → {plan.available}")
            for item in plan.changes:
                schema = f" [{' '.join(item.schema)}]" if item.schema else ""
                flag = " CONFLICT: changed here too" if item.conflict else ""
                out.print(f"  {item.change:9} {item.ref}{schema}{flag}")
            if not plan.changes:
                out.print("  nothing changes")
            if dry_run:
                return
            service.upgrade(session, _pack_actor(settings), key, resolutions=resolutions)
    except PlatformError as exc:
        _report(exc)
    out.print(f"upgraded {key} to {plan.available}")


@packs_app.command("uninstall")
def packs_uninstall(
    key: Annotated[str, typer.Argument(metavar="PACK", help="Pack key.")],
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Archive a pack's app and definitions; its records stay (install again to restore)."""
    settings = _settings(data_dir, database_url)
    try:
        with unit_of_work(_session_factory(settings)) as session:
            archived = build_services(settings=settings).packs.uninstall(
                session, _pack_actor(settings), key
            )
    except PlatformError as exc:
        _report(exc)
    out.print(f"uninstalled {key}: {archived} definition(s) archived, records kept")


@packs_app.command("export")
def packs_export(
    key: Annotated[str, typer.Argument(metavar="PACK", help="Pack key.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Folder to write the pack to.")],
    version: Annotated[
        str | None, typer.Option(help="Version of the exported pack (default: installed).")
    ] = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Write an installed pack as it is here (local changes included) as a pack folder with
    a sealed manifest, to review, keep or install elsewhere."""
    settings = _settings(data_dir, database_url)
    try:
        with unit_of_work(_session_factory(settings)) as session:
            manifest = build_services(settings=settings).packs.export(
                session, key, output, version=version
            )
    except PlatformError as exc:
        _report(exc)
    except OSError as exc:
        _fail(f"cannot write {output}: {exc.strerror}", code="file_unwritable")
    out.print(f"exported {key} {manifest.version} to {output} ({len(manifest.contents)} file(s))")


@packs_app.command("seal")
def packs_seal(folder: Annotated[Path, typer.Argument(help="Pack folder.")]) -> None:
    """Rewrite a pack's manifest with its files' checksums (for pack authors)."""
    try:
        manifest = seal_pack(folder)
        read_pack(folder)
    except PlatformError as exc:
        _report(exc)
    except (OSError, jsonio.JsonError) as exc:
        _fail(f"{folder}: {exc}", code="pack_unreadable")
    out.print(f"sealed {manifest.key} {manifest.version}: {len(manifest.contents)} file(s)")


def _needed(key: str, packs: Mapping[str, Pack], seen: tuple[str, ...] = ()) -> list[str]:
    """`key` after every pack it needs (recursively), each once."""
    order: list[str] = []
    for needed in packs[key].manifest.requires if key in packs else ():
        if needed not in seen:
            order += [k for k in _needed(needed, packs, (*seen, key)) if k not in order]
    return [*order, key]


def run_pack_scenarios(key: str, folder: Path) -> list[ScenarioResult]:
    """Install `key` (after what it needs) into a new embedded database in `folder` and run its
    scenarios through the HTTP API of an in-process server."""
    from fastapi.testclient import TestClient

    from brickwork.app import create_app

    settings = Settings().with_overrides(data_dir=folder, database_url=None, worker=False)
    private_dir(folder)
    engine = make_engine(settings.effective_database_url)
    migrate.upgrade(engine)
    engine.dispose()
    server = create_app(settings)
    service = server.state.services.packs
    factory = server.state.session_factory
    actor = _pack_actor(settings)
    try:
        for needed in _needed(key, service.catalog):
            with unit_of_work(factory) as session:
                service.install(session, actor, needed)
        pack = service.pack(key)

        def add_user(name: str, password: str, roles: Any, departments: Any) -> None:
            with unit_of_work(factory) as session:
                service.add_user(session, actor, name, password, roles, departments)

        runner = ScenarioRunner(
            new_client=lambda: TestClient(
                server, base_url="https://testserver", raise_server_exceptions=False
            ),
            add_user=add_user,
        )
        return [runner.run(name, document) for name, document in pack.scenarios]
    finally:
        server.state.engine.dispose()


@packs_app.command("test")
def packs_test(
    keys: PackKeys = None,
    every: Annotated[bool, typer.Option("--all", help="Every shipped pack.")] = False,
) -> None:
    """Run packs' acceptance scenarios, each pack on a fresh temporary database (with the
    packs it needs installed first); exit 1 when a scenario fails."""
    import tempfile

    failed = 0
    for key in _wanted(keys, every):
        with tempfile.TemporaryDirectory(prefix="brickwork-pack-test-") as folder:
            try:
                results = run_pack_scenarios(key, Path(folder))
            except PlatformError as exc:
                _report(exc)
        for result in results:
            mark = "[green]pass[/]" if result.passed else "[bold red]FAIL[/]"
            out.print(f"{mark} {key}/{result.name}: {escape(result.title)}")
            for failure in result.failures:
                out.print(f"     step {failure.step}: {escape(failure.message)}")
            failed += not result.passed
        out.print(f"{key}: {sum(r.passed for r in results)}/{len(results)} scenario(s) passed")
    if failed:
        raise typer.Exit(1)
