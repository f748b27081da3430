"""What the report engine knows of an app: its forms' fields (with types and lookups) and its
other reports' parameters. The platform builds it from the published definitions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from brickwork.engines.report.plan import Label

FieldKind = str
"""`text`, `number`, `money`, `date`, `datetime`, `boolean`, `choice`, `user`, `department`,
`lookup`, `subtable` (its columns in `FormInfo.subtables`), or `other` (stored but not usable
in reports: encrypted fields, files, rich text...)."""


@dataclass(frozen=True, slots=True)
class FieldInfo:
    type: FieldKind
    label: Label = ""
    lookup_form: str | None = None
    """The form a `lookup` field points to."""
    currency: str | None = None
    """A `money` field's fixed currency; None when each value names its own (such amounts
    cannot be added up, grouped or bucketed together)."""
    options: frozenset[str] | None = None
    """A `choice` field's static options (None: read from elsewhere, or not a choice)."""


@dataclass(frozen=True, slots=True)
class FormInfo:
    fields: Mapping[str, FieldInfo]
    label: Label = ""
    subtables: Mapping[str, Mapping[str, FieldInfo]] = field(default_factory=dict)
    """The columns of each subtable field (by the subtable's key), for datasets over its rows."""


@dataclass(frozen=True, slots=True)
class ReportSignature:
    """Another published report: its parameters (key -> type) and dimension keys, for drill
    links and dashboards."""

    parameters: Mapping[str, str] = field(default_factory=dict)
    dimensions: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class ReportEnvironment:
    forms: Mapping[str, FormInfo]
    reports: Mapping[str, ReportSignature] = field(default_factory=dict)


SYSTEM_FIELDS: Mapping[str, FieldInfo] = {
    "id": FieldInfo("text", {"zh-CN": "编号", "en": "ID"}),
    "created_at": FieldInfo("datetime", {"zh-CN": "创建时间", "en": "Created at"}),
    "updated_at": FieldInfo("datetime", {"zh-CN": "更新时间", "en": "Updated at"}),
    "created_by": FieldInfo("user", {"zh-CN": "创建人", "en": "Created by"}),
    "owner": FieldInfo("user", {"zh-CN": "负责人", "en": "Owner"}),
    "department": FieldInfo("department", {"zh-CN": "部门", "en": "Department"}),
    "flow_status": FieldInfo("text", {"zh-CN": "流程状态", "en": "Flow status"}),
}
"""Columns every form table has, usable like fields."""
