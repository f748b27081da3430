"""What one authenticated request costs in SQL statements (issue 9: fixed per-request overhead).

Counts statements through ``create_app()``; a bound that grows means every request pays more."""

from __future__ import annotations

from typing import Any

from credit_flow import API, application, credit_app, submit
from sql_trace import statements

ME = f"{API}/auth/me"
INBOX = f"{API}/inbox"


def test_a_session_request_reads_session_user_and_roles_in_one_query(
    users: Any, connection: Any
) -> None:
    client = users.client("clerk.count", departments=("branch_a",))
    assert client.get(ME).status_code == 200
    with statements(connection.engine) as seen:
        response = client.get(ME)
    assert response.status_code == 200
    reads = [s for s in seen if s.lstrip().upper().startswith("SELECT")]
    touched = {table for s in reads for table in ("sessions", "users", "roles") if table in s}
    assert touched == {"sessions", "users", "roles"}
    assert len(reads) <= 1, reads


def test_an_inbox_page_counts_its_tabs_and_pages_in_three_queries(
    client: Any, users: Any, connection: Any
) -> None:
    bank = credit_app(client, users)
    for amount in ("10000.00", "20000.00"):
        submit(bank, application(bank, amount))
    for tab in ("todo", "initiated"):
        assert bank["president"].get(INBOX, params={"tab": tab}).status_code == 200
        with statements(connection.engine) as seen:
            response = bank["president"].get(INBOX, params={"tab": tab})
        assert response.status_code == 200
        flows = [s for s in seen if s.startswith("SELECT") and "flow_instances" in s]
        # the three task tabs' counts in one; the initiated count; the page (its total is
        # a count already made)
        assert len(flows) == 3, flows
