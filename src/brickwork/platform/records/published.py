"""A published form as the records area uses it, and the shapes its operations return."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

from sqlalchemy import Table

from brickwork.engines.form import CompiledForm
from brickwork.engines.form.compiled import computed_sources
from brickwork.engines.form.definition import FormDefinition
from brickwork.engines.form.problems import Problem
from brickwork.platform.records.rows import FormShape

PROGRESS_EVERY = 500
UNIQUE_VIOLATION = Problem(
    "unique_violation", "该值已被其他记录使用", "another record already has this value"
)


REFERENCE_NOT_FOUND = Problem(
    "reference_not_found",
    "关联的记录不存在或不可选",
    "the linked record does not exist or cannot be chosen",
)


@dataclass(frozen=True)
class PublishedForm:
    app_key: str
    form_key: str
    definition_id: str
    version: int
    compiled: CompiledForm
    shape: FormShape
    caches: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    """What lists compile once per form version (see ``listing``): gone with the version."""

    @cached_property
    def guarded_by(self) -> Mapping[str, frozenset[str]]:
        """Computed fields that derive from encrypted fields, with those fields' keys: a
        computed value is shown no more openly than what it is computed from."""
        encrypted = {item.key for item in self.definition.fields if item.encrypted}
        found = {
            key: frozenset(sources & encrypted)
            for key, sources in computed_sources(self.compiled).items()
        }
        return {key: sources for key, sources in found.items() if sources}

    @property
    def definition(self) -> FormDefinition:
        return self.shape.definition

    @property
    def table(self) -> Table:
        return self.shape.main


@dataclass(frozen=True, slots=True)
class BatchOutcome:
    created_ids: tuple[str, ...]
    failures: dict[int, tuple[Problem, ...]]
    """Problems by item index; unless the batch was partial, nothing was written then."""
    warnings: dict[int, tuple[Problem, ...]] = field(default_factory=dict)
    """Warnings by item index (kept with the records that were written)."""


TotalMode = Literal["auto", "exact", "estimate", "none"]
"""How a page counts its rows: ``exact`` counts them all; ``auto`` counts up to
``AUTO_COUNT_CAP`` (beyond, the total is that lower bound, not exact); ``estimate`` takes the
database planner's estimate (PostgreSQL; ``auto`` elsewhere); ``none`` does not count. A page that
shows the end of the list knows its total without counting, in every mode but ``none``."""
AUTO_COUNT_CAP = 10_000


@dataclass(frozen=True, slots=True)
class Page:
    items: list[dict[str, Any]]
    total: int | None
    limit: int
    offset: int
    sensitive: list[str] = field(default_factory=list)
    """C2/C3 fields the page shows in clear (exports audit them)."""
    fields: tuple[str, ...] = ()
    """Keys of the fields the reader sees at all (hidden ones left out), even on an empty page."""
    total_exact: bool = True
    """False when ``total`` is a lower bound or an estimate (or absent)."""
    has_more: bool = False
    """More rows follow this page (the page read one row beyond ``limit``)."""
