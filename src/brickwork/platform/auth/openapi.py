"""How the API authenticates, as the OpenAPI document declares it (see ``auth/deps.py``): the
session cookie, with the CSRF header on unsafe methods, or an API token as a bearer token."""

from __future__ import annotations

from brickwork.platform.api.router import Security
from brickwork.platform.auth.deps import CSRF_HEADER, SESSION_COOKIE

SECURITY = Security(
    schemes={
        "session": {
            "type": "apiKey",
            "in": "cookie",
            "name": SESSION_COOKIE,
            "description": "The HttpOnly cookie set by POST /api/v1/auth/login.",
        },
        "csrf": {
            "type": "apiKey",
            "in": "header",
            "name": CSRF_HEADER,
            "description": (
                "The csrf_token returned by sign-in; required with the session cookie on "
                "POST, PUT, PATCH and DELETE."
            ),
        },
        "bearer": {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token (POST /api/v1/auth/tokens), limited to its scopes.",
        },
    },
    safe=({"session": ()}, {"bearer": ()}),
    unsafe=({"session": (), "csrf": ()}, {"bearer": ()}),
)
