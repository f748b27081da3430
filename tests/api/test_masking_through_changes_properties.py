"""Masking holds through any sequence of definition and grant changes (a Hypothesis state
machine over the HTTP API).

A manager reads a form whose resident ID field is masked by the manager's grant; a second role
of the manager shows it in clear on the rows of branch ``bj`` only, when that grant is on. In
between reads, the field is renamed, its key is swapped with the branch field's, records are
created and their IDs changed, and the clear grant is switched on and off. After every step,
no resident ID of a row the manager may not see in clear (its value now or any value it had)
appears in the list, a detail, the history, the CSV or the XLSX export, or the list and record
pages of the web interface; every row shows its current value, in clear or masked as its level
says; and a filter on the field never matches a masked row. The field is encrypted (the
default for identifiers) in one run and stored in clear in the other."""

from __future__ import annotations

import io
import itertools
import json
from typing import Any, ClassVar

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from openpyxl import load_workbook

from brickwork.engines.identifiers.resident_id import check_char_of

API = "/api/v1"
RID_KEYS = ("resident_id", "resident_no", "id_number")
BRANCHES = ("sh", "bj")
APPS = itertools.count(1)
SERIALS = itertools.count(1)


def new_resident_id() -> str:
    """A valid mainland resident ID, a different one at each call (of the last thousand)."""
    first17 = f"31011519800101{next(SERIALS) % 1000:03d}"
    return first17 + check_char_of(first17 + "0")


def masked(resident_id: str) -> str:
    return f"{resident_id[:6]}********{resident_id[-4:]}"


class MaskingThroughChanges(RuleBasedStateMachine):
    admin: ClassVar[TestClient]
    users: ClassVar[Any]
    encrypted: ClassVar[bool] = True
    """Whether the resident ID field is encrypted (masked after decryption) or stored in clear
    (its level worked out per row in SQL)."""

    def __init__(self) -> None:
        super().__init__()
        number = next(APPS)
        self.app = f"leak{number}"
        self.form = f"{API}/apps/{self.app}/definitions/form/customer"
        self.records = f"{API}/apps/{self.app}/forms/customer/records"
        self.keys = {"f_rid": "resident_id", "f_branch": "branch"}
        self.manager_role = f"manager{number}"
        self.viewer_role = f"viewer{number}"
        self.viewer_clear = False
        self.rows: dict[str, dict[str, Any]] = {}
        """record id -> {"branch", "rid" (now), "seen" (every value it had)}"""
        admin = self.admin
        assert admin.post(f"{API}/apps", json={"key": self.app, "label": "Leak"}).status_code == 201
        body = {"kind": "form", "key": "customer", "label": "Customer"}
        created = admin.post(f"{API}/apps/{self.app}/definitions", json=body)
        assert created.status_code == 201, created.text
        self.publish()
        self.users.role(self.manager_role, [self.manager_grant()])
        self.users.role(self.viewer_role, [self.viewer_grant()])
        self.manager = self.users.client(f"m{number}", roles=(self.manager_role, self.viewer_role))

    # ------------------------------------------------------------ definitions and grants

    def fields(self) -> list[dict[str, Any]]:
        return [
            {"id": "f_name", "key": "name", "type": "text", "label": "Name", "required": True},
            {
                "id": "f_rid",
                "key": self.keys["f_rid"],
                "type": "resident_id",
                "label": "Resident ID",
                "encrypted": self.encrypted,
            },
            {"id": "f_branch", "key": self.keys["f_branch"], "type": "text", "label": "Branch"},
        ]

    def publish(self) -> None:
        draft = {"label": "Customer", "spec": {"fields": self.fields()}}
        saved = self.admin.put(self.form, json=draft)
        assert saved.status_code == 200, saved.text
        published = self.admin.post(f"{self.form}/publish", json={})
        assert published.status_code == 201, published.text

    def manager_grant(self) -> dict[str, Any]:
        branch = self.keys["f_branch"]
        return {
            "app": self.app,
            "form": "customer",
            "actions": ["read", "export"],
            "rows": {"expression": f'{branch} = "sh" or {branch} = "bj"'},
            "fields": {self.keys["f_rid"]: "masked"},
            "unmask": [self.keys["f_rid"]],
        }

    def viewer_grant(self) -> dict[str, Any]:
        return {
            "app": self.app,
            "form": "customer",
            "actions": ["read", "export"],
            "rows": {"expression": f'{self.keys["f_branch"]} = "bj"'},
            "fields": {self.keys["f_rid"]: "read" if self.viewer_clear else "masked"},
        }

    def clear_on(self, row: dict[str, Any]) -> bool:
        return self.viewer_clear and row["branch"] == "bj"

    # ------------------------------------------------------------ changes

    @rule(branch=st.sampled_from(BRANCHES))
    def create(self, branch: str) -> None:
        rid = new_resident_id()
        body = {
            "name": f"n{len(self.rows)}",
            self.keys["f_rid"]: rid,
            self.keys["f_branch"]: branch,
        }
        created = self.admin.post(self.records, json=body)
        assert created.status_code == 201, created.text
        self.rows[created.json()["id"]] = {"branch": branch, "rid": rid, "seen": {rid}}

    @rule(data=st.data())
    def change_resident_id(self, data: st.DataObject) -> None:
        if not self.rows:
            return
        record_id = data.draw(st.sampled_from(sorted(self.rows)))
        current = self.admin.get(f"{self.records}/{record_id}")
        assert current.status_code == 200, current.text
        rid = new_resident_id()
        changed = self.admin.patch(
            f"{self.records}/{record_id}",
            json={self.keys["f_rid"]: rid},
            headers={"If-Match": str(current.json()["version"])},
        )
        assert changed.status_code == 200, changed.text
        row = self.rows[record_id]
        row["rid"] = rid
        row["seen"].add(rid)

    @rule(key=st.sampled_from(RID_KEYS))
    def rename(self, key: str) -> None:
        if key in self.keys.values():
            return
        self.keys["f_rid"] = key
        self.publish()

    @rule()
    def swap_keys(self) -> None:
        """The resident ID field takes the branch field's key and the other way round."""
        self.keys = {"f_rid": self.keys["f_branch"], "f_branch": self.keys["f_rid"]}
        self.publish()

    @rule(clear=st.booleans())
    def set_viewer(self, clear: bool) -> None:
        self.viewer_clear = clear
        self.users.role(self.viewer_role, [self.viewer_grant()])

    @rule(data=st.data())
    def filter_by_a_masked_value(self, data: st.DataObject) -> None:
        hidden = [(i, r) for i, r in self.rows.items() if not self.clear_on(r)]
        if not hidden:
            return
        record_id, row = data.draw(st.sampled_from(hidden))
        probe = f'{self.keys["f_rid"]} = "{row["rid"]}"'
        found = self.manager.get(self.records, params={"filter": probe})
        assert found.status_code in (200, 403), found.text
        if found.status_code == 200:
            matched = [item["id"] for item in found.json()["items"]]
            assert record_id not in matched, "a filter matched a value the row shows masked"

    # ------------------------------------------------------------ what the manager reads

    @invariant()
    def masked_values_never_show(self) -> None:
        hidden = {
            value: record_id
            for record_id, row in self.rows.items()
            if not self.clear_on(row)
            for value in row["seen"]
        }
        key = self.keys["f_rid"]
        listed = self.manager.get(self.records, params={"limit": 100})
        assert listed.status_code == 200, listed.text
        items = {item["id"]: item for item in listed.json()["items"]}
        assert set(items) == set(self.rows)
        texts = {"list": listed.text}
        for record_id, row in self.rows.items():
            wanted = row["rid"] if self.clear_on(row) else masked(row["rid"])
            assert items[record_id][key] == wanted, (record_id, items[record_id])
            detail = self.manager.get(f"{self.records}/{record_id}")
            assert detail.status_code == 200, detail.text
            assert detail.json()[key] == wanted
            texts[f"detail {record_id}"] = detail.text
            history = self.manager.get(f"{self.records}/{record_id}/history")
            assert history.status_code == 200, history.text
            texts[f"history {record_id}"] = history.text
        pages = f"/apps/{self.app}/forms/customer"
        for path in (pages, *(f"{pages}/records/{record_id}" for record_id in self.rows)):
            shown = self.manager.get(path)
            assert shown.status_code == 200, shown.text
            texts[f"page {path}"] = shown.text
        for row in self.rows.values():
            wanted = row["rid"] if self.clear_on(row) else masked(row["rid"])
            assert wanted in texts[f"page {pages}"], "the list page shows the field"
        csv_export = self.manager.get(f"{self.records}/export", params={"format": "csv"})
        assert csv_export.status_code == 200, csv_export.text
        texts["csv"] = csv_export.content.decode("utf-8-sig")
        xlsx_export = self.manager.get(f"{self.records}/export", params={"format": "xlsx"})
        assert xlsx_export.status_code == 200, xlsx_export.text
        sheet = load_workbook(io.BytesIO(xlsx_export.content)).active
        assert sheet is not None
        texts["xlsx"] = json.dumps([list(map(str, r)) for r in sheet.iter_rows(values_only=True)])
        for where, text in texts.items():
            for value, record_id in hidden.items():
                assert value not in text, f"{where} shows {value} of masked row {record_id}"


class MaskingThroughChangesInClear(MaskingThroughChanges):
    encrypted = False


@pytest.mark.parametrize("machine", [MaskingThroughChanges, MaskingThroughChangesInClear])
def test_masked_values_never_show_through_renames_swaps_and_grant_changes(
    machine: type[MaskingThroughChanges], client: TestClient, users: Any
) -> None:
    machine.admin = client
    machine.users = users
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=8,
            stateful_step_count=10,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
