"""``brickwork demo`` starts a real server whose health endpoint answers."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from contextlib import ExitStack
from pathlib import Path

import httpx
import pyotp

BRICKWORK = Path(sys.executable).with_name("brickwork")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def signed_in(
    base: str, username: str, credentials: tuple[str, str], clients: ExitStack
) -> httpx.Client:
    """Sign in with the demo password and, for administrators, the current TOTP code of the
    secret the demo wrote next to it."""
    password, totp_secret = credentials
    client = httpx.Client(timeout=10)
    clients.callback(client.close)
    body = {"username": username, "password": password}
    if totp_secret:
        body["otp"] = pyotp.TOTP(totp_secret).now()
    response = client.post(f"{base}/auth/login", json=body)
    assert response.status_code == 200, response.text
    assert response.json()["mfa_enrolment_required"] is False
    client.headers["X-CSRF-Token"] = response.json()["csrf_token"]
    return client


def test_demo_serves_health_and_demo_app(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRICKWORK_")}
    process = subprocess.Popen(
        [str(BRICKWORK), "demo", "--data-dir", str(tmp_path / "data"), "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}/api/v1"
    clients = ExitStack()
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                health = httpx.get(f"{base}/health", timeout=2)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        assert health.json() == {"status": "ok", "database": "ok"}
        records = f"{base}/apps/onboarding/forms/customer/records"
        assert httpx.get(records, timeout=5).status_code == 401
        accounts = {
            name: (password, secret)
            for name, password, secret in (
                line.split("\t")
                for line in (tmp_path / "data" / "demo-users.tsv").read_text().splitlines()
            )
        }
        assert set(accounts) == {
            "admin",
            "security",
            "auditor",
            "clerk.sh",
            "clerk.bj",
            "manager",
            "aml.teller",
            "aml.analyst",
            "aml.officer",
            "adviser",
            "sales.ops",
            "kyc.rm",
            "kyc.analyst",
            "kyc.officer",
            "kyc.senior",
            "credit.rm",
            "credit.branch",
            "credit.risk",
            "credit.compliance",
            "credit.chair",
            "credit.member1",
            "credit.member2",
            "credit.loans",
            "aum.rm",
            "aum.ops",
            "ubo.kyc",
            "analyst",
        }
        assert {name for name, (_p, secret) in accounts.items() if secret} == {
            "admin",
            "security",
            "auditor",
        }
        bare = httpx.post(
            f"{base}/auth/login",
            json={"username": "admin", "password": accounts["admin"][0]},
            timeout=10,
        )
        assert bare.json()["code"] == "mfa_required"
        clerk, manager, other_branch, admin = (
            signed_in(base, name, accounts[name], clients)
            for name in ("clerk.sh", "manager", "clerk.bj", "admin")
        )
        assert [a["key"] for a in clerk.get(f"{base}/apps").json()] == ["onboarding"]
        # The Shanghai clerk created the customers; the Beijing clerk sees none of them.
        mine = clerk.get(records).json()
        assert mine["total"] == 5
        assert other_branch.get(records).json()["total"] == 0
        # The head-office manager sees the branch below, with ID and mobile masked.
        seen = {r["name"]: r for r in manager.get(records).json()["items"]}
        assert len(seen) == 5
        clear = {r["name"]: r for r in mine["items"]}
        assert (
            seen["李雷"]["resident_id"]
            == clear["李雷"]["resident_id"][:6] + "********" + (clear["李雷"]["resident_id"][-4:])
        )
        assert seen["李雷"]["mobile"] == "138****5678"
        # Every new customer went to review: the manager's inbox holds the five tasks.
        inbox = manager.get(f"{base}/inbox", params={"tab": "todo"}).json()
        assert inbox["counts"]["todo"] == 5
        assert {item["node"] for item in inbox["items"]} == {"n_review"}
        # She also administers the app's flows: the open tasks page lists who holds what; a
        # clerk may not see it.
        held = manager.get(f"{base}/apps/onboarding/flow-tasks").json()
        assert (held["total"], {i["assignee"] for i in held["items"]}) == (5, {"manager"})
        refused = clerk.get(f"{base}/apps/onboarding/flow-tasks")
        assert (refused.status_code, refused.json()["code"]) == (403, "permission_denied")
        # The demo report counts what each viewer may read: all five for the Shanghai clerk,
        # none for Beijing; the administrator may not run it.
        report = f"{base}/apps/onboarding/reports/customers_by_type/run"
        ran = clerk.post(report, json={}).json()
        assert sum(int(row[1]) for row in ran["rows"]) == 5
        assert ran["chart"]["series"][0]["type"] == "pie"
        assert other_branch.post(report, json={}).json()["rows"] == []
        assert admin.post(report, json={}).json()["code"] == "permission_denied"
        # The system administrator designs apps but reads no customer data.
        assert admin.get(records).json()["code"] == "permission_denied"
        # The finance packs are installed with sample data: the AML analyst has the alerts
        # the sample transactions raised in their inbox, each awaiting analysis.
        packs = {p["key"]: p for p in admin.get(f"{base}/packs").json()["items"]}
        assert packs["aml"]["status"] == "installed"
        analyst = signed_in(base, "aml.analyst", accounts["aml.analyst"], clients)
        alerts = analyst.get(f"{base}/apps/aml/forms/alert/records").json()["total"]
        assert alerts > 10
        todo = analyst.get(f"{base}/inbox", params={"tab": "todo", "app": "aml"}).json()
        assert todo["counts"]["todo"] == alerts
        # The credit applications are in flight at several nodes: the chair has one to vote on
        # and one to sign after a passed vote; the compliance reviewer one after risk.
        chair = signed_in(base, "credit.chair", accounts["credit.chair"], clients)
        chair_todo = chair.get(f"{base}/inbox", params={"tab": "todo", "app": "credit"}).json()
        assert sorted(item["node"] for item in chair_todo["items"]) == ["n_chair", "n_committee"]
        compliance = signed_in(base, "credit.compliance", accounts["credit.compliance"], clients)
        checks = compliance.get(f"{base}/inbox", params={"tab": "todo", "app": "credit"}).json()
        assert [item["node"] for item in checks["items"]] == ["n_compliance"]
        openapi = httpx.get(f"{base}/openapi.json", timeout=5)
        assert openapi.json()["info"]["title"] == "Brickwork"
        # A filter on a resident ID answers, and leaves no trace of the ID in the access log.
        wanted = clear["李雷"]["resident_id"]
        found = clerk.get(records, params={"filter": f'resident_id = "{wanted}"'})
        assert [r["name"] for r in found.json()["items"]] == ["李雷"]
    finally:
        clients.close()
        process.terminate()
        output, _ = process.communicate(timeout=30)
    assert "demo data installed" in output
    assert "without the Secure flag" in output
    assert "/apps/onboarding/forms/customer/records?filter=* HTTP/1.1" in output
    assert wanted not in output
