"""``brickwork keys``: the key file and rotation from the command line (SQLite data dirs)."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import text
from typer.testing import CliRunner

from brickwork.cli import app
from brickwork.platform.assembly import build_services
from brickwork.platform.auth.actor import Actor
from brickwork.platform.crypto.keyring import new_keyring
from brickwork.platform.db import migrate
from brickwork.platform.db.session import make_engine, make_session_factory, unit_of_work
from brickwork.platform.metadata.schemas import AppCreate, DefinitionCreate, Kind
from brickwork.platform.models import AuditEvent
from brickwork.settings import Settings

runner = CliRunner()
ACTOR = Actor("tester", channel="cli", system=True)
FIELDS = [{"id": "f_pan", "key": "pan", "type": "text", "label": "PAN", "encrypted": True}]


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def seed(data_dir: Path, count: int) -> None:
    settings = Settings(data_dir=data_dir)
    engine = make_engine(settings.effective_database_url)
    services = build_services(settings=settings)
    with unit_of_work(make_session_factory(engine)) as session:
        services.metadata.create_app(
            session, ACTOR, AppCreate.model_validate({"key": "k", "label": "K"})
        )
        services.metadata.create_definition(
            session,
            ACTOR,
            "k",
            DefinitionCreate.model_validate(
                {"kind": "form", "key": "c", "label": "C", "spec": {"fields": FIELDS}}
            ),
        )
        services.metadata.publish(session, ACTOR, "k", Kind.FORM, "c")
        for number in range(count):
            services.records.create(session, ACTOR, "k", "c", {"pan": f"p{number}"})
    engine.dispose()


def test_init_add_and_permissions(tmp_path: Path) -> None:
    code, output = run("keys", "init", "--data-dir", str(tmp_path))
    assert (code, "key file created" in output) == (0, True), output
    assert "already exists" in run("keys", "init", "--data-dir", str(tmp_path))[1]
    code, output = run("keys", "add", "--data-dir", str(tmp_path))
    assert (code, "key k2 added" in output) == (0, True), output
    document = json.loads((tmp_path / "keys.json").read_text(encoding="utf-8"))
    assert (document["active"], sorted(document["keys"])) == ("k1", ["k1", "k2"])
    (tmp_path / "keys.json").chmod(0o644)
    code, output = run("keys", "add", "--data-dir", str(tmp_path))
    assert code == 2
    assert "[keyring_invalid]" in output
    assert "chmod 600" in output


def test_rotate_in_batches_then_status(tmp_path: Path) -> None:
    assert run("init", "--data-dir", str(tmp_path))[0] == 0
    seed(tmp_path, 5)
    code, output = run("keys", "status", "--data-dir", str(tmp_path))
    assert code == 0, output
    assert "active key k1" in output
    code, output = run("keys", "rotate", "--new", "--batch", "2", "--data-dir", str(tmp_path))
    assert code == 0, output
    assert "key k2 added" in output
    assert "batch 3: 1 value(s)" in output
    assert "rotation complete: 5 value(s) re-encrypted in 3 batch(es)" in output
    code, output = run("keys", "rotate", "--data-dir", str(tmp_path))
    assert "rotation complete: 0 value(s)" in output
    code, output = run("keys", "status", "--data-dir", str(tmp_path))
    lines = {line.split("│")[1].strip(): line for line in output.splitlines() if "│" in line}
    assert lines["k1"].split("│")[3].strip() == "0"
    assert lines["k2"].split("│")[3].strip() == "5"
    engine = make_engine(Settings(data_dir=tmp_path).effective_database_url)
    with unit_of_work(make_session_factory(engine)) as session:
        events = session.query(AuditEvent).filter(AuditEvent.action == "keys.rotate").all()
        assert [e.details["reencrypted"] for e in events] == [5, 0]
    engine.dispose()


def test_keys_from_the_environment_replace_the_key_file(tmp_path: Path) -> None:
    """``BRICKWORK_SECRET_KEYS`` holds the key file's JSON: no file is written, records are
    encrypted with it, status reads it, and key changes are refused (they belong where the
    secret is managed)."""
    keyring = new_keyring()
    secret = json.dumps(keyring.to_json())
    settings = Settings(data_dir=tmp_path, secret_keys=secret)
    engine = make_engine(settings.effective_database_url)
    migrate.upgrade(engine)
    services = build_services(settings=settings)
    with unit_of_work(make_session_factory(engine)) as session:
        services.metadata.create_app(
            session, ACTOR, AppCreate.model_validate({"key": "k", "label": "K"})
        )
        services.metadata.create_definition(
            session,
            ACTOR,
            "k",
            DefinitionCreate.model_validate(
                {"kind": "form", "key": "c", "label": "C", "spec": {"fields": FIELDS}}
            ),
        )
        services.metadata.publish(session, ACTOR, "k", Kind.FORM, "c")
        record = services.records.create(session, ACTOR, "k", "c", {"pan": "4111"})
    with unit_of_work(make_session_factory(engine)) as session:
        table = session.execute(text("SELECT table_name FROM form_tables")).scalar_one()
        stored = session.execute(text(f"SELECT c_f_pan FROM {table}")).scalar_one()
        assert "4111" not in stored
        assert services.records.get(session, ACTOR, "k", "c", record["id"])["pan"] == "4111"
    engine.dispose()
    assert not (tmp_path / "keys.json").exists()
    env = {"BRICKWORK_SECRET_KEYS": secret}
    result = runner.invoke(app, ["keys", "status", "--data-dir", str(tmp_path)], env=env)
    assert result.exit_code == 0, result.output
    assert f"BRICKWORK_SECRET_KEYS; active key {keyring.active}" in result.output
    assert secret not in result.output
    for command in (["keys", "add"], ["keys", "init"], ["keys", "rotate", "--new"]):
        refused = runner.invoke(app, [*command, "--data-dir", str(tmp_path)], env=env)
        assert refused.exit_code == 2, refused.output
        assert "keys_from_environment" in refused.output
    assert not (tmp_path / "keys.json").exists()
    broken = runner.invoke(
        app, ["keys", "status", "--data-dir", str(tmp_path)], env={"BRICKWORK_SECRET_KEYS": "{"}
    )
    assert broken.exit_code == 2
    assert "BRICKWORK_SECRET_KEYS is not valid JSON" in broken.output
