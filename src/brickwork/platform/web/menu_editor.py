"""The app menu's editor on the settings page: every form, report and dashboard of the app in
the menu's order with its hidden box and group, and the groups; read from the stored menu or
from what the page sent, moved one step, and turned into the `AppNavigation` to save, with each
problem placed on the entry or group its pointer names."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request
from sqlalchemy.orm import Session

from brickwork.platform.errors import ErrorItem
from brickwork.platform.metadata import navigation as menus
from brickwork.platform.web.params import first
from brickwork.platform.web.views import Viewer, text_in


@dataclass(slots=True)
class MenuRow:
    """One form, report or dashboard in the menu editor."""

    kind: str
    key: str
    label: str
    published: bool
    hidden: bool = False
    group: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def ref(self) -> str:
        return f"{self.kind}:{self.key}"


@dataclass(slots=True)
class GroupRow:
    """One group of the menu editor."""

    key: str
    zh: str
    en: str
    problems: list[str] = field(default_factory=list)


@dataclass(slots=True)
class MenuEditor:
    rows: list[MenuRow]
    groups: list[GroupRow]
    new_group: GroupRow = field(default_factory=lambda: GroupRow("", "", ""))
    unsaved: bool = False
    focus: str = ""


def menu_editor(request: Request, session: Session, viewer: Viewer, app: str) -> MenuEditor:
    """The editor for the stored menu: every form, report and dashboard of the app (drafts
    too: they join the menu when published), listed entries first in their order."""
    metadata = request.app.state.metadata
    stored = metadata.navigation(session, app)
    definitions = {
        (d.kind, d.key): d
        for d in metadata.list_definitions(session, app)
        if d.kind in menus.MENU_KINDS
    }
    rows = [
        MenuRow(
            kind,
            key,
            text_in((definitions[(kind, key)].draft or {}).get("label"), viewer.language) or key,
            definitions[(kind, key)].latest_version is not None,
            hidden,
            group or "",
        )
        for kind, key, hidden, group in menus.entries_of(
            stored, sorted(definitions, key=lambda ref: menus.MENU_KINDS.index(ref[0]))
        )
    ]
    groups = [
        GroupRow(
            g.key,
            text_of_language(label_dict(g.label), "zh-CN"),
            text_of_language(label_dict(g.label), "en"),
        )
        for g in stored.groups
    ]
    return MenuEditor(rows, groups)


def text_of_language(label: Any, language: str) -> str:
    """The label's text in exactly `language` (a plain string counts as both)."""
    if isinstance(label, str):
        return label
    return str((label or {}).get(language) or "")


def label_dict(label: Any) -> Any:
    """A label model as stored (`{"zh-CN": ..., "en": ...}`), a plain string as it is."""
    return label if isinstance(label, str) else label.model_dump(by_alias=True, exclude_none=True)


def sent_editor(
    request: Request, session: Session, viewer: Viewer, app: str, sent: dict[str, list[str]]
) -> MenuEditor:
    """The editor as the page sent it: entries in the order sent, their hidden boxes and
    groups, the groups (less those marked for removal) and the new group's fields."""
    known = {row.ref: row for row in menu_editor(request, session, viewer, app).rows}
    hidden = set(sent.get("hidden", ()))
    rows: list[MenuRow] = []
    for ref in sent.get("entry", ()):
        row = known.pop(ref, None)
        if row is None:
            continue
        row.hidden = ref in hidden
        row.group = first(sent, f"group:{ref}", "") or ""
        rows.append(row)
    rows.extend(known.values())
    dropped = set(sent.get("group_drop", ()))
    keys, zhs, ens = (sent.get(name, []) for name in ("group_key", "group_zh", "group_en"))
    groups = [
        GroupRow(key.strip(), zh.strip(), en.strip())
        for key, zh, en in zip(keys, zhs, ens, strict=False)
        if key not in dropped
    ]
    new_group = GroupRow(
        (first(sent, "new_group_key", "") or "").strip(),
        (first(sent, "new_group_zh", "") or "").strip(),
        (first(sent, "new_group_en", "") or "").strip(),
    )
    for row in rows:
        if row.group in dropped:
            row.group = ""
    return MenuEditor(rows, groups, new_group)


def moved(editor: MenuEditor, action: str) -> MenuEditor:
    """The editor with one entry moved up or down (`up:form:customer`); not saved yet."""
    direction, _, ref = action.partition(":")
    refs = [row.ref for row in editor.rows]
    if ref in refs:
        index = refs.index(ref)
        target = index - 1 if direction == "up" else index + 1
        if 0 <= target < len(refs):
            editor.rows[index], editor.rows[target] = editor.rows[target], editor.rows[index]
    editor.unsaved = True
    editor.focus = f"{direction}-{ref.replace(':', '-')}"
    return editor


def arrangement(editor: MenuEditor) -> dict[str, Any]:
    """The menu the editor describes, as `AppNavigation` takes it."""
    groups = [*editor.groups]
    if editor.new_group.key or editor.new_group.zh or editor.new_group.en:
        groups.append(editor.new_group)
    return {
        "groups": [
            {"key": g.key, "label": {k: v for k, v in (("zh-CN", g.zh), ("en", g.en)) if v}}
            for g in groups
        ],
        "entries": [
            {
                "kind": row.kind,
                "key": row.key,
                "hidden": row.hidden,
                **({"group": row.group} if row.group else {}),
            }
            for row in editor.rows
        ],
    }


def place(editor: MenuEditor, errors: Sequence[ErrorItem]) -> None:
    """Each problem next to the entry or group its pointer names (`/entries/2/group`)."""
    groups = [*editor.groups, editor.new_group]
    for item in errors:
        parts = item.pointer.strip("/").split("/")
        if len(parts) >= 2 and parts[1].isdigit():
            index = int(parts[1])
            if parts[0] == "entries" and index < len(editor.rows):
                editor.rows[index].problems.append(item.message)
            elif parts[0] == "groups" and index < len(groups):
                groups[index].problems.append(item.message)
