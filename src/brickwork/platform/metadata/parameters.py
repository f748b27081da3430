"""Published parameter tables as the parameter source of an evaluation.

An evaluation in app `a` reads the latest published version of `a`'s parameter table `t` by the
name `t`, and another app's table by `b.t` (a pack's rules may read the tables of a pack it
depends on). Tables are loaded on first use in an evaluation and kept, checked and indexed, per
published version, so a new version is seen by the next evaluation and an old one is never
mixed with it. A draft is never read.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator, Mapping
from threading import Lock
from typing import Any

from sqlalchemy.orm import Session

from brickwork.engines.rules.parameters import (
    ParameterSet,
    ParameterTable,
    ParameterTableError,
    check_table,
    parameter_calls,
)
from brickwork.jsonio import escape_pointer
from brickwork.platform.errors import ErrorItem, Invalid
from brickwork.platform.metadata.repository import MetadataRepository
from brickwork.platform.metadata.schemas import Kind
from brickwork.platform.metadata.service import PublishRequestContext, kind_zh

CACHED_TABLES = 256


def _strings(value: Any, pointer: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield pointer, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, f"{pointer}/{escape_pointer(str(key))}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, f"{pointer}/{index}")


def validate_parameter_table_spec(spec: Mapping[str, Any]) -> Iterator[ErrorItem]:
    for problem in check_table(spec):
        yield ErrorItem(problem.pointer, problem.code, problem.message, problem.zh_cn)


class ParameterTables:
    """Published parameter tables: the source of evaluations, and the check at publish that
    every table (and key) an expression names literally exists."""

    def __init__(self, repository: MetadataRepository | None = None) -> None:
        self.repo = repository or MetadataRepository()
        self._cache: OrderedDict[tuple[str, int], ParameterTable] = OrderedDict()
        self._lock = Lock()

    def source(self, session: Session, app_key: str) -> ParameterSet:
        """The tables an evaluation in `app_key` may read, loaded when first asked for."""
        return ParameterSet({}, lambda name: self._load(session, app_key, name))

    def _load(self, session: Session, app_key: str, name: str) -> ParameterTable | None:
        owner, _, key = name.rpartition(".")
        app = self.repo.app_by_key(session, owner or app_key)
        if app is None:
            return None
        definition = self.repo.definition(session, app.id, Kind.PARAMETER_TABLE, key)
        if definition is None or definition.archived_at is not None:
            return None
        if definition.latest_version is None:
            return None
        cache_key = (definition.id, definition.latest_version)
        with self._lock:
            table = self._cache.get(cache_key)
            if table is not None:
                self._cache.move_to_end(cache_key)
                return table
        version = self.repo.version(session, definition.id, definition.latest_version)
        if version is None:
            return None
        try:
            table = ParameterTable(name, version.body["spec"])
        except ParameterTableError:  # published versions passed the same checks
            return None
        with self._lock:
            self._cache[cache_key] = table
            while len(self._cache) > CACHED_TABLES:
                self._cache.popitem(last=False)
        return table

    def check_references(self, session: Session, request: PublishRequestContext) -> list[str]:
        """A publish hook: refuse a definition whose expressions name a parameter table that is
        not published (or archived), or a key the table does not have, with the place of each
        call. Tables and keys computed at run time are checked then (null with a code)."""
        if request.importing:  # a bundle brings its tables along; they are put in place with it
            return []
        source = self.source(session, request.app_key)
        problems: list[ErrorItem] = []
        calls = 0
        for pointer, text in _strings(request.body.get("spec", {}), "/spec"):
            for call in parameter_calls(text):
                calls += 1
                at = f"line {call.line}, column {call.column}: "
                at_zh = f"第 {call.line} 行第 {call.column} 列："
                try:
                    table = source.table(call.table)
                except LookupError:
                    problems.append(
                        ErrorItem(
                            pointer,
                            "E_PARAM_UNKNOWN_TABLE",
                            f"{at}there is no published parameter table {call.table!r}; "
                            "publish it first (another app's table is named app.table)",
                            f"{at_zh}没有已发布的参数表 {call.table!r}：请先发布它"
                            "（其他应用的参数表写作 应用.表）",
                        )
                    )
                    continue
                if call.key is not None and call.key not in table.keys:
                    problems.append(
                        ErrorItem(
                            pointer,
                            "E_PARAM_UNKNOWN_KEY",
                            f"{at}parameter table {call.table!r} has no key {call.key!r} "
                            f"(it has {', '.join(sorted(table.keys)[:20])})",
                            f"{at_zh}参数表 {call.table!r} 没有键 {call.key!r}"
                            f"（已有：{'、'.join(sorted(table.keys)[:20])}）",
                        )
                    )
        if problems:
            raise Invalid(
                f"{request.definition.kind} {request.definition.key!r} names parameters that do "
                "not exist (listed in `errors`)",
                code="definition_invalid",
                errors=problems,
                zh_cn=f"{kind_zh(request.definition.kind)} {request.definition.key!r} "
                "引用了不存在的参数（见明细）",
            )
        return [f"{calls} parameter reference(s) checked"] if calls else []
