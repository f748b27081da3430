"""Who may upload files: someone who may write records of some form (and a token scoped for such
a write), never the audit administrator; and each user within their upload quota."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from brickwork.app import create_app
from brickwork.platform.api.deps import unit_of_work
from brickwork.platform.clock import Clock
from brickwork.settings import Settings
from conftest import Users, write_inside

API = "/api/v1"
PDF_HEAD = b"%PDF-1.7\n% "


def pdf(size: int = 64) -> bytes:
    body = PDF_HEAD + uuid.uuid4().hex.encode() + b"\n"
    return body + b"0" * max(size - len(body) - 6, 0) + b"%%EOF\n"


def upload(client: TestClient, content: bytes, headers: dict[str, str] | None = None) -> Any:
    return client.post(
        f"{API}/files",
        content=content,
        headers={"content-type": "application/pdf", "x-filename": "a.pdf", **(headers or {})},
    )


def code_of(response: Any) -> str:
    code: str = response.json()["code"]
    return code


def grant(*actions: str, app: str = "*", form: str = "*") -> dict[str, Any]:
    rows = "all" if set(actions) & {"read", "update"} else None
    return {"app": app, "form": form, "actions": list(actions), **({"rows": rows} if rows else {})}


@pytest.mark.parametrize(
    ("grants", "status", "code"),
    [
        (None, 403, "permission_denied"),
        ([grant("read")], 403, "permission_denied"),
        ([grant("read", "export")], 403, "permission_denied"),
        ([grant("create")], 201, None),
        ([grant("read", "update")], 201, None),
    ],
)
def test_uploads_need_a_grant_that_writes_records(
    users: Users, grants: list[dict[str, Any]] | None, status: int, code: str | None
) -> None:
    client = users.client("zhang.san", grants=grants)
    response = upload(client, pdf())
    assert response.status_code == status, response.text
    if code is not None:
        assert code_of(response) == code


def test_the_audit_administrator_never_uploads(users: Users) -> None:
    users.role("writer", [grant("create")])
    auditor = users.client("audit.li", roles=("audit_admin", "writer"))
    response = upload(auditor, pdf())
    assert response.status_code == 403, response.text
    assert code_of(response) == "audit_admin_read_only"


@pytest.mark.parametrize(
    ("scopes", "allowed"),
    [
        (["read"], False),
        (["read:kyc.customer", "export"], False),
        (["audit"], False),
        (["design:kyc"], False),
        (["update:loans"], False),  # the user may update nothing in loans
        (["create:kyc.customer"], True),
        (["create"], True),
        (["all"], True),
    ],
)
def test_a_token_needs_a_scope_that_writes_where_its_user_may(
    users: Users,
    client: TestClient,
    anonymous_client: TestClient,
    scopes: list[str],
    allowed: bool,
) -> None:
    for app in ("kyc", "loans"):
        assert client.post(f"{API}/apps", json={"key": app, "label": app}).status_code == 201
    owner = users.client("zhang.san", grants=[grant("create", "read", app="kyc")])
    created = owner.post(f"{API}/auth/tokens", json={"name": "robot", "scopes": scopes})
    assert created.status_code == 201, created.text
    headers = {"Authorization": f"Bearer {created.json()['token']}"}
    response = upload(anonymous_client, pdf(), headers)
    assert response.status_code == (201 if allowed else 403), response.text
    if not allowed:
        assert code_of(response) == "token_scope_insufficient"


@pytest.fixture
def small_quota(
    app_settings: Settings, session: Session, clock: Clock, tmp_path: Path
) -> Iterator[Users]:
    settings = app_settings.with_overrides(data_dir=tmp_path / "data", upload_quota_bytes=1000)
    app = create_app(settings, clock=clock)
    write_inside(app, session.connection())

    def test_unit_of_work() -> Iterator[Session]:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise

    app.dependency_overrides[unit_of_work] = test_unit_of_work
    with TestClient(app, raise_server_exceptions=False) as base:
        yield Users(app, session, base)
    app.state.engine.dispose()


def test_each_user_uploads_within_their_quota(small_quota: Users) -> None:
    zhang = small_quota.client("zhang.san", grants=[grant("create")])
    li = small_quota.client("li.si", grants=[grant("create")])
    first = pdf(600)
    assert upload(zhang, first).status_code == 201
    over = upload(zhang, pdf(401))
    assert over.status_code == 413, over.text
    assert code_of(over) == "upload_quota_exceeded"
    # The same content again still counts: each upload is a stored file of its uploader.
    assert code_of(upload(zhang, first)) == "upload_quota_exceeded"
    assert upload(zhang, pdf(400)).status_code == 201  # exactly the quota
    assert code_of(upload(zhang, pdf(1))) == "upload_quota_exceeded"
    assert upload(li, pdf(1000)).status_code == 201  # quotas are per user
