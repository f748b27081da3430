"""An app's menu: checking the analyst's arrangement and laying out the menu a user sees.

Pure: the caller passes what the app holds (the definitions' kinds and keys) and what the user
may open; nothing here reads the database. A hidden entry is only left out of the menu; whether a
user may open a form is decided by its grants, never here.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from brickwork.platform.errors import ErrorItem
from brickwork.platform.metadata.schemas import AppNavigation, MenuKind

MENU_KINDS: tuple[MenuKind, ...] = ("form", "report", "dashboard")
"""What a menu shows, in the default order of their headings."""


def stored(navigation: AppNavigation) -> dict[str, Any] | None:
    """The arrangement as kept with the app; None when it says nothing (the default menu)."""
    if not navigation.groups and not navigation.entries:
        return None
    return navigation.model_dump(mode="json", by_alias=True, exclude_none=True)


def parsed(value: Any) -> AppNavigation:
    """The stored arrangement (None: the default menu)."""
    return AppNavigation() if value is None else AppNavigation.model_validate(value)


def problems(
    navigation: AppNavigation, known: Collection[tuple[str, str]], *, at: str = ""
) -> list[ErrorItem]:
    """What is wrong with the arrangement, given the app's forms, reports and dashboards as
    (kind, key): entries the app does not have, entries listed twice, groups named twice and
    entries under a group that is not defined. Pointers start at `at`."""
    found: list[ErrorItem] = []
    groups: set[str] = set()
    for index, group in enumerate(navigation.groups):
        if group.key in groups:
            found.append(
                ErrorItem(
                    f"{at}/groups/{index}/key",
                    "duplicate_menu_group",
                    f"the group {group.key!r} is defined twice",
                )
            )
        groups.add(group.key)
    seen: set[tuple[str, str]] = set()
    for index, entry in enumerate(navigation.entries):
        here = f"{at}/entries/{index}"
        if (entry.kind, entry.key) not in known:
            found.append(
                ErrorItem(
                    f"{here}/key",
                    "unknown_menu_entry",
                    f"the app has no {entry.kind} with key {entry.key!r}",
                )
            )
        elif (entry.kind, entry.key) in seen:
            found.append(
                ErrorItem(
                    f"{here}/key",
                    "duplicate_menu_entry",
                    f"the {entry.kind} {entry.key!r} is listed twice",
                )
            )
        seen.add((entry.kind, entry.key))
        if entry.group is not None and entry.group not in groups:
            found.append(
                ErrorItem(
                    f"{here}/group",
                    "unknown_menu_group",
                    f"there is no group {entry.group!r}; define it under groups first",
                )
            )
    return found


@dataclass(frozen=True, slots=True)
class MenuItem:
    """One link of the menu."""

    kind: MenuKind
    key: str
    definition: Any
    """What the link opens (the caller's object: its label is read from it)."""


@dataclass(slots=True)
class MenuSection:
    """A heading and its links: a group the analyst defined (`label`) or a kind's own."""

    kind: MenuKind | None
    label: Any
    items: list[MenuItem] = field(default_factory=list)


def arrange(
    navigation: AppNavigation, shown: Mapping[MenuKind, Sequence[tuple[str, Any]]]
) -> list[MenuSection]:
    """The menu a user sees: `shown` holds, per kind, the (key, definition) the user may find
    in the menu, in the default order. Listed entries come in the analyst's order (hidden ones
    left out), then the rest; each section comes where its first link does."""
    available = {(kind, key): item for kind in MENU_KINDS for key, item in shown.get(kind, ())}
    labels = {group.key: group.label for group in navigation.groups}
    sections: dict[tuple[str, str], MenuSection] = {}

    def place(kind: MenuKind, key: str, group: str | None) -> None:
        definition = available.pop((kind, key), None)
        if definition is None:
            return
        if group is not None and group in labels:
            section = sections.setdefault(("group", group), MenuSection(None, labels[group]))
        else:
            section = sections.setdefault(("kind", kind), MenuSection(kind, None))
        section.items.append(MenuItem(kind, key, definition))

    for entry in navigation.entries:
        if entry.hidden:
            available.pop((entry.kind, entry.key), None)
        else:
            place(entry.kind, entry.key, entry.group)
    for kind, key in list(available):
        place(kind, key, None)
    return list(sections.values())


def entries_of(
    navigation: AppNavigation, present: Iterable[tuple[MenuKind, str]]
) -> list[tuple[MenuKind, str, bool, str | None]]:
    """Every form, report and dashboard of the app as (kind, key, hidden, group), in the menu's
    order: the listed ones first, then the others (for the arrangement's editor)."""
    remaining = list(present)
    ordered: list[tuple[MenuKind, str, bool, str | None]] = []
    for entry in navigation.entries:
        if (entry.kind, entry.key) in remaining:
            remaining.remove((entry.kind, entry.key))
            ordered.append((entry.kind, entry.key, entry.hidden, entry.group))
    ordered.extend((kind, key, False, None) for kind, key in remaining)
    return ordered
