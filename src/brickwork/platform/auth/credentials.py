"""Random secrets (session, CSRF and API tokens) and their stored form (SHA-256, hex).

Pure: no database, no logging. Secrets are returned to the caller to show once; only
``digest(secret)`` is ever stored, and digests are compared in constant time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

TOKEN_BYTES = 32
API_TOKEN_MARK = "bwk_"
"""API tokens start with this, so secret scanners and people can recognise them."""
PREFIX_LENGTH = 8


def new_secret() -> str:
    """32 random bytes, URL-safe base64 (43 characters)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def new_api_token() -> str:
    return API_TOKEN_MARK + new_secret()


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def same_digest(secret: str, stored_digest: str) -> bool:
    """Does ``secret`` hash to ``stored_digest``? Constant time in the compared digests."""
    return hmac.compare_digest(digest(secret), stored_digest)


def csrf_for(session_token: str) -> str:
    """The CSRF token of a session: an HMAC of its cookie token, so the server can hand it out
    again (``GET /auth/me``) without storing it; unguessable without the cookie."""
    mac = hmac.new(session_token.encode("utf-8"), b"brickwork csrf", hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode("ascii").rstrip("=")
