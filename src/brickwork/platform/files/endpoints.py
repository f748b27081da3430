"""HTTP endpoints of the file store (thin: read the request, call the service, shape the reply).

Downloads are always attachments with ``nosniff`` and a sandboxing CSP, so an uploaded HTML or
SVG file can never run in the platform's origin.
"""

from __future__ import annotations

import pathlib
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Request
from fastapi.responses import FileResponse

from brickwork.platform.api.body import raw_body
from brickwork.platform.api.deps import SessionDep
from brickwork.platform.api.responses import ExactJSONResponse, reply
from brickwork.platform.auth.deps import ActorDep
from brickwork.platform.files.content import content_disposition, header_name
from brickwork.platform.files.schemas import FileOut
from brickwork.platform.files.service import FileService
from brickwork.platform.models import StoredFile

router = APIRouter(prefix="/files", tags=["files"])

FileId = Annotated[str, Path(max_length=64, description="The file's id")]
PROBLEM = {"model": None, "description": "Problem (application/problem+json)"}
ERRORS: dict[int | str, dict[str, Any]] = {
    400: PROBLEM,
    404: PROBLEM,
    413: PROBLEM,
    422: PROBLEM,
}
DOWNLOAD_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cache-Control": "private, no-store",
}
UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "description": "The file's bytes; Content-Type is the file's media type",
        "content": {
            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
            "application/pdf": {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


def files(request: Request) -> FileService:
    service: FileService = request.app.state.files
    return service


FilesDep = Annotated[FileService, Depends(files)]


def file_out(row: StoredFile) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "size": row.size,
        "content_type": row.content_type,
        "sha256": row.sha256,
        "created_at": row.created_at,
    }


def download_response(row: StoredFile, path: pathlib.Path) -> FileResponse:
    """A stored file as an attachment under its uploaded name, never rendered by the browser."""
    return FileResponse(
        path,
        media_type=row.content_type,
        headers={"Content-Disposition": content_disposition(row.name), **DOWNLOAD_HEADERS},
    )


@router.post(
    "", status_code=201, response_model=FileOut, responses=ERRORS, openapi_extra=UPLOAD_BODY
)
def upload_file(
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    service: FilesDep,
    content: Annotated[bytes, Depends(raw_body)],
    x_filename: Annotated[
        str | None,
        Header(
            alias="X-Filename",
            max_length=4096,
            description="File name; non-ASCII names percent-encoded UTF-8 or RFC 5987"
            " (UTF-8''%E5%90%88%E5%90%8C.pdf)",
        ),
    ] = None,
    filename: Annotated[
        str | None,
        Query(max_length=4096, description="File name, when the X-Filename header is not sent"),
    ] = None,
) -> ExactJSONResponse:
    """Store one file (the raw body). The reply is the reference to put in a record."""
    name = header_name(x_filename) if x_filename is not None else filename
    row = service.upload(
        session, actor, content, name=name, content_type=request.headers.get("content-type")
    )
    location = f"{request.url.path.rstrip('/')}/{row.id}"
    return reply(file_out(row), 201, headers={"Location": location})


@router.get(
    "/{file_id}",
    response_class=FileResponse,
    responses={
        200: {"content": {"application/octet-stream": {}}, "description": "The file"},
        401: PROBLEM,
        403: PROBLEM,
        404: PROBLEM,
    },
)
def download_file(
    file_id: FileId, session: SessionDep, actor: ActorDep, service: FilesDep
) -> FileResponse:
    """The file's content, as an attachment under its uploaded name (its uploader only; others
    download it through the record it is attached to)."""
    row, path = service.download(session, actor, file_id)
    return download_response(row, path)


@router.get(
    "/{file_id}/meta", response_model=FileOut, responses={401: PROBLEM, 403: PROBLEM, 404: PROBLEM}
)
def file_meta(
    file_id: FileId, session: SessionDep, actor: ActorDep, service: FilesDep
) -> ExactJSONResponse:
    """The stored file's details (its uploader only; others read the record's reference)."""
    return reply(file_out(service.owned(session, actor, file_id)))
