"""The API reference page (Swagger UI) with its scripts and styles served by this server."""

from __future__ import annotations

import base64
import hashlib
import re

from fastapi import APIRouter
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

from brickwork.platform.web.assets import SWAGGER_UI

INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def reference_router(*, openapi_url: str, docs_url: str, title: str) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get(docs_url)
    def reference() -> HTMLResponse:
        page = get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{title} - API reference",
            swagger_js_url=f"{SWAGGER_UI}/swagger-ui-bundle.js",
            swagger_css_url=f"{SWAGGER_UI}/swagger-ui.css",
            swagger_favicon_url=f"{SWAGGER_UI}/favicon-32x32.png",
            swagger_ui_parameters={"validatorUrl": None, "persistAuthorization": False},
        )
        page.headers["Content-Security-Policy"] = page_policy(bytes(page.body).decode())
        return page

    return router


def page_policy(html: str) -> str:
    """Scripts and styles from this server only; the page's one inline script by its hash."""
    hashes = " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()}'"
        for script in INLINE_SCRIPT.findall(html)
    )
    return (
        f"default-src 'none'; script-src 'self' {hashes}; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'"
    )
