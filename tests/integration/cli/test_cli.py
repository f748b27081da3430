"""The ``brickwork`` command line, run in-process on throw-away SQLite data directories."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from brickwork import __version__
from brickwork.cli import app
from brickwork.platform.assembly import build_services
from brickwork.platform.auth.actor import Actor
from brickwork.platform.auth.admin_schemas import RoleCreate
from brickwork.platform.auth.directory import DirectoryService
from brickwork.platform.db import migrate
from brickwork.platform.db.session import make_engine, make_session_factory, unit_of_work
from brickwork.settings import Settings

SETUP = Actor("setup", channel="cli", system=True)

runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def add_role(data_dir: Path, key: str) -> None:
    """A business role in the installation at `data_dir` (what an administrator does)."""
    settings = Settings(data_dir=data_dir)
    engine = make_engine(settings.effective_database_url)
    services = build_services(settings=settings)
    with unit_of_work(make_session_factory(engine)) as session:
        DirectoryService(services.identities).create_role(
            session, SETUP, RoleCreate.model_validate({"key": key, "label": {"en": key}})
        )
    engine.dispose()


def test_version() -> None:
    assert run("--version") == (0, f"brickwork {__version__}\n")


def test_init_is_idempotent(tmp_path: Path) -> None:
    code, output = run("init", "--data-dir", str(tmp_path / "d"), "--admin", "zhang.san")
    assert code == 0, output
    assert "initialised" in output
    assert "'zhang.san'" in output
    code, output = run("init", "--data-dir", str(tmp_path / "d"))
    assert code == 0
    assert "already initialised" in output
    assert (tmp_path / "d" / "brickwork.db").exists()
    code, output = run("db", "current", "--data-dir", str(tmp_path / "d"))
    assert code == 0
    assert f"database: {migrate.head_revision()}" in output


def test_db_upgrade_on_empty_database(tmp_path: Path) -> None:
    code, output = run("db", "upgrade", "--data-dir", str(tmp_path))
    assert code == 0
    assert f"schema at {migrate.head_revision()} (was empty)" in output


def test_demo_data_export_and_import_round_trip(tmp_path: Path) -> None:
    source, target, bundle = tmp_path / "a", tmp_path / "b", tmp_path / "onboarding.json"
    code, output = run("demo", "--no-serve", "--data-dir", str(source))
    assert (code, "demo data installed" in output) == (0, True), output
    assert "already present" in run("demo", "--no-serve", "--data-dir", str(source))[1]
    code, output = run("apps", "export", "onboarding", "-o", str(bundle), "--data-dir", str(source))
    assert code == 0, output
    document = json.loads(bundle.read_text(encoding="utf-8"))
    keys = [d["key"] for d in document["definitions"]]
    assert sorted(keys) == [
        "customer",
        "customer_review",
        "customers_by_type",
        "newest_customers",
        "overview",
        "review_new_customers",
    ]

    code, output = run("apps", "import", str(bundle), "--data-dir", str(target))
    assert code == 2, output  # its flow's approvers' role does not exist there
    assert "[bundle_not_installable]" in output
    assert "E_FLOW_UNKNOWN_ROLE" in output
    add_role(target, "onboarding_manager")
    code, output = run("apps", "import", str(bundle), "--dry-run", "--data-dir", str(target))
    assert (code, "would import" in output) == (0, True), output
    assert "onboarding" not in run("apps", "list", "--data-dir", str(target))[1]
    code, output = run("apps", "import", str(bundle), "--data-dir", str(target))
    assert (code, "6 created" in output, "6 version(s) added" in output) == (0, True, True), output
    code, output = run("apps", "import", str(bundle), "--data-dir", str(target))
    assert (code, "6 unchanged" in output, "0 version(s) added" in output) == (0, True, True), (
        output
    )


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('{"format": "brickwork.app-bundle",', "[json_malformed]"),
        ('{"format": "zip"}', "[bundle_invalid]"),
    ],
)
def test_import_of_a_bad_file_exits_2_with_code(
    tmp_path: Path, content: str, expected: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    code, output = run("apps", "import", str(path), "--data-dir", str(tmp_path / "d"))
    assert code == 2
    assert expected in output


def test_export_of_unknown_app_fails_clearly(tmp_path: Path) -> None:
    code, output = run("apps", "export", "nope", "--data-dir", str(tmp_path))
    assert code == 2
    assert "[app_not_found]" in output


def test_audit_verify_detects_tampering_in_the_database_file(tmp_path: Path) -> None:
    import sqlite3

    data = tmp_path / "d"
    assert run("demo", "--no-serve", "--data-dir", str(data))[0] == 0
    code, output = run("audit", "verify", "--data-dir", str(data))
    assert code == 0, output
    with sqlite3.connect(data / "brickwork.db") as db:
        (count,) = db.execute("SELECT count(*) FROM audit_events").fetchone()
    assert count > 5
    assert f"audit trail intact: {count} event(s) verified" in output

    with sqlite3.connect(data / "brickwork.db") as db:
        db.execute("DROP TRIGGER trg_audit_events_no_update")
        db.execute("UPDATE audit_events SET actor = 'someone_else' WHERE id = 2")
    code, output = run("audit", "verify", "--data-dir", str(data))
    assert code == 1
    assert "event 2: [modified]" in output


# ---------------------------------------------------------------- administrators


def identity_rows(data: Path) -> list[tuple[str, bool, str, list[str]]]:
    """(username, must_change_password, hash scheme, roles) of every user in a data directory."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from brickwork.platform.db.session import make_engine
    from brickwork.platform.models import Role, User, UserRole

    engine = make_engine(f"sqlite:///{data / 'brickwork.db'}")
    rows = []
    with Session(engine) as session:
        for user in session.scalars(select(User).order_by(User.username)):
            query = select(Role.key).join(UserRole).where(UserRole.user_id == user.id)
            roles = sorted(session.scalars(query))
            scheme = user.password_hash.split("$")[1]
            rows.append((user.username, user.must_change_password, scheme, roles))
    engine.dispose()
    return rows


@pytest.fixture
def cheap_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRICKWORK_ARGON2_PROFILE", "test")
    monkeypatch.delenv("BRICKWORK_ADMIN_PASSWORD", raising=False)
    monkeypatch.delenv("BRICKWORK_ADMIN_USERNAME", raising=False)


@pytest.mark.usefixtures("cheap_argon2")
def test_init_without_a_password_creates_no_administrator(tmp_path: Path) -> None:
    code, output = run("init", "--data-dir", str(tmp_path / "d"), "--admin", "zhang.san")
    assert code == 0, output
    assert "no administrator was created" in output
    assert "brickwork users create-admin" in output
    assert identity_rows(tmp_path / "d") == []


@pytest.mark.usefixtures("cheap_argon2")
def test_init_creates_the_first_system_admin_from_env_once(tmp_path: Path) -> None:
    data = str(tmp_path / "d")
    env = {"BRICKWORK_ADMIN_USERNAME": "Root.Admin", "BRICKWORK_ADMIN_PASSWORD": "Sturdy-pass-2026"}
    result = runner.invoke(app, ["init", "--data-dir", data], env=env)
    assert result.exit_code == 0, result.output
    assert "administrator 'root.admin' created with role system_admin" in result.output
    assert "Sturdy-pass-2026" not in result.output
    assert identity_rows(tmp_path / "d") == [("root.admin", True, "argon2id", ["system_admin"])]
    env["BRICKWORK_ADMIN_USERNAME"] = "another"
    result = runner.invoke(app, ["init", "--data-dir", data], env=env)
    assert result.exit_code == 0, result.output
    assert "system administrator already exists: 'root.admin'" in result.output
    assert len(identity_rows(tmp_path / "d")) == 1


@pytest.mark.usefixtures("cheap_argon2")
def test_init_enforces_the_password_policy(tmp_path: Path) -> None:
    args = ["init", "--data-dir", str(tmp_path / "d"), "--admin", "root", "--admin-password-stdin"]
    result = runner.invoke(app, args, input="short\n")
    assert result.exit_code == 2
    assert "[password_too_short]" in result.output
    assert identity_rows(tmp_path / "d") == []


@pytest.mark.usefixtures("cheap_argon2")
def test_users_create_admin(tmp_path: Path) -> None:
    data = str(tmp_path / "d")
    base = ["users", "create-admin", "--data-dir", data, "--password-stdin"]
    result = runner.invoke(app, [*base, "--username", "sec"], input="Sturdy-pass-2026\n")
    assert result.exit_code == 0, result.output
    result = runner.invoke(
        app, [*base, "--username", "aud", "--role", "audit_admin"], input="Sturdy-pass-2026\n"
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, [*base, "--username", "aud"], input="Sturdy-pass-2026\n")
    assert (result.exit_code, "[user_exists]" in result.output) == (2, True), result.output
    assert identity_rows(tmp_path / "d") == [
        ("aud", True, "argon2id", ["audit_admin"]),
        ("sec", True, "argon2id", ["system_admin"]),
    ]
    code, output = run("users", "create-admin", "--data-dir", data, "--username", "x")
    assert (code, "[password_required]" in output) == (2, True), output
    code, output = run("users", "create-admin", "--data-dir", data, "--role", "boss")
    assert (code, "[role_not_found]" in output) == (2, True), output


@pytest.mark.usefixtures("cheap_argon2")
def test_users_unlock_and_reset_password(tmp_path: Path) -> None:
    data = str(tmp_path / "d")
    create = ["users", "create-admin", "--data-dir", data, "--password-stdin", "--username", "ops"]
    assert runner.invoke(app, create, input="Sturdy-pass-2026\n").exit_code == 0
    assert run("users", "unlock", "ops", "--data-dir", data) == (0, "'ops' unlocked\n")
    reset = ["users", "reset-password", "ops", "--data-dir", data, "--password-stdin"]
    result = runner.invoke(app, reset, input="Sturdy-pass-2026\n")
    assert (result.exit_code, "[password_reused]" in result.output) == (2, True), result.output
    result = runner.invoke(app, reset, input="Another-pass-2026\n")
    assert result.exit_code == 0, result.output
    code, output = run("users", "unlock", "nobody", "--data-dir", data)
    assert (code, "[user_not_found]" in output) == (2, True)


@pytest.mark.parametrize(
    ("url", "code", "says"),
    [
        ("mysql://x/y", "database_url_invalid", "mysql is not supported"),
        ("not a url", "database_url_invalid", "is not a URL"),
        ("postgresql+psycopg://nobody@127.0.0.1:1/x", "database_unreachable", "Connection refused"),
    ],
)
def test_a_database_the_cli_cannot_use_is_named_without_a_traceback(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    url: str,
    code: str,
    says: str,
) -> None:
    from brickwork.cli import main

    argv = ["brickwork", "db", "current", "--data-dir", str(tmp_path), "--database-url", url]
    monkeypatch.setattr("sys.argv", argv)
    with pytest.raises(SystemExit) as exited:
        main()
    assert exited.value.code == 2
    shown = " ".join(capsys.readouterr().err.split())
    assert f"[{code}]" in shown
    assert says in shown
    assert "Traceback" not in shown


def test_a_pack_that_fails_its_checks_is_named_without_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A shipped pack whose files were edited after it was sealed stops pack commands with its
    problem, not a traceback."""
    from shutil import copytree

    from brickwork.cli import main
    from brickwork.platform.packs import manifest

    shipped = Path(manifest.__file__).parents[2] / "finance_templates" / "kyc"
    folder = copytree(shipped, tmp_path / "kyc")
    with (folder / "roles.json").open("a", encoding="utf-8") as edited:
        edited.write(" ")
    monkeypatch.setattr(
        "brickwork.platform.assembly.shipped_packs", lambda: (manifest.read_pack(folder),)
    )
    monkeypatch.setattr("sys.argv", ["brickwork", "packs", "test", "kyc"])
    with pytest.raises(SystemExit) as exited:
        main()
    assert exited.value.code == 2
    shown = " ".join(capsys.readouterr().err.split())
    assert "[pack_invalid]" in shown
    assert "[E_PACK_CHECKSUM]" in shown
    assert "Traceback" not in shown
