"""Kind-specific validators plug into definition validation and report pointers under /spec."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from brickwork.platform.errors import ErrorItem
from brickwork.platform.metadata import validation
from brickwork.platform.metadata.schemas import Kind


def needs_members(spec: Mapping[str, Any]) -> Iterator[ErrorItem]:
    if not spec.get("members"):
        yield ErrorItem("/members", "role_empty", "a role needs at least one member")


@pytest.fixture
def role_validator() -> Iterator[None]:
    """A kind no area has a validator for yet."""
    validation.register_kind_validator(Kind.ROLE, needs_members)
    yield
    validation._KIND_VALIDATORS[Kind.ROLE].remove(needs_members)


def body(kind: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {"schema_version": 1, "kind": kind, "key": "k", "label": "K", "spec": spec}


@pytest.mark.usefixtures("role_validator")
def test_registered_validator_runs_for_its_kind_only() -> None:
    problems = validation.validate_definition(body("role", {}))
    assert [(p.pointer, p.code) for p in problems] == [("/spec/members", "role_empty")]
    assert validation.validate_definition(body("app", {})) == []
    assert validation.validate_definition(body("role", {"members": ["li"]})) == []


def test_kind_validators_do_not_run_on_a_broken_envelope() -> None:
    problems = validation.validate_definition({"kind": "form", "key": "k", "label": "K"})
    assert [(p.pointer, p.code) for p in problems] == [("/schema_version", "required")]


@pytest.mark.parametrize(
    ("document", "pointer", "code"),
    [
        (body("form", {}) | {"label": {"fr": "x"}}, "/label/fr", "unknown_property"),
        (body("form", {}) | {"label": {}}, "/label", "invalid_value"),
        (body("form", {}) | {"schema_version": 2}, "/schema_version", "invalid_choice"),
        (body("dashboards", {}), "/kind", "unknown_kind"),
        (body("form", {}) | {"key": "9lives"}, "/key", "pattern_mismatch"),
        (body("form", {}) | {"extra": 1}, "/extra", "unknown_property"),
        ({**body("form", {}), "spec": []}, "/spec", "wrong_type"),
    ],
)
def test_envelope_problems_point_at_the_property(
    document: dict[str, Any], pointer: str, code: str
) -> None:
    assert (pointer, code) in [
        (p.pointer, p.code) for p in validation.validate_definition(document)
    ]
