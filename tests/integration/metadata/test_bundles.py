"""App bundles: lossless export/import, idempotent re-import, broken bundles refused whole."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from brickwork.platform.auth.actor import Actor
from brickwork.platform.db.session import make_engine, make_session_factory, unit_of_work
from brickwork.platform.errors import Conflict, Invalid
from brickwork.platform.metadata.bundle import BundleService
from brickwork.platform.metadata.schemas import AppCreate, DefinitionCreate, DraftUpdate, Kind
from brickwork.platform.metadata.service import MetadataService
from brickwork.platform.models import Application, Definition, DefinitionVersion

ADMIN = Actor("admin", system=True)
LIMIT = Decimal("50000.00")


def build_app(session: Session, service: MetadataService) -> None:
    service.create_app(
        session,
        ADMIN,
        AppCreate.model_validate(
            {"key": "credit", "label": {"zh-CN": "授信审批", "en": "Credit approval"}}
        ),
    )
    spec = {
        "fields": [
            {
                "id": "f_amount",
                "key": "amount",
                "type": "decimal",
                "label": "Amount",
                "maximum": LIMIT,
            }
        ]
    }
    service.create_definition(
        session,
        ADMIN,
        "credit",
        DefinitionCreate.model_validate(
            {"kind": "form", "key": "application", "label": "Application", "spec": spec}
        ),
    )
    service.publish(session, ADMIN, "credit", Kind.FORM, "application")
    spec = {
        "fields": [
            *spec["fields"],
            {"id": "f_term", "key": "term_months", "type": "text", "label": "term_months"},
        ]
    }
    service.update_draft(
        session,
        ADMIN,
        "credit",
        Kind.FORM,
        "application",
        DraftUpdate.model_validate({"label": "Application", "spec": spec}),
    )
    service.publish(session, ADMIN, "credit", Kind.FORM, "application", note="term added")
    service.create_definition(
        session,
        ADMIN,
        "credit",
        DefinitionCreate.model_validate(
            {"kind": "flow", "key": "approval", "label": "审批", "spec": {"nodes": []}}
        ),
    )


def snapshot(session: Session) -> list[tuple[Any, ...]]:
    rows = session.execute(
        select(
            Definition.id,
            Definition.kind,
            Definition.key,
            Definition.latest_version,
            DefinitionVersion.version,
            DefinitionVersion.checksum,
            DefinitionVersion.body,
        )
        .outerjoin(DefinitionVersion, DefinitionVersion.definition_id == Definition.id)
        .order_by(Definition.kind, Definition.key, DefinitionVersion.version)
    ).all()
    return [tuple(row) for row in rows]


def test_export_then_import_into_empty_database_is_lossless(
    session: Session, clock: Any, fresh_database_urls: dict[str, str]
) -> None:
    service = MetadataService(clock=clock)
    build_app(session, service)
    bundles = BundleService(clock=clock)
    exported = bundles.export_app(session, ADMIN, service.app(session, "credit"))
    expected = snapshot(session)
    assert (
        exported["definitions"][1]["versions"][0]["body"]["spec"]["fields"][0]["maximum"] == LIMIT
    )

    for backend, url in fresh_database_urls.items():
        engine = make_engine(url)
        factory = make_session_factory(engine)
        with unit_of_work(factory) as target:
            outcome = bundles.import_bundle(target, ADMIN, exported)
        assert (outcome.app_created, outcome.definitions_created, outcome.versions_added) == (
            True,
            2,
            2,
        ), backend
        with unit_of_work(factory) as target:
            assert snapshot(target) == expected, backend
            again = bundles.export_app(target, ADMIN, service.app(target, "credit"))
        assert strip_export_stamp(again) == strip_export_stamp(exported), backend
        engine.dispose()


def strip_export_stamp(bundle: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in bundle.items() if k not in {"exported_at", "exported_by"}}


def test_importing_twice_changes_nothing(session: Session, clock: Any) -> None:
    service, bundles = MetadataService(clock=clock), BundleService(clock=clock)
    build_app(session, service)
    exported = bundles.export_app(session, ADMIN, service.app(session, "credit"))
    before = snapshot(session)
    outcome = bundles.import_bundle(session, ADMIN, exported)
    assert (outcome.app_created, outcome.definitions_unchanged, outcome.versions_added) == (
        False,
        2,
        0,
    )
    assert snapshot(session) == before


def test_newer_bundle_adds_only_the_new_versions(
    session: Session, clock: Any, tmp_path: Any
) -> None:
    service, bundles = MetadataService(clock=clock), BundleService(clock=clock)
    build_app(session, service)
    full = bundles.export_app(session, ADMIN, service.app(session, "credit"))
    older = copy.deepcopy(full)
    older["definitions"][1]["versions"].pop()
    older["definitions"][1]["draft"] = older["definitions"][1]["versions"][0]["body"]

    engine = make_engine(f"sqlite:///{tmp_path / 'target.db'}")
    from brickwork.platform.db import migrate

    migrate.upgrade(engine)
    factory = make_session_factory(engine)
    with unit_of_work(factory) as target:
        assert bundles.import_bundle(target, ADMIN, older).versions_added == 1
    with unit_of_work(factory) as target:
        preview = bundles.import_bundle(target, ADMIN, full, dry_run=True)
    assert (preview.dry_run, preview.versions_added, preview.definitions_updated) == (True, 1, 1)
    with unit_of_work(factory) as target:
        assert bundles.import_bundle(target, ADMIN, full).versions_added == 1
    with unit_of_work(factory) as target:
        assert snapshot(target) == snapshot(session)
        with pytest.raises(Conflict) as caught:
            bundles.import_bundle(target, ADMIN, older)
    assert caught.value.errors[0].code == "bundle_behind"
    engine.dispose()


def count_rows(session: Session) -> tuple[int, int, int]:
    return (
        session.scalar(select(func.count()).select_from(Application)) or 0,
        session.scalar(select(func.count()).select_from(Definition)) or 0,
        session.scalar(select(func.count()).select_from(DefinitionVersion)) or 0,
    )


@pytest.mark.parametrize(
    ("damage", "pointer", "code"),
    [
        (
            lambda b: b["definitions"][1]["versions"][1]["body"]["spec"].update(x=1),
            "/definitions/1/versions/1/checksum",
            "checksum_mismatch",
        ),
        (
            lambda b: b["definitions"][1]["versions"][0].update(version=3),
            "/definitions/1/versions/0/version",
            "version_sequence",
        ),
        (
            lambda b: b["definitions"][0].update(kind="widget"),
            "/definitions/0/kind",
            "invalid_choice",
        ),
        (lambda b: b.pop("app"), "/app", "required"),
        (
            lambda b: b["definitions"][0]["draft"].update(key="other"),
            "/definitions/0/draft",
            "bundle_mismatch",
        ),
    ],
)
def test_broken_bundle_is_refused_whole(
    session: Session, clock: Any, damage: Any, pointer: str, code: str
) -> None:
    service, bundles = MetadataService(clock=clock), BundleService(clock=clock)
    build_app(session, service)
    exported = bundles.export_app(session, ADMIN, service.app(session, "credit"))
    exported["app"] = {**exported["app"], "key": "credit_copy", "id": "new-app-id"}
    for definition in exported["definitions"]:
        definition["id"] = "x" + definition["id"][1:]
    damage(exported)
    before = count_rows(session)
    with pytest.raises(Invalid) as caught:
        bundles.import_bundle(session, ADMIN, exported)
    assert (pointer, code) in {(e.pointer, e.code) for e in caught.value.errors}
    assert count_rows(session) == before


def test_bundle_conflicting_with_stored_versions_is_refused(session: Session, clock: Any) -> None:
    service, bundles = MetadataService(clock=clock), BundleService(clock=clock)
    build_app(session, service)
    exported = bundles.export_app(session, ADMIN, service.app(session, "credit"))
    version = exported["definitions"][1]["versions"][0]
    version["note"] = "rewritten history"
    version["body"] = {**version["body"], "description": "changed"}
    from brickwork.jsonio import checksum

    version["checksum"] = checksum(version["body"])
    before = count_rows(session)
    with pytest.raises(Conflict) as caught:
        bundles.import_bundle(session, ADMIN, exported)
    assert caught.value.code == "bundle_conflict"
    assert caught.value.errors[0].pointer == "/definitions/1/versions/0/checksum"
    assert count_rows(session) == before
