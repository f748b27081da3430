"""The beneficial owner pack's sample corporate groups, installed with their sample data on the
test database: each review identifies the owners its layered structure gives, by the rule in
force on its date, and agrees with the registered relations it was built from."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from brickwork.platform.actor import Actor

SETUP = Actor("setup", channel="cli", system=True)

EXPECTED = {
    # customer, review date: basis, beneficial owners, blocked by the 50 % rule
    ("E101", "2024-06-28"): ("ownership", "P101 58%, P102 42%", False),
    ("E101", "2025-06-27"): ("ownership", "P101 58%, P102 42%", False),
    ("E201", "2025-03-14"): ("ownership", "P201 30%", False),
    ("E301", "2025-09-30"): ("control", "P301", False),
    ("E401", "2026-01-16"): ("senior_manager", "P401", False),
    ("E501", "2026-02-27"): ("ownership", "P503 62%", True),
}


def test_sample_groups_identify_their_beneficial_owners(client: TestClient, users: Any) -> None:
    service = users.app.state.services.packs
    service.install(users.session, SETUP, "ubo")
    assert service.sample_data(users.session, SETUP, "ubo") > 60
    users.session.commit()
    listed = client.get("/api/v1/apps/ubo/forms/ubo_review/records?limit=50")
    assert listed.status_code == 200, listed.text
    items = listed.json()["items"]
    got = {
        (item["customer"], item["review_date"]): (
            item["basis"],
            item["beneficial_owners"],
            item["ofac_blocked"],
        )
        for item in items
    }
    assert got == EXPECTED
    for values in items:
        if values["basis"] == "ownership":
            assert values["registered_ubos"] == values["ownership_ubos"]
        assert values["registered_blocked"] == values["ofac_blocked"]
