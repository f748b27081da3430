"""Build hook: puts the pinned front-end assets into ``src/brickwork/platform/web/static/vendor``.

``package-lock.json`` pins each package's version and sha512 ``integrity``. For every package that
``VENDOR`` needs, the hook downloads the tarball (the lock's ``resolved`` URL, or the npm
registry's tarball URL for that version), refuses it unless its digest matches, and extracts only
the listed files. A ``manifest.json`` in the vendor folder records what was extracted; when it and
the files match the lock, nothing is downloaded (a build from the sdist, which carries the files,
needs no network). Standard library only: no npm is needed on the building machine. No
third-party code is committed; the folder is git-ignored and included in the sdist and wheel.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import tarfile
import urllib.request
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

ROOT = Path(__file__).parent
LOCK = ROOT / "package-lock.json"
VENDOR_DIR = ROOT / "src" / "brickwork" / "platform" / "web" / "static" / "vendor"
MANIFEST = VENDOR_DIR / "manifest.json"
DEFAULT_REGISTRY = "https://registry.npmjs.org/"

# package -> (folder under vendor/, files taken from the tarball's ``package/``)
VENDOR: dict[str, tuple[str, tuple[str, ...]]] = {
    # The DMN viewer (decision requirements diagrams, decision tables, literal expressions):
    # shows decision models as Camunda Modeler does.
    "dmn-js": (
        "dmn-js",
        (
            "dist/dmn-viewer.production.min.js",
            "dist/assets/dmn-js-shared.css",
            "dist/assets/dmn-js-drd.css",
            "dist/assets/dmn-js-decision-table.css",
            "dist/assets/dmn-js-literal-expression.css",
            "dist/assets/dmn-js-boxed-expression.css",
            "dist/assets/diagram-js.css",
            "dist/assets/dmn-font/css/dmn-embedded.css",
            "LICENSE",
        ),
    ),
    # The web UI: server-rendered pages enhanced by htmx, Alpine (its CSP build: no eval),
    # ECharts for charts, Pico as the base stylesheet.
    "htmx.org": ("htmx", ("dist/htmx.min.js", "LICENSE")),
    "@alpinejs/csp": ("alpine", ("dist/cdn.min.js",)),
    "echarts": ("echarts", ("dist/echarts.min.js", "LICENSE")),
    "@picocss/pico": ("pico", ("css/pico.min.css", "LICENSE.md")),
    # Drag and drop (with keyboard alternatives of our own) on the designer pages only.
    "sortablejs": ("sortable", ("Sortable.min.js", "LICENSE")),
    "swagger-ui-dist": (
        "swagger-ui",
        (
            "swagger-ui-bundle.js",
            "swagger-ui.css",
            "favicon-32x32.png",
            "LICENSE",
            "NOTICE",
        ),
    ),
}


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def tarball_url(name: str, entry: dict[str, Any]) -> str:
    if entry.get("resolved"):
        return str(entry["resolved"])
    base = os.environ.get("NPM_CONFIG_REGISTRY", DEFAULT_REGISTRY).rstrip("/")
    return f"{base}/{name}/-/{name.rsplit('/', 1)[-1]}-{entry['version']}.tgz"


def verify_integrity(name: str, data: bytes, integrity: str) -> None:
    algorithm, _, expected = integrity.partition("-")
    if algorithm != "sha512":
        raise RuntimeError(f"{name}: unsupported integrity {algorithm!r} in package-lock.json")
    actual = base64.b64encode(hashlib.sha512(data).digest()).decode()
    if actual != expected:
        raise RuntimeError(f"{name}: the downloaded tarball does not match package-lock.json")


def is_current(manifest: dict[str, Any], name: str, entry: dict[str, Any]) -> bool:
    recorded = manifest.get(name)
    if not recorded or recorded.get("integrity") != entry["integrity"]:
        return False
    folder = VENDOR_DIR / VENDOR[name][0]
    files: dict[str, str] = recorded.get("files", {})
    return set(files) == set(VENDOR[name][1]) and all(
        (folder / file).is_file() and sha256_of((folder / file).read_bytes()) == digest
        for file, digest in files.items()
    )


def fetch(name: str, entry: dict[str, Any]) -> dict[str, str]:
    """Download, verify and extract one package's files; their sha256 digests."""
    with urllib.request.urlopen(tarball_url(name, entry), timeout=120) as response:
        data = response.read()
    verify_integrity(name, data, entry["integrity"])
    folder_name, files = VENDOR[name]
    folder = VENDOR_DIR / folder_name
    folder.mkdir(parents=True, exist_ok=True)
    digests: dict[str, str] = {}
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        for file in files:
            member = archive.extractfile(f"package/{file}")
            if member is None:
                raise RuntimeError(f"{name}: {file} is missing from the tarball")
            content = member.read()
            (folder / file).parent.mkdir(parents=True, exist_ok=True)
            (folder / file).write_bytes(content)
            digests[file] = sha256_of(content)
    return digests


def vendor_assets() -> None:
    packages = json.loads(LOCK.read_text(encoding="utf-8"))["packages"]
    manifest: dict[str, Any] = (
        json.loads(MANIFEST.read_text(encoding="utf-8")) if MANIFEST.is_file() else {}
    )
    changed = False
    for name in VENDOR:
        entry = packages[f"node_modules/{name}"]
        if is_current(manifest, name, entry):
            continue
        digests = fetch(name, entry)
        manifest[name] = {
            "version": entry["version"],
            "integrity": entry["integrity"],
            "files": digests,
        }
        changed = True
    if changed:
        MANIFEST.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", "utf-8")


class VendorAssetsHook(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if LOCK.is_file():  # a build from an sdist without the lock already carries the files
            vendor_assets()
        build_data.setdefault("artifacts", []).append("src/brickwork/platform/web/static/vendor/")


if __name__ == "__main__":
    vendor_assets()
