"""The audit chain's anchor through ``brickwork audit verify`` and ``audit anchor`` on a real
SQLite data directory: cutting the end of the trail (with or without rewriting the head) shows,
a legitimate trail verifies, also across a key rotation."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from brickwork.cli import app

runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def sql(data: Path, *statements: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(data / "brickwork.db") as db:
        db.execute("DROP TRIGGER IF EXISTS trg_audit_events_no_delete")
        rows: list[tuple[object, ...]] = []
        for statement in statements:
            rows = db.execute(statement).fetchall()
        return rows


@pytest.fixture
def data(tmp_path: Path) -> Path:
    directory = tmp_path / "d"
    assert run("demo", "--no-serve", "--data-dir", str(directory))[0] == 0
    code, output = run("audit", "verify", "--data-dir", str(directory))
    assert code == 0, output
    return directory


def cut_tail(data: Path, count: int, *, rewrite_head: bool) -> int:
    """Delete the newest ``count`` events; with ``rewrite_head`` point the head at the new end
    (what someone covering their tracks would do). Returns the new last id."""
    [(last,)] = sql(data, "SELECT max(id) FROM audit_events")
    assert isinstance(last, int)
    new_last = last - count
    statements = [f"DELETE FROM audit_events WHERE id > {new_last}"]
    if rewrite_head:
        statements.append(
            "UPDATE audit_chain SET last_event_id = id_, last_hash = hash_ FROM "
            f"(SELECT id AS id_, hash AS hash_ FROM audit_events WHERE id = {new_last})"
        )
    sql(data, *statements)
    return new_last


def test_removed_tail_with_rewritten_head_is_detected(data: Path) -> None:
    new_last = cut_tail(data, 3, rewrite_head=True)
    code, output = run("audit", "verify", "--data-dir", str(data))
    assert code == 1
    assert f"event {new_last}: [anchor_mismatch]" in output
    assert "BROKEN at 1 point(s)" in output


def test_removed_tail_without_head_rewrite_is_detected(data: Path) -> None:
    cut_tail(data, 2, rewrite_head=False)
    code, output = run("audit", "verify", "--data-dir", str(data))
    assert code == 1
    assert "[head_mismatch]" in output


def test_a_forged_anchor_or_a_deleted_head_is_detected(data: Path) -> None:
    sql(data, "UPDATE audit_chain SET anchor = 'hmac-sha256:' || hex(randomblob(32))")
    code, output = run("audit", "verify", "--data-dir", str(data))
    assert (code, "[anchor_mismatch]" in output) == (1, True), output
    sql(data, "DELETE FROM audit_chain")
    code, output = run("audit", "verify", "--data-dir", str(data))
    assert (code, "[head_missing]" in output) == (1, True), output


def test_appending_after_a_cut_records_the_broken_anchor(data: Path) -> None:
    cut_tail(data, 2, rewrite_head=True)
    assert run("keys", "rotate", "--data-dir", str(data))[0] == 0  # appends keys.rotate
    [(action,)] = sql(data, "SELECT action FROM audit_events ORDER BY id DESC LIMIT 1 OFFSET 1")
    assert action == "audit.anchor_broken"
    code, output = run("audit", "verify", "--data-dir", str(data))
    assert code == 1
    assert "[anchor_broken]" in output


def test_the_trail_verifies_across_a_key_rotation(data: Path) -> None:
    code, output = run("keys", "rotate", "--new", "--data-dir", str(data))
    assert code == 0, output
    [(key_id,)] = sql(data, "SELECT anchor_key FROM audit_chain")
    assert key_id == "k2"
    code, output = run("audit", "verify", "--data-dir", str(data))
    assert code == 0, output


def test_an_unanchored_trail_is_reported_until_anchored(data: Path) -> None:
    sql(data, "UPDATE audit_chain SET anchor = NULL, anchor_key = NULL")
    code, output = run("audit", "verify", "--data-dir", str(data))
    assert (code, "[anchor_missing]" in output) == (1, True), output
    code, output = run("audit", "anchor", "--data-dir", str(data))
    assert code == 0, output
    code, output = run("audit", "verify", "--data-dir", str(data))
    assert code == 0, output
    [(action,)] = sql(data, "SELECT action FROM audit_events ORDER BY id DESC LIMIT 1")
    assert action == "audit.anchor"


def test_a_broken_trail_is_not_anchored(data: Path) -> None:
    sql(data, "UPDATE audit_chain SET anchor = NULL, anchor_key = NULL")
    cut_tail(data, 1, rewrite_head=False)
    code, output = run("audit", "anchor", "--data-dir", str(data))
    assert code == 2
    assert "[audit_broken]" in output
