"""Template packs as files: the manifest, its contents and their checksums.

A pack is a folder of JSON files (no code): `pack.json` (the manifest), `definitions/*.json`
(one definition each: kind, key, label, description, spec), optional `roles.json` (business
roles with their grants on the pack's app), `calendars.json` (business calendars its rules
name, created when missing), `data/*.json` (sample records of one form each) and
`scenarios/*.json` (acceptance scenarios run through the HTTP API). The manifest lists
every content file with its SHA-256; a pack whose files do not match is refused whole, so what
is installed is what was reviewed. The shipped packs live under
`brickwork/finance_templates/<key>/`.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from brickwork import __version__, jsonio
from brickwork.platform.errors import ErrorItem, Invalid, NotFound
from brickwork.platform.metadata.schemas import Kind
from brickwork.platform.vocabulary import Key, Label

PACK_FORMAT = "brickwork.pack"
MANIFEST = "pack.json"
SEMVER = r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$"
CONTENT_PATH = r"^(definitions|data|scenarios)/[a-z0-9_.-]{1,120}\.json$|^(roles|calendars)\.json$"
M = TypeVar("M", bound=BaseModel)
KIND_ORDER = (
    Kind.PARAMETER_TABLE,
    Kind.FORM,
    Kind.DECISION_TABLE,
    Kind.FLOW,
    Kind.RULE,
    Kind.REPORT,
    Kind.DASHBOARD,
)
"""Definitions are published in this order (what others depend on first), then in the order
the manifest lists them."""


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Bilingual(_Strict):
    zh_CN: str = Field(alias="zh-CN", min_length=1, max_length=500)
    en: str = Field(min_length=1, max_length=500)


class ContentEntry(_Strict):
    path: str = Field(pattern=CONTENT_PATH)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class PackApp(_Strict):
    key: Key
    label: Label
    description: str = Field(default="", max_length=4000)


class PackManifest(_Strict):
    format: Literal["brickwork.pack"]
    format_version: Literal[1]
    key: Key
    version: str = Field(pattern=SEMVER, description="Semantic version: MAJOR.MINOR.PATCH.")
    title: Bilingual
    description: Bilingual
    app: PackApp
    min_platform: str = Field(default="0.1.0", pattern=SEMVER)
    requires: dict[str, str] = Field(
        default_factory=dict,
        description="Packs that must be installed first, with their lowest version.",
    )
    contents: tuple[ContentEntry, ...] = Field(min_length=1)


class PackDefinition(_Strict):
    kind: Kind
    key: Key
    label: Label
    description: str = Field(default="", max_length=4000)
    spec: dict[str, Any]

    @property
    def ref(self) -> str:
        return f"{self.kind.value}/{self.key}"

    def body(self) -> dict[str, Any]:
        return self.model_dump(mode="json", include={"label", "description", "spec"})


class PackRole(_Strict):
    key: Key
    label: Label
    description: str = Field(default="", max_length=4000)
    grants: tuple[dict[str, Any], ...] = ()


class SampleFlowStep(_Strict):
    """A decision on a flow a sample record started, so that the sample shows work in flight
    at several nodes: `as` (a user name) decides their open task at `node` of the flow on
    record number `record` (0-based, in `records`). A step whose user does not exist or holds
    no such task is skipped, so a bank installing without those users keeps the records where
    their flows first waited."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    record: int = Field(ge=0, le=100_000)
    node: Key
    as_: str = Field(alias="as", min_length=1, max_length=200)
    command: Literal["approve", "reject", "abstain"] = "approve"
    comment: str | None = Field(default=None, max_length=2000)


class SampleData(_Strict):
    """Sample records of one form. In the demo they are created in the name of `created_by`
    (a user name: a relationship manager's own applications, so that the role that sees its
    own rows sees them) when that user exists and is active; otherwise, and always in a bank's
    installation, by the installer."""

    form: Key
    records: tuple[dict[str, Any], ...] = Field(min_length=1)
    flow_steps: tuple[SampleFlowStep, ...] = ()
    created_by: str | None = Field(default=None, min_length=1, max_length=200)

    @model_validator(mode="after")
    def _steps_name_records(self) -> SampleData:
        for step in self.flow_steps:
            if step.record >= len(self.records):
                raise ValueError(f"a flow step names record {step.record}, which is not there")
        return self


def version_tuple(text: str) -> tuple[int, int, int]:
    major, minor, patch = (int(part) for part in text.split("."))
    return major, minor, patch


@dataclass(frozen=True)
class Pack:
    """A pack read and verified: its manifest and parsed contents."""

    manifest: PackManifest
    definitions: tuple[PackDefinition, ...]
    roles: tuple[PackRole, ...]
    data: tuple[SampleData, ...]
    scenarios: tuple[tuple[str, dict[str, Any]], ...]
    """(file name, scenario document), in file-name order."""
    calendars: tuple[dict[str, Any], ...] = ()
    """Business calendars the pack's rules name, created when missing (never replaced)."""

    @property
    def key(self) -> str:
        return self.manifest.key

    @property
    def version(self) -> str:
        return self.manifest.version

    @property
    def app_key(self) -> str:
        return self.manifest.app.key

    def ordered(self) -> list[PackDefinition]:
        """By kind; forms after the forms of the pack they name (a relations graph's form)."""
        by_kind = sorted(self.definitions, key=lambda d: KIND_ORDER.index(d.kind))
        forms = {d.key: d for d in by_kind if d.kind == Kind.FORM}
        placed: dict[str, None] = {}

        def place(key: str, chain: tuple[str, ...]) -> None:
            if key in placed or key in chain:
                return
            graph = forms[key].spec.get("graph")
            needed = graph.get("relations") if isinstance(graph, dict) else None
            if isinstance(needed, str) and needed in forms:
                place(needed, (*chain, key))
            placed[key] = None

        for key in forms:
            place(key, ())
        ordered_forms = iter([forms[key] for key in placed])
        return [next(ordered_forms) if d.kind == Kind.FORM else d for d in by_kind]


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _problem(pack: str, pointer: str, code: str, message: str, zh_cn: str) -> Invalid:
    """The refusal of a pack; `message` (English) and `zh_cn` say what is wrong."""
    return Invalid(
        f"pack {pack!r} is not valid: {message}",
        code="pack_invalid",
        errors=[ErrorItem(pointer, code, message)],
        zh_cn=f"模板包 {pack!r} 无效：{zh_cn}",
    )


def _parse(pack: str, path: str, raw: bytes) -> Any:
    try:
        return jsonio.loads(raw)
    except jsonio.JsonError as exc:
        raise _problem(
            pack, f"/{path}{exc.pointer}", exc.code, str(exc), f"{path} 不是有效的 JSON（{exc}）"
        ) from None


def _model(pack: str, path: str, model: type[M], document: Any) -> M:
    try:
        return model.model_validate(document)
    except ValidationError as exc:
        error = exc.errors()[0]
        pointer = "".join(f"/{part}" for part in error["loc"])
        raise _problem(
            pack,
            f"/{path}{pointer}",
            "E_PACK_SCHEMA",
            error["msg"],
            f"{path}{pointer} 不符合要求（{error['msg']}）",
        ) from None


def read_pack(folder: Traversable | Path, *, name: str | None = None) -> Pack:
    """Read and verify the pack in `folder`: manifest shape, platform version, every listed
    file present with its checksum, no unlisted file, each file's own shape."""
    label = name or folder.name
    manifest_file = folder / MANIFEST
    if not manifest_file.is_file():
        raise NotFound(
            f"{label!r} has no {MANIFEST}",
            code="pack_not_found",
            zh_cn=f"模板包 {label!r} 缺少 {MANIFEST}",
        )
    manifest = _model(
        label, MANIFEST, PackManifest, _parse(label, MANIFEST, manifest_file.read_bytes())
    )
    if version_tuple(manifest.min_platform) > version_tuple(__version__):
        raise _problem(
            label,
            "/pack.json/min_platform",
            "E_PACK_PLATFORM",
            f"needs platform {manifest.min_platform} or later; this is {__version__}",
            f"需要平台 {manifest.min_platform} 或更高版本，当前为 {__version__}",
        )
    listed = {entry.path for entry in manifest.contents}
    present = set(_files(folder))
    for extra in sorted(present - listed):
        raise _problem(
            label,
            f"/{extra}",
            "E_PACK_UNLISTED",
            f"{extra} is not in the manifest",
            f"{extra} 未列在清单中",
        )
    documents: dict[str, Any] = {}
    for entry in manifest.contents:
        if entry.path not in present:
            raise _problem(
                label,
                f"/{entry.path}",
                "E_PACK_MISSING",
                f"{entry.path} is missing",
                f"缺少 {entry.path}",
            )
        raw = _traverse(folder, entry.path).read_bytes()
        if digest(raw) != entry.sha256:
            raise _problem(
                label,
                f"/{entry.path}",
                "E_PACK_CHECKSUM",
                f"{entry.path} does not match its checksum in the manifest",
                f"{entry.path} 与清单中的校验和不符",
            )
        documents[entry.path] = _parse(label, entry.path, raw)
    return _assemble(label, manifest, documents)


def _assemble(label: str, manifest: PackManifest, documents: dict[str, Any]) -> Pack:
    definitions = [
        _model(label, path, PackDefinition, doc)
        for path, doc in documents.items()
        if path.startswith("definitions/")
    ]
    seen: set[str] = set()
    for definition in definitions:
        if definition.ref in seen:
            raise _problem(
                label,
                "/definitions",
                "E_PACK_DUPLICATE",
                f"{definition.ref} twice",
                f"{definition.ref} 出现了两次",
            )
        seen.add(definition.ref)
    roles_doc = documents.get("roles.json", [])
    if not isinstance(roles_doc, list):
        raise _problem(
            label,
            "/roles.json",
            "E_PACK_SCHEMA",
            "roles.json must be a list",
            "roles.json 须为列表",
        )
    roles = [_model(label, f"roles.json/{i}", PackRole, doc) for i, doc in enumerate(roles_doc)]
    data = [
        _model(label, path, SampleData, doc)
        for path, doc in sorted(documents.items())
        if path.startswith("data/")
    ]
    scenarios = [
        (path.removeprefix("scenarios/"), doc)
        for path, doc in sorted(documents.items())
        if path.startswith("scenarios/")
    ]
    calendars = documents.get("calendars.json", [])
    if not isinstance(calendars, list) or not all(
        isinstance(item, dict) and isinstance(item.get("key"), str) for item in calendars
    ):
        raise _problem(
            label,
            "/calendars.json",
            "E_PACK_SCHEMA",
            "calendars.json must be a list of calendars",
            "calendars.json 须为日历的列表",
        )
    return Pack(
        manifest, tuple(definitions), tuple(roles), tuple(data), tuple(scenarios), tuple(calendars)
    )


def _traverse(folder: Traversable | Path, path: str) -> Traversable | Path:
    target = folder
    for part in path.split("/"):
        target = target / part
    return target


def _files(folder: Traversable | Path) -> Iterator[str]:
    """Content files (everything but the manifest), as paths relative to the folder."""
    for item in folder.iterdir():
        if item.is_file() and item.name != MANIFEST and not item.name.startswith("."):
            yield item.name
        elif item.is_dir() and not item.name.startswith(("_", ".")):
            for inner in item.iterdir():
                if inner.is_file() and not inner.name.startswith("."):
                    yield f"{item.name}/{inner.name}"


def seal(folder: Path) -> PackManifest:
    """Rewrite the manifest's contents list with every content file and its checksum (for
    pack authors: run after editing a pack's files)."""
    manifest_path = folder / MANIFEST
    document = jsonio.loads(manifest_path.read_bytes())
    document["contents"] = [
        {"path": path, "sha256": digest(_traverse(folder, path).read_bytes())}
        for path in sorted(_files(folder))
        if re.match(CONTENT_PATH, path)
    ]
    text = json.dumps(document, ensure_ascii=False, indent=2)
    manifest_path.write_text(text + "\n", encoding="utf-8")
    return PackManifest.model_validate(document)


SHIPPED = "brickwork.finance_templates"


@cache
def shipped_packs() -> tuple[Pack, ...]:
    """The packs shipped with the platform, in dependency order (a pack after those it needs)."""
    root = resources.files(SHIPPED)
    packs = {
        item.name: read_pack(item)
        for item in root.iterdir()
        if item.is_dir() and (item / MANIFEST).is_file()
    }
    ordered: list[Pack] = []
    placed: set[str] = set()

    def place(key: str, chain: tuple[str, ...]) -> None:
        if key in placed:
            return
        if key in chain:
            cycle = " -> ".join((*chain, key))
            raise _problem(key, "/pack.json/requires", "E_PACK_CYCLE", cycle, f"循环依赖：{cycle}")
        for needed in packs[key].manifest.requires:
            if needed in packs:
                place(needed, (*chain, key))
        placed.add(key)
        ordered.append(packs[key])

    for key in sorted(packs):
        place(key, ())
    return tuple(ordered)
