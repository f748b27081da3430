"""The packaged front-end assets are the ones ``package-lock.json`` pins (the build hook writes
them and their manifest; a stale or edited file fails here)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENDOR = ROOT / "src" / "brickwork" / "platform" / "web" / "static" / "vendor"
FOLDERS = {
    "swagger-ui-dist": "swagger-ui",
    "dmn-js": "dmn-js",
    "htmx.org": "htmx",
    "@alpinejs/csp": "alpine",
    "echarts": "echarts",
    "@picocss/pico": "pico",
    "sortablejs": "sortable",
}


def test_vendored_files_match_the_lock() -> None:
    lock = json.loads((ROOT / "package-lock.json").read_text(encoding="utf-8"))
    declared = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))["dependencies"]
    manifest = json.loads((VENDOR / "manifest.json").read_text(encoding="utf-8"))
    assert set(manifest) == set(FOLDERS)
    for name, folder in FOLDERS.items():
        entry = lock["packages"][f"node_modules/{name}"]
        assert declared[name] == entry["version"]  # an exact version, no range
        assert manifest[name]["integrity"] == entry["integrity"]
        assert entry["integrity"].startswith("sha512-")
        for file, digest in manifest[name]["files"].items():
            assert hashlib.sha256((VENDOR / folder / file).read_bytes()).hexdigest() == digest
