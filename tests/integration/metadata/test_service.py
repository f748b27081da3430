"""The metadata store on a real database (SQLite, and PostgreSQL in CI)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from brickwork.jsonio import checksum
from brickwork.platform.auth.actor import Actor
from brickwork.platform.errors import Conflict, ErrorItem, Invalid, NotFound
from brickwork.platform.metadata.schemas import (
    AppCreate,
    DefinitionCreate,
    DraftUpdate,
    Kind,
)
from brickwork.platform.metadata.service import MetadataService, PublishOutcome
from brickwork.platform.models import DefinitionVersion

ANALYST = Actor("analyst", system=True)


@pytest.fixture
def service(clock: Any) -> MetadataService:
    return MetadataService(clock=clock)


@pytest.fixture
def kyc(session: Session, service: MetadataService) -> str:
    service.create_app(
        session,
        ANALYST,
        AppCreate.model_validate({"key": "kyc", "label": {"zh-CN": "客户尽调", "en": "KYC"}}),
    )
    service.create_definition(
        session,
        ANALYST,
        "kyc",
        DefinitionCreate.model_validate(
            {
                "kind": "form",
                "key": "customer",
                "label": "Customer",
                "spec": {
                    "fields": [{"id": "f_name", "key": "name", "type": "text", "label": "name"}]
                },
            }
        ),
    )
    return "kyc"


def published(outcome: PublishOutcome) -> DefinitionVersion:
    assert outcome.version is not None
    return outcome.version


def edit(service: MetadataService, session: Session, spec: dict[str, Any], **extra: Any) -> None:
    service.update_draft(
        session,
        ANALYST,
        "kyc",
        Kind.FORM,
        "customer",
        DraftUpdate.model_validate({"label": "Customer", "spec": spec, **extra}),
    )


def test_publish_creates_numbered_versions_with_checksums(
    session: Session, service: MetadataService, kyc: str
) -> None:
    first = published(service.publish(session, ANALYST, kyc, Kind.FORM, "customer", note="v1"))
    edit(
        service,
        session,
        {"fields": [{"id": "f_name", "key": "full_name", "type": "text", "label": "full_name"}]},
    )
    second = published(service.publish(session, ANALYST, kyc, Kind.FORM, "customer"))

    assert (first.version, second.version) == (1, 2)
    assert first.checksum == checksum(first.body)
    assert first.body["spec"]["fields"][0]["key"] == "name"
    assert second.body["spec"]["fields"][0]["key"] == "full_name"
    assert first.published_by == "analyst"
    assert first.published_at < second.published_at
    stored = service.versions(session, kyc, Kind.FORM, "customer")
    assert [v.version for v in stored] == [1, 2]
    assert service.definition(session, kyc, Kind.FORM, "customer").latest_version == 2


def test_the_database_itself_refuses_to_change_a_published_version(
    session: Session, service: MetadataService, kyc: str
) -> None:
    version = published(service.publish(session, ANALYST, kyc, Kind.FORM, "customer"))
    session.commit()
    for statement in (
        "UPDATE definition_versions SET note = 'tampered' WHERE id = :id",
        "DELETE FROM definition_versions WHERE id = :id",
    ):
        nested = session.begin_nested()
        with pytest.raises(DBAPIError, match="immutable"):
            session.execute(text(statement), {"id": version.id})
        nested.rollback()
    session.expire_all()
    assert service.version(session, kyc, Kind.FORM, "customer", 1).note == ""


def test_publishing_an_unchanged_draft_is_refused(
    session: Session, service: MetadataService, kyc: str
) -> None:
    service.publish(session, ANALYST, kyc, Kind.FORM, "customer")
    with pytest.raises(Conflict) as caught:
        service.publish(session, ANALYST, kyc, Kind.FORM, "customer")
    assert caught.value.code == "no_changes"


def test_invalid_definition_is_refused_with_pointer_and_code(
    session: Session, service: MetadataService, kyc: str
) -> None:
    edit(
        service,
        session,
        {
            "fields": [
                {"id": "f_a", "key": "a", "type": "text", "label": "a"},
                {"id": "f_a", "key": "b", "type": "text", "label": "b"},
                {"id": "1bad", "key": "c", "type": "text", "label": "c"},
            ]
        },
    )
    with pytest.raises(Invalid) as caught:
        service.publish(session, ANALYST, kyc, Kind.FORM, "customer")
    problems = {(p.pointer, p.code) for p in caught.value.errors}
    assert problems == {
        ("/spec/fields/1/id", "duplicate_element_id"),
        ("/spec/fields/2/id", "invalid_element_id"),
    }
    assert service.versions(session, kyc, Kind.FORM, "customer") == []


def test_stale_draft_revision_is_refused(
    session: Session, service: MetadataService, kyc: str
) -> None:
    edit(
        service,
        session,
        {"fields": [{"id": "f_a", "key": "a", "type": "text", "label": "a"}]},
        base_revision=1,
    )
    with pytest.raises(Conflict) as caught:
        edit(
            service,
            session,
            {"fields": [{"id": "f_x", "key": "x", "type": "text", "label": "x"}]},
            base_revision=1,
        )
    assert caught.value.code == "stale_revision"
    assert (
        service.definition(session, kyc, Kind.FORM, "customer").draft["spec"]["fields"][0]["id"]
        == "f_a"
    )


def test_archived_definition_cannot_be_edited_until_restored(
    session: Session, service: MetadataService, kyc: str
) -> None:
    service.archive_definition(session, ANALYST, kyc, Kind.FORM, "customer", archived=True)
    with pytest.raises(Conflict) as caught:
        edit(
            service, session, {"fields": [{"id": "f_a", "key": "a", "type": "text", "label": "a"}]}
        )
    assert caught.value.code == "definition_archived"
    assert service.list_definitions(session, kyc) == []
    service.archive_definition(session, ANALYST, kyc, Kind.FORM, "customer", archived=False)
    edit(service, session, {"fields": [{"id": "f_a", "key": "a", "type": "text", "label": "a"}]})


def test_published_definition_is_archived_never_deleted(
    session: Session, service: MetadataService, kyc: str
) -> None:
    service.publish(session, ANALYST, kyc, Kind.FORM, "customer")
    with pytest.raises(Conflict) as caught:
        service.delete_draft_definition(session, ANALYST, kyc, Kind.FORM, "customer")
    assert caught.value.code == "definition_published"


def test_diff_between_versions_and_draft(
    session: Session, service: MetadataService, kyc: str
) -> None:
    service.publish(session, ANALYST, kyc, Kind.FORM, "customer")
    edit(
        service,
        session,
        {
            "fields": [
                {"id": "f_name", "key": "full_name", "type": "text", "label": "name"},
                {"id": "f_aum", "key": "aum", "type": "text", "label": "aum"},
            ]
        },
    )
    result = service.diff(session, kyc, Kind.FORM, "customer", from_version=1, to_version="draft")
    assert result.patch == [
        {"op": "replace", "path": "/spec/fields/0/key", "value": "full_name"},
        {
            "op": "add",
            "path": "/spec/fields/1",
            "value": {"id": "f_aum", "key": "aum", "type": "text", "label": "aum"},
        },
    ]
    assert {(c["path"], c["change"]) for c in result.changes} == {
        ("spec.fields[f_name].key", "changed"),
        ("spec.fields[f_aum]", "added"),
    }
    with pytest.raises(NotFound) as caught:
        service.diff(session, kyc, Kind.FORM, "customer", from_version=7, to_version=1)
    assert caught.value.code == "version_not_found"


def test_keys_are_unique_per_app_and_kind(
    session: Session, service: MetadataService, kyc: str
) -> None:
    with pytest.raises(Conflict) as caught:
        service.create_definition(
            session,
            ANALYST,
            kyc,
            DefinitionCreate.model_validate({"kind": "form", "key": "customer", "label": "Again"}),
        )
    assert caught.value.code == "definition_exists"
    service.create_definition(
        session,
        ANALYST,
        kyc,
        DefinitionCreate.model_validate(
            {"kind": "flow", "key": "customer", "label": "Same key, other kind"}
        ),
    )


def test_dry_run_publish_writes_nothing_and_hooks_see_the_body(
    session: Session, service: MetadataService, kyc: str
) -> None:
    seen: list[tuple[int, bool, dict[str, str]]] = []

    def hook(_session: Any, request: Any) -> list[str]:
        seen.append((request.version, request.dry_run, request.conversions))
        return [f"prepare storage for {request.body['key']}"]

    service.add_publish_hook(Kind.FORM, hook)
    preview = service.publish(
        session, ANALYST, kyc, Kind.FORM, "customer", dry_run=True, conversions={"f_name": "cast"}
    )
    assert (preview.version, preview.version_number, preview.steps) == (
        None,
        1,
        ("prepare storage for customer",),
    )
    assert service.versions(session, kyc, Kind.FORM, "customer") == []
    done = service.publish(session, ANALYST, kyc, Kind.FORM, "customer")
    assert done.version is not None
    assert seen == [(1, True, {"f_name": "cast"}), (1, False, {})]


def test_a_hook_refusal_stops_the_publish(
    session: Session, service: MetadataService, kyc: str
) -> None:
    def refuse(_session: Any, _request: Any) -> list[str]:
        raise Invalid(
            "cannot store",
            code="definition_invalid",
            errors=[ErrorItem("/spec/fields/0", "unsafe_type_change", "no")],
        )

    service.add_publish_hook(Kind.FORM, refuse)
    with pytest.raises(Invalid):
        service.publish(session, ANALYST, kyc, Kind.FORM, "customer")
    assert service.versions(session, kyc, Kind.FORM, "customer") == []
