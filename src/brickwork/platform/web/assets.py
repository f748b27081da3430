"""Static assets served from the package: ``/static/vendor/...`` holds the pinned third-party
files that the build hook (``hatch_build.py``) extracts from the npm registry's tarballs.
Nothing is loaded from a CDN at run time."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).parent / "static"
STATIC_URL = "/static"
SWAGGER_UI = f"{STATIC_URL}/vendor/swagger-ui"


def mount_static(app: FastAPI) -> None:
    # check_dir=False: a checkout not yet built still starts; its assets answer 404.
    app.mount(STATIC_URL, StaticFiles(directory=STATIC_DIR, check_dir=False), name="static")
