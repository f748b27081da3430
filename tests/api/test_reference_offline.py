"""The API reference works without Internet access: its page names only this server's URLs, and
those answer with the packaged assets."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

REFERENCES = re.compile(r"""(?:src|href)=["']([^"']+)["']|url:\s*'([^']+)'""")
CONTENT_TYPES = {
    ".js": ("text/javascript", "application/javascript"),
    ".css": ("text/css",),
    ".png": ("image/png",),
    ".json": ("application/json",),
}


def test_the_reference_page_loads_only_local_assets(anonymous_client: TestClient) -> None:
    page = anonymous_client.get("/api/v1/docs")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "://" not in page.text  # no CDN, no validator, no absolute URL at all
    urls = {first or second for first, second in REFERENCES.findall(page.text)}
    assert {url.rsplit(".", 1)[-1] for url in urls} == {"js", "css", "png", "json"}
    for url in sorted(urls):
        assert url.startswith("/"), url
        assert not url.startswith("//"), url
        response = anonymous_client.get(url)
        assert response.status_code == 200, url
        suffix = "." + url.rsplit(".", 1)[-1]
        assert response.headers["content-type"].startswith(CONTENT_TYPES[suffix]), url
        assert len(response.content) > 0
        assert response.headers["x-content-type-options"] == "nosniff"
    bundle = anonymous_client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js")
    assert b"SwaggerUIBundle" in bundle.content


def test_the_reference_page_policy_allows_only_its_own_scripts(
    anonymous_client: TestClient,
) -> None:
    policy = anonymous_client.get("/api/v1/docs").headers["content-security-policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    sources = directives["script-src"].split()
    assert sources[0] == "'self'"
    assert len(sources) == 2
    assert sources[1].startswith("'sha256-")


def test_static_assets_outside_the_folder_are_not_served(anonymous_client: TestClient) -> None:
    assert anonymous_client.get("/static/vendor/swagger-ui/missing.js").status_code == 404
    assert anonymous_client.get("/static/../assets.py").status_code == 404
