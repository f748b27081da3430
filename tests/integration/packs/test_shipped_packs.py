"""The shipped template packs on the configured test database: each installs (after the packs
it needs) into an empty database, passes every one of its own scenarios through the HTTP API,
upgrades from an older version of itself without losing records, and uninstalls keeping them."""

from __future__ import annotations

import json
import re
import shutil
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from brickwork.platform.actor import Actor
from brickwork.platform.packs.manifest import read_pack, seal, shipped_packs
from brickwork.platform.packs.scenarios import ScenarioRunner

SETUP = Actor("setup", channel="cli", system=True)
PACKS = {pack.key: pack for pack in shipped_packs()}


def install(users: Any, key: str) -> None:
    service = users.app.state.services.packs
    for needed in PACKS[key].manifest.requires:
        if service.state(users.session, needed) is None:
            install(users, needed)
    service.install(users.session, SETUP, key)
    users.session.commit()


@pytest.mark.parametrize("key", sorted(PACKS))
def test_every_scenario_of_the_pack_passes(key: str, client: TestClient, users: Any) -> None:
    install(users, key)
    service = users.app.state.services.packs

    def add_user(name: str, password: str, roles: Any, departments: Any) -> None:
        service.add_user(users.session, SETUP, name, password, roles, departments)
        users.session.commit()

    runner = ScenarioRunner(
        new_client=lambda: TestClient(users.app, raise_server_exceptions=False),
        add_user=add_user,
    )
    pack = PACKS[key]
    assert len(pack.scenarios) >= 10, "every pack covers its boundaries in 10 scenarios or more"
    failed = {
        result.name: [f"step {f.step}: {f.message}" for f in result.failures]
        for result in (runner.run(name, document) for name, document in pack.scenarios)
        if not result.passed
    }
    assert failed == {}


def older(key: str, folder: Path) -> Path:
    """The pack as an older version: without its reports and dashboards, and one of its forms
    without an optional field nothing else names (the upgrade adds it)."""
    source = Path(str(resources.files("brickwork.finance_templates") / key))
    target = folder / key
    shutil.copytree(source, target)
    manifest = json.loads((target / "pack.json").read_text(encoding="utf-8"))
    manifest["version"] = "0.9.0"
    (target / "pack.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    shutil.rmtree(target / "scenarios", ignore_errors=True)
    definitions = sorted((target / "definitions").glob("*.json"))
    texts = {path: path.read_text(encoding="utf-8") for path in definitions}
    found = next(
        (
            (path, item)
            for path in definitions
            if path.name.startswith("form.")
            for item in reversed(json.loads(texts[path])["spec"]["fields"])
            if item["type"] != "computed"
            and not item.get("required")
            and _unused(item["key"], path, texts)
        ),
        None,
    )
    form_path = found[0] if found else next(p for p in definitions if p.name.startswith("form."))
    form = json.loads(texts[form_path])
    if found is None:  # every field is named elsewhere: the older form differs by its label
        form["label"] = {"zh-CN": "旧版", "en": "Older"}
    else:
        form["spec"]["fields"].remove(found[1])
        for section in form["spec"].get("layout", []):
            if found[1]["key"] in section["fields"]:
                section["fields"].remove(found[1]["key"])
    form_path.write_text(json.dumps(form, ensure_ascii=False), encoding="utf-8")
    for path in (target / "definitions").glob("report.*.json"):
        path.unlink()
    for path in (target / "definitions").glob("dashboard.*.json"):
        path.unlink()
    seal(target)
    return target


def _unused(key: str, own: Path, texts: dict[Path, str]) -> bool:
    """No other definition, and no expression of its own form, names the field."""
    if any(key in text for path, text in texts.items() if path != own):
        return False
    # its own key and its place in the layout, named nowhere else in the form (no expression)
    return len(re.findall(rf"\b{re.escape(key)}\b", texts[own])) <= 2


@pytest.mark.parametrize("key", sorted(PACKS))
def test_the_pack_upgrades_from_an_older_version_keeping_records_and_uninstalls_keeping_them(
    key: str, client: TestClient, users: Any, tmp_path: Path
) -> None:
    service = users.app.state.services.packs
    shipped = service.catalog
    service.catalog = {**shipped, key: read_pack(older(key, tmp_path))}
    try:
        install(users, key)
    finally:
        service.catalog = shipped
    pack = PACKS[key]
    data = pack.data[0] if pack.data else None
    form = data.form if data else None
    before = 0
    if data is not None:
        outcome = users.app.state.records.create_many(
            users.session, SETUP, pack.app_key, data.form, list(data.records)[:5]
        )
        assert not outcome.failures, outcome.failures
        before = len(outcome.created_ids)
        users.session.commit()
    plan = service.plan_upgrade(users.session, key)
    assert {item.change for item in plan.changes} >= {"new", "changed"}
    assert plan.conflicts == []
    service.upgrade(users.session, SETUP, key)
    users.session.commit()
    assert service.state(users.session, key)["version"] == pack.version
    if form is not None:
        listed = client.get(f"/api/v1/apps/{pack.app_key}/forms/{form}/records?limit=1").json()
        assert listed["total"] == before
    service.uninstall(users.session, SETUP, key)
    users.session.commit()
    if form is not None:
        records = users.app.state.records.search(users.session, SETUP, pack.app_key, form, limit=1)
        assert records.total == before
