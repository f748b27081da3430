"""Attachment fields hold files stored by the platform, described exactly as uploaded."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import quote

from fastapi.testclient import TestClient

API = "/api/v1"
RECORDS = f"{API}/apps/docs/forms/contract/records"


def upload(client: TestClient, name: str) -> dict[str, Any]:
    content = b"%PDF-1.7\n% " + uuid.uuid4().hex.encode() + b"\n%%EOF\n"
    response = client.post(
        f"{API}/files",
        content=content,
        headers={"content-type": "application/pdf", "x-filename": f"UTF-8''{quote(name)}"},
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return {k: body[k] for k in ("id", "name", "size", "content_type")}


def test_attachments_must_be_stored_files_described_truthfully(client: TestClient) -> None:
    client.post(f"{API}/apps", json={"key": "docs", "label": "Docs"})
    client.post(
        f"{API}/apps/docs/definitions",
        json={
            "kind": "form",
            "key": "contract",
            "label": "Contract",
            "spec": {
                "fields": [
                    {"id": "f_title", "key": "title", "type": "text", "label": "Title"},
                    {
                        "id": "f_files",
                        "key": "files",
                        "type": "attachment",
                        "label": "Files",
                        "content_types": ["application/pdf"],
                    },
                ]
            },
        },
    )
    assert client.post(f"{API}/apps/docs/definitions/form/contract/publish").status_code == 201

    first, second = upload(client, "合同.pdf"), upload(client, "annex.pdf")
    created = client.post(RECORDS, json={"title": "A", "files": [first, second]})
    assert created.status_code == 201, created.text
    assert [f["name"] for f in created.json()["files"]] == ["合同.pdf", "annex.pdf"]

    forged = {**second, "size": second["size"] + 1}
    missing = {**first, "id": str(uuid.uuid4())}
    refused = client.post(RECORDS, json={"title": "B", "files": [first, forged, missing]})
    assert refused.status_code == 422
    assert {(e["pointer"], e["code"]) for e in refused.json()["errors"]} == {
        ("/files/1", "file_size_mismatch"),
        ("/files/2", "file_not_found"),
    }
