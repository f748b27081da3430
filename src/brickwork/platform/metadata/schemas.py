"""Shapes of the metadata store: the definition envelope, API requests/responses and bundles.

The envelope and the bundle are exported as JSON Schema files shipped in the package
(``brickwork/schemas``); ``tests/meta`` keeps those files current.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from brickwork.platform.vocabulary import Key, Label

SCHEMA_VERSION = 1
BUNDLE_FORMAT = "brickwork.app-bundle"
BUNDLE_FORMAT_VERSION = 1


class Kind(StrEnum):
    APP = "app"
    FORM = "form"
    FLOW = "flow"
    RULE = "rule"
    DECISION_TABLE = "decision_table"
    REPORT = "report"
    DASHBOARD = "dashboard"
    ROLE = "role"
    PARAMETER_TABLE = "parameter_table"


class Status(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DefinitionBody(Frozen):
    """The envelope every definition shares; ``spec`` is checked by the kind's own validator."""

    schema_version: Literal[1] = Field(description="Version of the envelope format.")
    kind: Kind = Field(description="What the definition describes.")
    key: Key
    label: Label
    description: str = Field(default="", max_length=4000)
    spec: dict[str, Any] = Field(
        default_factory=dict, description="Kind-specific content (fields, nodes, rules, ...)."
    )


# ---------------------------------------------------------------- requests


class AppCreate(Frozen):
    key: Key
    label: Label
    description: str = Field(default="", max_length=4000)


class AppUpdate(Frozen):
    label: Label | None = None
    description: str | None = Field(default=None, max_length=4000)
    publish_approval: bool | None = Field(
        default=None,
        description="Maker-checker: publishing needs approval by another user holding publish.",
    )


MenuKind = Literal["form", "report", "dashboard"]


class MenuGroup(Frozen):
    """A heading in the app's menu that entries can be put under."""

    key: Key
    label: Label


class MenuEntry(Frozen):
    """One form, report or dashboard in the app's menu."""

    kind: MenuKind = Field(description="What the entry opens.")
    key: Key = Field(description="The form's, report's or dashboard's key.")
    hidden: bool = Field(
        default=False,
        description="Left out of the menu; whoever may open it still does so by its address.",
    )
    group: Key | None = Field(
        default=None,
        description="The key of the group it is shown under; none: under its kind's heading.",
    )


class AppNavigation(Frozen):
    """The app's menu: its entries in order, which are hidden, and the groups they are shown
    under. Published forms, reports and dashboards it does not list follow, in the usual order."""

    groups: list[MenuGroup] = Field(default_factory=list, max_length=100)
    entries: list[MenuEntry] = Field(default_factory=list, max_length=1000)


class DefinitionCreate(Frozen):
    kind: Kind
    key: Key
    label: Label
    description: str = Field(default="", max_length=4000)
    spec: dict[str, Any] = Field(default_factory=dict)


class DraftUpdate(Frozen):
    label: Label
    description: str = Field(default="", max_length=4000)
    spec: dict[str, Any] = Field(default_factory=dict)
    base_revision: int | None = Field(
        default=None,
        ge=1,
        description="The draft revision this edit starts from; a stale one is refused (409).",
    )


class PublishRequest(Frozen):
    note: str = Field(default="", max_length=2000)
    base_revision: int | None = Field(default=None, ge=1)
    dry_run: bool = Field(default=False, description="Only show what publishing would do.")
    conversions: dict[str, Literal["cast"]] = Field(
        default_factory=dict,
        description="Field id -> conversion for type changes that could lose data.",
    )


class PublishRequestCreate(Frozen):
    """Ask for the draft to be published (maker-checker apps)."""

    note: str = Field(default="", max_length=2000, description="What changes and why.")
    base_revision: int | None = Field(default=None, ge=1)
    conversions: dict[str, Literal["cast"]] = Field(
        default_factory=dict,
        description="Field id -> conversion for type changes that could lose data.",
    )


class Decision(Frozen):
    """A checker's decision on a publish request."""

    note: str = Field(default="", max_length=2000, description="Why (required to reject).")


# ---------------------------------------------------------------- responses


class ProblemOut(BaseModel):
    pointer: str
    code: str
    message: str


class AppOut(BaseModel):
    id: str
    key: str
    label: Any
    description: str
    created_at: datetime
    created_by: str
    updated_at: datetime
    updated_by: str
    archived_at: datetime | None
    publish_approval: bool


class DefinitionOut(BaseModel):
    id: str
    app: str
    kind: Kind
    key: str
    status: Status
    draft: dict[str, Any]
    draft_revision: int
    latest_version: int | None
    draft_differs: bool = Field(description="The draft has changes not yet published.")
    problems: list[ProblemOut] = Field(
        default_factory=list,
        description="What would stop the draft from being published (single definitions only).",
    )
    created_at: datetime
    created_by: str
    updated_at: datetime
    updated_by: str
    archived_at: datetime | None


class VersionOut(BaseModel):
    version: int
    checksum: str
    published_at: datetime
    published_by: str
    note: str
    body: dict[str, Any] | None = None


class ValidationReport(BaseModel):
    valid: bool
    problems: list[ProblemOut]


class DiffOut(BaseModel):
    from_version: int | Literal["draft"]
    to_version: int | Literal["draft"]
    patch: list[dict[str, Any]] = Field(description="RFC 6902 JSON Patch turning `from` into `to`.")
    changes: list[dict[str, Any]] = Field(description="Field-level summary for people.")


# ---------------------------------------------------------------- bundles


class BundleVersion(Frozen):
    version: int = Field(ge=1)
    body: dict[str, Any]
    checksum: str = Field(pattern=r"^sha256:[0-9a-f]{64}$")
    published_at: datetime
    published_by: str = Field(min_length=1, max_length=128)
    note: str = ""


class BundleDefinition(Frozen):
    id: str = Field(min_length=1, max_length=36)
    kind: Kind
    key: Key
    draft: dict[str, Any]
    archived: bool = False
    versions: list[BundleVersion] = Field(default_factory=list)


class BundleApp(Frozen):
    id: str = Field(min_length=1, max_length=36)
    key: Key
    label: Label
    description: str = ""
    archived: bool = False
    publish_approval: bool | None = Field(
        default=None,
        description="Maker-checker publishing. Absent (older bundles): an import leaves the "
        "app's setting as it is. An import turns it on, or off only for an importer who may "
        "change app settings and never together with new versions over the API.",
    )
    navigation: AppNavigation | None = Field(
        default=None,
        description="The app's menu. Absent (older bundles): an import leaves the menu as it is.",
    )


class Bundle(Frozen):
    """One app with all its definitions, drafts and published versions."""

    format: Literal["brickwork.app-bundle"]
    format_version: Literal[1]
    exported_at: datetime | None = None
    exported_by: str | None = None
    brickwork_version: str | None = None
    app: BundleApp
    definitions: list[BundleDefinition] = Field(default_factory=list)


class ImportChange(BaseModel):
    """What an import does (or would do) to one definition of the bundle."""

    kind: Kind
    key: str
    change: Literal["created", "updated", "unchanged"]
    versions_added: list[int] = Field(
        description="The published versions it puts in place (each runs the kind's publish "
        "steps: form tables, compiled flows, rule schedules)."
    )


class ImportOutcome(BaseModel):
    app: str
    app_created: bool
    definitions_created: int
    definitions_updated: int
    definitions_unchanged: int
    versions_added: int
    navigation_changed: bool = False
    changes: list[ImportChange] = Field(default_factory=list)
    dry_run: bool
